//! Following one request across proxies: the same `x-request-id` appears in
//! the client's and the server's access logs, so lining them up shows where
//! the chain broke (e.g. the client logged `503 NR` and the server never saw it).
//!
//! In ambient mode the ztunnels that carry the request to and from a waypoint
//! log no request id; their entries are tied to the waypoint's entry by
//! address and time instead (the client pod's address and the service on the
//! way in, the destination pod's address on the way out), and say so.

use crate::model::access_log::{parse_line, AccessEntry, LogLine};
use crate::model::x509::rfc3339_secs;

/// How a hop was tied to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Its entry carries the request's `x-request-id`.
    RequestId,
    /// A ztunnel entry matching a proxy's entry by address and time.
    Address,
}

/// One proxy's entry for the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// `namespace/pod` of the proxy that logged it.
    pub pod: String,
    /// The parsed entry.
    pub entry: AccessEntry,
    /// How it was tied to the request.
    pub link: Link,
}

/// What a hop's proxy was to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The calling sidecar (outbound).
    Client,
    /// The called sidecar (`inbound|…`).
    Server,
    /// A waypoint: its upstream is a pod behind an HBONE tunnel.
    Waypoint,
    /// A ztunnel (tied by address and time).
    Ztunnel,
}

impl Hop {
    /// A ztunnel's entry.
    pub fn is_ztunnel(&self) -> bool {
        self.entry.ztunnel.is_some()
    }

    /// What this proxy was to the request, from its entry.
    pub fn role(&self) -> Role {
        let e = &self.entry;
        let cluster = e.upstream_cluster.as_deref().unwrap_or("");
        if self.is_ztunnel() {
            Role::Ztunnel
        } else if cluster.starts_with("inbound-vip|")
            || e.upstream_host
                .as_deref()
                .is_some_and(|h| h.starts_with("envoy://connect_originate/"))
        {
            Role::Waypoint
        } else if is_inbound(e) {
            Role::Server
        } else {
            Role::Client
        }
    }

    fn ztunnel_error(&self) -> Option<&str> {
        self.entry.ztunnel.as_deref()?.error.as_deref()
    }

    /// A 5xx, a failure flag, or a ztunnel error.
    pub fn failed(&self) -> bool {
        self.entry.response_code.is_some_and(|c| c >= 500)
            || self.entry.response_flags.iter().any(|f| f.is_failure())
            || self.ztunnel_error().is_some()
    }
}

/// A request followed across the mesh.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The x-request-id.
    pub request_id: String,
    /// Entries in the order the request went through them.
    pub hops: Vec<Hop>,
    /// One sentence: where and why the request failed, or that it went through.
    pub verdict: String,
    /// Whether the verdict is a failure.
    pub failed: bool,
}

/// How far (seconds) a ztunnel entry may be from the proxy entry it is tied to,
/// beyond the request's own duration.
const SLACK_SECS: i64 = 5;

/// Builds a trace from the log lines found per pod (`(pod, raw line)`):
/// lines of every proxy that mention the id, and the ztunnels' recent
/// access lines (which cannot).
pub fn build(request_id: &str, found: &[(String, String)]) -> Trace {
    let mut direct: Vec<Hop> = Vec::new();
    let mut tunnels: Vec<Hop> = Vec::new();
    for (pod, raw) in found {
        let LogLine::Access(e) = parse_line(raw) else {
            continue;
        };
        if e.request_id.as_deref() == Some(request_id) {
            direct.push(Hop {
                pod: pod.clone(),
                entry: *e,
                link: Link::RequestId,
            });
        } else if e.ztunnel.is_some() {
            tunnels.push(Hop {
                pod: pod.clone(),
                entry: *e,
                link: Link::Address,
            });
        }
    }
    direct.sort_by(|a, b| a.entry.start_time.cmp(&b.entry.start_time));
    let mut hops = Vec::new();
    for hop in direct {
        let (before, after) = tunnel_hops(&hop.entry, &mut tunnels);
        hops.extend(before);
        hops.push(hop);
        hops.extend(after);
    }
    let (verdict, failed) = verdict(&hops);
    Trace {
        request_id: request_id.to_string(),
        hops,
        verdict,
        failed,
    }
}

