//! One generic, sortable, filterable table that every list view uses. Rows
//! are built once when data arrives (off the UI thread); filtering and
//! sorting only shuffle an index vector. A filter is compiled once per pass
//! (SIMD substring finders from `memchr`), big tables are scanned on every
//! core, and a filter that narrows an earlier one scans only the earlier
//! one's rows ([`Filter::refines`]), so a keystroke on 1M rows stays in a frame.

use std::sync::Arc;

use memchr::memmem::Finder;

use crate::model::severity::Severity;

/// Which columns go first as a pane narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Repeats what other columns show (e.g. parsed from the name): hidden first.
    Low,
    /// Useful, hidden when the pane is too narrow for it.
    Normal,
    /// The decisive figure or the row's identity: never hidden, only narrowed.
    Key,
}

/// Which part of a long cell gives way to `…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elide {
    /// The end (most text).
    End,
    /// The middle: names whose tail tells them apart
    /// (`outbound|8000||httpbin…cluster.local`).
    Middle,
    /// The start: timestamps, whose end is the time of day.
    Start,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Header text.
    pub title: &'static str,
    /// Preferred width in cells (the last column takes the rest).
    pub width: u16,
    /// Fewest cells worth showing; a pane too narrow for it hides the column
    /// (unless it is [`Priority::Key`]).
    pub min: u16,
    /// Sort numerically (cells parse as numbers) instead of as text.
    pub numeric: bool,
    /// Which columns go first as the pane narrows.
    pub priority: Priority,
    /// Which part of a long cell gives way.
    pub elide: Elide,
    /// Hidden when every visible row says the same (a Stats pane following
    /// one cluster: its scope is in the title).
    pub drop_when_uniform: bool,
}

impl Column {
    /// A text column.
    pub const fn text(title: &'static str, width: u16) -> Column {
        Column {
            title,
            width,
            min: default_min(title, width),
            numeric: false,
            priority: Priority::Normal,
            elide: Elide::End,
            drop_when_uniform: false,
        }
    }
    /// A numeric column.
    pub const fn num(title: &'static str, width: u16) -> Column {
        Column {
            numeric: true,
            ..Column::text(title, width)
        }
    }
    /// The same column, marked as repeating what other columns show.
    pub const fn optional(self) -> Column {
        Column {
            priority: Priority::Low,
            ..self
        }
    }
    /// The same column, never hidden: the view's decisive figure or the
    /// row's name.
    pub const fn key(self) -> Column {
        Column {
            priority: Priority::Key,
            ..self
        }
    }
    /// The same column with this minimum width.
    pub const fn min(self, min: u16) -> Column {
        Column { min, ..self }
    }
    /// The same column, its long cells elided in the middle.
    pub const fn middle(self) -> Column {
        Column {
            elide: Elide::Middle,
            ..self
        }
    }
    /// The same column, hidden when every visible row has the same cell.
    pub const fn uniform_hides(self) -> Column {
        Column {
            drop_when_uniform: true,
            ..self
        }
    }
    /// The same column, its long cells cut at the start (timestamps: the
    /// time of day stays, `…09:20:02.000Z`).
    pub const fn keep_end(self) -> Column {
        Column {
            elide: Elide::Start,
            ..self
        }
    }
}

/// The header's width (at least 4), but never more than the preferred width.
const fn default_min(title: &str, width: u16) -> u16 {
    let t = title.len() as u16;
    let m = if t < 4 { 4 } else { t };
    if m < width {
        m
    } else {
        width
    }
}

/// One row: its cells, how bad it is, and the resource it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Cell texts, one per column.
    pub cells: Vec<String>,
    /// Row severity (colours the row).
    pub severity: Severity,
    /// The resource name this row stands for (cluster, listener, route config…),
    /// used to drill down and to open the raw JSON.
    pub key: String,
    /// Lower-cased cells joined, for filtering.
    haystack: Hay,
}

/// A row's filter text: its own, or its range of its table's shared
/// buffer once the table is [indexed](Table::indexed).
#[derive(Clone)]
enum Hay {
    Own(String),
    Shared(Arc<str>, u32, u32),
}

impl Hay {
    fn as_str(&self) -> &str {
        match self {
            Hay::Own(s) => s,
            Hay::Shared(text, start, end) => text.get(*start as usize..*end as usize).unwrap_or(""),
        }
    }
}

