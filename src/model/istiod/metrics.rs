//! istiod's (or an older pilot's) `/metrics` scrape turned into the control
//! plane signals an SRE chases: rejected configs, xDS rejects, listener
//! conflicts, pushes and their errors, connected proxies, push and
//! convergence latency, pushed config size, and which of these metrics this
//! istiod does not report at all.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::histogram::{HistogramAcc, Quantiles};
use super::prom::{self, Line, Part};

/// gRPC's default maximum message size: pushes above it fail unless raised.
pub const GRPC_DEFAULT_LIMIT_BYTES: f64 = 4_000_000.0;
/// Size from which, per istiod's own comments, config "will start to strain
/// the system".
pub const STRAIN_BYTES: f64 = 10_000_000.0;

/// Metric families this report reads; absent ones are listed in
/// [`IstiodReport::missing`].
pub const EXPECTED_METRICS: &[&str] = &[
    "pilot_total_rejected_configs",
    "pilot_total_xds_rejects",
    "pilot_xds_cds_reject",
    "pilot_xds_lds_reject",
    "pilot_xds_rds_reject",
    "pilot_xds_eds_reject",
    "pilot_conflict_inbound_listener",
    "pilot_conflict_outbound_listener_tcp_over_current_tcp",
    "pilot_conflict_outbound_listener_http_over_current_tcp",
    "pilot_duplicate_envoy_clusters",
    "pilot_eds_no_instances",
    "pilot_vservice_dup_domain",
    "pilot_xds",
    "pilot_xds_pushes",
    "pilot_xds_push_time",
    "pilot_proxy_convergence_time",
    "pilot_xds_config_size_bytes",
    "pilot_services",
    "pilot_virt_services",
];

/// Counters that count push/send failures inside istiod.
const ERROR_COUNTERS: &[&str] = &[
    "pilot_xds_push_context_errors",
    "pilot_total_xds_internal_errors",
    "pilot_xds_write_timeout",
    "pilot_xds_push_timeout",
    "pilot_xds_push_timeout_failures",
    "pilot_xds_expired_nonce",
    "pilot_xds_delayed_push_timeouts_total",
];

/// Everything `meshscope istiod` shows, from one scrape.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IstiodReport {
    /// Version from `pilot_info{version}` or `istio_build{tag}`.
    pub version: Option<String>,
    /// `pilot_total_rejected_configs` per (type, name), e.g. gateway `default/test2`.
    pub rejected_configs: Vec<RejectedConfig>,
    /// `pilot_total_xds_rejects` per xDS type (empty type on old pilots).
    pub xds_rejects_by_type: Vec<TypedCount>,
    /// `pilot_xds_{cds,lds,rds,eds}_reject` per node and error.
    pub xds_rejects: Vec<XdsReject>,
    /// Every `pilot_conflict_*` gauge.
    pub conflicts: Vec<NamedValue>,
    /// `pilot_duplicate_envoy_clusters`.
    pub duplicate_envoy_clusters: Option<f64>,
    /// `pilot_eds_no_instances`: clusters without endpoints.
    pub eds_no_instances: Option<f64>,
    /// `pilot_vservice_dup_domain`.
    pub vservice_dup_domain: Option<f64>,
    /// `pilot_xds` per proxy version (`None`: unlabelled, old pilots).
    pub connected_proxies: Vec<VersionCount>,
    /// `pilot_xds_pushes` per xDS type, send errors excluded.
    pub pushes: Vec<TypedCount>,
    /// `pilot_xds_pushes{type="<xds>_senderr"}` per xDS type.
    pub send_errors: Vec<TypedCount>,
    /// Other push failure counters (push context errors, write timeouts...).
    pub push_errors: Vec<NamedValue>,
    /// `pilot_xds_push_time` over all types.
    pub push_time: Option<Quantiles>,
    /// `pilot_proxy_convergence_time`.
    pub convergence_time: Option<Quantiles>,
    /// `pilot_xds_config_size_bytes`.
    pub config_size: Option<ConfigSize>,
    /// `pilot_services`.
    pub services: Option<f64>,
    /// `pilot_virt_services`.
    pub virtual_services: Option<f64>,
    /// Members of [`EXPECTED_METRICS`] absent from the scrape: an older
    /// istiod, or a labelled counter that never fired.
    pub missing: Vec<String>,
    /// Lines that could not be read, with their 1-based number.
    pub parse_errors: Vec<LineError>,
}

