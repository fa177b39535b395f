//! The stats every simulated proxy declares at start: per cluster, listener
//! (and worker), HTTP connection manager, plus `server.*`,
//! `listener_manager.*` and `cluster_manager.*`, with their initial values.

use super::scenario::Scenario;
use super::sim::PodSim;
use super::stats::Scope;
use super::topology::ProxyKind;

/// Envoy's logger names (`GET /logging`), all at `warning` by default.
pub(crate) const LOGGERS: &[&str] = &[
    "admin",
    "alternate_protocols_cache",
    "aws",
    "assert",
    "backtrace",
    "client",
    "config",
    "connection",
    "conn_handler",
    "dns",
    "dubbo",
    "envoy_bug",
    "ext_authz",
    "file",
    "filter",
    "forward_proxy",
    "grpc",
    "happy_eyeballs",
    "hc",
    "health_checker",
    "http",
    "http2",
    "hystrix",
    "init",
    "io",
    "jwt",
    "kafka",
    "lua",
    "main",
    "matcher",
    "misc",
    "mongo",
    "quic",
    "pool",
    "rbac",
    "redis",
    "router",
    "runtime",
    "stats",
    "secret",
    "tap",
    "testing",
    "thrift",
    "tracing",
    "upstream",
    "udp",
    "wasm",
];

const CLUSTER_COUNTERS: &[&str] = &[
    "upstream_cx_total",
    "upstream_cx_connect_fail",
    "upstream_cx_overflow",
    "upstream_cx_none_healthy",
    "upstream_cx_destroy_remote_with_active_rq",
    "upstream_cx_destroy_local",
    "upstream_cx_rx_bytes_total",
    "upstream_cx_tx_bytes_total",
    "upstream_rq_total",
    "upstream_rq_completed",
    "upstream_rq_200",
    "upstream_rq_2xx",
    "upstream_rq_503",
    "upstream_rq_5xx",
    "upstream_rq_pending_total",
    "upstream_rq_pending_overflow",
    "upstream_rq_retry",
    "upstream_rq_retry_overflow",
    "upstream_rq_timeout",
    "lb_healthy_panic",
    "update_success",
];
const CLUSTER_GAUGES: &[&str] = &[
    "upstream_cx_active",
    "upstream_rq_active",
    "upstream_rq_pending_active",
    "membership_healthy",
    "membership_total",
    "membership_degraded",
    "circuit_breakers.default.cx_open",
    "circuit_breakers.default.rq_pending_open",
    "circuit_breakers.default.remaining_cx",
    "circuit_breakers.default.remaining_pending",
];
const HTTP_COUNTERS: &[&str] = &[
    "downstream_cx_total",
    "downstream_rq_total",
    "downstream_rq_2xx",
    "downstream_rq_4xx",
    "downstream_rq_5xx",
    "no_route",
    "no_cluster",
];

