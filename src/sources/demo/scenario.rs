//! Named incident scenarios of the demo mesh and the faults its HTTP servers
//! can inject. Each scenario is pinned to the pods where it shows and changes
//! what those pods serve (config, counters, access logs), not only a label.

use std::fmt;

/// One incident from KNOWLEDGE.md that the demo mesh reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// fortio → httpbin with a 1/1 connection pool: pending and connection
    /// overflows, `503 UO`.
    CircuitBreaker,
    /// The reviews VirtualService sends a share of traffic to subset `v4`,
    /// which no DestinationRule defines: `503 NR`.
    NoRoute,
    /// Every ratings endpoint is unhealthy: `503 UH`, `upstream_cx_none_healthy`.
    NoHealthyUpstream,
    /// The details app does not listen on its port: `503 UF`,
    /// `upstream_cx_connect_fail` on `inbound|9080||`.
    UpstreamConnectFailure,
    /// productpage closes idle pooled connections under the gateway:
    /// `503 UC upstream_reset_before_response_started{connection_termination}`.
    UpstreamReset,
    /// A `request_path` label with thousands of token-bearing values on
    /// `istio_requests_total`; `/memory` grows with the series.
    HighCardinality,
    /// istiod rejects Gateway `default/test2` (duplicate host) and the
    /// gateway Envoy rejects a listener update.
    RejectedGateway,
    /// Gateway `default/tcp-gateway` declares TCP 8888 but no listener exists.
    GatewayTcpNoListener,
    /// ratings' traffic to the external Redis on port 7000 hits
    /// `0.0.0.0_7000` → `BlackHoleCluster`.
    BlackholePort,
    /// An ExternalName Service on 443 captures unmatched TLS traffic
    /// (`0.0.0.0_443` → `outbound|443||my-externalname...`).
    ExternalnameHijack,
    /// reviews-v3's sidecar has not received its first config: 503 on
    /// `/healthz/ready` and `/ready`, warming clusters and listeners.
    NotReady,
    /// httpbin's inbound connections pile onto one Envoy worker.
    UnbalancedWorkers,
}

