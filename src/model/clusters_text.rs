//! Envoy admin `/clusters` in its default text form, read into the same
//! [`ClusterStatuses`] as `?format=json`, so a capture that saved only the
//! text (an `istioctl bug-report` does) feeds the Clusters and Endpoints
//! views and the breaker highlights.
//!
//! Every line is `CLUSTER::KEY::VALUE` (`added_via_api`, `observability_name`,
//! `eds_service_name`), `CLUSTER::default_priority|high_priority::LIMIT::N`,
//! `CLUSTER::outlier::NAME::VALUE`, or `CLUSTER::HOST::KEY::VALUE` where HOST
//! is `ip:port`, `[v6]:port` or a pipe path. Values never hold `::`, so a line
//! is split from the right.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::clusters::{
    Address, CircuitBreakers, ClusterStatus, ClusterStatuses, HealthStatus, HostStat, HostStatus,
    Pipe, SocketAddress, Thresholds,
};

/// The per-host stats Envoy reports as gauges (the rest are counters).
const HOST_GAUGES: [&str; 3] = ["cx_active", "rq_active", "rq_pending_active"];

/// Whether a body looks like text `/clusters`: its first line is
/// `NAME::observability_name::…` or `NAME::default_priority::…`.
pub fn looks_like(body: &str) -> bool {
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let parts: Vec<&str> = first.split("::").collect();
    parts.len() >= 3
        && matches!(
            parts[1],
            "observability_name" | "default_priority" | "high_priority" | "added_via_api"
        )
}

/// Parses text `/clusters`. A line that is not `A::B::C` is an error naming
/// its line number; keys this reader does not know are skipped.
pub fn parse(body: &str) -> Result<ClusterStatuses, String> {
    let mut clusters: Vec<ClusterStatus> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut hosts: HashMap<(usize, &str), usize> = HashMap::new();
    for (n, line) in body.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = || format!("/clusters (text) line {}: not CLUSTER::KEY::VALUE", n + 1);
        let (cluster, rest) = line.split_once("::").ok_or_else(bad)?;
        let (head, value) = rest.rsplit_once("::").ok_or_else(bad)?;
        let c = *index.entry(cluster).or_insert_with(|| {
            clusters.push(ClusterStatus {
                name: cluster.to_string(),
                ..ClusterStatus::default()
            });
            clusters.len() - 1
        });
        let status = &mut clusters[c];
        let (scope, key) = match head.rsplit_once("::") {
            Some((scope, key)) => (Some(scope), key),
            None => (None, head),
        };
        match scope {
            None => {
                if key == "added_via_api" {
                    status.added_via_api = value == "true";
                }
            }
            Some(p @ ("default_priority" | "high_priority")) => {
                let priority = (p == "high_priority").then(|| "HIGH".to_string());
                threshold(status, priority, key, value);
            }
            Some("outlier") => {}
            Some(host) => {
                let h = *hosts.entry((c, host)).or_insert_with(|| {
                    status.host_statuses.push(HostStatus {
                        address: address(host),
                        ..HostStatus::default()
                    });
                    status.host_statuses.len() - 1
                });
                host_field(&mut status.host_statuses[h], key, value);
            }
        }
    }
    Ok(ClusterStatuses {
        cluster_statuses: clusters,
    })
}

fn threshold(status: &mut ClusterStatus, priority: Option<String>, key: &str, value: &str) {
    let cb = status
        .circuit_breakers
        .get_or_insert_with(CircuitBreakers::default);
    let at = match cb.thresholds.iter().position(|t| t.priority == priority) {
        Some(i) => i,
        None => {
            cb.thresholds.push(Thresholds {
                priority,
                ..Thresholds::default()
            });
            cb.thresholds.len() - 1
        }
    };
    let t = &mut cb.thresholds[at];
    let v = value.parse::<u64>().ok();
    match key {
        "max_connections" => t.max_connections = v,
        "max_pending_requests" => t.max_pending_requests = v,
        "max_requests" => t.max_requests = v,
        "max_retries" => t.max_retries = v,
        _ => {}
    }
}

/// `ip:port`, `[v6]:port`, or anything else as a pipe path.
fn address(host: &str) -> Address {
    let socket = |ip: &str, port: &str| {
        port.parse::<u32>().ok().map(|port_value| SocketAddress {
            address: ip.to_string(),
            port_value,
        })
    };
    let sa = match host.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").and_then(|(ip, port)| socket(ip, port)),
        None => host
            .rsplit_once(':')
            .filter(|(ip, _)| !ip.contains(':') && !ip.contains('/'))
            .and_then(|(ip, port)| socket(ip, port)),
    };
    match sa {
        Some(sa) => Address {
            socket_address: Some(sa),
            pipe: None,
        },
        None => Address {
            socket_address: None,
            pipe: Some(Pipe {
                path: host.strip_prefix("unix://").unwrap_or(host).to_string(),
            }),
        },
    }
}

