//! Rules about routing, config and the proxy itself: no route (MS1002),
//! missing cluster (MS1003), cardinality (MS1008), rejected config (MS1009),
//! BlackHoleCluster listeners (MS1010), readiness (MS1013), worker balance
//! (MS1015), TLS errors (MS1016), draining (MS1018), certificates (MS1019),
//! warming resources (MS1020).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{log_proof, stat_proof, Evidence, Facts, Finding, Proof};
use crate::model::access_log::ResponseFlag;
use crate::model::config_dump::{Kind, State};
use crate::model::istioctl::{routes, secrets};
use crate::model::severity::Severity;
use crate::model::stats::StatScope;

const VS: &str = "https://istio.io/latest/docs/reference/config/networking/virtual-service/";

pub(super) fn run(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    no_route(facts, out);
    no_cluster(ev, facts, out);
    cardinality(ev, out);
    rejected(ev, facts, out);
    blackhole(ev, facts, out);
    not_ready(ev, facts, out);
    workers(facts, out);
    tls(facts, out);
    certificates(ev, out);
    warming(ev, out);
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

/// MS1002: `http.<prefix>.no_route` and NR in the logs.
fn no_route(facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence: Vec<Proof> = facts
        .by_stat("no_route")
        .filter(|(_, p, v)| *v > 0 && matches!(p.scope, StatScope::Http { .. }))
        .map(|(name, _, _)| stat_proof(facts, name, None))
        .collect();
    evidence.sort_by(|a, b| a.item.cmp(&b.item));
    let nr = facts.logged("NR", "");
    if nr > 0 {
        evidence.push(log_proof(nr, &ResponseFlag::NoRouteFound, ""));
    }
    if evidence.is_empty() {
        return;
    }
    out.push(Finding {
        rule: "MS1002",
        severity: Severity::Error,
        title: "requests match no route: Envoy answers 404 NR".into(),
        subject: evidence[0].item.clone(),
        evidence,
        meaning: "The request's host matched a virtual host (or none) but no route of it matched the path, method or headers, so Envoy answered 404 NR itself.",
        fix: "Check the VirtualService `http[].match` (uri prefix/exact/regex, headers) covers the path, and that its `hosts` include the name clients use; `meshscope route --host H --path P` shows which condition fails.",
        doc: VS,
    });
}

/// MS1003: routes naming clusters the proxy does not have, `no_cluster`, NC.
fn no_cluster(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut missing: BTreeMap<String, Vec<Proof>> = BTreeMap::new();
    // A dump without its clusters section (trimmed captures) cannot tell.
    if let Some(dump) = ev.dump.filter(|d| d.of(Kind::Cluster).next().is_some()) {
        let clusters: BTreeSet<&str> = dump.of(Kind::Cluster).map(|r| r.name.as_ref()).collect();
        let configs: Vec<Value> = dump
            .of(Kind::Route)
            .filter(|r| matches!(r.state, State::Active | State::Static))
            .filter_map(|r| r.raw.and_then(|raw| serde_json::from_str(raw.get()).ok()))
            .collect();
        for rc in routes::route_rows(&configs, &routes::RouteFilter::default()) {
            for r in &rc.routes {
                for c in r.clusters.iter().filter(|c| !clusters.contains(c.as_str())) {
                    missing.entry(c.clone()).or_default().push(proof(
                        "config_dump",
                        format!(
                            "route config {} virtual host {} route {}",
                            rc.name, r.vhost, r.matcher
                        ),
                        format!("cluster {c} (not in the proxy's clusters)"),
                    ));
                }
            }
        }
    }
    let counters: Vec<Proof> = facts
        .by_stat("no_cluster")
        .filter(|(_, p, v)| *v > 0 && matches!(p.scope, StatScope::Http { .. }))
        .map(|(name, _, _)| stat_proof(facts, name, None))
        .collect();
    let nc = facts.logged("NC", "");
    if missing.is_empty() && (!counters.is_empty() || nc > 0) {
        missing.insert("(unknown cluster)".into(), Vec::new());
    }
    for (cluster, mut evidence) in missing {
        evidence.truncate(5);
        evidence.extend(counters.iter().cloned());
        if nc > 0 {
            evidence.push(log_proof(nc, &ResponseFlag::NoClusterFound, ""));
        }
        let hit = !counters.is_empty() || nc > 0;
        out.push(Finding {
            rule: "MS1003",
            severity: if hit { Severity::Error } else { Severity::Warn },
            title: format!("routes send traffic to {cluster}, which this proxy does not have (503 NC)"),
            subject: cluster,
            evidence,
            meaning: "A route names a cluster that is not in the proxy's config: requests it matches get 503 NC (cluster_not_found). Usually a VirtualService routes to a DestinationRule subset that does not exist (yet), or to a host outside the Sidecar resource's egress.",
            fix: "Define the subset in the DestinationRule `subsets[]` (apply the DestinationRule before the VirtualService that uses it, remove VirtualService references before the subset), or add the host to the Sidecar `egress.hosts`.",
            doc: "https://istio.io/latest/docs/ops/best-practices/traffic-management/#avoid-503-errors-while-reconfiguring-service-routes",
        });
    }
}

/// MS1008: a label with too many values in `/stats/prometheus`.
fn cardinality(ev: &Evidence<'_>, out: &mut Vec<Finding>) {
    let Some(report) = ev.cardinality else {
        return;
    };
    for l in report.offenders().take(3) {
        out.push(Finding {
            rule: "MS1008",
            severity: if l.share > 0.2 { Severity::Error } else { Severity::Warn },
            title: format!(
                "label {} of {} has {} distinct values ({:.0}% of all series)",
                l.label,
                l.family,
                l.distinct_values,
                l.share * 100.0
            ),
            subject: format!("{}/{}", l.family, l.label),
            evidence: vec![Proof {
                source: "/stats/prometheus",
                item: format!("{}{{{}=…}}", l.family, l.label),
                value: format!(
                    "{} values, {} series, ~{} bytes; e.g. {}",
                    l.distinct_values,
                    l.series,
                    l.estimated_bytes,
                    l.examples.join(", ")
                ),
                limit: Some(format!("{} values", report.threshold)),
                rate: None,
            }],
            meaning: "Every distinct label value is a new series held in Envoy's memory: a label fed from paths, ids or tokens grows without bound until the proxy runs out of memory.",
            fix: "Remove the dimension from the Telemetry `metrics[].overrides[].tagOverrides` (or the EnvoyFilter that adds it), or rewrite it to a bounded value.",
            doc: "https://istio.io/latest/docs/reference/config/telemetry/#MetricsOverrides",
        });
    }
}

/// MS1009: xDS updates this Envoy refused (`update_rejected`, `error_state`).
fn rejected(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence: Vec<Proof> = facts
        .by_stat("update_rejected")
        .filter(|(_, _, v)| *v > 0)
        .map(|(name, _, _)| stat_proof(facts, name, None))
        .collect();
    for (name, _, v) in facts
        .by_stat("lds.update_rejected")
        .chain(facts.by_stat("cds.update_rejected"))
    {
        if v > 0 && !evidence.iter().any(|p| p.item == name) {
            evidence.push(stat_proof(facts, name, None));
        }
    }
    evidence.sort_by(|a, b| a.item.cmp(&b.item));
    if let Some(dump) = ev.dump {
        for r in dump.resources.iter().filter(|r| r.state == State::Error) {
            let detail = r
                .error
                .map(|e| e.get().chars().take(300).collect::<String>())
                .unwrap_or_default();
            evidence.push(proof(
                "config_dump",
                format!("{:?} {} error_state", r.kind, r.name),
                detail,
            ));
        }
    }
    if evidence.is_empty() {
        return;
    }
    out.push(Finding {
        rule: "MS1009",
        severity: Severity::Error,
        title: "this Envoy rejected config pushed to it".into(),
        subject: evidence[0].item.clone(),
        evidence,
        meaning: "Envoy refused an xDS update (invalid listener, cluster or route): it keeps running the last good config, so recent Istio changes are not in effect.",
        fix: "Read the error_state details; `istioctl analyze` and istiod's pilot_total_xds_rejects name the Istio resource; fix or delete the offending VirtualService, Gateway or EnvoyFilter.",
        doc: "https://istio.io/latest/docs/ops/common-problems/network-issues/",
    });
}

/// The tcp_proxy clusters of every filter chain of a listener (default chain included).
fn tcp_targets(listener: &Value) -> Vec<(String, String)> {
    let mut chains: Vec<&Value> = listener["filter_chains"]
        .as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    if listener.get("default_filter_chain").is_some() {
        chains.push(&listener["default_filter_chain"]);
    }
    let mut out = Vec::new();
    for ch in chains {
        let chain = ch["name"].as_str().unwrap_or("").to_string();
        for f in ch["filters"].as_array().into_iter().flatten() {
            if let Some(c) = f["typed_config"]["cluster"].as_str() {
                out.push((chain.clone(), c.to_string()));
            }
        }
    }
    out
}

/// MS1010: a port's listener drops unmatched traffic into BlackHoleCluster.
fn blackhole(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence = Vec::new();
    if let Some(dump) = ev.dump {
        for r in dump.of(Kind::Listener).filter(|r| r.state == State::Active) {
            // virtualOutbound/Inbound hold Istio's REGISTRY_ONLY and inbound sinks.
            if r.name.starts_with("virtual") {
                continue;
            }
            let Some(v) = r
                .raw
                .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
            else {
                continue;
            };
            for (chain, c) in tcp_targets(&v) {
                if c == "BlackHoleCluster" {
                    let chain = if chain.is_empty() {
                        "a filter chain".to_string()
                    } else {
                        chain
                    };
                    evidence.push(proof(
                        "config_dump",
                        format!("listener {} {chain}", r.name),
                        "tcp_proxy → BlackHoleCluster",
                    ));
                }
            }
        }
    }
    let mut hit = false;
    for stat in ["upstream_cx_total", "upstream_cx_none_healthy"] {
        let name = format!("cluster.BlackHoleCluster.{stat}");
        if facts.value(&name) > 0 {
            hit = true;
            evidence.push(stat_proof(facts, &name, None));
        }
    }
    let logged: u64 = ["UH", "NR"]
        .iter()
        .map(|f| facts.logged(f, "BlackHoleCluster"))
        .sum();
    if logged > 0 {
        hit = true;
        evidence.push(log_proof(
            logged,
            &ResponseFlag::NoHealthyUpstream,
            "BlackHoleCluster",
        ));
    }
    if evidence.is_empty() || (!hit && evidence.iter().all(|p| p.source != "config_dump")) {
        return;
    }
    out.push(Finding {
        rule: "MS1010",
        severity: if hit { Severity::Error } else { Severity::Warn },
        title: "traffic is dropped into BlackHoleCluster".into(),
        subject: "BlackHoleCluster".into(),
        evidence,
        meaning: "A Service in the mesh uses this port, so Istio built a listener for it whose chain for every other destination is BlackHoleCluster: connections to hosts outside the mesh on that port are silently closed (or REGISTRY_ONLY blocks an unknown host).",
        fix: "Declare the external host in a ServiceEntry with its port, or exclude it (`traffic.sidecar.istio.io/excludeOutboundIPRanges` / `excludeOutboundPorts`); with `meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY` every external host needs a ServiceEntry.",
        doc: "https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/",
    });
}

/// MS1013: not LIVE, not ready, listeners warming.
fn not_ready(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence = Vec::new();
    if let Some(info) = ev.server_info {
        if info.state != "LIVE" && info.state != "DRAINING" {
            evidence.push(proof("/server_info", "state", info.state.clone()));
        }
    }
    if let Some(code) = ev.agent_ready.filter(|&c| c != 200) {
        evidence.push(proof("15020 /healthz/ready", "status", code.to_string()));
    }
    let warming = "listener_manager.total_listeners_warming";
    if facts.value(warming) > 0 {
        evidence.push(stat_proof(facts, warming, None));
    }
    if evidence.is_empty() {
        return;
    }
    out.push(Finding {
        rule: "MS1013",
        severity: Severity::Error,
        title: "the proxy is not ready: it has no complete config yet".into(),
        subject: "proxy".into(),
        evidence,
        meaning: "Envoy has not received (or accepted) its first full config from istiod: the app's early outbound calls fail, and Kubernetes keeps the pod out of its Service.",
        fix: "Set `holdApplicationUntilProxyStarts: true` (ProxyConfig or the proxy.istio.io/config annotation) so the app waits; check the proxy reaches istiod:15012 and istiod's logs for this proxy.",
        doc: "https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig",
    });
}

/// MS1015: one worker holds most connections of a listener.
fn workers(facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut per: BTreeMap<&str, Vec<(u32, u64, &str)>> = BTreeMap::new();
    for (name, p, v) in facts.by_stat("downstream_cx_active") {
        if let StatScope::Listener {
            address,
            worker: Some(w),
        } = p.scope
        {
            per.entry(address).or_default().push((w, v, name));
        }
    }
    for (addr, ws) in per {
        let total: u64 = ws.iter().map(|w| w.1).sum();
        let Some(max) = ws.iter().max_by_key(|w| w.1) else {
            continue;
        };
        if ws.len() < 2 || total < 20 || (max.1 as f64) < 0.6 * total as f64 {
            continue;
        }
        out.push(Finding {
            rule: "MS1015",
            severity: Severity::Warn,
            title: format!("listener {addr}: worker_{} holds {} of {total} connections", max.0, max.1),
            subject: addr.to_string(),
            evidence: ws.iter().map(|w| stat_proof(facts, w.2, None)).collect(),
            meaning: "Long-lived connections (HTTP/2, gRPC) stay on the worker thread that accepted them; one thread does most of the work while the others idle.",
            fix: "Set `connection_balance_config: exact_balance` on the listener (EnvoyFilter), or have clients open more connections.",
            doc: "https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener.proto#envoy-v3-api-field-config-listener-v3-listener-connection-balance-config",
        });
    }
}

/// MS1016: TLS handshakes failing on a cluster or listener.
fn tls(facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence: Vec<Proof> = [
        "ssl.connection_error",
        "ssl.fail_verify_san",
        "ssl.fail_verify_error",
        "ssl.fail_verify_no_cert",
    ]
    .iter()
    .flat_map(|s| {
        facts
            .by_stat(s)
            .filter(|(_, _, v)| *v > 0)
            .map(|(n, _, _)| stat_proof(facts, n, None))
            .collect::<Vec<_>>()
    })
    .collect();
    if evidence.is_empty() {
        return;
    }
    evidence.sort_by(|a, b| a.item.cmp(&b.item));
    out.push(Finding {
        rule: "MS1016",
        severity: Severity::Warn,
        title: "TLS handshakes fail".into(),
        subject: evidence[0].item.clone(),
        evidence,
        meaning: "TLS connections fail or certificates do not verify: often an mTLS mismatch (a DestinationRule without `tls.mode: ISTIO_MUTUAL` overriding mesh mTLS, or a PeerAuthentication STRICT peer reached in plaintext) or a wrong SNI.",
        fix: "Check the DestinationRule `trafficPolicy.tls.mode` (ISTIO_MUTUAL inside the mesh) and `tls.sni` for external hosts, and the PeerAuthentication of the server.",
        doc: "https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/",
    });
}

/// MS1019: expired or soon expiring certificates.
fn certificates(ev: &Evidence<'_>, out: &mut Vec<Finding>) {
    let Some(dump) = ev.dump else {
        return;
    };
    for s in secrets::all_secret_items(dump, ev.now_unix) {
        let Some(left) = s.not_after_epoch.map(|t| t - ev.now_unix) else {
            continue;
        };
        let (severity, title) = if left < 0 {
            (
                Severity::Error,
                format!("certificate {} expired {}", s.name, s.not_after),
            )
        } else if left < 3600 * 2 {
            (
                Severity::Warn,
                format!("certificate {} expires in {} min", s.name, left / 60),
            )
        } else {
            continue;
        };
        out.push(Finding {
            rule: "MS1019",
            severity,
            title,
            subject: s.name.clone(),
            evidence: vec![proof("config_dump", format!("secret {} ({})", s.name, s.cert_type), format!("not after {}, serial {}", s.not_after, s.serial))],
            meaning: "Istio workload certificates last 24 h and are rotated at about half their life by pilot-agent; one this close to (or past) expiry means rotation is failing, and mTLS will break.",
            fix: "Check pilot-agent's log for CSR errors and that istiod (or the external CA) is reachable; a root CA near expiry needs the root rotation procedure.",
            doc: "https://istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/#verifying-connectivity-to-istiod",
        });
    }
}

/// MS1020: clusters, listeners or secrets stuck warming.
fn warming(ev: &Evidence<'_>, out: &mut Vec<Finding>) {
    let Some(dump) = ev.dump else {
        return;
    };
    let evidence: Vec<Proof> = dump
        .resources
        .iter()
        .filter(|r| r.state == State::Warming)
        .take(10)
        .map(|r| proof("config_dump", format!("{:?} {}", r.kind, r.name), "warming"))
        .collect();
    if evidence.is_empty() {
        return;
    }
    out.push(Finding {
        rule: "MS1020",
        severity: Severity::Warn,
        title: format!("{} resources are warming (waiting for endpoints or secrets)", evidence.len()),
        subject: evidence[0].item.clone(),
        evidence,
        meaning: "Warming resources wait for their dependencies (EDS endpoints, SDS secrets) before Envoy uses them; stuck warming means istiod never sent them, so traffic to them fails.",
        fix: "Check the Service has endpoints, the credentialName secret exists in the gateway's namespace, and istiod's logs for push errors to this proxy.",
        doc: "https://istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/",
    });
}
