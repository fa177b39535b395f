//! Rules that compare the proxy with istiod's view of it: stale xDS (MS1017,
//! syncz nonces, `control_plane.connected_state`, last update age), Gateway
//! ports istiod built no listener for (MS1023) and config drift between
//! istiod's `/debug/config_dump?proxyID=` and the proxy's own (MS1024).

use serde_json::Value;

use super::{stat_proof, Evidence, Facts, Finding, Proof};
use crate::model::config_dump::{ConfigDump, Kind, State};
use crate::model::istiod::{diff_configs, ConfigItem, SyncState};
use crate::model::severity::Severity;

/// Most resources named in a drift finding.
const MAX_NAMED: usize = 8;

pub(super) fn run(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    stale(ev, facts, out);
    gateway_ports(ev, out);
    drift(ev, out);
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

/// MS1017: pushes not acknowledged, or the proxy cut off from istiod.
fn stale(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut evidence = Vec::new();
    let mut severity = Severity::Warn;
    if let Some(s) = ev.sync {
        for (kind, state) in [
            ("CDS", &s.cds),
            ("LDS", &s.lds),
            ("EDS", &s.eds),
            ("RDS", &s.rds),
            ("ECDS", &s.ecds),
        ] {
            if state.is_problem() {
                if matches!(state, SyncState::StaleNeverAcknowledged | SyncState::Error) {
                    severity = Severity::Error;
                }
                evidence.push(proof(
                    "istiod /debug/syncz",
                    format!("{} {kind}", s.name),
                    state.to_string(),
                ));
            }
        }
    }
    let connected = "control_plane.connected_state";
    if facts.by_stat(connected).next().is_some() && facts.value(connected) == 0 {
        severity = Severity::Error;
        evidence.push(proof("/stats", connected, "0 (not connected to istiod)"));
    }
    if evidence.is_empty() {
        return;
    }
    // How old the proxy's config is, from the subscriptions' update_time (ms).
    for stat in [
        "cluster_manager.cds.update_time",
        "listener_manager.lds.update_time",
    ] {
        let ms = facts.value(stat);
        if ms > 0 && ev.now_unix > 0 {
            let age = ev.now_unix - (ms / 1000) as i64;
            let mut p = stat_proof(facts, stat, None);
            p.value = format!("{ms} ({age} s ago)");
            evidence.push(p);
        }
    }
    for stat in [
        "cluster_manager.cds.update_failure",
        "listener_manager.lds.update_failure",
    ] {
        if facts.value(stat) > 0 {
            evidence.push(stat_proof(facts, stat, None));
        }
    }
    out.push(Finding {
        rule: "MS1017",
        severity,
        title: "the proxy's xDS config is stale: istiod's pushes are not acknowledged".into(),
        subject: ev.sync.map_or_else(|| "proxy".to_string(), |s| s.name.clone()),
        evidence,
        meaning: "istiod sent config this proxy has not acknowledged (it rejected it, is overloaded, or lost its connection to istiod): the proxy runs older config than the mesh's, and recent changes are not in effect on it.",
        fix: "Check the proxy reaches istiod:15012 and pilot-agent's log for xDS errors; a NACK shows as update_rejected (MS1009) with the offending resource; istiod's pilot_xds_push_time and pilot_proxy_convergence_time say whether istiod itself is slow.",
        doc: "https://istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/",
    });
}

/// Whether the dump is from a gateway (`router~` node id).
pub(super) fn is_gateway(dump: &ConfigDump<'_>) -> bool {
    dump.bootstrap
        .as_ref()
        .and_then(|b| serde_json::from_str::<Value>(b.raw.get()).ok())
        .and_then(|b| node(&b, "/id").and_then(Value::as_str).map(str::to_string))
        .is_some_and(|id| id.starts_with("router~"))
}

/// The gateway's labels from its node metadata.
fn labels(dump: &ConfigDump<'_>) -> Option<serde_json::Map<String, Value>> {
    let b: Value = serde_json::from_str(dump.bootstrap.as_ref()?.raw.get()).ok()?;
    node(&b, "/metadata/LABELS")?.as_object().cloned()
}

/// A field of the bootstrap's node (the section or the bootstrap itself).
fn node<'v>(b: &'v Value, path: &str) -> Option<&'v Value> {
    b.pointer(&format!("/node{path}"))
        .or_else(|| b.pointer(&format!("/bootstrap/node{path}")))
}

