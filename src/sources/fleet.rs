//! The fleet scan engine, UI-free: the doctor on many sidecars at bounded
//! concurrency, each probe time-boxed, progress sent on a channel, the whole
//! scan cancellable. It reads through [`CheckFetcher`], which can only GET an
//! allow-list of read-only endpoints, and only those the selected rules need.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::target::{Endpoint, FetchError, Fetcher, TargetInfo};
use crate::model::findings::bodies::{evaluate_with, node_identity, Bodies, JudgeAt};
use crate::model::findings::fleet::{group, workload_of, Outcome, RuleGroup, TargetReport};
use crate::model::findings::{Input, Rule, RULES};

/// The endpoints a check may read. Nothing here changes a proxy: there is no
/// variant for `/logging` POST, `/quitquitquit`, `/healthcheck/fail`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CheckEndpoint {
    /// `/config_dump?include_eds`.
    ConfigDump,
    /// `/clusters?format=json`.
    Clusters,
    /// `/stats`.
    Stats,
    /// `/server_info`.
    ServerInfo,
    /// `/stats/prometheus`.
    Prometheus,
    /// pilot-agent `/healthz/ready`.
    AgentReady,
    /// istiod `/debug/syncz` (once per scan).
    Syncz,
    /// istiod `/debug/config_dump?proxyID=`.
    IstiodConfigDump,
}

impl CheckEndpoint {
    fn endpoint(self) -> Endpoint {
        match self {
            CheckEndpoint::ConfigDump => Endpoint::ConfigDump,
            CheckEndpoint::Clusters => Endpoint::ClustersJson,
            CheckEndpoint::Stats => Endpoint::Stats,
            CheckEndpoint::ServerInfo => Endpoint::ServerInfo,
            CheckEndpoint::Prometheus => Endpoint::Prometheus,
            CheckEndpoint::AgentReady => Endpoint::AgentReady,
            CheckEndpoint::Syncz => Endpoint::Syncz,
            CheckEndpoint::IstiodConfigDump => Endpoint::IstiodConfigDump,
        }
    }
}

/// A read-only view of a [`Fetcher`]: GET of [`CheckEndpoint`]s only. The
/// scan holds this, never the fetcher, so it cannot reach a mutating call.
#[derive(Clone)]
pub struct CheckFetcher {
    inner: Arc<dyn Fetcher>,
}

impl CheckFetcher {
    /// Wraps any source (kube port-forwards, demo, `--admin` URLs).
    pub fn new(inner: Arc<dyn Fetcher>) -> Self {
        CheckFetcher { inner }
    }

    /// Reads one allow-listed endpoint as text (with its HTTP status).
    pub async fn get(
        &self,
        target: Option<&TargetInfo>,
        e: CheckEndpoint,
    ) -> Result<(u16, String), FetchError> {
        let f = self.inner.fetch(target, e.endpoint()).await?;
        Ok((f.status, String::from_utf8_lossy(&f.body).into_owned()))
    }
}

/// The endpoints the rules read, for the rules selected (all when `None`).
pub fn needed_endpoints(rules: Option<&[&str]>) -> Vec<CheckEndpoint> {
    let selected: Vec<&Rule> = RULES
        .iter()
        .filter(|r| rules.is_none_or(|ids| ids.contains(&r.id)))
        .collect();
    let mut out = vec![CheckEndpoint::ConfigDump];
    for r in selected {
        for i in r.needs {
            let e = match i {
                Input::Dump | Input::Logs | Input::IstioConfig => continue,
                Input::Clusters => CheckEndpoint::Clusters,
                Input::Stats => CheckEndpoint::Stats,
                Input::ServerInfo => CheckEndpoint::ServerInfo,
                Input::Prometheus => CheckEndpoint::Prometheus,
                Input::Syncz => CheckEndpoint::Syncz,
                Input::IstiodDump => CheckEndpoint::IstiodConfigDump,
            };
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    // pilot-agent's readiness goes with /server_info (MS1013).
    if out.contains(&CheckEndpoint::ServerInfo) {
        out.push(CheckEndpoint::AgentReady);
    }
    out.sort();
    out
}

/// How to scan.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Probes at once.
    pub concurrency: usize,
    /// Time box of one target's probe (all its endpoints).
    pub probe_timeout: Duration,
    /// Endpoints to read ([`needed_endpoints`]).
    pub endpoints: Vec<CheckEndpoint>,
    /// Whether an istiod is there to ask (syncz, its view of each proxy).
    pub istiod: bool,
}

pub use crate::model::findings::fleet::DEFAULT_CONCURRENCY;

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            concurrency: DEFAULT_CONCURRENCY,
            probe_timeout: Duration::from_secs(20),
            endpoints: needed_endpoints(None),
            istiod: true,
        }
    }
}

/// Progress of a scan: `scanned 37/120`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Targets done (checked or failed).
    pub scanned: usize,
    /// Targets in the scan.
    pub total: usize,
    /// The target just finished (`namespace/name`).
    pub last: String,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "scanned {}/{}", self.scanned, self.total)
    }
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetReport {
    /// Per target, in the order given.
    pub pods: Vec<TargetReport>,
    /// Findings grouped by rule, worst first.
    pub groups: Vec<RuleGroup>,
    /// True when the scan was cancelled before every target was done.
    pub cancelled: bool,
}

