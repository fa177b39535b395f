//! Route explain, route matching: the request as the connection manager hands
//! it to the router, and the first route of a virtual host whose match passes
//! (path, headers, query parameters, runtime fraction), as Envoy evaluates it.

use super::conditions::{conditions, Condition};
use super::listener::HttpManager;
use super::proto::{Route, RouteMatch, VirtualHost};
use super::{q, Outcome, RouteDecision, RouteRequest, Stage, Step, Verdict};

/// The request after the connection manager's rewrites, with its headers
/// (pseudo-headers included) lower-cased and its query split.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The host used to pick the virtual host (lower case).
    pub vhost_host: String,
    /// `:path` as routed (after normalisation), query included.
    pub path: String,
    /// The path without query and fragment.
    pub path_only: String,
    /// Query parameters in order, undecoded, as Envoy's route matching reads them.
    pub query: Vec<(String, String)>,
    /// Every header, names lower case; `:authority`, `:path`, `:method`, `:scheme` included.
    pub headers: Vec<(String, String)>,
    /// `:method`.
    pub method: String,
    /// Repeated headers are matched value by value (Envoy 1.40.0 does;
    /// 1.36.4 matches their comma-joined value).
    pub per_value: bool,
}

impl Prepared {
    /// Applies the connection manager's host and path handling, recording what changed.
    pub fn new(
        req: &RouteRequest,
        http: &HttpManager,
        ignore_port: bool,
        envoy: Option<(u64, u64)>,
        d: &mut RouteDecision,
    ) -> Prepared {
        let mut step = Step::new(Stage::Request, Outcome::Info, "as the router sees it");
        let mut host = req.host.clone();
        if let Some((h, p)) = split_port(&host) {
            let strip = http.strip_any_host_port
                || (http.strip_matching_host_port && p == u32::from(http.listener_port));
            if strip {
                step = step.with(format!(
                    "host port stripped (connection manager): {} → {}",
                    q(&host),
                    q(h)
                ));
                host = h.to_string();
            }
        }
        let mut vhost_host = host.to_ascii_lowercase();
        if ignore_port {
            if let Some((h, _)) = split_port(&vhost_host) {
                step = step.with(format!(
                    "ignore_port_in_host_matching: domains are matched against {}",
                    q(h)
                ));
                vhost_host = h.to_string();
            }
        }
        let (raw_path, query_part) = match req.path.find(['?', '#']) {
            Some(i) => (&req.path[..i], &req.path[i..]),
            None => (req.path.as_str(), ""),
        };
        let mut path_only = if raw_path.is_empty() {
            "/".to_string()
        } else {
            raw_path.to_string()
        };
        if http.normalize_path {
            let n = remove_dot_segments(&path_only);
            if n != path_only {
                step = step.with(format!(
                    "path normalised (normalize_path): {} → {}",
                    q(&path_only),
                    q(&n)
                ));
                path_only = n;
            }
        }
        if http.merge_slashes {
            let n = merge_slashes(&path_only);
            if n != path_only {
                step = step.with(format!(
                    "slashes merged (merge_slashes): {} → {}",
                    q(&path_only),
                    q(&n)
                ));
                path_only = n;
            }
        }
        let query_str = query_part.strip_prefix('?').unwrap_or("");
        let query_str = query_str.split('#').next().unwrap_or("");
        let query = query_str
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (p.to_string(), String::new()),
            })
            .collect();
        let path = format!("{path_only}{query_part}");
        let method = if req.method.is_empty() {
            "GET".to_string()
        } else {
            req.method.to_ascii_uppercase()
        };
        let mut headers = vec![
            (":authority".to_string(), host.clone()),
            (":path".to_string(), path.clone()),
            (":method".to_string(), method.clone()),
            (":scheme".to_string(), "http".to_string()),
        ];
        headers.extend(
            req.headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
        step = step.with(format!("{method} {} {}", q(&host), q(&path)));
        let per_value = envoy.is_some_and(|v| v >= PER_VALUE_SINCE);
        let repeated = headers
            .iter()
            .enumerate()
            .any(|(i, (k, _))| headers[..i].iter().any(|(k2, _)| k2 == k));
        if repeated {
            step = step.with(match envoy {
                Some((ma, mi)) if per_value => format!("Envoy {ma}.{mi}: a repeated header matches when one of its values does"),
                Some((ma, mi)) => format!("Envoy {ma}.{mi}: a repeated header is matched as its values joined with `,`"),
                None => "Envoy version unknown: a repeated header is matched as its values joined with `,` (1.36; 1.40 matches value by value)".to_string(),
            });
        }
        d.steps.push(step);
        Prepared {
            vhost_host,
            path,
            path_only,
            query,
            headers,
            method,
            per_value,
        }
    }

    /// Every value of a header, in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A header's value; several values are joined with `,` as Envoy does.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        let vals: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        if vals.is_empty() {
            None
        } else {
            Some(vals.join(","))
        }
    }
}

