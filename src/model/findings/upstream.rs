//! Rules about upstream traffic, per cluster: breaker overflows (MS1001),
//! no healthy host (MS1004), connect failures (MS1005), resets (MS1006),
//! outlier ejections (MS1021), failing active health checks (MS1022).

use super::{log_proof, stat_proof, Evidence, Facts, Finding, Proof};
use crate::model::access_log::ResponseFlag;
use crate::model::clusters::ClusterStatus;
use crate::model::severity::Severity;
use crate::model::stats::StatScope;

const DR_POOL: &str = "https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings";
const DR_OUTLIER: &str =
    "https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection";
const RESPONSE_FLAGS: &str =
    "https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags";

/// Clusters that are Istio's own sinks; their rules live in config.rs.
fn special(cluster: &str) -> bool {
    matches!(cluster, "BlackHoleCluster" | "PassthroughCluster")
        || cluster.starts_with("InboundPassthroughCluster")
}

pub(super) fn run(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    breaker(ev, facts, out);
    no_healthy(ev, facts, out);
    counted(
        facts,
        out,
        Counted {
            rule: "MS1005",
            stat: "upstream_cx_connect_fail",
            flag: ResponseFlag::UpstreamConnectionFailure,
            title: "connections to the upstream fail",
            meaning: "Envoy could not open a TCP connection to the upstream host (refused, unreachable or timed out): requests get 503 UF. Usually the app does not listen on that port, listens on the pod IP instead of 0.0.0.0, or a NetworkPolicy drops it.",
            fix: "Check the app listens on 0.0.0.0 at the Service's targetPort; check NetworkPolicies; for slow starts set `holdApplicationUntilProxyStarts` or readiness probes; DestinationRule `trafficPolicy.connectionPool.tcp.connectTimeout` if connects are merely slow.",
            doc: RESPONSE_FLAGS,
        },
    );
    counted(
        facts,
        out,
        Counted {
            rule: "MS1006",
            stat: "upstream_cx_destroy_remote_with_active_rq",
            flag: ResponseFlag::UpstreamConnectionTermination,
            title: "the upstream closes connections with requests in flight",
            meaning: "The upstream closed a pooled connection while a request was on it (503 UC, upstream_reset_before_response_started{connection_termination}): typically the app's keep-alive timeout is shorter than Envoy's idle timeout, or an mTLS mismatch ends the connection.",
            fix: "Raise the app's keep-alive timeout above Envoy's (Node.js `server.keepAliveTimeout`), or lower DestinationRule `trafficPolicy.connectionPool.http.idleTimeout`; add `reset` to the VirtualService `retries.retryOn`; check the DestinationRule `tls.mode` matches the peer.",
            doc: RESPONSE_FLAGS,
        },
    );
    outliers(ev, facts, out);
}

/// MS1001: a breaker limit rejects requests (503 UO).
fn breaker(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    const OVERFLOWS: &[(&str, &str)] = &[
        ("upstream_rq_pending_overflow", "max_pending_requests"),
        ("upstream_cx_overflow", "max_connections"),
        ("upstream_rq_retry_overflow", "max_retries"),
    ];
    let mut per_cluster: std::collections::BTreeMap<&str, Vec<Proof>> = Default::default();
    for (stat, limit_name) in OVERFLOWS {
        for (name, parsed, v) in facts.by_stat(stat) {
            let StatScope::Cluster { name: cluster } = parsed.scope else {
                continue;
            };
            if v == 0 || special(cluster) {
                continue;
            }
            let limit = runtime(ev, cluster)
                .and_then(|c| c.default_thresholds())
                .and_then(|t| match *limit_name {
                    "max_pending_requests" => t.max_pending_requests,
                    "max_connections" => t.max_connections,
                    _ => t.max_retries,
                })
                .map(|l| format!("{limit_name} {l}"));
            per_cluster
                .entry(cluster)
                .or_default()
                .push(stat_proof(facts, name, limit));
        }
    }
    for (cluster, mut evidence) in per_cluster {
        let uo = facts.logged("UO", cluster);
        if uo > 0 {
            evidence.push(log_proof(uo, &ResponseFlag::UpstreamOverflow, cluster));
        }
        out.push(Finding {
            rule: "MS1001",
            severity: Severity::Error,
            title: format!("circuit breaker overflow on {cluster}: requests rejected with 503 UO"),
            subject: cluster.to_string(),
            evidence,
            meaning: "The cluster's circuit-breaker limits (connections, pending requests or retries) are full, so Envoy rejects new requests at once with 503 UO instead of queueing them.",
            fix: "Raise the DestinationRule `trafficPolicy.connectionPool.tcp.maxConnections` / `http.http1MaxPendingRequests` / `http.maxRetries` for this host, or add capacity upstream; the limits shown are the ones in force.",
            doc: DR_POOL,
        });
    }
}