impl PartialEq for Hay {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Hay {}

impl std::fmt::Debug for Hay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl Row {
    /// A row from cells.
    pub fn new(key: impl Into<String>, cells: Vec<String>, severity: Severity) -> Row {
        let haystack = Hay::Own(cells.join(" ").to_lowercase());
        Row {
            cells,
            severity,
            key: key.into(),
            haystack,
        }
    }

    /// A row that also matches `name:value` filter tokens (e.g. `flag:uh`,
    /// `status:5xx`), so `/` can filter on fields, not only on text.
    pub fn with_tags(mut self, tags: &[(&str, &str)]) -> Row {
        let mut hay = match self.haystack {
            Hay::Own(s) => s,
            shared @ Hay::Shared(..) => shared.as_str().to_string(),
        };
        for (name, value) in tags {
            hay.push(' ');
            hay.push_str(name);
            hay.push(':');
            hay.push_str(&value.to_lowercase());
        }
        self.haystack = Hay::Own(hay);
        self
    }
}

/// A whole table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows in their natural order.
    pub rows: Vec<Row>,
}

/// How a filter string matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchMode {
    /// Every space-separated word must appear (case-insensitive); `!word` must not.
    Words,
    /// The characters appear in order (fzf-style), when the filter starts with `~`.
    Fuzzy,
    /// A regular expression (case-insensitive), when the filter starts with `re:`.
    Regex(Pattern),
}

/// A compiled regular expression, compared by its source.
#[derive(Debug, Clone)]
pub struct Pattern(regex::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for Pattern {}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    mode: MatchMode,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Filter {
    /// Parses filter text: words (all must match, `!x` excludes), or `~abc` fuzzy.
    pub fn parse(text: &str) -> Filter {
        // `re:` takes the rest as a regular expression; one that does not
        // compile is matched literally instead.
        if let Some(re) = text.trim().strip_prefix("re:") {
            if let Ok(r) = regex::Regex::new(&format!("(?i){re}")) {
                return Filter {
                    mode: MatchMode::Regex(Pattern(r)),
                    include: vec![re.to_string()],
                    exclude: vec![],
                };
            }
            return Filter {
                mode: MatchMode::Words,
                include: vec![re.to_lowercase()],
                exclude: vec![],
            };
        }
        let t = text.trim().to_lowercase();
        if let Some(f) = t.strip_prefix('~') {
            return Filter {
                mode: MatchMode::Fuzzy,
                include: vec![f.replace(' ', "")],
                exclude: vec![],
            };
        }
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for w in t.split_whitespace() {
            match w.strip_prefix('!') {
                Some(x) if !x.is_empty() => exclude.push(x.to_string()),
                Some(_) => {}
                None => include.push(w.to_string()),
            }
        }
        Filter {
            mode: MatchMode::Words,
            include,
            exclude,
        }
    }

    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.include.iter().all(String::is_empty) && self.exclude.is_empty()
    }

    fn matches(&self, hay: &str) -> bool {
        match &self.mode {
            MatchMode::Words => {
                self.include.iter().all(|w| word_matches(hay, w))
                    && !self.exclude.iter().any(|w| word_matches(hay, w))
            }
            MatchMode::Regex(Pattern(r)) => r.is_match(hay),
            MatchMode::Fuzzy => {
                let mut chars = hay.chars();
                self.include
                    .first()
                    .is_none_or(|pat| pat.chars().all(|p| chars.any(|c| c == p)))
            }
        }
    }
}

/// A word matches as a substring; `name:value` also matches a tag `name:…`
/// whose value contains `value` (`cluster:httpbin` finds
/// `cluster:outbound|8000||httpbin.default…`).
fn word_matches(hay: &str, word: &str) -> bool {
    hay.contains(word) || tag_matches(hay, word)
}

/// The tag half of [`word_matches`].
fn tag_matches(hay: &str, word: &str) -> bool {
    let Some((name, value)) = word.split_once(':') else {
        return false;
    };
    if name.is_empty() || value.is_empty() {
        return false;
    }
    let tag = format!("{name}:");
    hay.match_indices(&tag).any(|(i, _)| {
        let rest = &hay[i + tag.len()..];
        rest.split(' ').next().is_some_and(|v| v.contains(value))
    })
}