impl Scenario {
    /// Every scenario, in a stable order.
    pub fn all() -> &'static [Scenario] {
        use Scenario::*;
        &[
            CircuitBreaker,
            NoRoute,
            NoHealthyUpstream,
            UpstreamConnectFailure,
            UpstreamReset,
            HighCardinality,
            RejectedGateway,
            GatewayTcpNoListener,
            BlackholePort,
            ExternalnameHijack,
            NotReady,
            UnbalancedWorkers,
        ]
    }

    /// The realistic mix `meshscope demo` runs when no scenario is named.
    pub fn default_mix() -> Vec<Scenario> {
        use Scenario::*;
        vec![
            CircuitBreaker,
            NoRoute,
            HighCardinality,
            RejectedGateway,
            BlackholePort,
        ]
    }

    /// The CLI name, e.g. `circuit-breaker`.
    pub fn name(self) -> &'static str {
        use Scenario::*;
        match self {
            CircuitBreaker => "circuit-breaker",
            NoRoute => "no-route",
            NoHealthyUpstream => "no-healthy-upstream",
            UpstreamConnectFailure => "upstream-connect-failure",
            UpstreamReset => "upstream-reset",
            HighCardinality => "high-cardinality",
            RejectedGateway => "rejected-gateway",
            GatewayTcpNoListener => "gateway-tcp-no-listener",
            BlackholePort => "blackhole-port",
            ExternalnameHijack => "externalname-hijack",
            NotReady => "not-ready",
            UnbalancedWorkers => "unbalanced-workers",
        }
    }

    /// The scenario called `name` (as printed by [`Scenario::name`]).
    pub fn from_name(name: &str) -> Option<Scenario> {
        Scenario::all()
            .iter()
            .copied()
            .find(|s| s.name() == name.trim())
    }

    /// One sentence: what is broken and where it shows.
    pub fn description(self) -> &'static str {
        use Scenario::*;
        match self {
            CircuitBreaker => "fortio overloads httpbin (DestinationRule maxConnections 1, http1MaxPendingRequests 1): upstream_rq_pending_overflow climbs, access logs show 503 UO",
            NoRoute => "the reviews VirtualService routes 20% to subset v4 that no DestinationRule defines: 503 NR on productpage",
            NoHealthyUpstream => "every ratings endpoint is unhealthy: /clusters shows no healthy host, reviews-v2 logs 503 UH",
            UpstreamConnectFailure => "the details app does not listen on 9080: inbound upstream_cx_connect_fail, 503 UF",
            UpstreamReset => "productpage closes idle keep-alive connections: the gateway logs 503 UC upstream_reset_before_response_started{connection_termination}",
            HighCardinality => "a request_path metric label with user tokens explodes istio_requests_total series on productpage; /memory climbs",
            RejectedGateway => "Gateway default/test2 duplicates a TLS host: pilot_total_rejected_configs at istiod, listener_manager.lds.update_rejected on the gateway",
            GatewayTcpNoListener => "Gateway default/tcp-gateway declares TCP 8888 but the gateway has no 0.0.0.0_8888 listener",
            BlackholePort => "port 7000 collides with a mesh service: ratings' traffic to the external Redis goes to BlackHoleCluster",
            ExternalnameHijack => "an ExternalName Service on 443 captures reviews-v1's TLS traffic to api.github.com",
            NotReady => "reviews-v3's sidecar is still INITIALIZING: /healthz/ready 503, warming clusters and listeners",
            UnbalancedWorkers => "httpbin's inbound connections pile onto worker_0 of 0.0.0.0_15006",
        }
    }

    /// Whether the scenario shows on the pod with this `app` and `version`
    /// label (istiod-side evidence is not pinned to a pod).
    pub fn shows_on(self, app: &str, version: &str) -> bool {
        use Scenario::*;
        match self {
            CircuitBreaker => app == "fortio",
            NoRoute | HighCardinality => app == "productpage",
            NoHealthyUpstream => app == "reviews" && version == "v2",
            UpstreamConnectFailure => app == "details",
            UpstreamReset | RejectedGateway | GatewayTcpNoListener => app == "istio-ingressgateway",
            BlackholePort => app == "ratings",
            ExternalnameHijack => app == "reviews" && version == "v1",
            NotReady => app == "reviews" && version == "v3",
            UnbalancedWorkers => app == "httpbin",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failure the demo's HTTP servers inject into admin, agent and istiod
/// answers (not into `/demo/logs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Wait `ServeOptions::slow_delay` before answering (longer than a client timeout).
    Slow,
    /// Close the socket with a TCP reset, without any response.
    Reset,
    /// Answer 200 with bytes that are not JSON.
    Garbage,
    /// Announce a `Content-Length` larger than the body, send part of it, close.
    Truncate,
    /// Answer HTTP 500.
    Status500,
}

impl Fault {
    /// Every fault kind.
    pub fn all() -> &'static [Fault] {
        &[
            Fault::Slow,
            Fault::Reset,
            Fault::Garbage,
            Fault::Truncate,
            Fault::Status500,
        ]
    }

    /// The CLI name: `slow`, `reset`, `garbage`, `truncate`, `500`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Slow => "slow",
            Fault::Reset => "reset",
            Fault::Garbage => "garbage",
            Fault::Truncate => "truncate",
            Fault::Status500 => "500",
        }
    }

    /// The fault called `name` (`slow`, `reset`, `garbage`, `truncate`, `500`).
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::all()
            .iter()
            .copied()
            .find(|f| f.name() == name.trim())
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::all() {
            assert_eq!(Scenario::from_name(s.name()), Some(*s));
            assert!(!s.description().is_empty());
        }
        for f in Fault::all() {
            assert_eq!(Fault::from_name(f.name()), Some(*f));
        }
        assert_eq!(Scenario::from_name("nope"), None);
        assert_eq!(Fault::from_name("501"), None);
    }
}
