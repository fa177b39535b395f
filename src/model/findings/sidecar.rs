//! Rules read from one sidecar's listeners and clusters: idle connections
//! without TCP keepalive (MS1007), a port's catch-all chain captured by one
//! service such as an ExternalName (MS1011), server-first protocols behind
//! protocol sniffing (MS1012), upstream TLS without SNI (MS1014) and a
//! draining proxy that still holds connections (MS1018).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{log_proof, stat_proof, Evidence, Facts, Finding, Proof};
use crate::model::access_log::ResponseFlag;
use crate::model::config_dump::{ConfigDump, Kind, State};
use crate::model::severity::Severity;
use crate::model::stats::StatScope;

const DR_TCP: &str = "https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings";
const PROTOCOL_SELECTION: &str =
    "https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/";

/// Well-known ports of protocols where the server speaks first.
const SERVER_FIRST: &[(u16, &str)] = &[
    (21, "FTP"),
    (25, "SMTP"),
    (110, "POP3"),
    (143, "IMAP"),
    (587, "SMTP submission"),
    (3306, "MySQL"),
    (27017, "MongoDB"),
];

pub(super) fn run(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    if let Some(dump) = ev.dump {
        // Each rule parses only the resources it can be about: on a 150 MB
        // dump a full second parse of every cluster would cost more than the rules.
        let dropped = |n: &str| {
            facts.value(&format!("cluster.{n}.upstream_cx_destroy_remote")) > 0
                || facts.value(&format!("tcp.{n}.idle_timeout")) > 0
        };
        keepalive(&parsed(dump, Kind::Cluster, |r| dropped(r.0)), facts, out);
        // A gateway's TCP server listeners send everything to their route by design.
        if !super::istiod_view::is_gateway(dump) {
            let wildcard = parsed(dump, Kind::Listener, |r| r.0.starts_with("0.0.0.0_"));
            catch_all(ev, &wildcard, out);
        }
        let on_server_first_port = |r: (&str, &str)| {
            let port = r.0.rsplit('_').next().and_then(|p| p.parse::<u16>().ok());
            port.is_some_and(|p| SERVER_FIRST.iter().any(|(sp, _)| *sp == p))
        };
        server_first(
            &parsed(dump, Kind::Listener, on_server_first_port),
            facts,
            out,
        );
        let tls_without_sni =
            |r: (&str, &str)| r.1.contains("UpstreamTlsContext") && !r.1.contains("\"sni\"");
        sni(&parsed(dump, Kind::Cluster, tls_without_sni), facts, out);
    }
    draining(ev, facts, out);
}

fn proof(source: &'static str, item: impl Into<String>, value: impl Into<String>) -> Proof {
    Proof {
        source,
        item: item.into(),
        value: value.into(),
        limit: None,
        rate: None,
    }
}

/// Active (or static) resources of a kind whose `(name, raw JSON)` passes
/// `keep`, parsed.
fn parsed(
    dump: &ConfigDump<'_>,
    kind: Kind,
    keep: impl Fn((&str, &str)) -> bool,
) -> Vec<(String, Value)> {
    dump.of(kind)
        .filter(|r| matches!(r.state, State::Active | State::Static))
        .filter_map(|r| {
            let raw = r.raw?.get();
            if !keep((r.name.as_ref(), raw)) {
                return None;
            }
            let v = serde_json::from_str::<Value>(raw).ok()?;
            Some((r.name.to_string(), v))
        })
        .collect()
}

fn special(cluster: &str) -> bool {
    matches!(cluster, "BlackHoleCluster" | "PassthroughCluster")
        || cluster.starts_with("InboundPassthroughCluster")
}

/// Whether any object below `v` has the key `key`.
fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

/// MS1007: TCP clusters without keepalive whose connections the remote (or
/// the idle timeout) closes.
fn keepalive(clusters: &[(String, Value)], facts: &Facts<'_>, out: &mut Vec<Finding>) {
    for (name, c) in clusters {
        if special(name) || !name.starts_with("outbound|") {
            continue;
        }
        if c.pointer("/upstream_connection_options/tcp_keepalive")
            .is_some()
        {
            continue;
        }
        // HTTP clusters recycle pooled connections on their own idle timeout.
        let http =
            has_key(c, "typed_extension_protocol_options") || has_key(c, "http2_protocol_options");
        let remote = format!("cluster.{name}.upstream_cx_destroy_remote");
        let mut evidence = Vec::new();
        // tcp_proxy's stat prefix is its cluster in Istio.
        let idle = format!("tcp.{name}.idle_timeout");
        if facts.value(&idle) > 0 {
            evidence.push(stat_proof(facts, &idle, None));
        }
        if !http && facts.value(&remote) > 0 {
            evidence.push(stat_proof(facts, &remote, None));
        }
        if evidence.is_empty() {
            continue;
        }
        evidence.push(proof(
            "config_dump",
            format!("cluster {name} upstream_connection_options.tcp_keepalive"),
            "absent",
        ));
        out.push(Finding {
            rule: "MS1007",
            severity: Severity::Warn,
            title: format!("long-lived connections to {name} are dropped: no TCP keepalive"),
            subject: name.clone(),
            evidence,
            meaning: "Envoy's upstream connections carry no TCP keepalive, so a NAT, load balancer or firewall that forgets idle flows drops them silently; the client sees \"invalid connection\" or a hang on the next use (MySQL, Redis, memcached).",
            fix: "Set DestinationRule `trafficPolicy.connectionPool.tcp.tcpKeepalive` (time, interval, probes) for this host; `connectionPool.tcp.idleTimeout` only closes them earlier.",
            doc: DR_TCP,
        });
    }
}

