//! Route explain, route matching: the request as the connection manager hands
//! it to the router, and the first route of a virtual host whose match passes
//! (path, headers, query parameters, runtime fraction), as Envoy evaluates it.

use super::listener::HttpManager;
use super::proto::{
    HeaderMatcher, QueryParameterMatcher, Route, RouteMatch, StringMatcher, VirtualHost,
};
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

/// One condition of a route and how it came out (`None`: not evaluated).
#[derive(Debug, Clone)]
pub struct Condition {
    pub ok: Option<bool>,
    pub text: String,
}

fn cond(ok: bool, text: String) -> Condition {
    Condition { ok: Some(ok), text }
}

/// Compiles an RE2 pattern for a whole-string match.
fn full_regex(re: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(&format!("^(?:{re})$")).map_err(|e| e.to_string())
}

fn regex_cond(re: &str, subject: &str, what: &str) -> Condition {
    match full_regex(re) {
        Ok(r) => {
            let ok = r.is_match(subject);
            cond(
                ok,
                format!(
                    "{what} regex {}: {} {}",
                    q(re),
                    q(subject),
                    if ok { "matches" } else { "does not match" }
                ),
            )
        }
        Err(e) => Condition {
            ok: Some(false),
            text: format!("{what} regex {} does not compile here ({e})", q(re)),
        },
    }
}

