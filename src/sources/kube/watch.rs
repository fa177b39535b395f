//! Live updates: kube-runtime watchers over the pods of the scope, over
//! istiod and over the namespaces enrolled in ambient mode, folded into a
//! fresh [`Discovery`] (sidecars, gateways and the ambient pods) after every
//! change.

use std::collections::BTreeMap;

use futures::stream::{self, BoxStream, StreamExt};
use k8s_openapi::api::core::v1::{Container, Namespace, Pod, PodSpec, PodStatus};
use kube::api::Api;
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;

use super::ambient::{ambient_pods, NamespaceLabels, DATAPLANE_MODE};
use super::connect::Cluster;
use super::discover::{Discovery, IstiodPod};
use super::error::KubeError;
use super::pods::{proxy_pod, ProxyPod};

/// Objects of one watch, keyed by `namespace/name`, with the re-list buffer.
#[derive(Debug)]
struct Tracked<T> {
    live: BTreeMap<String, T>,
    relist: Option<BTreeMap<String, T>>,
}

impl<T> Default for Tracked<T> {
    fn default() -> Self {
        Tracked {
            live: BTreeMap::new(),
            relist: None,
        }
    }
}

fn key<K: kube::Resource>(p: &K) -> String {
    format!(
        "{}/{}",
        p.meta().namespace.as_deref().unwrap_or_default(),
        p.meta().name.as_deref().unwrap_or_default()
    )
}

/// The fields ambient discovery reads of a pod (labels, owners, node,
/// container names, readiness and IP), so a watch over every pod of a large
/// scope keeps a small copy of each, not the whole object.
fn slim(p: &Pod) -> Option<Pod> {
    let names = |cs: &[Container]| -> Vec<Container> {
        cs.iter()
            .map(|c| Container {
                name: c.name.clone(),
                ..Container::default()
            })
            .collect()
    };
    let mut s = Pod::default();
    s.metadata.name = p.metadata.name.clone();
    s.metadata.namespace = p.metadata.namespace.clone();
    s.metadata.labels = p.metadata.labels.clone();
    s.metadata.owner_references = p.metadata.owner_references.clone();
    s.spec = p.spec.as_ref().map(|sp| PodSpec {
        node_name: sp.node_name.clone(),
        containers: names(&sp.containers),
        init_containers: sp.init_containers.as_deref().map(names),
        ..PodSpec::default()
    });
    s.status = p.status.as_ref().map(|st| PodStatus {
        phase: st.phase.clone(),
        pod_ip: st.pod_ip.clone(),
        conditions: st.conditions.clone(),
        ..PodStatus::default()
    });
    Some(s)
}

impl<T: PartialEq> Tracked<T> {
    /// Applies one watch event; true when the visible set changed (always
    /// after a completed (re-)list, so the first snapshot is emitted).
    fn apply<K: kube::Resource>(
        &mut self,
        event: Event<K>,
        read: impl Fn(&K) -> Option<T>,
    ) -> bool {
        match event {
            Event::Init => {
                self.relist = Some(BTreeMap::new());
                false
            }
            Event::InitApply(p) => {
                if let (Some(buf), Some(t)) = (self.relist.as_mut(), read(&p)) {
                    buf.insert(key(&p), t);
                }
                false
            }
            Event::InitDone => {
                self.live = self.relist.take().unwrap_or_default();
                true
            }
            Event::Apply(p) => match read(&p) {
                Some(t) => {
                    let changed = self.live.get(&key(&p)) != Some(&t);
                    self.live.insert(key(&p), t);
                    changed
                }
                None => self.live.remove(&key(&p)).is_some(),
            },
            Event::Delete(p) => self.live.remove(&key(&p)).is_some(),
        }
    }
}

/// Which watch an event came from.
#[derive(Debug)]
pub enum WatchEvent {
    /// A pod of the discovery scope.
    Proxy(Event<Pod>),
    /// A pod matching the istiod selector.
    Istiod(Event<Pod>),
    /// A namespace labelled `istio.io/dataplane-mode=ambient`.
    Namespace(Event<Namespace>),
}

/// The current view of the cluster, updated event by event.
#[derive(Debug, Default)]
pub struct Inventory {
    proxies: Tracked<ProxyPod>,
    /// Every pod of the scope, slim: ambient discovery reads them.
    pods: Tracked<Pod>,
    /// Labels of the namespaces enrolled in ambient mode.
    namespaces: Tracked<BTreeMap<String, String>>,
    istiods: Tracked<IstiodPod>,
    synced_proxies: bool,
    synced_istiod: bool,
}

