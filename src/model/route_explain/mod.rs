//! Route explain: which route a request takes through a sidecar, and why.
//!
//! [`explain`] walks a parsed `/config_dump` the way Envoy does (listener by
//! port, its HTTP connection manager's route config, the virtual host by
//! domain, the first route whose match passes) and returns a
//! [`RouteDecision`]: the chosen route, its action, its cluster's endpoints
//! and health, and every step of the decision with the candidates that were
//! considered and why each failed. Pure: no I/O.

mod action;
mod conditions;
mod endpoints;
mod listener;
mod matcher;
mod proto;
mod trail;
mod vhost;

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ConfigDump, Kind, State};

pub use action::{Action, Retries, RouteSettings, WeightedCluster};
pub use endpoints::{ClusterEndpoints, EndpointHealth};
pub use matcher::split_port;
pub use trail::trail;

/// The request to explain.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteRequest {
    /// The Host (`:authority`) header as the client sends it, port included if any.
    pub host: String,
    /// `:path`, query string included.
    pub path: String,
    /// `:method` (GET when empty).
    pub method: String,
    /// Other request headers, names in any case.
    pub headers: Vec<(String, String)>,
    /// The destination port: picks the listener.
    pub port: u16,
}

/// Which part of the walk a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The listener chosen by port.
    Listener,
    /// The filter chain inside the listener.
    FilterChain,
    /// The HTTP connection manager and the route config it names.
    RouteConfig,
    /// What the connection manager does to the request before routing.
    Request,
    /// The virtual host chosen by domain.
    VirtualHost,
    /// One route of the virtual host, tried in order.
    Route,
    /// What the matched route does.
    Action,
    /// The upstream cluster and its endpoints.
    Cluster,
}

impl Stage {
    /// Lower-case label for text output.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Listener => "listener",
            Stage::FilterChain => "filter chain",
            Stage::RouteConfig => "route config",
            Stage::Request => "request",
            Stage::VirtualHost => "virtual host",
            Stage::Route => "route",
            Stage::Action => "action",
            Stage::Cluster => "cluster",
        }
    }
}

/// How one step came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Chosen: the walk continues from here.
    Matched,
    /// Considered and rejected (the detail says why).
    Failed,
    /// A fact about the step, no choice made.
    Info,
    /// Something meshscope cannot evaluate from a dump (runtime, TLS, metadata).
    NotEvaluated,
    /// The walk stops here: nothing matched or the config is broken.
    Stop,
}

impl Outcome {
    /// A one-character mark for text output.
    pub fn mark(self) -> &'static str {
        match self {
            Outcome::Matched => "✓",
            Outcome::Failed => "✗",
            Outcome::Info => "·",
            Outcome::NotEvaluated => "?",
            Outcome::Stop => "■",
        }
    }
}

/// One step of the decision.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Where in the walk.
    pub stage: Stage,
    /// How it came out.
    pub outcome: Outcome,
    /// What was considered, e.g. ``route #2 `products` ``.
    pub subject: String,
    /// Why: one line per condition or fact.
    pub detail: Vec<String>,
}

impl Step {
    fn new(stage: Stage, outcome: Outcome, subject: impl Into<String>) -> Step {
        Step {
            stage,
            outcome,
            subject: subject.into(),
            detail: Vec::new(),
        }
    }

    fn with(mut self, line: impl Into<String>) -> Step {
        self.detail.push(line.into());
        self
    }
}

/// What Envoy ends up doing with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A route matched and forwards upstream.
    Forwarded,
    /// A route matched and answers directly.
    DirectResponse,
    /// A route matched and redirects.
    Redirect,
    /// A route matched with an action meshscope does not model (filter action, non-forwarding).
    Other,
    /// No virtual host or no route matched: Envoy answers 404 with flag NR.
    NoRoute,
    /// Nothing listens on the port for this request (Istio: PassthroughCluster or BlackHoleCluster).
    NoListener,
    /// The port's listener is TCP (tcp_proxy): there is no HTTP routing to explain.
    NotHttp,
    /// The dump does not let the walk finish (a route config missing, scoped routes, unreadable JSON).
    Incomplete,
}

impl Verdict {
    /// A route matched.
    pub fn matched(self) -> bool {
        matches!(
            self,
            Verdict::Forwarded | Verdict::DirectResponse | Verdict::Redirect | Verdict::Other
        )
    }
}

