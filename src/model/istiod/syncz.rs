//! istiod's `/debug/syncz` → the `istioctl proxy-status` table: per proxy,
//! whether the last CDS/LDS/EDS/RDS/ECDS push was acknowledged.
//!
//! Two shapes are read: the HTTP debug endpoint's JSON array of
//! `SyncStatus` (`proxy`, `cluster_id`, `istio_version`, `cluster_sent`,
//! `cluster_acked`, ...; pilot 1.1 has only nonces and `proxy_version`), and
//! the xDS debug form, a `DiscoveryResponse` whose `resources` are CSDS
//! `ClientConfig`s with `genericXdsConfigs[].configStatus`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::istioctl::tabwriter;

/// Sync state of one xDS type for one proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SyncState {
    /// The last nonce sent was acknowledged.
    Synced,
    /// Nothing of this type was ever sent (normal for ECDS/RDS on some proxies).
    NotSent,
    /// A newer push was sent and not acknowledged yet (or was rejected).
    Stale,
    /// Sent, never acknowledged at all.
    StaleNeverAcknowledged,
    /// The CSDS form reported an error (the proxy NACKed).
    Error,
    /// The CSDS form did not mention this type.
    Absent,
    /// Any other CSDS status, as written.
    Other(String),
}

impl SyncState {
    /// istioctl's rule: no nonce sent → NOT SENT; sent == acked → SYNCED;
    /// never acked → STALE (Never Acknowledged); else STALE.
    pub fn from_nonces(sent: &str, acked: &str) -> SyncState {
        if sent.is_empty() {
            SyncState::NotSent
        } else if sent == acked {
            SyncState::Synced
        } else if acked.is_empty() {
            SyncState::StaleNeverAcknowledged
        } else {
            SyncState::Stale
        }
    }

    fn from_csds(status: Option<&str>) -> SyncState {
        match status {
            None => SyncState::Other("UNKNOWN".to_string()),
            Some("SYNCED") => SyncState::Synced,
            Some("NOT_SENT") => SyncState::NotSent,
            Some("STALE") => SyncState::Stale,
            Some("ERROR") => SyncState::Error,
            Some(other) => SyncState::Other(other.to_string()),
        }
    }

    /// Whether this state needs attention (stale or error).
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            SyncState::Stale | SyncState::StaleNeverAcknowledged | SyncState::Error
        )
    }
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyncState::Synced => "SYNCED",
            SyncState::NotSent => "NOT SENT",
            SyncState::Stale => "STALE",
            SyncState::StaleNeverAcknowledged => "STALE (Never Acknowledged)",
            SyncState::Error => "ERROR",
            SyncState::Absent => "",
            SyncState::Other(s) => s,
        })
    }
}

/// One row of the proxy-status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyStatus {
    /// Proxy id, `<pod>.<namespace>`.
    pub name: String,
    /// Cluster id (empty on old pilots).
    pub cluster: String,
    /// CDS state.
    pub cds: SyncState,
    /// LDS state.
    pub lds: SyncState,
    /// EDS state.
    pub eds: SyncState,
    /// RDS state.
    pub rds: SyncState,
    /// ECDS state.
    pub ecds: SyncState,
    /// The istiod instance the proxy is connected to.
    pub istiod: String,
    /// Istio version; the proxy version with a `*` when istiod does not know it.
    pub version: String,
}

impl ProxyStatus {
    /// Whether any xDS type is stale or in error.
    pub fn has_problem(&self) -> bool {
        [&self.cds, &self.lds, &self.eds, &self.rds, &self.ecds]
            .iter()
            .any(|s| s.is_problem())
    }
}

/// Why a syncz body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynczError {
    /// Not JSON, or not one of the two known shapes.
    #[error("istiod syncz: {0}")]
    Invalid(String),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawSyncStatus {
    cluster_id: String,
    proxy: String,
    proxy_version: String,
    istio_version: String,
    cluster_sent: String,
    cluster_acked: String,
    listener_sent: String,
    listener_acked: String,
    route_sent: String,
    route_acked: String,
    endpoint_sent: String,
    endpoint_acked: String,
    extensionconfig_sent: String,
    extensionconfig_acked: String,
}