fn runtime<'e>(ev: &'e Evidence<'_>, cluster: &str) -> Option<&'e ClusterStatus> {
    ev.clusters?
        .cluster_statuses
        .iter()
        .find(|c| c.name == cluster)
}

/// MS1004 (no routable host) and MS1022 (hosts failing active health checks).
fn no_healthy(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    if let Some(cs) = ev.clusters {
        for c in &cs.cluster_statuses {
            if special(&c.name) || c.host_statuses.is_empty() {
                continue;
            }
            let hc_failed: Vec<String> = c
                .host_statuses
                .iter()
                .filter(|h| h.health_status.failed_active_health_check)
                .map(|h| h.endpoint())
                .collect();
            let healthy = c
                .host_statuses
                .iter()
                .filter(|h| h.health_status.effective() == "HEALTHY")
                .count();
            if healthy == 0 {
                let name = format!("cluster.{}.upstream_cx_none_healthy", c.name);
                let mut evidence = vec![Proof {
                    source: "/clusters",
                    item: format!("{} hosts", c.name),
                    value: format!("{healthy} of {} healthy", c.host_statuses.len()),
                    limit: None,
                    rate: None,
                }];
                if facts.value(&name) > 0 {
                    evidence.push(stat_proof(facts, &name, None));
                }
                let uh = facts.logged("UH", &c.name);
                if uh > 0 {
                    evidence.push(log_proof(uh, &ResponseFlag::NoHealthyUpstream, &c.name));
                }
                out.push(Finding {
                    rule: "MS1004",
                    severity: Severity::Error,
                    title: format!("no healthy host in {}: requests get 503 UH", c.name),
                    subject: c.name.clone(),
                    evidence,
                    meaning: "Every host of the cluster is unhealthy (failed health checks, ejected, or not ready in EDS), so Envoy has nowhere to send requests and answers 503 UH.",
                    fix: "Look at the pods behind the Service (`kubectl get endpoints`, readiness); the health flags in the Endpoints view say why each host is out. Istio disables Envoy's panic mode, so one healthy host is enough to recover.",
                    doc: RESPONSE_FLAGS,
                });
            }
            if !hc_failed.is_empty() {
                let mut ev2 = vec![Proof {
                    source: "/clusters",
                    item: format!("{} health_flags failed_active_health_check", c.name),
                    value: hc_failed.join(", "),
                    limit: None,
                    rate: None,
                }];
                let hc = format!("cluster.{}.health_check.failure", c.name);
                if facts.value(&hc) > 0 {
                    ev2.push(stat_proof(facts, &hc, None));
                }
                out.push(Finding {
                    rule: "MS1022",
                    severity: if healthy == 0 { Severity::Error } else { Severity::Warn },
                    title: format!(
                        "{} of {} hosts of {} fail active health checks",
                        hc_failed.len(),
                        c.host_statuses.len(),
                        c.name
                    ),
                    subject: c.name.clone(),
                    evidence: ev2,
                    meaning: "The cluster's active health check (health_checks) fails on these hosts, so Envoy takes them out of load balancing until a check passes.",
                    fix: "Check the health-check path and port answer 200 on the app; if the check itself is wrong, fix the EnvoyFilter or DestinationRule that added it.",
                    doc: "https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/health_checking",
                });
            }
        }
        return;
    }
    // Without /clusters, the counter alone still proves it.
    for (name, parsed, v) in facts.by_stat("upstream_cx_none_healthy") {
        let StatScope::Cluster { name: cluster } = parsed.scope else {
            continue;
        };
        if v == 0 || special(cluster) {
            continue;
        }
        let mut evidence = vec![stat_proof(facts, name, None)];
        let uh = facts.logged("UH", cluster);
        if uh > 0 {
            evidence.push(log_proof(uh, &ResponseFlag::NoHealthyUpstream, cluster));
        }
        out.push(Finding {
            rule: "MS1004",
            severity: Severity::Error,
            title: format!("no healthy host in {cluster}: requests got 503 UH"),
            subject: cluster.to_string(),
            evidence,
            meaning: "Requests found no healthy host in the cluster and were answered 503 UH.",
            fix: "Look at the pods behind the Service and their readiness; /clusters shows each host's health flags.",
            doc: RESPONSE_FLAGS,
        });
    }
}

