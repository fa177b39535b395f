//! The rules on inputs the tests generate: each finding from its evidence,
//! healthy evidence gives none, missing evidence gives "not checked".

use super::*;
use crate::model::stats::parse_envoy_text;

const C: &str = "outbound|8000||httpbin.default.svc.cluster.local";

fn entries(lines: &[String]) -> Vec<AccessEntry> {
    crate::model::access_log::access_entries(lines.iter().map(String::as_str))
}

fn log(code: u16, flags: &str, cluster: &str) -> String {
    format!("[2026-12-01T00:00:00.000Z] \"GET / HTTP/1.1\" {code} {flags} via_upstream - \"-\" 0 0 1 - \"-\" \"-\" \"id\" \"h\" \"-\" {cluster} - 127.0.0.1:1 127.0.0.1:2 - default")
}

#[test]
fn breaker_overflow_names_cluster_limit_count_and_logs() {
    let stats = format!(
        "cluster.{C}.upstream_rq_pending_overflow: 59\ncluster.{C}.upstream_cx_overflow: 0\n"
    );
    let parsed = parse_envoy_text(&stats);
    let clusters = ClusterStatuses::parse(&format!(
        r#"{{"cluster_statuses":[{{"name":"{C}","circuit_breakers":{{"thresholds":[{{"max_connections":1,"max_pending_requests":1}}]}},"host_statuses":[{{"address":{{"socket_address":{{"address":"10.0.0.1","port_value":80}}}},"health_status":{{"eds_health_status":"HEALTHY"}}}}]}}]}}"#
    ))
    .unwrap();
    let logs = entries(&[log(503, "UO", C), log(503, "UO", C), log(200, "-", C)]);
    let r = diagnose(&Evidence {
        stats: Some(&parsed.stats),
        clusters: Some(&clusters),
        logs: Some(&logs),
        ..Evidence::default()
    });
    let f = &r.findings[0];
    assert_eq!(
        (f.rule, f.severity, f.subject.as_str()),
        ("MS1001", Severity::Error, C)
    );
    assert_eq!(f.evidence[0].value, "59");
    assert_eq!(
        f.evidence[0].limit.as_deref(),
        Some("max_pending_requests 1")
    );
    assert_eq!(f.evidence[1].value, "2 entries");
    assert!(f.fix.contains("http1MaxPendingRequests"));
    assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
}

#[test]
fn rates_come_from_two_reads_and_order_equal_severities() {
    let before = parse_envoy_text(
        "cluster.a.upstream_cx_connect_fail: 10\ncluster.b.upstream_cx_connect_fail: 10\n",
    );
    let now = parse_envoy_text(
        "cluster.a.upstream_cx_connect_fail: 12\ncluster.b.upstream_cx_connect_fail: 30\n",
    );
    let r = diagnose(&Evidence {
        stats: Some(&now.stats),
        previous_stats: Some((&before.stats, 2.0)),
        ..Evidence::default()
    });
    let subjects: Vec<&str> = r.findings.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects, ["b", "a"], "faster first");
    assert_eq!(r.findings[0].evidence[0].rate, Some(10.0));
}

#[test]
fn a_route_to_a_missing_subset_is_nc_even_before_traffic() {
    let text = format!(
        r#"{{"configs":[{{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{{"cluster":{{"name":"{C}"}}}}]}},
        {{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{{"route_config":{{"name":"9080","virtual_hosts":[{{"name":"reviews:9080","domains":["reviews"],"routes":[{{"match":{{"prefix":"/"}},"route":{{"cluster":"outbound|9080|v4|reviews.default.svc.cluster.local"}}}}]}}]}}}}]}}]}}"#
    );
    let dump = crate::model::config_dump::ConfigDump::parse(&text).unwrap();
    let r = diagnose(&Evidence {
        dump: Some(&dump),
        ..Evidence::default()
    });
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "MS1003")
        .expect("NC finding");
    assert_eq!(
        f.subject,
        "outbound|9080|v4|reviews.default.svc.cluster.local"
    );
    assert_eq!(f.severity, Severity::Warn, "no traffic yet");
    assert!(f.fix.contains("subsets"));
}

#[test]
fn healthy_evidence_gives_no_finding_and_missing_evidence_is_not_checked() {
    let text =
        format!("cluster.{C}.upstream_rq_total: 1000\nhttp.outbound_0.0.0.0_8000.no_route: 0\n");
    let stats = parse_envoy_text(&text);
    let r = diagnose(&Evidence {
        stats: Some(&stats.stats),
        ..Evidence::default()
    });
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let needs: Vec<&str> = r.not_checked.iter().map(|n| n.rule).collect();
    assert!(
        needs.contains(&"MS1008") && needs.contains(&"MS1019"),
        "{needs:?}"
    );
    assert!(!needs.contains(&"MS1001"));
    let all = diagnose(&Evidence::default());
    assert_eq!(all.not_checked.len(), RULES.len());
    assert!(all.not_checked[0].needs.contains("/stats"));
}

#[test]
fn blackhole_traffic_and_unbalanced_workers() {
    let stats = parse_envoy_text(
        "cluster.BlackHoleCluster.upstream_cx_none_healthy: 3\nlistener.0.0.0.0_15006.worker_0.downstream_cx_active: 180\nlistener.0.0.0.0_15006.worker_1.downstream_cx_active: 2\n",
    );
    let logs = entries(&[log(0, "UH", "BlackHoleCluster")]);
    let r = diagnose(&Evidence {
        stats: Some(&stats.stats),
        logs: Some(&logs),
        ..Evidence::default()
    });
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["MS1010", "MS1015"], "{:?}", r.findings);
    assert!(r.findings[0].fix.contains("ServiceEntry"));
    assert!(
        !rules.contains(&"MS1004"),
        "BlackHoleCluster is never 'no healthy upstream'"
    );
}
