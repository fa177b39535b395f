//! The table of stats worth highlighting: which Envoy stat (by scope and
//! name, as in Envoy's statistics docs for the cluster manager, listeners,
//! the HTTP connection manager, the router and TLS), how bad it is, the
//! breaker limit it overflows, and what it means and what to do in Istio
//! terms. The first matching rule wins, so the specific rules
//! (`BlackHoleCluster`, `PassthroughCluster`) come before the general ones.

use super::highlights::{BreakerThresholds, Severity};

/// Which stats a rule matches, as Envoy names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatMatch {
    /// `cluster.<any>.<stat>`.
    Cluster(&'static str),
    /// `cluster.<name>.<stat>` for one cluster (Istio's `BlackHoleCluster`...).
    ClusterNamed(&'static str, &'static str),
    /// `cluster.<any>.<stat>` except Istio's host-less clusters
    /// (`BlackHoleCluster`, `PassthroughCluster`), where it is normal.
    ClusterWithHosts(&'static str),
    /// `cluster.<any>.circuit_breakers.<priority>.<leaf>`.
    Breaker(&'static str),
    /// `listener.<address>.<stat>`.
    Listener(&'static str),
    /// `http.<prefix>.<stat>` (connection manager and router stats).
    Http(&'static str),
    /// `http.<prefix>.rds.<route config>.<leaf>`.
    Rds(&'static str),
    /// `cluster_manager.<stat>`.
    ClusterManager(&'static str),
    /// `listener_manager.<stat>`.
    ListenerManager(&'static str),
}

type Limit = fn(&BreakerThresholds) -> Option<u64>;

/// One highlighted stat kind.
pub struct Rule {
    /// Which stats.
    pub matches: StatMatch,
    /// How bad a non-zero value is.
    pub severity: Severity,
    /// The breaker limit it overflows: its name and where to read it.
    pub threshold: Option<(&'static str, Limit)>,
    /// A short label, e.g. `overflow`.
    pub short: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// What to do about it.
    pub advice: &'static str,
}

const PENDING: (&str, Limit) = ("max_pending_requests", |t| t.max_pending_requests);
const CONNECTIONS: (&str, Limit) = ("max_connections", |t| t.max_connections);
const REQUESTS: (&str, Limit) = ("max_requests", |t| t.max_requests);
const RETRIES: (&str, Limit) = ("max_retries", |t| t.max_retries);
const BREAKER_ADVICE: &str =
    "raise the DestinationRule connectionPool limit or add capacity; clients see 503 UO";
const BLACKHOLE_ADVICE: &str = "traffic to a destination outside the mesh registry was dropped: \
    add a ServiceEntry for it, or set meshConfig.outboundTrafficPolicy.mode ALLOW_ANY; for a port \
    that must bypass the sidecar use traffic.sidecar.istio.io/excludeOutboundPorts";
const PASSTHROUGH_ADVICE: &str =
    "passthrough traffic goes straight to the original address: check \
    that destination is reachable from the pod, or add a ServiceEntry so Istio routes it";
const NACK_ADVICE: &str =
    "istiod's pilot_xds_*_reject counters and the proxy log give the NACK reason";
const OUTLIER_ADVICE: &str =
    "look at the ejected hosts' errors in /clusters; check the DestinationRule outlierDetection";
const TLS_ADVICE: &str =
    "mTLS mismatch: check PeerAuthentication mode against the DestinationRule \
    tls mode (ISTIO_MUTUAL), and that both sides have valid certificates (istioctl pc secret)";

macro_rules! rule {
    ($m:expr, $sev:ident, $thr:expr, $short:expr, $meaning:expr, $advice:expr) => {
        Rule {
            matches: $m,
            severity: Severity::$sev,
            threshold: $thr,
            short: $short,
            meaning: $meaning,
            advice: $advice,
        }
    };
}

use StatMatch::{
    Breaker, Cluster, ClusterManager, ClusterNamed, ClusterWithHosts, Http, Listener,
    ListenerManager, Rds,
};

/// Istio's clusters without hosts: no endpoints there is by design.
pub const HOSTLESS_CLUSTERS: [&str; 2] = ["BlackHoleCluster", "PassthroughCluster"];

/// Every rule, most specific first.
pub const RULES: &[Rule] = &[
    rule!(ClusterNamed("BlackHoleCluster", "upstream_cx_none_healthy"), Error, None, "black-holed",
        "connections sent to Istio's BlackHoleCluster (REGISTRY_ONLY, or a port without a listener) were dropped", BLACKHOLE_ADVICE),
    rule!(ClusterNamed("PassthroughCluster", "upstream_cx_connect_fail"), Warn, None, "passthrough connect fail",
        "connections passed through to an address outside the mesh failed", PASSTHROUGH_ADVICE),
    rule!(ClusterNamed("PassthroughCluster", "upstream_cx_connect_timeout"), Warn, None, "passthrough connect timeout",
        "connections passed through to an address outside the mesh timed out", PASSTHROUGH_ADVICE),
    rule!(Cluster("upstream_rq_pending_overflow"), Error, Some(PENDING), "overflow",
        "requests rejected because the pending-request queue was full (circuit breaker)", BREAKER_ADVICE),
    rule!(Cluster("upstream_cx_overflow"), Error, Some(CONNECTIONS), "cx overflow",
        "connections not opened because max_connections was reached (circuit breaker)", BREAKER_ADVICE),
    rule!(Cluster("upstream_rq_retry_overflow"), Error, Some(RETRIES), "retry overflow",
        "retries not attempted because max_retries was reached (circuit breaker)",
        "raise the DestinationRule connectionPool.http.maxRetries or reduce VirtualService retries.attempts"),
    rule!(Cluster("upstream_cx_pool_overflow"), Error, None, "pool overflow",
        "connection pools not created because max_connection_pools was reached", BREAKER_ADVICE),
    rule!(Listener("downstream_cx_overflow"), Error, None, "downstream overflow",
        "incoming connections rejected by the listener's connection limit",
        "raise the listener connection limit (EnvoyFilter/ProxyConfig) or spread load across replicas"),
    rule!(Breaker("rq_pending_open"), Error, Some(PENDING), "pending breaker open",
        "the pending-request circuit breaker is open now", BREAKER_ADVICE),
    rule!(Breaker("cx_open"), Error, Some(CONNECTIONS), "connection breaker open",
        "the connection circuit breaker is open now", BREAKER_ADVICE),
    rule!(Breaker("rq_open"), Error, Some(REQUESTS), "request breaker open",
        "the request circuit breaker is open now", BREAKER_ADVICE),
    rule!(Breaker("rq_retry_open"), Error, Some(RETRIES), "retry breaker open",
        "the retry circuit breaker is open now", BREAKER_ADVICE),
    rule!(ClusterManager("cds.update_rejected"), Error, None, "CDS rejected",
        "Envoy rejected a cluster (CDS) update from istiod; it runs on older config", NACK_ADVICE),
    rule!(ListenerManager("lds.update_rejected"), Error, None, "LDS rejected",
        "Envoy rejected a listener (LDS) update from istiod; it runs on older config", NACK_ADVICE),
    rule!(Rds("update_rejected"), Error, None, "RDS rejected",
        "Envoy rejected a route (RDS) update; routes are stale", NACK_ADVICE),
    rule!(Cluster("update_rejected"), Error, None, "EDS rejected",
        "Envoy rejected an endpoint (EDS) update for this cluster; endpoints are stale", NACK_ADVICE),
    rule!(ListenerManager("listener_create_failure"), Error, None, "listener create failure",
        "a listener from istiod could not be created (bind or filter error)",
        "the proxy log names the listener; look for port clashes with the app or a bad EnvoyFilter"),
    rule!(Http("no_route"), Error, None, "no route (NR)",
        "requests matched no route and got 404 NR",
        "check the VirtualService hosts and matches against the request's Host and path, and the Sidecar resource's egress hosts"),
    rule!(Http("no_cluster"), Error, None, "no cluster (NC)",
        "requests were routed to a cluster Envoy does not have (503 NC)",
        "the route names a subset or host without a cluster: check the DestinationRule subsets and the Sidecar egress hosts"),
    rule!(Cluster("upstream_cx_none_healthy"), Error, None, "no healthy upstream",
        "requests found no healthy host (503 UH)", "check the endpoints: replicas ready, health checks, outlier ejections"),
    rule!(Cluster("ssl.connection_error"), Error, None, "TLS connection error",
        "TLS connections to the upstream failed (handshake or protocol errors)", TLS_ADVICE),
    rule!(Cluster("ssl.fail_verify_san"), Error, None, "TLS SAN mismatch",
        "the upstream's certificate did not carry the expected identity (SAN)",
        "check the destination's service account and the DestinationRule subjectAltNames"),
    rule!(Cluster("ssl.fail_verify_error"), Error, None, "TLS verify failed",
        "the upstream's certificate failed CA verification", TLS_ADVICE),
    rule!(Cluster("ssl.fail_verify_no_cert"), Error, None, "TLS no certificate",
        "the upstream presented no certificate", TLS_ADVICE),
    rule!(Listener("ssl.connection_error"), Error, None, "TLS connection error",
        "TLS connections from downstream failed (handshake or protocol errors)", TLS_ADVICE),
    rule!(Listener("ssl.fail_verify_error"), Error, None, "TLS verify failed",
        "a downstream client's certificate failed CA verification", TLS_ADVICE),
    rule!(Listener("ssl.fail_verify_no_cert"), Error, None, "TLS no client certificate",
        "downstream clients sent no certificate although mTLS requires one",
        "plaintext clients reach a STRICT PeerAuthentication: inject their sidecar or use PERMISSIVE"),
    rule!(Cluster("upstream_cx_connect_fail"), Warn, None, "connect fail",
        "TCP connections to the upstream failed (503 UF)",
        "check the app listens on the port and address (0.0.0.0, not localhost) and NetworkPolicies"),
    rule!(Cluster("upstream_cx_connect_timeout"), Warn, None, "connect timeout",
        "TCP connections to the upstream timed out (503 UF)",
        "check the pod is up and reachable; raise the DestinationRule connectionPool.tcp.connectTimeout if the network is slow"),
    rule!(Cluster("upstream_rq_timeout"), Warn, None, "request timeout (UT)",
        "requests timed out waiting for the upstream (504 UT)",
        "the upstream is slow: check its latency, or raise the VirtualService timeout"),
    rule!(Cluster("upstream_rq_per_try_timeout"), Warn, None, "per-try timeout",
        "request attempts hit the retry policy's per-try timeout",
        "raise VirtualService retries.perTryTimeout or fix the upstream's latency"),
    rule!(Cluster("upstream_rq_retry_limit_exceeded"), Warn, None, "retries exhausted",
        "requests failed after using every retry attempt",
        "the upstream keeps failing: the other highlights of this cluster say why; retries.attempts only hides it"),
    rule!(Cluster("health_check.failure"), Warn, None, "health check failed",
        "active health checks marked hosts unhealthy", "check the hosts' health endpoint and the app's readiness"),
    rule!(Cluster("health_check.network_failure"), Warn, None, "health check network failure",
        "active health checks could not reach hosts", "check the hosts are up and the port is reachable"),
    rule!(Cluster("outlier_detection.ejections_active"), Warn, None, "ejected hosts",
        "hosts currently ejected by outlier detection", OUTLIER_ADVICE),
    rule!(Cluster("outlier_detection.ejections_enforced_total"), Warn, None, "ejections",
        "hosts ejected by outlier detection since start", OUTLIER_ADVICE),
    rule!(Cluster("outlier_detection.ejections_overflow"), Warn, None, "ejection overflow",
        "ejections skipped because maxEjectionPercent was reached; failing hosts keep serving",
        "fix the failing hosts; raise outlierDetection.maxEjectionPercent only with spare capacity"),
    rule!(ClusterWithHosts("lb_healthy_panic"), Warn, None, "panic mode",
        "too few healthy hosts: the load balancer sends traffic to every host, healthy or not",
        "check why hosts are unhealthy or ejected; see the cluster's health-check and outlier highlights"),
    rule!(Cluster("upstream_cx_destroy_remote_with_active_rq"), Warn, None, "reset by upstream",
        "the upstream closed connections with requests in flight (503 UC)",
        "match the app's keep-alive timeout to Envoy's idle timeout, or add retries"),
    rule!(Listener("no_filter_chain_match"), Warn, None, "no filter chain",
        "connections matched no filter chain and were closed",
        "the port, SNI or transport (TLS/plaintext) is not what the listener expects: check Sidecar and Gateway ports"),
];

/// The stats a rule matches, as `(root, stat)` Envoy name pieces with the
/// priorities of breaker stats spelled out; the Prometheus mapping uses it.
pub fn rule_stats(m: StatMatch) -> Vec<(&'static str, String)> {
    match m {
        Cluster(s) | ClusterNamed(_, s) | ClusterWithHosts(s) => vec![("cluster", s.to_string())],
        Breaker(leaf) => ["default", "high"]
            .iter()
            .map(|p| ("cluster", format!("circuit_breakers.{p}.{leaf}")))
            .collect(),
        Listener(s) => vec![("listener", s.to_string())],
        Http(s) => vec![("http", s.to_string())],
        Rds(leaf) => vec![("http", format!("rds.{leaf}"))],
        ClusterManager(s) => vec![("cluster_manager", s.to_string())],
        ListenerManager(s) => vec![("listener_manager", s.to_string())],
    }
}
