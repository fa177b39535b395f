//! Live updates: kube-runtime watchers over the proxy pods of the scope and
//! over istiod, folded into a fresh [`Discovery`] after every change.

use std::collections::BTreeMap;

use futures::stream::{self, BoxStream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;

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

fn key(p: &Pod) -> String {
    format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or_default(),
        p.metadata.name.as_deref().unwrap_or_default()
    )
}

impl<T: PartialEq> Tracked<T> {
    /// Applies one watch event; true when the visible set changed (always
    /// after a completed (re-)list, so the first snapshot is emitted).
    fn apply(&mut self, event: Event<Pod>, read: impl Fn(&Pod) -> Option<T>) -> bool {
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
}

/// The current view of the cluster, updated event by event.
#[derive(Debug, Default)]
pub struct Inventory {
    proxies: Tracked<ProxyPod>,
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
                self.proxies.apply(e, proxy_pod)
            }
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

    /// The discovery as of now.
    pub fn discovery(&self) -> Discovery {
        let mut istiods: Vec<&IstiodPod> = self.istiods.live.values().collect();
        istiods.sort_by(|a, b| b.ready.cmp(&a.ready).then_with(|| a.name.cmp(&b.name)));
        Discovery {
            proxies: self.proxies.live.values().cloned().collect(),
            istiod: istiods.first().map(|i| (*i).clone()),
            ambient: Vec::new(),
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
    let events = stream::select(proxies, istiod);
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
}