fn eq(a: &str, b: &str, ci: bool) -> bool {
    if ci {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn starts(a: &str, p: &str, ci: bool) -> bool {
    a.len() >= p.len() && a.is_char_boundary(p.len()) && eq(&a[..p.len()], p, ci)
}

fn ends(a: &str, s: &str, ci: bool) -> bool {
    a.len() >= s.len()
        && a.is_char_boundary(a.len() - s.len())
        && eq(&a[a.len() - s.len()..], s, ci)
}

/// The path condition of a route match.
fn path_condition(m: &RouteMatch, p: &Prepared) -> Condition {
    let ci = m.case_sensitive == Some(false);
    let case = if ci { " (case-insensitive)" } else { "" };
    let path = &p.path_only;
    if let Some(pre) = &m.prefix {
        let ok = starts(path, pre, ci);
        return cond(
            ok,
            format!(
                "prefix {}{case}: {} {}",
                q(pre),
                q(path),
                if ok {
                    "starts with it"
                } else {
                    "does not start with it"
                }
            ),
        );
    }
    if let Some(exact) = &m.path {
        let ok = eq(path, exact, ci);
        return cond(
            ok,
            format!(
                "path {}{case}: {} {}",
                q(exact),
                q(path),
                if ok { "is it" } else { "is not it" }
            ),
        );
    }
    if let Some(re) = &m.safe_regex {
        return regex_cond(&re.regex, path, "path");
    }
    if let Some(sep) = &m.path_separated_prefix {
        let ok = starts(path, sep, ci)
            && (path.len() == sep.len() || path.as_bytes().get(sep.len()) == Some(&b'/'));
        return cond(
            ok,
            format!(
                "path_separated_prefix {}{case}: {} {}",
                q(sep),
                q(path),
                if ok {
                    "is it or continues with `/`"
                } else {
                    "is not it and does not continue it with `/`"
                }
            ),
        );
    }
    if let Some(policy) = &m.path_match_policy {
        let template = policy["typed_config"]["path_template"]
            .as_str()
            .unwrap_or("");
        if template.is_empty() {
            return Condition {
                ok: None,
                text: "path_match_policy of a kind meshscope does not evaluate".into(),
            };
        }
        let re = uri_template_regex(template);
        let ok = full_regex(&re).is_ok_and(|r| r.is_match(path));
        return cond(
            ok,
            format!(
                "uri template {}: {} {}",
                q(template),
                q(path),
                if ok { "matches" } else { "does not match" }
            ),
        );
    }
    if m.connect_matcher.is_some() {
        let ok = p.method == "CONNECT";
        return cond(
            ok,
            format!("connect_matcher: the method is {}", q(&p.method)),
        );
    }
    cond(false, "the match has no path specifier".into())
}

/// `/foo/{id}/**` → a regex: `*` and `{v}` one segment, `**` and `{v=**}` the rest.
fn uri_template_regex(t: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**") {
            out.push_str(".*");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('*') {
            out.push_str("[^/]+");
            rest = r;
        } else if rest.starts_with('{') {
            let end = rest.find('}').unwrap_or(rest.len() - 1);
            let var = &rest[1..end];
            out.push_str(if var.ends_with("=**") { ".*" } else { "[^/]+" });
            rest = &rest[end + 1..];
        } else {
            let c = rest.chars().next().unwrap_or('/');
            out.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn string_match(m: &StringMatcher, v: &str) -> (bool, String) {
    let ci = m.ignore_case;
    let case = if ci { " (ignore case)" } else { "" };
    if let Some(x) = &m.exact {
        return (eq(v, x, ci), format!("exact {}{case}", q(x)));
    }
    if let Some(x) = &m.prefix {
        return (starts(v, x, ci), format!("prefix {}{case}", q(x)));
    }
    if let Some(x) = &m.suffix {
        return (ends(v, x, ci), format!("suffix {}{case}", q(x)));
    }
    if let Some(x) = &m.contains {
        let ok = if ci {
            v.to_ascii_lowercase().contains(&x.to_ascii_lowercase())
        } else {
            v.contains(x.as_str())
        };
        return (ok, format!("contains {}{case}", q(x)));
    }
    if let Some(re) = &m.safe_regex {
        let ok = full_regex(&re.regex).is_ok_and(|r| r.is_match(v));
        return (ok, format!("regex {}", q(&re.regex)));
    }
    (false, "a string matcher meshscope does not evaluate".into())
}

/// One header matcher, with Envoy's rules for missing headers and inversion.
fn header_condition(h: &HeaderMatcher, p: &Prepared) -> Condition {
    let value = p
        .header(&h.name)
        .or_else(|| h.treat_missing_header_as_empty.then(String::new));
    let inv = if h.invert_match { "not " } else { "" };
    let name = q(&h.name);
    let (ok, what): (bool, String) = match &value {
        None => {
            // Absent: only a present_match can pass (inverted: present_match true).
            let ok = match h.present_match {
                Some(present) if h.string_kind().is_none() => present == h.invert_match,
                None if h.string_kind().is_none() && h.range_match.is_none() => h.invert_match,
                _ => false,
            };
            let kind = h.describe();
            return cond(
                ok,
                format!("header {name} {inv}{kind}: the request has no {name}"),
            );
        }
        Some(v) => {
            let values = p.values(&h.name);
            if p.per_value && values.len() > 1 {
                let m = values.iter().any(|one| h.test(one).0);
                let list: Vec<String> = values.iter().map(|one| q(one)).collect();
                let kind = h.test(v).1;
                (
                    m != h.invert_match,
                    format!(
                        "{kind}: the request has {} (each value on its own)",
                        list.join(", ")
                    ),
                )
            } else {
                let (m, kind) = h.test(v);
                (
                    m != h.invert_match,
                    format!("{kind}: the request has {}", q(v)),
                )
            }
        }
    };
    cond(ok, format!("header {name} {inv}{what}"))
}

impl HeaderMatcher {
    fn string_kind(&self) -> Option<()> {
        (self.exact_match.is_some()
            || self.safe_regex_match.is_some()
            || self.prefix_match.is_some()
            || self.suffix_match.is_some()
            || self.contains_match.is_some()
            || self.string_match.is_some())
        .then_some(())
    }

    fn describe(&self) -> String {
        self.test("").1
    }

    /// Whether a present value matches (before inversion), and the matcher in words.
    fn test(&self, v: &str) -> (bool, String) {
        if let Some(x) = &self.exact_match {
            return (x.is_empty() || v == x, format!("exact {}", q(x)));
        }
        if let Some(re) = &self.safe_regex_match {
            let ok = full_regex(&re.regex).is_ok_and(|r| r.is_match(v));
            return (ok, format!("regex {}", q(&re.regex)));
        }
        if let Some(r) = &self.range_match {
            let ok = v
                .trim()
                .parse::<i64>()
                .is_ok_and(|n| n >= r.start && n < r.end);
            return (ok, format!("in range [{}, {})", r.start, r.end));
        }
        if let Some(x) = &self.prefix_match {
            return (v.starts_with(x.as_str()), format!("prefix {}", q(x)));
        }
        if let Some(x) = &self.suffix_match {
            return (v.ends_with(x.as_str()), format!("suffix {}", q(x)));
        }
        if let Some(x) = &self.contains_match {
            return (v.contains(x.as_str()), format!("contains {}", q(x)));
        }
        if let Some(m) = &self.string_match {
            return string_match(m, v);
        }
        match self.present_match {
            Some(false) => (false, "absent".into()),
            _ => (true, "present".into()),
        }
    }
}

fn query_condition(m: &QueryParameterMatcher, p: &Prepared) -> Condition {
    let name = q(&m.name);
    let Some((_, v)) = p.query.iter().find(|(k, _)| *k == m.name) else {
        return cond(
            false,
            format!("query parameter {name}: the request has none"),
        );
    };
    match &m.string_match {
        Some(sm) if m.present_match != Some(true) => {
            let (ok, what) = string_match(sm, v);
            cond(
                ok,
                format!("query parameter {name} {what}: the request has {}", q(v)),
            )
        }
        _ => cond(true, format!("query parameter {name} present")),
    }
}

/// Every condition of a route's match, path first.
pub fn conditions(m: &RouteMatch, p: &Prepared) -> Vec<Condition> {
    let mut out = vec![path_condition(m, p)];
    out.extend(m.headers.iter().map(|h| header_condition(h, p)));
    out.extend(m.query_parameters.iter().map(|qp| query_condition(qp, p)));
    if let Some(rf) = &m.runtime_fraction {
        let (n, dn) = (
            rf.default_value.numerator,
            rf.default_value.denominator_value(),
        );
        let key = if rf.runtime_key.is_empty() {
            String::new()
        } else {
            format!(", runtime key {}", q(&rf.runtime_key))
        };
        out.push(if n == 0 {
            cond(false, format!("runtime fraction 0/{dn}{key}: never, unless the runtime overrides it"))
        } else if n >= dn {
            cond(true, format!("runtime fraction {n}/{dn}{key}: always"))
        } else {
            Condition {
                ok: None,
                text: format!("runtime fraction {n}/{dn}{key}: not evaluated (random per request); assumed to match"),
            }
        });
    }
    if m.grpc.is_some() {
        let ct = p.header("content-type").unwrap_or_default();
        out.push(cond(
            ct.starts_with("application/grpc"),
            format!("gRPC only: content-type is {}", q(&ct)),
        ));
    }
    if m.tls_context.is_some() {
        out.push(Condition {
            ok: None,
            text: "tls_context: not evaluated (depends on the connection); assumed to match".into(),
        });
    }
    if !m.dynamic_metadata.is_empty() {
        out.push(Condition {
            ok: None,
            text: "dynamic_metadata: not evaluated (set by filters at run time); assumed to match"
                .into(),
        });
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
    let mut closest: Option<(usize, (bool, usize, std::cmp::Reverse<usize>), Vec<String>)> = None;
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
