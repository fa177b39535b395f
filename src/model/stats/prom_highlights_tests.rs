use super::*;
use crate::model::stats::{highlights, parse_envoy_text, Severity};
use std::collections::HashMap;

/// Shaped on a real Envoy 1.40 `/stats/prometheus` body (default tag
/// regexes: dotted names cut at the first dot) plus Istio-tagged series.
const PROM: &str = r#"# TYPE envoy_cluster_default_svc_cluster_local_upstream_rq_pending_overflow counter
envoy_cluster_default_svc_cluster_local_upstream_rq_pending_overflow{envoy_cluster_name="outbound|8000||httpbin"} 18446744073709551615
# TYPE envoy_cluster_default_svc_cluster_local_outlier_detection_ejections_active gauge
envoy_cluster_default_svc_cluster_local_outlier_detection_ejections_active{envoy_cluster_name="outbound|8000||reviews"} 1
# TYPE envoy_cluster_upstream_cx_none_healthy counter
envoy_cluster_upstream_cx_none_healthy{envoy_cluster_name="BlackHoleCluster"} 3
envoy_cluster_upstream_cx_none_healthy{envoy_cluster_name="outbound|8000||ratings.default.svc.cluster.local"} 2
# TYPE envoy_cluster_upstream_rq_total counter
envoy_cluster_upstream_rq_total{envoy_cluster_name="BlackHoleCluster"} 9
# TYPE envoy_cluster_circuit_breakers_default_rq_pending_open gauge
envoy_cluster_circuit_breakers_default_rq_pending_open{envoy_cluster_name="a"} 1
# TYPE envoy_http_0_0_0_8000_no_route counter
envoy_http_0_0_0_8000_no_route{envoy_http_conn_manager_prefix="outbound_0"} 3
# TYPE envoy_http_0_0_0_8000_rds_8000_update_rejected counter
envoy_http_0_0_0_8000_rds_8000_update_rejected{envoy_http_conn_manager_prefix="outbound_0"} 2
# TYPE envoy_cluster_manager_cds_update_rejected counter
envoy_cluster_manager_cds_update_rejected{} 4
envoy_listener_manager_listener_create_failure{} 1
envoy_listener_downstream_cx_overflow{envoy_listener_address="0.0.0.0_15006"} 5
istio_requests_total{response_code="503"} 7
"#;

const TEXT: &str = "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 18446744073709551615\n\
cluster.outbound|8000||reviews.default.svc.cluster.local.outlier_detection.ejections_active: 1\n\
cluster.BlackHoleCluster.upstream_cx_none_healthy: 3\n\
cluster.outbound|8000||ratings.default.svc.cluster.local.upstream_cx_none_healthy: 2\n\
cluster.a.circuit_breakers.default.rq_pending_open: 1\n\
http.outbound_0.0.0.0_8000.no_route: 3\n\
http.outbound_0.0.0.0_8000.rds.8000.update_rejected: 2\n\
cluster_manager.cds.update_rejected: 4\n\
listener_manager.listener_create_failure: 1\n\
listener.0.0.0.0_15006.downstream_cx_overflow: 5\n";

#[test]
fn prometheus_series_map_back_to_the_envoy_highlights() {
    let (stats, errors) = highlight_stats_from_prometheus(PROM);
    assert!(errors.is_empty(), "{errors:?}");
    let limits = HashMap::from([(
        "outbound|8000||httpbin.default.svc.cluster.local".to_string(),
        crate::model::stats::BreakerThresholds {
            max_pending_requests: Some(1),
            ..Default::default()
        },
    )]);
    let from_prom = highlights(&stats, &limits);
    let text = parse_envoy_text(TEXT);
    let from_text = highlights(&text.stats, &limits);
    let key = |h: &crate::model::stats::Highlight| {
        (h.full_name.clone(), h.value, h.threshold, h.short, h.kind)
    };
    let a: Vec<_> = from_prom.iter().map(key).collect();
    let b: Vec<_> = from_text.iter().map(key).collect();
    assert_eq!(a, b);
    assert_eq!(from_prom.len(), 10);
    assert_eq!(from_prom[0].value, u64::MAX, "exact u64, worst first");
    assert_eq!(from_prom[0].threshold, Some(1));
    let black = from_prom.iter().find(|h| h.subject == "BlackHoleCluster");
    assert_eq!(black.map(|h| h.short), Some("black-holed"));
}

#[test]
fn u64_values_stay_exact() {
    let mut p = PromParser::new("a 18446744073709551615\nb 1e3\nc 1.5\nd -1\ne NaN\n");
    let got: Vec<Option<u64>> = p.by_ref().map(|s| s.as_u64()).collect();
    assert_eq!(got, vec![Some(u64::MAX), Some(1000), None, None, None]);
}

#[test]
fn unrelated_and_unlabelled_series_are_skipped() {
    let (stats, _) = highlight_stats_from_prometheus(
        "envoy_cluster_upstream_cx_connect_fail 3\nenvoy_cluster_upstream_rq_total{envoy_cluster_name=\"a\"} 3\n",
    );
    assert!(stats.is_empty(), "{stats:?}");
    let (stats, _) = highlight_stats_from_prometheus(
        "envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name=\"a\"} 3\n",
    );
    assert_eq!(stats[0].name, "cluster.a.upstream_cx_connect_fail");
    let sev = highlights(&stats, &HashMap::new())[0].severity;
    assert_eq!(sev, Severity::Warn);
}
