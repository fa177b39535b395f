//! One generic, sortable, filterable table that every list view uses. Rows
//! are built once when data arrives (off the UI thread); filtering and
//! sorting only shuffle an index vector. A filter is compiled once per pass
//! (SIMD substring finders from `memchr`), big tables are scanned on every
//! core, and a filter that narrows an earlier one scans only the earlier
//! one's rows ([`Filter::refines`]), so a keystroke on 1M rows stays in a frame.

use std::sync::Arc;

use memchr::memmem::Finder;

use crate::model::par;
use crate::model::severity::Severity;

/// Row indices in display order, shared by a view and what it remembers.
pub type Visible = Arc<Vec<usize>>;

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

/// A row's filter text: its own, or its row of its table's shared text
/// once the table is [indexed](Table::indexed).
#[derive(Clone)]
enum Hay {
    Own(String),
    Indexed(Arc<TableText>, u32),
}

/// An indexed table's filter texts: every row's in one buffer, in row
/// order, and the compact [`Words`] that word filters read.
struct TableText {
    full: Box<str>,
    /// Row `i`'s text is `full[starts[i]..starts[i + 1]]`.
    starts: Box<[u32]>,
    words: Words,
}

/// Text `i` of `text`, where text `i` is `text[starts[i]..starts[i + 1]]`
/// (`""` past the end): the layout of [`TableText`] and [`Words`].
fn nth_text<'t>(text: &'t str, starts: &[u32], i: usize) -> &'t str {
    match (starts.get(i), starts.get(i + 1)) {
        (Some(&a), Some(&b)) => text.get(a as usize..b as usize).unwrap_or(""),
        _ => "",
    }
}

