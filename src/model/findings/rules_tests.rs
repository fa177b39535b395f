//! The rules for scenarios 6, 9, 11, 12, 14, 17, 18 and istiod drift on
//! generated dumps, stats, logs and syncz: each fires on its evidence, stays
//! quiet on the healthy variant, and says "not checked" without it.

use serde_json::{json, Value};

use super::bodies::{evaluate, Bodies, JudgeAt};
use super::*;

const T: &str = "type.googleapis.com/envoy.admin.v3.";

fn dump(node: &str, listeners: Vec<Value>, clusters: Vec<Value>) -> String {
    json!({"configs": [
        {"@type": format!("{T}BootstrapConfigDump"), "bootstrap": {"node": {"id": node,
            "metadata": {"LABELS": {"istio": "ingressgateway"}}}}},
        {"@type": format!("{T}ClustersConfigDump"), "dynamic_active_clusters":
            clusters.into_iter().map(|c| json!({"version_info": "v1", "cluster": c})).collect::<Vec<_>>()},
        {"@type": format!("{T}ListenersConfigDump"), "dynamic_listeners":
            listeners.into_iter().map(|l| json!({"name": l["name"], "active_state": {"version_info": "v1", "listener": l}})).collect::<Vec<_>>()},
    ]})
    .to_string()
}

const SIDECAR: &str = "sidecar~10.0.0.7~app-1.default~default.svc.cluster.local";

fn run(b: Bodies) -> Report {
    evaluate(&b, JudgeAt::Unix(1_800_000_000)).unwrap()
}

fn rules(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

fn one<'r>(r: &'r Report, rule: &str) -> &'r Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:?}", r.findings))
}

fn tcp_listener(name: &str, port: u16, cluster: &str, extra: Value) -> Value {
    let mut l = json!({"name": name, "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
        "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy",
            "typed_config": {"cluster": cluster, "stat_prefix": cluster}}]}]});
    if let (Some(o), Value::Object(e)) = (l.as_object_mut(), extra) {
        o.extend(e);
    }
    l
}

#[test]
fn idle_tcp_connections_without_keepalive_ms1007() {
    let c = "outbound|3306||mysql.default.svc.cluster.local";
    let body = dump(SIDECAR, vec![], vec![json!({"name": c, "type": "EDS"})]);
    let stats = format!("tcp.{c}.idle_timeout: 4\ncluster.{c}.upstream_cx_destroy_remote: 9\n");
    let r = run(Bodies {
        dump: Some(body),
        stats: Some(stats.clone()),
        ..Bodies::default()
    });
    let f = one(&r, "MS1007");
    assert_eq!(f.subject, c);
    assert_eq!(f.evidence.len(), 3, "{:?}", f.evidence);
    assert!(f.fix.contains("tcpKeepalive"));
    // With keepalive configured the same counters are no finding.
    let kept = dump(
        SIDECAR,
        vec![],
        vec![
            json!({"name": c, "upstream_connection_options": {"tcp_keepalive": {"keepalive_time": 300}}}),
        ],
    );
    let r = run(Bodies {
        dump: Some(kept),
        stats: Some(stats),
        ..Bodies::default()
    });
    assert!(!rules(&r).contains(&"MS1007"), "{:?}", r.findings);
}

#[test]
fn externalname_catch_all_ms1011_is_an_error_once_logs_show_another_host() {
    let c = "outbound|443||my-externalname.default.svc.cluster.local";
    let body = dump(
        SIDECAR,
        vec![tcp_listener("0.0.0.0_443", 443, c, json!({}))],
        vec![],
    );
    let r = run(Bodies {
        dump: Some(body.clone()),
        ..Bodies::default()
    });
    assert_eq!(one(&r, "MS1011").severity, Severity::Warn);
    let line = format!("[2026-12-01T00:00:00.000Z] \"- - -\" 0 - - - \"-\" 517 0 12 - \"-\" \"-\" \"-\" \"-\" \"203.0.113.10:443\" {c} 10.0.0.7:5000 140.82.112.6:443 10.0.0.7:4000 api.github.com -");
    let r = run(Bodies {
        dump: Some(body),
        logs: Some(format!("{line}\n{line}\n")),
        ..Bodies::default()
    });
    let f = one(&r, "MS1011");
    assert_eq!(f.severity, Severity::Error, "{:?}", f.evidence);
    assert!(
        f.evidence.iter().any(|p| p.value == "2 entries"),
        "{:?}",
        f.evidence
    );
    // A named-SNI chain or a VIP listener is not a catch-all.
    let vip = dump(
        SIDECAR,
        vec![tcp_listener("10.96.0.5_443", 443, c, json!({}))],
        vec![],
    );
    assert!(!rules(&run(Bodies {
        dump: Some(vip),
        ..Bodies::default()
    }))
    .contains(&"MS1011"));
}

