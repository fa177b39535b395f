//! `istioctl proxy-config listeners`: a port of `PrintListenerSummary` in istio's
//! `istioctl/pkg/writer/envoy/configdump/listener.go` (tabwriter padding 1),
//! including how it describes filter-chain matches and destinations
//! (`getMatches`, `getFilterType`, `describeRouteConfig`, `getMatchAllCluster`).

use serde_json::Value;

use super::go_sort;
use super::routes::{arr_field, describe_match, field, str_field, strings};
use super::tabwriter;

const HTTP_CONNECTION_MANAGER: &str = "envoy.filters.network.http_connection_manager";
const TCP_PROXY: &str = "envoy.filters.network.tcp_proxy";
const BLACK_HOLE_CLUSTER: &str = "BlackHoleCluster";

/// Which listeners `istioctl proxy-config listeners` prints (`--address`, `--port`, `--type`, `--verbose`).
#[derive(Debug, Clone, Default)]
pub struct ListenerFilter {
    /// Case-insensitive match on the listener address or any additional address.
    pub address: Option<String>,
    /// Listener port; `None` or `0` means any.
    pub port: Option<u32>,
    /// Case-insensitive match on `HTTP`, `TCP`, `HTTP+TCP` or `UNKNOWN`.
    pub r#type: Option<String>,
    /// One row per filter chain with MATCH and DESTINATION (istioctl's default) instead of TYPE.
    pub verbose: bool,
}

/// The listeners table istioctl prints, byte for byte.
///
/// `listeners` are the `listener` objects in the order istioctl iterates them:
/// **`dynamic_listeners[].active_state.listener` first, then `static_listeners[].listener`**
/// (warming and draining states are skipped). Order matters for ties, because
/// istioctl sorts with Go's unstable `sort.Slice` (ported exactly in `go_sort`).
/// `include_config_type` is the `proxy-config all` layout (NAME column, `listener/` prefix).
/// istioctl fails with "no listeners found" when the dump has no listener at all;
/// here that case yields the header line only.
pub fn listener_table(
    listeners: &[Value],
    filter: &ListenerFilter,
    include_config_type: bool,
) -> String {
    let mut out = String::new();
    if include_config_type {
        out.push_str("NAME\t");
    }
    out.push_str(if filter.verbose {
        "ADDRESSES\tPORT\tMATCH\tDESTINATION\n"
    } else {
        "ADDRESSES\tPORT\tTYPE\n"
    });
    for row in listener_rows(listeners, filter) {
        let prefix = if include_config_type {
            format!("listener/{}\t", row.name)
        } else {
            String::new()
        };
        if !filter.verbose {
            out.push_str(&format!(
                "{prefix}{}\t{}\t{}\n",
                row.addresses, row.port, row.kind
            ));
            continue;
        }
        for chain in &row.chains {
            out.push_str(&format!(
                "{prefix}{}\t{}\t{}\t{}\n",
                row.addresses, row.port, chain.matched, chain.destination
            ));
        }
    }
    tabwriter::format(&out, 1)
}

/// One listener as istioctl describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerRow {
    /// Listener name.
    pub name: String,
    /// Main and additional addresses, comma-separated.
    pub addresses: String,
    /// Port.
    pub port: u32,
    /// `HTTP`, `TCP`, `HTTP+TCP` or `UNKNOWN`.
    pub kind: &'static str,
    /// Filter chains in istioctl's order.
    pub chains: Vec<ChainRow>,
}

/// One filter chain of a listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    /// istioctl's MATCH column.
    pub matched: String,
    /// istioctl's DESTINATION column (which hides `BlackHoleCluster` TCP proxies).
    pub destination: String,
    /// The cluster of the chain's `tcp_proxy`, when it has one, blackholes included.
    pub tcp_cluster: Option<String>,
}

/// The listeners that pass `filter`, in istioctl's order, with their chains.
pub fn listener_rows(listeners: &[Value], filter: &ListenerFilter) -> Vec<ListenerRow> {
    let mut rows: Vec<Summary> = listeners
        .iter()
        .map(Summary::new)
        .filter(|s| s.passes(filter))
        .collect();
    go_sort::sort_slice(&mut rows, |a, b| {
        if a.port != b.port {
            return a.port < b.port;
        }
        if a.address != b.address {
            return a.address < b.address;
        }
        a.kind < b.kind
    });
    rows.into_iter()
        .map(|row| {
            let mut chains: Vec<ChainRow> = filter_chains(row.listener)
                .map(|fc| ChainRow {
                    matched: describe_chain_match(field(fc, "filter_chain_match")),
                    destination: destination(arr_field(fc, "filters")),
                    tcp_cluster: tcp_cluster(arr_field(fc, "filters")),
                })
                .collect();
            go_sort::sort_slice(&mut chains, |a, b| a.destination > b.destination);
            ListenerRow {
                name: str_field(row.listener, "name").to_string(),
                addresses: row.addresses.join(","),
                port: row.port,
                kind: row.kind,
                chains,
            }
        })
        .collect()
}