/// `10.0.0.1` of `10.0.0.1:80`, `[::1]:80` or `envoy://connect_originate/10.0.0.1:80`.
fn ip_of(addr: &str) -> &str {
    let addr = host_port(addr);
    if let Some(v6) = addr.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    addr.rsplit_once(':').map_or(addr, |(ip, _)| ip)
}

/// `10.0.0.1:80` of `envoy://connect_originate/10.0.0.1:80` (a waypoint's upstream).
fn host_port(addr: &str) -> &str {
    addr.rsplit('/').next().unwrap_or(addr)
}

/// The service FQDN of an upstream cluster (`inbound-vip|8080|http|svc.ns.svc.cluster.local`).
fn service_of(cluster: &str) -> Option<&str> {
    cluster.rsplit('|').next().filter(|s| s.contains('.'))
}

fn near(a: &AccessEntry, z: &AccessEntry) -> bool {
    let (Some(t), Some(zt)) = (
        a.start_time.as_deref().and_then(rfc3339_secs),
        z.start_time.as_deref().and_then(rfc3339_secs),
    ) else {
        return false;
    };
    let span = i64::try_from(a.duration_ms.unwrap_or(0) / 1000).unwrap_or(i64::MAX);
    (zt - t).abs() <= span.saturating_add(SLACK_SECS)
}

/// The ztunnel entries that carried `e`'s request: outbound from the client
/// pod to `e`'s service (before it), inbound to `e`'s upstream pod (after it).
/// Each entry is used once; the nearest in time wins.
fn tunnel_hops(e: &AccessEntry, tunnels: &mut Vec<Hop>) -> (Option<Hop>, Option<Hop>) {
    let client = e.downstream_remote_address.as_deref().map(ip_of);
    let service = e.upstream_cluster.as_deref().and_then(service_of);
    let upstream = e.upstream_host.as_deref().map(host_port);
    let mut take = |want: &dyn Fn(&AccessEntry) -> bool| {
        let ix = tunnels
            .iter()
            .enumerate()
            .filter(|(_, h)| near(e, &h.entry) && want(&h.entry))
            .min_by_key(|(_, h)| {
                let t = |x: &AccessEntry| x.start_time.as_deref().and_then(rfc3339_secs);
                t(&h.entry)
                    .zip(t(e))
                    .map_or(i64::MAX, |(a, b)| (a - b).abs())
            })
            .map(|(i, _)| i)?;
        Some(tunnels.remove(ix))
    };
    let dir = |z: &AccessEntry, d: &str| {
        z.ztunnel
            .as_deref()
            .and_then(|f| f.direction.as_deref())
            .is_some_and(|x| x == d)
    };
    let before = take(&|z| {
        dir(z, "outbound")
            && client.is_some_and(|c| z.downstream_remote_address.as_deref().map(ip_of) == Some(c))
            && service.is_some_and(|s| {
                z.ztunnel.as_deref().and_then(|f| f.dst_service.as_deref()) == Some(s)
            })
    });
    let after = take(&|z| {
        dir(z, "inbound")
            && upstream.is_some_and(|u| {
                let f = z.ztunnel.as_deref();
                f.and_then(|f| f.dst_hbone_addr.as_deref()) == Some(u)
            })
    });
    (before, after)
}

fn is_inbound(e: &AccessEntry) -> bool {
    e.upstream_cluster
        .as_deref()
        .is_some_and(|c| c.starts_with("inbound|"))
}

