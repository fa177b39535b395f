//! Envoy admin `/clusters?format=json`: the runtime view of every cluster,
//! its hosts, their health flags and per-host counters, and the circuit
//! breaker thresholds actually in force.

use serde::{Deserialize, Deserializer, Serialize};

use super::config_dump::ParseError;

/// The whole `/clusters?format=json` body.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ClusterStatuses {
    /// One entry per cluster.
    #[serde(default, alias = "clusterStatuses")]
    pub cluster_statuses: Vec<ClusterStatus>,
}

/// One cluster at runtime.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ClusterStatus {
    /// Cluster name, e.g. `outbound|8000||httpbin.default.svc.cluster.local`.
    #[serde(default)]
    pub name: String,
    /// Added by CDS (true) or static (false).
    #[serde(default, alias = "addedViaApi")]
    pub added_via_api: bool,
    /// Circuit breaker thresholds per priority.
    #[serde(default, alias = "circuitBreakers")]
    pub circuit_breakers: Option<CircuitBreakers>,
    /// The hosts (endpoints) of the cluster.
    #[serde(default, alias = "hostStatuses")]
    pub host_statuses: Vec<HostStatus>,
}

/// `circuit_breakers` of a cluster.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CircuitBreakers {
    /// Thresholds, usually one for DEFAULT and one for HIGH priority.
    #[serde(default)]
    pub thresholds: Vec<Thresholds>,
}

/// One priority's circuit breaker limits.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Thresholds {
    /// `DEFAULT` (absent) or `HIGH`.
    #[serde(default)]
    pub priority: Option<String>,
    /// Maximum upstream connections.
    #[serde(default, alias = "maxConnections", deserialize_with = "opt_u64")]
    pub max_connections: Option<u64>,
    /// Maximum requests queued waiting for a connection.
    #[serde(default, alias = "maxPendingRequests", deserialize_with = "opt_u64")]
    pub max_pending_requests: Option<u64>,
    /// Maximum concurrent requests.
    #[serde(default, alias = "maxRequests", deserialize_with = "opt_u64")]
    pub max_requests: Option<u64>,
    /// Maximum concurrent retries.
    #[serde(default, alias = "maxRetries", deserialize_with = "opt_u64")]
    pub max_retries: Option<u64>,
}

/// One host of a cluster.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HostStatus {
    /// Where the host is.
    #[serde(default)]
    pub address: Address,
    /// Per-host counters and gauges (`cx_active`, `rq_error`, …).
    #[serde(default)]
    pub stats: Vec<HostStat>,
    /// Health flags.
    #[serde(default, alias = "healthStatus")]
    pub health_status: HealthStatus,
    /// Load-balancing weight.
    #[serde(default)]
    pub weight: Option<u32>,
    /// Hostname for logical/strict DNS hosts.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Locality (region/zone/sub_zone).
    #[serde(default)]
    pub locality: Option<serde_json::Value>,
    /// Every other field Envoy sent (`priority`, `success_rate`…), kept so the
    /// host's raw JSON shows all of it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A socket, pipe or Envoy-internal address.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Address {
    /// IP and port.
    #[serde(default, alias = "socketAddress")]
    pub socket_address: Option<SocketAddress>,
    /// A unix domain socket.
    #[serde(default)]
    pub pipe: Option<Pipe>,
}

/// IP and port of an address.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SocketAddress {
    /// IP or hostname.
    #[serde(default)]
    pub address: String,
    /// Port.
    #[serde(default, alias = "portValue")]
    pub port_value: u32,
}

/// A unix domain socket path.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Pipe {
    /// Filesystem path.
    #[serde(default)]
    pub path: String,
}

/// One per-host stat.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HostStat {
    /// Stat name, e.g. `rq_error`.
    #[serde(default)]
    pub name: String,
    /// Value (proto-JSON encodes uint64 as a string; absent means 0).
    #[serde(default, deserialize_with = "opt_u64")]
    pub value: Option<u64>,
    /// `COUNTER` (absent) or `GAUGE`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Health flags of a host, every one `/clusters?format=json` reports