/// Reads a syncz body from the istiod named `istiod` (its pod name, shown in
/// the ISTIOD column) and returns rows sorted like istioctl (cluster, then name).
pub fn parse_syncz(body: &str, istiod: &str) -> Result<Vec<ProxyStatus>, SynczError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| SynczError::Invalid(e.to_string()))?;
    let mut rows = match value {
        Value::Array(_) => from_sync_statuses(value, istiod)?,
        Value::Object(ref o) if o.contains_key("resources") => from_discovery(&value, istiod),
        Value::Null => Vec::new(),
        _ => {
            return Err(SynczError::Invalid(
                "expected a JSON array of sync statuses or a discovery response".to_string(),
            ))
        }
    };
    rows.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    Ok(rows)
}

fn from_sync_statuses(value: Value, istiod: &str) -> Result<Vec<ProxyStatus>, SynczError> {
    let raw: Vec<RawSyncStatus> =
        serde_json::from_value(value).map_err(|e| SynczError::Invalid(e.to_string()))?;
    Ok(raw
        .into_iter()
        .map(|s| ProxyStatus {
            cds: SyncState::from_nonces(&s.cluster_sent, &s.cluster_acked),
            lds: SyncState::from_nonces(&s.listener_sent, &s.listener_acked),
            eds: SyncState::from_nonces(&s.endpoint_sent, &s.endpoint_acked),
            rds: SyncState::from_nonces(&s.route_sent, &s.route_acked),
            ecds: SyncState::from_nonces(&s.extensionconfig_sent, &s.extensionconfig_acked),
            version: if s.istio_version.is_empty() {
                format!("{}*", s.proxy_version)
            } else {
                s.istio_version
            },
            name: s.proxy,
            cluster: s.cluster_id,
            istiod: istiod.to_string(),
        })
        .collect())
}

fn from_discovery(value: &Value, istiod: &str) -> Vec<ProxyStatus> {
    // controlPlane.identifier is itself JSON: {"Component":..,"ID":..,"Info":{"version":..}}.
    let cp: Value = value
        .pointer("/controlPlane/identifier")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let cp_id = cp.get("ID").and_then(Value::as_str).unwrap_or(istiod);
    let cp_version = cp.pointer("/Info/version").and_then(Value::as_str);
    let resources = value.get("resources").and_then(Value::as_array);
    resources
        .into_iter()
        .flatten()
        .filter(|r| r.get("node").is_some())
        .map(|r| {
            let meta = r.pointer("/node/metadata");
            let meta_str = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
            let state = |suffix: &str| {
                let configs = r.get("genericXdsConfigs").and_then(Value::as_array);
                configs
                    .into_iter()
                    .flatten()
                    .find(|c| {
                        c.get("typeUrl")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t.ends_with(suffix))
                    })
                    .map_or(SyncState::Absent, |c| {
                        SyncState::from_csds(c.get("configStatus").and_then(Value::as_str))
                    })
            };
            ProxyStatus {
                name: r
                    .pointer("/node/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                cluster: meta_str("CLUSTER_ID").unwrap_or_default().to_string(),
                cds: state(".Cluster"),
                lds: state(".Listener"),
                eds: state(".ClusterLoadAssignment"),
                rds: state(".RouteConfiguration"),
                ecds: state(".TypedExtensionConfig"),
                istiod: cp_id.to_string(),
                version: meta_str("ISTIO_VERSION")
                    .or(cp_version)
                    .unwrap_or_default()
                    .to_string(),
            }
        })
        .collect()
}

/// The table as `istioctl proxy-status` prints it (Go tabwriter, padding 5).
pub fn proxy_status_table(rows: &[ProxyStatus]) -> String {
    let mut text = String::from("NAME\tCLUSTER\tCDS\tLDS\tEDS\tRDS\tECDS\tISTIOD\tVERSION\n");
    for r in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.name, r.cluster, r.cds, r.lds, r.eds, r.rds, r.ecds, r.istiod, r.version
        ));
    }
    tabwriter::format(&text, 5)
}
