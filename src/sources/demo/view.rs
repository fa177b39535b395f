//! What one simulated proxy has, read back from its own generated
//! `/config_dump?include_eds`: clusters with circuit-breaker limits and hosts,
//! and listeners with addresses. `/clusters`, `/listeners` and the stat names
//! all come from here, so they always agree with the config dump.

use serde_json::Value;

/// One upstream host of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostView {
    /// IP or pipe path.
    pub address: String,
    /// Port (0 for pipes).
    pub port: u64,
    /// A unix socket rather than IP:port.
    pub pipe: bool,
    /// EDS health status (`HEALTHY`, `UNHEALTHY`).
    pub health: String,
    /// Locality zone, empty when none.
    pub zone: String,
    /// Locality region, empty when none.
    pub region: String,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClusterView {
    /// Cluster name.
    pub name: String,
    /// Delivered by CDS.
    pub added_via_api: bool,
    /// `[max_connections, max_pending_requests, max_requests, max_retries]`
    /// of the DEFAULT priority (Envoy defaults 1024/1024/1024/3 when unset).
    pub limits: [u64; 4],
    /// Hosts.
    pub hosts: Vec<HostView>,
}

/// One listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListenerView {
    /// Listener name (`0.0.0.0_15090` for unnamed static ones).
    pub name: String,
    /// Bound address.
    pub address: String,
    /// Port.
    pub port: u64,
}

/// The runtime shape of one proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyView {
    /// Static then dynamic active clusters, in dump order.
    pub clusters: Vec<ClusterView>,
    /// Static then dynamic active listeners, in dump order.
    pub listeners: Vec<ListenerView>,
}

const ENVOY_DEFAULT_LIMITS: [u64; 4] = [1024, 1024, 1024, 3];

fn socket(addr: &Value) -> (String, u64, bool) {
    if let Some(p) = addr.pointer("/pipe/path").and_then(Value::as_str) {
        return (p.to_string(), 0, true);
    }
    let sa = &addr["socket_address"];
    (
        sa["address"].as_str().unwrap_or("").to_string(),
        sa["port_value"].as_u64().unwrap_or(0),
        false,
    )
}

fn hosts_of(assignment: &Value) -> Vec<HostView> {
    let mut out = Vec::new();
    for locality in assignment["endpoints"].as_array().into_iter().flatten() {
        let zone = locality.pointer("/locality/zone").and_then(Value::as_str);
        let region = locality.pointer("/locality/region").and_then(Value::as_str);
        for lb in locality["lb_endpoints"].as_array().into_iter().flatten() {
            let (address, port, pipe) = socket(&lb["endpoint"]["address"]);
            out.push(HostView {
                address,
                port,
                pipe,
                health: lb["health_status"]
                    .as_str()
                    .unwrap_or("HEALTHY")
                    .to_string(),
                zone: zone.unwrap_or("").to_string(),
                region: region.unwrap_or("").to_string(),
            });
        }
    }
    out
}

fn limits(cluster: &Value) -> [u64; 4] {
    let t = cluster.pointer("/circuit_breakers/thresholds/0");
    let mut out = ENVOY_DEFAULT_LIMITS;
    for (i, k) in [
        "max_connections",
        "max_pending_requests",
        "max_requests",
        "max_retries",
    ]
    .iter()
    .enumerate()
    {
        if let Some(v) = t.and_then(|t| t[*k].as_u64()) {
            out[i] = v;
        }
    }
    out
}

impl ProxyView {
    /// Reads the view from a parsed `/config_dump?include_eds`.
    pub fn from_dump(dump: &Value) -> ProxyView {
        let mut view = ProxyView::default();
        let configs = dump["configs"].as_array().map_or(&[][..], Vec::as_slice);
        let section = |suffix: &str| {
            configs
                .iter()
                .find(|c| c["@type"].as_str().is_some_and(|t| t.ends_with(suffix)))
        };
        let eds: Vec<&Value> = section("EndpointsConfigDump")
            .and_then(|s| s["dynamic_endpoint_configs"].as_array())
            .into_iter()
            .flatten()
            .map(|e| &e["endpoint_config"])
            .collect();
        if let Some(cds) = section(".ClustersConfigDump") {
            for (key, via_api) in [
                ("static_clusters", false),
                ("dynamic_active_clusters", true),
            ] {
                for entry in cds[key].as_array().into_iter().flatten() {
                    let c = &entry["cluster"];
                    let name = c["name"].as_str().unwrap_or("").to_string();
                    let hosts = if c.get("load_assignment").is_some() {
                        hosts_of(&c["load_assignment"])
                    } else {
                        eds.iter()
                            .find(|e| e["cluster_name"].as_str() == Some(name.as_str()))
                            .map(|e| hosts_of(e))
                            .unwrap_or_default()
                    };
                    view.clusters.push(ClusterView {
                        limits: limits(c),
                        name,
                        added_via_api: via_api,
                        hosts,
                    });
                }
            }
        }
        if let Some(lds) = section(".ListenersConfigDump") {
            for entry in lds["static_listeners"].as_array().into_iter().flatten() {
                view.push_listener(&entry["listener"], None);
            }
            for entry in lds["dynamic_listeners"].as_array().into_iter().flatten() {
                if let Some(l) = entry.pointer("/active_state/listener") {
                    view.push_listener(l, entry["name"].as_str());
                }
            }
        }
        view
    }

    fn push_listener(&mut self, l: &Value, name: Option<&str>) {
        let (address, port, _) = socket(&l["address"]);
        let name = name
            .or_else(|| l["name"].as_str())
            .map_or_else(|| format!("{address}_{port}"), str::to_string);
        self.listeners.push(ListenerView {
            name,
            address,
            port,
        });
    }
}
