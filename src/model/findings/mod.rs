//! The doctor: pure rules over one sidecar's evidence (config dump,
//! `/clusters`, `/stats`, `/server_info`, readiness, a window of access logs,
//! a Prometheus cardinality report) that say what is broken, show the proof,
//! and give the fix in Istio terms. Every rule has a stable id (`MS1001`…,
//! listed in [`RULES`] and docs/findings.md). A rule without the evidence it
//! needs reports itself "not checked" with what it needs, never silence. No
//! rule reads the demo's scenario labels.

mod ambient;
pub mod bodies;
mod config;
pub mod fleet;
mod istiod_view;
mod sidecar;
mod upstream;

pub use ambient::{
    diagnose_ambient, metric_sums, AmbientEvidence, AmbientRule, AMBIENT_RULES, EXPIRY_WARN_SECS,
};

use std::collections::HashMap;

use serde::Serialize;

use super::access_log::{AccessEntry, ResponseFlag};
use super::cardinality::CardinalityReport;
use super::clusters::ClusterStatuses;
use super::config_dump::ConfigDump;
use super::istiod::ProxyStatus;
use super::server_info::ServerInfo;
use super::severity::Severity;
use super::stats::{Stat, StatName};

/// What one sidecar's endpoints answered; absent inputs turn the rules that
/// need them into "not checked".
#[derive(Default)]
pub struct Evidence<'a> {
    /// `/config_dump?include_eds`.
    pub dump: Option<&'a ConfigDump<'a>>,
    /// `/clusters?format=json`.
    pub clusters: Option<&'a ClusterStatuses>,
    /// `/stats` (text or JSON), parsed.
    pub stats: Option<&'a [Stat<'a>]>,
    /// An earlier `/stats` read and the seconds since it, for rates now.
    pub previous_stats: Option<(&'a [Stat<'a>], f64)>,
    /// `/server_info`.
    pub server_info: Option<&'a ServerInfo>,
    /// pilot-agent `/healthz/ready` status (200 ready).
    pub agent_ready: Option<u16>,
    /// Recent access-log entries (may be empty: then log counts are absent).
    pub logs: Option<&'a [AccessEntry]>,
    /// Cardinality of `/stats/prometheus`.
    pub cardinality: Option<&'a CardinalityReport>,
    /// Unix seconds now (certificate expiry).
    pub now_unix: i64,
    /// istiod's view of this proxy: `/debug/config_dump?proxyID=`.
    pub istiod_dump: Option<&'a ConfigDump<'a>>,
    /// This proxy's row of istiod's `/debug/syncz`.
    pub sync: Option<&'a ProxyStatus>,
    /// The Istio objects istiod holds (`/debug/configz`, Kubernetes object shape).
    pub istio_config: Option<&'a [serde_json::Value]>,
}

/// One piece of proof.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proof {
    /// Where it was read: `/stats`, `/clusters`, `config_dump`, `access log`, `/server_info`.
    pub source: &'static str,
    /// The stat, resource or field.
    pub item: String,
    /// Its value as read.
    pub value: String,
    /// The limit it runs into, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Per second now, when two reads gave a rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
}

/// What is broken, the proof, and the fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `MS1001`.
    pub rule: &'static str,
    /// How bad.
    pub severity: Severity,
    /// One line, naming the subject.
    pub title: String,
    /// The cluster, listener, secret… it is about.
    pub subject: String,
    /// The proof, most telling first.
    pub evidence: Vec<Proof>,
    /// What it means.
    pub meaning: &'static str,
    /// What to change, in Istio terms (resource and field).
    pub fix: &'static str,
    /// Where the Istio or Envoy docs explain it.
    pub doc: &'static str,
}

/// A rule that could not run, and the evidence it lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotChecked {
    /// Rule id.
    pub rule: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// What it needs, e.g. `/stats/prometheus`.
    pub needs: String,
}

/// Everything the doctor says about one sidecar.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Findings, worst first.
    pub findings: Vec<Finding>,
    /// Rules that lacked evidence.
    pub not_checked: Vec<NotChecked>,
}

impl Report {
    /// The worst severity found (`Ok` when nothing).
    pub fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }
}

/// A rule in the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// The inputs it reads, for "not checked (needs …)".
    pub needs: &'static [Input],
}

/// An input a rule may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `/config_dump`.
    Dump,
    /// `/clusters?format=json`.
    Clusters,
    /// `/stats`.
    Stats,
    /// `/server_info`.
    ServerInfo,
    /// `/stats/prometheus`.
    Prometheus,
    /// Access logs.
    Logs,
    /// istiod `/debug/syncz` (this proxy's row).
    Syncz,
    /// istiod `/debug/config_dump?proxyID=`.
    IstiodDump,
    /// istiod `/debug/configz` (Gateways and other Istio objects).
    IstioConfig,
}