struct Counted {
    rule: &'static str,
    stat: &'static str,
    flag: ResponseFlag,
    title: &'static str,
    meaning: &'static str,
    fix: &'static str,
    doc: &'static str,
}

/// A per-cluster counter (and its response flag in the logs) that means failing requests.
fn counted(facts: &Facts<'_>, out: &mut Vec<Finding>, c: Counted) {
    let mut clusters: Vec<(String, Vec<Proof>)> = Vec::new();
    for (name, parsed, v) in facts.by_stat(c.stat) {
        let StatScope::Cluster { name: cluster } = parsed.scope else {
            continue;
        };
        if v > 0 && !special(cluster) {
            clusters.push((cluster.to_string(), vec![stat_proof(facts, name, None)]));
        }
    }
    clusters.sort_by(|a, b| a.0.cmp(&b.0));
    for (cluster, mut evidence) in clusters {
        let n = facts.logged(c.flag.short(), &cluster);
        if n > 0 {
            evidence.push(log_proof(n, &c.flag, &cluster));
        }
        out.push(Finding {
            rule: c.rule,
            severity: Severity::Error,
            title: format!("{} ({}) on {cluster}", c.title, c.flag.short()),
            subject: cluster,
            evidence,
            meaning: c.meaning,
            fix: c.fix,
            doc: c.doc,
        });
    }
}

/// MS1021: hosts ejected by outlier detection.
fn outliers(ev: &Evidence<'_>, facts: &Facts<'_>, out: &mut Vec<Finding>) {
    let mut by_cluster: std::collections::BTreeMap<String, Vec<Proof>> = Default::default();
    if let Some(cs) = ev.clusters {
        for c in &cs.cluster_statuses {
            let ejected: Vec<String> = c
                .host_statuses
                .iter()
                .filter(|h| h.health_status.failed_outlier_check)
                .map(|h| h.endpoint())
                .collect();
            if !ejected.is_empty() {
                by_cluster.entry(c.name.clone()).or_default().push(Proof {
                    source: "/clusters",
                    item: format!("{} health_flags failed_outlier_check", c.name),
                    value: ejected.join(", "),
                    limit: None,
                    rate: None,
                });
            }
        }
    }
    for (name, parsed, v) in facts.by_stat("outlier_detection.ejections_active") {
        let StatScope::Cluster { name: cluster } = parsed.scope else {
            continue;
        };
        if v > 0 {
            by_cluster
                .entry(cluster.to_string())
                .or_default()
                .push(stat_proof(facts, name, None));
        }
    }
    for (cluster, mut evidence) in by_cluster {
        let total = format!("cluster.{cluster}.outlier_detection.ejections_enforced_total");
        if facts.value(&total) > 0 {
            evidence.push(stat_proof(facts, &total, None));
        }
        out.push(Finding {
            rule: "MS1021",
            severity: Severity::Warn,
            title: format!("hosts of {cluster} ejected by outlier detection"),
            subject: cluster,
            evidence,
            meaning: "Outlier detection saw consecutive errors from these hosts and ejected them for a while; traffic goes to the others, which may overload them.",
            fix: "Find out why the ejected replica fails (its logs, its readiness); tune DestinationRule `trafficPolicy.outlierDetection` (consecutive5xxErrors, baseEjectionTime, maxEjectionPercent) only once the replica is fixed.",
            doc: DR_OUTLIER,
        });
    }
}