/// Whether every haystack holding `new` also holds `old`, as [`word_matches`]
/// decides (so a row `new` lets through, `old` let through too).
fn word_implies(new: &str, old: &str) -> bool {
    match (new.split_once(':'), old.split_once(':')) {
        // A literal or tag match of `name:value` holds `name` and `value`.
        (Some((name, value)), None) => {
            new.contains(old) || name.contains(old) || value.contains(old)
        }
        (None, None) => new.contains(old),
        (Some((n1, v1)), Some((n2, v2))) => n1 == n2 && !v2.is_empty() && v1.contains(v2),
        (None, Some(_)) => false,
    }
}

impl Filter {
    /// Whether every row this filter lets through, `older` lets through too:
    /// then only `older`'s rows need looking at (typing narrows).
    pub fn refines(&self, older: &Filter) -> bool {
        if older.is_empty() {
            return true;
        }
        match (&self.mode, &older.mode) {
            (MatchMode::Words, MatchMode::Words) => {
                older
                    .include
                    .iter()
                    .all(|o| self.include.iter().any(|n| word_implies(n, o)))
                    // Each old exclusion is covered by a new one as wide or wider.
                    && older.exclude.iter().all(|o| {
                        self.exclude
                            .iter()
                            .any(|n| if o.contains(':') { n == o } else { o.contains(n.as_str()) })
                    })
            }
            (MatchMode::Fuzzy, MatchMode::Fuzzy) => {
                match (self.include.first(), older.include.first()) {
                    (Some(new), Some(old)) => new.starts_with(old.as_str()),
                    _ => false,
                }
            }
            _ => self == older,
        }
    }
}

/// A filter compiled for one pass over many rows.
struct Matcher<'f> {
    filter: &'f Filter,
    include: Vec<(Finder<'f>, &'f str)>,
    exclude: Vec<(Finder<'f>, &'f str)>,
}

impl<'f> Matcher<'f> {
    fn new(filter: &'f Filter) -> Matcher<'f> {
        let compile = |words: &'f [String]| {
            words
                .iter()
                .filter(|w| !w.is_empty())
                .map(|w| (Finder::new(w.as_bytes()), w.as_str()))
                .collect()
        };
        Matcher {
            filter,
            include: compile(&filter.include),
            exclude: compile(&filter.exclude),
        }
    }

    fn matches(&self, hay: &str) -> bool {
        let found = |(f, w): &(Finder<'_>, &str)| {
            f.find(hay.as_bytes()).is_some() || (w.contains(':') && tag_matches(hay, w))
        };
        match self.filter.mode {
            MatchMode::Words => self.include.iter().all(found) && !self.exclude.iter().any(found),
            _ => self.filter.matches(hay),
        }
    }
}

/// Rows scanned on one thread; more are split across the cores.
const PARALLEL_MIN: usize = 32_768;

/// Sort order of a table view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// Column index.
    pub column: usize,
    /// Descending instead of ascending.
    pub descending: bool,
}