impl Inventory {
    /// Applies an event; true when the discovery changed.
    pub fn apply(&mut self, event: WatchEvent) -> bool {
        match event {
            WatchEvent::Proxy(e) => {
                self.synced_proxies |= matches!(e, Event::InitDone);
                // Only a pod ambient discovery would list (or did) moves the
                // ambient part; the slim copy is kept of every pod either way.
                let relevant = match &e {
                    // Relevant now, or before (a label taken off).
                    Event::Apply(p) | Event::Delete(p) => {
                        self.ambient_relevant(p)
                            || self
                                .pods
                                .live
                                .get(&key(p))
                                .is_some_and(|old| self.ambient_relevant(old))
                    }
                    _ => true,
                };
                let moved = self.pods.apply(e.clone(), slim) && relevant;
                self.proxies.apply(e, proxy_pod) | moved
            }
            WatchEvent::Namespace(e) => self.namespaces.apply(e, |n| {
                Some(
                    n.metadata
                        .labels
                        .clone()
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                )
            }),
            WatchEvent::Istiod(e) => {
                self.synced_istiod |= matches!(e, Event::InitDone);
                self.istiods.apply(e, |p| Some(IstiodPod::from_pod(p)))
            }
        }
    }

    /// Both watches listed once.
    pub fn synced(&self) -> bool {
        self.synced_proxies && self.synced_istiod
    }

    fn namespace_labels(&self) -> NamespaceLabels {
        self.namespaces
            .live
            .iter()
            .map(|(k, l)| (k.trim_start_matches('/').to_string(), l.clone()))
            .collect()
    }

    fn ambient(&self) -> Vec<super::ambient::AmbientPod> {
        let pods: Vec<Pod> = self.pods.live.values().cloned().collect();
        ambient_pods(&pods, &self.namespace_labels())
    }

    /// Whether a pod is one ambient discovery lists: a ztunnel, a waypoint,
    /// or a pod enrolled by its own label or its namespace's.
    fn ambient_relevant(&self, p: &Pod) -> bool {
        let ns = p.metadata.namespace.as_deref().unwrap_or_default();
        super::ambient::is_ztunnel(p)
            || super::ambient::is_waypoint(p)
            || p.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(DATAPLANE_MODE))
            || self
                .namespaces
                .live
                .keys()
                .any(|k| k.trim_start_matches('/') == ns)
    }

    /// The discovery as of now.
    pub fn discovery(&self) -> Discovery {
        let mut istiods: Vec<&IstiodPod> = self.istiods.live.values().collect();
        istiods.sort_by(|a, b| b.ready.cmp(&a.ready).then_with(|| a.name.cmp(&b.name)));
        Discovery {
            proxies: self.proxies.live.values().cloned().collect(),
            istiod: istiods.first().map(|i| (*i).clone()),
            ambient: self.ambient(),
        }
    }
}