/// The filter chains of a listener, default chain last.
fn chains(listener: &Value) -> Vec<&Value> {
    let mut v: Vec<&Value> = listener["filter_chains"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if listener.get("default_filter_chain").is_some() {
        v.push(&listener["default_filter_chain"]);
    }
    v
}

/// The port of a listener's socket address.
fn port(listener: &Value) -> Option<u64> {
    listener
        .pointer("/address/socket_address/port_value")
        .and_then(Value::as_u64)
}

/// MS1011: a `0.0.0.0_<port>` listener whose catch-all chain (no SNI or
/// address match) sends everything to one service.
fn catch_all(ev: &Evidence<'_>, listeners: &[(String, Value)], out: &mut Vec<Finding>) {
    let mut hijacked: BTreeMap<String, Vec<Proof>> = BTreeMap::new();
    for (name, l) in listeners {
        if name.starts_with("virtual") || !name.starts_with("0.0.0.0_") {
            continue;
        }
        for ch in chains(l) {
            let m = &ch["filter_chain_match"];
            if m.get("server_names").is_some() || m.get("prefix_ranges").is_some() {
                continue;
            }
            for f in ch["filters"].as_array().into_iter().flatten() {
                let Some(c) = f["typed_config"]["cluster"].as_str() else {
                    continue;
                };
                if special(c) || !c.starts_with("outbound|") {
                    continue;
                }
                hijacked.entry(c.to_string()).or_default().push(proof(
                    "config_dump",
                    format!("listener {name} catch-all filter chain"),
                    format!("tcp_proxy → {c}"),
                ));
            }
        }
    }
    // Logs: the upstream is that service while the client asked another host.
    for e in ev.logs.unwrap_or_default() {
        let (Some(c), Some(sni)) = (&e.upstream_cluster, &e.requested_server_name) else {
            continue;
        };
        let Some(host) = c.rsplit('|').next() else {
            continue;
        };
        if let Some(proofs) = hijacked.get_mut(c.as_str()) {
            if !sni.is_empty() && sni != "-" && !sni.contains(host) && !sni.starts_with("outbound_")
            {
                match proofs.iter_mut().find(|p| p.source == "access log") {
                    Some(p) => {
                        let n: u64 = p.value.trim_end_matches(" entries").parse().unwrap_or(0);
                        p.value = format!("{} entries", n + 1);
                    }
                    None => proofs.push(proof(
                        "access log",
                        format!("requested server name {sni} sent to {c}"),
                        "1 entries",
                    )),
                }
            }
        }
    }
    for (cluster, evidence) in hijacked {
        let seen = evidence.iter().any(|p| p.source == "access log");
        out.push(Finding {
            rule: "MS1011",
            severity: if seen { Severity::Error } else { Severity::Warn },
            title: format!("every unmatched connection on its port goes to {cluster}"),
            subject: cluster,
            evidence,
            meaning: "A Service without a cluster IP on this port (an ExternalName Service, or a ServiceEntry without addresses) gave the port a wildcard listener whose catch-all chain sends all other traffic on that port to it: TLS to any other host on the port reaches the wrong server and fails on SNI.",
            fix: "Give the external host a ServiceEntry with its own hosts and ports (resolution DNS), remove or rename the port of the ExternalName Service, or set `spec.ports[].name` so it is not the port other traffic uses.",
            doc: "https://istio.io/latest/docs/ops/common-problems/network-issues/",
        });
    }
}

/// MS1012: a server-first port handled by HTTP sniffing or an HTTP chain.
fn server_first(listeners: &[(String, Value)], facts: &Facts<'_>, out: &mut Vec<Finding>) {
    for (name, l) in listeners {
        let Some(p) = port(l) else { continue };
        let Some(&(_, proto)) = SERVER_FIRST.iter().find(|(sp, _)| u64::from(*sp) == p) else {
            continue;
        };
        let text = l.to_string();
        let sniffing = text.contains("envoy.filters.listener.http_inspector");
        let hcm = text.contains("envoy.filters.network.http_connection_manager");
        if !sniffing && !hcm {
            continue;
        }
        let mut evidence = vec![proof(
            "config_dump",
            format!("listener {name}"),
            match (sniffing, hcm) {
                (true, true) => {
                    "http_inspector listener filter and an http_connection_manager chain"
                }
                (true, false) => "http_inspector listener filter (protocol sniffing)",
                _ => "http_connection_manager chain",
            },
        )];
        let timeout = format!("listener.{name}.downstream_pre_cx_timeout");
        let timed_out = facts.value(&timeout) > 0;
        if timed_out {
            evidence.push(stat_proof(facts, &timeout, None));
        }
        out.push(Finding {
            rule: "MS1012",
            severity: if timed_out { Severity::Error } else { Severity::Warn },
            title: format!("port {p} ({proto}, the server speaks first) is sniffed or treated as HTTP"),
            subject: name.clone(),
            evidence,
            meaning: "With a server-first protocol the client waits for the server's greeting while Envoy waits for the client's first bytes to detect the protocol: connections hang until a timeout. It happens when the Service port has no protocol prefix, or some HTTP Service in the mesh uses the same port.",
            fix: "Name the Service port `tcp-…` (or `mysql-…`, or set `appProtocol: tcp`) on every Service using this port, and keep HTTP services off it.",
            doc: PROTOCOL_SELECTION,
        });
    }
}

/// The UpstreamTlsContext objects of a cluster (its transport socket and matches).
fn tls_contexts(c: &Value) -> Vec<&Value> {
    let mut sockets = vec![&c["transport_socket"]];
    for m in c["transport_socket_matches"]
        .as_array()
        .into_iter()
        .flatten()
    {
        sockets.push(&m["transport_socket"]);
    }
    sockets
        .into_iter()
        .map(|s| &s["typed_config"])
        .filter(|t| {
            t["@type"]
                .as_str()
                .is_some_and(|ty| ty.ends_with("UpstreamTlsContext"))
        })
        .collect()
}

/// MS1014: upstream TLS origination without `sni` (and no auto SNI).
fn sni(clusters: &[(String, Value)], facts: &Facts<'_>, out: &mut Vec<Finding>) {
    for (name, c) in clusters {
        if special(name) || !name.starts_with("outbound|") {
            continue;
        }
        let contexts = tls_contexts(c);
        if contexts.is_empty() || contexts.iter().any(|t| t.get("sni").is_some()) {
            continue;
        }
        if c.to_string().contains("\"auto_sni\":true") {
            continue;
        }
        let mut evidence = vec![proof(
            "config_dump",
            format!("cluster {name} transport_socket UpstreamTlsContext.sni"),
            "absent",
        )];
        let mut hit = false;
        let uc = facts.logged("UC", name);
        if uc > 0 {
            hit = true;
            evidence.push(log_proof(
                uc,
                &ResponseFlag::UpstreamConnectionTermination,
                name,
            ));
        }
        for stat in [
            "ssl.connection_error",
            "ssl.fail_verify_san",
            "ssl.fail_verify_error",
        ] {
            let full = format!("cluster.{name}.{stat}");
            if facts.value(&full) > 0 {
                hit = true;
                evidence.push(stat_proof(facts, &full, None));
            }
        }
        out.push(Finding {
            rule: "MS1014",
            severity: if hit { Severity::Error } else { Severity::Warn },
            title: format!("TLS to {name} is originated without an SNI"),
            subject: name.clone(),
            evidence,
            meaning: "The cluster starts TLS to its host but sets no server name: a host behind a shared front end (CDN, API gateway) answers with the wrong certificate or resets the handshake, and requests fail with 503 UC.",
            fix: "Set DestinationRule `trafficPolicy.tls.sni` to the external host name (with `tls.mode: SIMPLE`), or let the gateway pass TLS through instead of terminating it.",
            doc: "https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings",
        });
    }
}

/// MS1018: a draining proxy that still holds downstream connections.
fn draining(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence = Vec::new();
    if let Some(info) = ev.server_info.filter(|i| i.state == "DRAINING") {
        evidence.push(proof("/server_info", "state", info.state.clone()));
    }
    // server.state: 0 live, 1 draining.
    if facts.value("server.state") == 1 && evidence.is_empty() {
        evidence.push(stat_proof(facts, "server.state", None));
    }
    if evidence.is_empty() {
        return;
    }
    let mut active = 0;
    for (name, p, v) in facts.by_stat("downstream_cx_active") {
        if let StatScope::Listener {
            address,
            worker: None,
        } = p.scope
        {
            if address != "admin" && v > 0 {
                active += v;
                evidence.push(stat_proof(facts, name, None));
            }
        }
    }
    let draining = "listener_manager.total_listeners_draining";
    if facts.value(draining) > 0 {
        evidence.push(stat_proof(facts, draining, None));
    }
    out.push(Finding {
        rule: "MS1018",
        severity: if active > 0 { Severity::Warn } else { Severity::Info },
        title: format!("the proxy is draining with {active} active connections"),
        subject: "proxy".into(),
        evidence,
        meaning: "On SIGTERM pilot-agent drains Envoy for terminationDrainDuration (5 s by default) and then exits, cutting every connection still open: long requests and streams fail.",
        fix: "Set ProxyConfig `terminationDrainDuration` longer than the longest request, or `EXIT_ON_ZERO_ACTIVE_CONNECTIONS: \"true\"` in ProxyConfig `proxyMetadata` so pilot-agent waits for connections to close.",
        doc: "https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig",
    });
}
