//! High-cardinality analysis: which metric families have the most series,
//! which labels multiply them, and roughly what that costs Envoy in memory.
//!
//! Works on the Prometheus text of `/stats/prometheus` (15000 or 15090) and
//! pilot-agent's merged 15020 output, and on Envoy `/stats` text names after
//! tag extraction. Distinct values are counted by their 64-bit `foldhash`
//! (fixed seed) in a set of integers, so a 1M-line body is analysed without a
//! `String` per line and without comparing strings: two different values of
//! one label share a hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a
//! million values), which would undercount by one.
//!
//! **Memory model (an estimate).** Each series costs Envoy a fixed
//! [`FIXED_BYTES_PER_SERIES`] (the stat object, its entries in the scope's
//! maps and its symbolised name) plus the bytes of its name and tags as
//! rendered. A label's cost is what dropping it would save, assuming the
//! other labels are independent of it: `family bytes × (1 − 1/distinct)`.
//! A label with N values multiplies its family's memory by about N.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::stats::prometheus::{self, LabelBuf, PromKind};
use crate::model::stats::shape::{value_shape, ValueShape};
use crate::model::stats::{LineError, PromParser, Stat, StatName};

/// Distinct values above which a label is flagged by default.
pub const DEFAULT_THRESHOLD: usize = 100;
/// Estimated fixed bytes per series in Envoy, on top of its name and tags.
pub const FIXED_BYTES_PER_SERIES: u64 = 160;
/// How many distinct values per label are classified for id-like shapes.
const SHAPE_SAMPLE: u32 = 64;

/// Why a label is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelFlag {
    /// More distinct values than the threshold.
    ManyValues,
    /// Values look like ids (UUIDs, long hex, long numbers).
    Ids,
    /// Values are paths with id segments (`/users/12345`).
    PathsWithIds,
    /// Values look like tokens (JWTs, long base64).
    Tokens,
}

/// One metric family's size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyCardinality {
    /// The family name (Envoy text: the tag-extracted name, e.g. `cluster.upstream_rq_xx`).
    pub family: String,
    /// Series (sample lines) in the family.
    pub series: u64,
    /// Share of all series, 0..1.
    pub share: f64,
    /// Estimated bytes in Envoy, see the module docs.
    pub estimated_bytes: u64,
}

/// One label of one family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCardinality {
    /// The family.
    pub family: String,
    /// The label (Envoy text: the tag name, e.g. `cluster_name`).
    pub label: String,
    /// Distinct values seen.
    pub distinct_values: usize,
    /// Series carrying this label.
    pub series: u64,
    /// Share of all series that carry this label in this family, 0..1.
    pub share: f64,
    /// Estimated bytes dropping the label would save, see the module docs.
    pub estimated_bytes: u64,
    /// Why it is flagged; empty when it is not.
    pub flags: Vec<LabelFlag>,
    /// Up to three example values.
    pub examples: Vec<String>,
}

/// The cardinality report, worst offenders first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardinalityReport {
    /// All series.
    pub total_series: u64,
    /// Estimated bytes of all series in Envoy.
    pub estimated_bytes: u64,
    /// The distinct-value threshold used for [`LabelFlag::ManyValues`].
    pub threshold: usize,
    /// Families, most series first.
    pub families: Vec<FamilyCardinality>,
    /// Labels, worst first: flagged before unflagged, then by estimated cost.
    pub labels: Vec<LabelCardinality>,
    /// Lines that did not parse (count).
    pub parse_errors: usize,
    /// The first few of them.
    pub first_errors: Vec<LineError>,
}

impl CardinalityReport {
    /// The flagged labels, worst first.
    pub fn offenders(&self) -> impl Iterator<Item = &LabelCardinality> {
        self.labels.iter().filter(|l| !l.flags.is_empty())
    }
}

/// The hasher of the maps (families, label names, value hashes): see
/// `examples/bench_hashers.rs` for how it was chosen.
type Fx = rustc_hash::FxBuildHasher;

/// A label value's 64-bit hash (fixed seed, so runs and threads agree).
fn value_hash(value: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6d65_7368_7363_6f70).hash_one(value)
}

