//! What a saved admin body is, told from its first bytes (and, only to break
//! a tie, its file name): a config dump, `/clusters`, `/stats`, a log, …

use crate::sources::target::Endpoint;

/// What a body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A meshscope bundle.
    Bundle,
    /// An Envoy body that an [`Endpoint`] serves.
    Endpoint(Endpoint),
    /// `/clusters` in its text form (bug-report saves this one).
    ClustersText,
    /// `/listeners` in its text form.
    ListenersText,
    /// An access log or a `kubectl logs` capture.
    Log,
    /// Not recognised.
    Unknown,
}

impl BodyKind {
    /// Short description for the summary line.
    pub fn describe(self) -> &'static str {
        match self {
            BodyKind::Bundle => "meshscope bundle",
            BodyKind::Endpoint(e) => match e {
                Endpoint::ConfigDump => "config_dump",
                Endpoint::ClustersJson => "clusters (json)",
                Endpoint::ServerInfo => "server_info",
                Endpoint::Stats => "stats",
                Endpoint::Prometheus => "stats/prometheus",
                Endpoint::Memory => "memory",
                Endpoint::Certs => "certs",
                Endpoint::Listeners => "listeners (json)",
                Endpoint::Logging => "logging",
                _ => e.name(),
            },
            BodyKind::ClustersText => "clusters (text)",
            BodyKind::ListenersText => "listeners (text)",
            BodyKind::Log => "log",
            BodyKind::Unknown => "unknown",
        }
    }
}

/// How many leading bytes [`sniff`] looks at.
pub const HEAD: usize = 16 * 1024;

/// Tells what `body` (its first [`HEAD`] bytes suffice) is; `name` only
/// breaks ties between look-alikes.
pub fn sniff(body: &[u8], name: &str) -> BodyKind {
    let head = &body[..body.len().min(HEAD)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let lname = name.to_ascii_lowercase();
    if t.starts_with('{') {
        return sniff_json(t, &lname);
    }
    if t.starts_with("# HELP ") || t.starts_with("# TYPE ") {
        return BodyKind::Endpoint(Endpoint::Prometheus);
    }
    let lines: Vec<&str> = t.lines().take(20).collect();
    if lines.is_empty() {
        return BodyKind::Unknown;
    }
    let clusters_text = lines
        .iter()
        .filter(|l| l.contains("::") && !l.contains(' '))
        .count();
    if clusters_text * 2 > lines.len() {
        return BodyKind::ClustersText;
    }
    if lines.iter().all(|l| listener_text_line(l)) && lname.contains("listener") {
        return BodyKind::ListenersText;
    }
    let stats_like = lines.iter().filter(|l| stats_line(l)).count();
    if stats_like * 10 >= lines.len() * 9 {
        return BodyKind::Endpoint(Endpoint::Stats);
    }
    let log_like = lines.iter().filter(|l| log_line(l)).count();
    if log_like * 2 >= lines.len() || lname.ends_with(".log") {
        return BodyKind::Log;
    }
    BodyKind::Unknown
}

fn sniff_json(t: &str, lname: &str) -> BodyKind {
    let has = |k: &str| t.contains(&format!("\"{k}\""));
    if has("format") && t.contains("meshscope-bundle/") {
        BodyKind::Bundle
    } else if crate::model::ztunnel::ZtunnelDump::looks_like(t) {
        // A ztunnel's `/config_dump`: its own views read it.
        BodyKind::Endpoint(Endpoint::ConfigDump)
    } else if has("configs") {
        BodyKind::Endpoint(Endpoint::ConfigDump)
    } else if has("cluster_statuses") || has("clusterStatuses") {
        BodyKind::Endpoint(Endpoint::ClustersJson)
    } else if has("listener_statuses") || has("listenerStatuses") {
        BodyKind::Endpoint(Endpoint::Listeners)
    } else if has("command_line_options") || has("hot_restart_version") {
        BodyKind::Endpoint(Endpoint::ServerInfo)
    } else if has("certificates") {
        BodyKind::Endpoint(Endpoint::Certs)
    } else if has("allocated") && has("heap_size") {
        BodyKind::Endpoint(Endpoint::Memory)
    } else if has("active_loggers") || lname.contains("logging") {
        BodyKind::Endpoint(Endpoint::Logging)
    } else if has("response_code") || has("upstream_cluster") || has("start_time") {
        // One JSON access-log line per line.
        BodyKind::Log
    } else {
        BodyKind::Unknown
    }
}

/// `name: value` as `/stats` prints it (value a number or a histogram).
fn stats_line(l: &str) -> bool {
    match l.split_once(": ") {
        Some((k, v)) => {
            !k.is_empty()
                && !k.contains(' ')
                && (v.trim().parse::<f64>().is_ok()
                    || v.starts_with("P0(")
                    || v == "No recorded values")
        }
        None => false,
    }
}

/// `name::address` as `/listeners` prints it.
fn listener_text_line(l: &str) -> bool {
    l.contains("::") || l.trim().is_empty()
}

/// A line an Envoy or Istio log (or access log) would hold.
fn log_line(l: &str) -> bool {
    let l = l.trim_start();
    l.starts_with("[20")
        || l.starts_with("20") && l.get(4..5) == Some("-")
        || l.starts_with('{') && l.ends_with('}')
        || l.starts_with("=========")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_bodies_apart_by_content() {
        let k = |b: &str| sniff(b.as_bytes(), "x");
        assert_eq!(
            k("{\"configs\": []}"),
            BodyKind::Endpoint(Endpoint::ConfigDump)
        );
        assert_eq!(
            k("{\"cluster_statuses\": []}"),
            BodyKind::Endpoint(Endpoint::ClustersJson)
        );
        assert_eq!(
            k("# TYPE envoy_x counter\nenvoy_x 1\n"),
            BodyKind::Endpoint(Endpoint::Prometheus)
        );
        assert_eq!(
            k("cluster.a.upstream_rq: 3\nserver.live: 1\n"),
            BodyKind::Endpoint(Endpoint::Stats)
        );
        assert_eq!(
            k("outbound|80||a::10.0.0.1:80::cx_active::0\noutbound|80||a::10.0.0.1:80::health_flags::healthy\n"),
            BodyKind::ClustersText
        );
        assert_eq!(
            k("[2026-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 200 - via_upstream\n"),
            BodyKind::Log
        );
        assert_eq!(
            k("{\"allocated\": 1, \"heap_size\": 2}"),
            BodyKind::Endpoint(Endpoint::Memory)
        );
        assert_eq!(k("hello"), BodyKind::Unknown);
    }
}
