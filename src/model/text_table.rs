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
    let mut widths = header.map(|h| h.chars().count().min(MAX_PAD));
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    push_line(out, header.iter().copied(), &widths);
    for row in rows {
        push_line(out, row.iter().map(String::as_str), &widths);
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
