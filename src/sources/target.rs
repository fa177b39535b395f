//! What is behind a sidecar, hidden behind one trait: the demo mesh, a pod in
//! a cluster, ports forwarded by hand, or a captured bundle all answer the
//! same [`Fetcher`] calls, so every view runs the same code path.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::admin::{
    AdminClient, AdminError, ClientOptions, ConfigDumpQuery, Confirmed, StatsFormat, StatsQuery,
};

/// One sidecar (or gateway) we can inspect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// Kubernetes namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label.
    #[serde(default)]
    pub app: String,
    /// Envoy admin base URL (port 15000), when reachable.
    #[serde(default)]
    pub admin: Option<String>,
    /// pilot-agent base URL (port 15020), when reachable.
    #[serde(default)]
    pub agent: Option<String>,
    /// Demo scenarios pinned to this pod (demo mesh only).
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Pod readiness as Kubernetes reports it (cluster sources only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// Proxy version from the image tag (cluster sources only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Container restarts (cluster sources only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u32>,
    /// What kind of proxy this is (absent: a sidecar, as before ambient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TargetKind>,
    /// The node the pod runs on, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Ambient workloads: `namespace/name` of their node's ztunnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<String>,
    /// Ambient workloads: the waypoint serving them (`namespace/name` of the
    /// Gateway), from `istio.io/use-waypoint` or ztunnel's `waypoint` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<String>,
}

/// The kind of a target: which proxy answers, and which views apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// An Envoy sidecar (`istio-proxy` container).
    Sidecar,
    /// An Envoy ingress/egress gateway.
    Gateway,
    /// A ztunnel (the per-node L4 proxy of ambient mode; admin 15000, stats 15020).
    Ztunnel,
    /// A waypoint (Envoy doing L7 for ambient workloads).
    Waypoint,
    /// A pod enrolled in ambient mode: no proxy of its own, served by its
    /// node's ztunnel (and a waypoint, if any).
    AmbientWorkload,
}

impl TargetKind {
    /// Short label for lists.
    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Sidecar => "sidecar",
            TargetKind::Gateway => "gateway",
            TargetKind::Ztunnel => "ztunnel",
            TargetKind::Waypoint => "waypoint",
            TargetKind::AmbientWorkload => "ambient",
        }
    }

    /// Whether the target's admin port is an Envoy's (every `pc` view works).
    pub fn is_envoy(self) -> bool {
        matches!(
            self,
            TargetKind::Sidecar | TargetKind::Gateway | TargetKind::Waypoint
        )
    }
}

impl TargetInfo {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Every target plus the control plane.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeshInfo {
    /// istiod base URL (port 15014), when reachable.
    #[serde(default)]
    pub istiod: Option<String>,
    /// The sidecars.
    #[serde(default)]
    pub pods: Vec<TargetInfo>,
}

/// An admin endpoint we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// Envoy `/config_dump?include_eds`.
    ConfigDump,
    /// Envoy `/clusters?format=json`.
    ClustersJson,
    /// Envoy `/server_info`.
    ServerInfo,
    /// Envoy `/ready`.
    Ready,
    /// Envoy `/stats` (text).
    Stats,
    /// Envoy `/stats/prometheus`.
    Prometheus,
    /// Envoy `/memory`.
    Memory,
    /// Envoy `/logging` (GET).
    Logging,
    /// Envoy `/certs`.
    Certs,
    /// Envoy `/listeners?format=json`.
    Listeners,
    /// pilot-agent `/healthz/ready`.
    AgentReady,
    /// pilot-agent merged `/stats/prometheus`.
    AgentPrometheus,
    /// istiod `/metrics`.
    IstiodMetrics,
    /// istiod `/debug/syncz`.
    Syncz,
    /// istiod `/debug/config_dump?proxyID=POD.NS`: what istiod would send the target.
    IstiodConfigDump,
}

impl Endpoint {
    /// Every read-only endpoint of a sidecar, in snapshot order.
    pub const SIDECAR: &'static [Endpoint] = &[
        Endpoint::ConfigDump,
        Endpoint::ClustersJson,
        Endpoint::ServerInfo,
        Endpoint::Ready,
        Endpoint::Stats,
        Endpoint::Prometheus,
        Endpoint::Memory,
        Endpoint::Logging,
        Endpoint::Certs,
        Endpoint::Listeners,
        Endpoint::AgentReady,
        Endpoint::AgentPrometheus,
    ];
    /// Every read-only endpoint of istiod.
    pub const ISTIOD: &'static [Endpoint] = &[Endpoint::IstiodMetrics, Endpoint::Syncz];

    /// Stable name, used in bundles and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::ConfigDump => "config_dump",
            Endpoint::ClustersJson => "clusters_json",
            Endpoint::ServerInfo => "server_info",
            Endpoint::Ready => "ready",
            Endpoint::Stats => "stats",
            Endpoint::Prometheus => "prometheus",
            Endpoint::Memory => "memory",
            Endpoint::Logging => "logging",
            Endpoint::Certs => "certs",
            Endpoint::Listeners => "listeners",
            Endpoint::AgentReady => "agent_ready",
            Endpoint::AgentPrometheus => "agent_prometheus",
            Endpoint::IstiodMetrics => "istiod_metrics",
            Endpoint::Syncz => "syncz",
            Endpoint::IstiodConfigDump => "istiod_config_dump",
        }
    }

    /// Served by pilot-agent (15020) rather than Envoy (15000).
    pub fn is_agent(self) -> bool {
        matches!(self, Endpoint::AgentReady | Endpoint::AgentPrometheus)
    }
}

/// A fetched body with its HTTP status (503 from a readiness probe is data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Arc<Vec<u8>>,
}

