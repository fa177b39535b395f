//! [`KubeFetcher`]: the [`Fetcher`] for pods in a cluster. Each read makes
//! sure the port-forward it needs exists (Envoy admin, pilot-agent or
//! istiod), waits until it is ready, then uses the ordinary admin client on
//! the forward's local URL, so the rest of the app cannot tell it from the
//! demo mesh or a hand-made `kubectl port-forward`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::Client;
use tokio::sync::watch;

use super::discover::Discovery;
use super::forward::{ForwardState, PortForward};
use super::pods::{AGENT_PORT, DEFAULT_ADMIN_PORT, ISTIOD_PORT};
use crate::sources::admin::ClientOptions;
use crate::sources::target::{
    AdminFetcher, Endpoint, FetchError, Fetched, Fetcher, MeshInfo, TargetInfo,
};

/// `(namespace, pod, port)`.
type ForwardKey = (String, String, u16);

struct Entry {
    forward: Arc<PortForward>,
    /// Admin clients on the forward's local URL, built once it is ready.
    fetcher: Option<Arc<AdminFetcher>>,
}

struct Inner {
    client: Client,
    opts: ClientOptions,
    ready_timeout: Duration,
    admin_ports: Mutex<HashMap<String, u16>>,
    istiod: Mutex<Option<(String, String)>>,
    forwards: Mutex<HashMap<ForwardKey, Entry>>,
}

/// Reads sidecars and istiod through on-demand port-forwards. Cheap to clone.
#[derive(Clone)]
pub struct KubeFetcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for KubeFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeFetcher").finish_non_exhaustive()
    }
}

impl KubeFetcher {
    /// A fetcher over `client` (use the cluster's stream client: forwards
    /// live long) for the pods and istiod of `discovery`; `opts` configures
    /// the admin client used on each forward.
    pub fn new(client: Client, discovery: &Discovery, opts: ClientOptions) -> Self {
        let fetcher = KubeFetcher {
            inner: Arc::new(Inner {
                client,
                opts,
                ready_timeout: Duration::from_secs(10),
                admin_ports: Mutex::new(HashMap::new()),
                istiod: Mutex::new(None),
                forwards: Mutex::new(HashMap::new()),
            }),
        };
        fetcher.update(discovery);
        fetcher
    }

    /// Takes a newer discovery (from the watcher): admin ports and istiod.
    pub fn update(&self, discovery: &Discovery) {
        let ports = discovery
            .proxies
            .iter()
            .map(|p| (p.key(), p.admin_port))
            .collect();
        *lock(&self.inner.admin_ports) = ports;
        *lock(&self.inner.istiod) = discovery
            .istiod
            .as_ref()
            .map(|i| (i.namespace.clone(), i.name.clone()));
    }

    /// The forward to `namespace/pod:port`, started if needed.
    pub async fn forward(
        &self,
        namespace: &str,
        pod: &str,
        port: u16,
    ) -> Result<Arc<PortForward>, FetchError> {
        let key = (namespace.to_string(), pod.to_string(), port);
        if let Some(e) = lock(&self.inner.forwards).get(&key) {
            return Ok(e.forward.clone());
        }
        let api: Api<Pod> = Api::namespaced(self.inner.client.clone(), namespace);
        let started = PortForward::start(api, pod, port)
            .await
            .map_err(|e| FetchError(e.to_string()))?;
        let mut forwards = lock(&self.inner.forwards);
        // Another task may have started the same forward meanwhile: keep the first.
        let entry = forwards.entry(key).or_insert_with(|| Entry {
            forward: Arc::new(started),
            fetcher: None,
        });
        Ok(entry.forward.clone())
    }

    /// Every forward and its state, for the UI (`namespace/pod:port`).
    pub fn forwards(&self) -> Vec<(String, watch::Receiver<ForwardState>)> {
        let mut all: Vec<_> = lock(&self.inner.forwards)
            .values()
            .map(|e| (e.forward.target().to_string(), e.forward.state()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Closes the forwards of pods no longer present (or all, with `None`).
    pub fn close_except(&self, keep: Option<&MeshInfo>) {
        let keys: Option<Vec<(String, String)>> = keep.map(|m| {
            m.pods
                .iter()
                .map(|p| (p.namespace.clone(), p.name.clone()))
                .collect()
        });
        let istiod = lock(&self.inner.istiod).clone();
        lock(&self.inner.forwards).retain(|(ns, pod, _), _| {
            let k = (ns.clone(), pod.clone());
            keys.as_ref()
                .is_some_and(|ks| ks.contains(&k) || istiod.as_ref() == Some(&k))
        });
    }

    fn admin_port(&self, t: &TargetInfo) -> u16 {
        lock(&self.inner.admin_ports)
            .get(&t.key())
            .copied()
            .unwrap_or(DEFAULT_ADMIN_PORT)
    }

    /// Which pod and port serve `endpoint` (for `target: None`, istiod).
    fn route(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> Result<ForwardKey, FetchError> {
        match target {
            None => lock(&self.inner.istiod)
                .clone()
                .map(|(ns, pod)| (ns, pod, ISTIOD_PORT))
                .ok_or_else(|| FetchError("no istiod pod found (istio-system, app=istiod)".into())),
            Some(_) if endpoint == Endpoint::IstiodConfigDump => self.route(None, Endpoint::Syncz),
            Some(t) => {
                let port = if endpoint.is_agent() {
                    AGENT_PORT
                } else {
                    self.admin_port(t)
                };
                Ok((t.namespace.clone(), t.name.clone(), port))
            }
        }
    }

    /// The admin fetcher on a ready forward, cached per forward.
    async fn admin_for(
        &self,
        key: &ForwardKey,
        target: Option<&TargetInfo>,
    ) -> Result<(Arc<AdminFetcher>, Arc<PortForward>), FetchError> {
        let forward = self.forward(&key.0, &key.1, key.2).await?;
        let url = forward
            .ready(self.inner.ready_timeout)
            .await
            .map_err(|e| FetchError(e.to_string()))?;
        if let Some(f) = lock(&self.inner.forwards)
            .get(key)
            .and_then(|e| e.fetcher.clone())
        {
            return Ok((f, forward));
        }
        let mesh = match target {
            _ if key.2 == ISTIOD_PORT => MeshInfo {
                istiod: Some(url),
                pods: Vec::new(),
            },
            None => MeshInfo {
                istiod: Some(url),
                pods: Vec::new(),
            },
            Some(t) => MeshInfo {
                istiod: None,
                pods: vec![TargetInfo {
                    admin: Some(url.clone()),
                    agent: Some(url),
                    ..t.clone()
                }],
            },
        };
        let fetcher = Arc::new(AdminFetcher::new(&mesh, &self.inner.opts)?);
        if let Some(e) = lock(&self.inner.forwards).get_mut(key) {
            e.fetcher = Some(fetcher.clone());
        }
        Ok((fetcher, forward))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Fetcher for KubeFetcher {
    fn fetch(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let this = self.clone();
        let target = target.cloned();
        Box::pin(async move {
            let key = this.route(target.as_ref(), endpoint)?;
            let (admin, forward) = this.admin_for(&key, target.as_ref()).await?;
            admin.fetch(target.as_ref(), endpoint).await.map_err(|e| {
                // A broken tunnel shows up as a closed connection; say why.
                match &*forward.state().borrow() {
                    ForwardState::Failed { error, .. } => {
                        FetchError(format!("{e} (port-forward {}: {error})", forward.target()))
                    }
                    _ => e,
                }
            })
        })
    }
}
