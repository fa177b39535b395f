//! Large synthetic meshes for benchmarks and scale tests, deterministic for a
//! seed.

use std::net::Ipv4Addr;

use super::bookinfo::DEMO_ISTIO_VERSION;
use super::builder::{MeshBuilder, PodSpec, Rng, ServiceSpec};
use super::topology::{
    ConnectionPool, DestinationRule, Egress, HttpRoute, IngressRoutes, Mesh, ProxyKind,
    RouteDestination, VirtualService,
};

const TEAMS: &[&str] = &[
    "payments", "checkout", "search", "catalog", "identity", "ledger", "shipping", "pricing",
    "notify", "media", "billing", "fraud", "orders", "profile", "ads", "reco",
];
const NOUNS: &[&str] = &[
    "cart", "invoice", "user", "session", "token", "quote", "stock", "review", "rating", "image",
    "report", "audit", "refund", "coupon", "address", "device", "event", "price", "offer", "plan",
];
const ROLES: &[&str] = &[
    "api", "svc", "worker", "web", "grpc", "cache", "sync", "events",
];
/// `(port name, port, target port)` templates; shared port numbers produce
/// big route configs, as in real meshes.
const PORTS: &[(&str, u16, u16)] = &[
    ("http", 8080, 8080),
    ("http", 80, 8080),
    ("grpc", 9090, 9090),
    ("grpc-api", 50051, 50051),
    ("http-metrics", 9102, 9102),
    ("http2", 8081, 8081),
    ("tcp-redis", 6379, 6379),
    ("tcp-postgres", 5432, 5432),
    ("tcp", 7000, 7000),
    ("https", 8443, 8443),
];
const VERSIONS: [&str; 3] = ["v1", "v2", "v3"];

