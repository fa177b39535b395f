//! Simulated traffic: each tick sends requests along bookinfo's call graph
//! (gateway → productpage → details/reviews → ratings, fortio → httpbin),
//! decides each request's fate from the active scenarios, moves the counters
//! of both sidecars and writes their access-log lines with one shared
//! `x-request-id`.

use super::access_log::LogEntry;
use super::scenario::Scenario;
use super::sim::SimState;

/// Access-log lines written per flow per tick at most (counters count all).
pub(super) const LOGGED_PER_FLOW: usize = 2;
/// Distinct token-bearing paths present when `high-cardinality` starts.
pub(crate) const INITIAL_PATHS: usize = 2_000;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Ok,
    Overflow,
    NoRoute,
    NoHealthy,
    ConnectFail,
    Reset,
}

impl Fate {
    /// `(code, flags, details)` on the client sidecar.
    pub(super) fn client(self) -> (u16, &'static str, &'static str) {
        match self {
            Fate::Ok => (200, "-", "via_upstream"),
            Fate::Overflow => (
                503,
                "UO",
                "upstream_reset_before_response_started{overflow}",
            ),
            Fate::NoRoute => (503, "NR", "route_not_found"),
            Fate::NoHealthy => (503, "UH", "no_healthy_upstream"),
            Fate::ConnectFail => (503, "-", "via_upstream"),
            Fate::Reset => (
                503,
                "UC",
                "upstream_reset_before_response_started{connection_termination}",
            ),
        }
    }

    pub(super) fn reaches_server(self) -> bool {
        matches!(self, Fate::Ok | Fate::ConnectFail)
    }
}

/// One request from a client proxy to a service.
pub(super) struct Call {
    pub(super) client: usize,
    pub(super) service: usize,
    pub(super) port: u16,
    pub(super) subset: String,
    pub(super) path: String,
    pub(super) user_agent: &'static str,
    pub(super) route: &'static str,
    pub(super) fate: Fate,
}

impl SimState {
    /// Runs `ticks` silent ticks and seeds high-cardinality paths, so a fresh
    /// demo already has history.
    pub(crate) fn seed_history(&mut self) {
        for _ in 0..40 {
            let _ = self.step(false);
        }
        if let Some(pp) = self.find("productpage", None) {
            if self.pods[pp].has(Scenario::HighCardinality) {
                for _ in 0..INITIAL_PATHS {
                    let path = self.token_path();
                    let call = self.call_to(None, "productpage", &path, Fate::Ok);
                    if let Some(call) = call {
                        self.http(call, false, &mut Vec::new());
                    }
                }
            }
        }
    }

    /// One tick: returns the access-log lines written, by pod index.
    pub(crate) fn tick(&mut self) -> Vec<(usize, String)> {
        self.step(true)
    }