/// (`envoy.admin.v3.HostHealthStatus`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HealthStatus {
    /// Health as reported by EDS (`HEALTHY`, `UNHEALTHY`, `DRAINING`, …).
    #[serde(default, alias = "edsHealthStatus")]
    pub eds_health_status: Option<String>,
    /// Ejected by outlier detection.
    #[serde(default, alias = "failedOutlierCheck")]
    pub failed_outlier_check: bool,
    /// Failed active health checking.
    #[serde(default, alias = "failedActiveHealthCheck")]
    pub failed_active_health_check: bool,
    /// Active health checking says degraded (`x-envoy-degraded`).
    #[serde(default, alias = "failedActiveDegradedCheck")]
    pub failed_active_degraded_check: bool,
    /// Removed from EDS, waiting for connections to drain.
    #[serde(default, alias = "pendingDynamicRemoval")]
    pub pending_dynamic_removal: bool,
    /// Waiting for its first active health check.
    #[serde(default, alias = "pendingActiveHc")]
    pub pending_active_hc: bool,
    /// Excluded from load balancing by an immediate health-check failure.
    #[serde(default, alias = "excludedViaImmediateHcFail")]
    pub excluded_via_immediate_hc_fail: bool,
    /// Its last active health check timed out.
    #[serde(default, alias = "activeHcTimeout")]
    pub active_hc_timeout: bool,
}

/// One reason a host is not plainly healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthFlag {
    /// `failed_active_health_check`.
    FailedActiveHealthCheck,
    /// `failed_outlier_check`.
    FailedOutlierCheck,
    /// `failed_active_degraded_check`.
    FailedActiveDegradedCheck,
    /// `pending_dynamic_removal`.
    PendingDynamicRemoval,
    /// `pending_active_hc`.
    PendingActiveHc,
    /// `excluded_via_immediate_hc_fail`.
    ExcludedViaImmediateHcFail,
    /// `active_hc_timeout`.
    ActiveHcTimeout,
    /// `eds_health_status` other than HEALTHY or UNKNOWN.
    Eds,
}

impl HealthFlag {
    /// The flag's name as Envoy spells it (`eds_health_status` for [`HealthFlag::Eds`]).
    pub fn name(self) -> &'static str {
        match self {
            HealthFlag::FailedActiveHealthCheck => "failed_active_health_check",
            HealthFlag::FailedOutlierCheck => "failed_outlier_check",
            HealthFlag::FailedActiveDegradedCheck => "failed_active_degraded_check",
            HealthFlag::PendingDynamicRemoval => "pending_dynamic_removal",
            HealthFlag::PendingActiveHc => "pending_active_hc",
            HealthFlag::ExcludedViaImmediateHcFail => "excluded_via_immediate_hc_fail",
            HealthFlag::ActiveHcTimeout => "active_hc_timeout",
            HealthFlag::Eds => "eds_health_status",
        }
    }

    /// A short label for a narrow column.
    pub fn short(self) -> &'static str {
        match self {
            HealthFlag::FailedActiveHealthCheck => "active_hc",
            HealthFlag::FailedOutlierCheck => "outlier",
            HealthFlag::FailedActiveDegradedCheck => "degraded_hc",
            HealthFlag::PendingDynamicRemoval => "removing",
            HealthFlag::PendingActiveHc => "pending_hc",
            HealthFlag::ExcludedViaImmediateHcFail => "excluded",
            HealthFlag::ActiveHcTimeout => "hc_timeout",
            HealthFlag::Eds => "eds",
        }
    }

    /// What it means for traffic, in a sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            HealthFlag::FailedActiveHealthCheck => "active health checking (the cluster's health_checks) failed this host: Envoy sends it no requests until a check passes; requests find no healthy host (503 UH) when all are failed",
            HealthFlag::FailedOutlierCheck => "ejected by outlier detection (DestinationRule trafficPolicy.outlierDetection) after consecutive errors; it comes back after the ejection time",
            HealthFlag::FailedActiveDegradedCheck => "the health check marked the host degraded (x-envoy-degraded): it gets traffic only when no healthy host is left",
            HealthFlag::PendingDynamicRemoval => "EDS removed this host; Envoy keeps it until its health check fails or its connections drain",
            HealthFlag::PendingActiveHc => "added recently and waiting for its first active health check: not used until that check passes",
            HealthFlag::ExcludedViaImmediateHcFail => "the host answered a health check with x-envoy-immediate-health-check-fail (draining): excluded from load balancing",
            HealthFlag::ActiveHcTimeout => "its last active health check timed out (a slow or hung host, or a network path dropping the probe)",
            HealthFlag::Eds => "the control plane (EDS) reports this host not healthy: the pod is not ready or is terminating",
        }
    }
}

