//! Route explain, the matched route's action: the cluster (single, weighted
//! or from a header), a direct response or a redirect, with its timeouts,
//! retries and rewrites.

use base64::Engine as _;
use serde::Serialize;

use super::matcher::{route_label, split_port, Prepared};
use super::proto::{Redirect, RegexRewrite, RetryPolicy, Route, RouteAction, VirtualHost};
use super::{q, MatchedRoute, Outcome, RouteDecision, Stage, Step, Verdict};

/// What a matched route does.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Forward to one cluster.
    Cluster {
        /// Its name.
        cluster: String,
    },
    /// Forward to one of several clusters, picked at random by weight per request.
    WeightedClusters {
        /// Each cluster with its weight and share.
        clusters: Vec<WeightedCluster>,
        /// The sum of the weights.
        total_weight: u64,
    },
    /// Forward to the cluster a request header names.
    ClusterHeader {
        /// The header.
        header: String,
        /// Its value in this request, if it has one.
        value: Option<String>,
    },
    /// A cluster specifier plugin picks the cluster at run time.
    ClusterSpecifierPlugin {
        /// The plugin's name.
        plugin: String,
    },
    /// Answer directly.
    DirectResponse {
        /// HTTP status.
        status: u32,
        /// The body (inline ones; a file or variable is named).
        body: Option<String>,
    },
    /// Redirect.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u32,
        /// Where to, as far as the dump tells.
        location: String,
    },
    /// A filter action or non-forwarding action: the filters answer.
    Other {
        /// Which.
        kind: String,
    },
}

/// One cluster of a weighted set.
#[derive(Debug, Clone, Serialize)]
pub struct WeightedCluster {
    /// Cluster name (empty with `cluster_header`).
    pub name: String,
    /// Its weight.
    pub weight: u64,
    /// Its share of requests in percent.
    pub percent: f64,
}

/// Timeouts, retries and rewrites of a forwarding route.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteSettings {
    /// The route timeout as configured (`0s`: disabled); `None`: Envoy's default 15s.
    pub timeout: Option<String>,
    /// The stream idle timeout of the route, if set.
    pub idle_timeout: Option<String>,
    /// The retry policy in force (the route's, else the virtual host's).
    pub retries: Option<Retries>,
    /// `prefix_rewrite`.
    pub prefix_rewrite: Option<String>,
    /// `regex_rewrite` as `pattern` → `substitution`.
    pub regex_rewrite: Option<String>,
    /// The path sent upstream after the rewrites, when it changes.
    pub upstream_path: Option<String>,
    /// The host sent upstream: a literal, `auto` or from a header.
    pub host_rewrite: Option<String>,
    /// Clusters requests are mirrored to.
    pub mirrors: Vec<String>,
}

/// A retry policy.
#[derive(Debug, Clone, Serialize)]
pub struct Retries {
    /// `retry_on` conditions.
    pub retry_on: String,
    /// Attempts after the first (Envoy's default 1).
    pub num_retries: u64,
    /// Per-try timeout, if set.
    pub per_try_timeout: Option<String>,
    /// Status codes retried under `retriable-status-codes`.
    pub retriable_status_codes: Vec<u32>,
    /// `route` or `virtual_host`: where the policy comes from.
    pub from: &'static str,
}

fn retries(p: &RetryPolicy, from: &'static str) -> Retries {
    Retries {
        retry_on: p.retry_on.clone(),
        num_retries: p.num_retries.unwrap_or(1),
        per_try_timeout: p.per_try_timeout.clone(),
        retriable_status_codes: p.retriable_status_codes.clone(),
        from,
    }
}

