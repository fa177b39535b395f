//! The demo's ambient namespace, pure: two nodes each with a ztunnel, a
//! waypoint, two enrolled apps, and the bodies they serve (ztunnel
//! `/config_dump`, 15020 metrics, access-log lines; the waypoint's Envoy
//! dump). Two ambient scenarios are built into the data: `payments` has no
//! certificate (the CA refused it) and `cart`, which has no waypoint, is
//! targeted by an L7 AuthorizationPolicy, so ztunnel denies its traffic.

use serde_json::{json, Value};

/// The ambient namespace.
pub const AMBIENT_NAMESPACE: &str = "ambient-shop";
/// Names of the ambient scenarios, as the manifest lists them.
pub const CERT_FAILED: &str = "ambient-cert-failed";
/// See the module docs.
pub const L7_POLICY_NO_WAYPOINT: &str = "ambient-l7-policy-no-waypoint";
const NET: &str = "";
const TD: &str = "cluster.local";

/// One pod of the ambient demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbientDemoPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label.
    pub app: String,
    /// `ztunnel`, `waypoint` or `ambient`.
    pub kind: &'static str,
    /// Node.
    pub node: String,
    /// Pod IP.
    pub ip: String,
    /// Scenarios visible on this pod.
    pub scenarios: Vec<&'static str>,
}

/// The ambient namespace's pods: ztunnels first (one per node), then the waypoint and apps.
pub fn pods() -> Vec<AmbientDemoPod> {
    let p = |ns: &str, name: &str, app: &str, kind, node: &str, ip: &str, sc: Vec<&'static str>| {
        AmbientDemoPod {
            namespace: ns.into(),
            name: name.into(),
            app: app.into(),
            kind,
            node: node.into(),
            ip: ip.into(),
            scenarios: sc,
        }
    };
    vec![
        p(
            "istio-system",
            "ztunnel-d7x2k",
            "ztunnel",
            "ztunnel",
            "demo-node-1",
            "10.42.1.2",
            vec![L7_POLICY_NO_WAYPOINT],
        ),
        p(
            "istio-system",
            "ztunnel-q9m4t",
            "ztunnel",
            "ztunnel",
            "demo-node-2",
            "10.42.2.2",
            vec![CERT_FAILED],
        ),
        p(
            AMBIENT_NAMESPACE,
            "waypoint-6f9c8d7b5-h2xvz",
            "waypoint",
            "waypoint",
            "demo-node-1",
            "10.42.1.20",
            vec![],
        ),
        p(
            AMBIENT_NAMESPACE,
            "cart-5d8f7c9b4-k7p2q",
            "cart",
            "ambient",
            "demo-node-1",
            "10.42.1.31",
            vec![L7_POLICY_NO_WAYPOINT],
        ),
        p(
            AMBIENT_NAMESPACE,
            "payments-7b6d5f8c9-w3n8r",
            "payments",
            "ambient",
            "demo-node-2",
            "10.42.2.41",
            vec![CERT_FAILED],
        ),
    ]
}

fn vip(app: &str) -> &'static str {
    match app {
        "cart" => "10.96.40.11",
        "payments" => "10.96.40.12",
        _ => "10.96.40.10",
    }
}

fn uid(p: &AmbientDemoPod) -> String {
    format!("Kubernetes//Pod/{}/{}", p.namespace, p.name)
}

fn identity(p: &AmbientDemoPod) -> String {
    format!("spiffe://{TD}/ns/{}/sa/{}", p.namespace, p.app)
}

