//! ztunnel's admin `/config_dump`: workloads, services, policies, certificates
//! and per-workload connection state, parsed tolerantly (list or map shape,
//! nulls, unknown fields) into the same records `istioctl ztunnel-config` uses.

mod certs;
mod de;
pub mod json;
pub mod tables;
mod types;
pub mod xds;

#[cfg(test)]
mod tests;

pub use tables::{
    CertRow, ConnectionRow, ConnectionsFilter, PolicyRow, ServiceRow, WorkloadFilter, WorkloadRow,
};
pub use types::*;
pub use xds::{XdsLog, XdsNack};

use serde::Deserialize;

/// A parsed ztunnel config dump.
#[derive(Debug, Clone, Default)]
pub struct ZtunnelDump {
    /// Workloads in dump order (map values in document order).
    pub workloads: Vec<Workload>,
    /// Services in dump order.
    pub services: Vec<Service>,
    /// Authorization policies in dump order.
    pub policies: Vec<Policy>,
    /// Certificates in dump order.
    pub certificates: Vec<CertsDump>,
    /// `workloadState` entries (key, state) in document order.
    pub workload_state: Vec<(String, WorkloadState)>,
}

#[derive(Deserialize)]
struct RawDump {
    #[serde(default, deserialize_with = "de::list_or_map")]
    workloads: Vec<Workload>,
    #[serde(default, deserialize_with = "de::list_or_map")]
    services: Vec<Service>,
    #[serde(default, deserialize_with = "de::list_or_map")]
    policies: Vec<Policy>,
    #[serde(default, deserialize_with = "de::list_or_map")]
    certificates: Vec<CertsDump>,
    #[serde(
        default,
        rename = "workloadState",
        alias = "workloadstate",
        deserialize_with = "de::ordered_map"
    )]
    workload_state: Vec<(String, WorkloadState)>,
}

/// Keys of the top level only ztunnel writes; an Envoy dump has none of them.
const ZTUNNEL_KEYS: &[&str] = &["workloads", "services", "workloadState", "certificates"];

impl ZtunnelDump {
    /// Parses a ztunnel `/config_dump` body.
    pub fn parse(text: &str) -> Result<ZtunnelDump, String> {
        let raw: RawDump = serde_json::from_str(text)
            .map_err(|e| format!("not a ztunnel config dump (JSON error: {e})"))?;
        Ok(ZtunnelDump {
            workloads: raw.workloads,
            services: raw.services,
            policies: raw.policies,
            certificates: raw.certificates,
            workload_state: raw.workload_state,
        })
    }

    /// Whether a JSON body looks like ztunnel's dump (and not Envoy's, which
    /// has a `configs` list): one of ztunnel's top-level keys near the start.
    pub fn looks_like(text: &str) -> bool {
        let head: String = text.chars().take(4096).collect();
        let has = |k: &str| head.contains(&format!("\"{k}\""));
        // Envoy's `/certs` has `certificates` too, with `cert_chain`: a
        // ztunnel's certificates carry `certChain`.
        !has("configs")
            && (ZTUNNEL_KEYS.iter().any(|k| *k != "certificates" && has(k))
                || (has("certificates") && has("certChain")))
    }

    /// The workload with this uid.
    pub fn workload_by_uid(&self, uid: &str) -> Option<&Workload> {
        self.workloads.iter().find(|w| w.uid == uid)
    }
}
