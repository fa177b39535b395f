//! Views that are not tables of config: stats, logs, memory, istiod.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::data::Data;
use crate::app::state::{AppState, ViewKind};
use crate::sources::target::Endpoint;

/// Draws one of the text views.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, kind: ViewKind) {
    let lines = match kind {
        ViewKind::Stats => body_lines(state, Endpoint::Stats, usize::from(area.height)),
        ViewKind::Memory => body_lines(state, Endpoint::Memory, usize::from(area.height)),
        _ => Vec::new(),
    };
    frame.render_widget(Paragraph::new(lines), area);
}

fn body_lines(state: &AppState, ep: Endpoint, height: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    match state.slot(state.selected, ep).and_then(|s| s.data()) {
        Some(Data::Text { body, .. }) => body
            .lines()
            .take(height)
            .map(|l| Line::from(Span::styled(l.to_string(), t.text)))
            .collect(),
        _ => Vec::new(),
    }
}