/// What istioctl derives once per listener.
struct Summary<'a> {
    listener: &'a Value,
    /// The main address (socket address or pipe path), then `additional_addresses`.
    addresses: Vec<&'a str>,
    address: &'a str,
    port: u32,
    kind: &'static str,
}

impl<'a> Summary<'a> {
    fn new(listener: &'a Value) -> Self {
        let addr = field(listener, "address");
        let socket = addr.and_then(|a| field(a, "socket_address"));
        let address = match (socket, addr.and_then(|a| field(a, "pipe"))) {
            (Some(s), _) => str_field(s, "address"),
            (None, Some(pipe)) => str_field(pipe, "path"),
            _ => "",
        };
        let mut addresses = vec![address];
        for extra in arr_field(listener, "additional_addresses") {
            let socket = field(extra, "address").and_then(|a| field(a, "socket_address"));
            addresses.push(socket.map(|s| str_field(s, "address")).unwrap_or(""));
        }
        let port = socket
            .and_then(|s| field(s, "port_value"))
            .map(as_u32)
            .unwrap_or(0);
        Summary {
            listener,
            addresses,
            address,
            port,
            kind: listener_type(listener),
        }
    }

    /// Go `ListenerFilter.Verify`.
    fn passes(&self, f: &ListenerFilter) -> bool {
        let address = f.address.as_deref().unwrap_or("");
        if !address.is_empty()
            && !self
                .addresses
                .iter()
                .any(|a| a.to_lowercase() == address.to_lowercase())
        {
            return false;
        }
        let port = f.port.unwrap_or(0);
        if port != 0 && port != self.port {
            return false;
        }
        let kind = f.r#type.as_deref().unwrap_or("");
        kind.is_empty() || kind.to_lowercase() == self.kind.to_lowercase()
    }
}

fn as_u32(v: &Value) -> u32 {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// Go `getFilterChains`: the filter chains, then the default filter chain.
fn filter_chains(listener: &Value) -> impl Iterator<Item = &Value> {
    arr_field(listener, "filter_chains")
        .iter()
        .chain(field(listener, "default_filter_chain"))
}

/// A TCP proxy whose serialized config mentions `BlackHoleCluster` is ignored, like istioctl does.
fn is_black_hole(filter: &Value) -> bool {
    fn mentions(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains(BLACK_HOLE_CLUSTER),
            Value::Array(a) => a.iter().any(mentions),
            Value::Object(o) => o.iter().any(|(k, v)| k != "@type" && mentions(v)),
            _ => false,
        }
    }
    field(filter, "typed_config").is_some_and(mentions)
}

/// Go `retrieveListenerType`: HTTP | TCP | HTTP+TCP | UNKNOWN.
fn listener_type(listener: &Value) -> &'static str {
    let (mut http, mut tcp) = (0, 0);
    for filter in filter_chains(listener).flat_map(|fc| arr_field(fc, "filters")) {
        match str_field(filter, "name") {
            HTTP_CONNECTION_MANAGER => http += 1,
            TCP_PROXY if !is_black_hole(filter) => tcp += 1,
            _ => {}
        }
    }
    match (http > 0, tcp > 0) {
        (true, false) => "HTTP",
        (true, true) => "HTTP+TCP",
        (false, true) => "TCP",
        (false, false) => "UNKNOWN",
    }
}

/// Go `getMatches`: SNI, transport, ALPN, destination address/port; `ALL` when unconstrained.
fn describe_chain_match(m: Option<&Value>) -> String {
    let Some(m) = m else { return "ALL".to_string() };
    let mut descrs = Vec::new();
    let sni = strings(m, "server_names");
    if !sni.is_empty() {
        descrs.push(format!("SNI: {}", sni.join(",")));
    }
    let transport = str_field(m, "transport_protocol");
    if !transport.is_empty() {
        descrs.push(format!("Trans: {transport}"));
    }
    let alpn = strings(m, "application_protocols");
    if !alpn.is_empty() {
        descrs.push(describe_alpn(&alpn));
    }
    let port = field(m, "destination_port")
        .map(|p| format!(":{}", as_u32(p)))
        .unwrap_or_default();
    let ranges = arr_field(m, "prefix_ranges");
    if !ranges.is_empty() {
        let cidrs: Vec<String> = ranges
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    str_field(r, "address_prefix"),
                    field(r, "prefix_len").map(as_u32).unwrap_or(0)
                )
            })
            .collect();
        descrs.push(format!("Addr: {}{port}", cidrs.join(",")));
    } else if !port.is_empty() {
        descrs.push(format!("Addr: *{port}"));
    }
    if descrs.is_empty() {
        return "ALL".to_string();
    }
    descrs.join("; ")
}

