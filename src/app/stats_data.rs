//! Stats, memory and cardinality data, parsed in the fetch task (never on the
//! UI thread): `/stats` into owned entries plus the indices of the stats that
//! [`highlights`] picks, `/memory` into its six fields, `/stats/prometheus`
//! into a cardinality report and its table.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::table::{Column, Row, Table};
use crate::model::cardinality::{analyze_prometheus, CardinalityReport, LabelFlag};
use crate::model::clusters::ClusterStatuses;
use crate::model::severity::Severity;
use crate::model::stats::{
    highlights, parse_envoy_text, BreakerThresholds, Stat, StatKind, StatValue,
};

/// Distinct values above which the Cardinality view flags a label.
pub const CARDINALITY_THRESHOLD: usize = crate::model::cardinality::DEFAULT_THRESHOLD;
/// Threads the cardinality analysis may use in the fetch task.
const ANALYSIS_THREADS: usize = 2;

/// One Envoy stat, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct StatEntry {
    /// The full flat name.
    pub name: String,
    /// Where the stat suffix starts in `name`: `name[..scope_len]` is the
    /// scope with its tag (`cluster.outbound|8000||httpbin…`), the rest the
    /// stat (`upstream_rq_pending_overflow`). 0 for names without a scope.
    pub scope_len: usize,
    /// Counter, gauge, histogram or text readout.
    pub kind: StatKind,
    /// A counter's or gauge's value.
    pub value: Option<u64>,
    /// A histogram's quantiles (`P50 1.5 · P99 12`) or a text readout's value.
    pub summary: String,
}

/// A parsed `/stats` snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsData {
    /// Every stat, in Envoy's order.
    pub entries: Vec<StatEntry>,
    /// Indices of the entries that are highlights (non-zero overflows…),
    /// worst first as [`highlights`] orders them (no rates yet).
    pub highlighted: Vec<usize>,
    /// Lines that did not parse.
    pub errors: usize,
    /// The first of them, for the pane.
    pub first_error: Option<String>,
}

impl StatsData {
    /// The highlighted entries as model stats, borrowing their names.
    pub fn highlighted_stats(&self) -> Vec<Stat<'_>> {
        self.highlighted
            .iter()
            .filter_map(|&i| self.entries.get(i))
            .map(|e| Stat {
                name: Cow::Borrowed(e.name.as_str()),
                value: StatValue::Number(e.value.unwrap_or(0)),
                kind: e.kind,
            })
            .collect()
    }
}

/// Parses an Envoy `/stats` text body.
pub fn process_stats(text: &str) -> Result<StatsData, String> {
    let parsed = parse_envoy_text(text);
    if parsed.stats.is_empty() && !parsed.errors.is_empty() {
        return Err(format!(
            "/stats: no stat parsed; the body is {}",
            crate::model::body::looks_like(text.as_bytes())
        ));
    }
    // Highlight name → rank, worst first.
    let ranked: HashMap<String, usize> = highlights(&parsed.stats, &HashMap::new())
        .into_iter()
        .enumerate()
        .map(|(rank, h)| (h.full_name, rank))
        .collect();
    let mut highlighted: Vec<(usize, usize)> = Vec::with_capacity(ranked.len());
    let mut out = StatsData {
        entries: Vec::with_capacity(parsed.stats.len()),
        highlighted: Vec::new(),
        errors: parsed.errors.len(),
        first_error: parsed
            .errors
            .first()
            .map(|e| format!("line {}: {}", e.line, e.message)),
    };
    for (i, stat) in parsed.stats.iter().enumerate() {
        if let Some(rank) = ranked.get(stat.name.as_ref()) {
            highlighted.push((*rank, i));
        }
        let suffix = stat.tags().stat.len();
        out.entries.push(StatEntry {
            scope_len: stat.name.len().saturating_sub(suffix),
            name: stat.name.to_string(),
            kind: stat.kind,
            value: stat.value.as_u64(),
            summary: summary(&stat.value),
        });
    }
    highlighted.sort_unstable();
    out.highlighted = highlighted.into_iter().map(|(_, i)| i).collect();
    Ok(out)
}

/// How a histogram or text readout reads in one cell (empty for numbers).
pub fn summary(value: &StatValue<'_>) -> String {
    match value {
        StatValue::Number(_) => String::new(),
        StatValue::Text(t) => t.to_string(),
        StatValue::Quantiles(q) if q.iter().all(|q| q.cumulative.is_none()) => {
            "no recorded values".into()
        }
        StatValue::Quantiles(q) => q
            .iter()
            .filter(|q| [50.0, 90.0, 99.0].contains(&q.quantile))
            .filter_map(|q| {
                q.cumulative
                    .map(|v| format!("P{} {}", q.quantile, short_float(v)))
            })
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

fn short_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The fields of `/memory`, in display order.
pub const MEMORY_FIELDS: [&str; 6] = [
    "allocated",
    "heap_size",
    "pageheap_unmapped",
    "pageheap_free",
    "total_thread_cache",
    "total_physical_bytes",
];

/// A parsed `/memory` answer: each of [`MEMORY_FIELDS`], `None` when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryData {
    /// Values in [`MEMORY_FIELDS`] order.
    pub fields: [Option<u64>; 6],
}

/// Parses `/memory` (values are decimal strings or numbers).
pub fn process_memory(text: &str) -> Result<MemoryData, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("/memory: {e}"))?;
    let mut out = MemoryData::default();
    for (slot, name) in out.fields.iter_mut().zip(MEMORY_FIELDS) {
        *slot = match v.get(name) {
            Some(Value::String(s)) => s.parse().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
    }
    if out.fields.iter().all(Option::is_none) {
        return Err("/memory: none of the expected fields (allocated, heap_size…)".into());
    }
    Ok(out)
}