/// The `/config_dump` of the ztunnel on `node`: every ambient workload (the
/// mesh-wide view), certificates and connections of its own node's pods.
pub fn ztunnel_dump(node: &str, now_unix: i64) -> String {
    let all = pods();
    let mut workloads = serde_json::Map::new();
    for p in &all {
        let mut w = json!({
            "uid": uid(p), "workloadIps": [p.ip], "protocol": if p.kind == "ambient" { "HBONE" } else { "TCP" },
            "name": p.name, "namespace": p.namespace, "serviceAccount": p.app,
            "workloadName": p.name.rsplitn(3, '-').last().unwrap_or(&p.name),
            "workloadType": if p.kind == "ztunnel" { "daemonset" } else { "deployment" },
            "canonicalName": p.app, "canonicalRevision": "latest", "clusterId": "Kubernetes",
            "trustDomain": TD, "node": p.node, "status": "Healthy",
        });
        if p.app == "payments" {
            w["waypoint"] = json!({"destination": format!("{AMBIENT_NAMESPACE}/waypoint.{AMBIENT_NAMESPACE}.svc.cluster.local"), "hboneMtlsPort": 15008});
        }
        workloads.insert(format!("{NET}/{}", p.ip), w);
    }
    let mut services = serde_json::Map::new();
    for app in ["waypoint", "cart", "payments"] {
        let Some(p) = all.iter().find(|p| p.app == app) else {
            continue;
        };
        let host = format!("{app}.{AMBIENT_NAMESPACE}.svc.cluster.local");
        let port = if app == "waypoint" { 15008 } else { 8080 };
        let mut s = json!({
            "name": app, "namespace": AMBIENT_NAMESPACE, "hostname": host,
            "vips": [format!("{NET}/{}", vip(app))], "ports": {port.to_string(): port},
            "endpoints": {format!("{}:{NET}/{}", uid(p), p.ip): {
                "workloadUid": uid(p), "service": format!("{AMBIENT_NAMESPACE}/{host}"),
                "address": format!("{NET}/{}", p.ip), "port": {port.to_string(): port}}},
            "ipFamilies": "IPv4",
        });
        if app == "payments" {
            s["waypoint"] = json!({"destination": format!("{NET}/{}", vip("waypoint")), "hboneMtlsPort": 15008});
        }
        services.insert(format!("{AMBIENT_NAMESPACE}/{host}"), s);
    }
    let here: Vec<&AmbientDemoPod> = all
        .iter()
        .filter(|p| p.node == node && p.kind != "ztunnel")
        .collect();
    let certificates: Vec<Value> = here
        .iter()
        .map(|p| {
            if p.app == "payments" {
                json!({"identity": identity(p), "state": "Unavailable: the identity ambient-shop/payments was refused by the CA: serviceaccount \"payments\" not found"})
            } else {
                let from = crate::model::x509::rfc3339(now_unix - 3600);
                let to = crate::model::x509::rfc3339(now_unix + 23 * 3600 + 1800 + 86_400);
                json!({"identity": identity(p), "state": "Available",
                    "certChain": [{"pem": "", "serialNumber": "211442283734522717339442914592406451891",
                                   "validFrom": from, "expirationTime": to}],
                    "rootCerts": [{"pem": "", "serialNumber": "97354723617361243096311237217931658353",
                                   "validFrom": "2026-01-01T00:00:00Z", "expirationTime": "2036-01-01T00:00:00Z"}]})
            }
        })
        .collect();
    let mut state = serde_json::Map::new();
    for (i, p) in here.iter().filter(|p| p.kind == "ambient").enumerate() {
        let (st, inbound, outbound) = if p.app == "payments" {
            ("Up", json!([]), json!([]))
        } else {
            let pay = all
                .iter()
                .find(|q| q.app == "payments")
                .map_or("", |q| q.ip.as_str());
            (
                "Up",
                json!([]),
                json!([{"src": format!("{}:48812", p.ip), "originalDst": format!("{}:8080", vip("payments")),
                        "actualDst": format!("{pay}:15008"), "protocol": "HBONE"}]),
            )
        };
        state.insert(
            format!("8c1f0e2a-4b7d-4c11-9a5e-{i:012}"),
            json!({"state": st, "connections": {"inbound": inbound, "outbound": outbound},
                   "info": {"name": p.name, "namespace": p.namespace, "serviceAccount": p.app}}),
        );
    }
    let policies = json!([
        {"name": "cart-allow-get", "namespace": AMBIENT_NAMESPACE, "scope": "WorkloadSelector",
         "action": "Allow", "rules": []}
    ]);
    let dump = json!({
        "certificates": certificates,
        "policies": policies,
        "services": services,
        "workloads": workloads,
        "workloadState": state,
        "version": {"gitTag": "1.26.0-demo", "rustVersion": "1.85.0"},
    });
    serde_json::to_string_pretty(&dump).unwrap_or_default()
}

