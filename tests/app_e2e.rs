//! The app driven headless (same update loop, task runner and action channel
//! as the TUI) against the demo mesh served on loopback, and the CLI contract
//! of issues 3 and 6 run as a user would.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meshscope::app::headless::Headless;
use meshscope::app::state::{AppState, Loadable, ViewKind};
use meshscope::config::Config;
use meshscope::launch::mesh_from_manifest;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{serve, Manifest, RunningDemo, Scenario, ServeOptions};
use meshscope::sources::target::{AdminFetcher, Endpoint};
use meshscope::theme::Theme;
use support::{meshscope, temp_dir};

fn ready(s: &AppState, target: Option<usize>, ep: Endpoint) -> bool {
    matches!(
        s.slot(target, ep).map(|x| &x.state),
        Some(Loadable::Ready { .. })
    )
}

/// The demo mesh on loopback and the app driven headless on it, through the
/// real admin client and log source; `layout` empty keeps the default panes.
/// The index of the first sidecar of `app`.
fn pod_of(s: &AppState, app: &str) -> usize {
    s.mesh
        .pods
        .iter()
        .position(|p| p.app == app)
        .unwrap_or_else(|| panic!("no {app} sidecar"))
}

async fn headless_demo(scenarios: Vec<Scenario>, layout: &[&str]) -> (RunningDemo, Headless) {
    let opts = ServeOptions {
        scenarios,
        tick: Duration::from_millis(50),
        ..ServeOptions::default()
    };
    let demo = serve(opts).await.expect("demo");
    let mesh = mesh_from_manifest(&demo.manifest());
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).expect("fetcher");
    let mut config = Config::default();
    if !layout.is_empty() {
        config.layout = layout.iter().map(|v| v.to_string()).collect();
    }
    let mut state = AppState::new(mesh, "demo", config, Theme::dark(), Instant::now());
    meshscope::app::sidecars::update::rebuild(&mut state);
    let h = Headless::new(state, Arc::new(fetcher), Some(demo.log_source()));
    (demo, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_gateway_shows_in_badge_istiod_view_and_cli() {
    let (demo, mut h) = headless_demo(vec![Scenario::RejectedGateway], &[]).await;
    let istiod = h.state.mesh.istiod.clone().expect("istiod url");
    let gw = h
        .state
        .mesh
        .pods
        .iter()
        .position(|p| p.app.contains("gateway"))
        .expect("gateway pod");
    let badge = |s: &AppState| {
        s.targets_table
            .rows
            .get(gw)
            .map(|r| r.cells[meshscope::app::sidecars::update::FINDINGS_COLUMN].clone())
            .unwrap_or_default()
    };
    assert!(
        h.settle(Duration::from_secs(10), |s| badge(s)
            .contains("default/test2"))
            .await,
        "badge: {}",
        badge(&h.state)
    );
    assert!(
        badge(&h.state).starts_with("✖ istiod rejected gateway default/test2"),
        "{}",
        badge(&h.state)
    );
    // Only the gateway carries it.
    let others = h
        .state
        .targets_table
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            *i != gw
                && r.cells[meshscope::app::sidecars::update::FINDINGS_COLUMN].contains("rejected")
        })
        .count();
    assert_eq!(others, 0);

    // The istiod view of the gateway names it too, with the proxy-status table under it.
    h.open(gw);
    meshscope::app::nav::show_view(&mut h.state, ViewKind::Istiod);
    assert!(
        h.settle(Duration::from_secs(10), |s| ready(s, None, Endpoint::Syncz))
            .await
    );
    let header: Vec<String> = meshscope::ui::istiod::header(&h.state)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(
        header.iter().any(|l| l.contains("gateway default/test2")),
        "{header:?}"
    );
    // The gateway's own Envoy rejected the LDS update, and its config is compared with istiod's.
    let sidecar_side =
        |s: &AppState| s.drift.contains_key(&gw) && ready(s, Some(gw), Endpoint::Stats);
    assert!(
        h.settle(Duration::from_secs(10), sidecar_side).await,
        "drift and stats"
    );
    let header: Vec<String> = meshscope::ui::istiod::header(&h.state)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(
        header
            .iter()
            .any(|l| l.contains("Envoy on istio-system/") && l.contains("rejected LDS")),
        "{header:?}"
    );
    assert!(
        header
            .iter()
            .any(|l| l.starts_with("istiod vs Envoy on istio-system/") && l.contains(" same")),
        "{header:?}"
    );
    let rows = h.state.panes[0].top().map_or(0, |v| v.visible.len());
    // The sidecars and the gateway (the demo's ambient pods do not talk xDS to it).
    let proxies = h
        .state
        .mesh
        .pods
        .iter()
        .filter(|p| p.kind.is_none_or(|k| k.is_envoy() && p.ready.is_none()))
        .count();
    assert_eq!(rows, proxies, "one proxy-status row per proxy");

    // And the CLI.
    let out = meshscope(&["istiod", "--istiod", &istiod]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gateway") && text.contains("default/test2"),
        "{text}"
    );
    let out = meshscope(&["ps", "--istiod", &istiod]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("istio-ingressgateway"), "{table}");
    demo.shutdown().await;
}

