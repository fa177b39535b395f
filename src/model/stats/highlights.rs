//! The counters that break production, picked out of a stats snapshot:
//! circuit-breaker overflows and open breakers, rejected xDS updates, no
//! healthy upstream, connect failures, outlier ejections. Each carries what
//! it means and what to do, the breaker threshold when known and, given a
//! previous snapshot, its rate now.

use std::collections::HashMap;

use serde::Serialize;

use super::highlight_rules::{Rule, StatMatch, HOSTLESS_CLUSTERS, RULES};
use super::{Stat, StatKind, StatName, StatScope};

/// How bad a highlight is: `Ok` for a counter that happened but is not growing
/// now, `Warn` worth a look, `Error` requests failing (never `Info`).
pub use crate::model::severity::Severity;

/// A cluster's default-priority circuit-breaker thresholds, as `/clusters`
/// reports them (`circuit_breakers::default_priority::max_connections::1`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BreakerThresholds {
    /// `max_connections`.
    pub max_connections: Option<u64>,
    /// `max_pending_requests`.
    pub max_pending_requests: Option<u64>,
    /// `max_requests`.
    pub max_requests: Option<u64>,
    /// `max_retries`.
    pub max_retries: Option<u64>,
}

/// One highlighted stat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Highlight {
    /// How bad it is.
    pub severity: Severity,
    /// The scope's root: `cluster`, `listener`, `http`, `cluster_manager`, `listener_manager`.
    pub scope: &'static str,
    /// The cluster name, listener address or HTTP prefix; empty for managers.
    pub subject: String,
    /// The stat after the scope, e.g. `upstream_rq_pending_overflow`.
    pub stat: String,
    /// The full Envoy stat name, to match successive snapshots.
    pub full_name: String,
    /// Counter or gauge (gauges have no rate).
    pub kind: StatKind,
    /// The current value.
    pub value: u64,
    /// The breaker limit this stat overflows, when known.
    pub threshold: Option<u64>,
    /// The limit's name, e.g. `max_pending_requests`.
    pub threshold_name: Option<&'static str>,
    /// Per-second rate since the previous snapshot, see [`apply_rates`].
    pub rate: Option<f64>,
    /// A short label for the stat, e.g. `overflow`.
    pub short: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// What to do about it.
    pub advice: &'static str,
}

fn rule_matches(m: StatMatch, s: &StatName<'_>) -> bool {
    match (m, s.scope) {
        (StatMatch::Cluster(stat), StatScope::Cluster { .. }) => s.stat == stat,
        (StatMatch::ClusterNamed(cluster, stat), StatScope::Cluster { name }) => {
            name == cluster && s.stat == stat
        }
        (StatMatch::ClusterWithHosts(stat), StatScope::Cluster { name }) => {
            s.stat == stat && !HOSTLESS_CLUSTERS.contains(&name)
        }
        (StatMatch::Breaker(leaf), _) => s.circuit_breaker_priority().is_some() && s.leaf() == leaf,
        (StatMatch::Listener(stat), StatScope::Listener { .. }) => s.stat == stat,
        (StatMatch::Http(stat), StatScope::Http { .. }) => s.stat == stat,
        (StatMatch::Rds(leaf), _) => s.rds_route_config().is_some() && s.leaf() == leaf,
        (StatMatch::ClusterManager(stat), StatScope::ClusterManager) => s.stat == stat,
        (StatMatch::ListenerManager(stat), StatScope::ListenerManager) => s.stat == stat,
        _ => false,
    }
}