/// Scans `targets`; sends a [`Progress`] after each one (a closed receiver is
/// fine); stops early, keeping what is done, when `cancel` turns true.
pub async fn scan(
    fetcher: CheckFetcher,
    targets: Vec<TargetInfo>,
    opts: FleetOptions,
    progress: Option<mpsc::UnboundedSender<Progress>>,
    mut cancel: watch::Receiver<bool>,
) -> FleetReport {
    let total = targets.len();
    let syncz = if opts.istiod && opts.endpoints.contains(&CheckEndpoint::Syncz) {
        match tokio::time::timeout(opts.probe_timeout, fetcher.get(None, CheckEndpoint::Syncz))
            .await
        {
            Ok(Ok((200, body))) => Some(Arc::new(body)),
            _ => None,
        }
    } else {
        None
    };
    let now = super::clock::unix_now();
    let concurrency = opts.concurrency.max(1);
    let opts = Arc::new(opts);
    let mut probes = stream::iter(targets.into_iter().enumerate())
        .map(|(i, t)| {
            let (f, o, s) = (fetcher.clone(), opts.clone(), syncz.clone());
            async move {
                let r = match tokio::time::timeout(o.probe_timeout, probe(&f, &t, &o, s, now)).await
                {
                    Ok(r) => r,
                    Err(_) => Err(format!("timed out after {:?}", o.probe_timeout)),
                };
                (i, report_of(&t, r))
            }
        })
        .buffer_unordered(concurrency);
    let mut done: Vec<Option<TargetReport>> = vec![None; total];
    let mut scanned = 0;
    let mut cancelled = *cancel.borrow();
    while !cancelled {
        tokio::select! {
            next = probes.next() => {
                let Some((i, r)) = next else { break };
                scanned += 1;
                if let Some(tx) = &progress {
                    let _ = tx.send(Progress { scanned, total, last: r.pod.clone() });
                }
                if let Some(slot) = done.get_mut(i) {
                    *slot = Some(r);
                }
            }
            changed = cancel.changed() => {
                // A dropped sender means nobody can cancel any more.
                if changed.is_ok() {
                    cancelled = *cancel.borrow();
                } else {
                    cancel = watch::channel(false).1;
                }
            }
        }
    }
    let pods: Vec<TargetReport> = done.into_iter().flatten().collect();
    let groups = group(&pods);
    FleetReport {
        pods,
        groups,
        cancelled: cancelled && scanned < total,
    }
}

fn report_of(t: &TargetInfo, r: Result<Outcome, String>) -> TargetReport {
    TargetReport {
        pod: t.key(),
        app: t.app.clone(),
        workload: workload_of(&t.name),
        outcome: r.unwrap_or_else(|error| Outcome::Failed { error }),
    }
}

/// One target: its endpoints at once, then the rules.
async fn probe(
    f: &CheckFetcher,
    t: &TargetInfo,
    o: &FleetOptions,
    syncz: Option<Arc<String>>,
    now: i64,
) -> Result<Outcome, String> {
    let want = |e| o.endpoints.contains(&e);
    let get = |e: CheckEndpoint| async move {
        if want(e) {
            Some(f.get(Some(t), e).await)
        } else {
            None
        }
    };
    let (dump, clusters, stats, info, prom, ready, istiod) = futures::join!(
        get(CheckEndpoint::ConfigDump),
        get(CheckEndpoint::Clusters),
        get(CheckEndpoint::Stats),
        get(CheckEndpoint::ServerInfo),
        get(CheckEndpoint::Prometheus),
        get(CheckEndpoint::AgentReady),
        async {
            if o.istiod {
                get(CheckEndpoint::IstiodConfigDump).await
            } else {
                None
            }
        },
    );
    // The dump is essential: without it the target failed.
    let dump = match dump {
        Some(Ok((200, body))) => body,
        Some(Ok((status, _))) => return Err(format!("/config_dump answered {status}")),
        Some(Err(e)) => return Err(e.to_string()),
        None => return Err("the config dump was not asked".into()),
    };
    let ok = |r: Option<Result<(u16, String), FetchError>>| match r {
        Some(Ok((200, body))) => Some(body),
        _ => None,
    };
    let identity = node_identity(&dump);
    let b = Bodies {
        clusters: ok(clusters),
        stats: ok(stats),
        server_info: ok(info),
        prometheus: ok(prom),
        agent_ready: match ready {
            Some(Ok((status, _))) => Some(status),
            _ => None,
        },
        istiod_dump: ok(istiod),
        syncz: syncz.map(|s| s.as_ref().clone()),
        proxy_id: identity
            .as_ref()
            .map(|(_, id)| id.clone())
            .or_else(|| Some(format!("{}.{}", t.name, t.namespace))),
        dump: Some(dump),
        ..Bodies::default()
    };
    let ip = identity.map(|(ip, _)| ip).unwrap_or_default();
    // Parsing a big dump is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        evaluate_with(&b, JudgeAt::Unix(now), Some(&[ip.as_str()]))
            .map(|(report, fingerprint)| Outcome::Checked {
                report,
                fingerprint,
            })
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("check task: {e}"))?
}
