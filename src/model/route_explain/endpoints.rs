//! Route explain, last step: the route's clusters, whether they exist, and
//! their endpoints with health (live from `/clusters`, else the dump's EDS).

use serde::{Deserialize, Serialize};

use super::{q, Action, Outcome, RouteDecision, Stage, Step};
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ConfigDump, Kind};
use crate::model::istioctl::endpoints::{eds_endpoints, EndpointFilter};

/// One cluster the route can send to.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterEndpoints {
    /// Its name.
    pub cluster: String,
    /// Whether the dump has it (absent: Envoy answers 503 NC).
    pub present: bool,
    /// Its discovery type (`EDS`, `STATIC`, `ORIGINAL_DST`…), when known.
    pub discovery: Option<String>,
    /// Where the hosts come from: `clusters` (live), `eds` (the dump), `none`.
    pub source: &'static str,
    /// Its hosts.
    pub hosts: Vec<EndpointHealth>,
}

/// One host and its health.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointHealth {
    /// `ip:port` (or a pipe path).
    pub address: String,
    /// `HEALTHY`, `UNHEALTHY`, `DEGRADED`, `DRAINING` (live), or the EDS status.
    pub health: String,
    /// Health flags set (live only), e.g. `failed_outlier_check`.
    pub flags: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClusterProbe {
    #[serde(rename = "type")]
    kind: Option<String>,
    cluster_type: Option<serde_json::Value>,
}

/// The clusters a route's action can pick.
fn targets(d: &RouteDecision) -> Vec<String> {
    let Some(r) = &d.route else { return Vec::new() };
    match &r.action {
        Action::Cluster { cluster } => vec![cluster.clone()],
        Action::ClusterHeader { value: Some(v), .. } => vec![v.clone()],
        Action::WeightedClusters { clusters, .. } => clusters
            .iter()
            .filter(|c| !c.name.starts_with('('))
            .map(|c| c.name.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// Adds a cluster step (and the endpoints) for every cluster the route can pick.
pub fn attach(dump: &ConfigDump<'_>, runtime: Option<&ClusterStatuses>, d: &mut RouteDecision) {
    for name in targets(d) {
        let c = one(dump, runtime, &name);
        d.steps.push(step(&c));
        d.clusters.push(c);
    }
}

fn one(dump: &ConfigDump<'_>, runtime: Option<&ClusterStatuses>, name: &str) -> ClusterEndpoints {
    let res = dump.find(Kind::Cluster, name);
    let probe = res
        .and_then(|r| r.raw)
        .and_then(|raw| serde_json::from_str::<ClusterProbe>(raw.get()).ok())
        .unwrap_or_default();
    let discovery = probe.kind.or_else(|| {
        probe
            .cluster_type
            .and_then(|c| c["name"].as_str().map(str::to_string))
    });
    let mut out = ClusterEndpoints {
        cluster: name.to_string(),
        present: res.is_some(),
        discovery,
        source: "none",
        hosts: Vec::new(),
    };
    if let Some(cs) = runtime {
        if let Some(c) = cs.cluster_statuses.iter().find(|c| c.name == name) {
            out.source = "clusters";
            out.present = true;
            out.hosts = c
                .host_statuses
                .iter()
                .map(|h| EndpointHealth {
                    address: h.endpoint(),
                    health: h.health_status.effective().to_string(),
                    flags: h
                        .health_status
                        .flags()
                        .into_iter()
                        .map(|f| f.name())
                        .collect(),
                })
                .collect();
            return out;
        }
    }
    let filter = EndpointFilter {
        cluster: Some(name.to_string()),
        ..EndpointFilter::default()
    };
    if let Ok(eps) = eds_endpoints(dump, &filter) {
        let eps: Vec<_> = eps.into_iter().filter(|e| e.cluster == name).collect();
        if !eps.is_empty() || dump.find(Kind::Endpoint, name).is_some() {
            out.source = "eds";
            out.hosts = eps
                .into_iter()
                .map(|e| EndpointHealth {
                    address: e.address,
                    health: e.status,
                    flags: Vec::new(),
                })
                .collect();
        }
    }
    out
}

fn step(c: &ClusterEndpoints) -> Step {
    let name = q(&c.cluster);
    if !c.present {
        return Step::new(
            Stage::Cluster,
            Outcome::Stop,
            format!("cluster {name} is not in the dump: Envoy answers 503 NC"),
        )
        .with(
            "no such cluster: a missing DestinationRule subset, or CDS has not delivered it yet",
        );
    }
    let kind = c.discovery.as_deref().unwrap_or("?");
    if kind == "ORIGINAL_DST" {
        return Step::new(
            Stage::Cluster,
            Outcome::Info,
            format!("cluster {name} (ORIGINAL_DST)"),
        )
        .with("the request goes to its original destination address, unchanged");
    }
    if c.source == "none" {
        return Step::new(Stage::Cluster, Outcome::Info, format!("cluster {name} ({kind})")).with(
            "endpoints not known: give a dump taken with ?include_eds, or a /clusters?format=json body",
        );
    }
    let healthy = c
        .hosts
        .iter()
        .filter(|h| matches!(h.health.as_str(), "HEALTHY" | "UNKNOWN"))
        .count();
    let from = if c.source == "clusters" {
        "/clusters"
    } else {
        "EDS in the dump"
    };
    let outcome = if healthy == 0 {
        Outcome::Stop
    } else {
        Outcome::Info
    };
    let mut s = Step::new(
        Stage::Cluster,
        outcome,
        format!(
            "cluster {name} ({kind}): {} endpoint(s), {healthy} healthy ({from})",
            c.hosts.len()
        ),
    );
    if healthy == 0 {
        s = s.with("no healthy endpoint: Envoy answers 503 UH (unless panic mode spreads load over all hosts)");
    }
    const SHOWN: usize = 20;
    for h in c.hosts.iter().take(SHOWN) {
        let flags = if h.flags.is_empty() {
            String::new()
        } else {
            format!(" ({})", h.flags.join(", "))
        };
        s = s.with(format!("{} {}{flags}", h.address, h.health));
    }
    if c.hosts.len() > SHOWN {
        s = s.with(format!("… and {} more", c.hosts.len() - SHOWN));
    }
    s
}
