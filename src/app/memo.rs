//! What a table view remembers between keystrokes, so typing a filter
//! narrows the rows of the one before it instead of scanning the table again.

use std::sync::Arc;

use super::table::{Filter, Sort, Visible};

/// Filters a view remembers (the prefixes of what is being typed).
const MEMO_FILTERS: usize = 32;
/// Row indices it may hold in all (8 bytes each: 32 MB).
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
        let mut total: usize = self.recent.iter().map(|(_, r)| r.len()).sum();
        while self.recent.len() > 1 && (self.recent.len() > MEMO_FILTERS || total > MEMO_ROWS) {
            total -= self.recent.remove(0).1.len();
        }
    }
}