pub(crate) fn declare_stats(sim: &mut PodSim, not_ready: bool) {
    let st = &mut sim.stats;
    for c in &sim.view.clusters {
        let scope = Scope::Cluster(&c.name);
        for s in CLUSTER_COUNTERS {
            st.counter(scope, s);
        }
        for s in CLUSTER_GAUGES {
            st.gauge(scope, s);
        }
        let healthy = c.hosts.iter().filter(|h| h.health == "HEALTHY").count();
        st.set(
            &format!("cluster.{}.membership_total", c.name),
            c.hosts.len() as u64,
        );
        st.set(
            &format!("cluster.{}.membership_healthy", c.name),
            healthy as u64,
        );
        st.set(
            &format!("cluster.{}.circuit_breakers.default.remaining_cx", c.name),
            c.limits[0],
        );
        st.set(
            &format!(
                "cluster.{}.circuit_breakers.default.remaining_pending",
                c.name
            ),
            c.limits[1],
        );
        st.add(&format!("cluster.{}.update_success", c.name), 3);
    }
    let gateway = sim.pod.proxy == ProxyKind::Gateway;
    for l in &sim.view.listeners {
        let addr = format!("{}_{}", l.address, l.port);
        st.counter(Scope::Listener(&addr), "downstream_cx_total");
        st.counter(Scope::Listener(&addr), "downstream_cx_destroy");
        st.gauge(Scope::Listener(&addr), "downstream_cx_active");
        let busy = if gateway {
            l.port == 8080
        } else {
            l.port == 15006 || l.port == 15001
        };
        if busy {
            for w in 0..sim.workers {
                st.counter(Scope::Worker(&addr, w), "downstream_cx_total");
                st.gauge(Scope::Worker(&addr, w), "downstream_cx_active");
            }
        }
    }
    let mut prefixes: Vec<String> = Vec::new();
    for c in &sim.view.clusters {
        if let Some(rest) = c.name.strip_prefix("inbound|") {
            prefixes.push(format!("inbound_0.0.0.0_{}", rest.trim_end_matches('|')));
        }
    }
    for l in &sim.view.listeners {
        let http_outbound =
            l.address == "0.0.0.0" && !matches!(l.port, 15001 | 15006 | 15090 | 15021);
        if http_outbound && !sim.view.listeners.is_empty() {
            prefixes.push(format!("outbound_0.0.0.0_{}", l.port));
        }
    }
    for p in &prefixes {
        for s in HTTP_COUNTERS {
            st.counter(Scope::Http(p), s);
        }
        st.gauge(Scope::Http(p), "downstream_cx_active");
        st.gauge(Scope::Http(p), "downstream_rq_active");
    }
    let server = Scope::Plain("server");
    for g in [
        "live",
        "state",
        "uptime",
        "concurrency",
        "memory_allocated",
        "memory_heap_size",
        "memory_physical_size",
        "total_connections",
        "days_until_first_cert_expiring",
        "version",
    ] {
        st.gauge(server, g);
    }
    for c in [
        "envoy_bug_failures",
        "debug_assertion_failures",
        "watchdog_miss",
    ] {
        st.counter(server, c);
    }
    let lm = Scope::Plain("listener_manager");
    for g in [
        "total_listeners_active",
        "total_listeners_warming",
        "total_listeners_draining",
    ] {
        st.gauge(lm, g);
    }
    for c in [
        "listener_added",
        "listener_create_success",
        "lds.update_attempt",
        "lds.update_success",
        "lds.update_rejected",
        "lds.update_failure",
    ] {
        st.counter(lm, c);
    }
    let cm = Scope::Plain("cluster_manager");
    for g in ["active_clusters", "warming_clusters"] {
        st.gauge(cm, g);
    }
    for c in [
        "cluster_added",
        "cds.update_attempt",
        "cds.update_success",
        "cds.update_rejected",
    ] {
        st.counter(cm, c);
    }
    let (listeners, clusters) = (
        sim.view.listeners.len() as u64,
        sim.view.clusters.len() as u64,
    );
    st.set("server.live", u64::from(!not_ready));
    st.set("server.state", if not_ready { 3 } else { 0 });
    st.set("server.concurrency", sim.workers as u64);
    st.set("server.version", 1_220_003);
    st.set("server.days_until_first_cert_expiring", 0);
    st.set("listener_manager.total_listeners_active", listeners);
    st.set(
        "listener_manager.total_listeners_warming",
        if not_ready { 3 } else { 0 },
    );
    st.add("listener_manager.listener_added", listeners);
    st.add(
        "listener_manager.listener_create_success",
        listeners * sim.workers as u64,
    );
    st.add("listener_manager.lds.update_attempt", 4);
    st.add(
        "listener_manager.lds.update_success",
        if not_ready { 0 } else { 3 },
    );
    st.set("cluster_manager.active_clusters", clusters);
    st.set(
        "cluster_manager.warming_clusters",
        if not_ready { 2 } else { 0 },
    );
    st.add("cluster_manager.cluster_added", clusters);
    st.add("cluster_manager.cds.update_attempt", 4);
    st.add(
        "cluster_manager.cds.update_success",
        if not_ready { 0 } else { 3 },
    );
    if sim.scenarios.contains(&Scenario::RejectedGateway) {
        st.add("listener_manager.lds.update_rejected", 1);
    }
}