impl Input {
    fn label(self) -> &'static str {
        match self {
            Input::Dump => "/config_dump",
            Input::Clusters => "/clusters?format=json",
            Input::Stats => "/stats",
            Input::ServerInfo => "/server_info",
            Input::Prometheus => "/stats/prometheus",
            Input::Logs => "access logs",
            Input::Syncz => "istiod /debug/syncz",
            Input::IstiodDump => "istiod /debug/config_dump?proxyID=",
            Input::IstioConfig => "istiod /debug/configz",
        }
    }
}

/// Every rule, in id order. A rule runs when at least its first input is
/// there; it reports "not checked" when none of its inputs is.
pub const RULES: &[Rule] = &[
    rule(
        "MS1001",
        "circuit breaker overflow",
        &[Input::Stats, Input::Clusters, Input::Logs],
    ),
    rule("MS1002", "no route (NR)", &[Input::Stats, Input::Logs]),
    rule(
        "MS1003",
        "route to a cluster that does not exist (NC)",
        &[Input::Dump, Input::Stats, Input::Logs],
    ),
    rule(
        "MS1004",
        "no healthy upstream (UH)",
        &[Input::Clusters, Input::Stats, Input::Logs],
    ),
    rule(
        "MS1005",
        "upstream connect failure (UF)",
        &[Input::Stats, Input::Logs],
    ),
    rule(
        "MS1006",
        "upstream reset before response (UC)",
        &[Input::Stats, Input::Logs],
    ),
    rule(
        "MS1007",
        "idle connections dropped (no TCP keepalive)",
        &[Input::Stats, Input::Dump],
    ),
    rule(
        "MS1008",
        "high-cardinality stat label",
        &[Input::Prometheus],
    ),
    rule(
        "MS1009",
        "config rejected by this Envoy",
        &[Input::Stats, Input::Dump],
    ),
    rule(
        "MS1010",
        "traffic black-holed (BlackHoleCluster)",
        &[Input::Dump, Input::Stats, Input::Logs],
    ),
    rule(
        "MS1011",
        "a port's catch-all chain goes to one service (ExternalName)",
        &[Input::Dump, Input::Logs],
    ),
    rule(
        "MS1012",
        "server-first protocol behind protocol sniffing",
        &[Input::Dump, Input::Stats],
    ),
    rule(
        "MS1013",
        "proxy not ready",
        &[Input::ServerInfo, Input::Stats, Input::Dump],
    ),
    rule(
        "MS1014",
        "upstream TLS without SNI",
        &[Input::Dump, Input::Logs],
    ),
    rule("MS1015", "unbalanced worker threads", &[Input::Stats]),
    rule("MS1016", "TLS handshake failures", &[Input::Stats]),
    rule(
        "MS1017",
        "stale xDS (not acknowledged, disconnected)",
        &[Input::Syncz, Input::Stats],
    ),
    rule(
        "MS1018",
        "draining with active connections",
        &[Input::ServerInfo, Input::Stats],
    ),
    rule("MS1019", "certificate expired or expiring", &[Input::Dump]),
    rule("MS1020", "resources stuck warming", &[Input::Dump]),
    rule(
        "MS1021",
        "hosts ejected by outlier detection",
        &[Input::Clusters, Input::Stats],
    ),
    rule(
        "MS1022",
        "hosts failing active health checks",
        &[Input::Clusters, Input::Stats],
    ),
    rule(
        "MS1023",
        "Gateway port without a listener",
        &[Input::IstioConfig],
    ),
    rule("MS1024", "config drift from istiod", &[Input::IstiodDump]),
];

const fn rule(id: &'static str, name: &'static str, needs: &'static [Input]) -> Rule {
    Rule { id, name, needs }
}

