//! The virtualised table: only the rows on screen become widgets, so a view
//! with 100k rows draws as fast as one with 20.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::state::ViewState;
use crate::app::table::{Column, Elide, Priority, Table};
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

/// Column widths for a total width, responsive: every shown column gets at
/// least its minimum; while the minimums do not fit, normal columns are
/// hidden right to left, never a [`Priority::Key`] one; a low-priority column
/// (repeating others) shows only when it fits at its full width beside the
/// rest at theirs. Then the width left grows the columns toward their
/// preferred widths, key columns first (numbers before names), and the last
/// shown column takes the rest. Only when the key columns alone do not fit
/// are they cut from the right (width 0 is hidden; `z` zooms the pane).
pub fn column_widths(table: &Table, total: u16) -> Vec<u16> {
    fit_columns(&table.columns, total, &[])
}

/// [`column_widths`] for `columns` with those at the indices in `hidden`
/// left out whatever their priority.
fn fit_columns(columns: &[Column], total: u16, hidden: &[usize]) -> Vec<u16> {
    let gaps = |n: u32| n.saturating_sub(1);
    let sum = |shown: &[bool], width: &dyn Fn(&Column) -> u16| -> u32 {
        let (sum, n) = columns
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .fold((0u32, 0u32), |(sum, n), (c, _)| {
                (sum + u32::from(width(c)), n + 1)
            });
        sum + gaps(n)
    };
    // Key and normal columns; normal ones go, rightmost first, while they do
    // not fit at their minimums with the key columns halfway to their
    // preferred widths (a name cut to its minimum is worth less than them).
    let mut shown: Vec<bool> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| c.priority != Priority::Low && !hidden.contains(&i))
        .collect();
    let floor = |c: &Column| match c.priority {
        Priority::Key => c.min + c.width.saturating_sub(c.min) / 2,
        _ => c.min,
    };
    while sum(&shown, &floor) > u32::from(total) {
        let drop = (0..columns.len())
            .rev()
            .find(|&i| shown[i] && columns[i].priority == Priority::Normal);
        match drop {
            Some(i) => shown[i] = false,
            None => break,
        }
    }
    // A low-priority column repeats others: shown, left to right, only when
    // it fits at its full width beside every other shown column at theirs.
    for i in 0..columns.len() {
        if columns[i].priority == Priority::Low && !hidden.contains(&i) {
            shown[i] = true;
            if sum(&shown, &|c| c.width) > u32::from(total) {
                shown[i] = false;
            }
        }
    }
    let mut widths = vec![0u16; columns.len()];
    let mut left = i32::from(total);
    // Minimums, left to right, while they fit (key columns alone may not).
    for (i, c) in columns.iter().enumerate().filter(|(i, _)| shown[*i]) {
        let gap = i32::from(widths.iter().any(|w| *w > 0));
        if left < gap + 1 {
            break;
        }
        let w = i32::from(c.min).min(left - gap);
        widths[i] = u16::try_from(w).unwrap_or(0);
        left -= w + gap;
    }
    // Toward the preferred widths, tier by tier (key, normal, low): first the
    // short columns (numbers, states, codes) in full, then the long names
    // share what is left in proportion to what each lacks (and are elided).
    for tier in [Priority::Key, Priority::Normal, Priority::Low] {
        let mine = |widths: &[u16], short: bool| -> Vec<usize> {
            (0..columns.len())
                .filter(|&i| widths[i] > 0 && columns[i].priority == tier)
                .filter(|&i| (columns[i].numeric || columns[i].width <= SHORT) == short)
                .collect()
        };
        for i in mine(&widths, true) {
            let grow = i32::from(columns[i].width.saturating_sub(widths[i])).min(left.max(0));
            widths[i] += u16::try_from(grow).unwrap_or(0);
            left -= grow;
        }
        let long = mine(&widths, false);
        let lacks: Vec<i32> = long
            .iter()
            .map(|&i| i32::from(columns[i].width.saturating_sub(widths[i])))
            .collect();
        let total_lack: i32 = lacks.iter().sum();
        if total_lack == 0 || left <= 0 {
            continue;
        }
        let pool = left.min(total_lack);
        let mut given = 0;
        for (k, (&i, lack)) in long.iter().zip(&lacks).enumerate() {
            let share = if k + 1 == long.len() {
                pool - given
            } else {
                pool * lack / total_lack
            };
            widths[i] += u16::try_from(share.max(0)).unwrap_or(0);
            given += share;
        }
        left -= pool;
    }
    if let Some(last) = widths.iter().rposition(|w| *w > 0) {
        widths[last] += u16::try_from(left.max(0)).unwrap_or(0);
    }
    widths
}

