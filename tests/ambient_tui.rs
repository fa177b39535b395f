//! Ambient mode in the app: the demo's ztunnels, waypoint and ambient
//! workloads in the list; a ztunnel opened on its own views (istioctl's rows,
//! the real capture's included), its doctor on the ambient rules, its log
//! lines; `check` on a real ztunnel dump.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use meshscope::app::headless::Headless;
use meshscope::app::registry::table_of;
use meshscope::app::sidecars::update::FINDINGS_COLUMN;
use meshscope::app::state::{AppState, ViewKind};
use meshscope::app::Action;
use meshscope::config::Config;
use meshscope::launch::mesh_from_manifest;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{serve, RunningDemo, ServeOptions};
use meshscope::sources::target::{AdminFetcher, Endpoint, TargetKind};
use meshscope::theme::Theme;
use support::{fixtures, meshscope};

fn kinds(s: &AppState) -> Vec<ViewKind> {
    s.panes
        .iter()
        .filter_map(|p| p.top().map(|v| v.kind))
        .collect()
}

/// The demo served with `opts` and the app on its list (kept alive together).
async fn demo_app(opts: ServeOptions) -> (RunningDemo, Headless) {
    let demo = serve(opts).await.expect("demo");
    let mesh = mesh_from_manifest(&demo.manifest());
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).expect("fetcher");
    let mut state = AppState::new(
        mesh,
        "demo",
        Config::default(),
        Theme::dark(),
        Instant::now(),
    );
    meshscope::app::sidecars::update::rebuild(&mut state);
    let h = Headless::new(state, Arc::new(fetcher), Some(demo.log_source()));
    (demo, h)
}

/// The first listed pod of `kind`.
fn pod_of(s: &AppState, kind: TargetKind) -> usize {
    s.mesh
        .pods
        .iter()
        .position(|p| p.kind == Some(kind))
        .unwrap_or_else(|| panic!("no {kind:?} in the list"))
}