/// ztunnel's 15020 `/stats/prometheus` on `node` after `ticks` of traffic.
pub fn ztunnel_metrics(node: &str, ticks: u64) -> String {
    let mut out = String::new();
    out.push_str("# HELP istio_build Istio component build info.\n# TYPE istio_build gauge\n");
    out.push_str("istio_build{component=\"ztunnel\",tag=\"1.26.0-demo\"} 1\n");
    out.push_str("# HELP istio_tcp_connections_opened Total connections opened.\n# TYPE istio_tcp_connections_opened counter\n");
    out.push_str(&format!(
        "istio_tcp_connections_opened_total{{reporter=\"source\",source_workload=\"cart\",destination_service=\"payments.{AMBIENT_NAMESPACE}.svc.cluster.local\"}} {}\n",
        ticks * 3
    ));
    out.push_str("# HELP istio_tcp_connections_failed Total connections failed.\n# TYPE istio_tcp_connections_failed counter\n");
    let failed = if node == "demo-node-2" { ticks } else { 0 };
    out.push_str(&format!(
        "istio_tcp_connections_failed_total{{reporter=\"destination\",destination_workload=\"payments\"}} {failed}\n"
    ));
    out.push_str(
        "# HELP istio_dns_requests Total DNS requests.\n# TYPE istio_dns_requests counter\n",
    );
    out.push_str(&format!("istio_dns_requests_total{{}} {}\n", ticks * 2));
    out.push_str("# HELP istio_dns_upstream_failures Total DNS upstream failures.\n# TYPE istio_dns_upstream_failures counter\n");
    out.push_str("istio_dns_upstream_failures_total{} 0\n");
    out.push_str("# HELP workload_manager_active_proxy_count The total number current workloads with active proxies.\n# TYPE workload_manager_active_proxy_count gauge\n");
    out.push_str("workload_manager_active_proxy_count 1\n# EOF\n");
    out
}

/// ztunnel access-log lines on `node` at `ts` (RFC 3339): what its scenarios leave.
pub fn ztunnel_log_lines(node: &str, ts: &str) -> Vec<String> {
    let all = pods();
    let find = |app: &str| all.iter().find(|p| p.app == app);
    let (Some(cart), Some(pay), Some(wp)) = (find("cart"), find("payments"), find("waypoint"))
    else {
        return Vec::new();
    };
    let ns = AMBIENT_NAMESPACE;
    if node == "demo-node-1" {
        vec![
            // Inbound to cart (no waypoint): the L7 ALLOW policy reaches ztunnel without its rules.
            format!(
                "{ts}\terror\taccess\tconnection complete\tsrc.addr={}:51220 src.workload={} src.namespace={ns} src.identity=\"{}\" dst.addr={}:15008 dst.hbone_addr={}:8080 dst.service=cart.{ns}.svc.cluster.local dst.workload={} dst.namespace={ns} dst.identity=\"{}\" direction=\"inbound\" bytes_sent=0 bytes_recv=0 duration=\"0ms\" error=\"connection closed due to policy rejection: allow policies exist, but none allowed\"",
                wp.ip, wp.name, identity(wp), cart.ip, cart.ip, cart.name, identity(cart)
            ),
            // Outbound from cart to payments, which has a waypoint: the tunnel ends there.
            format!(
                "{ts}\tinfo\taccess\tconnection complete\tsrc.addr={}:{CART_PORT} src.workload={} src.namespace={ns} src.identity=\"{}\" dst.addr={}:15008 dst.hbone_addr={}:8080 dst.service=payments.{ns}.svc.cluster.local dst.workload={} dst.namespace={ns} dst.identity=\"{}\" direction=\"outbound\" bytes_sent=214 bytes_recv=171 duration=\"4ms\"",
                cart.ip, cart.name, identity(cart), wp.ip, vip("payments"), wp.name, identity(wp)
            ),
        ]
    } else {
        // Inbound to payments: no certificate to terminate HBONE with.
        vec![format!(
            "{ts}\twarn\taccess\tconnection complete\tsrc.addr={}:40112 src.workload={} src.namespace={ns} src.identity=\"{}\" dst.addr={}:15008 dst.hbone_addr={}:8080 dst.service=payments.{ns}.svc.cluster.local dst.workload={} dst.namespace={ns} direction=\"inbound\" bytes_sent=0 bytes_recv=0 duration=\"1ms\" error=\"tls handshake error: no certificate for identity {}\"",
            wp.ip, wp.name, identity(wp), pay.ip, pay.ip, pay.name, identity(pay)
        )]
    }
}

