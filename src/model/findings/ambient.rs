//! Ambient-mode findings (MS3001…): rules over one ztunnel's evidence (its
//! `/config_dump`, its 15020 metrics, its access-log lines): certificates not
//! Available or expiring, workloads pending, policy denials that need a
//! waypoint, HBONE connection failures, DNS failures. Never scenario labels.

use std::collections::{BTreeMap, HashMap};

use super::{Finding, NotChecked, Proof, Report};
use crate::model::access_log::AccessEntry;
use crate::model::severity::Severity;
use crate::model::stats::PromParser;
use crate::model::ztunnel::tables::rfc3339_secs;
use crate::model::ztunnel::{XdsLog, ZtunnelDump};

/// What one ztunnel answered; absent inputs make rules "not checked".
#[derive(Default)]
pub struct AmbientEvidence<'a> {
    /// ztunnel's `/config_dump`.
    pub dump: Option<&'a ZtunnelDump>,
    /// ztunnel's `/stats/prometheus` (port 15020), as text.
    pub metrics: Option<&'a str>,
    /// ztunnel access-log entries (those with ztunnel fields count).
    pub logs: Option<&'a [AccessEntry]>,
    /// What ztunnel's own log says about its xDS stream (NACKs, failures).
    pub xds_log: Option<&'a XdsLog>,
    /// Unix seconds now (certificate expiry).
    pub now_unix: i64,
}

/// An ambient rule: id, name, and what it reads.
#[derive(Debug, Clone, Copy)]
pub struct AmbientRule {
    /// Stable id.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Its inputs, for "not checked (needs …)".
    pub needs: &'static str,
}

/// Every ambient rule, in id order.
pub const AMBIENT_RULES: &[AmbientRule] = &[
    AmbientRule {
        id: "MS3001",
        name: "workload certificate not Available",
        needs: "ztunnel /config_dump",
    },
    AmbientRule {
        id: "MS3002",
        name: "workload certificate expired or expiring",
        needs: "ztunnel /config_dump",
    },
    AmbientRule {
        id: "MS3003",
        name: "workload pending or unhealthy in ztunnel",
        needs: "ztunnel /config_dump",
    },
    AmbientRule {
        id: "MS3004",
        name: "connections denied by policy to a workload without a waypoint",
        needs: "ztunnel access logs and /config_dump",
    },
    AmbientRule {
        id: "MS3005",
        name: "HBONE connection failures",
        needs: "ztunnel access logs or /stats/prometheus",
    },
    AmbientRule {
        id: "MS3006",
        name: "DNS proxy failures",
        needs: "ztunnel /stats/prometheus or access logs",
    },
    AmbientRule {
        id: "MS3007",
        name: "xDS config rejected by ztunnel or its stream to istiod failing",
        needs: "ztunnel logs or /stats/prometheus",
    },
];

/// A certificate expiring within this many seconds is flagged.
pub const EXPIRY_WARN_SECS: i64 = 24 * 3600;

const DOC_CERT: &str = "https://istio.io/latest/docs/ambient/usage/troubleshoot-ztunnel/";
const DOC_WAYPOINT: &str = "https://istio.io/latest/docs/ambient/usage/l7-features/";
const DOC_POLICY: &str = "https://istio.io/latest/docs/ambient/usage/l4-policy/";
const DOC_DNS: &str = "https://istio.io/latest/docs/ambient/usage/dns-proxy/";
const DOC_XDS: &str = "https://istio.io/latest/docs/ambient/usage/troubleshoot-ztunnel/";

fn proof(source: &'static str, item: impl Into<String>, value: impl Into<String>) -> Proof {
    Proof {
        source,
        item: item.into(),
        value: value.into(),
        limit: None,
        rate: None,
    }
}