/// `meshscope demo --serve --manifest FILE` as a child process.
struct Served {
    child: Child,
    manifest: Manifest,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_child(dir: &std::path::Path) -> Served {
    let path: PathBuf = dir.join("m.json");
    let child = Command::new(env!("CARGO_BIN_EXE_meshscope"))
        .args([
            "demo",
            "--serve",
            "--manifest",
            path.to_str().expect("utf-8"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo --serve");
    // Owned by `Served` from here on, so every exit path kills and waits.
    let mut served = Served {
        child,
        manifest: Manifest::default(),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(m) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| Manifest::from_json(&t).ok())
        {
            served.manifest = m;
            return served;
        }
        assert!(Instant::now() < deadline, "no manifest written");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn demo_serve_pc_admin_snapshot_and_bundle_round_trip() {
    let dir = temp_dir("serve");
    let served = serve_child(&dir);
    let fortio = served
        .manifest
        .pods
        .iter()
        .find(|p| p.app == "fortio")
        .expect("fortio");
    // pc clusters --admin shows the httpbin cluster.
    let out = meshscope(&["pc", "clusters", "--admin", &fortio.admin]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clusters = String::from_utf8_lossy(&out.stdout);
    assert!(clusters.starts_with("SERVICE FQDN"));
    assert!(
        clusters
            .lines()
            .any(|l| l.starts_with("httpbin.default.svc.cluster.local") && l.contains("8000")),
        "{clusters}"
    );
    // snapshot then pc listeners --bundle gives what pc listeners --admin gives.
    let bundle = dir.join("b.json");
    let out = meshscope(&[
        "snapshot",
        "--admin",
        &fortio.admin,
        "--agent",
        &fortio.agent,
        "--istiod",
        &served.manifest.istiod,
        "--pod",
        "default/fortio",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote "));
    let live = meshscope(&["pc", "listeners", "--admin", &fortio.admin]);
    let offline = meshscope(&[
        "pc",
        "listeners",
        "--bundle",
        bundle.to_str().expect("utf-8"),
    ]);
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&offline.stdout),
        String::from_utf8_lossy(&live.stdout)
    );
    // istiod's captures in the bundle serve `istiod` and `ps` offline.
    let b = bundle.to_str().expect("utf-8");
    let ps = meshscope(&["ps", "--bundle", b]);
    assert!(
        ps.status.success(),
        "{}",
        String::from_utf8_lossy(&ps.stderr)
    );
    assert!(String::from_utf8_lossy(&ps.stdout).contains("istio-ingressgateway"));
    let report = meshscope(&["istiod", "--bundle", b, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).expect("istiod json");
    assert!(
        v["report"]["connected_proxies"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    let text = std::fs::read_to_string(&bundle).expect("bundle");
    assert!(
        !text.contains("-----BEGIN PRIVATE KEY"),
        "private keys are redacted"
    );
    // No temp file left next to the bundle.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn unreachable_admin_is_one_line_and_exit_2() {
    let out = meshscope(&["pc", "clusters", "--admin", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("127.0.0.1:9"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_is_followed_to_the_sidecar_that_broke_it() {
    let (demo, mut h) = headless_demo(vec![Scenario::UpstreamConnectFailure], &["logs"]).await;
    let pp = pod_of(&h.state, "productpage");
    h.open(pp);
    let has_503 = |s: &AppState| {
        s.logs.get(&pp).is_some_and(|b| {
            b.table
                .rows
                .iter()
                .any(|r| r.cells[1] == "503" && r.cells[3].contains("/details"))
        })
    };
    assert!(
        h.settle(Duration::from_secs(10), has_503).await,
        "no 503 to /details in productpage's log"
    );
    let pos = {
        let v = h.state.panes[0].top().expect("view");
        let b = h.state.logs.get(&pp).expect("buffer");
        v.visible
            .iter()
            .position(|&i| {
                b.table.rows[i].cells[1] == "503" && b.table.rows[i].cells[3].contains("/details")
            })
            .expect("row")
    };
    h.state.panes[0].top_mut().expect("top").cursor = pos;
    h.act(meshscope::app::Action::Enter);
    let traced = |s: &AppState| s.panes[0].top().is_some_and(|v| v.trace.is_some());
    assert!(
        h.settle(Duration::from_secs(10), traced).await,
        "no trace view"
    );
    let trace = h.state.panes[0]
        .top()
        .and_then(|v| v.trace.as_ref())
        .expect("trace");
    assert!(trace.failed);
    assert!(
        trace.hops.len() >= 2,
        "client and server entries: {:?}",
        trace.hops.len()
    );
    assert!(
        trace.verdict.contains("details") && trace.verdict.contains("UF"),
        "{}",
        trace.verdict
    );
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_level_changes_only_after_confirmation_and_can_be_restored() {
    use meshscope::app::state::Mode;
    use meshscope::app::Action;
    let (demo, mut h) = headless_demo(Vec::new(), &["logging"]).await;
    let admin = h.state.mesh.pods[0].admin.clone().expect("admin url");
    h.open(0);
    let loaded = |s: &AppState| s.panes[0].top().is_some_and(|v| !v.visible.is_empty());
    let ok = h.settle(Duration::from_secs(10), loaded).await;
    assert!(
        ok,
        "logger table: {:?} {:?}",
        h.state.panes[0].top().map(|v| v.kind),
        h.state
            .slots
            .get(&(Some(0), Endpoint::Logging))
            .map(|s| format!("{:?}", s.state)
                .chars()
                .take(300)
                .collect::<String>())
    );
    let router = {
        let v = h.state.panes[0].top().expect("view");
        let (t, _) = meshscope::app::registry::table_of(&h.state, ViewKind::Logging, Some(0))
            .expect("table");
        v.visible
            .iter()
            .position(|&i| t.rows[i].key == "router")
            .expect("router logger")
    };
    h.state.panes[0].top_mut().expect("top").cursor = router;
    let level = || async {
        // Like a real Envoy 1.36+, the demo lists levels on POST only.
        let body = reqwest::Client::new()
            .post(format!("{admin}/logging"))
            .send()
            .await
            .expect("post")
            .text()
            .await
            .expect("text");
        body.lines()
            .find(|l| l.trim_start().starts_with("router:"))
            .map(|l| l.trim().to_string())
            .unwrap_or_default()
    };
    let before = level().await;
    // Enter only asks; "no" changes nothing.
    h.act(Action::Enter);
    match &h.state.mode {
        Mode::Confirm(p) => assert!(
            p.question().contains("`router`") && p.question().contains(&h.state.mesh.pods[0].name),
            "{}",
            p.question()
        ),
        other => panic!("expected a confirmation, got {other:?}"),
    }
    // Back to normal mode, then the shared walk: no, yes, R.
    h.act(Action::Confirm(false));
    support::loglevel::no_yes_restore(&mut h, level, &before).await;
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_log_shows_beside_the_sidecars_on_demand() {
    let (demo, mut h) = headless_demo(Vec::new(), &["logs"]).await;
    let details = pod_of(&h.state, "details");
    h.open(details);
    assert!(h.state.app_logs.is_empty(), "not followed until asked");
    h.key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('a'),
        crossterm::event::KeyModifiers::NONE,
    ));
    assert_eq!(
        h.state.panes[0].top().map(|v| v.kind),
        Some(ViewKind::AppLogs)
    );
    let has_lines = |s: &AppState| s.app_logs.get(&details).is_some_and(|b| b.raw.len() > 3);
    assert!(
        h.settle(Duration::from_secs(10), has_lines).await,
        "app log lines"
    );
    let b = h.state.app_logs.get(&details).expect("buffer");
    assert!(
        b.raw.iter().all(|l| l.contains(" INFO GET /details/")),
        "{:?}",
        &b.raw[..3]
    );
    // Esc goes back to the sidecar's log.
    h.key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    ));
    assert_eq!(h.state.panes[0].top().map(|v| v.kind), Some(ViewKind::Logs));
    demo.shutdown().await;
}

/// Issue 13: opening a sidecar lands on its doctor, full width; the breaker
/// overflow is found from the served stats alone, it heads the list's
/// FINDINGS column, and Enter on it opens that stat with its rate; Esc twice
/// (filter, then the evidence) and once more shows the side-by-side panes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_sidecar_lands_on_the_doctor_and_enter_opens_the_evidence() {
    use meshscope::app::Action;
    let (_demo, mut h) = headless_demo(vec![Scenario::CircuitBreaker], &[]).await;
    let t = Duration::from_secs(15);
    // The last sidecar the list probes (ambient pods after it are not probed).
    let last = h
        .state
        .mesh
        .pods
        .iter()
        .rposition(|p| p.ready.is_none())
        .expect("a probed sidecar");
    assert!(
        h.settle(t, |s| ready(s, Some(last), Endpoint::ServerInfo))
            .await
    );
    let fortio = pod_of(&h.state, "fortio");
    let row = h
        .state
        .targets
        .visible
        .iter()
        .position(|&i| i == fortio)
        .expect("listed");
    h.state.targets.cursor = row;
    h.act(Action::Enter);
    assert!(h.state.zoom, "the doctor opens full width");
    let top = |s: &AppState| s.panes[0].top().map(|v| v.kind);
    assert_eq!(top(&h.state), Some(ViewKind::Overview));
    let found = |s: &AppState| {
        s.doctor.get(&fortio).is_some_and(|d| {
            d.report
                .as_ref()
                .is_some_and(|r| r.findings.first().is_some_and(|f| f.rule == "MS1001"))
        })
    };
    assert!(h.settle(t, found).await, "MS1001 from the served stats");
    let listed = &h.state.targets_table.rows[fortio].cells
        [meshscope::app::sidecars::update::FINDINGS_COLUMN];
    assert!(listed.starts_with("✖ MS1001"), "{listed}");
    assert!(!listed.contains("demo:"), "{listed}");
    // Enter on the first finding: its stat, filtered, with its rate.
    h.state.panes[0].top_mut().expect("top").cursor = 0;
    h.act(Action::Enter);
    assert_eq!(top(&h.state), Some(ViewKind::Stats));
    let one = |s: &AppState| s.panes[0].top().is_some_and(|v| v.visible.len() == 1);
    assert!(h.settle(t, one).await, "exactly the overflow stat");
    h.act(Action::Back);
    h.act(Action::Back);
    assert_eq!(top(&h.state), Some(ViewKind::Overview));
    h.act(Action::Back);
    assert!(!h.state.zoom, "Esc from the doctor shows the panes");
    assert_eq!(top(&h.state), Some(ViewKind::Clusters));
}

/// The fleet doctor through the real runner: F scans every demo sidecar
/// over loopback HTTP (progress while it runs), the report groups MS1001 on
/// fortio from its served stats, and the list's FINDINGS column shows it
/// before fortio was ever opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_scan_diagnoses_every_sidecar_in_the_background() {
    use meshscope::app::Action;
    let (_demo, mut h) = headless_demo(vec![Scenario::CircuitBreaker], &[]).await;
    h.act(Action::ShowFindings);
    assert_eq!(h.state.list.len(), 1);
    assert!(
        h.state.fleet.running.is_some(),
        "nothing scanned yet: F scans"
    );
    let t = Duration::from_secs(30);
    assert!(
        h.settle(t, |s| s.fleet.report.is_some()).await,
        "the scan finished"
    );
    assert!(h.state.fleet.running.is_none());
    let (report, _) = h.state.fleet.report.clone().expect("report");
    // Every pod with a proxy to ask (ambient workloads have none).
    let with_admin = h
        .state
        .mesh
        .pods
        .iter()
        .filter(|p| p.admin.is_some())
        .count();
    assert_eq!(report.pods.len(), with_admin);
    let fortio = pod_of(&h.state, "fortio");
    let key = h.state.mesh.pods[fortio].key();
    let breaker = report
        .groups
        .iter()
        .find(|g| g.rule == "MS1001")
        .expect("MS1001 from the served stats");
    assert_eq!(breaker.pods, vec![key.clone()]);
    // fortio was never opened: the list's own diagnosis read its health only.
    assert!(h
        .state
        .doctor
        .get(&fortio)
        .is_none_or(|d| d.computed.is_none_or(|v| v[0] == 0)));
    let listed = &h.state.targets_table.rows[fortio].cells
        [meshscope::app::sidecars::update::FINDINGS_COLUMN];
    assert!(listed.starts_with("✖ MS1001"), "{listed}");
    // Enter on the rule (one sidecar): straight to fortio's doctor.
    let row = h.state.list[0]
        .visible
        .iter()
        .position(|&r| h.state.fleet.groups_table.rows[r].cells[1] == "MS1001")
        .expect("the rule's row");
    h.state.list[0].cursor = row;
    h.act(Action::Enter);
    assert_eq!(h.state.selected, Some(fortio));
    assert_eq!(
        h.state.panes[0].top().map(|v| v.kind),
        Some(ViewKind::Overview)
    );
}

/// `:diff` from the open sidecar: against another sidecar of the list (the
/// resources that differ, Enter down to their fields), against its own dump
/// saved to a file (no differences), and against nothing that exists (said).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_compares_the_open_sidecar_with_a_sidecar_or_a_file() {
    use meshscope::app::registry::table_of;
    use meshscope::app::Action;
    let (_demo, mut h) = headless_demo(vec![], &[]).await;
    let a = pod_of(&h.state, "productpage");
    let b = pod_of(&h.state, "ratings");
    h.open(a);
    assert!(
        h.settle(Duration::from_secs(20), |s| ready(
            s,
            Some(a),
            Endpoint::ConfigDump
        ))
        .await
    );
    let other = h.state.mesh.pods[b].key();
    h.act(Action::Command(format!("diff {other}")));
    assert!(
        h.settle(Duration::from_secs(20), |s| s.diff.is_some())
            .await
    );
    let top = |s: &AppState| s.panes[s.focus].top().map(|v| v.kind);
    assert_eq!(top(&h.state), Some(ViewKind::Diff));
    let title = h.state.panes[h.state.focus]
        .top()
        .expect("top")
        .json_title
        .clone();
    assert!(
        title.contains(&other) && title.contains("changed"),
        "{title}"
    );
    let (rows, _) = table_of(&h.state, ViewKind::Diff, Some(a)).expect("diff table");
    let changed = rows
        .rows
        .iter()
        .position(|r| r.cells[0].contains("changed"))
        .expect("a changed resource");
    let key = rows.rows[changed].key.clone();
    h.act(Action::Tick(Instant::now()));
    let view = h.state.panes[h.state.focus].top_mut().expect("top");
    view.cursor = view
        .visible
        .iter()
        .position(|&i| i == changed)
        .expect("visible");
    h.act(Action::Enter);
    h.act(Action::Tick(Instant::now()));
    assert_eq!(top(&h.state), Some(ViewKind::DiffFields));
    let fields = h.state.panes[h.state.focus]
        .top()
        .expect("top")
        .visible
        .clone();
    let (all, _) = table_of(&h.state, ViewKind::DiffFields, Some(a)).expect("fields");
    assert!(!fields.is_empty());
    assert!(fields.iter().all(|&i| all.rows[i].key == key));

    // Its own dump, saved: nothing differs.
    let text = h.state.dump(Some(a)).expect("dump").0.text.clone();
    let file = temp_dir("tui-diff").join("productpage.json");
    std::fs::write(&file, text.as_bytes()).expect("write dump");
    h.act(Action::Command(format!("diff {}", file.display())));
    assert!(
        h.settle(Duration::from_secs(20), |s| s
            .diff
            .as_ref()
            .is_some_and(|d| d.b.contains("productpage.json")))
            .await
    );
    let d = h.state.diff.as_ref().expect("diff");
    assert!(!d.diff.differs(), "{}", d.summary());
    assert!(
        d.summary().starts_with("no differences ("),
        "{}",
        d.summary()
    );

    h.act(Action::Command("diff no-such-thing".into()));
    assert!(
        h.settle(Duration::from_secs(10), |s| s.status.as_ref().is_some_and(
            |(m, _, _)| m.contains("is not a sidecar of the list")
        ))
        .await,
        "{:?}",
        h.state.status
    );
}

/// `:loglevel LOGGER LEVEL app=NAME` on the demo: every sidecar of the app is
/// read first, one confirmation lists each with its change (a sidecar already
/// at the level is named and left alone), yes changes them all, and `R` puts
/// each back to its own earlier level.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logger_changes_across_an_app_after_one_confirmation_and_r_restores_all() {
    use meshscope::app::state::Mode;
    use meshscope::app::Action;
    let (demo, mut h) = headless_demo(Vec::new(), &[]).await;
    let reviews: Vec<(String, String)> = h
        .state
        .mesh
        .pods
        .iter()
        .filter(|p| p.app == "reviews")
        .map(|p| (p.key(), p.admin.clone().expect("admin")))
        .collect();
    assert!(reviews.len() >= 2, "{reviews:?}");
    let http = reqwest::Client::new();
    let level = |admin: String| {
        let http = http.clone();
        async move {
            let body = http
                .post(format!("{admin}/logging"))
                .send()
                .await
                .expect("post")
                .text()
                .await
                .expect("text");
            body.lines()
                .find_map(|l| l.trim().strip_prefix("router: ").map(str::to_string))
                .unwrap_or_default()
        }
    };
    // One of them is at debug already.
    http.post(format!("{}/logging?paths=router:debug", reviews[0].1))
        .send()
        .await
        .expect("set");
    let mut before = Vec::new();
    for (_, admin) in &reviews {
        before.push(level(admin.clone()).await);
    }
    assert_eq!(before[0], "debug");
    assert!(before[1..].iter().all(|l| l != "debug"), "{before:?}");

    // On the list, a scope must be named; a level must be one.
    h.act(Action::Command("loglevel router debug".into()));
    let said =
        |s: &AppState, what: &str| s.status.as_ref().is_some_and(|(m, _, _)| m.contains(what));
    assert!(said(&h.state, "name the sidecars"), "{:?}", h.state.status);
    h.act(Action::Command("loglevel router loud all".into()));
    assert!(said(&h.state, "is not a level"), "{:?}", h.state.status);

    h.act(Action::Command("loglevel router debug app=reviews".into()));
    assert!(
        h.settle(Duration::from_secs(10), |s| matches!(
            s.mode,
            Mode::ConfirmFleet(_)
        ))
        .await,
        "{:?}",
        h.state.status
    );
    let Mode::ConfirmFleet(p) = &h.state.mode else {
        unreachable!()
    };
    assert_eq!(p.changes.len(), reviews.len() - 1);
    assert_eq!(p.unchanged, vec![reviews[0].0.clone()]);
    assert!(p.question().contains("to debug on"), "{}", p.question());
    let screen = support::ui::render_at(&h.state, 140, 45);
    for (pod, _) in &reviews[1..] {
        assert!(screen.contains(pod.as_str()), "{pod} not listed:\n{screen}");
    }
    assert!(
        screen.contains("→ debug") && screen.contains("left alone"),
        "{screen}"
    );
    // Nothing happened yet.
    for ((_, admin), was) in reviews.iter().zip(&before) {
        assert_eq!(&level(admin.clone()).await, was);
    }
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(10), |s| s.last_fleet_change.is_some())
            .await
    );
    for (_, admin) in &reviews {
        assert_eq!(level(admin.clone()).await, "debug");
    }
    assert!(said(&h.state, "R puts them back"), "{:?}", h.state.status);

    h.act(Action::RestoreLogLevel);
    assert!(matches!(&h.state.mode, Mode::ConfirmFleet(p) if p.restore));
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(10), |s| s
            .last_fleet_change
            .as_ref()
            .is_some_and(|c| c.restore))
            .await
    );
    for ((_, admin), was) in reviews.iter().zip(&before) {
        assert_eq!(&level(admin.clone()).await, was, "put back");
    }
    demo.shutdown().await;
}
