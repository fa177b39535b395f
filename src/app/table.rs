//! One generic, sortable, filterable table that every list view uses. Rows
//! are built once when data arrives (off the UI thread); filtering and
//! sorting only shuffle an index vector, so 100k rows stay instant.

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
    haystack: String,
}

impl Row {
    /// A row from cells.
    pub fn new(key: impl Into<String>, cells: Vec<String>, severity: Severity) -> Row {
        let haystack = cells.join(" ").to_lowercase();
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
        for (name, value) in tags {
            self.haystack.push(' ');
            self.haystack.push_str(name);
            self.haystack.push(':');
            self.haystack.push_str(&value.to_lowercase());
        }
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
    if hay.contains(word) {
        return true;
    }
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

/// Sort order of a table view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// Column index.
    pub column: usize,
    /// Descending instead of ascending.
    pub descending: bool,
}

impl Table {
    /// Indices of the rows that pass `filter` (and, when given, whose key is
    /// one of `keys`), in `sort` order (natural order without one).
    pub fn view(&self, filter: &Filter, sort: Option<Sort>, keys: Option<&[String]>) -> Vec<usize> {
        let keep = |r: &Row| keys.is_none_or(|k| k.contains(&r.key));
        let mut idx: Vec<usize> = if filter.is_empty() && keys.is_none() {
            (0..self.rows.len()).collect()
        } else {
            self.rows
                .iter()
                .enumerate()
                .filter(|(_, r)| keep(r) && filter.matches(&r.haystack))
                .map(|(i, _)| i)
                .collect()
        };
        if let Some(s) = sort {
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
        idx
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
