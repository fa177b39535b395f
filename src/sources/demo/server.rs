//! Runs the simulated mesh over real HTTP on 127.0.0.1: per proxy pod an
//! Envoy admin port and a pilot-agent port, one istiod port, a background
//! tick that moves traffic, and the manifest that says where everything is.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::http::{spawn_server, FaultControl, Handler, Request};
use super::logs::{DemoLogSource, LogHub};
use super::manifest::{loopback_port, Manifest, ManifestInput, ManifestPod};
use super::scenario::{Fault, Scenario};
use super::sim::SimState;
use super::{admin, istiod_debug};
use crate::sources::logs::LogSource;

/// How long before the demo starts its config was pushed (seconds).
const PUSHED_BEFORE_START: i64 = 20 * 60;

/// How to run the demo mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Ports to reuse: each `http://127.0.0.1:PORT` (non-zero) of a pod or of
    /// istiod is bound again; anything else gets a random free port.
    pub manifest_in: Option<ManifestInput>,
    /// Where [`run_headless`] writes the manifest once every port is bound.
    pub manifest_out: Option<PathBuf>,
    /// Scenarios to run; empty means [`Scenario::default_mix`].
    pub scenarios: Vec<Scenario>,
    /// Fault injected into admin, agent and istiod answers from the start.
    pub fault: Option<Fault>,
    /// Access logs in Istio's JSON encoding instead of the default text format.
    pub json_logs: bool,
    /// Seed of the traffic simulation.
    pub seed: u64,
    /// Interval of the traffic tick.
    pub tick: Duration,
    /// How long [`Fault::Slow`] delays an answer.
    pub slow_delay: Duration,
    /// When istiod last pushed (Unix seconds): config dates and certificate
    /// validity follow it. `None`: 20 minutes before the demo starts.
    pub push_unix: Option<i64>,
    /// At least this many sidecars (more bookinfo replicas); 0: bookinfo as is.
    pub sidecars: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            manifest_in: None,
            manifest_out: None,
            scenarios: Vec::new(),
            fault: None,
            json_logs: false,
            seed: 42,
            tick: Duration::from_millis(250),
            slow_delay: Duration::from_secs(30),
            push_unix: None,
            sidecars: 0,
        }
    }
}

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A port could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The input manifest could not be read or parsed.
    #[error("manifest: {0}")]
    Manifest(String),
    /// Building the simulated mesh failed.
    #[error("building the demo mesh: {0}")]
    Build(String),
}

/// A running demo mesh. Dropping it stops every server and the tick.
pub struct RunningDemo {
    manifest: Manifest,
    faults: Arc<FaultControl>,
    hub: Arc<LogHub>,
    state: Arc<Mutex<SimState>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningDemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningDemo")
            .field("manifest", &self.manifest)
            .finish()
    }
}

impl RunningDemo {
    /// Where every pod and istiod listen (print it with [`Manifest::to_json`]).
    pub fn manifest(&self) -> Manifest {
        self.manifest.clone()
    }

    /// The access logs of every pod, as the kube log stream would deliver them.
    pub fn log_source(&self) -> Arc<dyn LogSource> {
        Arc::new(DemoLogSource::new(self.hub.clone()))
    }

