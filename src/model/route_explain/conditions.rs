//! Route explain, the conditions of one route's match, evaluated as Envoy
//! does: the path (prefix, path, regex, separated prefix, URI template), each
//! header matcher (absent headers and inversion by Envoy's rules), query
//! parameters, and what cannot be known from a dump (runtime, TLS, metadata).

use super::matcher::Prepared;
use super::proto::{HeaderMatcher, QueryParameterMatcher, RouteMatch, StringMatcher};
use super::q;
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