/// A family key that borrows: `(root, head, tail)` rendered as
/// `root.headtail` (Envoy) or `head` (Prometheus, empty root and tail).
type FamilyKey<'a> = (&'static str, &'a str, &'a str);

/// `a == b` for the short names and values of a sample, compared eight
/// bytes at a time in line: they are compared several times per line, and
/// a call to `memcmp` per comparison cost 9% of the analysis.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(8..=32).contains(&n) {
        return a == b;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_ne_bytes)
    };
    // Words at 0, 8, 16 and the last eight bytes (overlapping): every byte.
    [0, 8, 16, n - 8]
        .into_iter()
        .filter(|&at| at + 8 <= n)
        .all(|at| word(a, at) == word(b, at))
}

#[derive(Default)]
struct LabelAcc {
    name: Box<str>,
    /// Hashes of the distinct values (see the module docs).
    values: HashSet<u64, Fx>,
    /// The value of the series before (a repeat costs no hash).
    last: Option<String>,
    series: u64,
    sampled: u32,
    shapes: [u32; 4],
    examples: Vec<String>,
}

impl LabelAcc {
    fn add(&mut self, value: &str) {
        self.series += 1;
        if self.last.as_deref().is_some_and(|last| same(last, value)) {
            return;
        }
        if self.values.insert(value_hash(value)) && self.sampled < SHAPE_SAMPLE {
            self.sampled += 1;
            self.shapes[value_shape(value) as usize] += 1;
            if self.examples.len() < 3 {
                self.examples.push(value.to_string());
            }
        }
        match &mut self.last {
            Some(last) => {
                last.clear();
                last.push_str(value);
            }
            None => self.last = Some(value.to_string()),
        }
    }
}

struct FamilyAcc {
    root: &'static str,
    head: Box<str>,
    tail: Box<str>,
    series: u64,
    bytes: u64,
    labels: Vec<LabelAcc>,
    /// Label name → index in `labels`, so a sample with many labels is
    /// looked up in linear time, not by scanning `labels` per label.
    label_index: HashMap<Box<str>, usize, Fx>,
}

impl FamilyAcc {
    fn is(&self, (root, head, tail): FamilyKey<'_>) -> bool {
        self.root == root && *self.head == *head && *self.tail == *tail
    }

    /// The index of label `name`, added when new. Samples usually list
    /// labels in the same order, so position `pos` is tried first.
    fn label_slot(&mut self, pos: usize, name: &str) -> usize {
        if self.labels.get(pos).is_some_and(|l| same(&l.name, name)) {
            return pos;
        }
        if let Some(&at) = self.label_index.get(name) {
            return at;
        }
        let at = self.labels.len();
        self.label_index.insert(name.into(), at);
        self.labels.push(LabelAcc {
            name: name.into(),
            ..LabelAcc::default()
        });
        at
    }
}

/// Accumulates series; public entry points feed it and call [`Acc::report`].
/// It owns what it keeps (a name per family and label, a hash per distinct
/// value), so a body can be fed in pieces that do not outlive it.
#[derive(Default)]
struct Acc {
    families: Vec<FamilyAcc>,
    /// Head → the families with that head (their roots and tails differ).
    index: HashMap<Box<str>, Vec<usize>, Fx>,
    last: Option<usize>,
}

impl Acc {
    /// The index of family `key`, added when new.
    fn family_slot(&mut self, key: FamilyKey<'_>) -> usize {
        if let Some(i) = self
            .last
            .filter(|&i| self.families.get(i).is_some_and(|f| f.is(key)))
        {
            return i;
        }
        let found = self.index.get(key.1).and_then(|slots| {
            slots
                .iter()
                .copied()
                .find(|&i| self.families.get(i).is_some_and(|f| f.is(key)))
        });
        let i = found.unwrap_or_else(|| {
            let i = self.families.len();
            self.families.push(FamilyAcc {
                root: key.0,
                head: key.1.into(),
                tail: key.2.into(),
                series: 0,
                bytes: 0,
                labels: Vec::new(),
                label_index: HashMap::default(),
            });
            self.index.entry(key.1.into()).or_default().push(i);
            i
        });
        self.last = Some(i);
        i
    }