/// Go `protDescrs`: the well-known Istio ALPN sets get a name, others are listed.
fn describe_alpn(alpn: &[&str]) -> String {
    const KNOWN: [(&str, &[&str]); 4] = [
        (
            "App: HTTP TLS",
            &[
                "http/1.0",
                "http/1.1",
                "h2c",
                "istio-http/1.0",
                "istio-http/1.1",
                "istio-h2",
            ],
        ),
        (
            "App: Istio HTTP Plain",
            &["istio", "istio-http/1.0", "istio-http/1.1", "istio-h2"],
        ),
        ("App: TCP TLS", &["istio-peer-exchange", "istio"]),
        ("App: HTTP", &["http/1.0", "http/1.1", "h2c"]),
    ];
    match KNOWN.iter().find(|(_, set)| *set == alpn) {
        Some((name, _)) => (*name).to_string(),
        None => format!("App: {}", alpn.join(",")),
    }
}

/// Go `getFilterType`: where the first HTTP connection manager or TCP proxy sends traffic.
fn destination(filters: &[Value]) -> String {
    for filter in filters {
        let config = field(filter, "typed_config").unwrap_or(&Value::Null);
        match str_field(filter, "name") {
            HTTP_CONNECTION_MANAGER => {
                if let Some(rc) = field(config, "route_config") {
                    return describe_route_config(rc);
                }
                let rds = field(config, "rds")
                    .map(|r| str_field(r, "route_config_name"))
                    .unwrap_or("");
                if !rds.is_empty() {
                    return format!("Route: {rds}");
                }
                return "HTTP".to_string();
            }
            TCP_PROXY if !is_black_hole(filter) => {
                return cluster_destination(str_field(config, "cluster"))
            }
            _ => {}
        }
    }
    "Non-HTTP/Non-TCP".to_string()
}

/// The cluster a chain's `tcp_proxy` sends to, whatever it is.
fn tcp_cluster(filters: &[Value]) -> Option<String> {
    filters
        .iter()
        .find(|f| str_field(f, "name") == TCP_PROXY)
        .and_then(|f| field(f, "typed_config"))
        .map(|c| str_field(c, "cluster").to_string())
        .filter(|c| !c.is_empty())
}

/// Go `describeRouteConfig`, the DESTINATION of a listener with an inline route config.
fn describe_route_config(rc: &Value) -> String {
    if let Some(cluster) = match_all_cluster(rc) {
        return cluster;
    }
    let vhosts: Vec<String> = arr_field(rc, "virtual_hosts")
        .iter()
        .map(|vh| {
            let domains = strings(vh, "domains");
            let routes: Vec<String> = arr_field(vh, "routes")
                .iter()
                .map(|r| field(r, "match").map(describe_match).unwrap_or_default())
                .collect();
            let routes = routes.join(", ");
            if domains == ["*"] {
                routes
            } else {
                format!("{} {routes}", domains.join("/"))
            }
        })
        .collect();
    format!("Inline Route: {}", vhosts.join("; "))
}

/// Go `getMatchAllCluster`: one `*` vhost with one `/` prefix route to a plain cluster.
fn match_all_cluster(rc: &Value) -> Option<String> {
    let [vh] = arr_field(rc, "virtual_hosts") else {
        return None;
    };
    let [r] = arr_field(vh, "routes") else {
        return None;
    };
    if strings(vh, "domains") != ["*"]
        || field(r, "match").map(|m| str_field(m, "prefix")) != Some("/")
    {
        return None;
    }
    let cluster = field(r, "route")
        .and_then(|a| field(a, "cluster"))
        .and_then(Value::as_str)?;
    Some(cluster_destination(cluster))
}

