//! `istioctl proxy-config endpoints`: from a config dump's EDS section
//! (`NAME STATUS LOCALITY CLUSTER`, as in `proxy-config all`) or from
//! `/clusters?format=json` (`ENDPOINT STATUS OUTLIER CHECK CLUSTER`).

use std::borrow::Cow;
use std::fmt::Write;

use serde::Deserialize;

use super::tabwriter;
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ConfigDump, Kind, SubsetKey};

/// istioctl's endpoint filters.
#[derive(Debug, Clone, Default)]
pub struct EndpointFilter {
    /// `--address`: compared case-insensitively with the endpoint as printed
    /// (for EDS that is `ip:port`; for `/clusters` the bare IP), like istioctl.
    pub address: Option<String>,
    /// `--port`.
    pub port: Option<u32>,
    /// `--cluster`, case-insensitive.
    pub cluster: Option<String>,
    /// `--status` (`healthy`, `unhealthy`…), case-insensitive.
    pub status: Option<String>,
}

impl EndpointFilter {
    fn matches(&self, address: &str, port: u32, cluster: &str, status: &str) -> bool {
        let eq =
            |f: &Option<String>, v: &str| f.as_deref().is_none_or(|s| s.eq_ignore_ascii_case(v));
        eq(&self.address, address)
            && self.port.is_none_or(|p| p == port)
            && eq(&self.cluster, cluster)
            && eq(&self.status, status)
    }
}

#[derive(Deserialize)]
struct Cla<'a> {
    #[serde(borrow, default, alias = "clusterName")]
    cluster_name: Cow<'a, str>,
    #[serde(borrow, default)]
    endpoints: Vec<LocalityLb<'a>>,
}

#[derive(Deserialize)]
struct LocalityLb<'a> {
    #[serde(borrow, default)]
    locality: Option<Locality<'a>>,
    #[serde(borrow, default, alias = "lbEndpoints")]
    lb_endpoints: Vec<LbEndpoint<'a>>,
}

#[derive(Deserialize, Default)]
struct Locality<'a> {
    #[serde(borrow, default)]
    region: Cow<'a, str>,
    #[serde(borrow, default)]
    zone: Cow<'a, str>,
    #[serde(borrow, default, alias = "subZone")]
    sub_zone: Cow<'a, str>,
}

#[derive(Deserialize)]
struct LbEndpoint<'a> {
    #[serde(borrow, default)]
    endpoint: Option<EndpointAddr<'a>>,
    #[serde(borrow, default, alias = "healthStatus")]
    health_status: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct EndpointAddr<'a> {
    #[serde(borrow, default)]
    address: Option<Addr<'a>>,
}

#[derive(Deserialize)]
struct Addr<'a> {
    #[serde(borrow, default, alias = "socketAddress")]
    socket_address: Option<Sock<'a>>,
    #[serde(borrow, default)]
    pipe: Option<PipeAddr<'a>>,
    #[serde(borrow, default, alias = "envoyInternalAddress")]
    envoy_internal_address: Option<Internal<'a>>,
}

#[derive(Deserialize)]
struct Sock<'a> {
    #[serde(borrow, default)]
    address: Cow<'a, str>,
    #[serde(default, alias = "portValue")]
    port_value: u32,
}

#[derive(Deserialize)]
struct PipeAddr<'a> {
    #[serde(borrow, default)]
    path: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Internal<'a> {
    #[serde(borrow, default, alias = "serverListenerName")]
    server_listener_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "endpointId")]
    endpoint_id: Cow<'a, str>,
}

/// One EDS endpoint as istioctl describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EdsEndpoint {
    /// `ip:port`, a pipe path, `envoy://listener/id`, or `unknown`.
    pub address: String,
    /// Port (0 for non-socket addresses).
    pub port: u32,
    /// Health status name, `UNKNOWN` when unset.
    pub status: String,
    /// `region/zone/sub_zone`, trimmed like Istio's LocalityToString.
    pub locality: String,
    /// The cluster it belongs to.
    pub cluster: String,
}

fn locality_string(l: Option<&Locality<'_>>) -> String {
    let Some(l) = l else { return String::new() };
    let mut s = l.region.to_string();
    if l.zone.is_empty() {
        return s;
    }
    s.push('/');
    s.push_str(&l.zone);
    if !l.sub_zone.is_empty() {
        s.push('/');
        s.push_str(&l.sub_zone);
    }
    s
}

