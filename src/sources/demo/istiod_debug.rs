//! istiod's HTTP routes: `/metrics`, `/debug/syncz` (the JSON array of
//! `SyncStatus` that `istioctl proxy-status` reads over HTTP: per proxy its
//! id, cluster, versions and sent/acked nonce per xDS type), `/debug/configz`
//! (the Istio config objects istiod holds, in Kubernetes object shape) and
//! `/debug/config_dump?proxyID=<pod>.<ns>`.

use serde_json::{json, Value};

use super::http::{Reply, Request};
use super::scenario::Scenario;
use super::sim::SimState;
use super::topology::ProxyKind;

/// Answers one istiod request.
pub(crate) fn handle(state: &SimState, req: &Request) -> Reply {
    match req.path.as_str() {
        "/metrics" | "/stats/prometheus" => Reply::ok(
            "text/plain; version=0.0.4; charset=utf-8",
            state.istiod.metrics(&state.mesh.istio_version),
        ),
        "/debug/syncz" => Reply::json(pretty(&syncz(state))),
        "/debug/configz" => Reply::json(pretty(&configz(state))),
        "/debug/config_dump" => config_dump(state, req.param("proxyID")),
        "/ready" => Reply::text(""),
        path => Reply::status(
            404,
            "text/plain; charset=utf-8",
            format!("404 page not found: {path}\n"),
        ),
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| "[]".to_string())
}

fn nonce(seed: u64, kind: u64) -> String {
    let a = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ kind.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        (a >> 40) & 0xffff,
        a & 0xffff_ffff_ffff
    )
}

fn syncz(state: &SimState) -> Value {
    let v = state.istiod.push_version;
    let version = &state.mesh.istio_version;
    let entries: Vec<Value> = state
        .pods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pod = &p.pod;
            let seed = v * 1000 + i as u64;
            let mut e = json!({
                "cluster_id": "Kubernetes",
                "proxy": format!("{}.{}", pod.name, pod.namespace),
                "proxy_type": if pod.proxy == ProxyKind::Gateway { "router" } else { "sidecar" },
                "proxy_version": version,
                "istio_version": version,
            });
            for (k, kind) in [
                ("cluster", 1u64),
                ("listener", 2),
                ("route", 3),
                ("endpoint", 4),
            ] {
                let sent = nonce(seed, kind);
                e[format!("{k}_sent")] = json!(sent);
                let acked = if p.has(Scenario::NotReady) {
                    None
                } else if p.has(Scenario::RejectedGateway) && k == "listener" {
                    Some(nonce(seed.saturating_sub(1000), kind))
                } else {
                    Some(sent)
                };
                if let Some(a) = acked {
                    e[format!("{k}_acked")] = json!(a);
                }
            }
            e
        })
        .collect();
    Value::Array(entries)
}

fn object(kind: &str, ns: &str, name: &str, spec: Value) -> Value {
    json!({
        "kind": kind,
        "apiVersion": "networking.istio.io/v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "resourceVersion": format!("{}", 4000 + name.len() * 37),
            "creationTimestamp": "2024-05-14T09:12:41Z",
        },
        "spec": spec,
    })
}

fn gateway(ns: &str, name: &str, servers: Value) -> Value {
    object(
        "Gateway",
        ns,
        name,
        json!({"selector": {"istio": "ingressgateway"}, "servers": servers}),
    )
}

fn configz(state: &SimState) -> Value {
    let mut out = vec![gateway(
        "default",
        "bookinfo-gateway",
        json!([{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]),
    )];
    let tls = |cred: &str| {
        json!([{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*.example.com"],
                "tls": {"mode": "SIMPLE", "credentialName": cred}}])
    };
    if state.scenarios.contains(&Scenario::RejectedGateway) {
        out.push(gateway("default", "test1", tls("test1-cert")));
        out.push(gateway("default", "test2", tls("test2-cert")));
    }
    if state.scenarios.contains(&Scenario::GatewayTcpNoListener) {
        out.push(gateway(
            "default",
            "tcp-gateway",
            json!([{"port": {"number": 8888, "name": "tcp", "protocol": "TCP"}, "hosts": ["*"]}]),
        ));
    }
    if let Some(ing) = &state.mesh.ingress {
        let (ns, name) = ing
            .virtual_service
            .split_once('/')
            .unwrap_or(("default", "bookinfo"));
        let http: Vec<Value> = ing
            .routes
            .iter()
            .filter_map(|(prefix, svc, port)| {
                let s = state.mesh.services.get(*svc)?;
                Some(json!({"match": [{"uri": {"prefix": prefix}}],
                            "route": [{"destination": {"host": s.name, "port": {"number": port}}}]}))
            })
            .collect();
        out.push(object(
            "VirtualService",
            ns,
            name,
            json!({"hosts": ["*"], "gateways": ["bookinfo-gateway"], "http": http}),
        ));
    }
    for s in &state.mesh.services {
        if let Some(vs) = &s.virtual_service {
            let http: Vec<Value> = vs
                .routes
                .iter()
                .map(|r| {
                    let route: Vec<Value> = r
                        .destinations
                        .iter()
                        .map(|d| json!({"destination": {"host": s.name, "subset": d.subset}, "weight": d.weight}))
                        .collect();
                    let mut v = json!({"name": r.name, "route": route});
                    if let Some((h, val)) = &r.header {
                        v["match"] = json!([{"headers": {h: {"exact": val}}}]);
                    }
                    v
                })
                .collect();
            out.push(object(
                "VirtualService",
                &s.namespace,
                &vs.name,
                json!({"hosts": [s.name], "http": http}),
            ));
        }
        if let Some(dr) = &s.destination_rule {
            let subsets: Vec<Value> = dr
                .subsets
                .iter()
                .map(|n| json!({"name": n, "labels": {"version": n}}))
                .collect();
            let mut spec = json!({"host": s.name, "subsets": subsets});
            if let Some(p) = dr.connection_pool {
                spec["trafficPolicy"] = json!({"connectionPool": {
                    "tcp": {"maxConnections": p.max_connections},
                    "http": {"http1MaxPendingRequests": p.max_pending_requests, "http2MaxRequests": p.max_requests}}});
            }
            out.push(object("DestinationRule", &s.namespace, &dr.name, spec));
        }
        if s.kind == super::topology::ServiceKind::ServiceEntry {
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|p| json!({"number": p.port, "name": p.name, "protocol": "TCP"}))
                .collect();
            out.push(object("ServiceEntry", &s.namespace, &s.name,
                json!({"hosts": [s.host], "addresses": [s.vip.to_string()], "ports": ports, "resolution": "STATIC", "location": "MESH_EXTERNAL"})));
        }
    }
    Value::Array(out)
}

fn config_dump(state: &SimState, proxy: Option<&str>) -> Reply {
    let Some(id) = proxy.filter(|p| !p.is_empty()) else {
        return Reply::status(
            400,
            "text/plain; charset=utf-8",
            "You must provide a proxyID in the query string\n",
        );
    };
    let found = state
        .pods
        .iter()
        .find(|p| format!("{}.{}", p.pod.name, p.pod.namespace) == id || p.pod.name == id);
    let Some(p) = found else {
        return Reply::status(
            404,
            "text/plain; charset=utf-8",
            "Proxy not connected to this Pilot instance. It may be connected to another instance.\n",
        );
    };
    let mut dump = (*p.dump).clone();
    if let Some(configs) = dump["configs"].as_array_mut() {
        configs.retain(|c| {
            c["@type"]
                .as_str()
                .is_some_and(|t| !t.ends_with("BootstrapConfigDump"))
        });
    }
    Reply::json(pretty(&dump))
}
