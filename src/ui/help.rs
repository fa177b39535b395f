//! The `?` overlay, generated from the keymap.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::app::keys::{help_lines, Context};
use crate::app::state::AppState;

/// Draws the help box centred over `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, ctx: Context) {
    let t = &state.theme;
    let lines: Vec<Line> = help_lines(ctx)
        .into_iter()
        .map(|(k, h)| {
            Line::from(vec![
                Span::styled(format!(" {k:<12}"), t.accent),
                Span::styled(h, t.text),
            ])
        })
        .collect();
    let w = area.width.min(100);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let title = match ctx {
        Context::Global => " Keys ",
        Context::Table => " Keys: table views ",
        Context::Json => " Keys: raw JSON ",
        Context::Stats => " Keys: stats ",
    };
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.focus_border)
                .title(Span::styled(title, t.accent)),
        ),
        r,
    );
}
