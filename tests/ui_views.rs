//! Every view rendered into a 120x40 TestBackend against the demo mesh and
//! snapshotted, plus key sequences driven through `update`.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use meshscope::app::keys::map_key;
use meshscope::app::state::{Loadable, Mode, ViewKind};
use meshscope::app::{update, Action};
use meshscope::sources::target::Endpoint;
use support::ui::{drive, open, render, state};

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn press(mesh: &meshscope::sources::demo::Mesh, s: &mut meshscope::app::AppState, keys: &str) {
    for c in keys.chars() {
        let k = match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            '\x1b' => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
            '\t' => KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
            c => key(c),
        };
        if let Some(a) = map_key(s, k) {
            drive(mesh, s, [a]);
        }
    }
}

#[test]
fn targets_loading_then_ready() {
    let (mesh, mut s) = state();
    // Before any answer: every row is still loading.
    let now = s.now;
    let fx = update(&mut s, Action::Tick(now));
    assert!(
        !fx.is_empty(),
        "the target list asks for server_info and readiness"
    );
    insta::assert_snapshot!("targets_loading", render(&s));
    support::ui::answer(&mesh, &mut s, fx);
    insta::assert_snapshot!("targets_ready", render(&s));
}

#[test]
fn every_sidecar_view_renders() {
    for kind in [
        ViewKind::Overview,
        ViewKind::Listeners,
        ViewKind::Clusters,
        ViewKind::Routes,
        ViewKind::Endpoints,
        ViewKind::Secrets,
    ] {
        let (mesh, mut s) = state();
        open(&mesh, &mut s, "productpage", kind);
        insta::assert_snapshot!(format!("view_{}", kind.name()), render(&s));
    }
}

#[test]
fn a_failed_fetch_says_so_in_the_pane_and_keeps_working() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "fortio", ViewKind::Clusters);
    // /clusters?format=json is not simulated: the Clusters pane shows the error line.
    let key = (s.selected, Endpoint::ClustersJson);
    assert!(matches!(
        s.slots.get(&key).map(|x| &x.state),
        Some(Loadable::Failed { .. })
    ));
    let screen = render(&s);
    assert!(
        screen.contains("✖ clusters_json: clusters_json not simulated in this test"),
        "{screen}"
    );
    insta::assert_snapshot!("clusters_with_error", screen);
    // The rest of the UI still works: the table is there and keys move the cursor.
    press(&mesh, &mut s, "jj");
    assert_eq!(s.panes[0].top().map(|v| v.cursor), Some(2));
}

#[test]
fn filter_narrows_rows_on_every_keystroke() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Clusters);
    let all = s.panes[0].top().map(|v| v.visible.len()).unwrap_or(0);
    press(&mesh, &mut s, "/revi");
    assert!(matches!(s.mode, Mode::Filter(_)));
    let reviews = s.panes[0].top().map(|v| v.visible.len()).unwrap_or(0);
    assert!(reviews > 0 && reviews < all, "{reviews} of {all}");
    press(&mesh, &mut s, " !v2\n");
    let without_v2 = s.panes[0].top().map(|v| v.visible.len()).unwrap_or(0);
    assert_eq!(without_v2, reviews - 1);
    insta::assert_snapshot!("clusters_filtered", render(&s));
    // Esc clears the filter.
    press(&mesh, &mut s, "\x1b");
    assert_eq!(s.panes[0].top().map(|v| v.visible.len()), Some(all));
}

#[test]
fn drill_down_listener_to_route_to_clusters_to_endpoints_and_back() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Listeners);
    // Find a listener row whose destination is an RDS route and put the cursor on it.
    let view = s.panes[0].top().cloned().expect("view");
    let (table, _) =
        meshscope::app::registry::table_of(&s, ViewKind::Listeners, s.selected).expect("table");
    let pos = view
        .visible
        .iter()
        .position(|&i| table.rows[i].cells[3] == "Route: 9080")
        .expect("a Route: 9080 chain");
    s.panes[0].top_mut().expect("top").cursor = pos;
    press(&mesh, &mut s, "\n");
    let top = s.panes[0].top().expect("top");
    assert_eq!(top.kind, ViewKind::Routes);
    assert_eq!(top.keys.as_deref(), Some(&["9080".to_string()][..]));
    insta::assert_snapshot!("drill_listener_to_route", render(&s));
    press(&mesh, &mut s, "\n");
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Clusters));
    press(&mesh, &mut s, "\n");
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Endpoints));
    assert_eq!(s.panes[0].stack.len(), 4);
    press(&mesh, &mut s, "\x1b\x1b\x1b");
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Listeners));
}