/// Runs the ambient rules.
pub fn diagnose_ambient(ev: &AmbientEvidence<'_>) -> Report {
    let mut findings = Vec::new();
    let zlogs: Vec<&AccessEntry> = ev
        .logs
        .unwrap_or_default()
        .iter()
        .filter(|e| e.ztunnel.is_some())
        .collect();
    let metrics = ev.metrics.map(metric_sums);
    if let Some(d) = ev.dump {
        certificates(d, ev.now_unix, &mut findings);
        pending(d, &mut findings);
        policy_without_waypoint(d, &zlogs, &mut findings);
    }
    hbone_failures(&zlogs, metrics.as_ref(), &mut findings);
    dns_failures(&zlogs, metrics.as_ref(), &mut findings);
    xds_trouble(ev.xds_log, ev.metrics, &mut findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let has_dump = ev.dump.is_some();
    let has_logs = !zlogs.is_empty();
    let has_metrics = metrics.is_some();
    let has_xds_log = ev.xds_log.is_some_and(|l| l.seen);
    let checked = |id: &str| match id {
        "MS3001" | "MS3002" | "MS3003" => has_dump,
        "MS3004" => has_dump && has_logs,
        "MS3007" => has_xds_log || has_metrics,
        _ => has_logs || has_metrics,
    };
    let not_checked = AMBIENT_RULES
        .iter()
        .filter(|r| !checked(r.id))
        .map(|r| NotChecked {
            rule: r.id,
            name: r.name,
            needs: r.needs.to_string(),
        })
        .collect();
    Report {
        findings,
        not_checked,
    }
}

/// Sum of every sample per metric name (`istio_tcp_connections_failed_total`).
pub fn metric_sums(text: &str) -> HashMap<String, f64> {
    let mut out: HashMap<String, f64> = HashMap::new();
    for s in PromParser::new(text) {
        if s.value.is_finite() {
            *out.entry(s.name.to_string()).or_insert(0.0) += s.value;
        }
    }
    out
}

fn certificates(d: &ZtunnelDump, now: i64, out: &mut Vec<Finding>) {
    for c in &d.certificates {
        if c.state != "Available" {
            let first_line = c.state.lines().next().unwrap_or("").to_string();
            out.push(Finding {
                rule: "MS3001",
                severity: if c.state.contains("Unavailable") {
                    Severity::Error
                } else {
                    Severity::Warn
                },
                title: format!("certificate for {} is {}", c.identity, short(&first_line)),
                subject: c.identity.clone(),
                evidence: vec![proof(
                    "ztunnel config_dump",
                    "certificates[].state",
                    c.state.clone(),
                )],
                meaning: "ztunnel has no usable certificate for this identity, so its \
                    workloads cannot open or accept HBONE (mTLS) connections",
                fix: "check istiod (the CA) is reachable from ztunnel on 15012 and its logs for \
                    CSR errors; an Initializing state that lasts means the CSR never came back; \
                    check the service account exists and the trust domain matches meshConfig",
                doc: DOC_CERT,
            });
            continue;
        }
        let leaf = c.cert_chain.as_deref().and_then(|ch| ch.first());
        let Some(exp) = leaf.and_then(|l| rfc3339_secs(&l.expiration_time)) else {
            continue;
        };
        let left = exp - now;
        if left < EXPIRY_WARN_SECS {
            let (severity, what) = if left <= 0 {
                (Severity::Error, "expired".to_string())
            } else {
                (Severity::Warn, format!("expires in {}h", left / 3600))
            };
            out.push(Finding {
                rule: "MS3002",
                severity,
                title: format!("certificate for {} {what}", c.identity),
                subject: c.identity.clone(),
                evidence: vec![proof(
                    "ztunnel config_dump",
                    "certChain[0].expirationTime",
                    leaf.map(|l| l.expiration_time.clone()).unwrap_or_default(),
                )],
                meaning: "ztunnel rotates workload certificates well before expiry; one this \
                    close to (or past) expiry means rotation is failing",
                fix: "check ztunnel's log for CSR errors and that istiod's CA is healthy \
                    (istioctl zc certificate; kubectl logs -n istio-system ds/ztunnel)",
                doc: DOC_CERT,
            });
        }
    }
}

fn short(s: &str) -> String {
    cut(s, 60)
}

fn cut(s: &str, max: usize) -> String {
    let mut t: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        t.push('…');
    }
    t
}