/// Envoy's RE2 substitution (`\1`) in the regex crate's spelling (`${1}`).
fn substitution(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str(&format!("${{{d}}}"));
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

fn apply_regex(r: &RegexRewrite, path: &str) -> Option<String> {
    let re = regex::Regex::new(&r.pattern.regex).ok()?;
    Some(
        re.replace_all(path, substitution(&r.substitution).as_str())
            .into_owned(),
    )
}

/// The path after a prefix rewrite of the route's matched prefix or path.
fn prefix_rewritten(route: &Route, rewrite: &str, p: &Prepared) -> Option<String> {
    let m = &route.matcher;
    let matched = m
        .prefix
        .as_ref()
        .or(m.path.as_ref())
        .or(m.path_separated_prefix.as_ref())?;
    let n = matched.len().min(p.path.len());
    Some(format!("{rewrite}{}", p.path.get(n..).unwrap_or("")))
}

fn redirect_status(r: &Redirect) -> u32 {
    match &r.response_code {
        Some(serde_json::Value::String(s)) => match s.as_str() {
            "FOUND" => 302,
            "SEE_OTHER" => 303,
            "TEMPORARY_REDIRECT" => 307,
            "PERMANENT_REDIRECT" => 308,
            _ => 301,
        },
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(1) => 302,
            Some(2) => 303,
            Some(3) => 307,
            Some(4) => 308,
            _ => 301,
        },
        _ => 301,
    }
}

fn redirect_location(route: &Route, r: &Redirect, p: &Prepared) -> String {
    let scheme = if r.https_redirect {
        "https".to_string()
    } else {
        r.scheme_redirect.clone().unwrap_or_else(|| "http".into())
    };
    let authority = p.header(":authority").unwrap_or_default();
    let mut host = r.host_redirect.clone().unwrap_or_else(|| authority.clone());
    if let Some(port) = r.port_redirect {
        let bare = split_port(&host).map_or(host.clone(), |(h, _)| h.to_string());
        host = format!("{bare}:{port}");
    }
    let query = p.path.find('?').map(|i| &p.path[i..]).unwrap_or("");
    let mut path = if let Some(pr) = &r.path_redirect {
        pr.clone()
    } else if let Some(pre) = &r.prefix_rewrite {
        prefix_rewritten(route, pre, p).unwrap_or_else(|| p.path.clone())
    } else if let Some(rr) = &r.regex_rewrite {
        let rewritten = apply_regex(rr, &p.path_only).unwrap_or_else(|| p.path_only.clone());
        format!("{rewritten}{query}")
    } else {
        p.path.clone()
    };
    if r.strip_query {
        if let Some(i) = path.find('?') {
            path.truncate(i);
        }
    }
    format!("{scheme}://{host}{path}")
}

fn body_text(b: &super::proto::DataSource) -> Option<String> {
    if let Some(s) = &b.inline_string {
        return Some(s.clone());
    }
    if let Some(s) = &b.inline_bytes {
        let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
        return Some(String::from_utf8_lossy(&bytes).into_owned());
    }
    if let Some(f) = &b.filename {
        return Some(format!("(from file {f})"));
    }
    b.environment_variable
        .as_ref()
        .map(|v| format!("(from ${v})"))
}

/// Records the matched route's action, settings and verdict.
pub fn describe(
    vh: &VirtualHost,
    index: usize,
    route: &Route,
    p: &Prepared,
    d: &mut RouteDecision,
) {
    let label = route_label(route);
    let mut settings = RouteSettings::default();
    let mut step;
    let action = if let Some(ra) = &route.route {
        let action = forward_action(ra, p);
        settings = forward_settings(route, ra, vh, p);
        step = Step::new(Stage::Action, Outcome::Matched, action_subject(&action));
        step.detail = settings_lines(&settings);
        d.verdict = Verdict::Forwarded;
        d.upstream_cluster = deterministic(&action);
        d.summary = format!(
            "route {label} of virtual host {} → {}",
            q(&vh.name),
            action_subject(&action)
        );
        action
    } else if let Some(dr) = &route.direct_response {
        let body = dr.body.as_ref().and_then(body_text);
        step = Step::new(
            Stage::Action,
            Outcome::Matched,
            format!("direct response {}", dr.status),
        );
        if let Some(b) = &body {
            step = step.with(format!("body {}", q(b)));
        }
        d.verdict = Verdict::DirectResponse;
        d.status = Some(dr.status);
        d.summary = format!(
            "route {label} of virtual host {} answers {} itself (no upstream)",
            q(&vh.name),
            dr.status
        );
        Action::DirectResponse {
            status: dr.status,
            body,
        }
    } else if let Some(r) = &route.redirect {
        let status = redirect_status(r);
        let location = redirect_location(route, r, p);
        step = Step::new(
            Stage::Action,
            Outcome::Matched,
            format!("redirect {status} to {}", q(&location)),
        );
        d.verdict = Verdict::Redirect;
        d.status = Some(status);
        d.summary = format!(
            "route {label} of virtual host {} redirects {status} to {location}",
            q(&vh.name)
        );
        Action::Redirect { status, location }
    } else {
        let kind = if route.filter_action.is_some() {
            "filter_action"
        } else if route.non_forwarding_action.is_some() {
            "non_forwarding_action"
        } else {
            "none"
        };
        step = Step::new(
            Stage::Action,
            Outcome::Info,
            format!("{kind}: the HTTP filters answer, not the router"),
        );
        d.verdict = Verdict::Other;
        d.summary = format!("route {label} of virtual host {} has a {kind}", q(&vh.name));
        Action::Other {
            kind: kind.to_string(),
        }
    };
    d.steps.push(step);
    d.route = Some(MatchedRoute {
        name: route.name.clone(),
        index,
        matcher: super::matcher::describe(&route.matcher),
        action,
        settings,
    });
}