#[test]
fn raw_json_opens_folds_and_searches() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "fortio", ViewKind::Clusters);
    let pos = {
        let v = s.panes[0].top().expect("view");
        let (t, _) =
            meshscope::app::registry::table_of(&s, ViewKind::Clusters, s.selected).expect("table");
        v.visible
            .iter()
            .position(|&i| t.rows[i].key == "outbound|8000||httpbin.default.svc.cluster.local")
            .expect("httpbin cluster")
    };
    s.panes[0].top_mut().expect("top").cursor = pos;
    press(&mesh, &mut s, "x");
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Json));
    press(&mesh, &mut s, "/max_pending\n");
    let tree = s.panes[0]
        .top()
        .and_then(|v| v.json.as_ref())
        .expect("tree");
    assert!(
        tree.cursor_path().contains("max_pending_requests"),
        "{}",
        tree.cursor_path()
    );
    insta::assert_snapshot!("raw_json_httpbin", render(&s));
}

#[test]
fn panes_zoom_cycle_and_layout_command() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "reviews", ViewKind::Clusters);
    assert_eq!(s.panes.len(), 2);
    press(&mesh, &mut s, "\t");
    assert_eq!(s.focus, 1);
    press(&mesh, &mut s, "z");
    assert!(s.zoom);
    insta::assert_snapshot!("zoomed_listeners", render(&s));
    press(&mesh, &mut s, "z:layout routes secrets overview\n");
    assert_eq!(s.panes.len(), 3);
    assert_eq!(s.config.layout, vec!["routes", "secrets", "overview"]);
    press(&mesh, &mut s, ":layout bogus\n");
    let msg = s.status.as_ref().map(|m| m.0.clone()).unwrap_or_default();
    assert!(msg.starts_with("layout: unknown view `bogus`"), "{msg}");
    insta::assert_snapshot!("three_panes", render(&s));
}

#[test]
fn help_lists_the_keys_of_the_focused_view() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "details", ViewKind::Clusters);
    press(&mesh, &mut s, "?");
    let screen = render(&s);
    for k in [
        "Enter",
        "raw JSON of the row",
        "sort by next column",
        "zoom the focused pane",
    ] {
        assert!(screen.contains(k), "help lacks {k}");
    }
    assert!(
        !screen.contains("next match"),
        "JSON keys are not shown for tables"
    );
    insta::assert_snapshot!("help_table", screen);
    press(&mesh, &mut s, "?q");
    assert!(s.quit);
}

#[test]
fn sort_cycles_columns() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Clusters);
    press(&mesh, &mut s, "s");
    let v = s.panes[0].top().expect("view");
    assert_eq!(v.sort.map(|x| (x.column, x.descending)), Some((0, false)));
    let (t, _) =
        meshscope::app::registry::table_of(&s, ViewKind::Clusters, s.selected).expect("table");
    let names: Vec<&str> = v
        .visible
        .iter()
        .map(|&i| t.rows[i].cells[0].as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    press(&mesh, &mut s, "s");
    assert_eq!(
        s.panes[0].top().and_then(|v| v.sort).map(|x| x.descending),
        Some(true)
    );
}

#[test]
fn port_forward_states_show_in_the_title_and_overview() {
    use meshscope::app::state::ForwardLine;
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "ratings", ViewKind::Overview);
    let pod = s.mesh.pods[s.selected.expect("open")].key();
    s.forwards = vec![
        ForwardLine {
            name: format!("{pod}:15000"),
            state: "ready http://127.0.0.1:41000".into(),
            healthy: true,
        },
        ForwardLine {
            name: format!("{pod}:15020"),
            state: "failed: connection refused; retry in 2s".into(),
            healthy: false,
        },
    ];
    let screen = render(&s);
    assert!(screen.contains("⇄ 2 forwards, 1 not ready"), "{screen}");
    assert!(screen.contains("Forward :15000"), "{screen}");
    assert!(
        screen.contains("Forward :15020        failed: connection refused"),
        "{screen}"
    );
}

#[test]
fn tiny_and_huge_terminals_never_panic() {
    use meshscope::app::loglevels::state::Proposal;
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Clusters);
    let modes = [
        Mode::Normal,
        Mode::Help,
        Mode::Confirm(Proposal {
            target: 0,
            pod: "default/p".into(),
            logger: "router".into(),
            from: "warning".into(),
            to: "debug".into(),
        }),
    ];
    for mode in modes {
        s.mode = mode;
        for (w, h) in [(1, 1), (10, 3), (30, 6), (80, 8), (250, 70)] {
            let mut terminal =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("terminal");
            terminal.draw(|f| meshscope::ui::draw(f, &s)).expect("draw");
        }
    }
}