    fn add<I, N, V>(&mut self, key: FamilyKey<'_>, bytes: u64, labels: I)
    where
        I: Iterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let slot = self.family_slot(key);
        let Some(family) = self.families.get_mut(slot) else {
            return;
        };
        family.series += 1;
        family.bytes += FIXED_BYTES_PER_SERIES + bytes;
        for (pos, (name, value)) in labels.enumerate() {
            let at = family.label_slot(pos, name.as_ref());
            if let Some(label) = family.labels.get_mut(at) {
                label.add(value.as_ref());
            }
        }
    }

    fn report(self, threshold: usize, errors: Vec<LineError>) -> CardinalityReport {
        let total: u64 = self.families.iter().map(|f| f.series).sum();
        let share = |n: u64| {
            if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            }
        };
        let mut families = Vec::with_capacity(self.families.len());
        let mut labels = Vec::new();
        for f in self.families {
            let name = match f.root {
                "" => format!("{}{}", f.head, f.tail),
                root => format!("{root}.{}{}", f.head, f.tail),
            };
            for l in f.labels {
                let distinct = l.values.len();
                let saved = f.bytes as f64 * (1.0 - 1.0 / distinct.max(1) as f64);
                labels.push(LabelCardinality {
                    family: name.clone(),
                    flags: flags(&l.name, distinct, l.sampled, l.shapes, threshold),
                    label: l.name.into(),
                    distinct_values: distinct,
                    series: l.series,
                    share: share(l.series),
                    estimated_bytes: saved as u64,
                    examples: l.examples,
                });
            }
            families.push(FamilyCardinality {
                family: name,
                series: f.series,
                share: share(f.series),
                estimated_bytes: f.bytes,
            });
        }
        families.sort_by(|a, b| {
            b.series
                .cmp(&a.series)
                .then_with(|| a.family.cmp(&b.family))
        });
        labels.sort_by(|a, b| {
            (!b.flags.is_empty())
                .cmp(&!a.flags.is_empty())
                .then(b.estimated_bytes.cmp(&a.estimated_bytes))
                .then(b.distinct_values.cmp(&a.distinct_values))
                .then_with(|| (&a.family, &a.label).cmp(&(&b.family, &b.label)))
        });
        CardinalityReport {
            total_series: total,
            estimated_bytes: families.iter().map(|f| f.estimated_bytes).sum(),
            threshold,
            families,
            labels,
            parse_errors: errors.len(),
            first_errors: errors.into_iter().take(10).collect(),
        }
    }
}

fn flags(
    label: &str,
    distinct: usize,
    sampled: u32,
    shapes: [u32; 4],
    threshold: usize,
) -> Vec<LabelFlag> {
    let mut out = Vec::new();
    if distinct > threshold {
        out.push(LabelFlag::ManyValues);
    }
    // Bucket bounds and quantiles are numbers by design.
    if matches!(label, "le" | "quantile") || sampled < 5 {
        return out;
    }
    let mostly = |shape: ValueShape| shapes[shape as usize] * 2 >= sampled;
    for (shape, flag) in [
        (ValueShape::Id, LabelFlag::Ids),
        (ValueShape::PathWithId, LabelFlag::PathsWithIds),
        (ValueShape::Token, LabelFlag::Tokens),
    ] {
        if mostly(shape) {
            out.push(flag);
        }
    }
    out
}

/// Bodies larger than this are split between threads.
const PARALLEL_MIN_BYTES: usize = 8 << 20;

/// Analyses a Prometheus text body (`threshold`: see [`DEFAULT_THRESHOLD`]).
/// Large bodies are split at line boundaries across up to `threads` threads
/// (1: on the caller's thread); the report does not depend on the split.
pub fn analyze_prometheus(text: &str, threshold: usize, threads: usize) -> CardinalityReport {
    let parts = if text.len() < PARALLEL_MIN_BYTES {
        1
    } else {
        threads.clamp(1, 16)
    };
    let pieces = line_pieces(text, parts);
    let whole: Result<PromCardinality, std::convert::Infallible> =
        PromCardinality::of_pieces(pieces, |piece, c| {
            c.feed(piece);
            Ok(())
        });
    whole.unwrap_or_default().report(threshold)
}