fn verdict(hops: &[Hop]) -> (String, bool) {
    let Some(first) = hops.first() else {
        return (
            "no proxy logged this request id (is the access log on for every pod?)".to_string(),
            true,
        );
    };
    // A ztunnel that refused or could not open the tunnel is the root cause of
    // whatever the waypoint relayed.
    if let Some(z) = hops.iter().rev().find(|h| h.ztunnel_error().is_some()) {
        let f = z.entry.ztunnel.as_deref();
        let dir = f.and_then(|f| f.direction.as_deref()).unwrap_or("");
        let peer = f
            .and_then(|f| f.dst_workload.as_deref().or(f.dst_service.as_deref()))
            .unwrap_or("-");
        let relayed = hops
            .iter()
            .filter(|h| !h.is_ztunnel() && h.failed())
            .map(|h| format!("{} answered {}", h.pod, code_and_flags(&h.entry)))
            .collect::<Vec<_>>();
        let tail = if relayed.is_empty() {
            String::new()
        } else {
            format!("; {}", relayed.join(", "))
        };
        return (
            format!(
                "✖ ztunnel {} ({dir} to {peer}) failed the connection: {}{tail}",
                z.pod,
                z.ztunnel_error().unwrap_or("")
            ),
            true,
        );
    }
    // The root cause is the hop whose proxy set a failure flag (the server's
    // if both did); a bare `503 via_upstream` only relays it.
    let flagged = |h: &&Hop| h.entry.response_flags.iter().any(|f| f.is_failure());
    let failing = hops
        .iter()
        .filter(|h| h.failed())
        .filter(flagged)
        .max_by_key(|h| is_inbound(&h.entry))
        .or_else(|| hops.iter().rev().find(|h| h.failed()));
    let Some(bad) = failing else {
        return (
            format!("went through: {} proxy entries, no failure", hops.len()),
            false,
        );
    };
    let what = code_and_flags(&bad.entry);
    let server_saw_it = hops.iter().any(|h| is_inbound(&h.entry));
    if !is_inbound(&bad.entry) && !server_saw_it {
        (format!("✖ broke at the client sidecar {}: {what}; no server sidecar logged the request, so it never left {}", bad.pod, first.pod), true)
    } else if is_inbound(&bad.entry) {
        (format!("✖ the server sidecar {} answered {what}: look at the application or its inbound listener", bad.pod), true)
    } else {
        (
            format!(
                "✖ {} logged {what}; the server sidecar saw the request too",
                bad.pod
            ),
            true,
        )
    }
}

