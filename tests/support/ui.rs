//! Building app states from the demo mesh without a network, and rendering
//! them into a TestBackend buffer as plain text.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Instant;

use meshscope::app::data::process;
use meshscope::app::state::{AppState, ViewKind};
use meshscope::app::{update, Action};
use meshscope::config::Config;
use meshscope::sources::demo::{write_config_dump, DumpOptions, Mesh};
use meshscope::sources::target::{Endpoint, Fetched, MeshInfo, TargetInfo};
use meshscope::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Fixed "now" for certificate validity in snapshots (2024-06-01).
pub const NOW_UNIX: i64 = 1_717_200_000;

/// The bookinfo demo mesh as targets (URLs are never contacted).
pub fn demo_mesh() -> (Mesh, MeshInfo) {
    let mesh = Mesh::bookinfo();
    let pods = mesh
        .pods
        .iter()
        .filter(|p| p.proxy != meshscope::sources::demo::topology::ProxyKind::None)
        .map(|p| TargetInfo {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            app: p.app.clone(),
            admin: Some(format!("http://127.0.0.1:1/{}", p.name)),
            agent: Some(format!("http://127.0.0.1:1/{}/agent", p.name)),
            scenarios: if p.app == "fortio" {
                vec!["circuit-breaker".into()]
            } else {
                vec![]
            },
            ..Default::default()
        })
        .collect();
    (
        mesh,
        MeshInfo {
            istiod: Some("http://127.0.0.1:1/istiod".into()),
            pods,
        },
    )
}

/// A fresh state on the demo mesh with a fixed clock and the dark theme.
pub fn state() -> (Mesh, AppState) {
    let (mesh, info) = demo_mesh();
    let config = Config {
        layout: vec!["clusters".into(), "listeners".into()],
        ..Config::default()
    };
    let mut s = AppState::new(
        info,
        "demo mesh (test)",
        config,
        Theme::dark(),
        Instant::now(),
    );
    meshscope::app::sidecars::update::rebuild(&mut s);
    (mesh, s)
}

/// Answers every pending fetch with data from the in-process demo mesh.
pub fn answer(mesh: &Mesh, state: &mut AppState, effects: Vec<meshscope::app::Effect>) {
    let mut queue = effects;
    while let Some(e) = queue.pop() {
        if let meshscope::app::Effect::ExplainRoute {
            target,
            request,
            dump,
            clusters,
        } = &e
        {
            let parsed = meshscope::model::config_dump::ConfigDump::parse(&dump.text)
                .expect("the demo dump parses");
            let decision =
                meshscope::model::route_explain::explain(&parsed, request, clusters.as_deref());
            queue.extend(update(
                state,
                Action::RouteExplained {
                    target: *target,
                    decision: Box::new(decision),
                },
            ));
            continue;
        }
        if let meshscope::app::Effect::Diff {
            target,
            a,
            with,
            b_dump,
        } = &e
        {
            use meshscope::app::diff::state::DiffWith;
            let (label, b) = match (with, b_dump) {
                (DiffWith::Sidecar(i), Some(text)) => (state.mesh.pods[*i].key(), text.to_string()),
                (DiffWith::Sidecar(i), None) => {
                    let f = body_for(mesh, state, Some(*i), Endpoint::ConfigDump)
                        .expect("the demo dump");
                    (
                        state.mesh.pods[*i].key(),
                        String::from_utf8_lossy(&f.body).into_owned(),
                    )
                }
                (DiffWith::Source(s), _) => panic!("in-process tests diff sidecars only: {s}"),
            };
            let da = meshscope::model::config_dump::ConfigDump::parse(a).expect("a parses");
            let db = meshscope::model::config_dump::ConfigDump::parse(&b).expect("b parses");
            let diff = meshscope::model::diff::diff_dumps(&da, &db, Default::default());
            queue.extend(update(
                state,
                Action::Diffed {
                    target: *target,
                    b: label,
                    result: Ok(Arc::new(diff)),
                },
            ));
            continue;
        }
        if let meshscope::app::Effect::ScanFleet { scan, targets, .. } = &e {
            let report = Arc::new(scan_in_process(mesh, state, targets));
            queue.extend(update(
                state,
                Action::FleetScanned {
                    scan: *scan,
                    scanned: Box::new(meshscope::app::fleet::state::Scanned::new(report)),
                },
            ));
            continue;
        }
        if let meshscope::app::Effect::Fetch { key, request } = e {
            let body = body_for(mesh, state, key.0, key.1);
            let result = body.and_then(|f| process(key.1, &f, NOW_UNIX));
            queue.extend(update(
                state,
                Action::Fetched {
                    key,
                    request,
                    result,
                },
            ));
        }
    }
}

