//! Renders the real UI, driven headless against the built-in demo mesh, into
//! `screenshots/*.svg` (run by `scripts/screenshots.sh`).
//!
//! Every screen is the same `update` + task runner + `ui::draw` the TUI
//! uses; only the terminal is a ratatui `TestBackend`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use meshscope::app::headless::Headless;
use meshscope::app::state::{AppState, Loadable, ViewKind};
use meshscope::config::Config;
use meshscope::launch::mesh_from_manifest;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{serve, ServeOptions};
use meshscope::sources::target::{AdminFetcher, Endpoint};
use meshscope::theme::Theme;
use meshscope::ui::svg::buffer_to_svg;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const W: u16 = 160;
const H: u16 = 45;

fn shot(state: &mut AppState, dir: &str, name: &str, title: &str) -> color_eyre::Result<()> {
    // Status messages from earlier steps (search results…) would date the picture.
    state.status = None;
    let mut terminal = Terminal::new(TestBackend::new(W, H))?;
    terminal.draw(|f| meshscope::ui::draw(f, state))?;
    let svg = buffer_to_svg(terminal.backend().buffer(), title);
    let path = format!("{dir}/{name}.svg");
    std::fs::write(&path, svg)?;
    println!("wrote {path}");
    Ok(())
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ready(state: &AppState, target: Option<usize>, ep: Endpoint) -> bool {
    matches!(
        state.slot(target, ep).map(|s| &s.state),
        Some(Loadable::Ready { .. })
    )
}

/// Whether pane `pane` shows `kind` on top.
fn shows(state: &AppState, pane: usize, kind: ViewKind) -> bool {
    state
        .panes
        .get(pane)
        .and_then(|p| p.top())
        .is_some_and(|v| v.kind == kind)
}

fn type_keys(h: &mut Headless, text: &str) {
    for c in text.chars() {
        let k = match c {
            '\n' => key(KeyCode::Enter),
            '\t' => key(KeyCode::Tab),
            '\x1b' => key(KeyCode::Esc),
            c => key(KeyCode::Char(c)),
        };
        h.key(k);
    }
}

/// Puts the list cursor on the first pod whose app matches and opens it with
/// Enter, as a user would; returns its index.
fn open_app(h: &mut Headless, app: impl Fn(&str) -> bool) -> usize {
    let target = h
        .state
        .mesh
        .pods
        .iter()
        .position(|p| app(&p.app))
        .unwrap_or(0);
    h.state.targets.cursor = h
        .state
        .targets
        .visible
        .iter()
        .position(|&i| i == target)
        .unwrap_or(0);
    type_keys(h, "\n");
    target
}

#[tokio::main]
async fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "screenshots".to_string());
    std::fs::create_dir_all(&dir)?;
    let demo = serve(ServeOptions::default()).await?;
    let mesh = mesh_from_manifest(&demo.manifest());
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default())
        .map_err(|e| color_eyre::eyre::eyre!(e.0))?;
    let mut state = AppState::new(
        mesh,
        "demo mesh (simulated, 127.0.0.1)",
        Config::default(),
        Theme::dark(),
        Instant::now(),
    );
    meshscope::app::sidecars::update::rebuild(&mut state);
    let mut h = Headless::new(state, Arc::new(fetcher), Some(demo.log_source()));
    let t = Duration::from_secs(10);
    let n = h.state.mesh.pods.len();
    h.settle(t, |s| {
        // Ambient pods are not probed from the list (their status is known).
        (0..n).filter(|&i| s.mesh.pods[i].ready.is_none()).all(|i| {
            ready(s, Some(i), Endpoint::ServerInfo) && ready(s, Some(i), Endpoint::AgentReady)
        }) && ready(s, None, Endpoint::IstiodMetrics)
    })
    .await;
    // The fleet doctor: every sidecar diagnosed, findings grouped by rule.
    h.act(meshscope::app::Action::ShowFindings);
    h.settle(Duration::from_secs(30), |s| s.fleet.report.is_some())
        .await;
    shot(
        &mut h.state,
        &dir,
        "08-fleet-findings",
        "the doctor on every sidecar: findings grouped by rule",
    )?;
    type_keys(&mut h, "\x1b");
    shot(
        &mut h.state,
        &dir,
        "01-sidecars",
        "meshscope demo: the sidecar list with each sidecar's worst finding",
    )?;

    let fortio = open_app(&mut h, |app| app == "fortio");
    h.settle(t, |s| {
        ready(s, Some(fortio), Endpoint::ConfigDump)
            && ready(s, Some(fortio), Endpoint::Stats)
            && s.logs.get(&fortio).is_some_and(|b| b.raw.len() > 20)
            && s.doctor
                .get(&fortio)
                .is_some_and(|d| d.report.as_ref().is_some_and(|r| !r.findings.is_empty()))
    })
    .await;
    // Opening a sidecar lands on its doctor.
    shot(
        &mut h.state,
        &dir,
        "07-fortio-doctor",
        "fortio: the doctor's findings from evidence, worst first",
    )?;
    h.act(meshscope::app::Action::Back);
    h.settle(t, |s| !s.zoom).await;
    // The Clusters cursor on httpbin's cluster: the Stats pane beside it follows.
    let httpbin = {
        let v = h.state.panes[0].top();
        let table = meshscope::app::registry::table_of(&h.state, ViewKind::Clusters, Some(fortio));
        v.zip(table).and_then(|(v, (tbl, _))| {
            v.visible
                .iter()
                .position(|&i| tbl.rows[i].key.starts_with("outbound|8000||httpbin"))
        })
    };
    if let (Some(pos), Some(v)) = (httpbin, h.state.panes[0].top_mut()) {
        v.cursor = pos;
    }
    // Two stats reads give the overflow's rate.
    h.settle(Duration::from_secs(5), |_| false).await;

    shot(
        &mut h.state,
        &dir,
        "02-fortio-side-by-side",
        "fortio: clusters, stats and logs side by side (circuit-breaker scenario)",
    )?;

    // The httpbin cluster's raw JSON with its circuit breaker thresholds.
    if httpbin.is_some() {
        type_keys(&mut h, "x/max_pending\n");
        h.settle(Duration::from_millis(300), |_| false).await;
        shot(
            &mut h.state,
            &dir,
            "03-raw-json",
            "raw JSON of a cluster: folds, search, copy path",
        )?;
        type_keys(&mut h, "\x1b");
    }

    type_keys(&mut h, "\t\tz");
    h.settle(Duration::from_millis(800), |_| false).await;
    shot(
        &mut h.state,
        &dir,
        "04-logs-response-flags",
        "access logs with response flags decoded",
    )?;
    // Enter on an overflowed request: its log lines on every sidecar it crossed.
    type_keys(&mut h, "/flag:UO\n\n");
    let focus = h.state.focus;
    h.settle(t, |s| shows(s, focus, ViewKind::Trace)).await;
    shot(
        &mut h.state,
        &dir,
        "09-request-followed",
        "one request followed across sidecars by its x-request-id",
    )?;
    type_keys(&mut h, "\x1b\x1b");
    type_keys(&mut h, "z?");
    shot(
        &mut h.state,
        &dir,
        "05-help",
        "help generated from the keymap",
    )?;
    type_keys(&mut h, "?\x1b\x1b\x1b");

    let gw = open_app(&mut h, |app| app.contains("gateway"));
    type_keys(&mut h, "9");
    h.settle(t, |s| {
        ready(s, None, Endpoint::Syncz)
            && s.drift.contains_key(&gw)
            && ready(s, Some(gw), Endpoint::Stats)
    })
    .await;
    shot(
        &mut h.state,
        &dir,
        "06-istiod-rejected",
        "istiod: the rejected gateway and proxy sync status",
    )?;

    // Which route a request takes through productpage's sidecar, and why.
    type_keys(&mut h, "\x1b\x1b\x1b");
    let page = open_app(&mut h, |app| app == "productpage");
    h.settle(t, |s| ready(s, Some(page), Endpoint::ConfigDump))
        .await;
    type_keys(
        &mut h,
        "\x1b:route reviews:9080 /reviews/0 end-user:jason\n",
    );
    h.settle(t, |s| {
        s.panes
            .iter()
            .any(|p| p.top().is_some_and(|v| v.kind == ViewKind::Route))
    })
    .await;
    shot(
        &mut h.state,
        &dir,
        "10-route-explain",
        "which route a request takes, step by step (:route)",
    )?;
    // Ambient: the ztunnel whose workload's certificate failed to issue, on
    // its own views (certificates, connections, its log).
    let ztunnel = h
        .state
        .mesh
        .pods
        .iter()
        .position(|p| p.app == "ztunnel" && p.node.as_deref() == Some("demo-node-2"));
    if let Some(z) = ztunnel {
        h.open(z);
        h.settle(t, |s| {
            s.logs.get(&z).is_some_and(|b| !b.table.rows.is_empty())
                && s.doctor.get(&z).is_some_and(|d| d.report.is_some())
        })
        .await;
        type_keys(&mut h, "5");
        h.settle(Duration::from_millis(300), |_| false).await;
        shot(
            &mut h.state,
            &dir,
            "11-ztunnel",
            "a ztunnel: its certificates (one failed to issue), connections and log",
        )?;
    }
    // Ambient: cart's failing call followed from the waypoint's log through
    // both ztunnels (tied by address and time).
    let waypoint = h.state.mesh.pods.iter().position(|p| p.app == "waypoint");
    if let Some(w) = waypoint {
        h.open(w);
        h.settle(t, |s| {
            s.logs.get(&w).is_some_and(|b| !b.table.rows.is_empty())
                && meshscope::app::registry::table_of(s, ViewKind::Clusters, Some(w))
                    .is_some_and(|(tbl, _)| !tbl.rows.is_empty())
                && s.doctor.get(&w).is_some_and(|d| d.report.is_some())
        })
        .await;
        let logs = h
            .state
            .panes
            .iter()
            .position(|p| p.top().is_some_and(|v| v.kind == ViewKind::Logs));
        if let Some(logs) = logs {
            while h.state.focus != logs {
                h.act(meshscope::app::Action::FocusNext);
            }
            h.act(meshscope::app::Action::Enter);
            h.settle(t, |s| shows(s, logs, ViewKind::Trace)).await;
            shot(
                &mut h.state,
                &dir,
                "12-ambient-request",
                "a request followed from the waypoint through both ztunnels",
            )?;
        }
    }
    demo.shutdown().await;
    Ok(())
}
