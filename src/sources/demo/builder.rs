//! Helpers shared by the bookinfo and synthetic meshes: a deterministic PRNG,
//! Kubernetes-style pod names, and a builder that allocates pod IPs and derives
//! every Service's endpoints from the pods it selects, so all proxies see the
//! same addresses.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use super::topology::{
    DestinationRule, Egress, Endpoint, IngressRoutes, Mesh, Pod, ProxyKind, Service, ServiceKind,
    ServicePort, VirtualService, DNS_SUFFIX, ZONES,
};

/// xorshift64* PRNG, seeded through splitmix64 so any seed (even 0) works.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    /// A generator seeded from a string (FNV-1a), for stable per-name values.
    pub(crate) fn from_str(s: &str) -> Self {
        let h = s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        });
        Self::new(h)
    }

    /// Next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish value in `0..n` (`0` when `n == 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// Value in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A random element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Alphabet Kubernetes uses for generated name suffixes.
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn safe_string(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(SAFE[rng.below(SAFE.len())]))
        .collect()
}

/// A pod name like `reviews-v2-7d79d5bd5d-x2k4p`, stable for a given
/// deployment and replica index.
pub(crate) fn pod_name(deployment: &str, replica: usize) -> String {
    let mut rs = Rng::from_str(deployment);
    let hash = safe_string(&mut rs, 10);
    let mut pod = Rng::from_str(&format!("{deployment}/{replica}"));
    format!("{deployment}-{hash}-{}", safe_string(&mut pod, 5))
}

/// Builds a [`Mesh`], allocating pod IPs per node (`10.244.<node>.<n>`) and
/// filling endpoints from pods in [`MeshBuilder::finish`].
pub(crate) struct MeshBuilder {
    mesh: Mesh,
    nodes: Vec<(String, usize)>,
    next_node: usize,
    per_node: Vec<u32>,
    used_vips: HashSet<Ipv4Addr>,
    /// `(service index, external endpoint IP)` for ServiceEntries.
    external: Vec<(usize, Ipv4Addr)>,
}

/// A Service to add, before endpoints are known.
pub(crate) struct ServiceSpec<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Name (also the `app` label it selects).
    pub name: &'a str,
    /// ClusterIP.
    pub vip: Ipv4Addr,
    /// `(port name, port, target port)`.
    pub ports: &'a [(&'a str, u16, u16)],
    /// Service account of its pods.
    pub service_account: &'a str,
    /// DestinationRule, if any.
    pub destination_rule: Option<DestinationRule>,
    /// VirtualService, if any.
    pub virtual_service: Option<VirtualService>,
}