/// Looks a rule up by id.
pub fn rule_info(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Runs every rule over the evidence.
pub fn diagnose(ev: &Evidence<'_>) -> Report {
    let facts = Facts::new(ev);
    let mut findings = Vec::new();
    upstream::run(ev, &facts, &mut findings);
    config::run(ev, &facts, &mut findings);
    sidecar::run(ev, &facts, &mut findings);
    istiod_view::run(ev, &facts, &mut findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| best_rate(b).total_cmp(&best_rate(a)))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let has = |i: Input| match i {
        Input::Dump => ev.dump.is_some(),
        Input::Clusters => ev.clusters.is_some(),
        Input::Stats => ev.stats.is_some(),
        Input::ServerInfo => ev.server_info.is_some(),
        Input::Prometheus => ev.cardinality.is_some(),
        Input::Logs => ev.logs.is_some_and(|l| !l.is_empty()),
        Input::Syncz => ev.sync.is_some(),
        Input::IstiodDump => ev.istiod_dump.is_some(),
        Input::IstioConfig => ev.istio_config.is_some(),
    };
    let not_checked = RULES
        .iter()
        .filter(|r| !r.needs.iter().any(|&i| has(i)))
        .map(|r| NotChecked {
            rule: r.id,
            name: r.name,
            needs: r
                .needs
                .iter()
                .map(|i| i.label())
                .collect::<Vec<_>>()
                .join(" or "),
        })
        .collect();
    Report {
        findings,
        not_checked,
    }
}

fn best_rate(f: &Finding) -> f64 {
    f.evidence.iter().filter_map(|p| p.rate).fold(0.0, f64::max)
}

/// Indexes built once: counters by name, rates, log counts by flag and cluster.
pub(crate) struct Facts<'a> {
    values: HashMap<&'a str, u64>,
    /// Stats by their suffix after the scope (`StatName::stat`), parsed once.
    by_suffix: HashMap<&'a str, Vec<(&'a str, StatName<'a>, u64)>>,
    rates: HashMap<&'a str, f64>,
    /// (flag short name, upstream cluster) → entries.
    log_counts: HashMap<(String, String), u64>,
}

impl<'a> Facts<'a> {
    fn new(ev: &'a Evidence<'a>) -> Facts<'a> {
        let mut values = HashMap::new();
        let mut by_suffix: HashMap<&str, Vec<_>> = HashMap::new();
        for s in ev.stats.unwrap_or_default() {
            if let Some(v) = s.value.as_u64() {
                let name: &'a str = s.name.as_ref();
                if values.insert(name, v).is_none() {
                    let parsed = StatName::parse(name);
                    by_suffix
                        .entry(parsed.stat)
                        .or_default()
                        .push((name, parsed, v));
                }
            }
        }
        let mut rates = HashMap::new();
        if let Some((prev, secs)) = ev.previous_stats {
            if secs > 0.0 {
                for p in prev {
                    if let (Some(before), Some((&name, &now))) =
                        (p.value.as_u64(), values.get_key_value(p.name.as_ref()))
                    {
                        rates.insert(name, now.saturating_sub(before) as f64 / secs);
                    }
                }
            }
        }
        let mut log_counts = HashMap::new();
        for e in ev.logs.unwrap_or_default() {
            let cluster = e.upstream_cluster.clone().unwrap_or_default();
            for f in &e.response_flags {
                *log_counts
                    .entry((f.short().to_string(), cluster.clone()))
                    .or_insert(0) += 1;
            }
        }
        Facts {
            values,
            by_suffix,
            rates,
            log_counts,
        }
    }

    /// A stat's value (0 when absent).
    pub(crate) fn value(&self, name: &str) -> u64 {
        self.values.get(name).copied().unwrap_or(0)
    }

    /// Every stat of `scope` whose name (after the scope) is `stat`, with its value.
    pub(crate) fn by_stat<'s>(
        &'s self,
        stat: &'s str,
    ) -> impl Iterator<Item = (&'a str, StatName<'a>, u64)> + 's {
        self.by_suffix.get(stat).into_iter().flatten().copied()
    }

    /// Per-second rate of a stat between the two reads.
    pub(crate) fn rate(&self, name: &str) -> Option<f64> {
        self.rates.get(name).copied()
    }

    /// Log entries with `flag` whose upstream cluster is `cluster` (any when empty).
    pub(crate) fn logged(&self, flag: &str, cluster: &str) -> u64 {
        self.log_counts
            .iter()
            .filter(|((f, c), _)| f == flag && (cluster.is_empty() || c == cluster))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Proof from a stat.
pub(crate) fn stat_proof(facts: &Facts<'_>, name: &str, limit: Option<String>) -> Proof {
    Proof {
        source: "/stats",
        item: name.to_string(),
        value: facts.value(name).to_string(),
        limit,
        rate: facts.rate(name),
    }
}

/// Proof from access logs: how many entries carried the flag.
pub(crate) fn log_proof(n: u64, flag: &ResponseFlag, cluster: &str) -> Proof {
    let on = if cluster.is_empty() {
        String::new()
    } else {
        format!(" to {cluster}")
    };
    Proof {
        source: "access log",
        item: format!("response flag {}{on}", flag.short()),
        value: format!("{n} entries"),
        limit: None,
        rate: None,
    }
}

#[cfg(test)]
mod rules_tests;
#[cfg(test)]
mod tests;
