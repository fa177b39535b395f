//! The simulation state behind the demo servers: the mesh (with scenario
//! changes applied), and per proxy its config dump, runtime view, stat store,
//! Istio metrics and log levels. `traffic` advances it one tick at a time.

use std::io;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::builder::Rng;
use super::config_dump::{write_config_dump_at, DumpOptions, ListenerLayout};
use super::istio_metrics::{IstioMetrics, Peer};
use super::scenario::Scenario;
use super::sim_stats::{declare_stats, LOGGERS};
use super::stats::StatStore;
use super::topology::{
    Endpoint, Mesh, Pod, ProxyKind, RouteDestination, Service, ServiceKind, ServicePort,
};
use super::view::ProxyView;

/// The external client that calls the ingress gateway.
pub(crate) const EXTERNAL_CLIENT: &str = "10.128.0.60";
/// The ExternalName Service of the `externalname-hijack` scenario.
pub(crate) const EXTERNALNAME_HOST: &str = "my-externalname.default.svc.cluster.local";

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One simulated proxy.
pub(crate) struct PodSim {
    /// The pod.
    pub pod: Pod,
    /// Scenarios visible on it.
    pub scenarios: Vec<Scenario>,
    /// Its `/config_dump?include_eds`, scenario injections applied.
    pub dump: Arc<Value>,
    /// The writer's bytes of the full dump (with EDS), when nothing was injected.
    pub raw_eds: Option<Arc<Vec<u8>>>,
    /// Clusters and listeners.
    pub view: ProxyView,
    /// Envoy stats.
    pub stats: StatStore,
    /// Istio metrics.
    pub istio: IstioMetrics,
    /// Logger levels in `/logging` order.
    pub levels: Vec<(String, String)>,
    /// Its identity in Istio metrics.
    pub peer: Peer,
    /// Envoy worker threads.
    pub workers: usize,
    /// Start time (ms since epoch).
    pub started_ms: u64,
    /// `LIVE`, or `INITIALIZING` for a not-ready proxy.
    pub state: &'static str,
    /// When its config was pushed (Unix seconds): dump dates and certificates follow it.
    pub push_unix: i64,
}

impl PodSim {
    /// Whether `s` shows on this pod.
    pub fn has(&self, s: Scenario) -> bool {
        self.scenarios.contains(&s)
    }

    /// Adds `n` to `cluster.<cluster>.<stat>`.
    pub fn cluster_add(&mut self, cluster: &str, stat: &str, n: u64) {
        self.stats.add(&format!("cluster.{cluster}.{stat}"), n);
    }

    /// Adds `n` to any stat by full name.
    pub fn add(&mut self, name: &str, n: u64) {
        self.stats.add(name, n);
    }

    /// `[allocated, heap_size, pageheap_unmapped, pageheap_free,
    /// total_thread_cache, total_physical_bytes]`: grows with the series
    /// (Envoy stats and Istio metric label sets).
    pub fn memory(&self) -> [u64; 6] {
        const MIB: u64 = 1 << 20;
        // ~1.5 KiB per Envoy stat, ~8 KiB per Istio label set (its tags).
        let allocated =
            7 * MIB + self.stats.len() as u64 * 1_536 + self.istio.label_sets() as u64 * 8_192;
        let heap = (allocated + allocated / 4).div_ceil(MIB) * MIB;
        let thread_cache = MIB + 262_144 * self.workers as u64;
        let free = (heap - allocated) / 2;
        let unmapped = heap - allocated - free;
        [
            allocated,
            heap,
            unmapped,
            free,
            thread_cache,
            heap + 2 * MIB,
        ]
    }
}

/// Workload (deployment) name of a pod.
pub(crate) fn workload(pod: &Pod) -> String {
    let mut parts = pod.name.rsplitn(3, '-');
    let (_, _) = (parts.next(), parts.next());
    parts.next().unwrap_or(&pod.name).to_string()
}

/// The pod's identity in Istio metrics.
pub(crate) fn peer(mesh: &Mesh, pod: &Pod) -> Peer {
    Peer {
        workload: workload(pod),
        namespace: pod.namespace.clone(),
        principal: format!(
            "spiffe://{}/ns/{}/sa/{}",
            mesh.trust_domain, pod.namespace, pod.service_account
        ),
        app: pod.app.clone(),
        version: pod.version.clone(),
    }
}

