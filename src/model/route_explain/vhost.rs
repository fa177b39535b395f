//! Route explain, virtual host selection by domain in Envoy's order: exact,
//! then suffix wildcards (`*.foo`), then prefix wildcards (`foo.*`), longest
//! wildcard first, then `*`. The host is compared as sent, port included.

use super::matcher::{split_port, Prepared};
use super::proto::{RouteConfiguration, VirtualHost};
use super::{q, Outcome, RouteDecision, Stage, Step, Verdict};

/// How a domain matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Exact,
    Suffix,
    Prefix,
    Default,
}

impl How {
    fn label(self) -> &'static str {
        match self {
            How::Exact => "exact domain",
            How::Suffix => "suffix wildcard",
            How::Prefix => "prefix wildcard",
            How::Default => "catch-all domain",
        }
    }
}

/// Picks the virtual host, or records why none matched (404 NR).
pub fn select<'r>(
    rc: &'r RouteConfiguration,
    p: &Prepared,
    d: &mut RouteDecision,
) -> Option<&'r VirtualHost> {
    let host = p.vhost_host.as_str();
    let mut exact = None;
    // (wildcard length, vhost, domain)
    let mut suffix: Option<(usize, &VirtualHost, &str)> = None;
    let mut prefix: Option<(usize, &VirtualHost, &str)> = None;
    let mut default = None;
    for vh in &rc.virtual_hosts {
        for domain in &vh.domains {
            let dl = domain.to_ascii_lowercase();
            if dl == "*" {
                default.get_or_insert((vh, domain.as_str()));
            } else if let Some(s) = dl.strip_prefix('*') {
                // `*.foo` needs at least one character before `.foo`.
                if host.len() > s.len()
                    && host.ends_with(s)
                    && suffix.is_none_or(|(l, _, _)| s.len() > l)
                {
                    suffix = Some((s.len(), vh, domain.as_str()));
                }
            } else if let Some(s) = dl.strip_suffix('*') {
                if host.len() > s.len()
                    && host.starts_with(s)
                    && prefix.is_none_or(|(l, _, _)| s.len() > l)
                {
                    prefix = Some((s.len(), vh, domain.as_str()));
                }
            } else if dl == host && exact.is_none() {
                exact = Some((vh, domain.as_str()));
            }
        }
    }
    let chosen = exact
        .map(|(v, dm)| (v, dm, How::Exact))
        .or(suffix.map(|(_, v, dm)| (v, dm, How::Suffix)))
        .or(prefix.map(|(_, v, dm)| (v, dm, How::Prefix)))
        .or(default.map(|(v, dm)| (v, dm, How::Default)));
    let Some((vh, domain, how)) = chosen else {
        no_vhost(rc, host, d);
        return None;
    };
    d.virtual_host = Some(vh.name.clone());
    let mut step = Step::new(
        Stage::VirtualHost,
        Outcome::Matched,
        format!(
            "virtual host {}: {} {}",
            q(&vh.name),
            how.label(),
            q(domain)
        ),
    );
    let tried = |h: How| format!("{}: none matches {}", plural(h), q(host));
    for earlier in [How::Exact, How::Suffix, How::Prefix] {
        if earlier == how {
            break;
        }
        step = step.with(tried(earlier));
    }
    if how == How::Default && split_port(host).is_some() {
        step = step.with(format!(
            "the host carries a port: a domain matches only if it lists {} with the port",
            q(host)
        ));
    }
    d.steps.push(step);
    Some(vh)
}

fn plural(h: How) -> &'static str {
    match h {
        How::Exact => "exact domains",
        How::Suffix => "suffix wildcards",
        How::Prefix => "prefix wildcards",
        How::Default => "catch-all",
    }
}

/// Records the NR for a host no domain matches, naming the closest domain.
fn no_vhost(rc: &RouteConfiguration, host: &str, d: &mut RouteDecision) {
    d.verdict = Verdict::NoRoute;
    d.status = Some(404);
    d.response_flag = Some("NR");
    let mut step = Step::new(
        Stage::VirtualHost,
        Outcome::Stop,
        format!(
            "no virtual host's domains match {}: Envoy answers 404 NR",
            q(host)
        ),
    )
    .with(format!(
        "{} virtual host(s) tried, exact then wildcards; none has the catch-all `*`",
        rc.virtual_hosts.len()
    ));
    let closest = closest_domain(rc, host);
    let mut summary = format!("no virtual host matches {}", q(host));
    if let Some((vh, domain, why)) = &closest {
        let line = format!(
            "closest: virtual host {} with domain {} ({why})",
            q(vh),
            q(domain)
        );
        summary.push_str(&format!("; {line}"));
        step = step.with(line);
    }
    summary.push_str(". Envoy answers 404 NR");
    d.summary = summary;
    d.steps.push(step);
}

/// The domain nearest to `host`: same name with another port, then the
/// longest shared tail of labels.
fn closest_domain(rc: &RouteConfiguration, host: &str) -> Option<(String, String, String)> {
    let bare = |s: &str| split_port(s).map_or(s.to_string(), |(h, _)| h.to_string());
    let host_bare = bare(host);
    let mut best: Option<(usize, String, String, String)> = None;
    for vh in &rc.virtual_hosts {
        for domain in &vh.domains {
            let dl = domain.to_ascii_lowercase();
            let (score, why) = if bare(&dl) == host_bare {
                (usize::MAX, "the same name with another port or none: add the port to the domains or send the host as listed".to_string())
            } else {
                let shared = host_bare
                    .rsplit('.')
                    .zip(bare(&dl).rsplit('.'))
                    .take_while(|(a, b)| a == b)
                    .count();
                (shared, format!("shares the last {shared} label(s)"))
            };
            if score > 0 && best.as_ref().is_none_or(|(s, ..)| score > *s) {
                best = Some((score, vh.name.clone(), domain.clone(), why));
            }
        }
    }
    best.map(|(_, v, dm, why)| (v, dm, why))
}