#[test]
fn server_first_port_behind_sniffing_ms1012() {
    let sniffed = json!({"listener_filters": [{"name": "envoy.filters.listener.http_inspector"}]});
    let c = "outbound|3306||mysql.default.svc.cluster.local";
    let body = dump(
        SIDECAR,
        vec![tcp_listener("0.0.0.0_3306", 3306, c, sniffed.clone())],
        vec![],
    );
    let r = run(Bodies {
        dump: Some(body.clone()),
        stats: Some("listener.0.0.0.0_3306.downstream_pre_cx_timeout: 3\n".into()),
        ..Bodies::default()
    });
    let f = one(&r, "MS1012");
    assert_eq!(
        (f.severity, f.subject.as_str()),
        (Severity::Error, "0.0.0.0_3306")
    );
    assert!(f.title.contains("MySQL"));
    // The same sniffing on an HTTP port is normal.
    let http = dump(
        SIDECAR,
        vec![tcp_listener("0.0.0.0_8080", 8080, c, sniffed)],
        vec![],
    );
    assert!(!rules(&run(Bodies {
        dump: Some(http),
        ..Bodies::default()
    }))
    .contains(&"MS1012"));
}

#[test]
fn tls_origination_without_sni_ms1014() {
    let tls = |sni: Option<&str>| {
        let mut ctx = json!({"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"});
        if let Some(s) = sni {
            ctx["sni"] = json!(s);
        }
        json!({"name": "outbound|443||api.example.com", "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": ctx}})
    };
    let r = run(Bodies {
        dump: Some(dump(SIDECAR, vec![], vec![tls(None)])),
        stats: Some("cluster.outbound|443||api.example.com.ssl.connection_error: 5\n".into()),
        ..Bodies::default()
    });
    let f = one(&r, "MS1014");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.fix.contains("tls.sni"));
    let ok = run(Bodies {
        dump: Some(dump(SIDECAR, vec![], vec![tls(Some("api.example.com"))])),
        ..Bodies::default()
    });
    assert!(!rules(&ok).contains(&"MS1014"));
}

fn syncz(acked_listener: Option<&str>) -> String {
    let mut row = json!({"proxy": "app-1.default", "cluster_id": "Kubernetes", "istio_version": "1.24.0",
        "cluster_sent": "n1", "cluster_acked": "n1", "listener_sent": "n2",
        "endpoint_sent": "n3", "endpoint_acked": "n3", "route_sent": "n4", "route_acked": "n4"});
    if let Some(a) = acked_listener {
        row["listener_acked"] = json!(a);
    }
    json!([row, {"proxy": "other.default", "cluster_sent": "x"}]).to_string()
}

#[test]
fn stale_xds_from_syncz_and_the_control_plane_stat_ms1017() {
    let b = |acked: Option<&str>, stats: &str| Bodies {
        dump: Some(dump(SIDECAR, vec![], vec![])),
        stats: Some(stats.to_string()),
        syncz: Some(syncz(acked)),
        proxy_id: Some("app-1.default".into()),
        ..Bodies::default()
    };
    let r = run(b(Some("n1"), "control_plane.connected_state: 1\n"));
    let f = one(&r, "MS1017");
    assert_eq!(
        (f.severity, f.evidence[0].value.as_str()),
        (Severity::Warn, "STALE")
    );
    assert!(f.evidence[0].item.ends_with("LDS"));
    let never = run(b(None, "control_plane.connected_state: 1\n"));
    assert_eq!(one(&never, "MS1017").severity, Severity::Error);
    let synced = run(b(
        Some("n2"),
        "control_plane.connected_state: 1\ncluster_manager.cds.update_time: 1799999000000\n",
    ));
    assert!(!rules(&synced).contains(&"MS1017"), "{:?}", synced.findings);
    let cut = run(Bodies {
        stats: Some(
            "control_plane.connected_state: 0\ncluster_manager.cds.update_time: 1799999000000\n"
                .into(),
        ),
        ..Bodies::default()
    });
    let f = one(&cut, "MS1017");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.evidence.iter().any(|p| p.value.contains("1000 s ago")),
        "{:?}",
        f.evidence
    );
}