fn host_field(h: &mut HostStatus, key: &str, value: &str) {
    match key {
        "hostname" => h.hostname = (!value.is_empty()).then(|| value.to_string()),
        "health_flags" => h.health_status = health(value),
        "weight" => h.weight = value.parse().ok(),
        "region" | "zone" | "sub_zone" => {
            let loc = h.locality.get_or_insert_with(|| Value::Object(Map::new()));
            if let (Value::Object(m), false) = (loc, value.is_empty()) {
                m.insert(key.to_string(), Value::String(value.to_string()));
            }
        }
        "priority" => {
            if let Ok(p) = value.parse::<u64>() {
                if p != 0 {
                    h.extra.insert(key.to_string(), Value::from(p));
                }
            }
        }
        "success_rate" | "local_origin_success_rate" => {
            if let Ok(r) = value.parse::<f64>() {
                if r >= 0.0 {
                    let mut m = Map::new();
                    m.insert("value".into(), Value::from(r));
                    h.extra.insert(key.to_string(), Value::Object(m));
                }
            }
        }
        "canary" => {}
        stat => {
            if let Ok(v) = value.parse::<u64>() {
                h.stats.push(HostStat {
                    name: stat.to_string(),
                    value: Some(v),
                    kind: HOST_GAUGES.contains(&stat).then(|| "GAUGE".to_string()),
                });
            }
        }
    }
}

/// `healthy` or `/flag/flag…` as `envoy.admin.v3.HostHealthStatus`.
fn health(flags: &str) -> HealthStatus {
    let mut s = HealthStatus {
        eds_health_status: Some("HEALTHY".into()),
        ..HealthStatus::default()
    };
    for flag in flags.split('/').filter(|f| !f.is_empty()) {
        match flag {
            "failed_active_hc" => s.failed_active_health_check = true,
            "failed_outlier_check" => s.failed_outlier_check = true,
            "degraded_active_hc" => s.failed_active_degraded_check = true,
            "pending_dynamic_removal" => s.pending_dynamic_removal = true,
            "pending_active_hc" => s.pending_active_hc = true,
            "excluded_via_immediate_hc_fail" => s.excluded_via_immediate_hc_fail = true,
            "active_hc_timeout" => s.active_hc_timeout = true,
            "failed_eds_health" => s.eds_health_status = Some("UNHEALTHY".into()),
            "degraded_eds_health" => s.eds_health_status = Some("DEGRADED".into()),
            "eds_status_draining" => s.eds_health_status = Some("DRAINING".into()),
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
outbound|8000||httpbin.default.svc.cluster.local::observability_name::outbound|8000||httpbin.default.svc.cluster.local
outbound|8000||httpbin.default.svc.cluster.local::outlier::success_rate_average::-1
outbound|8000||httpbin.default.svc.cluster.local::default_priority::max_connections::5
outbound|8000||httpbin.default.svc.cluster.local::default_priority::max_requests::7
outbound|8000||httpbin.default.svc.cluster.local::high_priority::max_retries::3
outbound|8000||httpbin.default.svc.cluster.local::added_via_api::true
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::cx_active::2
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::rq_error::9
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::hostname::foo.local
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::health_flags::healthy
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::weight::3
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::region::us
outbound|8000||httpbin.default.svc.cluster.local::127.0.0.1:1::zone::
outbound|8000||httpbin.default.svc.cluster.local::[::1]:2::health_flags::/failed_outlier_check/eds_status_draining
outbound|8000||httpbin.default.svc.cluster.local::/tmp/sock::health_flags::/failed_active_hc
";

    #[test]
    fn text_clusters_read_like_json() {
        assert!(looks_like(TEXT));
        let cs = parse(TEXT).unwrap();
        assert_eq!(cs.cluster_statuses.len(), 1);
        let c = &cs.cluster_statuses[0];
        assert!(c.added_via_api);
        let t = c.default_thresholds().unwrap();
        assert_eq!((t.max_connections, t.max_requests), (Some(5), Some(7)));
        let hosts: Vec<String> = c.host_statuses.iter().map(HostStatus::endpoint).collect();
        assert_eq!(hosts, ["127.0.0.1:1", "::1:2", "unix:///tmp/sock"]);
        let h = &c.host_statuses[0];
        assert_eq!((h.stat("cx_active"), h.stat("rq_error")), (2, 9));
        assert_eq!(h.hostname.as_deref(), Some("foo.local"));
        assert_eq!(h.locality, Some(serde_json::json!({"region": "us"})));
        let v6 = &c.host_statuses[1].health_status;
        assert!(v6.failed_outlier_check);
        assert_eq!(v6.eds_health_status.as_deref(), Some("DRAINING"));
        assert!(c.host_statuses[2].health_status.failed_active_health_check);
    }

    #[test]
    fn a_line_without_separators_names_its_number() {
        let e = parse("a::b::c\nnot a clusters line\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(!looks_like("{\"cluster_statuses\": []}"));
    }
}
