//! Route explain, first steps: the listener by port, its filter chain, and the
//! HTTP connection manager's route config (RDS by name or inline).

use serde::Deserialize;
use serde_json::Value;

use super::proto::{snake_keys, RouteConfiguration};
use super::{by_preference, q, Outcome, RouteDecision, Stage, Step, Verdict};
use crate::model::config_dump::{ConfigDump, Kind, State};

/// The HTTP connection manager a request reaches, and what it does before routing.
#[derive(Debug, Default)]
pub struct HttpManager {
    pub listener_port: u16,
    pub route: RouteSource,
    pub strip_any_host_port: bool,
    pub strip_matching_host_port: bool,
    pub normalize_path: bool,
    pub merge_slashes: bool,
}

/// Where the connection manager's routes come from.
#[derive(Debug, Default)]
pub enum RouteSource {
    /// `rds.route_config_name`.
    Rds(String),
    /// `route_config`, inline.
    Inline(Value),
    /// Neither (scoped routes or something newer).
    #[default]
    Unsupported,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListenerProbe {
    name: String,
    address: Option<AddressProbe>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddressProbe {
    #[serde(alias = "socketAddress")]
    socket_address: Option<SocketProbe>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SocketProbe {
    address: String,
    #[serde(alias = "portValue")]
    port_value: u32,
}

/// Finds the listener for `port` and the HTTP connection manager in it.
/// `None` after recording why the walk stops (no listener, TCP, broken JSON).
pub fn resolve(dump: &ConfigDump<'_>, port: u16, d: &mut RouteDecision) -> Option<HttpManager> {
    let mut on_port = Vec::new();
    let mut virtual_outbound = None;
    for r in by_preference(dump, Kind::Listener) {
        let Some(raw) = r.raw else { continue };
        let Ok(p) = serde_json::from_str::<ListenerProbe>(raw.get()) else {
            continue;
        };
        let sock = p.address.and_then(|a| a.socket_address);
        if p.name == "virtualOutbound" && virtual_outbound.is_none() && r.state != State::Draining {
            virtual_outbound = Some(raw);
        }
        if let Some(s) = sock.filter(|s| s.port_value == u32::from(port)) {
            on_port.push((r, s.address));
        }
    }
    // Wildcard addresses first: without the destination IP they are the ones a
    // request to a service port reaches (IP-specific listeners serve TCP services).
    on_port.sort_by_key(|(r, addr)| {
        (
            !matches!(r.state, State::Active | State::Static),
            !matches!(addr.as_str(), "0.0.0.0" | "::"),
        )
    });
    let Some((chosen, address)) = on_port.first() else {
        no_listener(port, virtual_outbound, d);
        return None;
    };
    let mut listener = match chosen.raw.map(|r| serde_json::from_str::<Value>(r.get())) {
        Some(Ok(v)) => v,
        _ => {
            stop(
                d,
                Stage::Listener,
                format!("listener {} is unreadable", q(&chosen.name)),
            );
            return None;
        }
    };
    snake_keys(&mut listener);
    d.listener = Some(chosen.name.to_string());
    let mut step = Step::new(
        Stage::Listener,
        Outcome::Matched,
        format!("listener {} ({address}:{port})", q(&chosen.name)),
    );
    if chosen.state != State::Active && chosen.state != State::Static {
        step = step.with(format!("its state is {}", chosen.state.label()));
    }
    if listener["bind_to_port"] == Value::Bool(false) {
        step = step.with(
            "bind_to_port false: iptables sends the connection to virtualOutbound (15001), \
             which hands it to this listener by its original destination port",
        );
    }
    for (other, addr) in on_port.iter().skip(1) {
        step = step.with(format!(
            "also on port {port}: {} ({addr}), used only for that destination address",
            q(&other.name)
        ));
    }
    d.steps.push(step);
    chain(&listener, port, d)
}

fn stop(d: &mut RouteDecision, stage: Stage, subject: String) {
    d.verdict = Verdict::Incomplete;
    d.summary = subject.clone();
    d.steps.push(Step::new(stage, Outcome::Stop, subject));
}

/// No listener on the port: Istio's virtualOutbound keeps the connection and
/// sends it to PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
fn no_listener(
    port: u16,
    virtual_outbound: Option<&serde_json::value::RawValue>,
    d: &mut RouteDecision,
) {
    d.verdict = Verdict::NoListener;
    let mut step = Step::new(
        Stage::Listener,
        Outcome::Stop,
        format!("no listener on port {port}"),
    );
    let fallback = virtual_outbound
        .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
        .map(|mut v| {
            snake_keys(&mut v);
            fallback_cluster(&v)
        });
    match fallback {
        Some(Some(cluster)) => {
            let policy = match cluster.as_str() {
                "PassthroughCluster" => "outboundTrafficPolicy ALLOW_ANY: the connection goes out unchanged to its original destination",
                "BlackHoleCluster" => "outboundTrafficPolicy REGISTRY_ONLY: the connection is dropped",
                _ => "the virtualOutbound listener's default filter chain decides",
            };
            step = step
                .with(format!(
                    "the virtualOutbound listener keeps the connection and hands it to {}",
                    q(&cluster)
                ))
                .with(policy)
                .with("no HTTP routing happens: no route, no retries, no route-level telemetry");
            d.summary = format!("no listener on port {port}: {cluster} ({policy})");
            d.upstream_cluster = Some(cluster);
        }
        Some(None) => {
            step = step.with("virtualOutbound exists but none of its chains names a TCP cluster");
            d.summary = format!("no listener on port {port}");
        }
        None => {
            step = step.with("and no virtualOutbound listener: the connection is refused");
            d.summary = format!("no listener on port {port}: the connection is refused");
        }
    }
    d.steps.push(step);
}

/// The tcp_proxy cluster of virtualOutbound's catch-all chain.
fn fallback_cluster(listener: &Value) -> Option<String> {
    let chains = listener["filter_chains"].as_array();
    let default = listener.get("default_filter_chain");
    let named = chains.and_then(|cs| {
        cs.iter()
            .find(|c| c["name"] == "PassthroughFilterChain")
            .or_else(|| cs.iter().rev().find(|c| is_plain(c)))
    });
    default
        .and_then(tcp_cluster)
        .or_else(|| named.and_then(tcp_cluster))
}

fn filters(chain: &Value) -> impl Iterator<Item = &Value> {
    chain["filters"].as_array().into_iter().flatten()
}

/// The filter's config: `typed_config` (v3) or `config` (old dumps).
fn filter_config(f: &Value) -> &Value {
    match f.get("typed_config") {
        Some(v) => v,
        None => &f["config"],
    }
}

fn is_hcm(f: &Value) -> bool {
    f["name"]
        .as_str()
        .is_some_and(|n| n.contains("http_connection_manager"))
        || filter_config(f)["@type"]
            .as_str()
            .is_some_and(|t| t.ends_with(".HttpConnectionManager"))
}

fn tcp_cluster(chain: &Value) -> Option<String> {
    filters(chain).find_map(|f| {
        let c = filter_config(f);
        let tcp = f["name"].as_str().is_some_and(|n| n.contains("tcp_proxy"))
            || c["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with(".TcpProxy"));
        if !tcp {
            return None;
        }
        c["cluster"].as_str().map(str::to_string).or_else(|| {
            c["weighted_clusters"]["clusters"][0]["name"]
                .as_str()
                .map(str::to_string)
        })
    })
}

/// A chain a plain-text client request can take without knowing its
/// destination address or SNI.
fn is_plain(chain: &Value) -> bool {
    let m = &chain["filter_chain_match"];
    let has = |k: &str| m.get(k).is_some_and(|v| !v.is_null());
    !has("prefix_ranges")
        && !has("server_names")
        && !has("source_prefix_ranges")
        && m["transport_protocol"]
            .as_str()
            .is_none_or(|t| t == "raw_buffer")
        && m["application_protocols"].as_array().is_none_or(|a| {
            a.iter().any(|p| {
                p.as_str()
                    .is_some_and(|p| p.starts_with("http/") || p == "h2c")
            })
        })
}

/// Why a chain was passed over, in words.
fn chain_condition(chain: &Value) -> String {
    let m = &chain["filter_chain_match"];
    let mut parts = Vec::new();
    for (k, label) in [
        ("prefix_ranges", "destination"),
        ("source_prefix_ranges", "source"),
    ] {
        if let Some(rs) = m[k].as_array() {
            let list: Vec<String> = rs
                .iter()
                .map(|r| {
                    format!(
                        "{}/{}",
                        r["address_prefix"].as_str().unwrap_or(""),
                        r["prefix_len"].as_u64().unwrap_or(0)
                    )
                })
                .collect();
            parts.push(format!("{label} {}", list.join(", ")));
        }
    }
    if let Some(s) = m["server_names"].as_array() {
        parts.push(format!(
            "SNI {}",
            s.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(t) = m["transport_protocol"].as_str() {
        parts.push(format!("transport {t}"));
    }
    if let Some(a) = m["application_protocols"].as_array() {
        parts.push(format!(
            "ALPN {}",
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if parts.is_empty() {
        "no match conditions".to_string()
    } else {
        format!("matches {}", parts.join("; "))
    }
}

fn chain_name(chain: &Value, i: usize, default: bool) -> String {
    match chain["name"].as_str().filter(|n| !n.is_empty()) {
        Some(n) => q(n),
        None if default => "the default filter chain".to_string(),
        None => format!("chain #{i}"),
    }
}

/// Picks the filter chain and reads its HTTP connection manager.
fn chain(listener: &Value, port: u16, d: &mut RouteDecision) -> Option<HttpManager> {
    let mut chains: Vec<(String, &Value)> = listener["filter_chains"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| (chain_name(c, i, false), c))
        .collect();
    if let Some(c) = listener
        .get("default_filter_chain")
        .filter(|c| c.is_object())
    {
        chains.push((chain_name(c, chains.len(), true), c));
    }
    let http = |c: &Value| filters(c).any(is_hcm);
    let pick = chains
        .iter()
        .position(|(_, c)| http(c) && is_plain(c))
        .map(|i| (i, true))
        .or_else(|| chains.iter().position(|(_, c)| http(c)).map(|i| (i, false)));
    let Some((idx, plain)) = pick else {
        d.verdict = Verdict::NotHttp;
        let tcp = chains
            .iter()
            .find(|(_, c)| is_plain(c))
            .or(chains.first())
            .and_then(|(_, c)| tcp_cluster(c));
        let mut step = Step::new(
            Stage::FilterChain,
            Outcome::Stop,
            "no filter chain has an HTTP connection manager: the listener is TCP",
        );
        if let Some(c) = &tcp {
            step = step.with(format!("tcp_proxy sends the connection to {}", q(c)));
            d.upstream_cluster = Some(c.clone());
        }
        d.summary = format!(
            "port {port} is TCP{}: no HTTP route applies",
            tcp.map(|c| format!(" (tcp_proxy to {c})"))
                .unwrap_or_default()
        );
        d.steps.push(step);
        return None;
    };
    let (name, c) = &chains[idx];
    let mut step = Step::new(
        Stage::FilterChain,
        Outcome::Matched,
        format!("{name} (http_connection_manager)"),
    );
    if !plain {
        step = step.with(format!(
            "assumed: it {}, which a plain HTTP request may not meet",
            chain_condition(c)
        ));
    }
    for (i, (other, oc)) in chains.iter().enumerate() {
        if i == idx {
            continue;
        }
        let what = if http(oc) { "HTTP" } else { "TCP" };
        step = step.with(format!("skipped {other} ({what}): {}", chain_condition(oc)));
    }
    d.steps.push(step);
    let hcm = filters(c).find(|f| is_hcm(f)).map(filter_config)?;
    let flag = |k: &str| hcm[k].as_bool().unwrap_or(false);
    let route = if let Some(name) = hcm["rds"]["route_config_name"].as_str() {
        RouteSource::Rds(name.to_string())
    } else if hcm.get("route_config").is_some_and(Value::is_object) {
        RouteSource::Inline(hcm["route_config"].clone())
    } else {
        RouteSource::Unsupported
    };
    Some(HttpManager {
        listener_port: port,
        route,
        strip_any_host_port: flag("strip_any_host_port"),
        strip_matching_host_port: flag("strip_matching_host_port"),
        normalize_path: flag("normalize_path"),
        merge_slashes: flag("merge_slashes"),
    })
}

/// The route config the connection manager uses, parsed.
pub fn route_config(
    dump: &ConfigDump<'_>,
    http: &HttpManager,
    d: &mut RouteDecision,
) -> Option<RouteConfiguration> {
    let (mut value, subject) = match &http.route {
        RouteSource::Rds(name) => {
            d.route_config = Some(name.clone());
            let Some(r) = dump.find(Kind::Route, name) else {
                d.verdict = Verdict::NoRoute;
                d.status = Some(404);
                d.response_flag = Some("NR");
                d.summary = format!(
                    "route config `{name}` is not in the dump: RDS has not delivered it; Envoy answers 404 NR"
                );
                d.steps.push(
                    Step::new(
                        Stage::RouteConfig,
                        Outcome::Stop,
                        format!("route config {} (RDS) is not in the dump", q(name)),
                    )
                    .with("the listener waits for it, then routes with no virtual hosts: 404 NR"),
                );
                return None;
            };
            let parsed = r.raw.map(|raw| serde_json::from_str::<Value>(raw.get()));
            let Some(Ok(v)) = parsed else {
                stop(
                    d,
                    Stage::RouteConfig,
                    format!("route config {} is unreadable", q(name)),
                );
                return None;
            };
            let mut s = format!("route config {} (RDS", q(name));
            if r.state != State::Active && r.state != State::Static {
                s.push_str(&format!(", {}", r.state.label()));
            }
            s.push(')');
            (v, s)
        }
        RouteSource::Inline(v) => {
            let name = v["name"].as_str().unwrap_or("").to_string();
            d.route_config = Some(name.clone());
            (v.clone(), format!("inline route config {}", q(&name)))
        }
        RouteSource::Unsupported => {
            stop(
                d,
                Stage::RouteConfig,
                "the connection manager uses scoped routes (SRDS) or another route source meshscope does not walk".into(),
            );
            return None;
        }
    };
    snake_keys(&mut value);
    match serde_json::from_value::<RouteConfiguration>(value) {
        Ok(rc) => {
            d.steps.push(
                Step::new(Stage::RouteConfig, Outcome::Matched, subject)
                    .with(format!("{} virtual host(s)", rc.virtual_hosts.len())),
            );
            Some(rc)
        }
        Err(e) => {
            stop(d, Stage::RouteConfig, format!("{subject}: unreadable: {e}"));
            None
        }
    }
}