#[test]
fn draining_with_connections_ms1018() {
    let info = r#"{"state":"DRAINING","uptime_current_epoch":"10s","version":"x/1.30.0/Clean/RELEASE/BoringSSL"}"#;
    let r = run(Bodies {
        server_info: Some(info.into()),
        stats: Some("listener.0.0.0.0_15006.downstream_cx_active: 7\nlistener.admin.downstream_cx_active: 1\n".into()),
        ..Bodies::default()
    });
    let f = one(&r, "MS1018");
    assert_eq!(f.severity, Severity::Warn);
    assert!(f.title.contains("7 active"), "{}", f.title);
    let live = run(Bodies {
        server_info: Some(info.replace("DRAINING", "LIVE")),
        stats: Some("listener.0.0.0.0_15006.downstream_cx_active: 7\n".into()),
        ..Bodies::default()
    });
    assert!(live.findings.is_empty(), "{:?}", live.findings);
}

#[test]
fn gateway_port_without_listener_ms1023_needs_istio_config() {
    let gw = "router~10.0.0.9~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local";
    let c = "outbound|80||productpage.default.svc.cluster.local";
    let body = dump(
        gw,
        vec![tcp_listener("0.0.0.0_8080", 8080, c, json!({}))],
        vec![],
    );
    let config = json!([
        {"kind": "Gateway", "metadata": {"namespace": "default", "name": "web"},
         "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"port": {"number": 80, "protocol": "HTTP"}}]}},
        {"kind": "Gateway", "metadata": {"namespace": "default", "name": "tcp-gateway"},
         "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"port": {"number": 8888, "protocol": "TCP"}}]}},
        {"kind": "Gateway", "metadata": {"namespace": "default", "name": "egress"},
         "spec": {"selector": {"istio": "egressgateway"}, "servers": [{"port": {"number": 9999, "protocol": "TCP"}}]}}
    ])
    .to_string();
    let r = run(Bodies {
        dump: Some(body.clone()),
        istio_config: Some(config),
        ..Bodies::default()
    });
    let found: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == "MS1023")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        found,
        ["default/tcp-gateway port 8888"],
        "80 is served on 8080; 9999 selects another gateway"
    );
    let r = run(Bodies {
        dump: Some(body),
        ..Bodies::default()
    });
    let nc = r
        .not_checked
        .iter()
        .find(|n| n.rule == "MS1023")
        .expect("not checked");
    assert!(nc.needs.contains("configz"));
}

#[test]
fn drift_between_istiod_and_the_proxy_ms1024() {
    let c = |name: &str, timeout: &str| json!({"name": name, "connect_timeout": timeout});
    let envoy = dump(
        SIDECAR,
        vec![],
        vec![c("a", "10s"), c("b", "10s"), c("old", "1s")],
    );
    let istiod = dump(
        SIDECAR,
        vec![],
        vec![c("a", "10s"), c("b", "5s"), c("new", "1s")],
    );
    let r = run(Bodies {
        dump: Some(envoy.clone()),
        istiod_dump: Some(istiod),
        ..Bodies::default()
    });
    let f = one(&r, "MS1024");
    let text = format!("{:?}", f.evidence);
    assert!(
        text.contains("cluster new")
            && text.contains("cluster old")
            && text.contains("cluster b at /connect_timeout"),
        "{text}"
    );
    let same = run(Bodies {
        dump: Some(envoy.clone()),
        istiod_dump: Some(envoy),
        ..Bodies::default()
    });
    assert!(!rules(&same).contains(&"MS1024"));
    assert!(same.not_checked.iter().all(|n| n.rule != "MS1024"));
}

#[test]
fn by_stat_reads_the_index_with_the_same_answers() {
    let text = "cluster.a.upstream_cx_connect_fail: 2\ncluster.b.upstream_cx_connect_fail: 0\nhttp.x.upstream_cx_connect_fail_other: 1\n";
    let stats = crate::model::stats::parse_envoy_text(text);
    let ev = Evidence {
        stats: Some(&stats.stats),
        ..Evidence::default()
    };
    let facts = Facts::new(&ev);
    let mut got: Vec<(&str, u64)> = facts
        .by_stat("upstream_cx_connect_fail")
        .map(|(n, _, v)| (n, v))
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("cluster.a.upstream_cx_connect_fail", 2),
            ("cluster.b.upstream_cx_connect_fail", 0)
        ]
    );
}