/// Every EDS endpoint in the dump (dynamic, then static), filtered and in
/// istioctl's order (by cluster FQDN, subset, port, direction).
pub fn eds_endpoints(
    dump: &ConfigDump<'_>,
    filter: &EndpointFilter,
) -> Result<Vec<EdsEndpoint>, serde_json::Error> {
    let mut groups: Vec<(String, Vec<EdsEndpoint>)> = Vec::new();
    for raw in dump.listed_raw(Kind::Endpoint) {
        let cla: Cla<'_> = serde_json::from_str(raw)?;
        let mut eps = Vec::new();
        for llb in &cla.endpoints {
            for ep in &llb.lb_endpoints {
                let (address, port) =
                    describe_address(ep.endpoint.as_ref().and_then(|e| e.address.as_ref()));
                let status = ep.health_status.as_deref().unwrap_or("UNKNOWN").to_string();
                if filter.matches(&address, port, &cla.cluster_name, &status) {
                    eps.push(EdsEndpoint {
                        address,
                        port,
                        status,
                        locality: locality_string(llb.locality.as_ref()),
                        cluster: cla.cluster_name.to_string(),
                    });
                }
            }
        }
        if !eps.is_empty() {
            groups.push((cla.cluster_name.to_string(), eps));
        }
    }
    groups.sort_by(|a, b| sort_key(&a.0).cmp(&sort_key(&b.0)));
    Ok(groups.into_iter().flat_map(|(_, e)| e).collect())
}

fn sort_key(name: &str) -> (&str, &str, u32, &str) {
    match SubsetKey::parse(name) {
        Some(k) => (k.fqdn, k.subset, k.port, k.direction),
        None => (name, "", 0, ""),
    }
}

fn describe_address(addr: Option<&Addr<'_>>) -> (String, u32) {
    let Some(a) = addr else {
        return ("unknown".into(), 0);
    };
    if let Some(s) = &a.socket_address {
        return (format!("{}:{}", s.address, s.port_value), s.port_value);
    }
    if let Some(p) = &a.pipe {
        return (p.path.to_string(), 0);
    }
    if let Some(i) = &a.envoy_internal_address {
        if let Some(l) = &i.server_listener_name {
            return (format!("envoy://{l}/{}", i.endpoint_id), 0);
        }
    }
    ("unknown".into(), 0)
}

/// The EDS table (`NAME STATUS LOCALITY CLUSTER`).
pub fn eds_table(endpoints: &[EdsEndpoint], include_config_type: bool) -> String {
    let mut t = String::from("NAME\tSTATUS\tLOCALITY\tCLUSTER\n");
    for e in endpoints {
        let prefix = if include_config_type { "endpoint/" } else { "" };
        let _ = writeln!(
            t,
            "{prefix}{}\t{}\t{}\t{}",
            e.address, e.status, e.locality, e.cluster
        );
    }
    tabwriter::format(&t, 5)
}

/// One host from `/clusters`, as istioctl lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeEndpoint {
    /// `ip:port`, `ip` when the port is 0, or `unix://path`.
    pub endpoint: String,
    /// Bare address (IP or `unix://path`).
    pub address: String,
    /// Port.
    pub port: u32,
    /// EDS health status.
    pub status: String,
    /// Ejected by outlier detection.
    pub failed_outlier_check: bool,
    /// Cluster name.
    pub cluster: String,
    /// What load balancing makes of the host: `HEALTHY`, `UNHEALTHY`,
    /// `DEGRADED` or `DRAINING`, from every health flag (`status` is only EDS's).
    pub health: &'static str,
    /// Every health flag set, with what it means.
    pub health_flags: Vec<HealthFlagJson>,
}

/// A health flag in `-o json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HealthFlagJson {
    /// Envoy's name, e.g. `failed_active_health_check`.
    pub flag: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// Hosts from `/clusters?format=json`, filtered and sorted by address, port, cluster.
