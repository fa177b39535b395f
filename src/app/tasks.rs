//! Runs effects on tokio: every network call is a task that reports back as
//! an action, so a slow or dead sidecar never blocks the UI.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::action::{Action, Effect};
use super::data;
use super::diff::state::DiffWith;
use super::fleet::state::Scanned;
use super::loglevels::state::FleetProposal;
use super::logs::state::APP_SUFFIX;
use super::state::AppState;
use crate::model::config_dump::ConfigDump;
use crate::model::logging::parse_loggers;
use crate::model::route_explain::explain;
use crate::sources::admin::Confirmed;
use crate::sources::clock::unix_now;
use crate::sources::fleet::{scan as scan_targets, CheckFetcher, FleetOptions};
use crate::sources::logs::{LogQuery, LogSource};
use crate::sources::target::{Endpoint, Fetcher, TargetInfo, TargetKind};

/// Log lines are batched for this long before they reach `update`.
const LOG_BATCH: Duration = Duration::from_millis(50);
/// Recent lines requested when a log follow starts.
const LOG_TAIL: usize = 500;
/// Recent lines searched per sidecar when following one request.
const TRACE_TAIL: usize = 5_000;
/// Sidecars asked at once when a logger is read or changed across many.
const FLEET_LEVEL_CONCURRENCY: usize = 8;
/// Time box of one sidecar's probe in a fleet scan.
const FLEET_PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// Spawns the work effects describe.
pub struct Runner {
    fetcher: Arc<dyn Fetcher>,
    logs: Option<Arc<dyn LogSource>>,
    tx: UnboundedSender<Action>,
    /// Log follows by `namespace/pod`.
    follows: HashMap<String, JoinHandle<()>>,
    /// Cancels the fleet scan in flight (a newer one replaces it).
    fleet_cancel: Option<watch::Sender<bool>>,
}

impl Runner {
    /// A runner sending results to `tx`.
    pub fn new(
        fetcher: Arc<dyn Fetcher>,
        logs: Option<Arc<dyn LogSource>>,
        tx: UnboundedSender<Action>,
    ) -> Self {
        Runner {
            fetcher,
            logs,
            tx,
            follows: HashMap::new(),
            fleet_cancel: None,
        }
    }