#[test]
fn the_selected_cluster_filters_the_stats_pane_beside_it() {
    let (mesh, mut s) = state();
    s.config.layout = vec!["clusters".into(), "stats".into()];
    open(&mesh, &mut s, "fortio", ViewKind::Clusters);
    let (row, name) = {
        let v = s.panes[0].top().expect("clusters");
        let (t, _) =
            meshscope::app::registry::table_of(&s, ViewKind::Clusters, s.selected).expect("table");
        let pos = v
            .visible
            .iter()
            .position(|&i| t.rows[i].key.starts_with("outbound|8000||httpbin"))
            .expect("httpbin cluster");
        (pos, t.rows[v.visible[pos]].key.clone())
    };
    // Move the cursor onto the httpbin cluster with keys, as a user would.
    press(&mesh, &mut s, "g");
    for _ in 0..row {
        press(&mesh, &mut s, "j");
    }
    let stats = s.panes[1].top().expect("stats pane");
    assert_eq!(stats.filter, format!("cluster.{name}"));
    let (t, _) =
        meshscope::app::registry::table_of(&s, ViewKind::Stats, s.selected).expect("stats table");
    assert!(!stats.visible.is_empty());
    assert!(
        stats
            .visible
            .iter()
            .all(|&i| t.rows[i].cells[0].contains("httpbin")),
        "only httpbin's stats"
    );
}

/// `F` on the sidecar list: the doctor over every sidecar, findings grouped
/// by rule; Enter on a rule lists its sidecars, Enter on one opens it on its
/// doctor, Esc walks back to the rules and the list.
#[test]
fn the_fleet_findings_view_groups_by_rule_and_opens_a_sidecar() {
    let (mesh, mut s) = state();
    let now = s.now;
    drive(&mesh, &mut s, [Action::Tick(now)]);
    press(&mesh, &mut s, "F");
    assert_eq!(s.list.last().map(|v| v.kind), Some(ViewKind::Findings));
    let (report, _) = s.fleet.report.clone().expect("scanned in process");
    assert_eq!(report.pods.len(), s.mesh.pods.len());
    let breaker = report
        .groups
        .iter()
        .find(|g| g.rule == "MS1001")
        .expect("fortio's breaker overflow, from its stats");
    assert!(
        breaker.pods.iter().all(|p| p.contains("fortio")),
        "{breaker:?}"
    );
    insta::assert_snapshot!("fleet_findings", render(&s));
    // The sidecar list shows what the scan found before any sidecar was opened.
    let fortio = s
        .mesh
        .pods
        .iter()
        .position(|p| p.app == "fortio")
        .expect("fortio");
    assert!(s
        .doctor
        .get(&fortio)
        .and_then(|d| d.report.as_ref())
        .is_none());
    assert!(
        s.targets_table.rows[fortio].cells[meshscope::app::sidecars::update::FINDINGS_COLUMN]
            .starts_with("✖ MS1001"),
        "{}",
        s.targets_table.rows[fortio].cells[meshscope::app::sidecars::update::FINDINGS_COLUMN]
    );
    // A rule on several sidecars lists them: say productpage overflowed too.
    let mut two = (*report).clone();
    let fortio_outcome = two.pods[fortio].outcome.clone();
    let page = s
        .mesh
        .pods
        .iter()
        .position(|p| p.app == "productpage")
        .expect("productpage");
    two.pods[page].outcome = fortio_outcome;
    two.groups = meshscope::model::findings::fleet::group(&two.pods);
    let scan = s.fleet.scan;
    drive(
        &mesh,
        &mut s,
        [Action::FleetScanned {
            scan,
            scanned: Box::new(meshscope::app::fleet::state::Scanned::new(
                std::sync::Arc::new(two.clone()),
            )),
        }],
    );
    let report = two;
    let many = report
        .groups
        .iter()
        .position(|g| g.pods.len() > 1)
        .expect("a rule that fired on several sidecars");
    let row = s.list[0]
        .visible
        .iter()
        .position(|&r| r == many)
        .expect("shown");
    s.list[0].cursor = row;
    press(&mesh, &mut s, "\n");
    let pods = s.list.get(1).expect("the rule's sidecars");
    assert_eq!(pods.kind, ViewKind::FleetPods);
    assert_eq!(pods.visible.len(), report.groups[many].pods.len());
    insta::assert_snapshot!("fleet_findings_rule", render(&s));
    press(&mesh, &mut s, "\n");
    let opened = s.selected.expect("a sidecar is open");
    assert_eq!(s.mesh.pods[opened].key(), report.groups[many].pods[0]);
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Overview));
    // Esc: the panes, then the list screen, which still shows the rule's sidecars.
    press(&mesh, &mut s, "\x1b\x1b");
    assert_eq!(s.selected, None);
    assert_eq!(s.list.len(), 2);
    press(&mesh, &mut s, "\x1b");
    assert_eq!(s.list.len(), 1);
    press(&mesh, &mut s, "\x1b");
    assert!(s.list.is_empty(), "Esc from the rules shows the sidecars");
    // An older scan's answer is dropped.
    let before = s.fleet.version;
    drive(
        &mesh,
        &mut s,
        [Action::FleetScanned {
            scan: scan - 1,
            scanned: Box::new(meshscope::app::fleet::state::Scanned::new(
                std::sync::Arc::new(report),
            )),
        }],
    );
    assert_eq!(s.fleet.version, before);
}