fn rows(s: &AppState, kind: ViewKind, t: usize) -> Vec<Vec<String>> {
    table_of(s, kind, Some(t))
        .map(|(tbl, _)| tbl.rows.iter().map(|r| r.cells.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_lists_ambient_pods_and_a_ztunnel_opens_on_its_own_views() {
    let opts = ServeOptions {
        tick: Duration::from_millis(50),
        ..ServeOptions::default()
    };
    let (demo, mut h) = demo_app(opts).await;

    // The list: every ambient pod with its kind and where it sits.
    let table = h.state.targets_table.clone();
    let kind_of = |k: TargetKind| {
        h.state
            .mesh
            .pods
            .iter()
            .filter(|p| p.kind == Some(k))
            .count()
    };
    assert_eq!(kind_of(TargetKind::Ztunnel), 2);
    assert_eq!(kind_of(TargetKind::Waypoint), 1);
    assert_eq!(kind_of(TargetKind::AmbientWorkload), 2);
    let payments = h
        .state
        .mesh
        .pods
        .iter()
        .position(|p| p.app == "payments")
        .expect("payments");
    assert_eq!(table.rows[payments].cells[3], "ambient");
    assert!(
        table.rows[payments].cells[7].contains("→ waypoint"),
        "{:?}",
        table.rows[payments].cells
    );

    // The ztunnel on the node whose certificate failed to issue.
    let z = h
        .state
        .mesh
        .pods
        .iter()
        .position(|p| {
            p.kind == Some(TargetKind::Ztunnel) && p.node.as_deref() == Some("demo-node-2")
        })
        .expect("ztunnel on node 2");
    h.open(z);
    assert_eq!(
        kinds(&h.state),
        [ViewKind::ZWorkloads, ViewKind::ZConnections, ViewKind::Logs]
    );
    let loaded = |s: &AppState| !rows(s, ViewKind::ZWorkloads, z).is_empty();
    assert!(h.settle(Duration::from_secs(10), loaded).await);
    let workloads = rows(&h.state, ViewKind::ZWorkloads, z);
    assert!(
        workloads
            .iter()
            .any(|r| r[1].starts_with("payments-") && r[5] == "HBONE"),
        "{workloads:?}"
    );
    // What the waypoint serves: from the list, and from this ztunnel's dump.
    let wp = pod_of(&h.state, TargetKind::Waypoint);
    let serves = h.state.targets_table.rows[wp].cells[7].clone();
    assert!(
        serves.contains("serves payments-") && serves.contains("svc payments"),
        "{serves}"
    );
    // Envoy's endpoints are never asked of a ztunnel.
    assert!(h.state.slot(Some(z), Endpoint::ServerInfo).is_none());
    assert!(h.state.slot(Some(z), Endpoint::Stats).is_none());

    // Tab 5 is its certificates: the one that failed is there, red.
    h.act(Action::Tab(5));
    assert_eq!(kinds(&h.state)[0], ViewKind::ZCertificates);
    let (certs, _) = table_of(&h.state, ViewKind::ZCertificates, Some(z)).expect("certs");
    let failed = certs
        .rows
        .iter()
        .find(|r| r.cells[2] == "Unavailable")
        .expect("an unavailable certificate");
    assert_eq!(failed.severity, meshscope::model::severity::Severity::Error);

    // Its doctor: the ambient rules, from the dump it served.
    let diagnosed = |s: &AppState| {
        s.doctor
            .get(&z)
            .and_then(|d| d.report.as_ref())
            .is_some_and(|r| {
                let has = |id: &str| r.findings.iter().any(|f| f.rule == id);
                // The certificate from the dump, HBONE failures from its 15020 metrics.
                has("MS3001") && has("MS3005")
            })
    };
    assert!(h.settle(Duration::from_secs(10), diagnosed).await);
    // Its log: who connected to whom, and why it failed.
    let logged = |s: &AppState| {
        s.logs.get(&z).is_some_and(|b| {
            b.table
                .rows
                .iter()
                .any(|r| r.cells[2] == "ERR" && r.cells[3].contains("no certificate"))
        })
    };
    assert!(h.settle(Duration::from_secs(10), logged).await);
    // Its log level (`/logging`, POST only on a ztunnel): changed only after
    // a yes, put back with R.
    let level = {
        let admin = h.state.mesh.pods[z].admin.clone().expect("admin");
        move || {
            let admin = admin.clone();
            async move {
                reqwest::Client::new()
                    .post(format!("{admin}/logging"))
                    .send()
                    .await
                    .expect("post")
                    .text()
                    .await
                    .expect("text")
            }
        }
    };
    assert_eq!(level().await, "current log level is info\n");
    h.act(Action::Tab(9));
    assert_eq!(kinds(&h.state)[0], ViewKind::Logging);
    assert!(
        h.settle(Duration::from_secs(10), |s| !rows(s, ViewKind::Logging, z)
            .is_empty())
            .await
    );
    assert_eq!(
        rows(&h.state, ViewKind::Logging, z)[0][..2],
        ["ztunnel", "info"]
    );
    h.act(Action::Enter);
    assert!(matches!(
        h.state.mode,
        meshscope::app::state::Mode::Confirm(_)
    ));
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(5), |s| s.last_log_change.is_some())
            .await,
        "{:?}",
        h.state.status
    );
    assert_eq!(level().await, "current log level is debug\n");
    h.act(Action::RestoreLogLevel);
    h.act(Action::Confirm(true));
    assert!(
        h.settle(Duration::from_secs(5), |s| s
            .last_log_change
            .as_ref()
            .is_some_and(|c| c.to == "info"))
            .await
    );
    assert_eq!(level().await, "current log level is info\n");
    // The list says it too.
    assert!(
        h.state.targets_table.rows[z].cells[FINDINGS_COLUMN].contains("MS3001"),
        "{:?}",
        h.state.targets_table.rows[z].cells
    );
    demo.shutdown().await;
}

/// The real capture, opened offline: the Workloads view holds istioctl's
/// `zc workload` rows, in its order.
#[test]
fn a_saved_ztunnel_dump_opens_on_istioctls_rows() {
    let Some(dir) = fixtures("a_saved_ztunnel_dump_opens_on_istioctls_rows") else {
        return;
    };
    let dump = dir.join("ambient/istio-ztunnel-configdump-bookinfo.json");
    let golden = std::fs::read_to_string(
        dir.join("ambient/istio-ztunnel-configdump-bookinfo.istioctl-zc-workloads.golden.txt"),
    )
    .expect("golden");
    let opened = meshscope::sources::capture::open(&dump).expect("opens");
    assert_eq!(opened.mesh.pods[0].kind, Some(TargetKind::Ztunnel));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut state = AppState::new(
            opened.mesh.clone(),
            "t",
            Config::default(),
            Theme::dark(),
            Instant::now(),
        );
        state.snapshot = true;
        let mut h = Headless::new(state, opened.fetcher.clone(), opened.logs.clone());
        h.open(0);
        assert!(
            h.settle(Duration::from_secs(10), |s| !rows(
                s,
                ViewKind::ZWorkloads,
                0
            )
            .is_empty())
                .await
        );
        let got: Vec<String> = rows(&h.state, ViewKind::ZWorkloads, 0)
            .iter()
            .map(|r| r.join(" "))
            .collect();
        let want: Vec<String> = golden
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let got: Vec<String> = got
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(got, want);
        let screen = support::ui::render_at(&h.state, 160, 30);
        assert!(
            screen.contains("Workloads") && screen.contains("productpage"),
            "{screen}"
        );
    });
}