    fn step(&mut self, emit: bool) -> Vec<(usize, String)> {
        self.ticks += 1;
        let mut out = Vec::new();
        let has =
            |s: &SimState, app: &str, sc| s.find(app, None).is_some_and(|i| s.pods[i].has(sc));
        let reset = has(self, "istio-ingressgateway", Scenario::UpstreamReset);
        let hc = has(self, "productpage", Scenario::HighCardinality);
        let uf = has(self, "details", Scenario::UpstreamConnectFailure);
        let cb = has(self, "fortio", Scenario::CircuitBreaker);
        let no_route = self.scenarios.contains(&Scenario::NoRoute);
        let no_healthy = self.scenarios.contains(&Scenario::NoHealthyUpstream);
        let v3_ready = self
            .find("reviews", Some("v3"))
            .is_some_and(|i| !self.pods[i].has(Scenario::NotReady));
        let mut flows: Vec<(Call, usize)> = Vec::new();
        for _ in 0..self.rng.range(2, 5) {
            let fate = if reset && self.rng.chance(15) {
                Fate::Reset
            } else {
                Fate::Ok
            };
            let path = if hc && self.rng.chance(50) {
                self.token_path()
            } else {
                "/productpage".into()
            };
            flows.extend(
                self.call_to(Some("istio-ingressgateway"), "productpage", &path, fate)
                    .map(|c| (c, 0)),
            );
            let fate = if uf && self.rng.chance(60) {
                Fate::ConnectFail
            } else {
                Fate::Ok
            };
            flows.extend(
                self.call_to(Some("productpage"), "details", "/details/0", fate)
                    .map(|c| (c, 1)),
            );
            let (subset, route) = if self.rng.chance(10) {
                ("v2", "jason")
            } else {
                let r = self.rng.below(100);
                let subset = if no_route && r >= 80 {
                    "v4"
                } else if r < 50 - if no_route { 10 } else { 0 } {
                    "v1"
                } else {
                    "v3"
                };
                (subset, "default")
            };
            let subset = if subset == "v3" && !v3_ready {
                "v1"
            } else {
                subset
            };
            let fate = if subset == "v4" {
                Fate::NoRoute
            } else {
                Fate::Ok
            };
            if let Some(mut c) = self.call_to(Some("productpage"), "reviews", "/reviews/0", fate) {
                c.subset = subset.to_string();
                c.route = route;
                flows.push((c, 2));
            }
        }
        for version in ["v2", "v3"] {
            if version == "v3" && !v3_ready {
                continue;
            }
            for _ in 0..self.rng.range(1, 3) {
                let fate = if no_healthy {
                    Fate::NoHealthy
                } else {
                    Fate::Ok
                };
                let from = self.find("reviews", Some(version));
                if let Some(mut c) = self.call_to(None, "ratings", "/ratings/0", fate) {
                    c.client = from.unwrap_or(c.client);
                    c.user_agent = "Apache-CXF/3.1.18";
                    flows.push((c, if version == "v2" { 3 } else { 4 }));
                }
            }
        }
        for _ in 0..self.rng.range(8, 16) {
            let fate = if cb && self.rng.chance(35) {
                Fate::Overflow
            } else {
                Fate::Ok
            };
            flows.extend(
                self.call_to(Some("fortio"), "httpbin", "/get", fate)
                    .map(|c| (c, 5)),
            );
        }
        let mut logged = [0usize; 6];
        for (call, flow) in flows {
            let log = emit && logged[flow] < LOGGED_PER_FLOW;
            logged[flow] += 1;
            self.http(call, log, &mut out);
        }
        self.tcp_flows(emit, &mut out);
        self.update_gauges();
        let scenarios = self.scenarios.clone();
        self.istiod.tick(&mut self.rng, &scenarios);
        out
    }

    /// `/api/v1/products/<n>/reviews?token=<hex>`: a fresh user-token path.
    fn token_path(&mut self) -> String {
        format!(
            "/api/v1/products/{}/reviews?token={:016x}",
            self.rng.below(500),
            self.rng.next_u64()
        )
    }

    fn call_to(
        &mut self,
        from: Option<&str>,
        service: &str,
        path: &str,
        fate: Fate,
    ) -> Option<Call> {
        let client = match from {
            Some(app) => self.find(app, None)?,
            None => 0,
        };
        let service_ix = self.mesh.services.iter().position(|s| s.name == service)?;
        let port = self.mesh.services[service_ix].ports.first()?.port;
        let user_agent = match from {
            Some("istio-ingressgateway") => "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            Some("fortio") => "fortio.org/fortio-1.63.7",
            _ => "python-requests/2.31.0",
        };
        Some(Call {
            client,
            service: service_ix,
            port,
            subset: String::new(),
            path: path.to_string(),
            user_agent,
            route: "default",
            fate,
        })
    }

    pub(super) fn request_id(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    pub(super) fn ephemeral(&mut self) -> u16 {
        32_768 + self.rng.below(28_000) as u16
    }

    pub(super) fn render(&self, entry: &LogEntry) -> String {
        if self.json_logs {
            entry.json()
        } else {
            entry.text()
        }
    }
}
