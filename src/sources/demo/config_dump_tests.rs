//! Tests for the config dump writer: shape, internal consistency, determinism.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;
use crate::sources::demo::generate_dump;
use crate::sources::demo::topology::{Egress, ProxyKind};

const SECTIONS: [&str; 7] = [
    "BootstrapConfigDump",
    "ClustersConfigDump",
    "EndpointsConfigDump",
    "ListenersConfigDump",
    "ScopedRoutesConfigDump",
    "RoutesConfigDump",
    "SecretsConfigDump",
];

fn eds() -> DumpOptions {
    DumpOptions {
        include_eds: true,
        ..DumpOptions::default()
    }
}

fn dump(mesh: &Mesh, pod: &Pod, opts: &DumpOptions) -> Value {
    let mut out = Vec::new();
    write_config_dump(mesh, pod, opts, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn section<'v>(v: &'v Value, kind: &str) -> &'v Value {
    let ty = format!("type.googleapis.com/envoy.admin.v3.{kind}");
    v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["@type"] == ty.as_str())
        .unwrap_or_else(|| panic!("no {kind}"))
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn cluster_names(v: &Value) -> BTreeSet<String> {
    let c = section(v, "ClustersConfigDump");
    ["static_clusters", "dynamic_active_clusters"]
        .iter()
        .flat_map(|k| arr(&c[k]))
        .map(|e| e["cluster"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// Every cluster a route, weighted route or tcp_proxy points at.
fn referenced_clusters(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("cluster", Value::String(s)) => out.push(s.clone()),
                    ("weighted_clusters", _) => {
                        for c in arr(&x["clusters"]) {
                            out.push(c["name"].as_str().unwrap().to_string());
                        }
                    }
                    _ => referenced_clusters(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| referenced_clusters(x, out)),
        _ => {}
    }
}

fn assert_consistent(v: &Value) {
    let types: Vec<&str> = arr(&v["configs"])
        .iter()
        .map(|c| c["@type"].as_str().unwrap())
        .collect();
    // A dump taken without include_eds has no EndpointsConfigDump.
    let has_eds = types.iter().any(|t| t.ends_with("EndpointsConfigDump"));
    let want: Vec<String> = SECTIONS
        .iter()
        .filter(|s| has_eds || **s != "EndpointsConfigDump")
        .map(|s| format!("type.googleapis.com/envoy.admin.v3.{s}"))
        .collect();
    assert_eq!(types, want);
    let clusters = cluster_names(v);
    let mut refs = Vec::new();
    referenced_clusters(section(v, "ListenersConfigDump"), &mut refs);
    referenced_clusters(section(v, "RoutesConfigDump"), &mut refs);
    assert!(refs.len() > 3);
    for r in &refs {
        assert!(
            clusters.contains(r),
            "referenced cluster {r} does not exist"
        );
    }
    if has_eds {
        let eds = section(v, "EndpointsConfigDump");
        let eds_names: BTreeSet<&str> = arr(&eds["dynamic_endpoint_configs"])
            .iter()
            .map(|e| e["endpoint_config"]["cluster_name"].as_str().unwrap())
            .collect();
        let eds_clusters: BTreeSet<&str> =
            arr(&section(v, "ClustersConfigDump")["dynamic_active_clusters"])
                .iter()
                .filter(|c| c["cluster"]["type"] == "EDS")
                .map(|c| c["cluster"]["name"].as_str().unwrap())
                .collect();
        assert_eq!(eds_names, eds_clusters, "EDS must match the EDS clusters");
    }
    let routes = section(v, "RoutesConfigDump");
    let rds: BTreeSet<&str> = arr(&routes["dynamic_route_configs"])
        .iter()
        .map(|r| r["route_config"]["name"].as_str().unwrap())
        .collect();
    let listeners = section(v, "ListenersConfigDump");
    for l in arr(&listeners["dynamic_listeners"]) {
        let state = &l["active_state"];
        assert!(state["version_info"].is_string() && state["last_updated"].is_string());
        assert_eq!(l["name"], state["listener"]["name"]);
        for fc in arr(&state["listener"]["filter_chains"]) {
            for f in arr(&fc["filters"]) {
                if let Some(name) = f["typed_config"]["rds"]["route_config_name"].as_str() {
                    assert!(rds.contains(name), "listener needs missing RDS {name}");
                }
            }
        }
    }
    for c in arr(&section(v, "ClustersConfigDump")["dynamic_active_clusters"]) {
        assert!(c["version_info"].is_string() && c["last_updated"].is_string());
    }
}

#[test]
fn every_bookinfo_proxy_dump_is_consistent() {
    let mesh = Mesh::bookinfo();
    let proxies: Vec<&Pod> = mesh
        .pods
        .iter()
        .filter(|p| p.proxy != ProxyKind::None)
        .collect();
    assert!(proxies.len() >= 9);
    for pod in proxies {
        assert_consistent(&dump(&mesh, pod, &eds()));
    }
}

#[test]
fn synthetic_client_dump_is_consistent() {
    let mesh = Mesh::synthetic(150, 3);
    let client = mesh.client_pod().unwrap();
    let v = dump(&mesh, client, &eds());
    assert_consistent(&v);
    let gw = mesh
        .pods
        .iter()
        .find(|p| p.proxy == ProxyKind::Gateway)
        .unwrap();
    let g = dump(&mesh, gw, &eds());
    assert_consistent(&g);
    let scoped = mesh.pods.iter().find(|p| p.egress != Egress::All).unwrap();
    let s = dump(&mesh, scoped, &eds());
    assert_consistent(&s);
    assert!(cluster_names(&s).len() < cluster_names(&v).len());
}

#[test]
fn without_eds_there_are_six_sections() {
    let mesh = Mesh::bookinfo();
    let v = dump(
        &mesh,
        mesh.pod_by_app("productpage").unwrap(),
        &DumpOptions::default(),
    );
    let n = arr(&v["configs"]).len();
    assert_eq!(n, 6);
    assert!(!v.to_string().contains("EndpointsConfigDump"));
}

#[test]
fn bookinfo_dump_carries_istio_names_and_metadata() {
    let mesh = Mesh::bookinfo();
    let pod = mesh.pod_by_app("productpage").unwrap();
    let v = dump(&mesh, pod, &eds());
    let boot = &section(&v, "BootstrapConfigDump")["bootstrap"]["node"];
    let id = format!(
        "sidecar~{}~{}.default~default.svc.cluster.local",
        pod.ip, pod.name
    );
    assert_eq!(boot["id"], id.as_str());
    assert_eq!(boot["cluster"], "productpage.default");
    assert_eq!(
        boot["metadata"]["ISTIO_VERSION"],
        DEMO_ISTIO_VERSION_FOR_TEST
    );
    let names = cluster_names(&v);
    for n in [
        "outbound|9080|v2|reviews.default.svc.cluster.local",
        "outbound|9080||reviews.default.svc.cluster.local",
        "outbound|7000||redis.cache.example.com",
        "inbound|9080||",
        "BlackHoleCluster",
        "PassthroughCluster",
        "InboundPassthroughCluster",
        "sds-grpc",
        "xds-grpc",
    ] {
        assert!(names.contains(n), "{n}");
    }
    let text = v.to_string();
    assert!(text.contains(
        "/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"
    ));
    assert!(text
        .contains("/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews"));
    let listeners = section(&v, "ListenersConfigDump");
    let lnames: Vec<&str> = arr(&listeners["dynamic_listeners"])
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    for n in [
        "virtualOutbound",
        "virtualInbound",
        "0.0.0.0_9080",
        "10.0.0.6_7000",
    ] {
        assert!(lnames.contains(&n), "{n} in {lnames:?}");
    }
    let secrets = &section(&v, "SecretsConfigDump")["dynamic_active_secrets"];
    let snames: Vec<&str> = arr(secrets)
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(snames, ["default", "ROOTCA"]);
}

const DEMO_ISTIO_VERSION_FOR_TEST: &str = crate::sources::demo::DEMO_ISTIO_VERSION;

#[test]
fn httpbin_circuit_breaker_limits_are_in_the_cluster() {
    let mesh = Mesh::bookinfo();
    let v = dump(&mesh, mesh.pod_by_app("fortio").unwrap(), &eds());
    let c = arr(&section(&v, "ClustersConfigDump")["dynamic_active_clusters"])
        .iter()
        .find(|c| c["cluster"]["name"] == "outbound|8000||httpbin.default.svc.cluster.local")
        .unwrap();
    let t = &c["cluster"]["circuit_breakers"]["thresholds"][0];
    assert_eq!(t["max_connections"], 1);
    assert_eq!(t["max_pending_requests"], 1);
}

#[test]
fn options_add_warming_clusters_and_a_blackhole_listener() {
    let mesh = Mesh::bookinfo();
    let opts = DumpOptions {
        include_eds: true,
        extra_warming_clusters: vec!["outbound|9080|v9|reviews.default.svc.cluster.local".into()],
        blackhole_port: Some(7000),
    };
    let v = dump(&mesh, mesh.pod_by_app("ratings").unwrap(), &opts);
    let warming = &section(&v, "ClustersConfigDump")["dynamic_warming_clusters"];
    assert_eq!(
        warming[0]["cluster"]["name"],
        "outbound|9080|v9|reviews.default.svc.cluster.local"
    );
    let l = arr(&section(&v, "ListenersConfigDump")["dynamic_listeners"])
        .iter()
        .find(|l| l["name"] == "0.0.0.0_7000")
        .unwrap();
    assert!(l.to_string().contains("\"cluster\":\"BlackHoleCluster\""));
    let plain = dump(&mesh, mesh.pod_by_app("ratings").unwrap(), &eds());
    assert!(!plain.to_string().contains("0.0.0.0_7000"));
}

/// host → VIP as seen in one dump's route domains and TCP listeners.
fn vips(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for rc in arr(&section(v, "RoutesConfigDump")["dynamic_route_configs"]) {
        for vh in arr(&rc["route_config"]["virtual_hosts"]) {
            let d = arr(&vh["domains"]);
            if let (Some(host), Some(vip)) = (d.first(), d.last()) {
                if vh["name"] != "allow_any" {
                    out.insert(host.to_string(), vip.to_string());
                }
            }
        }
    }
    for l in arr(&section(v, "ListenersConfigDump")["dynamic_listeners"]) {
        out.insert(
            l["name"].to_string(),
            l["active_state"]["listener"]["address"].to_string(),
        );
    }
    out
}

fn endpoints(v: &Value) -> BTreeMap<String, String> {
    arr(&section(v, "EndpointsConfigDump")["dynamic_endpoint_configs"])
        .iter()
        .map(|e| {
            let c = &e["endpoint_config"];
            (c["cluster_name"].to_string(), c["endpoints"].to_string())
        })
        .collect()
}

#[test]
fn vips_and_endpoints_agree_between_pods() {
    let mesh = Mesh::synthetic(120, 9);
    let mut sidecars = mesh
        .pods
        .iter()
        .filter(|p| p.proxy == ProxyKind::Sidecar && p.egress == Egress::All);
    let (a, b) = (sidecars.next().unwrap(), sidecars.nth(5).unwrap());
    let (va, vb) = (dump(&mesh, a, &eds()), dump(&mesh, b, &eds()));
    let (ma, mb) = (vips(&va), vips(&vb));
    let shared: Vec<_> = ma.keys().filter(|k| mb.contains_key(*k)).collect();
    assert!(shared.len() > 100, "{}", shared.len());
    for k in shared {
        assert_eq!(ma[k], mb[k], "{k}");
    }
    assert_eq!(endpoints(&va), endpoints(&vb));
}

#[test]
fn generate_dump_is_deterministic_per_seed() {
    let run = |seed| {
        let mut out = Vec::new();
        generate_dump(80, seed, &mut out).unwrap();
        out
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    let v: Value = serde_json::from_slice(&a).unwrap();
    assert_consistent(&v);
}

/// Counts the largest single write, to prove the writer streams.
struct MaxWrite(usize, usize);
impl std::io::Write for MaxWrite {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.max(buf.len());
        self.1 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn large_dumps_are_streamed_in_bounded_chunks() {
    let mut w = MaxWrite(0, 0);
    generate_dump(400, 5, &mut w).unwrap();
    assert!(w.1 > 8 * 1024 * 1024, "total {}", w.1);
    assert!(w.0 < 1024 * 1024, "largest write {}", w.0);
}

#[test]
fn subset_endpoints_are_only_that_versions_pods() {
    let mesh = Mesh::bookinfo();
    let v = dump(&mesh, mesh.pod_by_app("productpage").unwrap(), &eds());
    let ips = |cluster: &str| -> Vec<String> {
        let e = arr(&section(&v, "EndpointsConfigDump")["dynamic_endpoint_configs"])
            .iter()
            .find(|e| e["endpoint_config"]["cluster_name"] == cluster)
            .unwrap();
        arr(&e["endpoint_config"]["endpoints"])
            .iter()
            .flat_map(|l| arr(&l["lb_endpoints"]))
            .map(|lb| {
                let a = &lb["endpoint"]["address"]["socket_address"];
                assert_eq!(a["port_value"], 9080);
                assert_eq!(lb["health_status"], "HEALTHY");
                a["address"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let v2 = mesh
        .pods
        .iter()
        .find(|p| p.app == "reviews" && p.version == "v2")
        .unwrap();
    assert_eq!(
        ips("outbound|9080|v2|reviews.default.svc.cluster.local"),
        [v2.ip.to_string()]
    );
    assert_eq!(
        ips("outbound|9080||reviews.default.svc.cluster.local").len(),
        3
    );
}

#[test]
fn an_empty_synthetic_mesh_still_dumps() {
    let mut out = Vec::new();
    generate_dump(0, 1, &mut out).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(arr(&v["configs"]).len(), 7);
}

#[test]
fn mesh_shape_has_a_small_listener_and_route_config_per_http_service() {
    let mut out = Vec::new();
    crate::sources::demo::generate_dump_shaped(
        120,
        3,
        crate::sources::demo::DumpShape::Mesh,
        &mut out,
    )
    .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_consistent(&v);
    let routes = arr(&section(&v, "RoutesConfigDump")["dynamic_route_configs"]);
    let per_service: Vec<&Value> = routes
        .iter()
        .map(|r| &r["route_config"])
        .filter(|rc| rc["name"].as_str().unwrap().contains(".svc.cluster.local:"))
        .collect();
    assert!(per_service.len() > 40, "{}", per_service.len());
    for rc in &per_service {
        assert_eq!(arr(&rc["virtual_hosts"]).len(), 1, "{}", rc["name"]);
    }
    let listeners = arr(&section(&v, "ListenersConfigDump")["dynamic_listeners"]);
    let rds: BTreeSet<&str> = listeners
        .iter()
        .flat_map(|l| arr(&l["active_state"]["listener"]["filter_chains"]))
        .flat_map(|fc| arr(&fc["filters"]))
        .filter_map(|f| f["typed_config"]["rds"]["route_config_name"].as_str())
        .collect();
    for rc in &per_service {
        assert!(rds.contains(rc["name"].as_str().unwrap()), "{}", rc["name"]);
    }
    // Taken as /config_dump answers by default (no EDS); subsets on one service in ten.
    let types: Vec<&str> = arr(&v["configs"])
        .iter()
        .map(|c| c["@type"].as_str().unwrap())
        .collect();
    assert!(
        !types.iter().any(|t| t.ends_with("EndpointsConfigDump")),
        "{types:?}"
    );
    let clusters = arr(&section(&v, "ClustersConfigDump")["dynamic_active_clusters"]);
    let subsets = clusters
        .iter()
        .filter(|c| {
            let name = c["cluster"]["name"].as_str().unwrap();
            name.starts_with("outbound|") && name.split('|').nth(2).is_some_and(|s| !s.is_empty())
        })
        .count();
    assert!(
        subsets * 4 < clusters.len(),
        "{subsets} of {}",
        clusters.len()
    );
    // One port per service: every service has its own listener, none shares 0.0.0.0_<port>.
    assert!(listeners.len() >= 120, "{}", listeners.len());
    assert!(listeners
        .iter()
        .all(|l| !l["name"].as_str().unwrap().starts_with("0.0.0.0_")));
    // The default shape is unchanged: shared 0.0.0.0_<port> HTTP listeners.
    let mut shared = Vec::new();
    generate_dump(120, 3, &mut shared).unwrap();
    let s: Value = serde_json::from_slice(&shared).unwrap();
    assert!(
        arr(&section(&s, "ListenersConfigDump")["dynamic_listeners"])
            .iter()
            .any(|l| l["name"].as_str().unwrap().starts_with("0.0.0.0_"))
    );
}
