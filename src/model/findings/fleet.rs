//! The fleet view of the doctor, pure: each target's report, the findings
//! grouped by rule ("MS1001 circuit breaker overflow on 3 sidecars: a, b, c"),
//! and the fleet rule MS2001: replicas of one app whose config differs.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::{rule_info, Report};
use crate::model::config_dump::{ConfigDump, Kind, State};
use crate::model::istiod::canonical;
use crate::model::severity::Severity;

/// Sidecars a fleet scan probes at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What scanning one target gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The rules ran.
    Checked {
        /// The findings.
        report: Report,
        /// A fingerprint of its config (clusters, listeners, routes) for MS2001.
        #[serde(skip)]
        fingerprint: Option<u64>,
    },
    /// It could not be read (connection, timeout, unreadable dump).
    Failed {
        /// Why.
        error: String,
    },
}

/// One target of the scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetReport {
    /// `namespace/name`.
    pub pod: String,
    /// Its `app` label.
    pub app: String,
    /// Its workload (the Deployment: the pod name without its two hash parts).
    pub workload: String,
    /// What the scan found.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl TargetReport {
    /// The worst severity: a failed probe counts as an error.
    pub fn worst(&self) -> Severity {
        match &self.outcome {
            Outcome::Checked { report, .. } => report.worst(),
            Outcome::Failed { .. } => Severity::Error,
        }
    }
}

/// The sidecars one rule fired on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleGroup {
    /// Rule id.
    pub rule: String,
    /// Rule name.
    pub name: String,
    /// The worst severity among them.
    pub severity: Severity,
    /// The pods, sorted.
    pub pods: Vec<String>,
}

impl RuleGroup {
    /// `MS1001 circuit breaker overflow on 3 sidecars: a, b, c`.
    pub fn summary(&self) -> String {
        let n = self.pods.len();
        format!(
            "{} {} on {n} sidecar{}: {}",
            self.rule,
            self.name,
            if n == 1 { "" } else { "s" },
            self.pods.join(", ")
        )
    }
}

/// Groups findings by rule, worst first, then by how many pods.
pub fn group(targets: &[TargetReport]) -> Vec<RuleGroup> {
    let mut by: BTreeMap<&str, (Severity, BTreeSet<&str>)> = BTreeMap::new();
    for t in targets {
        let Outcome::Checked { report, .. } = &t.outcome else {
            continue;
        };
        for f in &report.findings {
            let e = by.entry(f.rule).or_insert((f.severity, BTreeSet::new()));
            e.0 = e.0.max(f.severity);
            e.1.insert(&t.pod);
        }
    }
    let mut groups: Vec<RuleGroup> = by
        .into_iter()
        .map(|(rule, (severity, pods))| RuleGroup {
            rule: rule.to_string(),
            name: rule_info(rule).map_or(rule, |r| r.name).to_string(),
            severity,
            pods: pods.into_iter().map(str::to_string).collect(),
        })
        .collect();
    groups.extend(replica_drift(targets));
    groups.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.pods.len().cmp(&a.pods.len()))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    groups
}

/// The Deployment of a pod name: `reviews-v1-5d8f7c9b6-x2kqp` → `reviews-v1`.
pub fn workload_of(pod: &str) -> String {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [_, _, head] => (*head).to_string(),
        _ => pod.to_string(),
    }
}

/// MS2001: replicas (same app and workload) whose config fingerprints differ.
pub fn replica_drift(targets: &[TargetReport]) -> Vec<RuleGroup> {
    let mut apps: BTreeMap<(&str, &str), BTreeMap<u64, Vec<&str>>> = BTreeMap::new();
    for t in targets.iter().filter(|t| !t.workload.is_empty()) {
        if let Outcome::Checked {
            fingerprint: Some(fp),
            ..
        } = &t.outcome
        {
            apps.entry((&t.app, &t.workload))
                .or_default()
                .entry(*fp)
                .or_default()
                .push(&t.pod);
        }
    }
    apps.into_iter()
        .filter(|(_, fps)| fps.len() > 1)
        .map(|((_, workload), fps)| {
            let mut pods: Vec<String> = fps.into_values().flatten().map(str::to_string).collect();
            pods.sort();
            RuleGroup {
                rule: "MS2001".into(),
                name: format!("replicas of {workload} run different config"),
                severity: Severity::Warn,
                pods,
            }
        })
        .collect()
}