/// The client port of cart's call to payments (the same in every proxy's line).
const CART_PORT: u16 = 48_210;

/// The request id of cart's failing call to payments through the waypoint.
pub const WAYPOINT_REQUEST_ID: &str = "4b1e2c9a-7d3f-4e60-9a15-2f8c0d6b7e31";

/// The waypoint's access-log lines at `ts` (RFC 3339), in Istio's default
/// format as a waypoint writes it: cart's call to payments, which failed
/// because payments' ztunnel has no certificate to accept the tunnel with.
pub fn waypoint_log_lines(ts: &str) -> Vec<String> {
    let all = pods();
    let find = |app: &str| all.iter().find(|p| p.app == app);
    let (Some(cart), Some(pay)) = (find("cart"), find("payments")) else {
        return Vec::new();
    };
    let ns = AMBIENT_NAMESPACE;
    // Envoy's timestamps have milliseconds.
    let ts = match ts.split_once('.') {
        Some((secs, _)) => format!("{secs}.118Z"),
        None => ts.trim_end_matches('Z').to_string() + ".118Z",
    };
    vec![format!(
        "[{ts}] \"POST /charge HTTP/1.1\" 503 UF upstream_reset_before_response_started{{remote_connection_failure}} - \"-\" 214 91 2 - \"-\" \"cart/1.4\" \"{WAYPOINT_REQUEST_ID}\" \"payments.{ns}.svc.cluster.local:8080\" \"envoy://connect_originate/{}:8080\" inbound-vip|8080|http|payments.{ns}.svc.cluster.local envoy://internal_client_address/ {}:8080 {}:{CART_PORT} - default",
        pay.ip,
        vip("payments"),
        cart.ip
    )]
}

/// The waypoint's one cluster (payments' VIP, behind the waypoint).
fn waypoint_cluster() -> String {
    format!("inbound-vip|8080|http|payments.{AMBIENT_NAMESPACE}.svc.cluster.local")
}

/// The waypoint's `/clusters?format=json`: payments' pod as its host, which
/// EDS says is healthy although its ztunnel refuses every tunnel.
pub fn waypoint_clusters_json(failures: u64) -> String {
    let pay = pods().into_iter().find(|p| p.app == "payments");
    let ip = pay.map_or_else(String::new, |p| p.ip);
    json!({"cluster_statuses": [{
        "name": waypoint_cluster(), "added_via_api": true,
        "circuit_breakers": {"thresholds": [{"max_connections": 4294967295u64, "max_pending_requests": 4294967295u64,
            "max_requests": 4294967295u64, "max_retries": 4294967295u64}]},
        "host_statuses": [{
            "address": {"socket_address": {"address": ip, "port_value": 8080}},
            "stats": [{"name": "cx_connect_fail", "value": failures.to_string(), "type": "COUNTER"},
                      {"name": "rq_total", "value": failures.to_string(), "type": "COUNTER"},
                      {"name": "rq_error", "value": failures.to_string(), "type": "COUNTER"}],
            "health_status": {"eds_health_status": "HEALTHY"}, "weight": 1,
            "locality": {}}]}]})
    .to_string()
}

/// The waypoint's `/stats` text: payments' connections failing as its
/// ztunnel refuses them (`failures` so far).
pub fn waypoint_stats(failures: u64) -> String {
    let c = waypoint_cluster();
    format!(
        "server.live: 1\nserver.concurrency: 2\nlistener_manager.total_listeners_active: 3\n\
         cluster.{c}.upstream_cx_total: {failures}\ncluster.{c}.upstream_cx_connect_fail: {failures}\n\
         cluster.{c}.upstream_rq_total: {failures}\ncluster.{c}.upstream_rq_503: {failures}\n\
         cluster.{c}.upstream_rq_pending_failure_eject: {failures}\ncluster.{c}.membership_healthy: 1\n\
         cluster.{c}.membership_total: 1\n"
    )
}