fn forward_action(ra: &RouteAction, p: &Prepared) -> Action {
    if let Some(c) = &ra.cluster {
        return Action::Cluster { cluster: c.clone() };
    }
    if let Some(h) = &ra.cluster_header {
        return Action::ClusterHeader {
            header: h.clone(),
            value: p.header(h),
        };
    }
    if let Some(w) = &ra.weighted_clusters {
        let sum: u64 = w.clusters.iter().map(|c| c.weight.unwrap_or(0)).sum();
        let total = w.total_weight.filter(|t| *t > 0).unwrap_or(sum);
        let clusters = w
            .clusters
            .iter()
            .map(|c| {
                let weight = c.weight.unwrap_or(0);
                let name = match (&c.cluster_header, c.name.is_empty()) {
                    (Some(h), true) => format!("(header {h})"),
                    _ => c.name.clone(),
                };
                WeightedCluster {
                    name,
                    weight,
                    percent: if total == 0 {
                        0.0
                    } else {
                        weight as f64 * 100.0 / total as f64
                    },
                }
            })
            .collect();
        return Action::WeightedClusters {
            clusters,
            total_weight: total,
        };
    }
    if let Some(plugin) = &ra.cluster_specifier_plugin {
        return Action::ClusterSpecifierPlugin {
            plugin: plugin.clone(),
        };
    }
    if ra.inline_cluster_specifier_plugin.is_some() {
        return Action::ClusterSpecifierPlugin {
            plugin: "(inline)".into(),
        };
    }
    Action::Other {
        kind: "route without a cluster specifier".into(),
    }
}

