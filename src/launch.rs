//! Starting the interactive UI on a source: the demo mesh, URLs forwarded by
//! hand, or a bundle. Everything here runs before the terminal is taken, so a
//! failure prints one line and exits 2 with the shell untouched.

use std::path::Path;

use futures::StreamExt;
use std::sync::Arc;
use std::time::Instant;

use crate::app::AppState;
use crate::cli::{DemoArgs, KubeArgs, SourceArgs};
use crate::commands::CommandError;
use crate::config::Config;
use crate::sources::admin::ClientOptions;
use crate::sources::demo::{self, Fault, Manifest, Scenario, ServeOptions};
use crate::sources::kube::{self as kube_src, KubeFetcher, KubeLogSource, KubeOptions};
use crate::sources::target::{AdminFetcher, MeshInfo, TargetInfo};
use crate::theme::Theme;

/// Loads the config and picks the theme (`--theme`, then the config, then dark;
/// `NO_COLOR` wins). Returns warnings for the status line.
pub fn settings(
    theme_flag: Option<&str>,
) -> (Config, Option<std::path::PathBuf>, Theme, Vec<String>) {
    let path = Config::path();
    let (config, mut warnings) = match &path {
        Some(p) => Config::load(p),
        None => (Config::default(), Vec::new()),
    };
    let name = theme_flag.unwrap_or(&config.theme).to_string();
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::monochrome()
    } else {
        match load_theme(&name) {
            Ok((t, w)) => {
                warnings.extend(w);
                t
            }
            Err(e) => {
                warnings.push(e);
                Theme::dark()
            }
        }
    };
    (config, path, theme, warnings)
}

/// A built-in theme by name, or a theme file by path.
pub fn load_theme(name: &str) -> Result<(Theme, Vec<String>), String> {
    if let Some(t) = Theme::builtin(name) {
        return t;
    }
    let p = Path::new(name);
    if p.exists() {
        let text = std::fs::read_to_string(p).map_err(|e| format!("theme {name}: {e}"))?;
        return Theme::from_toml(&text);
    }
    Err(format!(
        "theme `{name}` not found (built-in: dark, light, high-contrast; or a path to a .toml)"
    ))
}

/// The mesh a demo manifest describes.
pub fn mesh_from_manifest(m: &Manifest) -> MeshInfo {
    let sidecars = m.pods.iter().map(|p| TargetInfo {
        // The demo's gateways are the pods of its gateway deployments.
        kind: p
            .app
            .contains("gateway")
            .then_some(crate::sources::target::TargetKind::Gateway),
        namespace: p.namespace.clone(),
        name: p.name.clone(),
        app: p.app.clone(),
        admin: Some(p.admin.clone()),
        agent: Some(p.agent.clone()),
        scenarios: p.scenarios.clone(),
        ..Default::default()
    });
    // The ambient namespace after the sidecars, with its kinds, nodes,
    // ztunnels and waypoints as discovery gives them in a cluster (ready as
    // the pod status would say: the list does not probe them).
    let ambient = m.ambient.iter().map(|p| {
        use crate::sources::target::TargetKind;
        let kind = match p.kind.as_str() {
            "ztunnel" => TargetKind::Ztunnel,
            "waypoint" => TargetKind::Waypoint,
            _ => TargetKind::AmbientWorkload,
        };
        TargetInfo {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            app: p.app.clone(),
            admin: p.admin.clone(),
            agent: p.stats.clone(),
            scenarios: p.scenarios.clone(),
            ready: Some(true),
            kind: Some(kind),
            node: Some(p.node.clone()),
            ztunnel: p.ztunnel.clone(),
            waypoint: p.waypoint.clone(),
            ..Default::default()
        }
    });
    MeshInfo {
        istiod: Some(m.istiod.clone()),
        pods: sidecars.chain(ambient).collect(),
    }
}

/// Demo serve options from the command line.
pub fn serve_options(args: &DemoArgs) -> Result<ServeOptions, CommandError> {
    let mut scenarios = Vec::new();
    for name in &args.scenarios {
        let s = Scenario::from_name(name).ok_or_else(|| {
            let all: Vec<&str> = Scenario::all().iter().map(|s| s.name()).collect();
            CommandError::usage(format!(
                "unknown scenario `{name}` (one of: {})",
                all.join(", ")
            ))
        })?;
        scenarios.push(s);
    }
    let fault = match &args.fault {
        Some(f) => Some(Fault::from_name(f).ok_or_else(|| {
            CommandError::usage(format!(
                "unknown fault `{f}` (one of: slow, reset, garbage, truncate, 500)"
            ))
        })?),
        None => None,
    };
    Ok(ServeOptions {
        manifest_in: args.manifest.clone().map(demo::ManifestInput::Path),
        manifest_out: args.manifest.clone(),
        scenarios,
        fault,
        json_logs: args.json_logs,
        sidecars: args.pods.map_or(0, usize::from),
        ..ServeOptions::default()
    })
}