/// `text` in up to `parts` pieces of whole lines, in order.
fn line_pieces(text: &str, parts: usize) -> Vec<&str> {
    let mut starts = vec![0];
    for i in 1..parts {
        let guess = text.len() * i / parts;
        let start = text
            .get(guess..)
            .and_then(|t| t.find('\n'))
            .map(|n| guess + n + 1);
        if let Some(start) = start.filter(|s| s > starts.last().unwrap_or(&0) && *s < text.len()) {
            starts.push(start);
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &lo)| {
            let hi = starts.get(i + 1).copied().unwrap_or(text.len());
            text.get(lo..hi).unwrap_or("")
        })
        .collect()
}

/// The cardinality of a Prometheus body fed in pieces of whole lines: a file
/// read in blocks, or a body split between threads. A piece that starts
/// inside a body ([`PromCardinality::resumed`]) does not know which
/// `# TYPE` its first samples fall under; it keeps them by their own names
/// until [`PromCardinality::then`] puts it after the piece before it.
#[derive(Default)]
pub struct PromCardinality {
    acc: Acc,
    /// A resumed piece's samples before its first `# TYPE` line, by name.
    untyped_head: Option<Acc>,
    /// The `# TYPE` in force at the end of what was fed.
    family: String,
    kind: Option<PromKind>,
    /// Whether a `# TYPE` line was fed.
    typed: bool,
    /// Lines fed so far.
    lines: usize,
    /// Bad lines, numbered from this piece's first line.
    errors: Vec<LineError>,
}

impl PromCardinality {
    /// A body from its start.
    pub fn new() -> PromCardinality {
        PromCardinality::default()
    }

    /// A piece that starts at a line start somewhere after a body's start.
    pub fn resumed() -> PromCardinality {
        PromCardinality {
            untyped_head: Some(Acc::default()),
            ..PromCardinality::default()
        }
    }

    /// Adds the samples of `lines`, whole lines that follow what was fed.
    pub fn feed(&mut self, lines: &str) {
        let kind = self.kind.unwrap_or(PromKind::Untyped);
        let mut parser = PromParser::with_context(lines, &self.family, kind, self.lines);
        let mut labels = LabelBuf::new();
        while let Some(sample) = parser.next_labelled(&mut labels) {
            let bytes = (sample.name.len() + sample.labels.raw().len()) as u64;
            let acc = match &mut self.untyped_head {
                Some(head) if !self.typed && !parser.typed() => head,
                _ => &mut self.acc,
            };
            let pairs = labels.iter().map(|(n, v)| (*n, v.as_ref()));
            acc.add(("", sample.family, ""), bytes, pairs);
        }
        let (family, kind, lines) = parser.context();
        let typed = parser.typed().then(|| (family.to_string(), kind));
        self.errors.extend(parser.into_errors());
        self.lines = lines;
        if let Some((family, kind)) = typed {
            self.typed = true;
            self.family = family;
            self.kind = Some(kind);
        }
    }

