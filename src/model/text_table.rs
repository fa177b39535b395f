//! The one plain-text table writer of the CLI: left-aligned columns two
//! spaces apart, trailing spaces trimmed. Padding is written by hand, never
//! with a `{:<w$}` width (which panics past 65,535), and a column is padded
//! to at most [`MAX_PAD`] characters, so one huge cell (a 1 MB stat name from
//! a live admin port) overflows its own row instead of widening every row.

/// Widest a column is padded to; longer cells are written whole, unpadded.
pub const MAX_PAD: usize = 120;

/// Renders `header` and `rows` as a table.
pub fn text_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut out = String::new();
    push_table(&mut out, header, rows);
    out
}

/// Appends the table of `header` and `rows` to `out`.
pub fn push_table<const N: usize>(out: &mut String, header: &[&str; N], rows: &[[String; N]]) {
    let mut table = Columns::new(header);
    for row in rows {
        table.measure(row.each_ref().map(String::as_str));
    }
    table.push_header(out, header);
    for row in rows {
        table.push_row(out, row.each_ref().map(String::as_str));
    }
}

/// Column widths for a table written in two passes without keeping its rows:
/// [`Columns::measure`] every row, then [`Columns::push_header`] and
/// [`Columns::push_row`] each row again. Same text as [`text_table`].
#[derive(Debug, Clone)]
pub struct Columns<const N: usize> {
    widths: [usize; N],
}

impl<const N: usize> Columns<N> {
    /// Widths of the header alone.
    pub fn new(header: &[&str; N]) -> Self {
        Columns {
            widths: header.map(|h| h.chars().count().min(MAX_PAD)),
        }
    }

    /// Widens the columns to fit `row`.
    pub fn measure(&mut self, row: [&str; N]) {
        for (w, cell) in self.widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }

    /// Appends the header line.
    pub fn push_header(&self, out: &mut String, header: &[&str; N]) {
        push_line(out, header.iter().copied(), &self.widths);
    }

    /// Appends one row.
    pub fn push_row(&self, out: &mut String, row: [&str; N]) {
        push_line(out, row.into_iter(), &self.widths);
    }
}

/// A cell's display width for padding, capped at [`MAX_PAD`] without
/// counting a huge cell to its end.
fn width(cell: &str) -> usize {
    cell.chars().take(MAX_PAD).count()
}

fn push_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    let start = out.len();
    for (i, (cell, w)) in cells.zip(widths).enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        out.push_str(cell);
        let pad = w.saturating_sub(width(cell));
        out.extend(std::iter::repeat_n(' ', pad));
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_trailing_spaces_go() {
        let t = text_table(&["A", "BB"], &[["xyz".into(), "1".into()]]);
        assert_eq!(t, "A    BB\nxyz  1\n");
        let t = text_table(&["NAME", "V"], &[["é".into(), "".into()]]);
        assert_eq!(t, "NAME  V\né\n");
    }

    #[test]
    fn a_huge_cell_overflows_its_own_row_only() {
        let huge = "x".repeat(1 << 20);
        let t = text_table(
            &["NAME", "VALUE"],
            &[[huge.clone(), "1".into()], ["short".into(), "2".into()]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], format!("{huge}  1"));
        assert_eq!(lines[2], format!("short{}  2", " ".repeat(MAX_PAD - 5)));
    }
}
