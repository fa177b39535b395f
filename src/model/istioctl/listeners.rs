//! `istioctl proxy-config listeners`: a port of `PrintListenerSummary` in istio's
//! `istioctl/pkg/writer/envoy/configdump/listener.go` (tabwriter padding 1),
//! including how it describes filter-chain matches and destinations
//! (`getMatches`, `getFilterType`, `describeRouteConfig`, `getMatchAllCluster`).

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use super::go_sort;
use super::proto::{Filter, FilterChain, FilterChainMatch, FilterConfig, Listener, RouteConfig};
use super::routes::describe_match;
use super::tabwriter;

const HTTP_CONNECTION_MANAGER: &str = "envoy.filters.network.http_connection_manager";
const TCP_PROXY: &str = "envoy.filters.network.tcp_proxy";

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
    listener_table_of(&typed(listeners), filter, include_config_type)
}

/// [`listener_table`] on listeners already read into [`Listener`]s.
pub fn listener_table_of(
    listeners: &[Listener<'_>],
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
    for row in listener_rows_of(listeners, filter) {
        let (prefix, name) = if include_config_type {
            ("listener/", row.name.as_str())
        } else {
            ("", "")
        };
        let tab = if include_config_type { "\t" } else { "" };
        if !filter.verbose {
            let _ = writeln!(
                out,
                "{prefix}{name}{tab}{}\t{}\t{}",
                row.addresses, row.port, row.kind
            );
            continue;
        }
        for chain in &row.chains {
            let _ = writeln!(
                out,
                "{prefix}{name}{tab}{}\t{}\t{}\t{}",
                row.addresses, row.port, chain.matched, chain.destination
            );
        }
    }
    tabwriter::format(&out, 1)
}

/// Reads `Value`s into the typed views (a `Value` cannot fail to read).
fn typed(values: &[Value]) -> Vec<Listener<'_>> {
    values
        .iter()
        .map(|v| Listener::deserialize(v).unwrap_or_default())
        .collect()
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
    listener_rows_of(&typed(listeners), filter)
}

/// [`listener_rows`] on listeners already read into [`Listener`]s.
pub fn listener_rows_of(listeners: &[Listener<'_>], filter: &ListenerFilter) -> Vec<ListenerRow> {
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
                    matched: describe_chain_match(fc.filter_chain_match.get()),
                    destination: destination(&fc.filters),
                    tcp_cluster: tcp_cluster(&fc.filters),
                })
                .collect();
            go_sort::sort_slice(&mut chains, |a, b| a.destination > b.destination);
            ListenerRow {
                name: row.listener.name.get().to_string(),
                addresses: row.addresses.join(","),
                port: row.port,
                kind: row.kind,
                chains,
            }
        })
        .collect()
}

/// What istioctl derives once per listener.
struct Summary<'l, 'a> {
    listener: &'l Listener<'a>,
    /// The main address (socket address or pipe path), then `additional_addresses`.
    addresses: Vec<&'l str>,
    address: &'l str,
    port: u32,
    kind: &'static str,
}

