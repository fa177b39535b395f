//! The sidecar list (full screen): every target with its readiness, Envoy
//! state and worst finding.

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::panes::filter_note;
use super::table::TableView;
use crate::app::state::AppState;

/// The sidecar list (full screen).
pub fn draw_targets(frame: &mut Frame, area: Rect, state: &AppState) {
    let t = &state.theme;
    let v = &state.targets;
    let title = format!(
        " Sidecars {}/{} {}",
        v.visible.len(),
        state.targets_table.rows.len(),
        filter_note(v)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Span::styled(title, t.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if state.mesh.pods.is_empty() {
        frame.render_widget(Paragraph::new("No sidecars found.").style(t.dim), inner);
        return;
    }
    frame.render_widget(
        TableView {
            table: &state.targets_table,
            view: v,
            theme: t,
            focused: true,
        },
        inner,
    );
}