    /// The body made of `pieces` in order, each read by `read` into its own
    /// [`PromCardinality`] (the first [`new`](Self::new), the others
    /// [`resumed`](Self::resumed)) on its own thread when there are several,
    /// then joined with [`then`](Self::then). A piece whose thread died is
    /// read again on the caller's thread; the first error is returned.
    pub fn of_pieces<P, E>(
        pieces: Vec<P>,
        read: impl Fn(P, &mut PromCardinality) -> Result<(), E> + Sync,
    ) -> Result<PromCardinality, E>
    where
        P: Clone + Send,
        E: Send,
    {
        let one = |(i, piece): (usize, P)| {
            let mut c = if i == 0 {
                PromCardinality::new()
            } else {
                PromCardinality::resumed()
            };
            read(piece, &mut c).map(|()| c)
        };
        let results: Vec<Result<PromCardinality, E>> = if pieces.len() < 2 {
            pieces.into_iter().enumerate().map(one).collect()
        } else {
            let one = &one;
            std::thread::scope(|scope| {
                let handles: Vec<_> = pieces
                    .into_iter()
                    .enumerate()
                    .map(|p| (p.clone(), scope.spawn(move || one(p))))
                    .collect();
                handles
                    .into_iter()
                    .map(|(p, h)| h.join().unwrap_or_else(|_| one(p)))
                    .collect()
            })
        };
        let mut whole = PromCardinality::new();
        for (i, c) in results.into_iter().enumerate() {
            whole = if i == 0 { c? } else { whole.then(c?) };
        }
        Ok(whole)
    }

    /// This piece followed by `next` (the piece of the body right after it).
    pub fn then(mut self, mut next: PromCardinality) -> PromCardinality {
        let kind = self.kind.unwrap_or(PromKind::Untyped);
        // `next`'s first samples fall under this piece's last `# TYPE`, or
        // are as untyped as this piece's own first ones.
        match (next.untyped_head.take(), &mut self.untyped_head) {
            (Some(head), Some(mine)) if !self.typed => mine.merge(head),
            (Some(head), _) => {
                for f in head.families {
                    let (family, _) = prometheus::family_of(&self.family, kind, &f.head);
                    let slot = self.acc.family_slot(("", family, ""));
                    self.acc.merge_family(slot, f);
                }
            }
            (None, _) => {}
        }
        self.acc.merge(next.acc);
        self.typed |= next.typed;
        for e in &mut next.errors {
            e.line += self.lines;
        }
        self.errors.append(&mut next.errors);
        self.lines += next.lines;
        if next.kind.is_some() {
            self.family = next.family;
            self.kind = next.kind;
        }
        self
    }

    /// The report of everything fed.
    pub fn report(mut self, threshold: usize) -> CardinalityReport {
        // A piece never put after another: its first samples are untyped.
        if let Some(head) = self.untyped_head.take() {
            let mut acc = head;
            acc.merge(std::mem::take(&mut self.acc));
            self.acc = acc;
        }
        self.acc.report(threshold, self.errors)
    }
}

/// Analyses Envoy `/stats` stats by their extracted tags: the family is the
/// tag-extracted name (`cluster.upstream_rq_xx`), the labels Envoy's tag names.
pub fn analyze_envoy_stats(stats: &[Stat<'_>], threshold: usize) -> CardinalityReport {
    let mut acc = Acc::default();
    for stat in stats {
        let name = StatName::parse(&stat.name);
        acc.add(family_key(&name), stat.name.len() as u64, name.tags());
    }
    acc.report(threshold, Vec::new())
}

/// `cluster.upstream_rq_2xx` → (`cluster`, `upstream_rq_`, `xx`);
/// `http.rds.<rc>.update_rejected` → (`http`, `rds`, `.update_rejected`).
fn family_key<'a>(name: &StatName<'a>) -> FamilyKey<'a> {
    let (root, stat) = (name.scope.root(), name.stat);
    if name.response_code_class().is_some() {
        let len = stat.len();
        let head = stat.get(..len.saturating_sub(3)).unwrap_or(stat);
        return (root, head, stat.get(len.saturating_sub(2)..).unwrap_or(""));
    }
    if name.response_code().is_some() {
        return (
            root,
            stat.get(..stat.len().saturating_sub(4)).unwrap_or(stat),
            "",
        );
    }
    if name.rds_route_config().is_some() {
        let tail = stat.rfind('.').and_then(|i| stat.get(i..)).unwrap_or("");
        return (root, "rds", tail);
    }
    (root, stat, "")
}

#[path = "stats/cardinality_merge.rs"]
mod merge;
#[path = "stats/cardinality_table.rs"]
mod table;
pub use table::{cardinality_table, human_bytes};

#[cfg(test)]
#[path = "stats/cardinality_tests.rs"]
mod tests;