impl MeshBuilder {
    /// An empty mesh with `nodes` node names, spread round-robin over zones.
    pub(crate) fn new(istio_version: &str, nodes: Vec<String>) -> Self {
        let nodes: Vec<(String, usize)> = nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, i % ZONES.len()))
            .collect();
        Self {
            per_node: vec![0; nodes.len()],
            nodes,
            next_node: 0,
            used_vips: HashSet::new(),
            external: Vec::new(),
            mesh: Mesh {
                istio_version: istio_version.to_string(),
                trust_domain: "cluster.local".to_string(),
                services: Vec::new(),
                pods: Vec::new(),
                ingress: None,
            },
        }
    }

    /// Whether `vip` is still free; marks it used when it was.
    pub(crate) fn claim_vip(&mut self, vip: Ipv4Addr) -> bool {
        self.used_vips.insert(vip)
    }

    /// Adds `replicas` pods of deployment `<app>-<version>` (or `deployment`
    /// when given) on the next nodes; returns nothing, pods are in the mesh.
    pub(crate) fn add_pods(&mut self, spec: PodSpec<'_>) {
        let deployment = spec
            .deployment
            .map_or_else(|| format!("{}-{}", spec.app, spec.version), str::to_string);
        for replica in 0..spec.replicas {
            let node_ix = self.next_node % self.nodes.len().max(1);
            self.next_node += 1;
            let (node, zone) = self
                .nodes
                .get(node_ix)
                .cloned()
                .unwrap_or_else(|| ("node-0".to_string(), 0));
            let slot = self.per_node.get(node_ix).copied().unwrap_or(0);
            if let Some(s) = self.per_node.get_mut(node_ix) {
                *s += 1;
            }
            // 10.244.0.0 + node * 256 + slot + 2; nodes hold up to 250 pods.
            let ip =
                u32::from(Ipv4Addr::new(10, 244, 0, 0)) + (node_ix as u32) * 256 + (slot % 250) + 2;
            self.mesh.pods.push(Pod {
                namespace: spec.namespace.to_string(),
                name: pod_name(&deployment, replica),
                app: spec.app.to_string(),
                version: spec.version.to_string(),
                ip: Ipv4Addr::from(ip),
                node,
                zone,
                service_account: spec.service_account.to_string(),
                proxy: spec.proxy,
                egress: spec.egress.clone(),
            });
        }
    }

    /// Adds a Kubernetes Service selecting pods with `app == name`.
    pub(crate) fn add_service(&mut self, spec: ServiceSpec<'_>) -> usize {
        self.used_vips.insert(spec.vip);
        self.mesh.services.push(Service {
            namespace: spec.namespace.to_string(),
            name: spec.name.to_string(),
            host: format!("{}.{}.{DNS_SUFFIX}", spec.name, spec.namespace),
            vip: spec.vip,
            ports: spec
                .ports
                .iter()
                .map(|&(name, port, target_port)| ServicePort {
                    name: name.to_string(),
                    port,
                    target_port,
                })
                .collect(),
            kind: ServiceKind::Kubernetes,
            service_account: spec.service_account.to_string(),
            destination_rule: spec.destination_rule,
            virtual_service: spec.virtual_service,
            endpoints: Vec::new(),
        });
        self.mesh.services.len() - 1
    }

    /// Adds a ServiceEntry for an external host at `ip` (static endpoint).
    pub(crate) fn add_service_entry(&mut self, spec: ServiceSpec<'_>, host: &str, ip: Ipv4Addr) {
        let ix = self.add_service(spec);
        if let Some(s) = self.mesh.services.get_mut(ix) {
            s.kind = ServiceKind::ServiceEntry;
            s.host = host.to_string();
        }
        self.external.push((ix, ip));
    }

    /// Sets the ingress gateway routing.
    pub(crate) fn set_ingress(&mut self, ingress: IngressRoutes) {
        self.mesh.ingress = Some(ingress);
    }

    /// Fills endpoints (pods in the same namespace with `app == service
    /// name`, in pod order) and returns the mesh. `unhealthy(pod_index)`
    /// decides which endpoints fail health checks.
    pub(crate) fn finish(mut self, unhealthy: impl Fn(usize) -> bool) -> Mesh {
        let mut by_app: std::collections::HashMap<(&str, &str), Vec<usize>> =
            std::collections::HashMap::new();
        for (i, p) in self.mesh.pods.iter().enumerate() {
            by_app
                .entry((p.namespace.as_str(), p.app.as_str()))
                .or_default()
                .push(i);
        }
        let mut all: Vec<Vec<Endpoint>> = Vec::with_capacity(self.mesh.services.len());
        for s in &self.mesh.services {
            let pods = by_app
                .get(&(s.namespace.as_str(), s.name.as_str()))
                .map_or(&[][..], Vec::as_slice);
            all.push(
                pods.iter()
                    .filter_map(|&i| self.mesh.pods.get(i).map(|p| (i, p)))
                    .map(|(i, p)| Endpoint {
                        ip: p.ip,
                        pod: Some(p.name.clone()),
                        version: Some(p.version.clone()),
                        zone: p.zone,
                        healthy: !unhealthy(i),
                        in_mesh: p.proxy != ProxyKind::None,
                    })
                    .collect(),
            );
        }
        for (s, eps) in self.mesh.services.iter_mut().zip(all) {
            s.endpoints = eps;
        }
        for (ix, ip) in self.external {
            if let Some(s) = self.mesh.services.get_mut(ix) {
                s.endpoints = vec![Endpoint {
                    ip,
                    pod: None,
                    version: None,
                    zone: 0,
                    healthy: true,
                    in_mesh: false,
                }];
            }
        }
        self.mesh
    }
}

/// Pods to add with [`MeshBuilder::add_pods`].
pub(crate) struct PodSpec<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// `app` label.
    pub app: &'a str,
    /// `version` label.
    pub version: &'a str,
    /// Deployment name, default `<app>-<version>`.
    pub deployment: Option<&'a str>,
    /// Number of pods.
    pub replicas: usize,
    /// Service account.
    pub service_account: &'a str,
    /// Proxy kind.
    pub proxy: ProxyKind,
    /// Egress scope.
    pub egress: &'a Egress,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_seed_sensitive() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(1), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(1), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(2), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(Rng::new(0).next_u64(), 0);
    }

    #[test]
    fn pod_names_look_like_kubernetes() {
        let n = pod_name("reviews-v2", 0);
        let parts: Vec<&str> = n.rsplitn(3, '-').collect();
        assert_eq!(parts.len(), 3, "{n}");
        assert_eq!(parts[0].len(), 5);
        assert_eq!(parts[1].len(), 10);
        assert_eq!(parts[2], "reviews-v2");
        assert_eq!(n, pod_name("reviews-v2", 0));
        assert_ne!(n, pod_name("reviews-v2", 1));
    }
}
