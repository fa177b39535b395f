//! What a table view remembers between keystrokes, so typing a filter
//! narrows the rows of the one before it instead of scanning the table again.

use std::sync::Arc;

use super::table::{Filter, Sort, Visible};

/// Filters a view remembers (the prefixes of what is being typed).
const MEMO_FILTERS: usize = 32;
/// Row indices it may hold in all (8 bytes each: 32 MB), each list counted
/// once however many filters share it.
const MEMO_ROWS: usize = 4_000_000;

/// What a table view remembers between keystrokes: recent filters and their
/// rows in display order, for the data version, sort and keys they were
/// computed for. A filter that [refines](Filter::refines) a remembered one
/// scans only that one's rows; one typed before (Backspace) is not scanned.
#[derive(Debug, Clone, Default)]
pub struct FilterMemo {
    basis: Option<(u64, Option<Sort>, Option<Vec<String>>)>,
    recent: Vec<(Filter, Visible)>,
}

impl FilterMemo {
    fn valid(&self, version: u64, sort: Option<Sort>, keys: Option<&[String]>) -> bool {
        self.basis
            .as_ref()
            .is_some_and(|(ver, s, k)| *ver == version && *s == sort && k.as_deref() == keys)
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.recent.is_empty()
    }

    /// The rows of `filter` if remembered (first), else the fewest rows of a
    /// remembered filter it narrows (second), for this data version, sort and keys.
    pub fn lookup(
        &self,
        version: u64,
        sort: Option<Sort>,
        keys: Option<&[String]>,
        filter: &Filter,
    ) -> (Option<&Visible>, Option<&Visible>) {
        if !self.valid(version, sort, keys) {
            return (None, None);
        }
        if let Some((_, rows)) = self.recent.iter().rev().find(|(f, _)| f == filter) {
            return (Some(rows), None);
        }
        let among = self
            .recent
            .iter()
            .filter(|(f, _)| filter.refines(f))
            .min_by_key(|(_, rows)| rows.len())
            .map(|(_, rows)| rows);
        (None, among)
    }

    /// Remembers `rows` (in display order) as what `filter` shows.
    pub fn remember(
        &mut self,
        version: u64,
        sort: Option<Sort>,
        keys: Option<&[String]>,
        filter: &Filter,
        rows: &Visible,
    ) {
        if !self.valid(version, sort, keys) {
            self.basis = Some((version, sort, keys.map(<[String]>::to_vec)));
            self.recent.clear();
        }
        if self.recent.iter().any(|(f, _)| f == filter) || rows.len() > MEMO_ROWS {
            return;
        }
        self.recent.push((filter.clone(), Arc::clone(rows)));
        while self.recent.len() > 1
            && (self.recent.len() > MEMO_FILTERS || held(&self.recent) > MEMO_ROWS)
        {
            self.recent.remove(0);
        }
    }
}

/// Row indices held by `recent`, a list that several filters share (every
/// row passing `c`, `cl`, `clu`… of `cluster.local`) counted once.
fn held(recent: &[(Filter, Visible)]) -> usize {
    recent
        .iter()
        .enumerate()
        .filter(|&(i, (_, rows))| !recent[..i].iter().any(|(_, o)| Arc::ptr_eq(o, rows)))
        .map(|(_, (_, rows))| rows.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remember_all(memo: &mut FilterMemo, filters: &[&str], rows: &Visible) {
        for f in filters {
            memo.remember(1, None, None, &Filter::parse(f), rows);
        }
    }

    #[test]
    fn filters_sharing_one_list_of_rows_count_it_once() {
        let typed = ["", "c", "cl", "clu", "clus", "clust", "cluste", "cluster"];
        // 1.5M rows that every prefix keeps: one list, shared.
        let every: Visible = Arc::new((0..1_500_000).collect());
        let mut memo = FilterMemo::default();
        remember_all(&mut memo, &typed, &every);
        for f in typed {
            let (exact, _) = memo.lookup(1, None, None, &Filter::parse(f));
            assert!(
                exact.is_some_and(|r| Arc::ptr_eq(r, &every)),
                "{f:?} forgotten"
            );
        }
        // Lists of their own still count each: three of 1.5M pass the budget.
        let mut memo = FilterMemo::default();
        for f in ["a", "ab", "abc"] {
            let own: Visible = Arc::new((0..1_500_000).collect());
            memo.remember(1, None, None, &Filter::parse(f), &own);
        }
        let kept = ["a", "ab", "abc"]
            .iter()
            .filter(|f| memo.lookup(1, None, None, &Filter::parse(f)).0.is_some())
            .count();
        assert_eq!(kept, 2);
    }
}