impl Table {
    /// The table with every row's filter text moved into one shared buffer,
    /// in row order: a filter then streams through memory instead of chasing
    /// one allocation per row (at 1M rows, the difference between a frame and
    /// several). Done where data is processed, off the UI thread, for tables
    /// that can be huge; rows added or replaced later keep their own text.
    /// A table whose text passes 4 GiB stays as it is.
    pub fn indexed(mut self) -> Table {
        let total: usize = self.rows.iter().map(|r| r.haystack.as_str().len()).sum();
        if u32::try_from(total).is_err() {
            return self;
        }
        let mut text = String::with_capacity(total);
        let mut ranges = Vec::with_capacity(self.rows.len());
        for r in &self.rows {
            let start = text.len();
            text.push_str(r.haystack.as_str());
            ranges.push((start, text.len()));
        }
        let shared: Arc<str> = Arc::from(text);
        for (r, (start, end)) in self.rows.iter_mut().zip(ranges) {
            if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
                r.haystack = Hay::Shared(Arc::clone(&shared), start, end);
            }
        }
        self
    }

    /// Indices of the rows that pass `filter` (and, when given, whose key is
    /// one of `keys`), in `sort` order (natural order without one).
    pub fn view(&self, filter: &Filter, sort: Option<Sort>, keys: Option<&[String]>) -> Vec<usize> {
        self.view_among(filter, sort, keys, None)
    }

    /// [`Table::view`], looking only at `among` when given: the rows of a
    /// filter this one [refines](Filter::refines), already in `sort` order
    /// (so they are not sorted again).
    pub fn view_among(
        &self,
        filter: &Filter,
        sort: Option<Sort>,
        keys: Option<&[String]>,
        among: Option<&[usize]>,
    ) -> Vec<usize> {
        let everything = filter.is_empty() && keys.is_none();
        let mut idx: Vec<usize> = match among {
            Some(a) if everything => a.to_vec(),
            None if everything => (0..self.rows.len()).collect(),
            _ => self.scan(filter, keys, among),
        };
        if let (Some(s), None) = (sort, among) {
            self.sort(&mut idx, s);
        }
        idx
    }

    /// The rows (of `among`, or all) that pass, in the order given; split
    /// across threads when there are many.
    fn scan(
        &self,
        filter: &Filter,
        keys: Option<&[String]>,
        among: Option<&[usize]>,
    ) -> Vec<usize> {
        let m = Matcher::new(filter);
        let keep = |i: usize| {
            self.rows.get(i).is_some_and(|r| {
                keys.is_none_or(|k| k.contains(&r.key)) && m.matches(r.haystack.as_str())
            })
        };
        let n = among.map_or(self.rows.len(), <[usize]>::len);
        let at = |j: usize| among.map_or(j, |a| a[j]);
        // Sized for the worst case up front: a filter that keeps most rows
        // (the first keystroke) would otherwise grow the vector a dozen times.
        let pass = |lo: usize, hi: usize| {
            let mut out = Vec::with_capacity(hi - lo);
            out.extend((lo..hi).map(at).filter(|&i| keep(i)));
            out
        };
        let mut parts = crate::model::par::ranges(n, PARALLEL_MIN, pass);
        if parts.len() == 1 {
            return parts.pop().unwrap_or_default();
        }
        let mut out = Vec::with_capacity(n);
        for part in parts {
            out.extend(part);
        }
        out
    }

    fn sort(&self, idx: &mut [usize], s: Sort) {
        let numeric = self.columns.get(s.column).is_some_and(|c| c.numeric);
        let cell = |i: usize| {
            self.rows[i]
                .cells
                .get(s.column)
                .map(String::as_str)
                .unwrap_or("")
        };
        if numeric {
            let num = |i: usize| leading_number(cell(i));
            idx.sort_by(|&a, &b| num(a).total_cmp(&num(b)));
        } else {
            idx.sort_by(|&a, &b| cell(a).cmp(cell(b)));
        }
        if s.descending {
            idx.reverse();
        }
    }
}

/// The number a cell starts with (`12`, `3.5/s`, `59 (+3/s)`); -inf for none,
/// so empty cells sort first.
fn leading_number(s: &str) -> f64 {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse().unwrap_or(f64::NEG_INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            columns: vec![Column::text("NAME", 10), Column::num("N", 5)],
            rows: vec![
                Row::new(
                    "a",
                    vec!["outbound|80||reviews".into(), "10".into()],
                    Severity::Ok,
                ),
                Row::new(
                    "b",
                    vec!["outbound|80|v1|ratings".into(), "9".into()],
                    Severity::Warn,
                ),
                Row::new("c", vec!["inbound|9080||".into(), "".into()], Severity::Ok),
            ],
        }
    }

    #[test]
    fn words_all_must_match_and_bang_excludes() {
        let t = table();
        assert_eq!(t.view(&Filter::parse("outbound"), None, None), vec![0, 1]);
        assert_eq!(t.view(&Filter::parse("OUTBOUND !v1"), None, None), vec![0]);
        assert_eq!(t.view(&Filter::parse("80 rat"), None, None), vec![1]);
        assert_eq!(t.view(&Filter::parse(""), None, None), vec![0, 1, 2]);
    }

    #[test]
    fn fuzzy_matches_in_order() {
        let t = table();
        assert_eq!(t.view(&Filter::parse("~obrev"), None, None), vec![0]);
        assert_eq!(
            t.view(&Filter::parse("~zzz"), None, None),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn numeric_sort_puts_empty_first() {
        let t = table();
        let s = Some(Sort {
            column: 1,
            descending: false,
        });
        assert_eq!(t.view(&Filter::parse(""), s, None), vec![2, 1, 0]);
        let s = Some(Sort {
            column: 0,
            descending: true,
        });
        assert_eq!(t.view(&Filter::parse(""), s, None), vec![0, 1, 2]);
        assert_eq!(leading_number("59 (+3/s)"), 59.0);
        let keys = vec!["b".to_string(), "c".to_string()];
        assert_eq!(
            t.view(&Filter::parse("bound"), None, Some(&keys)),
            vec![1, 2]
        );
    }
}
