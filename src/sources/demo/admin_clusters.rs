//! Envoy `/clusters` (text and `?format=json`) and `/listeners` of one
//! simulated proxy: the clusters and hosts of its config dump with live
//! per-host counters, health flags and circuit-breaker thresholds.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::scenario::Scenario;
use super::sim::PodSim;
use super::view::{ClusterView, HostView};

const HOST_COUNTERS: [(&str, &str); 6] = [
    ("cx_connect_fail", "upstream_cx_connect_fail"),
    ("cx_total", "upstream_cx_total"),
    ("rq_error", "upstream_rq_5xx"),
    ("rq_success", "upstream_rq_2xx"),
    ("rq_timeout", "upstream_rq_timeout"),
    ("rq_total", "upstream_rq_total"),
];
const HOST_GAUGES: [(&str, &str); 2] = [
    ("cx_active", "upstream_cx_active"),
    ("rq_active", "upstream_rq_active"),
];
const HIGH: [u64; 4] = [1024, 1024, 1024, 3];

/// `(flags text, failed_outlier_check)` of a host.
fn health(pod: &PodSim, c: &ClusterView, h: &HostView) -> (String, bool) {
    // Unhealthy ratings hosts (no-healthy-upstream) were also ejected by
    // outlier detection after their 5xx.
    let outlier = h.health != "HEALTHY" && c.name.contains("|ratings.");
    let _ = pod.has(Scenario::NoHealthyUpstream);
    let mut flags = Vec::new();
    if h.health != "HEALTHY" {
        flags.push("/failed_eds_health");
    }
    if outlier {
        flags.push("/failed_outlier_check");
    }
    if flags.is_empty() {
        ("healthy".into(), false)
    } else {
        (flags.concat(), outlier)
    }
}

/// The share of a cluster counter that host `i` of `n` carries.
fn share(total: u64, i: usize, n: usize) -> u64 {
    let n = n.max(1) as u64;
    total / n + u64::from((i as u64) < total % n)
}

fn host_addr(h: &HostView) -> String {
    if h.pipe {
        format!("unix://{}", h.address)
    } else {
        format!("{}:{}", h.address, h.port)
    }
}

/// `/clusters?format=json`.
pub(crate) fn clusters_json(pod: &PodSim) -> String {
    let clusters: Vec<Value> = pod
        .view
        .clusters
        .iter()
        .map(|c| {
            let n = c.hosts.len();
            let hosts: Vec<Value> = c
                .hosts
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let mut stats = Vec::new();
                    for (name, stat) in HOST_COUNTERS {
                        let v = share(pod.stats.get(&format!("cluster.{}.{stat}", c.name)), i, n);
                        stats.push(if v == 0 { json!({"name": name}) } else { json!({"value": v.to_string(), "name": name}) });
                    }
                    for (name, stat) in HOST_GAUGES {
                        let v = share(pod.stats.get(&format!("cluster.{}.{stat}", c.name)), i, n);
                        stats.push(if v == 0 { json!({"type": "GAUGE", "name": name}) } else { json!({"type": "GAUGE", "value": v.to_string(), "name": name}) });
                    }
                    let address = if h.pipe {
                        json!({"pipe": {"path": h.address}})
                    } else {
                        json!({"socket_address": {"address": h.address, "port_value": h.port}})
                    };
                    let (_, outlier) = health(pod, c, h);
                    let mut status = json!({"eds_health_status": h.health});
                    if outlier {
                        status["failed_outlier_check"] = json!(true);
                    }
                    let mut host = json!({"address": address, "stats": stats, "health_status": status, "weight": 1});
                    if !h.zone.is_empty() {
                        host["locality"] = json!({"region": h.region, "zone": h.zone});
                    }
                    host
                })
                .collect();
            let [mc, mp, mr, mx] = c.limits;
            let mut v = json!({
                "name": c.name,
                "observability_name": c.name,
                "circuit_breakers": {"thresholds": [
                    {"max_connections": mc, "max_pending_requests": mp, "max_requests": mr, "max_retries": mx},
                    {"priority": "HIGH", "max_connections": HIGH[0], "max_pending_requests": HIGH[1], "max_requests": HIGH[2], "max_retries": HIGH[3]},
                ]},
                "host_statuses": hosts,
            });
            if c.added_via_api {
                v["added_via_api"] = json!(true);
            }
            v
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "cluster_statuses": clusters }))
        .unwrap_or_else(|_| "{}".into())
}

/// `/clusters` text: `cluster::host::stat::value` lines.
pub(crate) fn clusters_text(pod: &PodSim) -> String {
    let mut o = String::with_capacity(64 * 1024);
    for c in &pod.view.clusters {
        let name = &c.name;
        let _ = writeln!(o, "{name}::observability_name::{name}");
        let keys = [
            "max_connections",
            "max_pending_requests",
            "max_requests",
            "max_retries",
        ];
        for (prio, limits) in [("default_priority", c.limits), ("high_priority", HIGH)] {
            for (k, v) in keys.iter().zip(limits) {
                let _ = writeln!(o, "{name}::{prio}::{k}::{v}");
            }
        }
        let _ = writeln!(o, "{name}::added_via_api::{}", c.added_via_api);
        let n = c.hosts.len();
        for (i, h) in c.hosts.iter().enumerate() {
            let a = host_addr(h);
            let mut stats: Vec<(&str, u64)> = HOST_COUNTERS
                .iter()
                .chain(HOST_GAUGES.iter())
                .map(|(k, s)| {
                    (
                        *k,
                        share(pod.stats.get(&format!("cluster.{name}.{s}")), i, n),
                    )
                })
                .collect();
            stats.sort_by_key(|(k, _)| *k);
            for (k, v) in stats {
                let _ = writeln!(o, "{name}::{a}::{k}::{v}");
            }
            let (flags, _) = health(pod, c, h);
            let _ = writeln!(o, "{name}::{a}::hostname::");
            let _ = writeln!(o, "{name}::{a}::health_flags::{flags}");
            let _ = writeln!(o, "{name}::{a}::weight::1");
            let _ = writeln!(o, "{name}::{a}::region::{}", h.region);
            let _ = writeln!(o, "{name}::{a}::zone::{}", h.zone);
            let _ = writeln!(o, "{name}::{a}::sub_zone::");
            let _ = writeln!(o, "{name}::{a}::canary::false");
            let _ = writeln!(o, "{name}::{a}::priority::0");
            let _ = writeln!(o, "{name}::{a}::success_rate::-1");
            let _ = writeln!(o, "{name}::{a}::local_origin_success_rate::-1");
        }
    }
    o
}

/// `/listeners?format=json` (or text `name::address` lines).
pub(crate) fn listeners(pod: &PodSim, json_format: bool) -> String {
    if !json_format {
        return pod
            .view
            .listeners
            .iter()
            .map(|l| format!("{}::{}:{}\n", l.name, l.address, l.port))
            .collect();
    }
    let list: Vec<Value> = pod
        .view
        .listeners
        .iter()
        .map(|l| json!({"name": l.name, "local_address": {"socket_address": {"address": l.address, "port_value": l.port}}}))
        .collect();
    serde_json::to_string_pretty(&json!({ "listener_statuses": list }))
        .unwrap_or_else(|_| "{}".into())
}