/// A malformed line of the scrape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// One config istiod rejected or ignored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedConfig {
    /// Config kind (`gateway`).
    pub kind: String,
    /// `namespace/name`.
    pub name: String,
    /// How many times.
    pub count: f64,
}

/// A count per xDS type (`cds`, `lds`, `rds`, `eds`...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedCount {
    /// The `type` label.
    pub kind: String,
    /// The value.
    pub count: f64,
}

/// Config a proxy NACKed, as istiod recorded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XdsReject {
    /// `cds`, `lds`, `rds` or `eds`.
    pub xds: String,
    /// Proxy node id (`node` label), when reported.
    pub node: Option<String>,
    /// The error Envoy returned (`err` label), when reported.
    pub error: Option<String>,
    /// The gauge value.
    pub count: f64,
}

/// A metric name and value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedValue {
    /// Metric name.
    pub name: String,
    /// Value (summed over label sets).
    pub value: f64,
}

/// Connected proxies of one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionCount {
    /// `version` label; `None` when the pilot does not label it.
    pub version: Option<String>,
    /// Connected proxies.
    pub count: f64,
}

/// The distribution of pushed config sizes and the risky tail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigSize {
    /// Size quantiles in bytes.
    pub quantiles: Quantiles,
    /// Pushes above the 4 MB gRPC default limit.
    pub over_grpc_limit: f64,
    /// Pushes above 10 MB, where istiod says config strains the system.
    pub over_strain: f64,
}

impl IstiodReport {
    /// Connected proxies over all versions.
    pub fn connected_total(&self) -> f64 {
        self.connected_proxies.iter().map(|v| v.count).sum()
    }

    /// Whether `name` (one of [`EXPECTED_METRICS`]) is absent.
    pub fn is_missing(&self, name: &str) -> bool {
        self.missing.iter().any(|m| m == name)
    }
}

/// Reads a `/metrics` scrape. Never fails: malformed lines are recorded in
/// [`IstiodReport::parse_errors`] and the rest is still read.
pub fn parse_metrics(text: &str) -> IstiodReport {
    let mut acc = Acc::default();
    let mut report = IstiodReport::default();
    for (line, item) in prom::lines(text) {
        match item {
            Ok(Line::Family(name)) => {
                acc.seen.insert(family_of(name));
            }
            Ok(Line::Sample(s)) => acc.sample(&s, &mut report),
            Err(message) => report.parse_errors.push(LineError { line, message }),
        }
    }
    acc.finish(report)
}

/// `x_total` → `x` for known families (newer exporters add the suffix);
/// `x_bucket`/`_sum`/`_count` → `x` for known histograms.
fn family_of(name: &str) -> &str {
    let known = |n: &str| EXPECTED_METRICS.contains(&n) || ERROR_COUNTERS.contains(&n);
    if let Some((base, _)) = prom::histogram_part(name).filter(|(b, _)| known(b)) {
        return base;
    }
    match name.strip_suffix("_total") {
        Some(base) if known(base) => base,
        _ => name,
    }
}

#[derive(Default)]
struct Acc<'a> {
    seen: HashSet<&'a str>,
    rejected: BTreeMap<(String, String), f64>,
    xds_rejects_by_type: BTreeMap<String, f64>,
    xds_rejects: BTreeMap<(String, Option<String>, Option<String>), f64>,
    conflicts: BTreeMap<&'a str, f64>,
    errors: BTreeMap<&'a str, f64>,
    connected: BTreeMap<Option<String>, f64>,
    pushes: BTreeMap<String, f64>,
    send_errors: BTreeMap<String, f64>,
    histograms: BTreeMap<&'a str, HistogramAcc>,
}

