//! Tests of the istiod model on constructed scrapes and on the real pilot 1.1
//! capture in the shared fixtures.

use super::*;

const MODERN: &str = r#"# HELP pilot_total_rejected_configs Total number of configs that Pilot had to reject or ignore.
# TYPE pilot_total_rejected_configs counter
pilot_total_rejected_configs{name="default/test2",type="gateway"} 1
pilot_total_xds_rejects{type="lds"} 2
pilot_xds_lds_reject{err="Error adding/updating listener(s) 0.0.0.0_8080: \"bad\"",node="sidecar~10.1.1.1~a-1.default~default.svc.cluster.local"} 2
pilot_conflict_inbound_listener 0
pilot_conflict_outbound_listener_tcp_over_current_tcp 1
pilot_conflict_outbound_listener_http_over_current_tcp 0
pilot_duplicate_envoy_clusters 0
pilot_eds_no_instances 3
pilot_vservice_dup_domain 0
pilot_services 40
pilot_virt_services 7
pilot_info{version="1.20.1-abc"} 1
pilot_xds{version="1.20.1"} 10
pilot_xds{version="1.19.0"} 2
pilot_xds_pushes{type="cds"} 100
pilot_xds_pushes{type="cds_senderr"} 1
pilot_xds_pushes{type="lds"} 80
pilot_xds_push_context_errors 0
pilot_xds_write_timeout_total 4
pilot_xds_push_time_bucket{type="cds",le="0.01"} 50
pilot_xds_push_time_bucket{type="cds",le="0.1"} 90
pilot_xds_push_time_bucket{type="cds",le="1"} 100
pilot_xds_push_time_bucket{type="cds",le="+Inf"} 100
pilot_xds_push_time_sum{type="cds"} 3.2
pilot_xds_push_time_count{type="cds"} 100
pilot_xds_push_time_bucket{type="lds",le="0.01"} 30
pilot_xds_push_time_bucket{type="lds",le="0.1"} 70
pilot_xds_push_time_bucket{type="lds",le="1"} 80
pilot_xds_push_time_bucket{type="lds",le="+Inf"} 80
pilot_xds_push_time_sum{type="lds"} 2.0
pilot_xds_push_time_count{type="lds"} 80
pilot_proxy_convergence_time_bucket{le="0.1"} 0
pilot_proxy_convergence_time_bucket{le="1"} 10
pilot_proxy_convergence_time_bucket{le="+Inf"} 10
pilot_proxy_convergence_time_sum 5
pilot_proxy_convergence_time_count 10
pilot_xds_config_size_bytes_bucket{type="cds",le="1"} 0
pilot_xds_config_size_bytes_bucket{type="cds",le="10000"} 10
pilot_xds_config_size_bytes_bucket{type="cds",le="1e+06"} 90
pilot_xds_config_size_bytes_bucket{type="cds",le="4e+06"} 97
pilot_xds_config_size_bytes_bucket{type="cds",le="1e+07"} 99
pilot_xds_config_size_bytes_bucket{type="cds",le="4e+07"} 100
pilot_xds_config_size_bytes_bucket{type="cds",le="+Inf"} 100
pilot_xds_config_size_bytes_sum{type="cds"} 1e8
pilot_xds_config_size_bytes_count{type="cds"} 100
"#;

use crate::model::fixture;

