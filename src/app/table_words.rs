//! The filter text of a big table for word filters, kept apart from the
//! rows: per row, its lower-cased cells except those contained in another
//! of its cells, then its tags, in one buffer with a row per line. A word
//! (no blanks) is in a row's full text exactly when it is in this one, as
//! is a `name:value` tag match, so word filters read about a third less
//! (a cluster row repeats its name's parts in five columns) and never touch
//! the `Row` structs; the first keystroke on a big table, which cannot
//! narrow an earlier filter, searches the whole buffer for its longest word
//! with one SIMD finder instead of calling it once per row.

use memchr::memmem::Finder;

use super::{nth_text, Matcher, Row};

/// See the module docs.
pub(super) struct Words {
    text: Box<str>,
    /// Row `i` is `text[starts[i]..starts[i + 1]]`, its `\n` last.
    starts: Box<[u32]>,
    /// Row `i`'s [`MASK_BITS`]: which of 64 common bytes it holds.
    masks: Box<[u64]>,
}

/// The bytes that have a bit in a row's mask: lower-case letters, digits
/// and the punctuation of names (the text is lower-cased).
const MASKED: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyz0123456789-._|:/@=,#*+!?%&()[]{}<>;~'$";

/// Bit of byte `b` in a row mask (0: none).
const MASK_BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut k = 0;
    while k < MASKED.len() {
        t[MASKED[k] as usize] = 1 << k;
        k += 1;
    }
    t
};

/// The mask bits of every byte of `s`.
fn mask(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | MASK_BITS[usize::from(b)])
}

impl Words {
    /// The index of `rows`, or `None` when its text would pass 4 GiB.
    pub(super) fn build(rows: &[Row]) -> Option<Words> {
        let mut text = String::new();
        let mut starts = Vec::with_capacity(rows.len() + 1);
        starts.push(0u32);
        let mut masks = Vec::with_capacity(rows.len());
        let mut lower = Vec::new();
        for row in rows {
            let start = text.len();
            compact_row(&row.cells, row.haystack.as_str(), &mut lower, &mut text);
            masks.push(mask(text.get(start..).unwrap_or("")));
            text.push('\n');
            starts.push(u32::try_from(text.len()).ok()?);
        }
        Some(Words {
            text: text.into_boxed_str(),
            starts: starts.into_boxed_slice(),
            masks: masks.into_boxed_slice(),
        })
    }

    /// Rows indexed.
    pub(super) fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Row `i`'s text, without its `\n`.
    pub(super) fn row(&self, i: usize) -> &str {
        let row = nth_text(&self.text, &self.starts, i);
        row.strip_suffix('\n').unwrap_or(row)
    }

    /// Whether row `i` holds every byte whose bit is in `need`.
    pub(super) fn has(&self, i: usize, need: u64) -> bool {
        self.masks.get(i).is_some_and(|m| m & need == need)
    }

    /// The mask bits a row must hold for `m` to let it through: those of
    /// its included words.
    pub(super) fn mask_of(&self, m: &Matcher<'_>) -> u64 {
        m.words().0.fold(0, |acc, w| acc | mask(w))
    }

    /// `(need, deny)` when masks alone decide `m`: every word is one byte
    /// that has a bit; a row passes when it holds all of `need` and none of
    /// `deny`.
    pub(super) fn decided_by_masks(&self, m: &Matcher<'_>) -> Option<(u64, u64)> {
        let bit = |w: &str| match w.as_bytes() {
            [b] => Some(MASK_BITS[usize::from(*b)]).filter(|&bit| bit != 0),
            _ => None,
        };
        let (include, exclude) = m.words();
        let need = include.map(bit).try_fold(0, |acc, b| b.map(|b| acc | b))?;
        let deny = exclude.map(bit).try_fold(0, |acc, b| b.map(|b| acc | b))?;
        Some((need, deny))
    }

    /// How many rows' masks hold all of `need` and none of `deny`.
    pub(super) fn count_masks(&self, need: u64, deny: u64) -> usize {
        self.masks
            .iter()
            .filter(|&&m| m & need == need && m & deny == 0)
            .count()
    }

    /// Rows `lo..hi` whose masks hold all of `need` and none of `deny`,
    /// written into `out` (as long as the range); how many.
    pub(super) fn scan_masks(
        &self,
        lo: usize,
        hi: usize,
        need: u64,
        deny: u64,
        out: &mut [usize],
    ) -> usize {
        let masks = self.masks.get(lo..hi).unwrap_or(&[]);
        let mut k = 0;
        for (i, &m) in masks.iter().enumerate() {
            // Written always, kept when it passes: no branch to mispredict.
            if let Some(slot) = out.get_mut(k) {
                *slot = lo + i;
            }
            k += usize::from(m & need == need && m & deny == 0);
        }
        k
    }

