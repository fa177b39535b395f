use super::*;

fn cluster(name: &str) -> (Option<&str>, &str) {
    let s = StatName::parse(name);
    match s.scope {
        StatScope::Cluster { name } => (Some(name), s.stat),
        _ => (None, s.stat),
    }
}

#[test]
fn cluster_names_with_dots_split_at_the_known_stat() {
    let httpbin = "outbound|8000||httpbin.default.svc.cluster.local";
    for stat in [
        "upstream_rq_pending_overflow",
        "upstream_cx_total",
        "circuit_breakers.default.rq_pending_open",
        "outlier_detection.ejections_active",
        "internal.upstream_rq_200",
        "ssl.handshake",
        "ssl.versions.TLSv1.2",
        "lb_healthy_panic",
        "membership_total",
        "update_rejected",
        "bind_errors",
        "max_host_weight",
        "original_dst_host_invalid",
        "version",
        "zone.us-east-1a.us-east-1b.upstream_rq_200",
    ] {
        let name = format!("cluster.{httpbin}.{stat}");
        assert_eq!(cluster(&name), (Some(httpbin), stat), "{name}");
    }
    assert_eq!(
        cluster("cluster.xds-grpc.upstream_cx_active"),
        (Some("xds-grpc"), "upstream_cx_active")
    );
    // A segment of the cluster name that looks like a dotted stat head does
    // not end the name when the shape after it is wrong.
    assert_eq!(
        cluster("cluster.outbound|443||api.ssl.example.com.upstream_cx_total"),
        (
            Some("outbound|443||api.ssl.example.com"),
            "upstream_cx_total"
        )
    );
    // Unknown stat: the last dot.
    assert_eq!(
        cluster("cluster.a.b.c.brand_new_stat"),
        (Some("a.b.c"), "brand_new_stat")
    );
}

#[test]
fn listeners_addresses_and_workers() {
    let s = StatName::parse("listener.0.0.0.0_15006.downstream_cx_total");
    assert_eq!(
        s.scope,
        StatScope::Listener {
            address: "0.0.0.0_15006",
            worker: None
        }
    );
    assert_eq!(s.stat, "downstream_cx_total");
    let s = StatName::parse("listener.10.0.0.1_8080.worker_3.downstream_cx_active");
    assert_eq!(
        s.scope,
        StatScope::Listener {
            address: "10.0.0.1_8080",
            worker: Some(3)
        }
    );
    assert_eq!(s.stat, "downstream_cx_active");
    assert_eq!(s.worker(), Some(3));
    let tags: Vec<_> = s.tags().collect();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[1], ("worker_id", Cow::Borrowed("3")));
    let s = StatName::parse("listener.[__1]_15000.downstream_cx_total");
    assert_eq!(
        s.scope,
        StatScope::Listener {
            address: "[__1]_15000",
            worker: None
        }
    );
    let s = StatName::parse("listener.admin.downstream_cx_total");
    assert_eq!(
        s.scope,
        StatScope::Listener {
            address: "admin",
            worker: None
        }
    );
}

#[test]
fn http_prefix_response_codes_and_rds() {
    let s = StatName::parse("http.outbound_0.0.0.0_9080.downstream_rq_5xx");
    assert_eq!(
        s.scope,
        StatScope::Http {
            prefix: "outbound_0.0.0.0_9080"
        }
    );
    assert_eq!(s.response_code_class(), Some("5"));
    assert_eq!(s.response_code(), None);
    let s = StatName::parse("http.admin.downstream_rq_503");
    assert_eq!(s.scope, StatScope::Http { prefix: "admin" });
    assert_eq!(s.response_code(), Some("503"));
    let s = StatName::parse("http.inbound_0.0.0.0_8080.rds.outbound|9080||reviews.default.svc.cluster.local.update_rejected");
    assert_eq!(
        s.rds_route_config(),
        Some("outbound|9080||reviews.default.svc.cluster.local")
    );
    assert_eq!(s.leaf(), "update_rejected");
    assert_eq!(
        StatName::parse("http.admin.downstream_rq_total").response_code(),
        None
    );
}

#[test]
fn managers_server_priority_and_other() {
    let s = StatName::parse("cluster_manager.cds.update_rejected");
    assert_eq!(
        (s.scope, s.stat),
        (StatScope::ClusterManager, "cds.update_rejected")
    );
    let s = StatName::parse("listener_manager.lds.update_rejected");
    assert_eq!(
        (s.scope, s.stat),
        (StatScope::ListenerManager, "lds.update_rejected")
    );
    assert_eq!(
        StatName::parse("listener_manager.worker_1.dispatcher.loop_duration_us").worker(),
        Some(1)
    );
    let s = StatName::parse("cluster.a.circuit_breakers.high.cx_open");
    assert_eq!(s.circuit_breaker_priority(), Some("high"));
    assert_eq!(StatName::parse("server.live").scope, StatScope::Server);
    let s = StatName::parse("filesystem.write_buffered");
    assert_eq!(
        (s.scope, s.stat),
        (StatScope::Other, "filesystem.write_buffered")
    );
    assert_eq!(StatName::parse("nodots").scope, StatScope::Other);
}

#[test]
fn huge_dotted_names_parse_in_linear_time() {
    // 80k dots (was 11 s, quadratic) and a 1 MB name: no timing asserted
    // here (benchmarks measure), but a quadratic split would take minutes.
    let dots = format!("cluster.{}upstream_rq_total", "a.".repeat(80_000));
    let s = StatName::parse(&dots);
    assert_eq!(s.stat, "upstream_rq_total");
    assert!(matches!(s.scope, StatScope::Cluster { name } if name.len() == 159_999));
    let mb = format!("cluster.{}.x", ".".repeat(1 << 20));
    assert_eq!(StatName::parse(&mb).stat, "x");
    let ssl = format!("cluster.c.ssl.ciphers.{}", "z.".repeat(50_000));
    assert!(matches!(
        StatName::parse(&ssl).scope,
        StatScope::Cluster { name: "c" }
    ));
}