#[test]
fn modern_scrape_reads_every_signal() {
    let r = parse_metrics(MODERN);
    assert!(r.parse_errors.is_empty(), "{:?}", r.parse_errors);
    assert_eq!(r.version.as_deref(), Some("1.20.1-abc"));
    assert_eq!(r.rejected_configs.len(), 1);
    assert_eq!(r.rejected_configs[0].kind, "gateway");
    assert_eq!(r.rejected_configs[0].name, "default/test2");
    assert_eq!(r.xds_rejects_by_type[0].kind, "lds");
    let nack = &r.xds_rejects[0];
    assert_eq!(nack.xds, "lds");
    assert_eq!(
        nack.node.as_deref(),
        Some("sidecar~10.1.1.1~a-1.default~default.svc.cluster.local")
    );
    assert_eq!(
        nack.error.as_deref(),
        Some("Error adding/updating listener(s) 0.0.0.0_8080: \"bad\"")
    );
    let tcp = r
        .conflicts
        .iter()
        .find(|c| c.name == "pilot_conflict_outbound_listener_tcp_over_current_tcp");
    assert_eq!(tcp.map(|c| c.value), Some(1.0));
    assert_eq!(r.eds_no_instances, Some(3.0));
    assert_eq!((r.services, r.virtual_services), (Some(40.0), Some(7.0)));
    assert_eq!(r.connected_total(), 12.0);
    assert_eq!(r.connected_proxies[1].version.as_deref(), Some("1.20.1"));
    let pushes: Vec<_> = r
        .pushes
        .iter()
        .map(|t| (t.kind.as_str(), t.count))
        .collect();
    assert_eq!(pushes, [("cds", 100.0), ("lds", 80.0)]);
    assert_eq!(r.send_errors[0].kind, "cds");
    assert_eq!(r.send_errors[0].count, 1.0);
    let timeouts = r
        .push_errors
        .iter()
        .find(|e| e.name == "pilot_xds_write_timeout");
    assert_eq!(
        timeouts.map(|e| e.value),
        Some(4.0),
        "the _total suffix is folded"
    );
    // Labelled reject gauges only exist once they fired.
    assert_eq!(
        r.missing,
        [
            "pilot_xds_cds_reject",
            "pilot_xds_rds_reject",
            "pilot_xds_eds_reject"
        ]
    );
}

#[test]
fn histograms_are_summed_over_types_and_interpolated() {
    let r = parse_metrics(MODERN);
    let push = r.push_time.expect("push time");
    assert_eq!(push.count, 180.0);
    assert!((push.sum - 5.2).abs() < 1e-9);
    // 180 obs: 80 <= 0.01, 160 <= 0.1, 180 <= 1. p50 (rank 90) in (0.01, 0.1].
    let p50 = push.p50.expect("p50");
    assert!((p50 - (0.01 + 0.09 * (10.0 / 80.0))).abs() < 1e-12, "{p50}");
    assert_eq!(push.p99.map(|v| (v * 1000.0).round() / 1000.0), Some(0.919));
    let conv = r.convergence_time.expect("convergence");
    assert!(
        conv.p50.is_some_and(|v| (v - 0.55).abs() < 1e-12),
        "{:?}",
        conv.p50
    );
    let size = r.config_size.expect("config size");
    assert_eq!(size.over_grpc_limit, 3.0);
    assert_eq!(size.over_strain, 1.0);
}

#[test]
fn pilot_1_1_capture_parses_and_reports_missing_metrics() {
    let Some(text) = fixture("istio-pilot-1.1-metrics.txt") else {
        return;
    };
    let r = parse_metrics(&text);
    assert!(r.parse_errors.is_empty(), "{:?}", r.parse_errors);
    assert_eq!(r.connected_total(), 8.0);
    assert_eq!(r.connected_proxies[0].version, None);
    let pushes: Vec<_> = r
        .pushes
        .iter()
        .map(|t| (t.kind.as_str(), t.count))
        .collect();
    assert_eq!(
        pushes,
        [
            ("cds", 118.0),
            ("eds", 136.0),
            ("lds", 118.0),
            ("rds", 85.0)
        ]
    );
    assert_eq!(r.conflicts.len(), 4);
    assert!(r.conflicts.iter().all(|c| c.value == 0.0));
    assert_eq!(r.services, Some(22.0));
    assert_eq!(r.virtual_services, Some(0.0));
    assert_eq!(r.xds_rejects_by_type.len(), 1);
    assert_eq!(r.xds_rejects_by_type[0].count, 0.0);
    let conv = r.convergence_time.as_ref().expect("convergence histogram");
    assert_eq!(conv.count, 15.0);
    // 15 obs: 7 <= 1, 14 <= 5. Rank 7.5 lies in (3, 5]: 3 + 2 * 0.5/7.
    let p50 = conv.p50.expect("p50");
    assert!((p50 - (3.0 + 2.0 * 0.5 / 7.0)).abs() < 1e-12, "{p50}");
    assert!(r
        .version
        .as_deref()
        .is_some_and(|v| v.contains("istio-1.1.5")));
    for m in [
        "pilot_total_rejected_configs",
        "pilot_xds_cds_reject",
        "pilot_xds_push_time",
        "pilot_xds_config_size_bytes",
    ] {
        assert!(r.is_missing(m), "{m} should be missing: {:?}", r.missing);
    }
    for m in [
        "pilot_xds",
        "pilot_xds_pushes",
        "pilot_proxy_convergence_time",
    ] {
        assert!(!r.is_missing(m), "{m} is present");
    }
    let text = istiod_text(&r);
    assert!(
        text.contains("Missing metrics\n---------------\n"),
        "{text}"
    );
    assert!(text.contains("  pilot_xds_push_time\n"));
    assert!(
        text.contains("pushes: cds=118 eds=136 lds=118 rds=85\n"),
        "{text}"
    );
}

