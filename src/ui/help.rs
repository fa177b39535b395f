//! The `?` overlay, generated from the keymap.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::app::keys::{help_lines, Context};
use crate::app::state::AppState;

/// Width of the key column, its leading space included.
const KEY_WIDTH: usize = 13;

/// Draws the help box centred over `area`. A description longer than the box
/// wraps under itself, indented past the key column.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, ctx: Context) {
    let t = &state.theme;
    let w = area.width.min(100);
    let text_width = usize::from(w.saturating_sub(2))
        .saturating_sub(KEY_WIDTH)
        .max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (k, h) in help_lines(ctx) {
        for (i, part) in wrap_words(h, text_width).into_iter().enumerate() {
            let key = if i == 0 {
                format!(" {k:<width$}", width = KEY_WIDTH - 1)
            } else {
                " ".repeat(KEY_WIDTH)
            };
            lines.push(Line::from(vec![
                Span::styled(key, t.accent),
                Span::styled(part, t.text),
            ]));
        }
    }
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

/// `text` cut into lines of at most `width` characters, between words where
/// it can (a word longer than a line is split).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        let need = if len == 0 {
            word.len()
        } else {
            len + 1 + word.len()
        };
        if need > width && len > 0 {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.extend(word.iter());
        len += word.len();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn wraps_between_words_and_splits_only_overlong_ones() {
        assert_eq!(wrap_words("a bb ccc dd", 6), vec!["a bb", "ccc dd"]);
        assert_eq!(wrap_words("abcdef x", 4), vec!["abcd", "ef x"]);
        assert_eq!(wrap_words("", 5), vec![""]);
    }
}
