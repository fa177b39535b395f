//! Discovery: every Istio proxy pod in the scope, plus istiod, as a
//! [`Discovery`] the UI can show as a [`MeshInfo`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde::{Deserialize, Serialize};

use super::ambient::{ambient_pods, AmbientPod, NamespaceLabels, DATAPLANE_MODE};
use super::connect::Cluster;
use super::error::{from_kube, KubeError};
use super::pods::ProxyKind;
use super::pods::{image_version, is_ready, kube_url, proxy_pod, ProxyPod, ISTIOD_PORT};
use crate::sources::target::{MeshInfo, TargetInfo, TargetKind};

/// The istiod pod whose 15014 the UI reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IstiodPod {
    /// Namespace (`istio-system` unless overridden).
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Running and ready.
    pub ready: bool,
    /// Version from the `discovery` container's image tag.
    pub version: Option<String>,
}

impl IstiodPod {
    /// Reads an istiod pod.
    pub fn from_pod(pod: &Pod) -> IstiodPod {
        let image = pod
            .spec
            .as_ref()
            .and_then(|s| {
                s.containers
                    .iter()
                    .find(|c| c.name == "discovery")
                    .or(s.containers.first())
            })
            .and_then(|c| c.image.as_deref());
        IstiodPod {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            ready: is_ready(pod),
            version: image.and_then(image_version),
        }
    }
}

/// What discovery found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// Sidecars and gateways, sorted by namespace then name.
    pub proxies: Vec<ProxyPod>,
    /// The istiod to read (a ready one preferred), if any is visible.
    pub istiod: Option<IstiodPod>,
    /// Ambient mode: ztunnels, waypoints and enrolled workloads, linked.
    #[serde(default)]
    pub ambient: Vec<AmbientPod>,
}

impl Discovery {
    /// The mesh for the UI. URLs are `kube://namespace/pod:port` descriptors
    /// that the [`super::KubeFetcher`] reaches through port-forwards.
    pub fn mesh(&self) -> MeshInfo {
        MeshInfo {
            istiod: self
                .istiod
                .as_ref()
                .map(|i| kube_url(&i.namespace, &i.name, ISTIOD_PORT)),
            pods: self.proxies.iter().map(|p| self.kinded(p)).collect(),
        }
    }

    /// A proxy's target with its kind: a ztunnel or waypoint when ambient
    /// discovery says so, else sidecar or gateway.
    fn kinded(&self, p: &ProxyPod) -> TargetInfo {
        let mut t = p.target();
        match self.ambient_pod(&p.namespace, &p.name) {
            Some(a) => {
                t.kind = Some(a.kind);
                t.node = a.node.clone();
                t.ztunnel = a.ztunnel.clone();
            }
            None => {
                t.kind = Some(match p.kind {
                    ProxyKind::Sidecar => TargetKind::Sidecar,
                    ProxyKind::Gateway => TargetKind::Gateway,
                });
            }
        }
        t
    }

    /// [`Discovery::mesh`] plus the ambient pods that run no Envoy of their
    /// own (ztunnels not seen as proxies, enrolled workloads), sorted by key.
    pub fn mesh_with_ambient(&self) -> MeshInfo {
        let mut mesh = self.mesh();
        for a in &self.ambient {
            if self.proxy(&a.namespace, &a.name).is_none() {
                mesh.pods.push(a.target());
            }
        }
        mesh.pods.sort_by_key(TargetInfo::key);
        mesh
    }

    /// The ambient entry `namespace/name`.
    pub fn ambient_pod(&self, namespace: &str, name: &str) -> Option<&AmbientPod> {
        self.ambient
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }

    /// The proxy `namespace/name`.
    pub fn proxy(&self, namespace: &str, name: &str) -> Option<&ProxyPod> {
        self.proxies
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }
}

/// The label selector of istiod pods (`app=istiod` unless overridden).
pub fn istiod_params(selector: &str) -> ListParams {
    ListParams::default().labels(selector)
}

/// Picks the istiod to read: a ready pod first, then by name.
pub fn pick_istiod(pods: &[Pod]) -> Option<IstiodPod> {
    let mut all: Vec<IstiodPod> = pods.iter().map(IstiodPod::from_pod).collect();
    all.sort_by(|a, b| b.ready.cmp(&a.ready).then_with(|| a.name.cmp(&b.name)));
    all.into_iter().next()
}

/// Lists the proxies in the scope and istiod. Not being allowed to see
/// istiod's namespace is not an error: the istiod view is then unavailable.
pub async fn discover(cluster: &Cluster) -> Result<Discovery, KubeError> {
    let pods = cluster
        .scope
        .pods(cluster.client.clone())
        .list(&ListParams::default())
        .await
        .map_err(|e| from_kube(&cluster.url, &e))?;
    let mut proxies: BTreeMap<(String, String), ProxyPod> = BTreeMap::new();
    for p in pods.items.iter().filter_map(proxy_pod) {
        proxies.insert((p.namespace.clone(), p.name.clone()), p);
    }
    let opts = &cluster.options;
    let istiod_api: Api<Pod> = Api::namespaced(cluster.client.clone(), &opts.istiod_namespace);
    let istiod = match istiod_api.list(&istiod_params(&opts.istiod_selector)).await {
        Ok(list) => pick_istiod(&list.items),
        Err(kube::Error::Api(_)) => None,
        Err(e) => return Err(from_kube(&cluster.url, &e)),
    };
    let namespaces = ambient_namespaces(cluster).await;
    let ambient = ambient_pods(&pods.items, &namespaces);
    Ok(Discovery {
        proxies: proxies.into_values().collect(),
        istiod,
        ambient,
    })
}

/// Labels of the namespaces enrolled in ambient mode. Not being allowed to
/// list namespaces is not an error: pod labels still enroll pods.
async fn ambient_namespaces(cluster: &Cluster) -> NamespaceLabels {
    use k8s_openapi::api::core::v1::Namespace;
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    let params = ListParams::default().labels(&format!("{DATAPLANE_MODE}=ambient"));
    let mut out = NamespaceLabels::new();
    if let Ok(list) = api.list(&params).await {
        for ns in list.items {
            let name = ns.metadata.name.clone().unwrap_or_default();
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            out.insert(name, labels.into_iter().collect());
        }
    }
    out
}