    /// Rows `lo..hi` that `keep` lets through, in order, written into `out`
    /// (as long as the range); how many. With a `probe` that every kept row
    /// contains, only rows where the probe is found are asked.
    pub(super) fn scan(
        &self,
        lo: usize,
        hi: usize,
        probe: Option<&Finder<'_>>,
        out: &mut [usize],
        keep: impl Fn(usize, &str) -> bool,
    ) -> usize {
        let mut k = 0;
        let mut put = |i: usize| {
            if let Some(slot) = out.get_mut(k) {
                *slot = i;
                k += 1;
            }
        };
        let Some(probe) = probe else {
            (lo..hi).filter(|&i| keep(i, self.row(i))).for_each(put);
            return k;
        };
        let at = |i: usize| self.starts.get(i).map_or(self.text.len(), |&s| s as usize);
        let (bytes, end) = (self.text.as_bytes(), at(hi));
        let mut r = lo;
        while r < hi {
            let Some(found) = bytes.get(at(r)..end).and_then(|h| probe.find(h)) else {
                break;
            };
            r = self.row_of(at(r) + found, r, hi);
            if keep(r, self.row(r)) {
                put(r);
            }
            r += 1;
        }
        k
    }

    /// The row (in `from..hi`, the first at or before `pos`) holding byte
    /// `pos`: a search that gallops forward, as matches come in order and
    /// are often in the next row.
    fn row_of(&self, pos: usize, from: usize, hi: usize) -> usize {
        let s = &self.starts;
        let before = |i: usize| s.get(i).is_some_and(|&x| x as usize <= pos);
        let mut bound = 1;
        while from + bound < hi && before(from + bound) {
            bound *= 2;
        }
        let (a, b) = (from + bound / 2, (from + bound).min(hi));
        let within = s.get(a..b).unwrap_or(&[]);
        a + within
            .partition_point(|&x| x as usize <= pos)
            .saturating_sub(1)
    }
}

/// Appends row text for word filters: the lower-cased cells that no other
/// cell contains (the first of equal ones), then the tags of `hay` (the
/// row's full filter text: its cells joined by blanks, lower-cased, then
/// ` name:value` tags). A `hay` that is not that is appended whole.
fn compact_row(cells: &[String], hay: &str, lower: &mut Vec<String>, out: &mut String) {
    lower.clear();
    lower.extend(cells.iter().map(|c| c.to_lowercase()));
    let joined: usize =
        lower.iter().map(String::len).sum::<usize>() + lower.len().saturating_sub(1);
    let cells_part = hay.get(..joined);
    let made_of_cells = cells_part.is_some_and(|h| {
        let mut rest = h;
        lower.iter().enumerate().all(|(k, c)| {
            let sep = usize::from(k > 0);
            let ok = (sep == 0 || rest.starts_with(' '))
                && rest.get(sep..sep + c.len()) == Some(c.as_str());
            rest = rest.get(sep + c.len()..).unwrap_or("");
            ok
        })
    });
    let tags = hay
        .get(joined..)
        .filter(|t| made_of_cells && (t.is_empty() || t.starts_with(' ')));
    let Some(tags) = tags else {
        out.push_str(hay);
        return;
    };
    let mut order: Vec<usize> = (0..lower.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(lower[k].len()));
    let mut kept = vec![false; lower.len()];
    for (n, &k) in order.iter().enumerate() {
        let cell = &lower[k];
        let covered = cell.is_empty()
            || order[..n]
                .iter()
                .any(|&o| kept[o] && lower[o].contains(cell.as_str()));
        kept[k] = !covered;
    }
    let mut first = true;
    for (cell, _) in lower.iter().zip(&kept).filter(|(_, &k)| k) {
        if !first {
            out.push(' ');
        }
        out.push_str(cell);
        first = false;
    }
    out.push_str(tags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::severity::Severity;

    fn row(cells: &[&str]) -> Row {
        Row::new(
            "k",
            cells.iter().map(|c| c.to_string()).collect(),
            Severity::Ok,
        )
    }

    #[test]
    fn cells_inside_another_cell_are_left_out() {
        let rows = vec![
            row(&[
                "outbound|80|v1|reviews.ns.svc",
                "reviews.ns.svc",
                "80",
                "v1",
                "EDS",
                "eds",
                "",
            ]),
            row(&["Ab", "ab", "x"]).with_tags(&[("flag", "UH")]),
        ];
        let w = Words::build(&rows).expect("index");
        assert_eq!(w.len(), 2);
        assert_eq!(w.row(0), "outbound|80|v1|reviews.ns.svc eds");
        assert_eq!(w.row(1), "ab x flag:uh");
    }

    #[test]
    fn a_scan_with_a_probe_finds_what_a_row_by_row_scan_finds() {
        let rows: Vec<Row> = (0..500)
            .map(|i| {
                row(&[
                    &format!("svc-{i}.team-{}", i % 7),
                    &format!("{}", i % 13),
                    "x",
                ])
            })
            .collect();
        let w = Words::build(&rows).expect("index");
        for needle in ["team-3", "svc-4", "1", "x", "zzz", "svc-499.team-2"] {
            let finder = Finder::new(needle.as_bytes());
            let keep = |_: usize, t: &str| t.contains(needle);
            for (lo, hi) in [(0, 500), (0, 1), (17, 250), (499, 500), (250, 250)] {
                let by_row: Vec<usize> = (lo..hi).filter(|&i| keep(i, w.row(i))).collect();
                for probe in [Some(&finder), None] {
                    let mut out = vec![0; hi - lo];
                    let n = w.scan(lo, hi, probe, &mut out, keep);
                    assert_eq!(out[..n], by_row[..], "{needle} {lo}..{hi}");
                }
            }
        }
    }
}
