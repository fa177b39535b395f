//! The virtualised table: only the rows on screen become widgets, so a view
//! with 100k rows draws as fast as one with 20.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::state::ViewState;
use crate::app::table::Table;
use crate::theme::Theme;

/// A table view borrowing its data, its view state and the theme.
pub struct TableView<'a> {
    /// Rows and columns.
    pub table: &'a Table,
    /// Visible rows, cursor, offset, sort.
    pub view: &'a ViewState,
    /// Colours.
    pub theme: &'a Theme,
    /// Whether the pane has focus (the cursor row is highlighted only then).
    pub focused: bool,
}

/// Column widths for a total width. Columns keep their preferred width while
/// they fit; the first column gets at most half of a narrow pane; columns that
/// no longer fit are hidden (width 0, zoom with `z` to see them) and the last
/// shown column takes what is left. Optional columns (repeating others) are
/// hidden first, right to left, when that is what lets every other column but
/// the last fit at its preferred width.
pub fn column_widths(table: &Table, total: u16) -> Vec<u16> {
    let columns = &table.columns;
    let mut shown = vec![true; columns.len()];
    if !all_but_last_fit(table, &shown, total) {
        let mut trial = shown.clone();
        for i in (0..columns.len()).rev().filter(|&i| columns[i].optional) {
            trial[i] = false;
            if all_but_last_fit(table, &trial, total) {
                shown = trial;
                break;
            }
        }
    }
    fill_in_order(table, &shown, total)
}

/// Whether the shown columns but the last fit at their preferred widths.
fn all_but_last_fit(table: &Table, shown: &[bool], total: u16) -> bool {
    let widths: Vec<u32> = table
        .columns
        .iter()
        .zip(shown)
        .filter(|(_, s)| **s)
        .map(|(c, _)| u32::from(c.width))
        .collect();
    let n = widths.len().saturating_sub(1);
    let need: u32 = widths[..n].iter().sum::<u32>() + u32::try_from(n).unwrap_or(u32::MAX);
    need <= u32::from(total)
}

/// Preferred widths of the shown columns left to right while they fit (see
/// [`column_widths`]).
fn fill_in_order(table: &Table, shown: &[bool], total: u16) -> Vec<u16> {
    let n = shown.iter().filter(|s| **s).count();
    let mut widths = vec![0u16; table.columns.len()];
    let mut left = total;
    let mut placed = 0;
    for (i, c) in table.columns.iter().enumerate() {
        if !shown[i] {
            continue;
        }
        let want = if placed == 0 && n > 1 {
            c.width.min(total / 2).max(c.width.min(12))
        } else {
            c.width
        };
        let gap = u16::from(placed > 0);
        if left < gap + 4 {
            break;
        }
        let w = want.min(left - gap);
        widths[i] = w;
        left -= w + gap;
        placed += 1;
        if w < want {
            break;
        }
    }
    if let Some(last) = widths.iter().rposition(|w| *w > 0) {
        widths[last] += left;
    }
    widths
}

fn fit(text: &str, width: u16) -> String {
    let w = usize::from(width);
    let count = text.chars().count();
    if count <= w {
        let mut s = text.to_string();
        s.extend(std::iter::repeat_n(' ', w - count));
        s
    } else if w == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(w - 1).collect();
        s.push('…');
        s
    }
}

impl Widget for TableView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let t = self.theme;
        let widths = column_widths(self.table, area.width);
        let header: Vec<Span> = self
            .table
            .columns
            .iter()
            .zip(&widths)
            .enumerate()
            .filter(|(_, (_, w))| **w > 0)
            .flat_map(|(i, (c, w))| {
                let mut title = c.title.to_string();
                if let Some(s) = self.view.sort.filter(|s| s.column == i) {
                    title.push(if s.descending { '▼' } else { '▲' });
                }
                [Span::styled(fit(&title, *w), t.header), Span::raw(" ")]
            })
            .collect();
        buf.set_line(area.x, area.y, &Line::from(header), area.width);
        let rows_h = usize::from(area.height - 1);
        let start = self.view.offset.min(self.view.visible.len());
        for (line, &idx) in self.view.visible[start..].iter().take(rows_h).enumerate() {
            let Some(row) = self.table.rows.get(idx) else {
                continue;
            };
            let selected = self.focused && start + line == self.view.cursor;
            let base = if selected {
                t.selection
            } else {
                t.severity(row.severity)
            };
            let style = if !selected && row.severity == crate::model::severity::Severity::Ok {
                t.text
            } else {
                base
            };
            let spans: Vec<Span> = row
                .cells
                .iter()
                .zip(&widths)
                .filter(|(_, w)| **w > 0)
                .flat_map(|(cell, w)| {
                    [Span::styled(fit(cell, *w), style), Span::styled(" ", style)]
                })
                .collect();
            let y = area.y + 1 + line as u16;
            buf.set_style(
                Rect::new(area.x, y, area.width, 1),
                if selected {
                    t.selection
                } else {
                    Style::default()
                },
            );
            buf.set_line(area.x, y, &Line::from(spans), area.width);
        }
        if self.view.visible.is_empty() {
            let msg = if self.table.rows.is_empty() {
                "(no rows)"
            } else {
                "(nothing matches the filter)"
            };
            buf.set_string(area.x + 1, area.y + 1, msg, t.dim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::table::Column;

    #[test]
    fn widths_fill_and_shrink() {
        let t = Table {
            columns: vec![
                Column::text("A", 10),
                Column::text("B", 10),
                Column::text("C", 10),
            ],
            rows: vec![],
        };
        assert_eq!(column_widths(&t, 40), vec![10, 10, 18]);
        assert_eq!(
            column_widths(&t, 20),
            vec![10, 9, 0],
            "the third column is hidden"
        );
        let wide = Table {
            columns: vec![Column::text("NAME", 56), Column::text("B", 10)],
            rows: vec![],
        };
        assert_eq!(column_widths(&wide, 50), vec![25, 24]);
        assert_eq!(fit("abcdef", 4), "abc…");
        let clusters = Table {
            columns: crate::app::clusters::table::cluster_columns(),
            rows: vec![],
        };
        assert_eq!(
            column_widths(&clusters, 118),
            vec![56, 0, 6, 0, 0, 12, 18, 8, 13],
            "zoomed, the name's parts give way to state and limits"
        );
        let mut highlighted = clusters.clone();
        highlighted.columns.push(Column::text("HIGHLIGHT", 44));
        assert_eq!(
            column_widths(&highlighted, 118),
            vec![56, 0, 6, 0, 0, 12, 18, 8, 13, 0],
            "state and limits win over the highlight when zoomed at 120 columns"
        );
        assert_eq!(
            column_widths(&highlighted, 200),
            vec![56, 36, 6, 8, 10, 12, 18, 8, 12, 25],
            "wide enough, every column shows"
        );
        assert_eq!(
            column_widths(&clusters, 58),
            vec![29, 28, 0, 0, 0, 0, 0, 0, 0],
            "a narrow pane still fills in order"
        );
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
