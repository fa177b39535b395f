//! The counters that break production, picked out of a stats snapshot:
//! circuit-breaker overflows and open breakers, rejected xDS updates, no
//! healthy upstream, connect failures, outlier ejections. Each carries what
//! it means and what to do, the breaker threshold when known and, given a
//! previous snapshot, its rate now.

use std::collections::HashMap;

use serde::Serialize;

use super::{Stat, StatKind, StatName, StatScope};

/// How bad a highlight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Happened before but not growing now (a counter whose rate is 0).
    Ok,
    /// Worth a look.
    Warn,
    /// Requests are failing because of it.
    Error,
}

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

type Limit = fn(&BreakerThresholds) -> Option<u64>;

struct Rule {
    matches: fn(&StatName<'_>) -> bool,
    severity: Severity,
    threshold: Option<(&'static str, Limit)>,
    short: &'static str,
    meaning: &'static str,
    advice: &'static str,
}

const PENDING: (&str, Limit) = ("max_pending_requests", |t| t.max_pending_requests);
const CONNECTIONS: (&str, Limit) = ("max_connections", |t| t.max_connections);
const REQUESTS: (&str, Limit) = ("max_requests", |t| t.max_requests);
const RETRIES: (&str, Limit) = ("max_retries", |t| t.max_retries);
const BREAKER_ADVICE: &str =
    "raise the DestinationRule connectionPool limit or add capacity; clients see 503 UO";

fn cluster_stat(s: &StatName<'_>, stat: &str) -> bool {
    matches!(s.scope, StatScope::Cluster { .. }) && s.stat == stat
}

fn breaker_open(s: &StatName<'_>, leaf: &str) -> bool {
    s.circuit_breaker_priority().is_some() && s.leaf() == leaf
}

const RULES: &[Rule] = &[
    Rule { matches: |s| cluster_stat(s, "upstream_rq_pending_overflow"), severity: Severity::Error, threshold: Some(PENDING), short: "overflow",
        meaning: "requests rejected because the pending-request queue was full (circuit breaker)", advice: BREAKER_ADVICE },
    Rule { matches: |s| cluster_stat(s, "upstream_cx_overflow"), severity: Severity::Error, threshold: Some(CONNECTIONS), short: "cx overflow",
        meaning: "connections not opened because max_connections was reached (circuit breaker)", advice: BREAKER_ADVICE },
    Rule { matches: |s| cluster_stat(s, "upstream_rq_retry_overflow"), severity: Severity::Error, threshold: Some(RETRIES), short: "retry overflow",
        meaning: "retries not attempted because max_retries was reached (circuit breaker)", advice: "raise max_retries or reduce retry attempts; failures surface without retry" },
    Rule { matches: |s| cluster_stat(s, "upstream_cx_pool_overflow"), severity: Severity::Error, threshold: None, short: "pool overflow",
        meaning: "connection pools not created because max_connection_pools was reached", advice: BREAKER_ADVICE },
    Rule { matches: |s| s.leaf() == "downstream_cx_overflow", severity: Severity::Error, threshold: None, short: "downstream overflow",
        meaning: "incoming connections rejected by the listener's connection limit", advice: "raise the listener connection limit or spread load across replicas" },
    Rule { matches: |s| breaker_open(s, "rq_pending_open"), severity: Severity::Error, threshold: Some(PENDING), short: "pending breaker open",
        meaning: "the pending-request circuit breaker is open now", advice: BREAKER_ADVICE },
    Rule { matches: |s| breaker_open(s, "cx_open"), severity: Severity::Error, threshold: Some(CONNECTIONS), short: "connection breaker open",
        meaning: "the connection circuit breaker is open now", advice: BREAKER_ADVICE },
    Rule { matches: |s| breaker_open(s, "rq_open"), severity: Severity::Error, threshold: Some(REQUESTS), short: "request breaker open",
        meaning: "the request circuit breaker is open now", advice: BREAKER_ADVICE },
    Rule { matches: |s| breaker_open(s, "rq_retry_open"), severity: Severity::Error, threshold: Some(RETRIES), short: "retry breaker open",
        meaning: "the retry circuit breaker is open now", advice: BREAKER_ADVICE },
    Rule { matches: |s| s.scope == StatScope::ClusterManager && s.stat == "cds.update_rejected", severity: Severity::Error, threshold: None, short: "CDS rejected",
        meaning: "Envoy rejected a cluster (CDS) update from istiod; it runs on older config", advice: "check istiod's pilot_xds_cds_reject and the proxy log for the NACK reason" },
    Rule { matches: |s| s.scope == StatScope::ListenerManager && s.stat == "lds.update_rejected", severity: Severity::Error, threshold: None, short: "LDS rejected",
        meaning: "Envoy rejected a listener (LDS) update from istiod; it runs on older config", advice: "check istiod's pilot_xds_lds_reject and the proxy log for the NACK reason" },
    Rule { matches: |s| s.rds_route_config().is_some() && s.leaf() == "update_rejected", severity: Severity::Error, threshold: None, short: "RDS rejected",
        meaning: "Envoy rejected a route (RDS) update; routes are stale", advice: "check istiod's pilot_xds_rds_reject and the proxy log for the NACK reason" },
    Rule { matches: |s| cluster_stat(s, "upstream_cx_none_healthy"), severity: Severity::Error, threshold: None, short: "no healthy upstream",
        meaning: "requests found no healthy host (503 UH)", advice: "check the endpoints: replicas ready, health checks, outlier ejections" },
    Rule { matches: |s| cluster_stat(s, "upstream_cx_connect_fail"), severity: Severity::Warn, threshold: None, short: "connect fail",
        meaning: "TCP connections to the upstream failed (503 UF)", advice: "check the app listens on the port and address (0.0.0.0, not localhost) and NetworkPolicies" },
    Rule { matches: |s| cluster_stat(s, "outlier_detection.ejections_active"), severity: Severity::Warn, threshold: None, short: "ejected hosts",
        meaning: "hosts currently ejected by outlier detection", advice: "look at the ejected hosts' errors in /clusters; check the outlierDetection settings" },
    Rule { matches: |s| cluster_stat(s, "outlier_detection.ejections_enforced_total"), severity: Severity::Warn, threshold: None, short: "ejections",
        meaning: "hosts ejected by outlier detection since start", advice: "look at the ejected hosts' errors in /clusters; check the outlierDetection settings" },
    Rule { matches: |s| cluster_stat(s, "upstream_cx_destroy_remote_with_active_rq"), severity: Severity::Warn, threshold: None, short: "reset by upstream",
        meaning: "the upstream closed connections with requests in flight (503 UC)", advice: "match the app's keep-alive timeout to Envoy's idle timeout, or add retries" },
];

/// Picks the highlights out of a snapshot. Only non-zero values count;
/// `thresholds` maps cluster names to their default-priority breaker limits.
/// Sorted by severity, then value, largest first.
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
        let Some(rule) = RULES.iter().find(|r| (r.matches)(&name)) else {
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
            value,
            threshold,
            threshold_name: rule.threshold.map(|t| t.0),
            rate: None,
            short: rule.short,
            meaning: rule.meaning,
            advice: rule.advice,
        });
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.value.cmp(&a.value)));
    out
}