fn pending(d: &ZtunnelDump, out: &mut Vec<Finding>) {
    for (_, s) in &d.workload_state {
        if s.state.is_empty() || s.state == "Up" {
            continue;
        }
        let who = format!("{}/{}", s.info.namespace, s.info.name);
        out.push(Finding {
            rule: "MS3003",
            severity: Severity::Warn,
            title: format!("workload {who} is {} in ztunnel", s.state),
            subject: who,
            evidence: vec![proof(
                "ztunnel config_dump",
                "workloadState[].state",
                s.state.clone(),
            )],
            meaning: "ztunnel has not started proxying this pod (no netns handed over by the \
                CNI yet, or no certificate): its traffic is not captured",
            fix: "check istio-cni on the node (kubectl logs -n istio-system ds/istio-cni-node) \
                and the pod's ambient label; restart the pod if the CNI missed it",
            doc: DOC_CERT,
        });
    }
    for w in &d.workloads {
        if w.status.is_empty() || w.status == "Healthy" {
            continue;
        }
        let who = format!("{}/{}", w.namespace, w.name);
        out.push(Finding {
            rule: "MS3003",
            severity: Severity::Warn,
            title: format!("workload {who} is {}", w.status),
            subject: who,
            evidence: vec![proof(
                "ztunnel config_dump",
                "workloads[].status",
                w.status.clone(),
            )],
            meaning: "istiod reports this workload not ready; services do not count it as a \
                healthy endpoint",
            fix: "check the pod's readiness (kubectl describe pod) and its events",
            doc: DOC_CERT,
        });
    }
}

fn is_policy_denial(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    e.contains("policy rejection") || e.contains("explicitly denied") || e.contains("none allowed")
}

fn policy_without_waypoint(d: &ZtunnelDump, logs: &[&AccessEntry], out: &mut Vec<Finding>) {
    // (namespace, workload) → (denials, an error text)
    let mut denied: BTreeMap<(String, String), (u64, String)> = BTreeMap::new();
    for e in logs {
        let Some(z) = e.ztunnel.as_deref() else {
            continue;
        };
        let Some(err) = z.error.as_deref().filter(|e| is_policy_denial(e)) else {
            continue;
        };
        let (Some(ns), Some(name)) = (z.dst_namespace.clone(), z.dst_workload.clone()) else {
            continue;
        };
        let slot = denied.entry((ns, name)).or_insert((0, err.to_string()));
        slot.0 += 1;
    }
    for ((ns, name), (n, err)) in denied {
        let Some(w) = d
            .workloads
            .iter()
            .find(|w| w.namespace == ns && w.name == name)
        else {
            continue;
        };
        if w.waypoint.is_some() {
            continue;
        }
        let policies: Vec<&str> = d
            .policies
            .iter()
            .filter(|p| p.namespace == ns || p.namespace == "istio-system")
            .map(|p| p.name.as_str())
            .collect();
        let who = format!("{ns}/{name}");
        let mut evidence = vec![
            proof(
                "ztunnel access log",
                format!("error to {who}"),
                format!("{n} connections: {err}"),
            ),
            proof(
                "ztunnel config_dump",
                format!("workloads[{who}].waypoint"),
                "none",
            ),
        ];
        if !policies.is_empty() {
            evidence.push(proof(
                "ztunnel config_dump",
                format!("policies in {ns}"),
                policies.join(", "),
            ));
        }
        out.push(Finding {
            rule: "MS3004",
            severity: Severity::Error,
            title: format!("ztunnel denies connections to {who}, which has no waypoint"),
            subject: who,
            evidence,
            meaning: "ztunnel enforces only L4 policy; an AuthorizationPolicy with L7 rules \
                (methods, paths, headers) reaches it without them, so an ALLOW policy allows \
                nothing and connections are reset",
            fix: "deploy a waypoint (istioctl waypoint apply -n NS --enroll-namespace) or label \
                the workload/service istio.io/use-waypoint, then bind the L7 policy to it with \
                targetRefs (kind: Service or Gateway) instead of a selector",
            doc: DOC_WAYPOINT,
        });
    }
}