impl HealthStatus {
    /// Every flag that is set, most blocking first.
    pub fn flags(&self) -> Vec<HealthFlag> {
        let mut out = Vec::new();
        let eds = self.eds_health_status.as_deref().unwrap_or("UNKNOWN");
        for (on, f) in [
            (
                self.failed_active_health_check,
                HealthFlag::FailedActiveHealthCheck,
            ),
            (self.failed_outlier_check, HealthFlag::FailedOutlierCheck),
            (!matches!(eds, "HEALTHY" | "UNKNOWN"), HealthFlag::Eds),
            (
                self.excluded_via_immediate_hc_fail,
                HealthFlag::ExcludedViaImmediateHcFail,
            ),
            (self.pending_active_hc, HealthFlag::PendingActiveHc),
            (self.active_hc_timeout, HealthFlag::ActiveHcTimeout),
            (
                self.failed_active_degraded_check,
                HealthFlag::FailedActiveDegradedCheck,
            ),
            (
                self.pending_dynamic_removal,
                HealthFlag::PendingDynamicRemoval,
            ),
        ] {
            if on {
                out.push(f);
            }
        }
        out
    }

    /// What load balancing makes of the host: `HEALTHY`, `UNHEALTHY` (no
    /// traffic), `DEGRADED` (traffic only when nothing healthy is left) or
    /// `DRAINING` (removed by EDS, still draining).
    pub fn effective(&self) -> &'static str {
        let eds = self.eds_health_status.as_deref().unwrap_or("UNKNOWN");
        if self.failed_active_health_check
            || self.failed_outlier_check
            || self.pending_active_hc
            || self.excluded_via_immediate_hc_fail
            || matches!(eds, "UNHEALTHY" | "TIMEOUT")
        {
            "UNHEALTHY"
        } else if eds == "DRAINING" || self.pending_dynamic_removal {
            "DRAINING"
        } else if self.failed_active_degraded_check || eds == "DEGRADED" {
            "DEGRADED"
        } else {
            "HEALTHY"
        }
    }
}

impl ClusterStatuses {
    /// Parses the body; errors carry the byte offset.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        serde_json::from_str(input).map_err(|e| ParseError::from_json(input, &e))
    }

    /// Whether a JSON body looks like `/clusters?format=json` rather than a config dump.
    pub fn looks_like(input: &str) -> bool {
        let head = &input[..input.len().min(4096)];
        head.contains("\"cluster_statuses\"") || head.contains("\"clusterStatuses\"")
    }
}

impl HostStatus {
    /// `ip:port`, `unix://path`, as istioctl prints it.
    pub fn endpoint(&self) -> String {
        match (&self.address.socket_address, &self.address.pipe) {
            (Some(sa), _) if sa.port_value != 0 => format!("{}:{}", sa.address, sa.port_value),
            (Some(sa), _) => sa.address.clone(),
            (None, Some(p)) => format!("unix://{}", p.path),
            (None, None) => "unix://".to_string(),
        }
    }

    /// EDS health status, `UNKNOWN` when absent (proto default).
    pub fn health(&self) -> &str {
        self.health_status
            .eds_health_status
            .as_deref()
            .unwrap_or("UNKNOWN")
    }

    /// This host as JSON, every field Envoy sent (for the raw view).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A per-host stat value by name (0 when absent).
    pub fn stat(&self, name: &str) -> u64 {
        self.stats
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.value)
            .unwrap_or(0)
    }
}

