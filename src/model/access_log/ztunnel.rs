//! ztunnel's log lines: access entries (`connection complete src.addr=…
//! dst.addr=… error=…`, tab-separated or tracing's space-separated layout)
//! as [`AccessEntry`] with [`ZtunnelFields`], and its own tracing lines
//! (`TS  WARN xds{id=1}: ztunnel::xds::client: …`) with their level.

use serde::Serialize;

use super::{field, AccessEntry, AccessLogFormat, LogLevel, LogLine};

/// What a ztunnel access entry says beyond the Envoy-shaped fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ZtunnelFields {
    /// The line's level (`info`, `warn`, `error`).
    pub level: String,
    /// The message (`connection complete`, `connection failed`).
    pub message: String,
    /// `src.workload`.
    pub src_workload: Option<String>,
    /// `src.namespace`.
    pub src_namespace: Option<String>,
    /// `src.identity` (SPIFFE).
    pub src_identity: Option<String>,
    /// `dst.addr`.
    pub dst_addr: Option<String>,
    /// `dst.hbone_addr`: the workload address inside the HBONE tunnel.
    pub dst_hbone_addr: Option<String>,
    /// `dst.service`.
    pub dst_service: Option<String>,
    /// `dst.workload`.
    pub dst_workload: Option<String>,
    /// `dst.namespace`.
    pub dst_namespace: Option<String>,
    /// `dst.identity` (SPIFFE).
    pub dst_identity: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// `error`: why the connection failed (policy, DNS, connect...).
    pub error: Option<String>,
}

/// `key=value` / `key="quoted value"` pairs, in order; `None` if the text has none.
pub fn key_values(s: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) {
            // Not a key: skip one word.
            let skip = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = rest[skip..].trim_start();
            continue;
        }
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut v = String::new();
            let mut end = q.len();
            let mut chars = q.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, &q[end.min(q.len())..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    out
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[0].is_ascii_digit()
}

/// `2ms`, `1.5s`, `300us` → whole milliseconds.
fn duration_ms(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let n: f64 = s[..split].parse().ok()?;
    let ms = match &s[split..] {
        "ms" => n,
        "s" => n * 1000.0,
        "us" | "µs" => n / 1000.0,
        "ns" => n / 1_000_000.0,
        _ => return None,
    };
    if ms.is_finite() && ms >= 0.0 {
        Some(ms as u64)
    } else {
        None
    }
}

/// Parses a ztunnel line; `None` when it is not one.
pub(crate) fn parse(line: &str) -> Option<LogLine> {
    let ts_end = line.find(['\t', ' '])?;
    let ts = &line[..ts_end];
    if !looks_like_timestamp(ts) {
        return None;
    }
    let rest = &line[ts_end..];
    // Tab layout: TS \t level \t target \t message \t k=v...
    if let Some(tabbed) = rest.strip_prefix('\t') {
        let mut parts = tabbed.splitn(4, '\t');
        let level = parts.next()?;
        let target = parts.next()?;
        if target != "access" {
            return None; // pilot-agent and ztunnel's other scopes: the Envoy parser's.
        }
        let message = parts.next()?;
        let kvs = parts.next().unwrap_or("");
        return Some(access(ts, level, message, kvs));
    }
    // Tracing layout: TS  LEVEL target: message k=v...
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ')?;
    if !matches!(level, "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR") {
        return None;
    }
    let rest = rest.trim_start();
    let (target, message) = rest.split_once(": ")?;
    if target == "access" || target.ends_with("::access") {
        let (msg, kvs) = match message.find(' ').and_then(|_| {
            message
                .find(" src.")
                .or_else(|| message.find(" dst."))
                .or_else(|| message.find(" error="))
        }) {
            Some(i) => (&message[..i], &message[i..]),
            None => (message, ""),
        };
        return Some(access(ts, level, msg, kvs));
    }
    Some(LogLine::Envoy {
        level: LogLevel::parse(level),
        component: Some(target.to_string()),
        message: message.to_string(),
    })
}