fn hbone_failures(
    logs: &[&AccessEntry],
    metrics: Option<&HashMap<String, f64>>,
    out: &mut Vec<Finding>,
) {
    let mut by_dst: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for e in logs {
        let Some(z) = e.ztunnel.as_deref() else {
            continue;
        };
        let Some(err) = z.error.as_deref() else {
            continue;
        };
        if is_policy_denial(err) || err.to_ascii_lowercase().contains("dns") {
            continue;
        }
        let dst = z
            .dst_service
            .clone()
            .or_else(|| z.dst_workload.clone())
            .or_else(|| z.dst_addr.clone())
            .unwrap_or_else(|| "-".to_string());
        let slot = by_dst.entry(dst).or_insert((0, err.to_string()));
        slot.0 += 1;
    }
    let failed = metrics
        .and_then(|m| m.get("istio_tcp_connections_failed_total"))
        .copied()
        .unwrap_or(0.0);
    for (dst, (n, err)) in &by_dst {
        let mut evidence = vec![proof(
            "ztunnel access log",
            format!("error to {dst}"),
            format!("{n} connections: {err}"),
        )];
        if failed > 0.0 {
            evidence.push(proof(
                "/stats/prometheus",
                "istio_tcp_connections_failed_total",
                format!("{failed}"),
            ));
        }
        out.push(hbone_finding(dst.clone(), evidence));
    }
    if by_dst.is_empty() && failed > 0.0 {
        out.push(hbone_finding(
            "ztunnel".to_string(),
            vec![proof(
                "/stats/prometheus",
                "istio_tcp_connections_failed_total",
                format!("{failed}"),
            )],
        ));
    }
}

fn hbone_finding(subject: String, evidence: Vec<Proof>) -> Finding {
    Finding {
        rule: "MS3005",
        severity: Severity::Error,
        title: format!("HBONE connections to {subject} fail"),
        subject,
        evidence,
        meaning: "ztunnel could not open the HBONE tunnel (port 15008) or the connection to \
            the destination: the peer ztunnel or waypoint is unreachable, refuses, or the \
            destination pod is gone",
        fix: "check the destination's ztunnel/waypoint is running and that NetworkPolicy \
            allows port 15008 between nodes; compare `meshscope zc workload` on both nodes",
        doc: DOC_POLICY,
    }
}

fn dns_failures(
    logs: &[&AccessEntry],
    metrics: Option<&HashMap<String, f64>>,
    out: &mut Vec<Finding>,
) {
    let mut evidence = Vec::new();
    let get = |k: &str| metrics.and_then(|m| m.get(k)).copied().unwrap_or(0.0);
    let failures = get("istio_dns_upstream_failures_total");
    if failures > 0.0 {
        evidence.push(proof(
            "/stats/prometheus",
            "istio_dns_upstream_failures_total",
            format!("{failures}"),
        ));
        let requests = get("istio_dns_requests_total");
        if requests > 0.0 {
            evidence.push(proof(
                "/stats/prometheus",
                "istio_dns_requests_total",
                format!("{requests}"),
            ));
        }
    }
    let dns_errors: Vec<&str> = logs
        .iter()
        .filter_map(|e| e.ztunnel.as_deref()?.error.as_deref())
        .filter(|err| err.to_ascii_lowercase().contains("dns"))
        .collect();
    if let Some(first) = dns_errors.first() {
        evidence.push(proof(
            "ztunnel access log",
            "error",
            format!("{} connections: {first}", dns_errors.len()),
        ));
    }
    if evidence.is_empty() {
        return;
    }
    out.push(Finding {
        rule: "MS3006",
        severity: Severity::Warn,
        title: "ztunnel's DNS proxy fails to resolve names".to_string(),
        subject: "dns".to_string(),
        evidence,
        meaning: "the DNS proxy forwarded queries it could not answer from the mesh registry \
            and the upstream resolver failed (or the name does not exist)",
        fix: "check kube-dns/CoreDNS is healthy and reachable from ztunnel; for external \
            names add a ServiceEntry; check meshConfig.defaultConfig.proxyMetadata \
            ISTIO_META_DNS_CAPTURE",
        doc: DOC_DNS,
    });
}

/// `istio_xds_connection_terminations` by reason (`Error`, `ConnectionError`, …).
fn terminations(metrics: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for s in PromParser::new(metrics) {
        let name = s.name.trim_end_matches("_total");
        if name != "istio_xds_connection_terminations" || !s.value.is_finite() {
            continue;
        }
        let reason = s.labels.get("reason").unwrap_or_default();
        *out.entry(reason.into_owned()).or_insert(0.0) += s.value;
    }
    out
}

