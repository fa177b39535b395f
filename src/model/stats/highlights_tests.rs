use super::*;
use crate::model::stats::parse_envoy_text;
use crate::model::stats::StatKind;

const HTTPBIN: &str = "outbound|8000||httpbin.default.svc.cluster.local";

fn snapshot(pending: u64, cx_fail: u64) -> String {
    format!(
        "cluster.{HTTPBIN}.upstream_rq_pending_overflow: {pending}\n\
         cluster.{HTTPBIN}.upstream_cx_overflow: 0\n\
         cluster.{HTTPBIN}.circuit_breakers.default.rq_pending_open: 1\n\
         cluster.{HTTPBIN}.circuit_breakers.high.rq_pending_open: 1\n\
         cluster.{HTTPBIN}.upstream_cx_connect_fail: {cx_fail}\n\
         cluster.{HTTPBIN}.upstream_rq_total: 1000\n\
         cluster_manager.cds.update_rejected: 2\n\
         listener_manager.lds.update_rejected: 0\n\
         http.outbound_0.0.0.0_8000.rds.8000.update_rejected: 1\n\
         listener.0.0.0.0_15006.downstream_cx_overflow: 4\n"
    )
}

fn thresholds() -> HashMap<String, BreakerThresholds> {
    let limits = BreakerThresholds {
        max_connections: Some(1),
        max_pending_requests: Some(1),
        max_requests: Some(1024),
        max_retries: Some(3),
    };
    HashMap::from([(HTTPBIN.to_string(), limits)])
}

#[test]
fn picks_non_zero_highlights_with_thresholds() {
    let text = snapshot(59, 7);
    let parsed = parse_envoy_text(&text);
    let found = highlights(&parsed.stats, &thresholds());
    let stats: Vec<&str> = found.iter().map(|h| h.stat.as_str()).collect();
    assert_eq!(found.len(), 7, "{stats:?}");
    assert!(!stats.contains(&"upstream_cx_overflow"));
    assert!(!stats.contains(&"upstream_rq_total"));
    assert!(!stats.contains(&"lds.update_rejected"));
    // Errors first, largest value first.
    assert_eq!(found[0].stat, "upstream_rq_pending_overflow");
    assert_eq!(found[0].threshold, Some(1));
    assert_eq!(found[0].severity, Severity::Error);
    let last = &found[found.len() - 1];
    assert_eq!(
        (last.stat.as_str(), last.severity),
        ("upstream_cx_connect_fail", Severity::Warn)
    );
    let high = found
        .iter()
        .find(|h| h.stat == "circuit_breakers.high.rq_pending_open")
        .map(|h| h.threshold);
    assert_eq!(high, Some(None), "only the default priority has thresholds");
    let rds = found
        .iter()
        .find(|h| h.short == "RDS rejected")
        .map(|h| h.subject.as_str());
    assert_eq!(rds, Some("outbound_0.0.0.0_8000"));
    let cds = found
        .iter()
        .find(|h| h.short == "CDS rejected")
        .map(format_highlight);
    assert_eq!(cds.as_deref(), Some("cluster_manager: CDS rejected 2"));
}

#[test]
fn rates_and_the_write_up_line() {
    let before_text = snapshot(50, 7);
    let now_text = snapshot(59, 7);
    let before = parse_envoy_text(&before_text);
    let now = parse_envoy_text(&now_text);
    let mut found = highlights(&now.stats, &thresholds());
    apply_rates(&mut found, &before.stats, 3.0);
    assert_eq!(
        format_highlight(&found[0]),
        format!("{HTTPBIN}: max_pending_requests 1, overflow 59, +3/s")
    );
    let fail = found.iter().find(|h| h.stat == "upstream_cx_connect_fail");
    assert_eq!(
        fail.map(|h| (h.rate, h.severity)),
        Some((Some(0.0), Severity::Ok))
    );
    let open = found
        .iter()
        .find(|h| h.stat.ends_with("default.rq_pending_open"));
    assert_eq!(
        open.map(|h| (h.severity, h.rate, h.kind)),
        Some((Severity::Error, None, StatKind::Gauge)),
        "gauges keep severity and have no rate"
    );
    let line = open.map(format_highlight).unwrap_or_default();
    assert!(!line.contains("/s"), "no +0/s on a gauge: {line}");
}