    /// Changes the injected fault for every later request (`None` heals).
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.faults.set(fault);
    }

    /// The fault now injected.
    pub fn fault(&self) -> Option<Fault> {
        self.faults.get()
    }

    /// Runs `n` traffic ticks right away (tests use it to move counters).
    pub fn advance(&self, n: usize) {
        advance(&self.state, &self.hub, n);
    }

    /// Stops every server and the tick.
    pub async fn shutdown(mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for RunningDemo {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn advance(state: &Mutex<SimState>, hub: &LogHub, n: usize) {
    for _ in 0..n {
        let lines = state.lock().unwrap_or_else(PoisonError::into_inner).tick();
        hub.push(lines);
    }
}

async fn bind(port: u16) -> Result<(TcpListener, String), DemoError> {
    let addr = format!("127.0.0.1:{port}");
    let l = TcpListener::bind(&addr)
        .await
        .map_err(|source| DemoError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let local = l
        .local_addr()
        .map_err(|source| DemoError::Bind { addr, source })?;
    Ok((l, format!("http://{local}")))
}

/// Starts the demo mesh on loopback and returns once every port is bound.
pub async fn serve(opts: ServeOptions) -> Result<RunningDemo, DemoError> {
    let mut scenarios = if opts.scenarios.is_empty() {
        Scenario::default_mix()
    } else {
        opts.scenarios.clone()
    };
    scenarios.sort();
    scenarios.dedup();
    let wanted = match &opts.manifest_in {
        Some(m) => m.load().map_err(DemoError::Manifest)?,
        None => None,
    };
    let (seed, json_logs, build_with) = (opts.seed, opts.json_logs, scenarios.clone());
    let sidecars = opts.sidecars;
    let push = opts
        .push_unix
        .unwrap_or_else(|| crate::sources::clock::unix_now() - PUSHED_BEFORE_START);
    let sim = tokio::task::spawn_blocking(move || {
        SimState::new(&build_with, seed, json_logs, push, sidecars)
    })
    .await
    .map_err(|e| DemoError::Build(e.to_string()))?
    .map_err(|e| DemoError::Build(e.to_string()))?;
    let pods: Vec<_> = sim
        .pods
        .iter()
        .map(|p| (p.pod.clone(), p.scenarios.clone()))
        .collect();
    let hub = LogHub::new(
        pods.iter()
            .map(|(p, _)| (p.namespace.clone(), p.name.clone()))
            .collect(),
    );
    let state = Arc::new(Mutex::new(sim));
    let faults = FaultControl::new(opts.fault, opts.slow_delay);
    let mut tasks = Vec::new();
    let mut manifest = Manifest::default();
    for (ix, (pod, pod_scenarios)) in pods.iter().enumerate() {
        let prior = wanted.as_ref().and_then(|m| {
            m.pod(&pod.namespace, &pod.name).or_else(|| {
                m.pods
                    .iter()
                    .filter(|p| p.app == pod.app)
                    .nth(pods[..ix].iter().filter(|(q, _)| q.app == pod.app).count())
            })
        });
        let (admin_l, admin_url) = bind(prior.map_or(0, |p| loopback_port(&p.admin))).await?;
        let (agent_l, agent_url) = bind(prior.map_or(0, |p| loopback_port(&p.agent))).await?;
        let st = state.clone();
        let admin_handler: Handler = Arc::new(move |req: &Request| {
            let mut s = st.lock().unwrap_or_else(PoisonError::into_inner);
            match s.pods.get_mut(ix) {
                Some(p) => admin::admin(p, req),
                None => super::http::Reply::not_found(&req.path),
            }
        });
        let (st, h) = (state.clone(), hub.clone());
        let agent_handler: Handler = Arc::new(move |req: &Request| {
            if req.path == "/demo/logs" {
                return admin::logs(&h, ix, req);
            }
            let s = st.lock().unwrap_or_else(PoisonError::into_inner);
            match s.pods.get(ix) {
                Some(p) => admin::agent(p, req),
                None => super::http::Reply::not_found(&req.path),
            }
        });
        tasks.push(spawn_server(admin_l, admin_handler, faults.clone()));
        tasks.push(spawn_server(agent_l, agent_handler, faults.clone()));
        manifest.pods.push(ManifestPod {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            app: pod.app.clone(),
            admin: admin_url,
            agent: agent_url,
            scenarios: pod_scenarios.iter().map(|s| s.name().to_string()).collect(),
        });
    }
    let (istiod_l, istiod_url) =
        bind(wanted.as_ref().map_or(0, |m| loopback_port(&m.istiod))).await?;
    let st = state.clone();
    let istiod_handler: Handler = Arc::new(move |req: &Request| {
        let s = st.lock().unwrap_or_else(PoisonError::into_inner);
        istiod_debug::handle(&s, req)
    });
    tasks.push(spawn_server(istiod_l, istiod_handler, faults.clone()));
    manifest.istiod = istiod_url;
    let (ambient_tasks, ambient_pods) = super::ambient_serve::spawn(faults.clone()).await?;
    tasks.extend(ambient_tasks);
    manifest.ambient = ambient_pods;
    let (st, h, every) = (
        state.clone(),
        hub.clone(),
        opts.tick.max(Duration::from_millis(5)),
    );
    tasks.push(tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        interval.tick().await;
        loop {
            interval.tick().await;
            advance(&st, &h, 1);
        }
    }));
    Ok(RunningDemo {
        manifest,
        faults,
        hub,
        state,
        tasks,
    })
}

/// Runs the demo until `shutdown` completes: writes the manifest to
/// `opts.manifest_out` (if set) once every port is bound, and returns it.
pub async fn run_headless(
    opts: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<Manifest, DemoError> {
    run_headless_with(opts, shutdown, |_| {}).await
}

/// Like [`run_headless`], calling `on_ready` with the manifest as soon as
/// every port is bound (e.g. to print it to stdout).
pub async fn run_headless_with(
    opts: ServeOptions,
    shutdown: impl Future<Output = ()>,
    on_ready: impl FnOnce(&Manifest),
) -> Result<Manifest, DemoError> {
    let out = opts.manifest_out.clone();
    let demo = serve(opts).await?;
    let manifest = demo.manifest();
    if let Some(path) = out {
        manifest
            .write_to(&path)
            .map_err(|e| DemoError::Manifest(format!("{}: {e}", path.display())))?;
    }
    on_ready(&manifest);
    shutdown.await;
    demo.shutdown().await;
    Ok(manifest)
}