/// A [`Discovery`] after the first complete listing and after every change
/// of a proxy pod or istiod. Watch errors are reported as `Err` items and the
/// watchers retry with backoff; the stream does not end on its own.
pub fn watch(cluster: &Cluster) -> BoxStream<'static, Result<Discovery, KubeError>> {
    let url = cluster.url.clone();
    let proxies = watcher::watcher(
        cluster.scope.pods(cluster.stream_client.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .map(|r| r.map(WatchEvent::Proxy));
    let opts = &cluster.options;
    let istiod_api: Api<Pod> =
        Api::namespaced(cluster.stream_client.clone(), &opts.istiod_namespace);
    let istiod = watcher::watcher(
        istiod_api,
        watcher::Config::default().labels(&opts.istiod_selector),
    )
    .default_backoff()
    .map(|r| r.map(WatchEvent::Istiod));
    // Not being allowed to watch namespaces is not an error: pod labels
    // still enroll pods (the events are dropped, as discovery does).
    let namespaces = watcher::watcher(
        Api::<Namespace>::all(cluster.stream_client.clone()),
        watcher::Config::default().labels(&format!("{DATAPLANE_MODE}=ambient")),
    )
    .default_backoff()
    .filter_map(|r| futures::future::ready(r.ok().map(|e| Ok(WatchEvent::Namespace(e)))));
    let events = stream::select(stream::select(proxies, istiod), namespaces);
    events
        .scan(Inventory::default(), move |inv, item| {
            let out = match item {
                Ok(ev) => {
                    let changed = inv.apply(ev);
                    (changed && inv.synced()).then(|| Ok(inv.discovery()))
                }
                Err(e) => Some(Err(KubeError::Unreachable {
                    url: url.clone(),
                    reason: super::error::one_line(&format!("watch: {e}")),
                })),
            };
            futures::future::ready(Some(out))
        })
        .filter_map(futures::future::ready)
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ready: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns", "labels": {"app": name}},
            "spec": {"containers": [{"name": "istio-proxy", "image": "proxyv2:1.22.0"}]},
            "status": {"containerStatuses": [{"name": "istio-proxy", "ready": ready,
                "restartCount": 0, "image": "x", "imageID": "y"}]}
        }))
        .unwrap()
    }

    #[test]
    fn snapshots_follow_list_then_changes() {
        let mut inv = Inventory::default();
        assert!(!inv.apply(WatchEvent::Proxy(Event::Init)));
        assert!(!inv.apply(WatchEvent::Proxy(Event::InitApply(pod("a", true)))));
        assert!(inv.apply(WatchEvent::Proxy(Event::InitDone)));
        assert!(!inv.synced(), "istiod not listed yet");
        inv.apply(WatchEvent::Istiod(Event::Init));
        assert!(inv.apply(WatchEvent::Istiod(Event::InitDone)));
        assert!(inv.synced());
        assert_eq!(inv.discovery().proxies.len(), 1);
        assert!(!inv.apply(WatchEvent::Proxy(Event::Apply(pod("a", true)))));
        assert!(inv.apply(WatchEvent::Proxy(Event::Apply(pod("a", false)))));
        assert!(inv.apply(WatchEvent::Proxy(Event::Apply(pod("b", true)))));
        assert_eq!(inv.discovery().proxies.len(), 2);
        assert!(inv.apply(WatchEvent::Proxy(Event::Delete(pod("a", false)))));
        let names: Vec<_> = inv
            .discovery()
            .proxies
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["b"]);
    }

    fn ambient_pod(name: &str, labels: serde_json::Value, node: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "shop", "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": "app"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.9",
                "conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap()
    }

    /// The watch keeps the ambient part: ztunnels, and pods enrolled by their
    /// own label or by their namespace's, which can come later.
    #[test]
    fn ambient_pods_follow_the_watch() {
        let mut inv = Inventory::default();
        inv.apply(WatchEvent::Proxy(Event::Init));
        let ztunnel = ambient_pod("ztunnel-abcde", serde_json::json!({"app": "ztunnel"}), "n1");
        let enrolled = ambient_pod(
            "cart-1",
            serde_json::json!({"app": "cart", "istio.io/dataplane-mode": "ambient"}),
            "n1",
        );
        let plain = ambient_pod("pay-1", serde_json::json!({"app": "pay"}), "n1");
        for p in [&ztunnel, &enrolled, &plain] {
            inv.apply(WatchEvent::Proxy(Event::InitApply(p.clone())));
        }
        inv.apply(WatchEvent::Proxy(Event::InitDone));
        inv.apply(WatchEvent::Istiod(Event::InitDone));
        let names = |inv: &Inventory| -> Vec<String> {
            inv.discovery()
                .ambient
                .into_iter()
                .map(|a| a.name)
                .collect()
        };
        assert_eq!(names(&inv), ["cart-1", "ztunnel-abcde"]);
        let cart = inv
            .discovery()
            .ambient
            .into_iter()
            .find(|a| a.name == "cart-1")
            .unwrap();
        assert_eq!(cart.ztunnel.as_deref(), Some("shop/ztunnel-abcde"));
        // Its namespace is enrolled: `pay-1` joins.
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "shop", "labels": {"istio.io/dataplane-mode": "ambient"}}
        }))
        .unwrap();
        assert!(inv.apply(WatchEvent::Namespace(Event::Apply(ns))));
        assert_eq!(names(&inv), ["cart-1", "pay-1", "ztunnel-abcde"]);
        // A pod of no interest changing is no new discovery.
        let mut other = ambient_pod("web-1", serde_json::json!({"app": "web"}), "n1");
        other.metadata.namespace = Some("elsewhere".into());
        assert!(!inv.apply(WatchEvent::Proxy(Event::Apply(other))));
        // The ztunnel going away is.
        assert!(inv.apply(WatchEvent::Proxy(Event::Delete(ztunnel))));
        assert_eq!(names(&inv), ["cart-1", "pay-1"]);
    }
}