/// Columns this narrow (or numeric) are widened in full before long names.
const SHORT: u16 = 12;

/// `text` cut to `width` cells, losing its middle the way names are cut in
/// tables (see [`elide_middle`]); shorter text is returned as it is.
pub fn elide(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    fit(
        text,
        u16::try_from(width).unwrap_or(u16::MAX),
        Elide::Middle,
    )
}

/// `text` padded or cut to `width` cells; a cut loses its end (`…`), or its
/// middle (`outbound|8000||htt…cluster.local`) or its start, as `how` says.
fn fit(text: &str, width: u16, how: Elide) -> String {
    let w = usize::from(width);
    let count = text.chars().count();
    if count <= w {
        let mut s = text.to_string();
        s.extend(std::iter::repeat_n(' ', w - count));
        s
    } else if w == 0 {
        String::new()
    } else if how == Elide::Middle && w >= 9 {
        elide_middle(text, w)
    } else if how == Elide::Start {
        let mut s = String::from('…');
        s.extend(text.chars().skip(count - (w - 1)));
        s
    } else {
        let mut s: String = text.chars().take(w - 1).collect();
        s.push('…');
        s
    }
}

/// `text` (longer than `w`) in `w` cells with its middle cut: Istio names
/// (`outbound|8000||httpbin.default.svc.cluster.local`) keep everything up to
/// the host's first label and end on whole labels (`outbound|8000||httpbin.d…
/// cluster.local`); other names keep their first two thirds and their end.
fn elide_middle(text: &str, w: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let host = chars.iter().rposition(|c| *c == '|').map_or(0, |p| p + 1);
    let label_end = chars[host..]
        .iter()
        .position(|c| *c == '.')
        .map(|p| host + p);
    let (head, tail) = match label_end {
        // Room for the host's first label, `…` and at least one label of the end.
        Some(h) if h > 0 && h + 3 <= w => {
            let room = w - 1 - h;
            let end = &chars[n - room..];
            // Start the end on a whole label; what that frees goes to the head.
            let skip = end
                .iter()
                .position(|c| *c == '.')
                .filter(|p| p + 1 < end.len())
                .map_or(0, |p| p + 1);
            (h + skip, room - skip)
        }
        // Too narrow for the host's label and an end: keep the start.
        Some(h) if h > 0 => (w - 1, 0),
        _ => {
            let head = (w - 1) * 2 / 3;
            (head, w - 1 - head)
        }
    };
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[n - tail..]);
    s
}

/// Visible rows checked for uniform columns (more: the check is skipped).
const UNIFORM_CHECK_ROWS: usize = 5_000;

impl TableView<'_> {
    /// Column widths, with the columns that hide when uniform hidden when
    /// every visible row (2 or more) has the same cell there.
    fn widths(&self, total: u16) -> Vec<u16> {
        let visible = &self.view.visible;
        let cell = |row: usize, c: usize| {
            self.table
                .rows
                .get(row)
                .and_then(|r| r.cells.get(c))
                .map(String::as_str)
        };
        let uniform: Vec<usize> = (0..self.table.columns.len())
            .filter(|&c| self.table.columns[c].drop_when_uniform)
            .filter(|_| (2..=UNIFORM_CHECK_ROWS).contains(&visible.len()))
            .filter(|&c| {
                let first = cell(visible[0], c);
                visible.iter().all(|&r| cell(r, c) == first)
            })
            .collect();
        fit_columns(&self.table.columns, total, &uniform)
    }
}