impl ClusterStatus {
    /// Thresholds for the DEFAULT priority, if the cluster reports them.
    pub fn default_thresholds(&self) -> Option<&Thresholds> {
        self.circuit_breakers.as_ref().and_then(|cb| {
            cb.thresholds
                .iter()
                .find(|t| matches!(t.priority.as_deref(), None | Some("DEFAULT")))
        })
    }
}

/// Accepts a number or a decimal string (proto-JSON uint64).
fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(u64),
        Str(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        None => None,
        Some(N::Num(n)) => Some(n),
        Some(N::Str(s)) => s.parse().ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_spellings_and_string_counters() {
        let body = r#"{"cluster_statuses":[{"name":"outbound|8000||httpbin.default.svc.cluster.local",
          "added_via_api":true,
          "circuit_breakers":{"thresholds":[{"max_connections":1,"max_pending_requests":1,"max_requests":4294967295,"max_retries":4294967295},{"priority":"HIGH","max_connections":1024}]},
          "host_statuses":[{"address":{"socket_address":{"address":"10.1.0.7","port_value":8000}},
             "stats":[{"name":"rq_error","value":"17"},{"name":"cx_active","type":"GAUGE","value":"2"}],
             "health_status":{"eds_health_status":"HEALTHY","failed_outlier_check":true}}]},
          {"name":"x","hostStatuses":[{"address":{"pipe":{"path":"/sock"}}}]}]}"#;
        let cs = ClusterStatuses::parse(body).unwrap();
        let c = &cs.cluster_statuses[0];
        assert_eq!(
            c.default_thresholds().unwrap().max_pending_requests,
            Some(1)
        );
        let h = &c.host_statuses[0];
        assert_eq!(h.endpoint(), "10.1.0.7:8000");
        assert_eq!(h.stat("rq_error"), 17);
        assert!(h.health_status.failed_outlier_check);
        assert_eq!(
            cs.cluster_statuses[1].host_statuses[0].endpoint(),
            "unix:///sock"
        );
        assert_eq!(cs.cluster_statuses[1].host_statuses[0].health(), "UNKNOWN");
        assert!(ClusterStatuses::looks_like(body));
    }

    #[test]
    fn every_health_flag_is_read_and_explained() {
        let body = r#"{"cluster_statuses":[{"name":"c","host_statuses":[
          {"address":{"socket_address":{"address":"127.0.0.1","port_value":1}},"priority":1,
           "health_status":{"failed_active_health_check":true,"active_hc_timeout":true,"eds_health_status":"HEALTHY"}},
          {"address":{"socket_address":{"address":"127.0.0.1","port_value":2}},
           "health_status":{"pendingActiveHc":true,"excludedViaImmediateHcFail":true,"edsHealthStatus":"DRAINING"}},
          {"address":{"socket_address":{"address":"127.0.0.1","port_value":3}},
           "health_status":{"failed_active_degraded_check":true}},
          {"address":{"socket_address":{"address":"127.0.0.1","port_value":4}},
           "health_status":{"pending_dynamic_removal":true,"eds_health_status":"HEALTHY"}}]}]}"#;
        let cs = ClusterStatuses::parse(body).unwrap();
        let h = &cs.cluster_statuses[0].host_statuses;
        assert_eq!(
            h[0].health_status.flags(),
            [
                HealthFlag::FailedActiveHealthCheck,
                HealthFlag::ActiveHcTimeout
            ]
        );
        assert_eq!(h[0].health_status.effective(), "UNHEALTHY");
        assert_eq!(
            h[1].health_status.flags(),
            [
                HealthFlag::Eds,
                HealthFlag::ExcludedViaImmediateHcFail,
                HealthFlag::PendingActiveHc
            ]
        );
        assert_eq!(h[2].health_status.effective(), "DEGRADED");
        assert_eq!(h[3].health_status.effective(), "DRAINING");
        assert!(h[0].to_json().contains("\"priority\": 1"));
        for f in h.iter().flat_map(|h| h.health_status.flags()) {
            assert!(!f.meaning().is_empty() && !f.short().is_empty());
        }
    }

    #[test]
    fn garbage_reports_an_offset() {
        let e = ClusterStatuses::parse("{\"cluster_statuses\": [{\"name\": \"a\",").unwrap_err();
        assert!(e.truncated);
    }
}