/// Per-service random choices, drawn up front so pods and services agree.
struct Plan {
    namespace: String,
    name: String,
    ports: Vec<(&'static str, u16, u16)>,
    versions: usize,
    replicas: Vec<usize>,
    has_dr: bool,
    pool: Option<ConnectionPool>,
    vs: Option<VirtualService>,
}

fn plan(rng: &mut Rng, i: usize, namespaces: &[String], max_ports: usize) -> Plan {
    let namespace = namespaces
        .get(i % namespaces.len().max(1))
        .cloned()
        .unwrap_or_else(|| "default".to_string());
    let noun = rng.pick(NOUNS).copied().unwrap_or("svc");
    let role = rng.pick(ROLES).copied().unwrap_or("api");
    let name = format!("{noun}-{role}-{i:04}");
    let n_ports = rng.range(1, max_ports);
    let mut ports: Vec<(&'static str, u16, u16)> = Vec::with_capacity(n_ports);
    while ports.len() < n_ports {
        if let Some(&p) = rng.pick(PORTS) {
            if ports.iter().all(|q| q.1 != p.1) {
                ports.push(p);
            }
        }
    }
    let versions = rng.range(1, 3);
    let replicas = (0..versions).map(|_| rng.range(1, 3)).collect();
    let has_dr = versions > 1 || rng.chance(30);
    let pool = (has_dr && rng.chance(20)).then(|| ConnectionPool {
        max_connections: [1, 10, 100, 1024][rng.below(4)],
        max_pending_requests: [1, 10, 100, 1024][rng.below(4)],
        max_requests: 1024,
    });
    let vs = (versions > 1 && rng.chance(50)).then(|| {
        let canary = u32::try_from(rng.range(1, 50)).unwrap_or(10);
        let mut routes = Vec::new();
        if rng.chance(50) {
            routes.push(HttpRoute {
                name: "canary-header".to_string(),
                header: Some(("x-canary".to_string(), "true".to_string())),
                destinations: vec![dest(versions - 1, 100)],
            });
        }
        routes.push(HttpRoute {
            name: "default".to_string(),
            header: None,
            destinations: vec![dest(0, 100 - canary), dest(versions - 1, canary)],
        });
        VirtualService {
            name: name.clone(),
            routes,
        }
    });
    Plan {
        namespace,
        name,
        ports,
        versions,
        replicas,
        has_dr,
        pool,
        vs,
    }
}

fn dest(version: usize, weight: u32) -> RouteDestination {
    RouteDestination {
        subset: VERSIONS.get(version).map(|v| (*v).to_string()),
        weight,
    }
}

impl Mesh {
    /// A large mesh with `n_services` services over `n/50 + 1` namespaces,
    /// each with 1-3 versions (subsets), 1-3 ports and 1-3 pods per version;
    /// a third of the namespaces scope their sidecars to themselves. Also has
    /// istiod, an ingress gateway routing `/<ns>/<name>` to every HTTP service
    /// and a `fortio` load client in `loadgen` that sees every service.
    /// Deterministic for a given `seed`.
    pub fn synthetic(n_services: usize, seed: u64) -> Self {
        Self::synthetic_with(n_services, seed, 3)
    }

    /// [`Mesh::synthetic`] with at most `max_ports` ports per service (at
    /// least one); the random draws are the same, so only the port counts differ.
    pub fn synthetic_with(n_services: usize, seed: u64, max_ports: usize) -> Self {
        let max_ports = max_ports.max(1);
        let mut rng = Rng::new(seed);
        let n_ns = n_services / 50 + 1;
        let namespaces: Vec<String> = (0..n_ns)
            .map(|i| {
                let team = TEAMS.get(i % TEAMS.len()).copied().unwrap_or("team");
                format!("{team}-{}", i / TEAMS.len())
            })
            .collect();
        let plans: Vec<Plan> = (0..n_services)
            .map(|i| plan(&mut rng, i, &namespaces, max_ports))
            .collect();
        let n_nodes = n_services / 25 + 3;
        let nodes = (0..n_nodes)
            .map(|i| format!("gke-mesh-pool-{:08x}-{i:04}", seed as u32))
            .collect();
        let mut b = MeshBuilder::new(DEMO_ISTIO_VERSION, nodes);
        let all = Egress::All;
        for (i, p) in plans.iter().enumerate() {
            let egress = if (i % n_ns) % 3 == 2 {
                Egress::Namespaces(vec![p.namespace.clone(), "istio-system".to_string()])
            } else {
                Egress::All
            };
            for (v, &replicas) in p.replicas.iter().enumerate() {
                let version = VERSIONS.get(v).copied().unwrap_or("v1");
                b.add_pods(PodSpec {
                    namespace: &p.namespace,
                    app: &p.name,
                    version,
                    deployment: None,
                    replicas,
                    service_account: &p.name,
                    proxy: ProxyKind::Sidecar,
                    egress: &egress,
                });
            }
        }
        for (namespace, app, deployment, proxy) in [
            ("istio-system", "istiod", "istiod", ProxyKind::None),
            (
                "istio-system",
                "istio-ingressgateway",
                "istio-ingressgateway",
                ProxyKind::Gateway,
            ),
            ("loadgen", "fortio", "fortio-deploy", ProxyKind::Sidecar),
        ] {
            b.add_pods(PodSpec {
                namespace,
                app,
                version: "v1",
                deployment: Some(deployment),
                replicas: 1,
                service_account: app,
                proxy,
                egress: &all,
            });
        }
        let mut ingress = Vec::new();
        for p in plans {
            let vip = loop {
                let off = u32::try_from(rng.below(1 << 20)).unwrap_or(0);
                let vip = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 96, 0, 0)) + off);
                if vip.octets()[3] != 0 && b.claim_vip(vip) {
                    break vip;
                }
            };
            let subsets: Vec<&str> = VERSIONS.iter().take(p.versions).copied().collect();
            let ix = b.add_service(ServiceSpec {
                namespace: &p.namespace,
                name: &p.name,
                vip,
                ports: &p.ports,
                service_account: &p.name,
                destination_rule: p.has_dr.then(|| DestinationRule {
                    name: p.name.clone(),
                    subsets: subsets.iter().map(|s| (*s).to_string()).collect(),
                    connection_pool: p.pool,
                }),
                virtual_service: p.vs,
            });
            if let Some(http) = p.ports.iter().find(|q| q.0.starts_with("http")) {
                ingress.push((format!("/{}/{}", p.namespace, p.name), ix, http.1));
            }
        }
        for (ns, name, vip, ports) in [
            (
                "istio-system",
                "istiod",
                [10, 96, 0, 20],
                &[("grpc-xds", 15010, 15010), ("https-dns", 15012, 15012)][..],
            ),
            (
                "istio-system",
                "istio-ingressgateway",
                [10, 96, 0, 30],
                &[("http2", 80, 8080), ("https", 443, 8443)][..],
            ),
            (
                "loadgen",
                "fortio",
                [10, 96, 0, 40],
                &[("http", 8080, 8080)][..],
            ),
        ] {
            b.add_service(ServiceSpec {
                namespace: ns,
                name,
                vip: Ipv4Addr::from(vip),
                ports,
                service_account: name,
                destination_rule: None,
                virtual_service: None,
            });
        }
        b.set_ingress(IngressRoutes {
            gateway: "istio-system/public-gateway".to_string(),
            virtual_service: "istio-system/public-routes".to_string(),
            port: 80,
            target_port: 8080,
            routes: ingress,
        });
        // About 3% of endpoints fail health checks.
        b.finish(|pod| pod % 33 == 7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn synthetic_is_deterministic_per_seed() {
        let a = Mesh::synthetic(200, 7);
        assert_eq!(a, Mesh::synthetic(200, 7));
        assert_ne!(a, Mesh::synthetic(200, 8));
    }

    #[test]
    fn synthetic_has_the_requested_shape() {
        let m = Mesh::synthetic(300, 1);
        assert_eq!(m.services.len(), 303);
        let vips: HashSet<_> = m.services.iter().map(|s| s.vip).collect();
        assert_eq!(vips.len(), m.services.len(), "VIPs must be unique");
        let ips: HashSet<_> = m.pods.iter().map(|p| p.ip).collect();
        assert_eq!(ips.len(), m.pods.len(), "pod IPs must be unique");
        for s in &m.services[..300] {
            assert!((1..=3).contains(&s.ports.len()), "{}", s.name);
            assert!(s.subsets().len() <= 3);
            assert!(!s.endpoints.is_empty(), "{}", s.name);
        }
        assert!(m.services.iter().any(|s| s.virtual_service.is_some()));
        assert!(m.services.iter().any(|s| s.subsets().len() == 3));
        let client = m.client_pod().unwrap();
        assert_eq!(m.visible_services(client).count(), m.services.len());
        assert!(m.pods.iter().any(|p| p.egress != Egress::All));
    }
}