    /// Reads one logger's level on every sidecar of a proposal (GET
    /// `/logging`, a few at a time), then sends it back filled in.
    fn read_fleet_levels(&self, mut p: Box<FleetProposal>, state: &AppState) {
        let reads: Vec<_> = std::mem::take(&mut p.changes)
            .into_iter()
            .map(|c| {
                let fut = state
                    .mesh
                    .pods
                    .get(c.target)
                    .map(|t| self.fetcher.fetch(Some(t), Endpoint::Logging));
                async move {
                    let got = match fut {
                        Some(f) => f.await.map_err(|e| e.to_string()),
                        None => Err("no longer in the list".to_string()),
                    };
                    (c, got)
                }
            })
            .collect();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut read: Vec<_> = futures::stream::iter(reads)
                .buffer_unordered(FLEET_LEVEL_CONCURRENCY)
                .collect()
                .await;
            read.sort_by_key(|(c, _)| c.target);
            for (mut c, got) in read {
                let body = match got {
                    Ok(f) => String::from_utf8_lossy(&f.body).into_owned(),
                    Err(e) => {
                        p.unreadable.push((c.pod, e));
                        continue;
                    }
                };
                match parse_loggers(&body)
                    .into_iter()
                    .find(|(name, _)| *name == p.logger)
                {
                    Some((_, level)) if level == c.to => p.unchanged.push(c.pod),
                    Some((_, level)) => {
                        c.from = level;
                        p.changes.push(c);
                    }
                    None => p
                        .unreadable
                        .push((c.pod, format!("it has no logger `{}`", p.logger))),
                }
            }
            let _ = tx.send(Action::FleetLevelsRead(p));
        });
    }

    /// Applies a confirmed change on each of its sidecars (POST `/logging`,
    /// a few at a time, never retried); each call carries the confirmation.
    fn set_fleet_levels(&self, p: Box<FleetProposal>, state: &AppState) {
        let sets: Vec<_> = p
            .changes
            .iter()
            .map(|c| {
                let pod = c.pod.clone();
                let fut = state.mesh.pods.get(c.target).map(|t| {
                    // The user's one yes covers every sidecar it listed.
                    let confirmed = Confirmed::by_user(&p.part(c));
                    self.fetcher.set_log_level(t, &p.logger, &c.to, confirmed)
                });
                async move {
                    match fut {
                        Some(f) => f.await.err().map(|e| (pod, e.to_string())),
                        None => Some((pod, "no longer in the list".to_string())),
                    }
                }
            })
            .collect();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let failed: Vec<(String, String)> = futures::stream::iter(sets)
                .buffer_unordered(FLEET_LEVEL_CONCURRENCY)
                .filter_map(|r| async move { r })
                .collect()
                .await;
            let _ = tx.send(Action::FleetLevelsSet {
                proposal: p,
                failed,
            });
        });
    }

    /// Fetches the other side of a `:diff` (unless given), then diffs both
    /// dumps on a blocking thread.
    fn diff(
        &self,
        target: usize,
        a: Arc<str>,
        with: DiffWith,
        b_dump: Option<Arc<str>>,
        state: &AppState,
    ) {
        let b_label = match &with {
            DiffWith::Sidecar(i) => state.mesh.pods.get(*i).map(TargetInfo::key),
            DiffWith::Source(s) => Some(s.clone()),
        }
        .unwrap_or_default();
        let other = match &with {
            DiffWith::Sidecar(i) => state.mesh.pods.get(*i).cloned(),
            DiffWith::Source(_) => None,
        };
        let fetch = other.map(|t| self.fetcher.fetch(Some(&t), Endpoint::ConfigDump));
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let b: Result<(String, Arc<str>), String> = match (b_dump, fetch, with) {
                (Some(text), _, _) => Ok((b_label, text)),
                (None, Some(fut), _) => match fut.await {
                    Ok(got) => utf8(&b_label, &got.body).map(|t| (b_label, t)),
                    Err(e) => Err(format!("{b_label}: {e}")),
                },
                (None, None, DiffWith::Source(s)) => load_source(&s).await,
                (None, None, DiffWith::Sidecar(_)) => Err(format!("{b_label}: not in the list")),
            };
            let (label, result) = match b {
                Ok((label, text)) => {
                    let result = tokio::task::spawn_blocking(move || {
                        diff_texts(&a, &text, &label).map(|d| (label, d))
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("diff task failed: {e}")));
                    match result {
                        Ok((label, d)) => (label, Ok(Arc::new(d))),
                        Err(e) => (String::new(), Err(e)),
                    }
                }
                Err(e) => (String::new(), Err(e)),
            };
            let _ = tx.send(Action::Diffed {
                target,
                b: label,
                result,
            });
        });
    }

    /// Starts an effect. Returns text to copy for [`Effect::Copy`] (the
    /// terminal owner writes it), `None` otherwise.
    pub fn run(&mut self, effect: Effect, state: &AppState) -> Option<String> {
        match effect {
            Effect::Fetch { key, request } => {
                let target = key.0.and_then(|i| state.mesh.pods.get(i).cloned());
                let fut = self.fetcher.fetch(target.as_ref(), key.1);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match fut.await {
                        Ok(fetched) => {
                            let now = unix_now();
                            // Parsing a big dump is CPU work: keep it off the async workers.
                            tokio::task::spawn_blocking(move || data::process(key.1, &fetched, now))
                                .await
                                .unwrap_or_else(|e| Err(format!("parser task failed: {e}")))
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(Action::Fetched {
                        key,
                        request,
                        result,
                    });
                });
                None
            }
            Effect::Diagnose {
                target,
                versions,
                input,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let report = Arc::new(super::overview::data::run(&input));
                    let _ = tx.send(Action::Diagnosed {
                        target,
                        versions,
                        report,
                    });
                });
                None
            }
            Effect::Compare {
                target,
                versions,
                istiod,
                envoy,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let diff = Arc::new(super::istiod::drift::compare(&istiod, &envoy));
                    let _ = tx.send(Action::Compared {
                        target,
                        versions,
                        diff,
                    });
                });
                None
            }
            Effect::SetLogLevel(proposal) => {
                let target = state.mesh.pods.get(proposal.target).cloned()?;
                // The confirmation token: only this path, after the user's yes, makes one.
                let confirmed = Confirmed::by_user(&proposal.question());
                let fut =
                    self.fetcher
                        .set_log_level(&target, &proposal.logger, &proposal.to, confirmed);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let error = fut.await.err().map(|e| e.to_string());
                    let _ = tx.send(Action::LogLevelSet { proposal, error });
                });
                None
            }
            Effect::ReadFleetLevels(p) => {
                self.read_fleet_levels(p, state);
                None
            }
            Effect::SetFleetLevels(p) => {
                self.set_fleet_levels(p, state);
                None
            }
            Effect::ScanFleet {
                scan,
                targets,
                concurrency,
            } => {
                let opts = FleetOptions {
                    concurrency,
                    probe_timeout: FLEET_PROBE_TIMEOUT,
                    istiod: state.mesh.istiod.is_some(),
                    ..FleetOptions::default()
                };
                self.scan_fleet(scan, targets, opts);
                None
            }
            Effect::ExplainRoute {
                target,
                request,
                dump,
                clusters,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    // The dump parsed before; the walk needs its typed view.
                    let Ok(parsed) = ConfigDump::parse(&dump.text) else {
                        let _ = tx.send(Action::Notice(
                            "route: the config dump does not parse".into(),
                        ));
                        return;
                    };
                    let decision = explain(&parsed, &request, clusters.as_deref());
                    let _ = tx.send(Action::RouteExplained {
                        target,
                        decision: Box::new(decision),
                    });
                });
                None
            }
            Effect::Diff {
                target,
                a,
                with,
                b_dump,
            } => {
                self.diff(target, a, with, b_dump, state);
                None
            }
            Effect::TraceRequest { request_id } => {
                self.trace(request_id, state.mesh.pods.clone());
                None
            }
            Effect::FollowLogs { target, app } => {
                self.follow(state.mesh.pods.get(target).cloned(), app);
                None
            }
            Effect::SaveConfig => {
                if let Some(path) = &state.config_path {
                    if let Err(e) = state.config.save(path) {
                        warn_on_status_line(
                            &self.tx,
                            format!("could not save {}: {e}", path.display()),
                        );
                    }
                }
                None
            }
            Effect::Copy(text) => Some(text),
        }
    }

    /// Diagnoses every target through the read-only [`CheckFetcher`],
    /// reporting progress and then the report; cancels the scan before it.
    fn scan_fleet(&mut self, scan: u64, targets: Vec<TargetInfo>, opts: FleetOptions) {
        if let Some(old) = self.fleet_cancel.take() {
            let _ = old.send(true);
        }
        let (cancel_tx, cancel) = watch::channel(false);
        self.fleet_cancel = Some(cancel_tx);
        let fetcher = CheckFetcher::new(self.fetcher.clone());
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel();
            let forward = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Some(progress) = prx.recv().await {
                        if tx.send(Action::FleetProgress { scan, progress }).is_err() {
                            return;
                        }
                    }
                })
            };
            let report = scan_targets(fetcher, targets, opts, Some(ptx), cancel).await;
            let _ = forward.await;
            let scanned = Box::new(Scanned::new(Arc::new(report)));
            let _ = tx.send(Action::FleetScanned { scan, scanned });
        });
    }

    /// Reads every sidecar's recent log (not following) and reports the
    /// lines that mention `request_id`.
    fn trace(&self, request_id: String, pods: Vec<TargetInfo>) {
        let Some(source) = self.logs.clone() else {
            let _ = self.tx.send(Action::Traced {
                request_id,
                found: Vec::new(),
            });
            return;
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let mut found = Vec::new();
            for pod in pods {
                let mut q = LogQuery::sidecar(&pod.namespace, &pod.name, TRACE_TAIL);
                q.follow = false;
                let mut stream = source.lines(&q);
                // A ztunnel logs no request id: its recent access lines are
                // tied to a waypoint's entry by address and time.
                let ztunnel = pod.kind == Some(TargetKind::Ztunnel);
                let read = async {
                    while let Some(Ok(line)) = stream.next().await {
                        if line.contains(request_id.as_str())
                            || (ztunnel && line.contains("src.addr="))
                        {
                            found.push((pod.key(), line));
                        }
                    }
                };
                // A pod whose log does not answer quickly is skipped, not waited for.
                let _ = tokio::time::timeout(Duration::from_secs(3), read).await;
            }
            let _ = tx.send(Action::Traced { request_id, found });
        });
    }

    /// Follows a sidecar's log (or its application container's, `app`).
    /// Lines come back keyed `namespace/pod` (`namespace/pod#app` for the app).
    fn follow(&mut self, pod: Option<TargetInfo>, app: bool) {
        let (Some(source), Some(pod)) = (self.logs.clone(), pod) else {
            return;
        };
        let key = if app {
            format!("{}{}", pod.key(), APP_SUFFIX)
        } else {
            pod.key()
        };
        if self.follows.get(&key).is_some_and(|h| !h.is_finished()) {
            return;
        }
        let tx = self.tx.clone();
        let pod_key = key.clone();
        let handle = tokio::spawn(async move {
            let query = if app {
                LogQuery::app(&pod.namespace, &pod.name, LOG_TAIL)
            } else {
                LogQuery::sidecar(&pod.namespace, &pod.name, LOG_TAIL)
            };
            let mut stream = source.lines(&query);
            let mut batch = Vec::new();
            let mut flush = tokio::time::interval(LOG_BATCH);
            loop {
                tokio::select! {
                    item = stream.next() => match item {
                        Some(Ok(line)) => batch.push(line),
                        Some(Err(e)) => {
                            let _ = tx.send(Action::LogLines { pod: key.clone(), lines: std::mem::take(&mut batch) });
                            let _ = tx.send(Action::LogEnded { pod: key.clone(), error: Some(e) });
                            return;
                        }
                        None => {
                            let _ = tx.send(Action::LogLines { pod: key.clone(), lines: std::mem::take(&mut batch) });
                            let _ = tx.send(Action::LogEnded { pod: key.clone(), error: None });
                            return;
                        }
                    },
                    _ = flush.tick() => {
                        if !batch.is_empty() && tx.send(Action::LogLines { pod: key.clone(), lines: std::mem::take(&mut batch) }).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        self.follows.insert(pod_key, handle);
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for h in self.follows.values() {
            h.abort();
        }
        if let Some(cancel) = &self.fleet_cancel {
            let _ = cancel.send(true);
        }
    }
}

fn warn_on_status_line(tx: &UnboundedSender<Action>, message: String) {
    let _ = tx.send(Action::Notice(message));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use super::*;
    use crate::config::Config;
    use crate::sources::bundle::{Bundle, BundleFetcher, BUNDLE_FORMAT};
    use crate::sources::target::MeshInfo;
    use crate::theme::Theme;

    /// A runner on an empty bundle (nothing to fetch), reporting to `tx`.
    pub(super) fn empty_runner(tx: tokio::sync::mpsc::UnboundedSender<Action>) -> Runner {
        let bundle = Bundle {
            format: BUNDLE_FORMAT.into(),
            captured_at: String::new(),
            istiod: BTreeMap::new(),
            pods: vec![],
        };
        Runner::new(Arc::new(BundleFetcher::new(bundle)), None, tx)
    }

    #[test]
    fn a_config_that_cannot_be_written_becomes_a_status_warning() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = empty_runner(tx);
        let mut state = AppState::new(
            MeshInfo::default(),
            "t",
            Config::default(),
            Theme::monochrome(),
            Instant::now(),
        );
        state.config_path = Some("/proc/meshscope-cannot-write/config.toml".into());
        assert_eq!(runner.run(Effect::SaveConfig, &state), None);
        match rx.try_recv() {
            Ok(Action::Notice(m)) => assert!(
                m.starts_with("could not save /proc/meshscope-cannot-write/config.toml"),
                "{m}"
            ),
            other => panic!("expected a notice, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod layout_save_tests {
    use std::time::Instant;

    use super::tests::empty_runner;
    use crate::app::{update, Action, AppState};
    use crate::config::Config;
    use crate::sources::target::MeshInfo;
    use crate::theme::Theme;

    /// `:layout` through `update` and the runner, on a file at `text`; returns
    /// the file afterwards and what reached the status line.
    fn layout_command_on(name: &str, text: &str) -> (String, Vec<String>) {
        let dir = std::env::temp_dir().join(format!("meshscope-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = empty_runner(tx);
        let (config, _) = Config::load(&path);
        let mut state = AppState::new(
            MeshInfo::default(),
            "t",
            config,
            Theme::monochrome(),
            Instant::now(),
        );
        state.config_path = Some(path.clone());
        for effect in update(&mut state, Action::Command("layout routes logs".into())) {
            runner.run(effect, &state);
        }
        let mut notices = Vec::new();
        while let Ok(Action::Notice(m)) = rx.try_recv() {
            notices.push(m);
        }
        let after = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        (after, notices)
    }

    #[test]
    fn layout_edits_the_file_in_place() {
        let text = "# mine\ntheme = \"light\"\nmystery = 1 # kept\n";
        let (after, notices) = layout_command_on("layout-valid", text);
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(after, format!("{text}layout = [\"routes\", \"logs\"]\n"));
    }

    #[test]
    fn layout_never_rewrites_an_invalid_file_and_says_so() {
        let text = "theme = \"light\nlayout = [\"stats\"]\n";
        let (after, notices) = layout_command_on("layout-invalid", text);
        assert_eq!(after, text);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains("config.toml: it is not valid TOML ("),
            "{}",
            notices[0]
        );
    }
}

fn utf8(label: &str, body: &[u8]) -> Result<Arc<str>, String> {
    std::str::from_utf8(body)
        .map(Arc::from)
        .map_err(|e| format!("{label}: not UTF-8 at byte {}", e.valid_up_to()))
}

/// The dump a `:diff` source names: an admin URL, or a capture on disk
/// (`PATH`, or `PATH#ns/pod` for one sidecar of it), with its label.
async fn load_source(source: &str) -> Result<(String, Arc<str>), String> {
    use std::path::Path;
    if source.starts_with("http://") || source.starts_with("https://") {
        let mesh = crate::sources::target::MeshInfo {
            istiod: None,
            pods: vec![TargetInfo {
                namespace: "admin".into(),
                name: source.to_string(),
                admin: Some(source.to_string()),
                ..TargetInfo::default()
            }],
        };
        let f = crate::sources::target::AdminFetcher::new(
            &mesh,
            &crate::sources::admin::ClientOptions::default(),
        )
        .map_err(|e| format!("{source}: {e}"))?;
        let got = f
            .fetch(mesh.pods.first(), Endpoint::ConfigDump)
            .await
            .map_err(|e| format!("{source}: {e}"))?;
        return utf8(source, &got.body).map(|t| (source.to_string(), t));
    }
    let (path, who) = match source.rsplit_once('#') {
        Some((p, who)) if !Path::new(source).exists() => (p, Some(who)),
        _ => (source, None),
    };
    if !Path::new(path).exists() {
        return Err(format!(
            "`{source}` is not a sidecar of the list, a file or folder, or an admin URL"
        ));
    }
    let (label, body) = crate::sources::capture::config_dump_of(Path::new(path), who).await?;
    utf8(&label, &body).map(|t| (label, t))
}

/// Both dumps parsed and diffed (volatile fields left out).
fn diff_texts(a: &str, b: &str, b_label: &str) -> Result<crate::model::diff::ConfigDiff, String> {
    let da = ConfigDump::parse(a).map_err(|e| format!("the open sidecar's dump: {e}"))?;
    let db = ConfigDump::parse(b).map_err(|e| format!("{b_label}: {e}"))?;
    Ok(crate::model::diff::diff_dumps(
        &da,
        &db,
        crate::model::diff::Options::default(),
    ))
}
