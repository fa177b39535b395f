//! The simulated istiod's monitoring port: `/metrics` in Prometheus text with
//! pilot's push, reject and conflict metrics, moving with every tick.

use std::fmt::Write as _;

use super::builder::Rng;
use super::scenario::Scenario;
use super::topology::Mesh;

const XDS_TYPES: [&str; 5] = ["cds", "eds", "lds", "rds", "sds"];
const TYPE_URLS: [&str; 5] = [
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
];
const PUSH_BUCKETS: [f64; 8] = [0.01, 0.1, 1.0, 3.0, 5.0, 10.0, 20.0, 30.0];
const CONVERGENCE_BUCKETS: [f64; 8] = [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 20.0, 30.0];
const SIZE_BUCKETS: [f64; 6] = [1.0, 10000.0, 1000000.0, 4000000.0, 10000000.0, 40000000.0];
/// The Gateway istiod rejects under `rejected-gateway`.
pub(crate) const REJECTED_GATEWAY: &str = "default/test2";

/// A Prometheus histogram with fixed buckets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], v: f64) {
        self.counts.resize(bounds.len(), 0);
        for (c, b) in self.counts.iter_mut().zip(bounds) {
            if v <= *b {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in bounds.iter().enumerate() {
            let n = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// istiod's moving counters.
#[derive(Debug, Clone)]
pub(crate) struct IstiodSim {
    proxies: usize,
    services: usize,
    virtual_services: usize,
    pushes: [u64; 5],
    push_time: [Histogram; 5],
    config_size: [Histogram; 5],
    convergence: Histogram,
    rejected_configs: u64,
    lds_rejects: u64,
    blackhole: bool,
    /// Push counter behind the nonces in `/debug/syncz`.
    pub push_version: u64,
    /// Node id of the gateway (for `pilot_xds_lds_reject`).
    gateway_node: String,
}

impl IstiodSim {
    /// Starting state for `mesh` under `scenarios`.
    pub fn new(mesh: &Mesh, scenarios: &[Scenario]) -> Self {
        let proxies = mesh
            .pods
            .iter()
            .filter(|p| p.proxy != super::topology::ProxyKind::None)
            .count();
        let gateway_node = mesh
            .pod_by_app("istio-ingressgateway")
            .map(super::node_id)
            .unwrap_or_default();
        let rejected = scenarios.contains(&Scenario::RejectedGateway);
        IstiodSim {
            proxies,
            services: mesh.services.len(),
            virtual_services: 1 + mesh
                .services
                .iter()
                .filter(|s| s.virtual_service.is_some())
                .count(),
            pushes: [0; 5],
            push_time: Default::default(),
            config_size: Default::default(),
            convergence: Histogram::default(),
            rejected_configs: u64::from(rejected),
            lds_rejects: u64::from(rejected),
            blackhole: scenarios.contains(&Scenario::BlackholePort),
            push_version: 7,
            gateway_node,
        }
    }

    /// Advances pushes and histograms; repeats the gateway rejection.
    pub fn tick(&mut self, rng: &mut Rng, scenarios: &[Scenario]) {
        for i in 0..XDS_TYPES.len() {
            let n = if i == 1 {
                rng.range(2, 9)
            } else {
                rng.range(0, 3)
            } as u64;
            self.pushes[i] += n * self.proxies as u64 / 3;
            for _ in 0..n {
                let t = rng.range(1, 400) as f64 / 1000.0;
                self.push_time[i].observe(&PUSH_BUCKETS, t);
                let size = (rng.range(2, 60) * if i == 1 { 2_000 } else { 9_000 }) as f64;
                self.config_size[i].observe(&SIZE_BUCKETS, size);
            }
        }
        let t = rng.range(20, 900) as f64 / 1000.0;
        self.convergence.observe(&CONVERGENCE_BUCKETS, t);
        if rng.chance(10) {
            self.push_version += 1;
        }
        if scenarios.contains(&Scenario::RejectedGateway) && rng.chance(12) {
            self.rejected_configs += 1;
            self.lds_rejects += 1;
        }
    }

    /// `/metrics`.
    pub fn metrics(&self, istio_version: &str) -> String {
        let mut o = String::with_capacity(16 * 1024);
        let head = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut o,
            "pilot_conflict_inbound_listener",
            "gauge",
            "Number of conflicting inbound listeners.",
        );
        let _ = writeln!(o, "pilot_conflict_inbound_listener 0");
        for (name, v) in [
            ("pilot_conflict_outbound_listener_http_over_current_tcp", 0),
            (
                "pilot_conflict_outbound_listener_tcp_over_current_http",
                u64::from(self.blackhole),
            ),
            ("pilot_conflict_outbound_listener_tcp_over_current_tcp", 0),
        ] {
            head(
                &mut o,
                name,
                "gauge",
                "Number of conflicting listeners on a port.",
            );
            let _ = writeln!(o, "{name} {v}");
        }
        head(
            &mut o,
            "pilot_duplicate_envoy_clusters",
            "gauge",
            "Duplicate envoy clusters caused by service entries with same hostname",
        );
        let _ = writeln!(o, "pilot_duplicate_envoy_clusters 0");
        head(
            &mut o,
            "pilot_eds_no_instances",
            "gauge",
            "Number of clusters without instances.",
        );
        let _ = writeln!(o, "pilot_eds_no_instances 0");
        head(&mut o, "pilot_proxy_convergence_time", "histogram", "Delay in seconds between config change and a proxy receiving all required configuration.");
        self.convergence.write(
            &mut o,
            "pilot_proxy_convergence_time",
            "",
            &CONVERGENCE_BUCKETS,
        );
        head(
            &mut o,
            "pilot_services",
            "gauge",
            "Total services known to pilot.",
        );
        let _ = writeln!(o, "pilot_services {}", self.services);
        if self.rejected_configs > 0 {
            head(
                &mut o,
                "pilot_total_rejected_configs",
                "counter",
                "Total number of configs that Pilot had to reject or ignore.",
            );
            let (ns_name, kind) = (REJECTED_GATEWAY, "gateway");
            let _ = writeln!(
                o,
                "pilot_total_rejected_configs{{name=\"{ns_name}\",type=\"{kind}\"}} {}",
                self.rejected_configs
            );
        }
        head(
            &mut o,
            "pilot_total_xds_rejects",
            "counter",
            "Total number of XDS responses from pilot rejected by proxy.",
        );
        for t in ["cds", "eds", "lds", "rds"] {
            let v = if t == "lds" { self.lds_rejects } else { 0 };
            let _ = writeln!(o, "pilot_total_xds_rejects{{type=\"{t}\"}} {v}");
        }
        head(
            &mut o,
            "pilot_virt_services",
            "gauge",
            "Total virtual services known to pilot.",
        );
        let _ = writeln!(o, "pilot_virt_services {}", self.virtual_services);
        head(
            &mut o,
            "pilot_xds",
            "gauge",
            "Number of endpoints connected to this pilot using XDS.",
        );
        let _ = writeln!(
            o,
            "pilot_xds{{version=\"{istio_version}\"}} {}",
            self.proxies
        );
        for t in ["cds", "eds", "rds"] {
            let name = format!("pilot_xds_{t}_reject");
            head(
                &mut o,
                &name,
                "gauge",
                &format!("Pilot rejected {} configs.", t.to_uppercase()),
            );
        }
        if self.lds_rejects > 0 {
            head(
                &mut o,
                "pilot_xds_lds_reject",
                "gauge",
                "Pilot rejected LDS.",
            );
            let _ = writeln!(
                o,
                "pilot_xds_lds_reject{{err=\"Error adding/updating listener(s) 0.0.0.0_8443: duplicate filter chain match\",node=\"{}\"}} 1",
                self.gateway_node
            );
        }
        head(
            &mut o,
            "pilot_xds_config_size_bytes",
            "histogram",
            "Distribution of configuration sizes pushed to clients",
        );
        for (i, url) in TYPE_URLS.iter().enumerate() {
            self.config_size[i].write(
                &mut o,
                "pilot_xds_config_size_bytes",
                &format!("type=\"{url}\""),
                &SIZE_BUCKETS,
            );
        }
        head(
            &mut o,
            "pilot_xds_push_time",
            "histogram",
            "Total time in seconds Pilot takes to push lds, rds, cds and eds.",
        );
        for (i, t) in XDS_TYPES.iter().enumerate() {
            self.push_time[i].write(
                &mut o,
                "pilot_xds_push_time",
                &format!("type=\"{t}\""),
                &PUSH_BUCKETS,
            );
        }
        head(
            &mut o,
            "pilot_xds_pushes",
            "counter",
            "Pilot build and send errors for lds, rds, cds and eds.",
        );
        for (i, t) in XDS_TYPES.iter().enumerate() {
            let _ = writeln!(o, "pilot_xds_pushes{{type=\"{t}\"}} {}", self.pushes[i]);
        }
        o
    }
}