fn ui_client_options() -> ClientOptions {
    ClientOptions {
        max_body_bytes: Config::load_or_default().max_body_bytes(),
        connect_timeout: std::time::Duration::from_secs(2),
        request_timeout: std::time::Duration::from_secs(15),
        retries: 1,
        ..ClientOptions::default()
    }
}

fn state_for(mesh: MeshInfo, label: &str, theme_flag: Option<&str>) -> AppState {
    let (config, path, theme, warnings) = settings(theme_flag);
    let mut state = AppState::new(mesh, label, config, theme, Instant::now());
    state.config_path = path;
    // The doctor goes over every sidecar in the background (fleet_interval_s).
    state.fleet.auto = true;
    crate::app::sidecars::update::rebuild(&mut state);
    if !warnings.is_empty() {
        state.say(warnings.join("; "), crate::model::severity::Severity::Warn);
    }
    state
}

/// `meshscope demo`: start the simulated mesh on loopback, then the UI on it.
pub async fn demo(args: &DemoArgs, theme: Option<&str>) -> Result<(), CommandError> {
    let opts = serve_options(args)?;
    let running = demo::serve(opts)
        .await
        .map_err(|e| CommandError::usage(e.to_string()))?;
    let mesh = mesh_from_manifest(&running.manifest());
    let fetcher =
        AdminFetcher::new(&mesh, &ui_client_options()).map_err(|e| CommandError::usage(e.0))?;
    let state = state_for(mesh, "demo mesh (simulated, 127.0.0.1)", theme);
    let result = crate::tui::run(state, Arc::new(fetcher), Some(running.log_source()), None).await;
    running.shutdown().await;
    result.map(|_| ()).map_err(terminal_error)
}

/// `meshscope --admin URL`: the UI on endpoints forwarded by hand.
pub async fn admin(
    src: &SourceArgs,
    log_file: Option<&str>,
    theme: Option<&str>,
) -> Result<(), CommandError> {
    let mesh = crate::commands::source::single_mesh(src);
    let fetcher =
        AdminFetcher::new(&mesh, &ui_client_options()).map_err(|e| CommandError::usage(e.0))?;
    let label = src.admin.clone().unwrap_or_default();
    let mut state = state_for(mesh, &label, theme);
    if !state.mesh.pods.is_empty() {
        crate::app::nav::open_target(&mut state, 0);
    }
    let logs: Option<Arc<dyn crate::sources::logs::LogSource>> = log_file.map(|f| {
        Arc::new(crate::sources::log_file::FileLogSource::new(
            crate::sources::log_file::LogInput::from_arg(f),
        )) as Arc<dyn crate::sources::logs::LogSource>
    });
    crate::tui::run(state, Arc::new(fetcher), logs, None)
        .await
        .map(|_| ())
        .map_err(terminal_error)
}

/// `meshscope open PATH`: the UI on anything saved (a bundle, a dump, a folder of
/// admin bodies, a bug-report), offline. What was recognised is printed and
/// shown in the status line.
pub async fn open(path: &Path, theme: Option<&str>) -> Result<(), CommandError> {
    let p = path.to_path_buf();
    let opened = tokio::task::spawn_blocking(move || crate::sources::capture::open(&p))
        .await
        .map_err(|e| CommandError::usage(format!("{}: {e}", path.display())))?
        .map_err(CommandError::usage)?;
    {
        use std::io::Write;
        let mut err = crate::commands::output::stderr();
        let _ = writeln!(err, "{}", opened.summary);
        let _ = err.finish();
    }
    let label = format!("{} {}", opened.kind, path.display());
    let mut state = state_for(opened.mesh.clone(), &label, theme);
    state.snapshot = true;
    state.say(
        opened.summary.clone(),
        crate::model::severity::Severity::Info,
    );
    if state.mesh.pods.len() == 1 {
        crate::app::nav::open_target(&mut state, 0);
    }
    crate::tui::run(state, opened.fetcher, opened.logs, None)
        .await
        .map(|_| ())
        .map_err(terminal_error)
}

/// `meshscope open PATH --list`: what was recognised and the sidecars, no UI.
pub fn open_list(path: &Path) -> Result<String, CommandError> {
    let opened = crate::sources::capture::open(path).map_err(CommandError::usage)?;
    let mut s = format!("{}\n", opened.summary);
    for t in &opened.mesh.pods {
        s.push_str(&format!("{}\t{}\n", t.key(), t.app));
    }
    Ok(s)
}

/// How a TUI session that failed ends the process: a stop signal exits with
/// 128+signal (the terminal is already restored), anything else with 2.
fn terminal_error(e: color_eyre::Report) -> CommandError {
    match e.downcast_ref::<crate::tui::Signalled>() {
        Some(s) => CommandError {
            code: s.exit_code(),
            message: s.to_string(),
        },
        None => CommandError::usage(format!("terminal: {e}")),
    }
}