/// The cluster decided by config alone, if one is.
fn deterministic(a: &Action) -> Option<String> {
    match a {
        Action::Cluster { cluster } => Some(cluster.clone()),
        Action::ClusterHeader { value, .. } => value.clone(),
        Action::WeightedClusters { clusters, .. } => {
            let mut live = clusters.iter().filter(|c| c.weight > 0);
            match (live.next(), live.next()) {
                (Some(only), None) => Some(only.name.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn action_subject(a: &Action) -> String {
    match a {
        Action::Cluster { cluster } => format!("cluster {}", q(cluster)),
        Action::ClusterHeader {
            header,
            value: Some(v),
        } => format!("cluster {} (from header {})", q(v), q(header)),
        Action::ClusterHeader {
            header,
            value: None,
        } => {
            format!(
                "the cluster named by header {}, which the request lacks: Envoy answers 503 NC",
                q(header)
            )
        }
        Action::WeightedClusters { clusters, .. } => {
            let parts: Vec<String> = clusters
                .iter()
                .map(|c| format!("{} {}%", q(&c.name), trim_pct(c.percent)))
                .collect();
            format!(
                "weighted clusters {} (picked at random per request)",
                parts.join(", ")
            )
        }
        Action::ClusterSpecifierPlugin { plugin } => format!(
            "the cluster specifier plugin {} picks the cluster",
            q(plugin)
        ),
        Action::DirectResponse { status, .. } => format!("direct response {status}"),
        Action::Redirect { status, location } => format!("redirect {status} to {}", q(location)),
        Action::Other { kind } => kind.clone(),
    }
}

fn trim_pct(p: f64) -> String {
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn forward_settings(
    route: &Route,
    ra: &RouteAction,
    vh: &VirtualHost,
    p: &Prepared,
) -> RouteSettings {
    let mut s = RouteSettings {
        timeout: ra.timeout.clone(),
        idle_timeout: ra.idle_timeout.clone(),
        retries: match (&ra.retry_policy, &vh.retry_policy) {
            (Some(r), _) => Some(retries(r, "route")),
            (None, Some(r)) => Some(retries(r, "virtual_host")),
            _ => None,
        },
        prefix_rewrite: ra.prefix_rewrite.clone(),
        regex_rewrite: ra
            .regex_rewrite
            .as_ref()
            .map(|r| format!("{} → {}", r.pattern.regex, r.substitution)),
        ..RouteSettings::default()
    };
    let query = p.path.find('?').map(|i| &p.path[i..]).unwrap_or("");
    if let Some(pre) = &ra.prefix_rewrite {
        s.upstream_path = prefix_rewritten(route, pre, p);
    } else if let Some(rr) = &ra.regex_rewrite {
        s.upstream_path = apply_regex(rr, &p.path_only).map(|np| format!("{np}{query}"));
    }
    if s.upstream_path.as_deref() == Some(p.path.as_str()) {
        s.upstream_path = None;
    }
    s.host_rewrite = if let Some(h) = &ra.host_rewrite_literal {
        Some(h.clone())
    } else if ra.auto_host_rewrite == Some(true) {
        Some("auto (the upstream host's name)".into())
    } else if let Some(h) = &ra.host_rewrite_header {
        Some(format!("from header {h}"))
    } else {
        ra.host_rewrite_path_regex
            .as_ref()
            .map(|r| format!("from the path by {}", r.pattern.regex))
    };
    s.mirrors = ra
        .request_mirror_policies
        .iter()
        .filter_map(|m| m["cluster"].as_str().map(str::to_string))
        .collect();
    s
}

fn settings_lines(s: &RouteSettings) -> Vec<String> {
    let mut out = Vec::new();
    out.push(match s.timeout.as_deref() {
        None => "timeout 15s (Envoy's default; Istio sets 0s unless the VirtualService has one)"
            .to_string(),
        Some("0s") => "timeout disabled (0s)".to_string(),
        Some(t) => format!("timeout {t}"),
    });
    if let Some(t) = &s.idle_timeout {
        out.push(format!("idle timeout {t}"));
    }
    match &s.retries {
        Some(r) => {
            let mut line = format!(
                "retries: {} on {}",
                r.num_retries,
                if r.retry_on.is_empty() {
                    "(nothing)"
                } else {
                    &r.retry_on
                }
            );
            if let Some(t) = &r.per_try_timeout {
                line.push_str(&format!(", per try {t}"));
            }
            if !r.retriable_status_codes.is_empty() {
                let codes: Vec<String> = r
                    .retriable_status_codes
                    .iter()
                    .map(u32::to_string)
                    .collect();
                line.push_str(&format!(", status {}", codes.join(",")));
            }
            if r.from == "virtual_host" {
                line.push_str(" (from the virtual host)");
            }
            out.push(line);
        }
        None => out.push("no retries".to_string()),
    }
    if let Some(pr) = &s.prefix_rewrite {
        out.push(format!("prefix rewrite to {}", q(pr)));
    }
    if let Some(rr) = &s.regex_rewrite {
        out.push(format!("regex rewrite {rr}"));
    }
    if let Some(up) = &s.upstream_path {
        out.push(format!("upstream path {}", q(up)));
    }
    if let Some(h) = &s.host_rewrite {
        out.push(format!("host rewrite: {h}"));
    }
    for m in &s.mirrors {
        out.push(format!("mirrored to {}", q(m)));
    }
    out
}