/// Why a fetch failed, with what was asked; shown in the pane that asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError(pub String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}

impl From<AdminError> for FetchError {
    fn from(e: AdminError) -> Self {
        FetchError(e.to_string())
    }
}

/// The one trait every source implements. `target: None` asks istiod.
pub trait Fetcher: Send + Sync {
    /// Reads an endpoint. Must never block the caller: the future does the I/O.
    fn fetch(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>>;

    /// Changes a logger's level (`POST /logging?paths=logger:level`). Mutating:
    /// it takes a [`Confirmed`] token, which only a user confirmation creates.
    /// Sources that cannot change anything (bundles) refuse.
    fn set_log_level(
        &self,
        target: &TargetInfo,
        logger: &str,
        level: &str,
        confirmed: Confirmed,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let _ = (logger, level, confirmed);
        let msg = format!("{}: this source is read-only", target.key());
        Box::pin(async move { Err(FetchError(msg)) })
    }
}

/// `/stats` in `format`; when the whole body is over the size cap, the stats
/// that were ever used (`?usedonly`), which on a big mesh is a fraction.
async fn stats_within_cap(
    client: &AdminClient,
    format: StatsFormat,
) -> Result<crate::sources::admin::Response, AdminError> {
    let all = StatsQuery {
        format,
        filter: None,
        used_only: false,
    };
    match client.stats(&all).await {
        Err(AdminError::TooLarge { .. }) => {
            client
                .stats(&StatsQuery {
                    used_only: true,
                    ..all
                })
                .await
        }
        other => other,
    }
}

/// Fetches over HTTP with the admin client (demo mesh, `--admin`, port-forwards).
pub struct AdminFetcher {
    istiod: Option<AdminClient>,
    clients: HashMap<String, (Option<AdminClient>, Option<AdminClient>)>,
}

impl AdminFetcher {
    /// Builds clients for every URL in the mesh.
    pub fn new(mesh: &MeshInfo, opts: &ClientOptions) -> Result<Self, FetchError> {
        let client = |url: &Option<String>| -> Result<Option<AdminClient>, FetchError> {
            url.as_deref()
                .map(|u| AdminClient::new(u, opts.clone()))
                .transpose()
                .map_err(FetchError::from)
        };
        let mut clients = HashMap::new();
        for p in &mesh.pods {
            clients.insert(p.key(), (client(&p.admin)?, client(&p.agent)?));
        }
        Ok(AdminFetcher {
            istiod: client(&mesh.istiod)?,
            clients,
        })
    }
}

impl Fetcher for AdminFetcher {
    fn set_log_level(
        &self,
        target: &TargetInfo,
        logger: &str,
        level: &str,
        confirmed: Confirmed,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let client = self.clients.get(&target.key()).and_then(|p| p.0.clone());
        let key = target.key();
        let (logger, level) = (logger.to_string(), level.to_string());
        Box::pin(async move {
            let client = client.ok_or_else(|| FetchError(format!("{key}: no Envoy admin URL")))?;
            let resp = client
                .mutator(confirmed)
                .set_log_level(Some(&logger), &level)
                .await?;
            Ok(Fetched {
                status: resp.status,
                body: Arc::new(resp.body),
            })
        })
    }

    fn fetch(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let proxy_id = target.map(|t| format!("{}.{}", t.name, t.namespace));
        let client = match target {
            // What istiod would send a proxy comes from istiod, about that proxy.
            Some(_) if endpoint == Endpoint::IstiodConfigDump => self
                .istiod
                .clone()
                .ok_or_else(|| FetchError("no istiod URL (pass --istiod URL)".into())),
            None => self
                .istiod
                .clone()
                .ok_or_else(|| FetchError("no istiod URL (pass --istiod URL)".into())),
            Some(t) => {
                let pair = self.clients.get(&t.key());
                let c = if endpoint.is_agent() {
                    pair.and_then(|p| p.1.clone()).ok_or_else(|| {
                        FetchError(format!(
                            "{}: no pilot-agent URL (pass --agent URL)",
                            t.key()
                        ))
                    })
                } else {
                    pair.and_then(|p| p.0.clone())
                        .ok_or_else(|| FetchError(format!("{}: no Envoy admin URL", t.key())))
                };
                c
            }
        };
        Box::pin(async move {
            let client = client?;
            let resp = match endpoint {
                Endpoint::ConfigDump => {
                    client
                        .config_dump(&ConfigDumpQuery {
                            include_eds: true,
                            ..Default::default()
                        })
                        .await?
                }
                Endpoint::ClustersJson => client.clusters_json().await?,
                Endpoint::ServerInfo => client.server_info().await?,
                Endpoint::Ready => client.ready().await?,
                Endpoint::Stats => stats_within_cap(&client, StatsFormat::Text).await?,
                Endpoint::Prometheus => stats_within_cap(&client, StatsFormat::Prometheus).await?,
                Endpoint::Memory => client.memory().await?,
                Endpoint::Logging => client.logging().await?,
                Endpoint::Certs => client.certs().await?,
                Endpoint::Listeners => client.listeners().await?,
                Endpoint::AgentReady => client.agent_ready().await?,
                Endpoint::AgentPrometheus => client.agent_prometheus().await?,
                Endpoint::IstiodMetrics => client.istiod_metrics().await?,
                Endpoint::Syncz => client.syncz().await?,
                Endpoint::IstiodConfigDump => {
                    let id = proxy_id
                        .ok_or_else(|| FetchError("istiod config dump needs a proxy".into()))?;
                    client.istiod_config_dump(&id).await?
                }
            };
            Ok(Fetched {
                status: resp.status,
                body: Arc::new(resp.body),
            })
        })
    }
}
