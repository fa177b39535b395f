//! A faithful port of the subset of Go's `text/tabwriter` that istioctl uses
//! (`minwidth 0`, padding N, pad char ' ', no flags), so our tables are
//! byte-for-byte what `istioctl proxy-config` prints.
//!
//! Cells are tab-terminated: the text after the last tab on a line is not part
//! of a column and is never padded. Column widths are computed per *column
//! block* (consecutive lines that have a cell in that column), exactly like Go.
//!
//! Work is linear in input plus output: each cell's width is counted once and
//! padding is copied in runs. The output itself is rows × column width, as
//! Go's is: one long cell widens its whole column block.

/// Formats `text` (lines separated by `\n`, cells by `\t`) as Go's tabwriter
/// would with `Init(w, 0, 8, padding, ' ', 0)` followed by `Flush()`.
pub fn format(text: &str, padding: usize) -> String {
    let mut lines: Vec<Vec<Cell<'_>>> = text
        .split('\n')
        .map(|l| l.split('\t').map(Cell::new).collect())
        .collect();
    // A trailing newline leaves one empty final line, which Go never emits.
    let ends_with_newline = text.ends_with('\n');
    if ends_with_newline {
        lines.pop();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut widths: Vec<usize> = Vec::new();
    format_block(&lines, 0, lines.len(), &mut widths, padding, &mut out);
    if ends_with_newline {
        out.push('\n');
    }
    out
}

/// A cell and its width in characters, counted once.
struct Cell<'a> {
    text: &'a str,
    width: usize,
}

impl<'a> Cell<'a> {
    fn new(text: &'a str) -> Self {
        Cell {
            text,
            width: text.chars().count(),
        }
    }
}

fn format_block(
    lines: &[Vec<Cell<'_>>],
    line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut start = line0;
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, start, this, widths, out);
        start = this;
        let mut width = 0;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].width + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, start, this, widths, padding, out);
        widths.pop();
        start = this;
    }
    write_lines(lines, start, line1, widths, out);
}

fn write_lines(
    lines: &[Vec<Cell<'_>>],
    from: usize,
    to: usize,
    widths: &[usize],
    out: &mut String,
) {
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell.text);
            if let Some(&w) = widths.get(j) {
                pad(out, w.saturating_sub(cell.width));
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

/// Appends `n` spaces, a run at a time.
fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn pads_tab_terminated_cells_and_leaves_the_last_cell_alone() {
        let got = format("NAME\tPORT\tTYPE\nlonger-name\t80\tHTTP\n", 5);
        assert_eq!(
            got,
            "NAME            PORT     TYPE\nlonger-name     80       HTTP\n"
        );
    }

    #[test]
    fn an_empty_trailing_cell_still_pads_the_cell_before_it() {
        let got = format("A\tB\t\nxx\ty\t\n", 5);
        assert_eq!(got, "A      B     \nxx     y     \n");
    }

    #[test]
    fn a_line_without_tabs_ends_the_column_block() {
        let got = format("a\tb\n\nlonger\tc\n", 1);
        assert_eq!(got, "a b\n\nlonger c\n");
    }

    #[test]
    fn one_long_cell_widens_its_whole_block_like_go() {
        let mut text = String::new();
        for i in 0..2_000 {
            let cell = if i == 7 { "L".repeat(700) } else { "s".into() };
            text.push_str(&format!("n{i}\t{cell}\tx\n"));
        }
        let got = format(&text, 5);
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 2_000);
        // Every row's third cell starts at the same column: after the widest
        // name (n1999 + 5) and the long cell (700 + 5).
        for l in &lines {
            assert_eq!(l.chars().count(), 10 + 705 + 1, "{l:.40}");
            assert!(l.ends_with(" x"));
        }
        assert!(lines[0].starts_with("n0        s "));
    }

    #[test]
    fn no_trailing_newline_is_kept() {
        assert_eq!(format("A\tB\nxyz\tC", 2), "A    B\nxyz  C");
    }
}