/// The route that matched.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedRoute {
    /// The route's `name` (what the access log prints as ROUTE_NAME); empty if unnamed.
    pub name: String,
    /// Its position in the virtual host, from 0.
    pub index: usize,
    /// Its match, in words (``prefix `/api` ``).
    pub matcher: String,
    /// What it does.
    pub action: Action,
    /// Timeouts, retries and rewrites.
    pub settings: RouteSettings,
}

/// The whole answer.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDecision {
    /// The request as given.
    pub request: RouteRequest,
    /// How it ended.
    pub verdict: Verdict,
    /// One line saying it.
    pub summary: String,
    /// The status Envoy answers with when it does not forward (404 for NR, the
    /// direct response's status, the redirect's code).
    pub status: Option<u32>,
    /// The response flag Envoy logs (`NR`), when there is one.
    pub response_flag: Option<&'static str>,
    /// The listener chosen.
    pub listener: Option<String>,
    /// The route config used.
    pub route_config: Option<String>,
    /// The virtual host chosen.
    pub virtual_host: Option<String>,
    /// The matched route.
    pub route: Option<MatchedRoute>,
    /// The cluster Envoy sends this request to, when that is decided by the
    /// config (a single cluster, a weighted set with one non-zero weight, or
    /// a cluster header the request carries).
    pub upstream_cluster: Option<String>,
    /// The endpoints of every cluster the route can send to.
    pub clusters: Vec<ClusterEndpoints>,
    /// Every step, in order.
    pub steps: Vec<Step>,
}

/// Walks `dump` for `req`. `runtime` (a `/clusters?format=json` body) gives
/// live health; without it the dump's EDS section (taken with
/// `?include_eds`) gives the endpoints.
pub fn explain(
    dump: &ConfigDump<'_>,
    req: &RouteRequest,
    runtime: Option<&ClusterStatuses>,
) -> RouteDecision {
    let mut d = RouteDecision {
        request: req.clone(),
        verdict: Verdict::Incomplete,
        summary: String::new(),
        status: None,
        response_flag: None,
        listener: None,
        route_config: None,
        virtual_host: None,
        route: None,
        upstream_cluster: None,
        clusters: Vec::new(),
        steps: Vec::new(),
    };
    let Some(http) = listener::resolve(dump, req.port, &mut d) else {
        return d;
    };
    let Some(rc) = listener::route_config(dump, &http, &mut d) else {
        return d;
    };
    let envoy = envoy_version(dump);
    let prepared =
        matcher::Prepared::new(req, &http, rc.ignore_port_in_host_matching, envoy, &mut d);
    let Some(vh) = vhost::select(&rc, &prepared, &mut d) else {
        return d;
    };
    let Some((index, route)) = matcher::first_route(vh, &prepared, &mut d) else {
        return d;
    };
    action::describe(vh, index, route, &prepared, &mut d);
    endpoints::attach(dump, runtime, &mut d);
    d
}

/// Envoy's (major, minor) from the bootstrap's `node.user_agent_build_version`.
fn envoy_version(dump: &ConfigDump<'_>) -> Option<(u64, u64)> {
    let raw = dump.bootstrap.as_ref()?.raw;
    let v: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    let node = &v["node"];
    let ver = if node["user_agent_build_version"].is_object() {
        &node["user_agent_build_version"]["version"]
    } else {
        &node["userAgentBuildVersion"]["version"]
    };
    let n = |a: &str, b: &str| ver[a].as_u64().or_else(|| ver[b].as_u64());
    Some((
        n("major_number", "majorNumber")?,
        n("minor_number", "minorNumber").unwrap_or(0),
    ))
}

/// The active (or static) resources of a kind, then the others.
fn by_preference<'d, 'a>(
    dump: &'d ConfigDump<'a>,
    kind: Kind,
) -> impl Iterator<Item = &'d crate::model::config_dump::Resource<'a>> {
    let live = dump
        .of(kind)
        .filter(|r| matches!(r.state, State::Active | State::Static));
    let rest = dump
        .of(kind)
        .filter(|r| !matches!(r.state, State::Active | State::Static));
    live.chain(rest)
}

/// Quotes a value for detail lines, shortened when very long.
fn q(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("`{cut}…`")
    } else {
        format!("`{s}`")
    }
}