/// `e` on a Routes row fills in `:route` for its domain and path; running it
/// shows which route the request takes, step by step, over the pane.
#[test]
fn route_explain_from_a_routes_row() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Routes);
    let table = meshscope::app::registry::table_of(&s, ViewKind::Routes, s.selected)
        .expect("routes")
        .0
        .clone();
    let row = s.panes[0]
        .top()
        .expect("routes view")
        .visible
        .iter()
        .position(|&r| {
            table.rows[r].cells[0] == "9080" && table.rows[r].cells[2].starts_with("reviews")
        })
        .expect("the reviews virtual host on 9080");
    s.panes[0].top_mut().expect("routes view").cursor = row;
    press(&mesh, &mut s, "e");
    match &s.mode {
        Mode::Palette(input) => assert!(
            input.value().starts_with("route reviews") && input.value().contains(":9080 /"),
            "{}",
            input.value()
        ),
        other => panic!("expected the palette, got {other:?}"),
    }
    press(&mesh, &mut s, "\x1b");
    drive(
        &mesh,
        &mut s,
        [Action::Command(
            "route reviews:9080 /reviews/0 end-user:jason".into(),
        )],
    );
    let v = s.panes[0].top().expect("a view");
    assert_eq!(v.kind, ViewKind::Route);
    let d = v.route.as_ref().expect("the decision");
    assert!(d.verdict.matched(), "{}", d.summary);
    let cluster = d.upstream_cluster.clone().unwrap_or_default();
    assert!(cluster.contains("reviews"), "{cluster}");
    let screen = render(&s);
    assert!(screen.contains("upstream cluster:"), "{screen}");
    insta::assert_snapshot!("route_reviews_jason", screen);
    // Bad arguments say how to use it, in the status line.
    drive(&mesh, &mut s, [Action::Command("route".into())]);
    assert!(s
        .status
        .as_ref()
        .is_some_and(|(m, _, _)| m.starts_with("usage: :route HOST")));
}

/// `:diff` against another sidecar: the resources that differ over the pane,
/// then Enter on a changed one shows its fields, A beside B.
#[test]
fn diff_view_lists_resources_then_fields() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Clusters);
    let other = s
        .mesh
        .pods
        .iter()
        .find(|p| p.app == "ratings")
        .expect("ratings")
        .key();
    drive(&mesh, &mut s, [Action::Command(format!("diff {other}"))]);
    let v = s.panes[0].top().expect("a view");
    assert_eq!(v.kind, ViewKind::Diff);
    let screen = render(&s);
    assert!(
        screen.contains("CHANGE") && screen.contains("only there"),
        "{screen}"
    );
    insta::assert_snapshot!("diff_productpage_ratings", screen);
    let table = meshscope::app::registry::table_of(&s, ViewKind::Diff, s.selected)
        .expect("diff table")
        .0
        .clone();
    let row = s.panes[0]
        .top()
        .expect("diff view")
        .visible
        .iter()
        .position(|&i| table.rows[i].cells[0].contains("changed"))
        .expect("a changed resource");
    s.panes[0].top_mut().expect("diff view").cursor = row;
    drive(&mesh, &mut s, [Action::Enter]);
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::DiffFields));
    insta::assert_snapshot!("diff_fields", render(&s));
    // Esc twice: back to the panes, unzoomed.
    drive(&mesh, &mut s, [Action::Back, Action::Back]);
    assert_eq!(s.panes[0].top().map(|v| v.kind), Some(ViewKind::Clusters));
    assert!(!s.zoom);
}