#[test]
fn check_judges_a_ztunnel_dump_by_the_ambient_rules() {
    let Some(dir) = fixtures("check_judges_a_ztunnel_dump_by_the_ambient_rules") else {
        return;
    };
    let dump = dir.join("ambient/istio-ztunnel-configdump-bookinfo.json");
    let out = meshscope(&["check", "--file", &dump.display().to_string(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "errors found: exit 1");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<&str> = report["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["MS3001", "MS3001", "MS3001"], "{report}");
}

/// `check --admin` on a live ztunnel (the demo's): its dump and 15020
/// metrics, no Envoy endpoint asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_admin_on_a_live_ztunnel_reads_its_dump_and_metrics() {
    let demo = serve(ServeOptions::default()).await.expect("demo");
    let z = demo
        .manifest()
        .ambient
        .into_iter()
        .find(|p| p.kind == "ztunnel" && p.node == "demo-node-2")
        .expect("ztunnel");
    let (admin, agent) = (z.admin.expect("admin"), z.stats.expect("stats"));
    let out = tokio::task::spawn_blocking(move || {
        meshscope(&["check", "--admin", &admin, "--agent", &agent])
    })
    .await
    .expect("join");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("MS3001") && text.contains("MS3005"), "{text}");
    demo.shutdown().await;
}

/// A request followed through the waypoint: Enter on the waypoint's 503
/// row ties cart's ztunnel (on the way in) and payments' ztunnel (which
/// refused the tunnel) to it by address and time, and names the root cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_followed_from_the_waypoint_through_both_ztunnels() {
    let (_demo, mut h) = demo_app(ServeOptions::default()).await;
    let wp = pod_of(&h.state, TargetKind::Waypoint);
    h.open(wp);
    // A waypoint is an Envoy: its Clusters view reads its dump and `/clusters`.
    let clustered = |s: &AppState| {
        rows(s, ViewKind::Clusters, wp)
            .iter()
            .any(|r| r[0].starts_with("inbound-vip|8080|http|payments."))
            && s.slot(Some(wp), Endpoint::ClustersJson)
                .is_some_and(|sl| matches!(sl.state, meshscope::app::state::Loadable::Ready { .. }))
    };
    assert!(h.settle(Duration::from_secs(10), clustered).await);
    let logs_pane = kinds(&h.state)
        .iter()
        .position(|k| *k == ViewKind::Logs)
        .expect("a waypoint opens with its log");
    let logged = |s: &AppState| {
        s.logs.get(&wp).is_some_and(|b| {
            b.table
                .rows
                .iter()
                .any(|r| r.key == meshscope::sources::demo::ambient::WAYPOINT_REQUEST_ID)
        })
    };
    assert!(h.settle(Duration::from_secs(10), logged).await);
    while h.state.focus != logs_pane {
        h.act(Action::FocusNext);
    }
    h.act(Action::Enter);
    let traced = |s: &AppState| kinds(s).contains(&ViewKind::Trace);
    assert!(h.settle(Duration::from_secs(20), traced).await);
    let trace = h.state.panes[logs_pane]
        .top()
        .and_then(|v| v.trace.as_deref())
        .expect("trace")
        .clone();
    let pods: Vec<String> = trace.hops.iter().map(|h| h.pod.clone()).collect();
    let ns = meshscope::sources::demo::ambient::AMBIENT_NAMESPACE;
    assert_eq!(
        pods,
        [
            "istio-system/ztunnel-d7x2k".to_string(),
            format!("{ns}/waypoint-6f9c8d7b5-h2xvz"),
            "istio-system/ztunnel-q9m4t".to_string()
        ]
    );
    assert!(trace.failed);
    assert!(
        trace
            .verdict
            .contains("ztunnel istio-system/ztunnel-q9m4t (inbound to payments-")
            && trace.verdict.contains("no certificate for identity")
            && trace.verdict.contains("503 UF"),
        "{}",
        trace.verdict
    );
}