/// A fingerprint of a proxy's active clusters, listeners and routes, with
/// volatile fields dropped and the proxy's own addresses masked, so two
/// replicas with the same config get the same number.
pub fn config_fingerprint(dump: &ConfigDump<'_>, own_ips: &[&str]) -> u64 {
    let mask = |s: &str| {
        own_ips
            .iter()
            .filter(|ip| !ip.is_empty())
            .fold(s.to_string(), |acc, ip| acc.replace(ip, "<self>"))
    };
    let mut items: Vec<(u8, String, String)> = dump
        .resources
        .iter()
        .filter(|r| r.state == State::Active)
        .filter_map(|r| {
            let k = match r.kind {
                Kind::Cluster => 0,
                Kind::Listener => 1,
                Kind::Route => 2,
                _ => return None,
            };
            let v: serde_json::Value = serde_json::from_str(r.raw?.get()).ok()?;
            Some((k, mask(&r.name), mask(&canonical(v).to_string())))
        })
        .collect();
    items.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    items.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::{Finding, Report};

    fn finding(rule: &'static str, severity: Severity) -> Finding {
        Finding {
            rule,
            severity,
            title: String::new(),
            subject: String::new(),
            evidence: Vec::new(),
            meaning: "",
            fix: "",
            doc: "",
        }
    }

    fn target(pod: &str, app: &str, findings: Vec<Finding>, fp: u64) -> TargetReport {
        TargetReport {
            pod: pod.into(),
            app: app.into(),
            workload: format!("{app}-v1"),
            outcome: Outcome::Checked {
                report: Report {
                    findings,
                    not_checked: Vec::new(),
                },
                fingerprint: Some(fp),
            },
        }
    }

    #[test]
    fn groups_by_rule_worst_first_and_flags_differing_replicas() {
        let ts = vec![
            target("ns/c", "web", vec![finding("MS1001", Severity::Error)], 1),
            target(
                "ns/a",
                "web",
                vec![
                    finding("MS1001", Severity::Error),
                    finding("MS1021", Severity::Warn),
                ],
                1,
            ),
            target("ns/b", "web", vec![finding("MS1001", Severity::Error)], 2),
            target("ns/d", "db", vec![], 7),
            TargetReport {
                pod: "ns/e".into(),
                app: "db".into(),
                workload: "db-v1".into(),
                outcome: Outcome::Failed {
                    error: "timeout".into(),
                },
            },
        ];
        let g = group(&ts);
        assert_eq!(
            g[0].summary(),
            "MS1001 circuit breaker overflow on 3 sidecars: ns/a, ns/b, ns/c"
        );
        let rules: Vec<&str> = g.iter().map(|x| x.rule.as_str()).collect();
        assert_eq!(rules, ["MS1001", "MS2001", "MS1021"]);
        assert_eq!(g[1].pods, ["ns/a", "ns/b", "ns/c"]);
        assert!(g[1].name.contains("web-v1"), "{}", g[1].name);
        assert_eq!(workload_of("reviews-v1-5d8f7c9b6-x2kqp"), "reviews-v1");
        assert_eq!(
            ts[4].worst(),
            Severity::Error,
            "an unreadable pod is not healthy"
        );
    }

    #[test]
    fn fingerprint_ignores_versions_and_own_address_but_not_config() {
        let d = |ip: &str, version: &str, timeout: &str| {
            format!(
                r#"{{"configs":[{{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{{"version_info":"{version}","cluster":{{"name":"inbound|80||","connect_timeout":"{timeout}","x":"{ip}:80"}}}}]}}]}}"#
            )
        };
        let fp =
            |text: &str, ip: &str| config_fingerprint(&ConfigDump::parse(text).unwrap(), &[ip]);
        let a = fp(&d("10.0.0.1", "v1", "1s"), "10.0.0.1");
        assert_eq!(a, fp(&d("10.0.0.2", "v2", "1s"), "10.0.0.2"));
        assert_ne!(a, fp(&d("10.0.0.2", "v2", "5s"), "10.0.0.2"));
    }
}
