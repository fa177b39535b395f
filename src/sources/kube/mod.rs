//! The on-call path: a live cluster through kube-rs. [`connect`] turns
//! kubectl-style flags into a validated client, [`discover`] finds sidecars,
//! gateways and istiod, [`watch`] keeps that current, [`KubeFetcher`] reads
//! admin endpoints through in-process [`PortForward`]s bound to 127.0.0.1,
//! and [`KubeLogSource`] streams `istio-proxy` logs.

pub mod ambient;
mod connect;
mod discover;
mod error;
mod fetcher;
mod forward;
mod logs;
pub mod pods;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

pub use ambient::AmbientPod;
pub use connect::{connect, Cluster, Scope};
pub use discover::{discover, pick_istiod, Discovery, IstiodPod};
pub use error::{describe, KubeError};
pub use fetcher::KubeFetcher;
pub use forward::{ForwardState, PortForward};
pub use logs::{log_params, KubeLogSource};
pub use pods::{proxy_pod, ProxyKind, ProxyPod};
pub use watch::{watch, Inventory, WatchEvent};

/// Which cluster and namespaces to look at: the kubectl flags, plus where
/// istiod runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeOptions {
    /// `--kubeconfig`: a file instead of `$KUBECONFIG` / `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`: instead of the kubeconfig's current context.
    pub context: Option<String>,
    /// `-n/--namespace`: instead of the context's namespace.
    pub namespace: Option<String>,
    /// `-A/--all-namespaces`.
    pub all_namespaces: bool,
    /// Where istiod runs. Default `istio-system`.
    pub istiod_namespace: String,
    /// istiod's label selector. Default `app=istiod`.
    pub istiod_selector: String,
    /// Limit for opening a connection to the API server. Default 5 s.
    pub connect_timeout: Duration,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            kubeconfig: None,
            context: None,
            namespace: None,
            all_namespaces: false,
            istiod_namespace: "istio-system".to_string(),
            istiod_selector: "app=istiod".to_string(),
            connect_timeout: Duration::from_secs(5),
        }
    }
}