/// Per-second rate of a counter between two readings; `None` when no time
/// passed or the counter went down (reset or restart).
pub fn rate_per_second(previous: u64, now: u64, elapsed_secs: f64) -> Option<f64> {
    if elapsed_secs <= 0.0 || !elapsed_secs.is_finite() || now < previous {
        return None;
    }
    Some((now - previous) as f64 / elapsed_secs)
}

/// Fills each highlight's rate from the previous snapshot taken
/// `elapsed_secs` earlier. A counter that has stopped growing is downgraded
/// one severity level (it happened, it is not happening now); gauges keep
/// theirs.
pub fn apply_rates(highlights: &mut [Highlight], previous: &[Stat<'_>], elapsed_secs: f64) {
    let before: HashMap<&str, u64> = previous
        .iter()
        .filter_map(|s| s.value.as_u64().map(|v| (s.name.as_ref(), v)))
        .collect();
    for h in highlights.iter_mut() {
        let prev = before.get(h.full_name.as_str()).copied().unwrap_or(0);
        h.rate = rate_per_second(prev, h.value, elapsed_secs);
        let counter = super::guess_kind(&h.full_name) == StatKind::Counter;
        if counter && h.rate == Some(0.0) {
            h.severity = match h.severity {
                Severity::Error => Severity::Warn,
                _ => Severity::Ok,
            };
        }
    }
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