/// The fleet doctor over the in-process demo bodies (judged when the dump
/// was captured, as the demo clock says): per target the rules
/// on its dump, stats, `/clusters` and `/server_info`, then grouped by rule.
fn scan_in_process(
    mesh: &Mesh,
    state: &AppState,
    targets: &[TargetInfo],
) -> meshscope::sources::fleet::FleetReport {
    use meshscope::model::findings::bodies::{evaluate_with, Bodies, JudgeAt};
    use meshscope::model::findings::fleet::{group, workload_of, Outcome, TargetReport};
    let text = |i: usize, ep: Endpoint| {
        body_for(mesh, state, Some(i), ep)
            .ok()
            .map(|f| String::from_utf8_lossy(&f.body).into_owned())
    };
    let pods: Vec<TargetReport> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let b = Bodies {
                dump: text(i, Endpoint::ConfigDump),
                stats: text(i, Endpoint::Stats),
                clusters: text(i, Endpoint::ClustersJson),
                server_info: text(i, Endpoint::ServerInfo),
                agent_ready: Some(200),
                ..Bodies::default()
            };
            let outcome = match evaluate_with(&b, JudgeAt::Captured(NOW_UNIX), None) {
                Ok((report, fingerprint)) => Outcome::Checked {
                    report,
                    fingerprint,
                },
                Err(e) => Outcome::Failed { error: e.0 },
            };
            TargetReport {
                pod: t.key(),
                app: t.app.clone(),
                workload: workload_of(&t.name),
                outcome,
            }
        })
        .collect();
    let groups = group(&pods);
    meshscope::sources::fleet::FleetReport {
        pods,
        groups,
        cancelled: false,
    }
}

fn body_for(
    mesh: &Mesh,
    state: &AppState,
    target: Option<usize>,
    ep: Endpoint,
) -> Result<Fetched, String> {
    let pod = target
        .and_then(|i| state.mesh.pods.get(i))
        .and_then(|t| mesh.pod(&t.namespace, &t.name));
    let text = match (ep, pod) {
        (Endpoint::ConfigDump, Some(pod)) => {
            let mut out = Vec::new();
            let opts = DumpOptions { include_eds: true, ..DumpOptions::default() };
            write_config_dump(mesh, pod, &opts, &mut out).map_err(|e| e.to_string())?;
            return Ok(Fetched { status: 200, body: Arc::new(out) });
        }
        (Endpoint::ServerInfo, Some(_)) => r#"{"version":"abc/1.22.0/Clean/RELEASE/BoringSSL","state":"LIVE","uptime_current_epoch":"3600s"}"#.to_string(),
        (Endpoint::AgentReady, Some(_)) => String::new(),
        (Endpoint::Stats, Some(pod)) => super::stats_bodies::stats(&pod.app),
        (Endpoint::Memory, Some(_)) => super::stats_bodies::memory(),
        (Endpoint::Prometheus, Some(pod)) => super::stats_bodies::prometheus(&pod.app),
        (Endpoint::ClustersJson, Some(pod)) if super::stats_bodies::clusters_json_simulated() => {
            super::stats_bodies::clusters_json(&pod.app)
        }
        _ => return Err(format!("{} not simulated in this test", ep.name())),
    };
    Ok(Fetched {
        status: 200,
        body: Arc::new(text.into_bytes()),
    })
}

/// Runs actions through `update`, answering fetches in-process.
pub fn drive(mesh: &Mesh, state: &mut AppState, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        let fx = update(state, a);
        answer(mesh, state, fx);
    }
}

/// Renders the state at 120x40 and returns the screen as text lines.
pub fn render(state: &AppState) -> String {
    render_at(state, 120, 40)
}

/// The whole app drawn at `w`×`h` as text, one trimmed line per row.
pub fn render_at(state: &AppState, w: u16, h: u16) -> String {
    let backend = TestBackend::new(w, h);
    let mut terminal = Terminal::new(backend).expect("test terminal");
    terminal
        .draw(|f| meshscope::ui::draw(f, state))
        .expect("draw");
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Opens the sidecar of `app` and shows `kind` in the focused pane.
pub fn open(mesh: &Mesh, state: &mut AppState, app: &str, kind: ViewKind) {
    let idx = state
        .mesh
        .pods
        .iter()
        .position(|p| p.app == app)
        .expect("pod");
    meshscope::app::nav::open_target(state, idx);
    let now = state.now;
    drive(mesh, state, [Action::Tick(now)]);
    meshscope::app::nav::show_view(state, kind);
    drive(mesh, state, [Action::Tick(now)]);
}