/// `503 UF (upstream connection failure)`.
fn code_and_flags(e: &AccessEntry) -> String {
    let code = e.code_label();
    let flags: Vec<String> = e
        .response_flags
        .iter()
        .map(|f| format!("{} ({})", f.short(), f.meaning()))
        .collect();
    if flags.is_empty() {
        code
    } else {
        format!("{code} {}", flags.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: u16, flags: &str, cluster: &str, id: &str, t: &str) -> String {
        format!(
            r#"[2024-05-14T10:00:00.{t}Z] "GET /x HTTP/1.1" {code} {flags} via_upstream - "-" 0 10 1 - "-" "curl" "{id}" "svc:80" "10.0.0.2:80" {cluster} 10.0.0.1:1 10.0.0.2:80 10.0.0.1:2 - default"#
        )
    }

    #[test]
    fn client_side_no_route_never_reached_the_server() {
        let found = vec![(
            "default/productpage".to_string(),
            line(503, "NR", "-", "abc", "100"),
        )];
        let t = build("abc", &found);
        assert!(t.failed);
        assert!(
            t.verdict
                .contains("broke at the client sidecar default/productpage: 503 NR"),
            "{}",
            t.verdict
        );
    }

    #[test]
    fn both_sides_ok_and_other_ids_ignored() {
        let found = vec![
            (
                "default/a".to_string(),
                line(
                    200,
                    "-",
                    "outbound|80||b.default.svc.cluster.local",
                    "abc",
                    "100",
                ),
            ),
            (
                "default/b".to_string(),
                line(200, "-", "inbound|80||", "abc", "101"),
            ),
            (
                "default/b".to_string(),
                line(500, "-", "inbound|80||", "other", "102"),
            ),
        ];
        let t = build("abc", &found);
        assert_eq!(t.hops.len(), 2);
        assert!(t.hops.iter().all(|h| h.link == Link::RequestId));
        assert!(!t.failed, "{}", t.verdict);
        let found = vec![(
            "default/b".to_string(),
            line(503, "UF", "inbound|80||", "abc", "101"),
        )];
        assert!(build("abc", &found)
            .verdict
            .contains("server sidecar default/b answered 503 UF"));
        // The client only relays the server's failure: the server is the root cause.
        let found = vec![
            (
                "default/a".to_string(),
                line(
                    503,
                    "-",
                    "outbound|80||b.default.svc.cluster.local",
                    "abc",
                    "100",
                ),
            ),
            (
                "default/b".to_string(),
                line(503, "UF", "inbound|80||", "abc", "101"),
            ),
        ];
        let t = build("abc", &found);
        assert!(
            t.verdict
                .contains("server sidecar default/b answered 503 UF"),
            "{}",
            t.verdict
        );
    }

    /// A waypoint's entry in Istio's default format: the client pod is the
    /// downstream, the destination pod behind `envoy://connect_originate/`.
    fn waypoint_line(code: u16, flags: &str, id: &str) -> String {
        format!(
            r#"[2026-01-01T00:00:00.100Z] "GET /pay HTTP/1.1" {code} {flags} via_upstream - "-" 0 10 3 - "-" "curl" "{id}" "payments:8080" "envoy://connect_originate/10.0.2.41:8080" inbound-vip|8080|http|payments.shop.svc.cluster.local envoy://internal_client_address/ 10.96.0.9:8080 10.0.1.31:51000 - default"#
        )
    }

    fn zt(direction: &str, src: &str, extra: &str, t: &str) -> String {
        format!(
            "2026-01-01T00:00:0{t}.000000Z\tinfo\taccess\tconnection complete\tsrc.addr={src} dst.addr=10.0.1.20:15008 dst.service=payments.shop.svc.cluster.local direction=\"{direction}\" {extra}"
        )
    }

    #[test]
    fn ambient_hops_are_tied_to_the_waypoint_by_address_and_time() {
        let found = vec![
            ("shop/waypoint".to_string(), waypoint_line(503, "UF", "r1")),
            // The client pod's ztunnel, on its way to the waypoint.
            ("istio-system/ztunnel-a".to_string(), zt("outbound", "10.0.1.31:51000", "bytes_sent=10", "0")),
            // Another client: not this request.
            ("istio-system/ztunnel-a".to_string(), zt("outbound", "10.0.1.77:1", "", "0")),
            // The destination's ztunnel refused the tunnel.
            (
                "istio-system/ztunnel-b".to_string(),
                zt("inbound", "10.0.1.20:40112", "dst.hbone_addr=10.0.2.41:8080 dst.workload=payments-1 error=\"tls handshake error: no certificate\"", "1"),
            ),
            // The same pod, a minute later: too far in time.
            (
                "istio-system/ztunnel-b".to_string(),
                "2026-01-01T00:01:30.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.0.1.20:1 dst.hbone_addr=10.0.2.41:8080 direction=\"inbound\"".to_string(),
            ),
        ];
        let t = build("r1", &found);
        let pods: Vec<(&str, Link)> = t.hops.iter().map(|h| (h.pod.as_str(), h.link)).collect();
        assert_eq!(
            pods,
            [
                ("istio-system/ztunnel-a", Link::Address),
                ("shop/waypoint", Link::RequestId),
                ("istio-system/ztunnel-b", Link::Address),
            ]
        );
        assert!(t.failed);
        assert!(
            t.verdict.starts_with("✖ ztunnel istio-system/ztunnel-b (inbound to payments-1) failed the connection: tls handshake error")
                && t.verdict.contains("shop/waypoint answered 503 UF"),
            "{}",
            t.verdict
        );
        // Without the ztunnels' lines the waypoint's own entry is the verdict.
        let t = build("r1", &found[..1]);
        assert_eq!(t.hops.len(), 1);
        assert!(t.verdict.contains("503 UF"), "{}", t.verdict);
    }
}