#[test]
fn worst_first_by_severity_then_rate_then_value() {
    let body = |overflow: u64, cx: u64, fail: u64, nr: u64| {
        format!(
            "cluster.{HTTPBIN}.upstream_rq_pending_overflow: {overflow}\n\
             cluster.{HTTPBIN}.upstream_cx_overflow: {cx}\n\
             cluster.outbound|8000||details.default.svc.cluster.local.upstream_cx_connect_fail: {fail}\n\
             cluster.BlackHoleCluster.upstream_cx_none_healthy: 9000\n\
             http.outbound_0.0.0.0_8000.no_route: {nr}\n\
             cluster.outbound|8000||reviews.default.svc.cluster.local.outlier_detection.ejections_active: 1\n"
        )
    };
    let (a, b) = (body(10, 500, 5, 3), body(150, 520, 50, 3));
    let (before, now) = (parse_envoy_text(&a), parse_envoy_text(&b));
    let mut found = highlights(&now.stats, &thresholds());
    let order: Vec<&str> = found.iter().map(|h| h.short).collect();
    assert_eq!(
        order,
        [
            "black-holed",
            "cx overflow",
            "overflow",
            "no route (NR)",
            "connect fail",
            "ejected hosts"
        ],
        "one snapshot: severity, then value"
    );
    apply_rates(&mut found, &before.stats, 2.0);
    let order: Vec<(&str, Severity)> = found.iter().map(|h| (h.short, h.severity)).collect();
    assert_eq!(
        order,
        [
            ("overflow", Severity::Error),
            ("cx overflow", Severity::Error),
            ("connect fail", Severity::Warn),
            ("black-holed", Severity::Warn),
            ("no route (NR)", Severity::Warn),
            ("ejected hosts", Severity::Warn),
        ],
        "with rates: severity, then rate (70/s before 10/s), then value"
    );
}

#[test]
fn black_hole_and_passthrough_get_their_own_advice() {
    let text = "cluster.BlackHoleCluster.upstream_cx_none_healthy: 3\n\
                cluster.PassthroughCluster.upstream_cx_connect_fail: 2\n\
                cluster.outbound|8000||ratings.default.svc.cluster.local.upstream_cx_none_healthy: 1\n\
                cluster.BlackHoleCluster.lb_healthy_panic: 3\n\
                cluster.outbound|8000||ratings.default.svc.cluster.local.lb_healthy_panic: 2\n";
    let parsed = parse_envoy_text(text);
    let found = highlights(&parsed.stats, &HashMap::new());
    let advice = |subject: &str| {
        found
            .iter()
            .find(|h| h.subject == subject)
            .map(|h| h.advice)
            .unwrap_or_default()
    };
    assert!(advice("BlackHoleCluster").contains("ServiceEntry"));
    assert!(advice("BlackHoleCluster").contains("outboundTrafficPolicy"));
    assert!(!advice("BlackHoleCluster").contains("check the endpoints"));
    assert!(advice("PassthroughCluster").contains("ServiceEntry"));
    let panics: Vec<&str> = found
        .iter()
        .filter(|h| h.stat == "lb_healthy_panic")
        .map(|h| h.subject.as_str())
        .collect();
    assert_eq!(
        panics,
        ["outbound|8000||ratings.default.svc.cluster.local"],
        "BlackHoleCluster has no hosts by design"
    );
    assert!(
        advice("outbound|8000||ratings.default.svc.cluster.local").contains("check the endpoints")
    );
}

#[test]
fn rate_edge_cases() {
    assert_eq!(rate_per_second(10, 16, 2.0), Some(3.0));
    assert_eq!(rate_per_second(10, 5, 2.0), None);
    assert_eq!(rate_per_second(10, 16, 0.0), None);
}
