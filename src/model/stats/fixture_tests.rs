//! The real captures in the shared fixtures folder parse with zero errors.

use super::{parse_envoy_text, PromParser, StatName, StatScope};
use crate::model::cardinality::{analyze_envoy_stats, analyze_prometheus, DEFAULT_THRESHOLD};

use crate::model::fixture;

/// Every non-comment line is a sample: the count must match exactly.
fn prometheus_parses_cleanly(name: &str) {
    let Some(text) = fixture(name) else { return };
    let mut parser = PromParser::new(&text);
    let count = parser.by_ref().count();
    assert!(parser.errors().is_empty(), "{name}: {:?}", parser.errors());
    let expected = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(count, expected, "{name}");
    let report = analyze_prometheus(&text, DEFAULT_THRESHOLD, 1);
    assert_eq!(report.parse_errors, 0);
    assert_eq!(report.total_series, count as u64);
}

#[test]
fn consul_dataplane_prometheus_parses_with_zero_errors() {
    prometheus_parses_cleanly("envoy-stats-prometheus-consul-dataplane.txt");
}

#[test]
fn pilot_metrics_parse_with_zero_errors() {
    prometheus_parses_cleanly("istio-pilot-1.1-metrics.txt");
    let Some(text) = fixture("istio-pilot-1.1-metrics.txt") else {
        return;
    };
    let bucket = PromParser::new(&text).find(|s| s.name == "pilot_proxy_convergence_time_bucket");
    assert_eq!(
        bucket.map(|s| s.family),
        Some("pilot_proxy_convergence_time")
    );
}

#[test]
fn envoy_text_parses_with_zero_errors_and_tags_split() {
    let Some(text) = fixture("envoy-stats-text-multiple-services.txt") else {
        return;
    };
    let parsed = parse_envoy_text(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        parsed.stats.len(),
        text.lines().filter(|l| !l.trim().is_empty()).count()
    );
    let clusters: std::collections::BTreeSet<&str> = parsed
        .stats
        .iter()
        .filter_map(|s| match StatName::parse(&s.name).scope {
            StatScope::Cluster { name } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(
        clusters.into_iter().collect::<Vec<_>>(),
        vec!["service1", "service2"]
    );
    let report = analyze_envoy_stats(&parsed.stats, DEFAULT_THRESHOLD);
    assert_eq!(report.total_series, parsed.stats.len() as u64);
    assert!(
        report.offenders().next().is_none(),
        "a small capture has no offenders"
    );
}