/// The bookinfo mesh with the mesh-wide changes of `scenarios`.
pub(crate) fn scenario_mesh(scenarios: &[Scenario], sidecars: usize) -> Mesh {
    let mut mesh = Mesh::bookinfo_sized(sidecars);
    for svc in &mut mesh.services {
        if svc.name == "reviews" && scenarios.contains(&Scenario::NoRoute) {
            if let Some(route) = svc
                .virtual_service
                .as_mut()
                .and_then(|vs| vs.routes.last_mut())
            {
                let dest = |s: &str, weight| RouteDestination {
                    subset: Some(s.to_string()),
                    weight,
                };
                route.destinations = vec![dest("v1", 40), dest("v3", 40), dest("v4", 20)];
            }
        }
        if svc.name == "ratings" && scenarios.contains(&Scenario::NoHealthyUpstream) {
            svc.endpoints.iter_mut().for_each(|e| e.healthy = false);
        }
    }
    if scenarios.contains(&Scenario::ExternalnameHijack) {
        mesh.services.push(Service {
            namespace: "default".into(),
            name: "my-externalname".into(),
            host: EXTERNALNAME_HOST.into(),
            vip: std::net::Ipv4Addr::UNSPECIFIED,
            ports: vec![ServicePort {
                name: "tls".into(),
                port: 443,
                target_port: 443,
            }],
            kind: ServiceKind::ServiceEntry,
            service_account: String::new(),
            destination_rule: None,
            virtual_service: None,
            endpoints: vec![Endpoint {
                ip: std::net::Ipv4Addr::new(203, 0, 113, 10),
                pod: None,
                version: None,
                zone: 0,
                healthy: true,
                in_mesh: false,
            }],
        });
    }
    mesh
}

/// Builds one proxy's simulation.
pub(crate) fn pod_sim(
    mesh: &Mesh,
    pod: &Pod,
    all: &[Scenario],
    push_unix: i64,
) -> io::Result<PodSim> {
    let scenarios: Vec<Scenario> = all
        .iter()
        .copied()
        .filter(|s| s.shows_on(&pod.app, &pod.version))
        .collect();
    let not_ready = scenarios.contains(&Scenario::NotReady);
    let opts = DumpOptions {
        include_eds: true,
        blackhole_port: scenarios
            .contains(&Scenario::BlackholePort)
            .then_some(super::EXTERNAL_REDIS.1),
        extra_warming_clusters: if not_ready {
            vec![
                "outbound|9080||ratings.default.svc.cluster.local".into(),
                "outbound|9080|v1|ratings.default.svc.cluster.local".into(),
            ]
        } else {
            Vec::new()
        },
    };
    let mut raw = Vec::with_capacity(512 * 1024);
    write_config_dump_at(
        mesh,
        pod,
        &opts,
        push_unix,
        ListenerLayout::SharedPort,
        &mut raw,
    )?;
    let mut dump: Value = serde_json::from_slice(&raw).map_err(io::Error::other)?;
    let injected = super::dump_filter::inject(&mut dump, &scenarios, push_unix);
    let view = ProxyView::from_dump(&dump);
    let workers = if scenarios.contains(&Scenario::UnbalancedWorkers) {
        4
    } else {
        2
    };
    let mut sim = PodSim {
        pod: pod.clone(),
        peer: peer(mesh, pod),
        dump: Arc::new(dump),
        raw_eds: (!injected).then(|| Arc::new(raw)),
        view,
        stats: StatStore::default(),
        istio: IstioMetrics::default(),
        levels: LOGGERS
            .iter()
            .map(|l| ((*l).to_string(), "warning".to_string()))
            .collect(),
        workers,
        started_ms: now_ms().saturating_sub(3_600_000 + (pod.ip.octets()[3] as u64) * 61_000),
        state: if not_ready { "INITIALIZING" } else { "LIVE" },
        push_unix,
        scenarios,
    };
    declare_stats(&mut sim, not_ready);
    Ok(sim)
}

/// Everything the demo simulates.
pub(crate) struct SimState {
    /// The mesh with scenario changes applied.
    pub mesh: Mesh,
    /// Every proxy (sidecars and gateways), in mesh order.
    pub pods: Vec<PodSim>,
    /// Active scenarios.
    pub scenarios: Vec<Scenario>,
    /// Seeded randomness for traffic.
    pub rng: Rng,
    /// Ticks so far.
    pub ticks: u64,
    /// Print access logs as JSON.
    pub json_logs: bool,
    /// istiod's counters.
    pub istiod: super::istiod::IstiodSim,
}

impl SimState {
    /// Builds the simulation of `Mesh::bookinfo_sized(sidecars)` under `scenarios`.
    pub fn new(
        scenarios: &[Scenario],
        seed: u64,
        json_logs: bool,
        push_unix: i64,
        sidecars: usize,
    ) -> io::Result<SimState> {
        let mesh = scenario_mesh(scenarios, sidecars);
        let pods = mesh
            .pods
            .iter()
            .filter(|p| p.proxy != ProxyKind::None)
            .map(|p| pod_sim(&mesh, p, scenarios, push_unix))
            .collect::<io::Result<Vec<_>>>()?;
        let istiod = super::istiod::IstiodSim::new(&mesh, scenarios);
        let mut state = SimState {
            mesh,
            pods,
            scenarios: scenarios.to_vec(),
            rng: Rng::new(seed),
            ticks: 0,
            json_logs,
            istiod,
        };
        state.seed_history();
        Ok(state)
    }

    /// The index of the first pod with `app` (and `version` when given).
    pub fn find(&self, app: &str, version: Option<&str>) -> Option<usize> {
        self.pods
            .iter()
            .position(|p| p.pod.app == app && version.is_none_or(|v| p.pod.version == v))
    }
}
