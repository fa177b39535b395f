//! The records of a ztunnel dump, field for field (and in the order) of
//! istioctl's `api.go`, so `-o json` prints what istioctl prints.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de::nullable;

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

/// Where a workload's or service's waypoint (or network gateway) is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GatewayAddress {
    /// `namespace/hostname` or `network/IP`.
    #[serde(default, deserialize_with = "nullable")]
    pub destination: String,
}

/// Region, zone and subzone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Locality {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub region: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub zone: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub subzone: String,
}

/// How traffic is tunnelled into the application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicationTunnel {
    #[serde(default, deserialize_with = "nullable")]
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// One workload ztunnel knows (a pod, a VM entry, a waypoint...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    #[serde(default, deserialize_with = "nullable")]
    pub uid: String,
    #[serde(default)]
    pub workload_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<GatewayAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_gateway: Option<GatewayAddress>,
    #[serde(default, deserialize_with = "nullable")]
    pub protocol: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub service_account: String,
    #[serde(default, deserialize_with = "nullable")]
    pub workload_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub workload_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub canonical_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub canonical_revision: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cluster_id: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub trust_domain: String,
    #[serde(default, deserialize_with = "nullable")]
    pub locality: Locality,
    #[serde(default, deserialize_with = "nullable")]
    pub node: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub network: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub hostname: String,
    #[serde(default, deserialize_with = "nullable")]
    pub capacity: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub application_tunnel: ApplicationTunnel,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub authorization_policies: Option<Vec<String>>,
}

impl Workload {
    /// The workload's IPs (empty when the dump has none).
    pub fn ips(&self) -> &[String] {
        self.workload_ips.as_deref().unwrap_or(&[])
    }
}

/// A load-balancing setting of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    #[serde(default, deserialize_with = "nullable")]
    pub mode: String,
    #[serde(default)]
    pub routing_preferences: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub health_policy: String,
}

/// One endpoint of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default, deserialize_with = "nullable")]
    pub workload_uid: String,
    #[serde(default, deserialize_with = "nullable")]
    pub service: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub address: String,
    #[serde(default)]
    pub port: Option<BTreeMap<String, Value>>,
}

/// One service ztunnel knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub hostname: String,
    #[serde(default)]
    pub vips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub cidr_vips: Option<Vec<Value>>,
    #[serde(default)]
    pub ports: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<GatewayAddress>,
    #[serde(default)]
    pub endpoints: Option<BTreeMap<String, Endpoint>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub subject_alt_names: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub ip_families: String,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub canonical: bool,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub visibility: String,
}

impl Service {
    /// The service's VIPs (`network/IP`).
    pub fn vip_list(&self) -> &[String] {
        self.vips.as_deref().unwrap_or(&[])
    }
}

/// A string matcher of a policy rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StringMatch {
    #[serde(
        rename = "Exact",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub exact: String,
    #[serde(
        rename = "Suffix",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub suffix: String,
    #[serde(
        rename = "Prefix",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub prefix: String,
    #[serde(rename = "Presence", default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Value>,
}

/// A service-account matcher of a policy rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountMatch {
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub service_account: String,
}

fn none_or_empty<T>(v: &Option<Vec<T>>) -> bool {
    v.as_ref().is_none_or(Vec::is_empty)
}

/// One match clause of a policy rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyMatch {
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub namespaces: Option<Vec<StringMatch>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_namespaces: Option<Vec<StringMatch>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub principals: Option<Vec<StringMatch>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_principals: Option<Vec<StringMatch>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub source_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_source_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub destination_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_destination_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub destination_ports: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_destination_ports: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub service_accounts: Option<Vec<ServiceAccountMatch>>,
    #[serde(default, skip_serializing_if = "none_or_empty")]
    pub not_service_accounts: Option<Vec<ServiceAccountMatch>>,
}

/// A rule's clauses (all must hold), each a list of matches (any may hold).
pub type RuleClauses = Vec<Option<Vec<Option<PolicyMatch>>>>;

/// One authorization policy, as ztunnel enforces it (L4 only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub scope: String,
    #[serde(default, deserialize_with = "nullable")]
    pub action: String,
    #[serde(default)]
    pub rules: Option<Vec<Option<RuleClauses>>>,
}

/// One certificate of a chain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cert {
    #[serde(default, deserialize_with = "nullable")]
    pub pem: String,
    #[serde(default, deserialize_with = "nullable")]
    pub serial_number: String,
    #[serde(default, deserialize_with = "nullable")]
    pub valid_from: String,
    #[serde(default, deserialize_with = "nullable")]
    pub expiration_time: String,
}

/// The certificate ztunnel holds (or is fetching) for one identity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertsDump {
    #[serde(default, deserialize_with = "nullable")]
    pub identity: String,
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
    #[serde(default)]
    pub cert_chain: Option<Vec<Cert>>,
    #[serde(default)]
    pub root_certs: Option<Vec<Cert>>,
}

/// One proxied connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    #[serde(default, deserialize_with = "nullable")]
    pub src: String,
    #[serde(default, deserialize_with = "nullable")]
    pub original_dst: String,
    #[serde(default, deserialize_with = "nullable")]
    pub actual_dst: String,
    #[serde(default, deserialize_with = "nullable")]
    pub protocol: String,
}

/// A workload's live connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadConnections {
    #[serde(default)]
    pub inbound: Option<Vec<Connection>>,
    #[serde(default)]
    pub outbound: Option<Vec<Connection>>,
}

/// Who a `workloadState` entry is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadInfo {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub trust_domain: String,
    #[serde(default, deserialize_with = "nullable")]
    pub service_account: String,
}

/// One `workloadState` entry: a workload this ztunnel proxies (in-pod mode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadState {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_empty"
    )]
    pub state: String,
    #[serde(default, deserialize_with = "nullable")]
    pub connections: WorkloadConnections,
    #[serde(default, deserialize_with = "nullable")]
    pub info: WorkloadInfo,
}