/// Kube options from the kubectl-style flags.
pub fn kube_options(args: &KubeArgs) -> KubeOptions {
    KubeOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces,
        ..KubeOptions::default()
    }
}

fn no_cluster(e: impl std::fmt::Display) -> CommandError {
    CommandError::usage(format!(
        "{e} (no cluster? `meshscope demo` runs the simulated mesh)"
    ))
}

/// `meshscope [--context C] [-n NS | -A] [POD]`: connect, discover the
/// sidecars, gateways and istiod, then the UI on them through port-forwards.
pub async fn kube(
    args: &KubeArgs,
    pod: Option<&str>,
    theme: Option<&str>,
) -> Result<(), CommandError> {
    let mut args = args.clone();
    let mut pod = pod.map(str::to_string);
    // `:ctx` and `:ns` end a session with a new selection; connect again with it.
    while let Some(r) = kube_session(&args, pod.as_deref(), theme).await? {
        if let Some(c) = r.context {
            args.context = Some(c);
            args.namespace = None;
            args.all_namespaces = false;
        } else {
            args.namespace = r.namespace;
            args.all_namespaces = r.all_namespaces;
        }
        pod = None;
    }
    Ok(())
}

/// One TUI session on a cluster selection; returns a new selection when the
/// user asked for one.
async fn kube_session(
    args: &KubeArgs,
    pod: Option<&str>,
    theme: Option<&str>,
) -> Result<Option<crate::app::state::Relaunch>, CommandError> {
    let cluster = kube_src::connect(&kube_options(args))
        .await
        .map_err(no_cluster)?;
    let discovery = kube_src::discover(&cluster).await.map_err(no_cluster)?;
    // Sidecars, gateways, ztunnels, waypoints and the ambient workloads.
    let mesh = discovery.mesh_with_ambient();
    let selected = match pod {
        Some(p) => Some(
            mesh.pods
                .iter()
                .position(|t| t.name == p || t.key() == p)
                .ok_or_else(|| {
                    CommandError::usage(format!(
                        "no Istio proxy pod `{p}` in {} of {}",
                        cluster.scope.describe(),
                        cluster.url
                    ))
                })?,
        ),
        None => None,
    };
    let fetcher = KubeFetcher::new(
        cluster.stream_client.clone(),
        &discovery,
        ui_client_options(),
    );
    let logs = KubeLogSource::new(cluster.stream_client.clone());
    let empty = mesh.pods.is_empty();
    let mut state = state_for(mesh, &cluster.label(), theme);
    state.kube = true;
    if empty {
        state.say(
            format!(
                "no Istio proxies in {} (try -A or -n NAMESPACE)",
                cluster.scope.describe()
            ),
            crate::model::severity::Severity::Warn,
        );
    }
    if let Some(ix) = selected {
        crate::app::nav::open_target(&mut state, ix);
    }
    // Live updates: every watch snapshot refreshes the forwards and the sidecar list.
    let fetcher = Arc::new(fetcher);
    let for_watch = fetcher.clone();
    let updates = kube_src::watch(&cluster)
        .filter_map(move |r| {
            let action = r.ok().map(|d| {
                for_watch.update(&d);
                crate::app::Action::MeshChanged(d.mesh_with_ambient())
            });
            futures::future::ready(action)
        })
        .boxed();
    // Port-forward states, sampled twice a second, reported when they change.
    let for_states = fetcher.clone();
    let forwards = futures::stream::unfold(Vec::new(), move |last| {
        let fetcher = for_states.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let now = forward_lines(&fetcher);
                if now != last {
                    return Some((crate::app::Action::Forwards(now.clone()), now));
                }
            }
        }
    })
    .boxed();
    let updates = futures::stream::select(updates, forwards).boxed();
    crate::tui::run(state, fetcher, Some(Arc::new(logs)), Some(updates))
        .await
        .map_err(terminal_error)
}

/// The forwards of a kube fetcher as lines for the UI.
fn forward_lines(fetcher: &KubeFetcher) -> Vec<crate::app::state::ForwardLine> {
    use crate::sources::kube::ForwardState;
    fetcher
        .forwards()
        .into_iter()
        .map(|(name, rx)| {
            let (state, healthy) = match &*rx.borrow() {
                ForwardState::Connecting => ("connecting".to_string(), false),
                ForwardState::Ready { local_url } => (format!("ready {local_url}"), true),
                ForwardState::Failed { error, retry_in } => (
                    format!("failed: {error}; retry in {:.0}s", retry_in.as_secs_f32()),
                    false,
                ),
            };
            crate::app::state::ForwardLine {
                name,
                state,
                healthy,
            }
        })
        .collect()
}