/// MS1023: a Gateway server port with no listener on this gateway.
fn gateway_ports(ev: &Evidence<'_>, out: &mut Vec<Finding>) {
    let (Some(dump), Some(objects)) = (ev.dump, ev.istio_config) else {
        return;
    };
    if !is_gateway(dump) {
        return;
    }
    let labels = labels(dump);
    let ports: Vec<u64> = dump
        .of(Kind::Listener)
        .filter(|r| matches!(r.state, State::Active | State::Warming | State::Static))
        .filter_map(|r| r.name.rsplit('_').next()?.parse().ok())
        .collect();
    for o in objects.iter().filter(|o| o["kind"] == "Gateway") {
        let selector = o.pointer("/spec/selector").and_then(Value::as_object);
        let selected = match (selector, &labels) {
            (Some(sel), Some(l)) => sel.iter().all(|(k, v)| l.get(k) == Some(v)),
            _ => true,
        };
        if !selected {
            continue;
        }
        let gw = format!(
            "{}/{}",
            o.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default"),
            o.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?")
        );
        for s in o
            .pointer("/spec/servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(p) = s.pointer("/port/number").and_then(Value::as_u64) else {
                continue;
            };
            // Istio's gateway charts map privileged ports to p + 8000 (80 → 8080).
            let served = ports.contains(&p) || (p < 1024 && ports.contains(&(p + 8000)));
            if served {
                continue;
            }
            let proto = s
                .pointer("/port/protocol")
                .and_then(Value::as_str)
                .unwrap_or("?");
            out.push(Finding {
                rule: "MS1023",
                severity: Severity::Warn,
                title: format!("Gateway {gw} declares {proto} port {p}, but this gateway has no listener for it"),
                subject: format!("{gw} port {p}"),
                evidence: vec![
                    proof("istiod /debug/configz", format!("Gateway {gw} servers[].port"), format!("{p} {proto}")),
                    proof("config_dump", "listeners on port", format!("{p} absent (have {})", list(&ports))),
                ],
                meaning: "istiod builds a gateway listener only when some route binds to the Gateway server: with no VirtualService for this port it skips it (\"must have more than 0 chains\"), and connections to the port are refused.",
                fix: "Add a VirtualService with `gateways: [the Gateway]` and a `tcp`/`tls`/`http` route for this port, or remove the server from the Gateway.",
                doc: "https://istio.io/latest/docs/reference/config/networking/gateway/",
            });
        }
    }
}

fn list(ports: &[u64]) -> String {
    let mut p = ports.to_vec();
    p.sort_unstable();
    p.dedup();
    p.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// Active clusters, listeners and routes as diff items.
fn items<'d>(dump: &'d ConfigDump<'_>) -> Vec<ConfigItem<'d>> {
    dump.resources
        .iter()
        .filter(|r| r.state == State::Active)
        .filter_map(|r| {
            let kind = match r.kind {
                Kind::Cluster => "cluster",
                Kind::Listener => "listener",
                Kind::Route => "route",
                _ => return None,
            };
            Some(ConfigItem {
                kind,
                name: r.name.as_ref(),
                json: r.raw?.get(),
            })
        })
        .collect()
}

/// MS1024: what istiod would send differs from what the proxy holds.
fn drift(ev: &Evidence<'_>, out: &mut Vec<Finding>) {
    let (Some(envoy), Some(istiod)) = (ev.dump, ev.istiod_dump) else {
        return;
    };
    let d = diff_configs(&items(istiod), &items(envoy));
    if d.only_istiod.is_empty() && d.only_envoy.is_empty() && d.differing.is_empty() {
        return;
    }
    let names = |keys: &mut dyn Iterator<Item = String>| {
        let v: Vec<String> = keys.take(MAX_NAMED).collect();
        v.join(", ")
    };
    let mut evidence = Vec::new();
    if !d.only_istiod.is_empty() {
        evidence.push(proof(
            "istiod /debug/config_dump?proxyID=",
            format!(
                "{} resources istiod sends that the proxy lacks",
                d.only_istiod.len()
            ),
            names(
                &mut d
                    .only_istiod
                    .iter()
                    .map(|k| format!("{} {}", k.kind, k.name)),
            ),
        ));
    }
    if !d.only_envoy.is_empty() {
        evidence.push(proof(
            "config_dump",
            format!(
                "{} resources the proxy holds that istiod no longer sends",
                d.only_envoy.len()
            ),
            names(
                &mut d
                    .only_envoy
                    .iter()
                    .map(|k| format!("{} {}", k.kind, k.name)),
            ),
        ));
    }
    if !d.differing.is_empty() {
        evidence.push(proof(
            "config_dump",
            format!("{} resources differ from istiod's", d.differing.len()),
            names(&mut d.differing.iter().map(|x| {
                format!(
                    "{} {} at {}",
                    x.key.kind,
                    x.key.name,
                    x.paths.first().map_or("", String::as_str)
                )
            })),
        ));
    }
    let n = d.only_istiod.len() + d.only_envoy.len() + d.differing.len();
    out.push(Finding {
        rule: "MS1024",
        severity: Severity::Warn,
        title: format!("{n} resources differ between istiod's view and the proxy's config"),
        subject: "proxy".into(),
        evidence,
        meaning: "The proxy does not run the config istiod computes for it: a push was rejected (see MS1009), is not acknowledged yet (MS1017), or the proxy is connected to another istiod with different state.",
        fix: "Compare with `istioctl proxy-config … -o json` against `istioctl x proxy-status <pod>`; fix the rejected resource, or restart the proxy if it stays out of sync after istiod pushes again.",
        doc: "https://istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/#deep-dive-into-envoy-configuration",
    });
}