impl<'l, 'a> Summary<'l, 'a> {
    fn new(listener: &'l Listener<'a>) -> Self {
        let addr = listener.address.get();
        let socket = addr.and_then(|a| a.socket_address.get());
        let address = match (socket, addr.and_then(|a| a.pipe.get())) {
            (Some(s), _) => s.address.get(),
            (None, Some(pipe)) => pipe.path.get(),
            _ => "",
        };
        let mut addresses = vec![address];
        for extra in listener.additional_addresses.iter() {
            let socket = extra.address.get().and_then(|a| a.socket_address.get());
            addresses.push(socket.map(|s| s.address.get()).unwrap_or(""));
        }
        let port = socket.map(|s| s.port_value.0).unwrap_or(0);
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

/// Go `getFilterChains`: the filter chains, then the default filter chain.
fn filter_chains<'l, 'a>(listener: &'l Listener<'a>) -> impl Iterator<Item = &'l FilterChain<'a>> {
    listener
        .filter_chains
        .iter()
        .chain(listener.default_filter_chain.get())
}

/// A TCP proxy whose serialized config mentions `BlackHoleCluster` is ignored, like istioctl does.
fn is_black_hole(filter: &Filter<'_>) -> bool {
    filter
        .typed_config
        .as_ref()
        .is_some_and(|c| c.mentions_black_hole)
}

/// Go `retrieveListenerType`: HTTP | TCP | HTTP+TCP | UNKNOWN.
fn listener_type(listener: &Listener<'_>) -> &'static str {
    let (mut http, mut tcp) = (0, 0);
    for filter in filter_chains(listener).flat_map(|fc| fc.filters.iter()) {
        match filter.name.get() {
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
fn describe_chain_match(m: Option<&FilterChainMatch<'_>>) -> String {
    let Some(m) = m else { return "ALL".to_string() };
    let mut descrs = Vec::new();
    let sni = m.server_names.to_strs();
    if !sni.is_empty() {
        descrs.push(format!("SNI: {}", sni.join(",")));
    }
    let transport = m.transport_protocol.get();
    if !transport.is_empty() {
        descrs.push(format!("Trans: {transport}"));
    }
    let alpn = m.application_protocols.to_strs();
    if !alpn.is_empty() {
        descrs.push(describe_alpn(&alpn));
    }
    let port = m
        .destination_port
        .map(|p| format!(":{}", p.0))
        .unwrap_or_default();
    let ranges = &m.prefix_ranges;
    if !ranges.is_empty() {
        let cidrs: Vec<String> = ranges
            .iter()
            .map(|r| format!("{}/{}", r.address_prefix.get(), r.prefix_len.0))
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
fn destination(filters: &[Filter<'_>]) -> String {
    let none = FilterConfig::default();
    for filter in filters {
        let config = filter.typed_config.as_ref().unwrap_or(&none);
        match filter.name.get() {
            HTTP_CONNECTION_MANAGER => {
                if let Some(rc) = config.route_config.get() {
                    return describe_route_config(rc);
                }
                let rds = config.rds_route_config_name.as_ref();
                if !rds.is_empty() {
                    return format!("Route: {rds}");
                }
                return "HTTP".to_string();
            }
            TCP_PROXY if !is_black_hole(filter) => {
                return cluster_destination(config.cluster.get())
            }
            _ => {}
        }
    }
    "Non-HTTP/Non-TCP".to_string()
}

/// The cluster a chain's `tcp_proxy` sends to, whatever it is.
fn tcp_cluster(filters: &[Filter<'_>]) -> Option<String> {
    filters
        .iter()
        .find(|f| f.name.get() == TCP_PROXY)
        .and_then(|f| f.typed_config.as_ref())
        .map(|c| c.cluster.get().to_string())
        .filter(|c| !c.is_empty())
}

/// Go `describeRouteConfig`, the DESTINATION of a listener with an inline route config.
fn describe_route_config(rc: &RouteConfig<'_>) -> String {
    if let Some(cluster) = match_all_cluster(rc) {
        return cluster;
    }
    let vhosts: Vec<String> = rc
        .virtual_hosts
        .iter()
        .map(|vh| {
            let domains = vh.domains.to_strs();
            let routes: Vec<String> = vh
                .routes
                .iter()
                .map(|r| r.matcher.get().map(describe_match).unwrap_or_default())
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
fn match_all_cluster(rc: &RouteConfig<'_>) -> Option<String> {
    let [vh] = &rc.virtual_hosts[..] else {
        return None;
    };
    let [r] = &vh.routes[..] else {
        return None;
    };
    if vh.domains.to_strs() != ["*"] || r.matcher.get().map(|m| m.prefix.get()) != Some("/") {
        return None;
    }
    let cluster = r.route.get().and_then(|a| a.cluster.as_str())?;
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