pub fn runtime_endpoints(cs: &ClusterStatuses, filter: &EndpointFilter) -> Vec<RuntimeEndpoint> {
    let mut out = Vec::new();
    for c in &cs.cluster_statuses {
        for h in &c.host_statuses {
            let (address, port) = match (&h.address.socket_address, &h.address.pipe) {
                (Some(sa), _) => (sa.address.clone(), sa.port_value),
                (None, Some(p)) => (format!("unix://{}", p.path), 0),
                (None, None) => ("unix://".to_string(), 0),
            };
            if !filter.matches(&address, port, &c.name, h.health()) {
                continue;
            }
            out.push(RuntimeEndpoint {
                endpoint: h.endpoint(),
                address,
                port,
                status: h.health().to_string(),
                failed_outlier_check: h.health_status.failed_outlier_check,
                cluster: c.name.clone(),
                health: h.health_status.effective(),
                health_flags: h
                    .health_status
                    .flags()
                    .into_iter()
                    .map(|f| HealthFlagJson {
                        flag: f.name(),
                        meaning: f.meaning(),
                    })
                    .collect(),
            });
        }
    }
    out.sort_by(|a, b| (&a.address, a.port, &a.cluster).cmp(&(&b.address, b.port, &b.cluster)));
    out
}

/// The `/clusters` table (`ENDPOINT STATUS OUTLIER CHECK CLUSTER`).
pub fn runtime_table(endpoints: &[RuntimeEndpoint]) -> String {
    let mut t = String::from("ENDPOINT\tSTATUS\tOUTLIER CHECK\tCLUSTER\n");
    for e in endpoints {
        let outlier = if e.failed_outlier_check {
            "FAILED"
        } else {
            "OK"
        };
        let _ = writeln!(t, "{}\t{}\t{outlier}\t{}", e.endpoint, e.status, e.cluster);
    }
    tabwriter::format(&t, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eds_rows_sorted_and_filtered() {
        let text = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
          "static_endpoint_configs":[{"endpoint_config":{"cluster_name":"prometheus_stats","endpoints":[{"locality":{},"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"127.0.0.1","port_value":15000}}},"health_status":"HEALTHY"}]}]}}],
          "dynamic_endpoint_configs":[{"endpoint_config":{"cluster_name":"outbound|80||b.ns.svc.cluster.local","endpoints":[{"locality":{"region":"eu","zone":"a"},"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"10.0.0.2","port_value":80}}}},{"endpoint":{"address":{"socket_address":{"address":"10.0.0.3","port_value":80}}},"health_status":"UNHEALTHY"}]}]}}]}]}"#;
        let d = ConfigDump::parse(text).unwrap();
        let eps = eds_endpoints(&d, &EndpointFilter::default()).unwrap();
        assert_eq!(
            eds_table(&eps, false),
            "NAME                STATUS        LOCALITY     CLUSTER\n\
             10.0.0.2:80         UNKNOWN       eu/a         outbound|80||b.ns.svc.cluster.local\n\
             10.0.0.3:80         UNHEALTHY     eu/a         outbound|80||b.ns.svc.cluster.local\n\
             127.0.0.1:15000     HEALTHY                    prometheus_stats\n"
        );
        let f = EndpointFilter {
            status: Some("unhealthy".into()),
            ..Default::default()
        };
        assert_eq!(eds_endpoints(&d, &f).unwrap().len(), 1);
    }

    #[test]
    fn runtime_rows_sorted_by_address() {
        let cs = ClusterStatuses::parse(r#"{"cluster_statuses":[{"name":"c1","host_statuses":[
            {"address":{"socket_address":{"address":"10.0.0.9","port_value":80}},"health_status":{"eds_health_status":"HEALTHY","failed_outlier_check":true}},
            {"address":{"socket_address":{"address":"10.0.0.10","port_value":80}},"health_status":{"eds_health_status":"HEALTHY"}}]}]}"#).unwrap();
        let rows = runtime_endpoints(&cs, &EndpointFilter::default());
        assert_eq!(
            runtime_table(&rows),
            "ENDPOINT         STATUS      OUTLIER CHECK     CLUSTER\n\
             10.0.0.10:80     HEALTHY     OK                c1\n\
             10.0.0.9:80      HEALTHY     FAILED            c1\n"
        );
        let f = EndpointFilter {
            address: Some("10.0.0.9".into()),
            ..Default::default()
        };
        assert_eq!(runtime_endpoints(&cs, &f).len(), 1);
    }
}