impl Widget for TableView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let t = self.theme;
        let widths = self.widths(area.width);
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
                [
                    Span::styled(fit(&title, *w, Elide::End), t.header),
                    Span::raw(" "),
                ]
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
                .zip(&self.table.columns)
                .filter(|((_, w), _)| **w > 0)
                .flat_map(|((cell, w), c)| {
                    [
                        Span::styled(fit(cell, *w, c.elide), style),
                        Span::styled(" ", style),
                    ]
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

    fn table(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: vec![],
        }
    }

    #[test]
    fn widths_fill_then_hide_the_least_important_first() {
        let t = table(vec![
            Column::text("A", 10),
            Column::text("B", 10),
            Column::text("C", 10),
        ]);
        assert_eq!(column_widths(&t, 40), vec![10, 10, 18]);
        assert_eq!(
            column_widths(&t, 20),
            vec![10, 4, 4],
            "narrowed to their minimums"
        );
        assert_eq!(column_widths(&t, 12), vec![7, 4, 0], "C, rightmost, goes");
        let t = table(vec![
            Column::text("NAME", 30).key(),
            Column::text("NOTE", 10).optional(),
            Column::num("VALUE", 8).key(),
            Column::text("MORE", 10),
        ]);
        assert_eq!(column_widths(&t, 80), vec![30, 10, 8, 29]);
        assert_eq!(
            column_widths(&t, 30),
            vec![16, 0, 8, 4],
            "the low-priority column goes before the normal one; numbers grow first"
        );
        assert_eq!(
            column_widths(&t, 12),
            vec![4, 0, 7, 0],
            "key columns are never hidden, only cut when nothing else is left"
        );
    }

    #[test]
    fn the_decisive_columns_survive_narrow_panes() {
        let clusters = table(crate::app::clusters::table::cluster_columns());
        let title = |w: &[u16], t: &Table| -> Vec<&str> {
            t.columns
                .iter()
                .zip(w)
                .filter(|(_, w)| **w > 0)
                .map(|(c, _)| c.title)
                .collect()
        };
        let w = column_widths(&clusters, 50);
        assert_eq!(title(&w, &clusters), ["NAME", "STATE", "CX/PEND/RQ"]);
        assert_eq!(w.iter().sum::<u16>() + 2, 50, "the pane is filled");
        let w = column_widths(&clusters, 118);
        assert_eq!(
            title(&w, &clusters),
            [
                "NAME",
                "PORT",
                "SUBSET",
                "DESTINATION RULE",
                "STATE",
                "CX/PEND/RQ"
            ],
            "zoomed, the name's repeated parts give way"
        );
        assert_eq!(w[0], 56);
        let stats = table(crate::app::stats::table::stats_columns());
        let w = column_widths(&stats, 50);
        assert_eq!(title(&w, &stats), ["SCOPE", "STAT", "VALUE", "RATE/s"]);
        assert_eq!(w[2], 10, "VALUE at its full width");
    }

    #[test]
    fn long_names_lose_their_middle_when_asked() {
        assert_eq!(fit("abcdef", 4, Elide::End), "abc…");
        assert_eq!(fit("ab", 4, Elide::End), "ab  ");
        let name = "outbound|8000||httpbin.default.svc.cluster.local";
        assert_eq!(
            fit(name, 40, Elide::Middle),
            "outbound|8000||httpbin.def…cluster.local"
        );
        assert_eq!(
            fit(name, 30, Elide::Middle),
            "outbound|8000||httpbin.d…local"
        );
        assert_eq!(fit(name, 24, Elide::Middle), "outbound|8000||httpbin.…");
        assert_eq!(
            fit("virtualInbound-blackhole-9999", 12, Elide::Middle),
            "virtual…9999"
        );
        assert_eq!(
            fit("abcdefghijkl", 6, Elide::Middle),
            "abcde…",
            "too narrow: cut the end"
        );
        assert_eq!(
            fit("2024-05-14T09:20:02.000Z", 14, Elide::Start),
            "…09:20:02.000Z"
        );
        for w in 0..60 {
            for how in [Elide::End, Elide::Middle, Elide::Start] {
                assert_eq!(fit(name, w, how).chars().count(), usize::from(w));
            }
        }
    }
}