/// The rule for a stat name, if it is one worth highlighting.
fn rule_for(name: &StatName<'_>) -> Option<&'static Rule> {
    RULES.iter().find(|r| rule_matches(r.matches, name))
}

/// Picks the highlights out of a snapshot. Only non-zero values count;
/// `thresholds` maps cluster names to their default-priority breaker limits.
/// Sorted worst first, see [`sort_worst_first`].
pub fn highlights(
    stats: &[Stat<'_>],
    thresholds: &HashMap<String, BreakerThresholds>,
) -> Vec<Highlight> {
    let mut out = Vec::new();
    for stat in stats {
        let Some(value) = stat.value.as_u64().filter(|v| *v > 0) else {
            continue;
        };
        let name = StatName::parse(&stat.name);
        let Some(rule) = rule_for(&name) else {
            continue;
        };
        let subject = match name.scope {
            StatScope::Cluster { name } => name,
            StatScope::Listener { address, .. } => address,
            StatScope::Http { prefix } => prefix,
            _ => "",
        };
        let default_priority = name
            .circuit_breaker_priority()
            .is_none_or(|p| p == "default");
        let threshold = rule
            .threshold
            .filter(|_| default_priority)
            .and_then(|(_, limit)| thresholds.get(subject).and_then(limit));
        out.push(Highlight {
            severity: rule.severity,
            scope: name.scope.root(),
            subject: subject.to_string(),
            stat: name.stat.to_string(),
            full_name: stat.name.to_string(),
            kind: stat.kind,
            value,
            threshold,
            threshold_name: rule.threshold.map(|t| t.0),
            rate: None,
            short: rule.short,
            meaning: rule.meaning,
            advice: rule.advice,
        });
    }
    sort_worst_first(&mut out);
    out
}

/// Worst first: by severity, then rate (a growing counter before one
/// without a rate), then value, largest first; ties by name, so the order
/// is the same for the table, the JSON, the TUI and the sidecar's headline.
pub fn sort_worst_first(list: &mut [Highlight]) {
    list.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| {
                let (ra, rb) = (a.rate.unwrap_or(-1.0), b.rate.unwrap_or(-1.0));
                rb.total_cmp(&ra)
            })
            .then(b.value.cmp(&a.value))
            .then_with(|| a.full_name.cmp(&b.full_name))
    });
}

/// Per-second rate of a counter between two readings; `None` when no time
/// passed or the counter went down (reset or restart).
pub fn rate_per_second(previous: u64, now: u64, elapsed_secs: f64) -> Option<f64> {
    if elapsed_secs <= 0.0 || !elapsed_secs.is_finite() || now < previous {
        return None;
    }
    Some((now - previous) as f64 / elapsed_secs)
}

/// Fills each counter highlight's rate from the previous snapshot taken
/// `elapsed_secs` earlier and sorts the list worst first again. A counter
/// that has stopped growing is downgraded one severity level (it happened,
/// it is not happening now); gauges keep theirs and get no rate (a gauge's
/// change per second is not a rate).
pub fn apply_rates(highlights: &mut [Highlight], previous: &[Stat<'_>], elapsed_secs: f64) {
    let before: HashMap<&str, u64> = previous
        .iter()
        .filter_map(|s| s.value.as_u64().map(|v| (s.name.as_ref(), v)))
        .collect();
    for h in highlights.iter_mut() {
        if h.kind != StatKind::Counter {
            h.rate = None;
            continue;
        }
        let prev = before.get(h.full_name.as_str()).copied().unwrap_or(0);
        h.rate = rate_per_second(prev, h.value, elapsed_secs);
        if h.rate == Some(0.0) {
            h.severity = match h.severity {
                Severity::Error => Severity::Warn,
                _ => Severity::Ok,
            };
        }
    }
    sort_worst_first(highlights);
}

/// One line for a highlight, e.g.
/// `outbound|8000||httpbin.default.svc.cluster.local: max_pending_requests 1, overflow 59, +3/s`.
pub fn format_highlight(h: &Highlight) -> String {
    let subject = if h.subject.is_empty() {
        h.scope
    } else {
        &h.subject
    };
    let mut out = format!("{subject}: ");
    if let (Some(name), Some(limit)) = (h.threshold_name, h.threshold) {
        out.push_str(&format!("{name} {limit}, "));
    }
    out.push_str(&format!("{} {}", h.short, h.value));
    if let Some(rate) = h.rate {
        if rate.fract() == 0.0 || rate >= 10.0 {
            out.push_str(&format!(", +{rate:.0}/s"));
        } else {
            out.push_str(&format!(", +{rate:.1}/s"));
        }
    }
    out
}

#[cfg(test)]
#[path = "highlights_tests.rs"]
mod tests;