/// The first Envoy release measured to match repeated headers value by value
/// (1.36.4 joins them; 1.40.0 does not; releases in between are untested).
const PER_VALUE_SINCE: (u64, u64) = (1, 37);

/// `host:port` → (`host`, port), IPv6 brackets respected.
pub fn split_port(host: &str) -> Option<(&str, u32)> {
    let i = host.rfind(':')?;
    if host.rfind(']').is_some_and(|b| b > i) {
        return None;
    }
    host[i + 1..].parse().ok().map(|p| (&host[..i], p))
}

/// RFC 3986 section 5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = path.split('/').collect();
    let last = segs.len().saturating_sub(1);
    for (i, s) in segs.iter().enumerate() {
        match *s {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

fn merge_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The match in a few words (``prefix `/api` + 1 header``).
pub fn describe(m: &RouteMatch) -> String {
    let mut s = if let Some(x) = &m.prefix {
        format!("prefix {}", q(x))
    } else if let Some(x) = &m.path {
        format!("path {}", q(x))
    } else if let Some(x) = &m.safe_regex {
        format!("regex {}", q(&x.regex))
    } else if let Some(x) = &m.path_separated_prefix {
        format!("path_separated_prefix {}", q(x))
    } else if m.path_match_policy.is_some() {
        "path_match_policy".to_string()
    } else if m.connect_matcher.is_some() {
        "CONNECT".to_string()
    } else {
        "no path specifier".to_string()
    };
    if !m.headers.is_empty() {
        s.push_str(&format!(" + {} header(s)", m.headers.len()));
    }
    if !m.query_parameters.is_empty() {
        s.push_str(&format!(
            " + {} query parameter(s)",
            m.query_parameters.len()
        ));
    }
    s
}

fn mark(c: &Condition) -> &'static str {
    match c.ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "?",
    }
}

/// Tries the virtual host's routes in order; the first that passes wins.
pub fn first_route<'v>(
    vh: &'v VirtualHost,
    p: &Prepared,
    d: &mut RouteDecision,
) -> Option<(usize, &'v Route)> {
    // Closest: the path matched, then fewest failed conditions, then the most specific path.
    let mut closest: Option<(usize, Rank, Vec<String>)> = None;
    for (i, route) in vh.routes.iter().enumerate() {
        let conds = conditions(&route.matcher, p);
        let failed: Vec<String> = conds
            .iter()
            .filter(|c| c.ok == Some(false))
            .map(|c| c.text.clone())
            .collect();
        let subject = format!(
            "route #{i} {}: {}",
            route_label(route),
            describe(&route.matcher)
        );
        let mut step = Step::new(
            Stage::Route,
            if failed.is_empty() {
                Outcome::Matched
            } else {
                Outcome::Failed
            },
            subject,
        );
        for c in &conds {
            step = step.with(format!("{} {}", mark(c), c.text));
        }
        d.steps.push(step);
        if failed.is_empty() {
            return Some((i, route));
        }
        let rank = (
            conds[0].ok != Some(true),
            failed.len(),
            std::cmp::Reverse(specificity(&route.matcher)),
        );
        if closest.as_ref().is_none_or(|(_, r, _)| rank < *r) {
            closest = Some((i, rank, failed));
        }
    }
    d.verdict = Verdict::NoRoute;
    d.status = Some(404);
    d.response_flag = Some("NR");
    let mut step = Step::new(
        Stage::Route,
        Outcome::Stop,
        format!(
            "no route of virtual host {} matches: Envoy answers 404 NR",
            q(&vh.name)
        ),
    );
    let why = match &closest {
        Some((i, _, failed)) => {
            let route = &vh.routes[*i];
            let line = format!(
                "closest: route #{i} {}, which fails on: {}",
                route_label(route),
                failed.join("; ")
            );
            step = step.with(line.clone());
            line
        }
        None => {
            step = step.with("the virtual host has no routes");
            "the virtual host has no routes".to_string()
        }
    };
    d.summary = format!(
        "no route matches {} {} in virtual host {}; {why}. Envoy answers 404 NR",
        p.method,
        q(&p.path),
        q(&vh.name)
    );
    d.steps.push(step);
    None
}

/// How near a failed route came: path failed, failures, then specificity (reversed).
type Rank = (bool, usize, std::cmp::Reverse<usize>);

/// How narrowly a match's path specifier aims (exact paths most).
fn specificity(m: &RouteMatch) -> usize {
    if let Some(p) = &m.path {
        10_000 + p.len()
    } else if let Some(r) = &m.safe_regex {
        5_000 + r.regex.len()
    } else {
        m.prefix
            .as_ref()
            .or(m.path_separated_prefix.as_ref())
            .map_or(0, String::len)
    }
}

/// ``"`name`"`` or `(unnamed)`.
pub fn route_label(r: &Route) -> String {
    if r.name.is_empty() {
        "(unnamed)".to_string()
    } else {
        q(&r.name)
    }
}
