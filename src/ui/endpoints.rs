//! The Endpoints view: hosts with their load-balancing status, and under the
//! table what each health flag of the selected host means.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::table::TableView;
use crate::app::endpoints::selected_host;
use crate::app::registry::table_of;
use crate::app::state::{AppState, ViewKind, ViewState};

/// Draws the table and the selected host's flags explained.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let Some((table, _)) = table_of(state, ViewKind::Endpoints, state.selected) else {
        return;
    };
    let detail = explain(state, view);
    let h = (detail.len() as u16 * 2).min(area.height / 3);
    let [top, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(area);
    frame.render_widget(
        TableView {
            table,
            view,
            theme: &state.theme,
            focused,
        },
        top,
    );
    frame.render_widget(Paragraph::new(detail).wrap(Wrap { trim: true }), bottom);
}

/// One line per health flag of the selected host: its name and meaning.
pub fn explain(state: &AppState, view: &ViewState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(host) = selected_host(state, view) else {
        return Vec::new();
    };
    host.health_status
        .flags()
        .into_iter()
        .map(|f| {
            Line::from(vec![
                Span::styled(format!("{} ", f.name()), t.warn),
                Span::styled(f.meaning().to_string(), t.text),
            ])
        })
        .collect()
}
