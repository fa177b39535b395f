//! `/stats` parsed in the fetch task (never on the UI thread): owned entries
//! plus the indices of the stats that [`highlights`] picks, and the breaker
//! limits of `/clusters` the highlights compare against.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::clusters::ClusterStatuses;
use crate::model::stats::{
    highlights, parse_envoy_text, BreakerThresholds, Stat, StatKind, StatValue,
};

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
}
