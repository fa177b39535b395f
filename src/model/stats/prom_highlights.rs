//! Highlights from Prometheus text (`/stats/prometheus`, or pilot-agent's
//! merged 15020 body): the series of the highlighted stats are mapped back
//! to the Envoy stat names they came from, so [`super::highlights`] gives
//! the same list (and thresholds) as from `/stats`.
//!
//! Envoy renders `cluster.<name>.<stat>` as `envoy_cluster_<stat>` with an
//! `envoy_cluster_name` label, dots made underscores. With Envoy's default
//! tag regexes a dotted Istio cluster name is cut at its first dot and the
//! rest lands in the metric name:
//! `envoy_cluster_default_svc_cluster_local_upstream_rq_pending_overflow{envoy_cluster_name="outbound|8000||httpbin"}`;
//! with Istio's bootstrap tags the label holds the whole name. Both map back
//! to `cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow`.

use std::borrow::Cow;

use super::highlight_rules::{rule_stats, StatMatch, RULES};
use super::{LineError, PromKind, PromParser, PromSample, Stat, StatKind, StatValue};

/// One stat a rule matches, as its Prometheus name piece.
struct Candidate {
    root: &'static str,
    /// The stat after the scope, dotted (`health_check.failure`).
    dotted: String,
    /// The same with underscores (`health_check_failure`).
    underscored: String,
    rds: bool,
}

fn candidates() -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for rule in RULES {
        let rds = matches!(rule.matches, StatMatch::Rds(_));
        for (root, dotted) in rule_stats(rule.matches) {
            if out.iter().any(|c| c.root == root && c.dotted == dotted) {
                continue;
            }
            let underscored = dotted.replace('.', "_");
            out.push(Candidate {
                root,
                dotted,
                underscored,
                rds,
            });
        }
    }
    // The longest stat first, so `a_b_c` wins over a shorter suffix `b_c`.
    out.sort_by_key(|c| std::cmp::Reverse(c.underscored.len()));
    out
}

/// The label that carries each scope's name: Envoy's tag name, which
/// `/stats/prometheus` writes with an `envoy_` prefix (`envoy_cluster_name`);
/// the bare tag name (`cluster_name`, as some exporters write it) is read too.
const SCOPES: [(&str, Option<&str>); 5] = [
    ("cluster_manager", None),
    ("listener_manager", None),
    ("cluster", Some("cluster_name")),
    ("listener", Some("listener_address")),
    ("http", Some("http_conn_manager_prefix")),
];

fn scope_label<'a>(sample: &PromSample<'a>, tag: &str) -> Option<Cow<'a, str>> {
    sample
        .labels
        .get(&format!("envoy_{tag}"))
        .or_else(|| sample.labels.get(tag))
}

/// The highlighted stats of a Prometheus body under their Envoy names, and
/// the lines that did not parse. Other series are skipped.
pub fn highlight_stats_from_prometheus(text: &str) -> (Vec<Stat<'static>>, Vec<LineError>) {
    let candidates = candidates();
    let mut parser = PromParser::new(text);
    let mut out = Vec::new();
    for sample in parser.by_ref() {
        if let Some(stat) = envoy_stat(&sample, &candidates) {
            out.push(stat);
        }
    }
    (out, parser.into_errors())
}

fn envoy_stat(sample: &PromSample<'_>, candidates: &[Candidate]) -> Option<Stat<'static>> {
    let name = sample.name.strip_prefix("envoy_")?;
    let value = sample.as_u64()?;
    for (root, label) in SCOPES {
        let Some(rest) = name.strip_prefix(root).and_then(|r| r.strip_prefix('_')) else {
            continue;
        };
        let scope_name = match label {
            Some(tag) => match scope_label(sample, tag) {
                Some(v) => Some(v),
                None => continue,
            },
            None => None,
        };
        for c in candidates.iter().filter(|c| c.root == root) {
            let Some((middle, route_config)) = split_rest(rest, c, sample) else {
                continue;
            };
            let full = match (&scope_name, middle) {
                (None, None) => format!("{root}.{}", c.dotted),
                (None, Some(_)) => continue,
                (Some(scope), middle) => {
                    let scope = match middle {
                        Some(m) => format!("{scope}.{}", unmangle(root, scope, m)),
                        None => scope.to_string(),
                    };
                    match route_config {
                        Some(rc) => format!("{root}.{scope}.rds.{rc}.{}", leaf(&c.dotted)),
                        None => format!("{root}.{scope}.{}", c.dotted),
                    }
                }
            };
            let kind = match sample.kind {
                PromKind::Gauge => StatKind::Gauge,
                _ => StatKind::Counter,
            };
            return Some(Stat {
                name: Cow::Owned(full),
                value: StatValue::Number(value),
                kind,
            });
        }
        return None;
    }
    None
}

fn leaf(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

/// Splits the metric name after its scope into the mangled rest of a cut
/// scope name (`default_svc_cluster_local`) and, for RDS stats, the route
/// configuration. `None` when the candidate is not this metric.
fn split_rest<'a>(
    rest: &'a str,
    c: &Candidate,
    sample: &PromSample<'a>,
) -> Option<(Option<&'a str>, Option<String>)> {
    if c.rds {
        // `[<middle>_]rds_[<route config>_]update_rejected`.
        let leaf = leaf(&c.dotted);
        let head = rest.strip_suffix(leaf)?;
        let head = head.strip_suffix('_').unwrap_or(head);
        let (middle, rc) = match head.rfind("rds") {
            Some(0) => (None, &head[3..]),
            Some(i) if head[..i].ends_with('_') => (Some(&head[..i - 1]), &head[i + 3..]),
            _ => return None,
        };
        let rc = match sample.labels.get("envoy_rds_route_config") {
            Some(label) if rc.is_empty() => label.into_owned(),
            _ => rc.strip_prefix('_').unwrap_or(rc).to_string(),
        };
        return Some((middle, Some(rc)));
    }
    if rest == c.underscored {
        return Some((None, None));
    }
    let head = rest.strip_suffix(c.underscored.as_str())?;
    let middle = head.strip_suffix('_').filter(|m| !m.is_empty())?;
    Some((Some(middle), None))
}

/// The cut-off rest of a scope name, dots restored: a cluster name is a DNS
/// name (`default_svc_cluster_local` → `default.svc.cluster.local`); an HTTP
/// prefix such as Istio's `outbound_0.0.0.0_8000` (cut to `outbound_0`,
/// rest `0_0_0_8000`) gets its IPv4 dots back.
fn unmangle(root: &str, scope: &str, middle: &str) -> String {
    match root {
        "cluster" => middle.replace('_', "."),
        "http" => {
            let groups: Vec<&str> = middle.split('_').collect();
            let digits = groups
                .iter()
                .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
            let ipv4_tail = scope.ends_with(|c: char| c.is_ascii_digit());
            if digits && ipv4_tail && groups.len() == 4 {
                format!("{}.{}.{}_{}", groups[0], groups[1], groups[2], groups[3])
            } else {
                middle.to_string()
            }
        }
        _ => middle.to_string(),
    }
}

#[cfg(test)]
#[path = "prom_highlights_tests.rs"]
mod tests;