#[test]
fn malformed_lines_are_listed_and_the_rest_is_kept() {
    let r = parse_metrics("pilot_xds 3\npilot_services{ 1\npilot_virt_services two\n");
    assert_eq!(r.connected_total(), 3.0);
    let lines: Vec<_> = r.parse_errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3]);
    assert!(r.is_missing("pilot_services"));
}

#[test]
fn push_rates_between_two_scrapes_handle_resets() {
    let a =
        parse_metrics("pilot_xds_pushes{type=\"cds\"} 100\npilot_xds_pushes{type=\"eds\"} 500\n");
    let b = parse_metrics(
        "pilot_xds_pushes{type=\"cds\"} 130\npilot_xds_pushes{type=\"eds\"} 20\n\
         pilot_xds_pushes{type=\"eds_senderr\"} 3\n",
    );
    let (pushes, errors) = push_rates(&a, &b, 10.0);
    let got: Vec<_> = pushes
        .iter()
        .map(|r| (r.kind.as_str(), r.per_second))
        .collect();
    assert_eq!(got, [("cds", 3.0), ("eds", 2.0)]);
    assert_eq!(errors[0].per_second, 0.3);
    assert!(push_rates(&a, &b, 0.0).0.is_empty());
}

#[test]
fn text_report_has_every_section_and_the_rejected_gateway() {
    let text = istiod_text(&parse_metrics(MODERN));
    for title in [
        "Rejected configs",
        "xDS rejects",
        "Conflicts",
        "Pushes",
        "Connected proxies",
        "Push/convergence latency",
        "Config size",
        "Missing metrics",
    ] {
        assert!(
            text.contains(&format!("{title}\n{}\n", "-".repeat(title.len()))),
            "{title}"
        );
    }
    assert!(
        text.contains("TYPE      NAME            COUNT\ngateway   default/test2   1\n"),
        "{text}"
    );
    assert!(text.contains("pushes over 4 MB (gRPC default limit): 3\n"));
    assert!(
        text.contains("pilot_xds_config_size_bytes   100     505 kB   1 MB   10 MB\n"),
        "{text}"
    );
    assert!(
        text.contains("pilot_xds_push_time            180     0.021s   0.19s   0.919s\n"),
        "{text}"
    );
    assert!(text.contains("send errors: cds=1\n"));
    assert!(text.contains("total     12\n"), "{text}");
}

const SYNCZ: &str = r#"[
 {"cluster_id":"Kubernetes","proxy":"reviews-v1-1.default","proxy_type":"sidecar","istio_version":"1.20.1",
  "cluster_sent":"n1","cluster_acked":"n1","listener_sent":"l2","listener_acked":"l1",
  "route_sent":"r1","route_acked":"r1","endpoint_sent":"e1","endpoint_acked":"e1"},
 {"cluster_id":"Kubernetes","proxy":"details-v1-1.default","istio_version":"1.20.1",
  "cluster_sent":"n1","cluster_acked":"n1","listener_sent":"l1","listener_acked":"l1",
  "route_sent":"r1","endpoint_sent":"e1","endpoint_acked":"e1",
  "resources":{"type.googleapis.com/envoy.config.cluster.v3.Cluster":{"sent":"n1","acked":"n1"}}}
]"#;

