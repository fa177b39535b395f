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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

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

#[derive(Default)]
struct LabelAcc<'a> {
    name: &'a str,
    /// Hashes of the distinct values (see the module docs).
    values: HashSet<u64, Fx>,
    last: Option<Cow<'a, str>>,
    series: u64,
    sampled: u32,
    shapes: [u32; 4],
    examples: Vec<String>,
}

impl<'a> LabelAcc<'a> {
    fn add(&mut self, value: Cow<'a, str>) {
        self.series += 1;
        if self.last.as_deref() == Some(value.as_ref()) {
            return;
        }
        if self.values.insert(value_hash(&value)) && self.sampled < SHAPE_SAMPLE {
            self.sampled += 1;
            self.shapes[value_shape(&value) as usize] += 1;
            if self.examples.len() < 3 {
                self.examples.push(value.to_string());
            }
        }
        self.last = Some(value);
    }
}

struct FamilyAcc<'a> {
    key: FamilyKey<'a>,
    series: u64,
    bytes: u64,
    labels: Vec<LabelAcc<'a>>,
    /// Label name → index in `labels`, so a sample with many labels is
    /// looked up in linear time, not by scanning `labels` per label.
    label_index: HashMap<&'a str, usize, Fx>,
}

impl<'a> FamilyAcc<'a> {
    /// The index of label `name`, added when new. Samples usually list
    /// labels in the same order, so position `pos` is tried first.
    fn label_slot(&mut self, pos: usize, name: &'a str) -> usize {
        if self.labels.get(pos).is_some_and(|l| l.name == name) {
            return pos;
        }
        let next = self.labels.len();
        let at = *self.label_index.entry(name).or_insert(next);
        if at == next {
            self.labels.push(LabelAcc {
                name,
                ..LabelAcc::default()
            });
        }
        at
    }
}

/// Accumulates series; public entry points feed it and call [`Acc::report`].
#[derive(Default)]
struct Acc<'a> {
    families: Vec<FamilyAcc<'a>>,
    index: HashMap<FamilyKey<'a>, usize, Fx>,
    last: Option<(FamilyKey<'a>, usize)>,
}

impl<'a> Acc<'a> {
    fn add<I>(&mut self, key: FamilyKey<'a>, bytes: u64, labels: I)
    where
        I: Iterator<Item = (&'a str, Cow<'a, str>)>,
    {
        let slot = match self.last {
            Some((k, i)) if k == key => i,
            _ => {
                let next = self.families.len();
                let i = *self.index.entry(key).or_insert(next);
                if i == next {
                    self.families.push(FamilyAcc {
                        key,
                        series: 0,
                        bytes: 0,
                        labels: Vec::new(),
                        label_index: HashMap::default(),
                    });
                }
                self.last = Some((key, i));
                i
            }
        };
        let Some(family) = self.families.get_mut(slot) else {
            return;
        };
        family.series += 1;
        family.bytes += FIXED_BYTES_PER_SERIES + bytes;
        for (pos, (name, value)) in labels.enumerate() {
            let at = family.label_slot(pos, name);
            if let Some(label) = family.labels.get_mut(at) {
                label.add(value);
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
            let name = match f.key {
                ("", head, tail) => format!("{head}{tail}"),
                (root, head, tail) => format!("{root}.{head}{tail}"),
            };
            for l in f.labels {
                let distinct = l.values.len();
                let saved = f.bytes as f64 * (1.0 - 1.0 / distinct.max(1) as f64);
                labels.push(LabelCardinality {
                    family: name.clone(),
                    label: l.name.to_string(),
                    distinct_values: distinct,
                    series: l.series,
                    share: share(l.series),
                    estimated_bytes: saved as u64,
                    flags: flags(l.name, distinct, l.sampled, l.shapes, threshold),
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
    let chunk = |i: usize| {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let parser = PromParser::resume(text.get(..end).unwrap_or(text), starts[i]);
        analyze_chunk(parser)
    };
    let results: Vec<(Acc<'_>, Vec<LineError>)> = if starts.len() == 1 {
        vec![chunk(0)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..starts.len())
                .map(|i| scope.spawn(move || chunk(i)))
                .collect();
            let mut all = vec![chunk(0)];
            all.extend(handles.into_iter().filter_map(|h| h.join().ok()));
            all
        })
    };
    let mut merged = Acc::default();
    let mut errors = Vec::new();
    for (acc, errs) in results {
        merged.merge(acc);
        errors.extend(errs);
    }
    merged.report(threshold, errors)
}

fn analyze_chunk(mut parser: PromParser<'_>) -> (Acc<'_>, Vec<LineError>) {
    let mut acc = Acc::default();
    for sample in parser.by_ref() {
        let bytes = (sample.name.len() + sample.labels.raw().len()) as u64;
        acc.add(("", sample.family, ""), bytes, sample.labels.iter());
    }
    (acc, parser.into_errors())
}

/// Analyses Envoy `/stats` stats by their extracted tags: the family is the
/// tag-extracted name (`cluster.upstream_rq_xx`), the labels Envoy's tag names.
pub fn analyze_envoy_stats<'a>(stats: &'a [Stat<'a>], threshold: usize) -> CardinalityReport {
    let mut acc = Acc::default();
    for stat in stats {
        let name = StatName::parse(&stat.name);
        let tags = name
            .tags()
            .map(|(k, v)| -> (&'a str, Cow<'a, str>) { (k, v) });
        acc.add(family_key(&name), stat.name.len() as u64, tags);
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