/// A cardinality report with the table of its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct CardinalityData {
    /// The report, worst offenders first.
    pub report: CardinalityReport,
    /// One row per label, same order.
    pub labels: Table,
}

/// Analyses a Prometheus body (15000 `/stats/prometheus` or the merged 15020).
pub fn process_cardinality(text: &str) -> CardinalityData {
    let report = analyze_prometheus(text, CARDINALITY_THRESHOLD, ANALYSIS_THREADS);
    let rows = report
        .labels
        .iter()
        .map(|l| {
            let severity = if l.flags.contains(&LabelFlag::ManyValues) {
                Severity::Error
            } else if l.flags.is_empty() {
                Severity::Ok
            } else {
                Severity::Warn
            };
            let flags: Vec<&str> = l.flags.iter().map(|f| flag_name(*f)).collect();
            Row::new(
                l.family.clone(),
                vec![
                    l.family.clone(),
                    l.label.clone(),
                    l.distinct_values.to_string(),
                    format!("{:.1}%", l.share * 100.0),
                    format!("{:.1}", l.estimated_bytes as f64 / 1024.0),
                    flags.join(","),
                    l.examples.first().cloned().unwrap_or_default(),
                ],
                severity,
            )
        })
        .collect();
    CardinalityData {
        report,
        labels: Table {
            columns: vec![
                Column::text("FAMILY", 30),
                Column::text("LABEL", 22),
                Column::num("DISTINCT", 9),
                Column::num("SHARE", 7),
                Column::num("EST. KiB", 9),
                Column::text("FLAGS", 20),
                Column::text("EXAMPLE", 40),
            ],
            rows,
        },
    }
}

/// The name of a flag as the view and `stats --cardinality` write it.
pub fn flag_name(flag: LabelFlag) -> &'static str {
    match flag {
        LabelFlag::ManyValues => "many-values",
        LabelFlag::Ids => "ids",
        LabelFlag::PathsWithIds => "paths-with-ids",
        LabelFlag::Tokens => "tokens",
    }
}

/// Each cluster's default-priority breaker limits from `/clusters?format=json`.
pub fn breaker_thresholds(cs: &ClusterStatuses) -> HashMap<String, BreakerThresholds> {
    cs.cluster_statuses
        .iter()
        .filter_map(|c| {
            c.default_thresholds().map(|t| {
                (
                    c.name.clone(),
                    BreakerThresholds {
                        max_connections: t.max_connections,
                        max_pending_requests: t.max_pending_requests,
                        max_requests: t.max_requests,
                        max_retries: t.max_retries,
                    },
                )
            })
        })
        .collect()
}

/// `1536` → `1.5 KiB` (one formatting for the views and the CLI tables).
pub use crate::model::cardinality::human_bytes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_keep_values_summaries_and_highlight_indices() {
        let d = process_stats(
            "cluster.a.upstream_rq_total: 5\n\
             cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 59\n\
             cluster.a.upstream_rq_time: P0(nan,1) P50(nan,2.5) P99(nan,12) P100(nan,20)\n\
             cluster.b.upstream_rq_time: No recorded values\n",
        )
        .unwrap();
        assert_eq!(d.entries.len(), 4);
        assert_eq!(d.highlighted, vec![1]);
        let e = &d.entries[1];
        assert_eq!(
            &e.name[..e.scope_len],
            "cluster.outbound|8000||httpbin.default.svc.cluster.local."
        );
        assert_eq!(d.entries[2].summary, "P50 2.5 · P99 12");
        assert_eq!(d.entries[3].summary, "no recorded values");
        assert_eq!(d.highlighted_stats()[0].value, StatValue::Number(59));
        assert!(process_stats("garbage\n")
            .unwrap_err()
            .starts_with("/stats: no stat parsed"));
    }

    #[test]
    fn memory_reads_strings_and_numbers() {
        let m = process_memory(r#"{"allocated":"1024","heap_size":2048}"#).unwrap();
        assert_eq!(m.fields[0], Some(1024));
        assert_eq!(m.fields[1], Some(2048));
        assert_eq!(m.fields[2], None);
        assert!(process_memory("{}").is_err());
        assert!(process_memory("<html>")
            .unwrap_err()
            .starts_with("/memory: "));
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 B");
    }

    #[test]
    fn cardinality_rows_flag_the_exploding_label() {
        let mut text = String::from("# TYPE istio_requests_total counter\n");
        for i in 0..150 {
            text.push_str(&format!(
                "istio_requests_total{{response_code=\"200\",request_path=\"/api/users/{i}00\"}} 1\n"
            ));
        }
        let d = process_cardinality(&text);
        let top = &d.labels.rows[0];
        assert_eq!(top.cells[1], "request_path");
        assert_eq!(top.cells[2], "150");
        assert_eq!(top.severity, Severity::Error);
    }
}