const XDS_MEANING_NACK: &str = "ztunnel refused part of what istiod pushed (a NACK): it keeps \
    its previous view of those workloads, services or policies, so new pods, moved IPs or \
    policy changes do not reach this node";
const XDS_FIX_NACK: &str = "read the error for the resource named; `meshscope istiod` (or \
    pilot_total_xds_rejects on istiod) shows the same rejection; a version skew between \
    istiod and ztunnel is the usual cause: upgrade them together";
const XDS_MEANING_DOWN: &str = "ztunnel cannot keep its xDS stream to istiod (port 15012): \
    while it is down, workload, service and policy changes do not reach this node, and \
    after a restart the node has no config at all";
const XDS_FIX_DOWN: &str = "check istiod is running and reachable from the node on 15012 \
    (DNS for istiod.istio-system.svc, NetworkPolicy, the CA certificate ztunnel trusts); \
    the error text says which (dns error, connection refused, certificate)";

fn xds_trouble(log: Option<&XdsLog>, metrics: Option<&str>, out: &mut Vec<Finding>) {
    let log = log.filter(|l| l.seen);
    if let Some(log) = log {
        let mut by_type: BTreeMap<&str, Vec<&crate::model::ztunnel::XdsNack>> = BTreeMap::new();
        for n in &log.nacks {
            by_type.entry(n.type_url.as_str()).or_default().push(n);
        }
        for (type_url, nacks) in by_type {
            let Some(last) = nacks.last() else { continue };
            let short_type = type_url.rsplit('/').next().unwrap_or(type_url);
            out.push(Finding {
                rule: "MS3007",
                severity: Severity::Error,
                title: format!(
                    "ztunnel rejected {} {short_type} update(s) from istiod",
                    nacks.len()
                ),
                subject: short_type.to_string(),
                evidence: vec![proof(
                    "ztunnel log",
                    format!("sending response type=Nack type_url={type_url}"),
                    format!("{}: {}", last.time, cut(&last.error, 200)),
                )],
                meaning: XDS_MEANING_NACK,
                fix: XDS_FIX_NACK,
                doc: DOC_XDS,
            });
        }
        if let Some((time, error)) = &log.last_error {
            let (severity, title) = if log.recovered {
                (
                    Severity::Info,
                    format!(
                        "ztunnel's xDS stream failed {} time(s), then came up",
                        log.connection_errors
                    ),
                )
            } else {
                (
                    Severity::Error,
                    "ztunnel's xDS stream to istiod is down".to_string(),
                )
            };
            out.push(Finding {
                rule: "MS3007",
                severity,
                title,
                subject: "xds".to_string(),
                evidence: vec![proof(
                    "ztunnel log",
                    "ztunnel::xds::client",
                    format!(
                        "{} failure(s), the last at {time}: {}",
                        log.connection_errors,
                        cut(error, 200)
                    ),
                )],
                meaning: XDS_MEANING_DOWN,
                fix: XDS_FIX_DOWN,
                doc: DOC_XDS,
            });
            return;
        }
    }
    // Without a log, the terminations counter says the stream broke, not whether it is back.
    let Some(metrics) = metrics else { return };
    let t = terminations(metrics);
    let failed: f64 = ["Error", "ConnectionError"]
        .iter()
        .filter_map(|r| t.get(*r))
        .sum();
    if failed > 0.0 {
        out.push(Finding {
            rule: "MS3007",
            severity: Severity::Warn,
            title: format!(
                "ztunnel's xDS stream to istiod broke {failed} time(s) since it started"
            ),
            subject: "xds".to_string(),
            evidence: t
                .iter()
                .filter(|(r, _)| matches!(r.as_str(), "Error" | "ConnectionError"))
                .map(|(r, v)| {
                    proof(
                        "/stats/prometheus",
                        format!("istio_xds_connection_terminations_total{{reason=\"{r}\"}}"),
                        format!("{v}"),
                    )
                })
                .collect(),
            meaning: XDS_MEANING_DOWN,
            fix: XDS_FIX_DOWN,
            doc: DOC_XDS,
        });
    }
}

#[cfg(test)]
#[path = "ambient_tests.rs"]
mod tests;