/// The waypoint's Envoy `/config_dump`: bootstrap with a `waypoint~` node id
/// and the HBONE listeners (`connect_terminate` on 15008, `main_internal`,
/// `connect_originate`), one inbound-vip cluster for payments.
pub fn waypoint_dump() -> String {
    let ns = AMBIENT_NAMESPACE;
    let wp = pods().into_iter().find(|p| p.kind == "waypoint");
    let (name, ip) = wp.map_or((String::new(), String::new()), |p| (p.name, p.ip));
    let cluster = waypoint_cluster();
    let listener = |n: &str, addr: Value, cluster: &str| {
        json!({"name": n, "active_state": {"version_info": "2026-01-01T00:00:00Z/1", "listener": {
            "@type": "type.googleapis.com/envoy.config.listener.v3.Listener", "name": n, "address": addr,
            "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                "stat_prefix": cluster, "cluster": cluster}}]}]},
            "last_updated": "2026-01-01T00:00:00Z"}})
    };
    let dump = json!({"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", "bootstrap": {"node": {
            "id": format!("waypoint~{ip}~{name}.{ns}~{ns}.svc.cluster.local"), "cluster": format!("waypoint.{ns}"),
            "metadata": {"ISTIO_VERSION": "1.26.0-demo", "NAMESPACE": ns, "NAME": name}}}},
        {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [
            {"version_info": "2026-01-01T00:00:00Z/1", "cluster": {
                "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": cluster, "type": "EDS",
                "eds_cluster_config": {"eds_config": {"ads": {}}}}, "last_updated": "2026-01-01T00:00:00Z"}]},
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": [
            listener("connect_terminate", json!({"socket_address": {"address": "0.0.0.0", "port_value": 15008}}), "main_internal"),
            listener("main_internal", json!({"envoy_internal_address": {"server_listener_name": "main_internal"}}), &cluster),
            listener("connect_originate", json!({"envoy_internal_address": {"server_listener_name": "connect_originate"}}), "connect_originate"),
        ]},
    ]});
    serde_json::to_string_pretty(&dump).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::{diagnose_ambient, AmbientEvidence};
    use crate::model::ztunnel::ZtunnelDump;

    const NOW: i64 = 1_767_225_600;

    /// Findings come from the served bodies only, never from scenario names.
    #[test]
    fn the_scenarios_are_found_from_the_bodies() {
        let mut rules = Vec::new();
        for node in ["demo-node-1", "demo-node-2"] {
            let d = ZtunnelDump::parse(&ztunnel_dump(node, NOW)).expect("dump");
            let lines = ztunnel_log_lines(node, "2026-01-01T00:00:00.000000Z");
            let logs = crate::model::access_log::access_entries(lines.iter().map(String::as_str));
            let metrics = ztunnel_metrics(node, 10);
            let r = diagnose_ambient(&AmbientEvidence {
                dump: Some(&d),
                metrics: Some(&metrics),
                logs: Some(&logs),
                xds_log: None,
                now_unix: NOW,
            });
            rules.extend(r.findings.iter().map(|f| (node, f.rule, f.subject.clone())));
        }
        assert!(rules.contains(&(
            "demo-node-1",
            "MS3004",
            format!("{AMBIENT_NAMESPACE}/cart-5d8f7c9b4-k7p2q")
        )));
        assert!(rules.contains(&(
            "demo-node-2",
            "MS3001",
            format!("spiffe://cluster.local/ns/{AMBIENT_NAMESPACE}/sa/payments")
        )));
        assert!(rules
            .iter()
            .any(|(n, r, _)| *n == "demo-node-2" && *r == "MS3005"));
        assert!(
            !rules
                .iter()
                .any(|(n, r, _)| *n == "demo-node-1" && *r == "MS3001"),
            "cart's certificate is fine: {rules:?}"
        );
    }

    #[test]
    fn the_waypoint_is_an_envoy_dump() {
        let text = waypoint_dump();
        let dump = crate::model::config_dump::ConfigDump::parse(&text).expect("envoy dump");
        assert!(dump.resources.iter().any(|r| r.name == "connect_terminate"));
        assert!(!ZtunnelDump::looks_like(&text));
    }

    #[test]
    fn tables_draw_from_the_demo_dump() {
        let d = ZtunnelDump::parse(&ztunnel_dump("demo-node-1", NOW)).expect("dump");
        let rows = d.workload_rows(&Default::default());
        let pay = rows
            .iter()
            .find(|r| r[1].starts_with("payments"))
            .expect("payments");
        assert_eq!(pay[4], "waypoint");
        let cart = rows
            .iter()
            .find(|r| r[1].starts_with("cart"))
            .expect("cart");
        assert_eq!(cart[4], "None");
    }
}