#[test]
fn syncz_array_gives_istioctl_states_sorted_by_name() {
    let rows = parse_syncz(SYNCZ, "istiod-7d4f-abc").expect("syncz");
    assert_eq!(rows[0].name, "details-v1-1.default");
    assert_eq!(rows[0].rds, SyncState::StaleNeverAcknowledged);
    assert_eq!(rows[0].ecds, SyncState::NotSent);
    assert_eq!(rows[1].lds, SyncState::Stale);
    assert!(rows[1].has_problem());
    assert_eq!(
        proxy_status_table(&rows),
        "NAME                     CLUSTER        CDS        LDS        EDS        RDS                            ECDS         ISTIOD              VERSION\n\
         details-v1-1.default     Kubernetes     SYNCED     SYNCED     SYNCED     STALE (Never Acknowledged)     NOT SENT     istiod-7d4f-abc     1.20.1\n\
         reviews-v1-1.default     Kubernetes     SYNCED     STALE      SYNCED     SYNCED                         NOT SENT     istiod-7d4f-abc     1.20.1\n"
    );
}

#[test]
fn pilot_1_1_syncz_falls_back_to_proxy_version() {
    let body =
        r#"[{"proxy":"a.default","proxy_version":"1.1.5","cluster_sent":"x","cluster_acked":"x"}]"#;
    let rows = parse_syncz(body, "istio-pilot-1").expect("syncz");
    assert_eq!(rows[0].version, "1.1.5*");
    assert_eq!(rows[0].cluster, "");
    assert_eq!(rows[0].lds, SyncState::NotSent);
}

#[test]
fn syncz_discovery_response_form() {
    let body = r#"{"versionInfo":"x","resources":[{"@type":"type.googleapis.com/envoy.service.status.v3.ClientConfig",
      "node":{"id":"productpage-v1-1.default","metadata":{"CLUSTER_ID":"Kubernetes","ISTIO_VERSION":"1.22.0"}},
      "genericXdsConfigs":[
        {"typeUrl":"type.googleapis.com/envoy.config.listener.v3.Listener","configStatus":"SYNCED"},
        {"typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster","configStatus":"STALE"},
        {"typeUrl":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","configStatus":"NOT_SENT"},
        {"typeUrl":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","configStatus":"ERROR"}]}],
      "controlPlane":{"identifier":"{\"Component\":\"istiod\",\"ID\":\"istiod-5c4\",\"Info\":{\"version\":\"1.22.0\"}}"}}"#;
    let rows = parse_syncz(body, "unused").expect("syncz");
    let r = &rows[0];
    assert_eq!(
        (r.name.as_str(), r.cluster.as_str()),
        ("productpage-v1-1.default", "Kubernetes")
    );
    assert_eq!(
        (&r.lds, &r.cds, &r.rds, &r.eds),
        (
            &SyncState::Synced,
            &SyncState::Stale,
            &SyncState::NotSent,
            &SyncState::Error
        )
    );
    assert_eq!(r.ecds, SyncState::Absent);
    assert_eq!(
        (r.istiod.as_str(), r.version.as_str()),
        ("istiod-5c4", "1.22.0")
    );
}

#[test]
fn syncz_garbage_is_a_typed_error() {
    assert!(matches!(
        parse_syncz("<html>401</html>", "i"),
        Err(SynczError::Invalid(_))
    ));
    assert!(matches!(
        parse_syncz("{\"a\":1}", "i"),
        Err(SynczError::Invalid(_))
    ));
    assert_eq!(parse_syncz("[]", "i"), Ok(Vec::new()));
}

#[test]
fn every_truncation_of_a_scrape_is_handled_without_panic() {
    for (i, _) in MODERN.char_indices() {
        let r = parse_metrics(&MODERN[..i]);
        let _ = istiod_text(&r);
    }
    for (i, _) in SYNCZ.char_indices() {
        let _ = parse_syncz(&SYNCZ[..i], "i");
    }
    let r = parse_metrics("é{ü=\"ö\"} 1\n\u{0}\n{}\n# TYPE\nx{le=\"\\\"} 1\n");
    assert_eq!(r.parse_errors.len(), 4, "{:?}", r.parse_errors);
}