impl Hay {
    fn as_str(&self) -> &str {
        match self {
            Hay::Own(s) => s,
            Hay::Indexed(t, i) => nth_text(&t.full, &t.starts, *i as usize),
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
            shared @ Hay::Indexed(..) => shared.as_str().to_string(),
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

    /// The included and excluded words.
    fn words(&self) -> (impl Iterator<Item = &str>, impl Iterator<Item = &str>) {
        (
            self.include.iter().map(|(_, w)| *w),
            self.exclude.iter().map(|(_, w)| *w),
        )
    }

    /// Whether [`Words`] text decides this filter as the full text does:
    /// words without blanks (a `re:` that did not compile is one literal,
    /// which may hold blanks).
    fn reads_words(&self) -> bool {
        self.filter.mode == MatchMode::Words
            && self
                .include
                .iter()
                .chain(&self.exclude)
                .all(|(_, w)| !w.contains(char::is_whitespace))
    }

    /// A string every matching row contains, to search for first: the
    /// longest included word, or of a `name:value` tag word its `name:`.
    fn probe(&self) -> Option<Finder<'f>> {
        self.include
            .iter()
            .map(|(_, w)| match w.split_once(':') {
                Some((name, value)) if !name.is_empty() && !value.is_empty() => {
                    &w[..name.len() + 1]
                }
                _ => w,
            })
            .max_by_key(|p| p.len())
            .map(|p| Finder::new(p.as_bytes()))
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

thread_local! {
    /// Where a filter scan writes the rows it keeps before they are copied
    /// out, kept between scans (as long as the largest table filtered on
    /// this thread: 8 MB at 1M rows): fresh memory costs a page fault per
    /// 4 KB, and at 1M rows those faults cost more than the scan.
    static SCRATCH: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Grows [`SCRATCH`] to `rows` and touches it, so that the scans of a big
/// table do not pay its page faults on a keystroke.
fn warm_scratch(rows: usize) {
    SCRATCH.with_borrow_mut(|s| {
        if s.len() < rows {
            s.clear();
            s.resize(rows, 0);
        }
    });
}

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
    /// in row order, beside a compact one for word filters ([`Words`]): a
    /// filter then streams through memory instead of chasing one allocation
    /// per row (at 1M rows, the difference between a frame and several).
    /// Done where data is processed, off the UI thread, for tables that can
    /// be huge. The rows of an indexed table are not replaced one by one
    /// (its data is rebuilt whole); rows added later keep their own text and
    /// the table is then filtered row by row. A table whose text passes
    /// 4 GiB stays as it is.
    pub fn indexed(mut self) -> Table {
        let total: usize = self.rows.iter().map(|r| r.haystack.as_str().len()).sum();
        if u32::try_from(total).is_err() {
            return self;
        }
        let Some(words) = Words::build(&self.rows) else {
            return self;
        };
        let mut full = String::with_capacity(total);
        let mut starts = Vec::with_capacity(self.rows.len() + 1);
        starts.push(0u32);
        for r in &self.rows {
            full.push_str(r.haystack.as_str());
            starts.push(u32::try_from(full.len()).unwrap_or(u32::MAX));
        }
        let text = Arc::new(TableText {
            full: full.into_boxed_str(),
            starts: starts.into_boxed_slice(),
            words,
        });
        for (i, r) in self.rows.iter_mut().enumerate() {
            if let Ok(i) = u32::try_from(i) {
                r.haystack = Hay::Indexed(Arc::clone(&text), i);
            }
        }
        self
    }

    /// The shared text of an [indexed](Table::indexed) table whose rows are
    /// still the ones it was built from (as many, first and last in place).
    fn text(&self) -> Option<&TableText> {
        let (Some(Hay::Indexed(t, 0)), Some(Hay::Indexed(last, n))) = (
            self.rows.first().map(|r| &r.haystack),
            self.rows.last().map(|r| &r.haystack),
        ) else {
            return None;
        };
        let whole = Arc::ptr_eq(t, last)
            && *n as usize + 1 == self.rows.len()
            && t.words.len() == self.rows.len();
        whole.then_some(&**t)
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
        self.narrowed(filter, sort, keys, among).unwrap_or_else(|| {
            among.map_or_else(|| (0..self.rows.len()).collect(), <[usize]>::to_vec)
        })
    }

    /// [`Table::view_among`] sharing `among` when every row of it passes
    /// (a first letter that every name holds, as `c` of `cluster.local`):
    /// at 1M rows, writing them again is most of a frame.
    pub fn view_shared(
        &self,
        filter: &Filter,
        sort: Option<Sort>,
        keys: Option<&[String]>,
        among: Option<&Visible>,
    ) -> Visible {
        match (
            self.narrowed(filter, sort, keys, among.map(|a| &a[..])),
            among,
        ) {
            (Some(rows), _) => Arc::new(rows),
            (None, Some(a)) => Arc::clone(a),
            (None, None) => Arc::new((0..self.rows.len()).collect()),
        }
    }

    /// The rows of [`Table::view_among`], or `None` when they are exactly
    /// `among` (without it: every row in natural order).
    fn narrowed(
        &self,
        filter: &Filter,
        sort: Option<Sort>,
        keys: Option<&[String]>,
        among: Option<&[usize]>,
    ) -> Option<Vec<usize>> {
        let everything = filter.is_empty() && keys.is_none();
        if everything && self.text().is_some() {
            // A big table shown unfiltered: the next keystroke scans it.
            warm_scratch(self.rows.len());
        }
        let all = || (0..self.rows.len()).collect::<Vec<usize>>();
        let mut idx = match (everything, among, sort) {
            (true, Some(_), _) | (true, None, None) => return None,
            (true, None, Some(_)) => all(),
            (false, ..) => match self.scan(filter, keys, among, sort.is_none()) {
                Some(rows) => rows,
                None if among.is_some() || sort.is_none() => return None,
                None => all(),
            },
        };
        if let (Some(s), None) = (sort, among) {
            self.sort(&mut idx, s);
        }
        Some(idx)
    }

    /// The rows (of `among`, or all) that pass, in the order given, or
    /// `None` when every one does; split across threads when there are
    /// many. The threads write into one buffer kept for the purpose (see
    /// [`SCRATCH`]), and only a result that is not everything is copied out.
    fn scan(
        &self,
        filter: &Filter,
        keys: Option<&[String]>,
        among: Option<&[usize]>,
        natural: bool,
    ) -> Option<Vec<usize>> {
        let m = Matcher::new(filter);
        let n = among.map_or(self.rows.len(), <[usize]>::len);
        let at = |j: usize| among.map_or(j, |a| a[j]);
        let words = self
            .text()
            .map(|t| &t.words)
            .filter(|_| keys.is_none() && m.reads_words());
        let fill = |out: &mut Vec<usize>, keep: &(dyn Fn(usize) -> bool + Sync)| {
            par::ranges_into(out, n, PARALLEL_MIN, |lo, hi, out: &mut [usize]| {
                let mut k = 0;
                for i in (lo..hi).map(at).filter(|&i| keep(i)) {
                    if let Some(slot) = out.get_mut(k) {
                        *slot = i;
                        k += 1;
                    }
                }
                k
            });
        };
        // A filter that one-letter masks decide and every row passes (the
        // first keystroke, often): counted without writing a row.
        let all_pass = words
            .filter(|w| w.len() == n && (among.is_none() || natural))
            .and_then(|w| {
                w.decided_by_masks(&m)
                    .map(|(need, deny)| w.count_masks(need, deny) == n)
            });
        if all_pass == Some(true) {
            return None;
        }
        SCRATCH.with_borrow_mut(|out| {
            match (words, among) {
                (Some(w), None) => self.scan_words(w, &m, out),
                // Every row in natural order: as good as no `among`.
                (Some(w), Some(a)) if natural && a.len() == w.len() => self.scan_words(w, &m, out),
                // Many rows to narrow: a scan of the whole compact text is
                // cheaper than asking each of them, and the rows it finds
                // are taken in `among`'s order.
                (Some(w), Some(_)) if n.saturating_mul(8) > w.len() => {
                    self.scan_words(w, &m, out);
                    let mut found = vec![0u64; w.len().div_ceil(64)];
                    for &i in out.iter() {
                        if let Some(bits) = found.get_mut(i / 64) {
                            *bits |= 1 << (i % 64);
                        }
                    }
                    let hit =
                        |i: usize| found.get(i / 64).is_some_and(|b| b & (1 << (i % 64)) != 0);
                    fill(out, &hit);
                }
                (Some(w), Some(_)) => {
                    let need = w.mask_of(&m);
                    fill(out, &|i| w.has(i, need) && m.matches(w.row(i)));
                }
                (None, _) => fill(out, &|i| {
                    self.rows.get(i).is_some_and(|r| {
                        keys.is_none_or(|k| k.contains(&r.key)) && m.matches(r.haystack.as_str())
                    })
                }),
            }
            (out.len() < n).then(|| out.clone())
        })
    }

    /// Every row of `w` that `m` lets through, in row order, into `out`: by
    /// the rows' character masks alone when they decide the filter, else
    /// by searching the text for the filter's probe.
    fn scan_words(&self, w: &Words, m: &Matcher<'_>, out: &mut Vec<usize>) {
        let n = w.len();
        if let Some((need, deny)) = w.decided_by_masks(m) {
            par::ranges_into(out, n, PARALLEL_MIN, |lo, hi, out: &mut [usize]| {
                w.scan_masks(lo, hi, need, deny, out)
            });
            return;
        }
        let probe = m.probe();
        let need = w.mask_of(m);
        // One word, no exclusion, no tag form: finding it is matching.
        let alone = m.exclude.is_empty()
            && m.include.len() == 1
            && m.include.iter().all(|(_, w)| !w.contains(':'));
        par::ranges_into(out, n, PARALLEL_MIN, |lo, hi, out: &mut [usize]| {
            w.scan(lo, hi, probe.as_ref(), out, |i, t| {
                alone || (w.has(i, need) && m.matches(t))
            })
        });
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

#[path = "table_words.rs"]
mod words;
use words::Words;

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

    #[test]
    fn an_indexed_table_filters_as_the_rows_do() {
        let rows: Vec<Row> = (0..70_000)
            .map(|i| {
                let name = format!(
                    "outbound|{}|v{}|Svc-{i}.team-{}.svc",
                    80 + i % 3,
                    i % 4,
                    i % 9
                );
                let cells = vec![
                    name.clone(),
                    format!("svc-{i}.team-{}.svc", i % 9),
                    format!("{}", 80 + i % 3),
                    if i % 5 == 0 {
                        "Ünïcode ΣΑΣ x".into()
                    } else {
                        "two words".into()
                    },
                    String::new(),
                ];
                let row = Row::new(name, cells, Severity::Ok);
                if i % 2 == 0 {
                    row.with_tags(&[("flag", if i % 4 == 0 { "UH" } else { "-" })])
                } else {
                    row
                }
            })
            .collect();
        let plain = Table {
            columns: vec![Column::text("NAME", 10); 5],
            rows,
        };
        let indexed = plain.clone().indexed();
        assert!(indexed.text().is_some());
        let wide = plain.view(&Filter::parse("svc"), None, None);
        let few = plain.view(&Filter::parse("svc-1"), None, None);
        for f in [
            "team-3",
            "svc-12 !v1",
            "80 two",
            "flag:uh",
            "flag:",
            "ünïcode",
            "σας",
            "words !flag:uh",
            "!team-1",
            "|v2|svc-1",
            "zzz",
            "~o8v2",
            "re:team-[12]\\.svc",
            "re:two wo(",
            "x",
            "8 !x",
            "svc-1 !2",
            "!",
        ] {
            let filter = Filter::parse(f);
            let want = plain.view(&filter, None, None);
            assert_eq!(indexed.view(&filter, None, None), want, "{f}");
            // Narrowing from the rows of a wider filter gives the same, from
            // many rows (a scan of all) or from few (row by row).
            for among in [&wide, &few] {
                let set: std::collections::HashSet<usize> = among.iter().copied().collect();
                let want: Vec<usize> = want.iter().copied().filter(|i| set.contains(i)).collect();
                let got = indexed.view_among(&filter, None, None, Some(among));
                assert_eq!(got, want, "{f} among {}", among.len());
            }
        }
        // Rows every one of which passes are shared, not written again;
        // by the masks (one letter) or by a scan.
        let all: Visible = Arc::new((0..70_000).collect());
        for f in ["s", "svc", ".svc"] {
            let shared = indexed.view_shared(&Filter::parse(f), None, None, Some(&all));
            assert!(Arc::ptr_eq(&shared, &all), "{f}");
        }
        let some = indexed.view_shared(&Filter::parse("team-3"), None, None, Some(&all));
        assert_eq!(*some, plain.view(&Filter::parse("team-3"), None, None));
        let sorted = Some(Sort {
            column: 0,
            descending: true,
        });
        let unshared = indexed.view_shared(&Filter::parse("s"), sorted, None, None);
        assert_eq!(*unshared, plain.view(&Filter::parse("s"), sorted, None));
        // A table whose rows changed is filtered row by row.
        let mut grown = indexed.clone();
        grown
            .rows
            .push(Row::new("new", vec!["team-3 late".into()], Severity::Ok));
        assert!(grown.text().is_none());
        assert_eq!(grown.view(&Filter::parse("late"), None, None), vec![70_000]);
    }
}