impl<'a> Acc<'a> {
    fn sample(&mut self, s: &prom::Sample<'a>, report: &mut IstiodReport) {
        let family = family_of(s.name);
        self.seen.insert(family);
        let label = |k: &str| s.label(k).map(|v| v.into_owned());
        let add = |slot: &mut Option<f64>| *slot = Some(slot.unwrap_or(0.0) + s.value);
        match family {
            "pilot_info" => report.version = label("version").or(report.version.take()),
            "istio_build" if report.version.is_none() => report.version = label("tag"),
            "pilot_total_rejected_configs" => {
                let key = (
                    label("type").unwrap_or_default(),
                    label("name").unwrap_or_default(),
                );
                *self.rejected.entry(key).or_default() += s.value;
            }
            "pilot_total_xds_rejects" => {
                *self
                    .xds_rejects_by_type
                    .entry(label("type").unwrap_or_default())
                    .or_default() += s.value;
            }
            "pilot_xds_cds_reject"
            | "pilot_xds_lds_reject"
            | "pilot_xds_rds_reject"
            | "pilot_xds_eds_reject" => {
                let xds = family
                    .trim_start_matches("pilot_xds_")
                    .trim_end_matches("_reject");
                let key = (xds.to_string(), label("node"), label("err"));
                *self.xds_rejects.entry(key).or_default() += s.value;
            }
            "pilot_duplicate_envoy_clusters" => add(&mut report.duplicate_envoy_clusters),
            "pilot_eds_no_instances" => add(&mut report.eds_no_instances),
            "pilot_vservice_dup_domain" => add(&mut report.vservice_dup_domain),
            "pilot_services" => add(&mut report.services),
            "pilot_virt_services" => add(&mut report.virtual_services),
            "pilot_xds" => *self.connected.entry(label("version")).or_default() += s.value,
            "pilot_xds_pushes" => {
                let kind = label("type").unwrap_or_default();
                match kind.strip_suffix("_senderr") {
                    Some(xds) => *self.send_errors.entry(xds.to_string()).or_default() += s.value,
                    None => *self.pushes.entry(kind).or_default() += s.value,
                }
            }
            "pilot_xds_push_time"
            | "pilot_proxy_convergence_time"
            | "pilot_xds_config_size_bytes" => self.histogram(family, s),
            f if f.starts_with("pilot_conflict_") => {
                *self.conflicts.entry(f).or_default() += s.value;
            }
            f if ERROR_COUNTERS.contains(&f) => *self.errors.entry(f).or_default() += s.value,
            _ => {}
        }
    }

    fn histogram(&mut self, family: &'a str, s: &prom::Sample<'a>) {
        let h = self.histograms.entry(family).or_default();
        match prom::histogram_part(s.name).map(|(_, p)| p) {
            Some(Part::Bucket) => {
                if let Some(le) = s.label("le").and_then(|v| prom::parse_value(&v)) {
                    h.add_bucket(le, s.value);
                }
            }
            Some(Part::Sum) => h.add_sum(s.value),
            Some(Part::Count) => h.add_count(s.value),
            None => {}
        }
    }

    fn finish(self, mut report: IstiodReport) -> IstiodReport {
        report.rejected_configs = self
            .rejected
            .into_iter()
            .map(|((kind, name), count)| RejectedConfig { kind, name, count })
            .collect();
        report.xds_rejects_by_type = typed(self.xds_rejects_by_type);
        report.xds_rejects = self
            .xds_rejects
            .into_iter()
            .map(|((xds, node, error), count)| XdsReject {
                xds,
                node,
                error,
                count,
            })
            .collect();
        report.conflicts = named(self.conflicts);
        report.push_errors = named(self.errors);
        report.connected_proxies = self
            .connected
            .into_iter()
            .map(|(version, count)| VersionCount { version, count })
            .collect();
        report.pushes = typed(self.pushes);
        report.send_errors = typed(self.send_errors);
        let h = &self.histograms;
        report.push_time = h.get("pilot_xds_push_time").map(HistogramAcc::quantiles);
        report.convergence_time = h
            .get("pilot_proxy_convergence_time")
            .map(HistogramAcc::quantiles);
        report.config_size = h.get("pilot_xds_config_size_bytes").map(|h| ConfigSize {
            quantiles: h.quantiles(),
            over_grpc_limit: h.count_above(GRPC_DEFAULT_LIMIT_BYTES),
            over_strain: h.count_above(STRAIN_BYTES),
        });
        report.missing = EXPECTED_METRICS
            .iter()
            .filter(|m| !self.seen.contains(*m))
            .map(|m| m.to_string())
            .collect();
        report
    }
}

fn typed(map: BTreeMap<String, f64>) -> Vec<TypedCount> {
    map.into_iter()
        .map(|(kind, count)| TypedCount { kind, count })
        .collect()
}

fn named(map: BTreeMap<&str, f64>) -> Vec<NamedValue> {
    map.into_iter()
        .map(|(name, value)| NamedValue {
            name: name.to_string(),
            value,
        })
        .collect()
}