/// istioctl prints `Cluster: <name>`, except names like `PassthroughCluster` bare.
fn cluster_destination(cluster: &str) -> String {
    if cluster.contains("Cluster") {
        cluster.to_string()
    } else {
        format!("Cluster: {cluster}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tcp(cluster: &str) -> Value {
        json!({"name": TCP_PROXY, "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "cluster": cluster}})
    }

    fn rds(name: &str) -> Value {
        json!({"name": HTTP_CONNECTION_MANAGER, "typedConfig": {"rds": {"routeConfigName": name}}})
    }

    fn sample() -> Vec<Value> {
        vec![
            json!({"name": "virtualOutbound", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15001}},
                "filter_chains": [{"filters": [tcp("BlackHoleCluster")]}, {"filters": [tcp("PassthroughCluster")]}]}),
            json!({"name": "10.0.0.5_443", "address": {"socketAddress": {"address": "10.0.0.5", "portValue": 443}},
                "additionalAddresses": [{"address": {"socketAddress": {"address": "fd00::5"}}}],
                "filterChains": [{"filters": [tcp("outbound|443||api.example")]}]}),
            json!({"name": "0.0.0.0_80", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 80}},
                "filter_chains": [
                    {"filter_chain_match": {"transport_protocol": "tls", "application_protocols": ["istio-peer-exchange", "istio"],
                        "server_names": ["a.example", "b.example"], "destination_port": 80,
                        "prefix_ranges": [{"address_prefix": "10.1.0.0", "prefix_len": 16}]}, "filters": [rds("80")]},
                    {"filter_chain_match": {"application_protocols": ["h2"], "destination_port": 8080}, "filters": [tcp("outbound|80||x")]}],
                "default_filter_chain": {"filters": [{"name": "envoy.filters.network.http_connection_manager",
                    "typed_config": {"route_config": {"virtual_hosts": [{"domains": ["a", "b"], "routes": [{"match": {"path": "/p"}}]}]}}}]}}),
            json!({"address": {"socket_address": {"address": "0.0.0.0", "port_value": 15021}},
                "filter_chains": [{"filters": [{"name": "envoy.filters.network.rbac"}]}]}),
        ]
    }

    #[test]
    fn summary_is_sorted_by_port_then_address_and_typed() {
        let got = listener_table(&sample(), &ListenerFilter::default(), false);
        let want = "ADDRESSES        PORT  TYPE\n\
                    0.0.0.0          80    HTTP+TCP\n\
                    10.0.0.5,fd00::5 443   TCP\n\
                    0.0.0.0          15001 TCP\n\
                    0.0.0.0          15021 UNKNOWN\n";
        assert_eq!(got, want);
    }

    #[test]
    fn verbose_describes_every_chain_sorted_by_destination_descending() {
        let filter = ListenerFilter {
            port: Some(80),
            verbose: true,
            ..Default::default()
        };
        let got = listener_table(&sample(), &filter, false);
        let want = "ADDRESSES PORT MATCH                                                                    DESTINATION\n\
                    0.0.0.0   80   SNI: a.example,b.example; Trans: tls; App: TCP TLS; Addr: 10.1.0.0/16:80 Route: 80\n\
                    0.0.0.0   80   ALL                                                                      Inline Route: a/b /p\n\
                    0.0.0.0   80   App: h2; Addr: *:8080                                                    Cluster: outbound|80||x\n";
        assert_eq!(got, want);
    }

    #[test]
    fn filters_by_address_type_and_config_type_layout() {
        let by_extra_address = ListenerFilter {
            address: Some("FD00::5".into()),
            ..Default::default()
        };
        assert_eq!(
            listener_table(&sample(), &by_extra_address, false),
            "ADDRESSES        PORT TYPE\n10.0.0.5,fd00::5 443  TCP\n"
        );
        let unknown = ListenerFilter {
            r#type: Some("unknown".into()),
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            listener_table(&sample(), &unknown, true),
            "NAME      ADDRESSES PORT  MATCH DESTINATION\nlistener/ 0.0.0.0   15021 ALL   Non-HTTP/Non-TCP\n"
        );
        let tcp_only = ListenerFilter {
            r#type: Some("tcp".into()),
            port: Some(15001),
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            listener_table(&sample(), &tcp_only, true),
            "NAME                     ADDRESSES PORT  MATCH DESTINATION\n\
             listener/virtualOutbound 0.0.0.0   15001 ALL   PassthroughCluster\n\
             listener/virtualOutbound 0.0.0.0   15001 ALL   Non-HTTP/Non-TCP\n"
        );
    }

    #[test]
    fn matches_istioctl_all_listener_section() {
        use super::super::routes::fixtures;
        let Some(dump) = fixtures::read("istio-sidecar-configdump-httpbin.json") else {
            return;
        };
        let Some(golden) =
            fixtures::read("istio-sidecar-configdump-httpbin.istioctl-all.golden.txt")
        else {
            return;
        };
        let listeners = fixtures::objects(
            &dump,
            "ListenersConfigDump",
            ["dynamic_listeners", "/active_state/listener"],
            ["static_listeners", "/listener"],
        );
        assert_eq!(listeners.len(), 2);
        let filter = ListenerFilter {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            listener_table(&listeners, &filter, true),
            fixtures::section(&golden, 2)
        );
    }
}