fn access(ts: &str, level: &str, message: &str, kvs: &str) -> LogLine {
    let mut z = ZtunnelFields {
        level: level.to_ascii_lowercase(),
        message: message.trim().to_string(),
        ..ZtunnelFields::default()
    };
    let mut e = AccessEntry {
        format: Some(AccessLogFormat::Ztunnel),
        start_time: field(ts),
        ..AccessEntry::default()
    };
    for (k, v) in key_values(kvs) {
        let val = field(&v);
        match k {
            "src.addr" => e.downstream_remote_address = val,
            "src.workload" => z.src_workload = val,
            "src.namespace" => z.src_namespace = val,
            "src.identity" => z.src_identity = val,
            "dst.addr" => {
                e.upstream_host = val.clone();
                z.dst_addr = val;
            }
            "dst.hbone_addr" => z.dst_hbone_addr = val,
            "dst.service" => {
                e.authority = val.clone();
                e.upstream_cluster = val.clone();
                z.dst_service = val;
            }
            "dst.workload" => z.dst_workload = val,
            "dst.namespace" => z.dst_namespace = val,
            "dst.identity" => z.dst_identity = val,
            "direction" => z.direction = val,
            "bytes_sent" => e.bytes_sent = v.parse().ok(),
            "bytes_recv" => e.bytes_received = v.parse().ok(),
            "duration" => e.duration_ms = duration_ms(&v),
            "error" => z.error = val,
            _ => {}
        }
    }
    e.ztunnel = Some(Box::new(z));
    LogLine::Access(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access_log::parse_line;

    #[test]
    fn tab_layout_access_lines_parse() {
        let line = "2024-04-12T10:17:44.080629Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.16:52008 src.workload=productpage-v1 src.namespace=bookinfo src.identity=\"spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage\" dst.addr=10.244.0.14:15008 dst.service=reviews.bookinfo.svc.cluster.local direction=\"outbound\" bytes_sent=200 bytes_recv=603 duration=\"2ms\"";
        let LogLine::Access(e) = parse_line(line) else {
            panic!("not an access line");
        };
        let z = e.ztunnel.as_deref().expect("ztunnel fields");
        assert_eq!(e.format, Some(AccessLogFormat::Ztunnel));
        assert_eq!(e.upstream_host.as_deref(), Some("10.244.0.14:15008"));
        assert_eq!(z.src_workload.as_deref(), Some("productpage-v1"));
        assert_eq!(
            z.src_identity.as_deref(),
            Some("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage")
        );
        assert_eq!(z.direction.as_deref(), Some("outbound"));
        assert_eq!(
            (e.bytes_sent, e.bytes_received, e.duration_ms),
            (Some(200), Some(603), Some(2))
        );
        assert_eq!(z.error, None);
    }

    #[test]
    fn errors_and_tracing_layout_parse() {
        let line = "2024-07-02T08:00:00.000000Z  WARN access: connection complete src.addr=10.0.0.1:40000 dst.addr=10.0.0.2:15008 error=\"connection closed due to policy rejection: explicitly denied by: ns/deny\"";
        let LogLine::Access(e) = parse_line(line) else {
            panic!("not an access line");
        };
        let z = e.ztunnel.as_deref().expect("ztunnel fields");
        assert_eq!(z.level, "warn");
        assert_eq!(z.message, "connection complete");
        assert!(z
            .error
            .as_deref()
            .is_some_and(|s| s.contains("policy rejection")));
        let own = "2023-03-29T07:13:11.827706Z  WARN xds{id=1}: ztunnel::xds::client: XDS client connection error: dns error";
        match parse_line(own) {
            LogLine::Envoy {
                level, component, ..
            } => {
                assert_eq!(level, LogLevel::Warning);
                assert_eq!(component.as_deref(), Some("xds{id=1}"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("2ms"), Some(2));
        assert_eq!(duration_ms("1.5s"), Some(1500));
        assert_eq!(duration_ms("800us"), Some(0));
        assert_eq!(duration_ms("fast"), None);
    }

    #[test]
    fn fixture_lines_all_parse() {
        let Some(text) = crate::model::fixture("ambient/kiali-ztunnel-accesslog.log") else {
            return;
        };
        let mut n = 0;
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let LogLine::Access(e) = parse_line(l) else {
                panic!("not parsed: {l}");
            };
            assert!(e.ztunnel.is_some() && e.upstream_host.is_some(), "{l}");
            n += 1;
        }
        assert_eq!(n, 28);
        let Some(text) = crate::model::fixture("ambient/ztunnel-1.18-alpha-log-startup.log") else {
            return;
        };
        let warns = text
            .lines()
            .filter(|l| {
                matches!(
                    parse_line(l),
                    LogLine::Envoy {
                        level: LogLevel::Warning,
                        ..
                    }
                )
            })
            .count();
        assert!(warns >= 5, "{warns}");
    }
}
