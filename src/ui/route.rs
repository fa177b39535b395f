//! The Route view: the decision trail of `meshscope route`, each step marked
//! as it went (✓ ✗ · ■), the verdict last in the colour of its outcome.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::AppState;
use crate::model::route_explain::{trail, RouteDecision};

/// Draws a route decision.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, d: &RouteDecision) {
    frame.render_widget(
        Paragraph::new(lines(state, d)).wrap(Wrap { trim: false }),
        area,
    );
}

/// The trail as styled lines: matched steps plain, failed and stopping ones
/// in the warn colour, the verdict in ok or error.
pub fn lines(state: &AppState, d: &RouteDecision) -> Vec<Line<'static>> {
    let t = &state.theme;
    let matched = d.verdict.matched();
    trail(d)
        .lines()
        .map(|l| {
            let style = if l.starts_with("=>") || l.starts_with("   upstream cluster:") {
                if matched {
                    t.ok
                } else {
                    t.error
                }
            } else if l.contains(" ✗ ") || l.contains(" ■ ") {
                t.warn
            } else if l.contains(" ✓ ") {
                t.text
            } else {
                t.dim
            };
            Line::from(Span::styled(l.to_string(), style))
        })
        .collect()
}
