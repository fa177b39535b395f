//! The Stats, Cardinality and Memory views (and the Clusters view's
//! highlights) rendered into a 120x40 TestBackend in their loading, error and
//! data states, with keys driven through `update`.

mod support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use meshscope::app::keys::map_key;
use meshscope::app::nav::{open_target, show_view};
use meshscope::app::registry::table_of;
use meshscope::app::state::{AppState, ViewKind};
use meshscope::app::{update, Action};
use meshscope::model::severity::Severity;
use meshscope::sources::demo::Mesh;
use meshscope::sources::target::Endpoint;
use support::stats_bodies::simulate_clusters_json;
use support::ui::{drive, open, render, state};

fn press(mesh: &Mesh, s: &mut AppState, keys: &str) {
    for c in keys.chars() {
        let k = match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        };
        if let Some(a) = map_key(s, k) {
            drive(mesh, s, [a]);
        }
    }
}

/// Lets `polls` poll intervals pass, answering every fetch.
fn poll(mesh: &Mesh, s: &mut AppState, polls: u32) {
    for _ in 0..polls {
        let next = s.now + Duration::from_millis(s.config.poll_interval_ms);
        drive(mesh, s, [Action::Tick(next)]);
    }
}

fn pod(s: &AppState, app: &str) -> usize {
    s.mesh.pods.iter().position(|p| p.app == app).expect("pod")
}

/// The view is requested but nothing has answered yet.
fn loading(app: &str, kind: ViewKind) -> (Mesh, AppState, Vec<meshscope::app::Effect>) {
    let (mesh, mut s) = state();
    let idx = pod(&s, app);
    open_target(&mut s, idx);
    show_view(&mut s, kind);
    let now = s.now;
    let fx = update(&mut s, Action::Tick(now));
    (mesh, s, fx)
}

/// Answers the pending fetch of `ep` with an error.
fn fail(s: &mut AppState, fx: &[meshscope::app::Effect], ep: Endpoint, error: &str) {
    for e in fx {
        if let meshscope::app::Effect::Fetch { key, request } = e {
            if key.1 == ep {
                update(
                    s,
                    Action::Fetched {
                        key: *key,
                        request: *request,
                        result: Err(error.to_string()),
                    },
                );
            }
        }
    }
}

#[test]
fn stats_view_loading_and_error() {
    let (_, mut s, fx) = loading("fortio", ViewKind::Stats);
    let screen = render(&s);
    assert!(screen.contains("loading stats"), "{screen}");
    insta::assert_snapshot!("stats_loading", screen);
    fail(
        &mut s,
        &fx,
        Endpoint::Stats,
        "connection refused (127.0.0.1:15000)",
    );
    let screen = render(&s);
    assert!(screen.contains("✖ stats: connection refused"), "{screen}");
    insta::assert_snapshot!("stats_error", screen);
}

#[test]
fn stats_view_highlights_overflow_with_threshold_and_rate() {
    simulate_clusters_json();
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "fortio", ViewKind::Stats);
    press(&mesh, &mut s, "z");
    poll(&mesh, &mut s, 2);
    let screen = render(&s);
    assert!(
        screen.contains(
            "✖ cluster outbound|8000||httpbin.default.svc.cluster.local: max_pending_requests 1, overflow"
        ),
        "{screen}"
    );
    assert!(
        screen.contains(", +3/s"),
        "the rate from successive polls: {screen}"
    );
    insta::assert_snapshot!("stats_fortio", screen);

    // The highlighted rows head the table, coloured by severity.
    let t = s.selected.expect("target");
    let (table, _) = table_of(&s, ViewKind::Stats, Some(t)).expect("stats table");
    let first = &table.rows[s.panes[0].top().expect("view").visible[0]];
    assert_eq!(first.severity, Severity::Error);
    let all = table.rows.len();

    // u hides zero-valued stats; t cycles the type filter.
    press(&mesh, &mut s, "u");
    let used = table_of(&s, ViewKind::Stats, Some(t)).map_or(0, |(t, _)| t.rows.len());
    assert!(used < all, "{used} of {all}");
    press(&mesh, &mut s, "ttt");
    let (table, _) = table_of(&s, ViewKind::Stats, Some(t)).expect("stats table");
    assert!(table.rows.iter().all(|r| r.cells[6] == "hist"));
    press(&mesh, &mut s, "tu");

    // m marks now; two polls later each counter shows its change since.
    press(&mesh, &mut s, "m");
    poll(&mesh, &mut s, 2);
    let (table, _) = table_of(&s, ViewKind::Stats, Some(t)).expect("stats table");
    let overflow = table
        .rows
        .iter()
        .find(|r| {
            r.key
                .ends_with("httpbin.default.svc.cluster.local.upstream_rq_pending_overflow")
        })
        .expect("overflow row");
    assert_eq!(overflow.cells[1], "upstream_rq_pending_overflow");
    assert_eq!(overflow.cells[4], "+12");
    assert_eq!(overflow.cells[3], "3");
    assert!(
        overflow.cells[2].ends_with('▲'),
        "changed in the last poll: {:?}",
        overflow.cells
    );
    press(&mesh, &mut s, "/pending_overflow\n");
    insta::assert_snapshot!("stats_marked_filtered", render(&s));
}

#[test]
fn stats_keys_are_in_the_help() {
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "fortio", ViewKind::Stats);
    press(&mesh, &mut s, "?");
    let screen = render(&s);
    for k in [
        "mark now",
        "used only",
        "type: all, counters",
        "sort by next column",
    ] {
        assert!(screen.contains(k), "help lacks {k}: {screen}");
    }
}

#[test]
fn clusters_rows_carry_the_highlight() {
    simulate_clusters_json();
    let (mesh, mut s) = state();
    open(&mesh, &mut s, "fortio", ViewKind::Clusters);
    poll(&mesh, &mut s, 1);
    let t = s.selected.expect("target");
    let (table, _) = table_of(&s, ViewKind::Clusters, Some(t)).expect("clusters");
    assert_eq!(table.columns.last().map(|c| c.title), Some("HIGHLIGHT"));
    let row = table
        .rows
        .iter()
        .find(|r| r.key == "outbound|8000||httpbin.default.svc.cluster.local")
        .expect("httpbin row");
    assert_eq!(row.severity, Severity::Error);
    let cell = row.cells.last().cloned().unwrap_or_default();
    assert!(
        cell.starts_with("max_pending_requests 1, overflow 56, +3/s"),
        "{cell}"
    );
    let quiet = table
        .rows
        .iter()
        .find(|r| r.key == "BlackHoleCluster")
        .expect("row");
    assert_eq!(quiet.cells.last().map(String::as_str), Some(""));
}

#[test]
fn cardinality_view_names_the_exploding_label() {
    let (_, mut s, fx) = loading("productpage", ViewKind::Cardinality);
    insta::assert_snapshot!("cardinality_loading", render(&s));
    fail(
        &mut s,
        &fx,
        Endpoint::Prometheus,
        "HTTP 503 from /stats/prometheus",
    );
    let screen = render(&s);
    assert!(screen.contains("✖ prometheus: HTTP 503"), "{screen}");
    insta::assert_snapshot!("cardinality_error", screen);

    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Clusters);
    press(&mesh, &mut s, ":cardinality\n");
    press(&mesh, &mut s, "z");
    let t = s.selected.expect("target");
    let (table, _) = table_of(&s, ViewKind::Cardinality, Some(t)).expect("cardinality");
    let top = &table.rows[s.panes[0].top().expect("view").visible[0]];
    assert_eq!(top.cells[0], "istio_requests_total");
    assert_eq!(top.cells[1], "request_path");
    assert_eq!(top.cells[2], "240");
    assert_eq!(top.severity, Severity::Error);
    let screen = render(&s);
    assert!(
        screen.contains("✖ request_path on istio_requests_total: 240 distinct values"),
        "{screen}"
    );
    insta::assert_snapshot!("cardinality_productpage", screen);
}

#[test]
fn memory_view_trends_and_points_to_cardinality() {
    let (_, mut s, fx) = loading("productpage", ViewKind::Memory);
    insta::assert_snapshot!("memory_loading", render(&s));
    fail(
        &mut s,
        &fx,
        Endpoint::Memory,
        "/memory: expected value at line 1 column 1",
    );
    insta::assert_snapshot!("memory_error", render(&s));

    let (mesh, mut s) = state();
    open(&mesh, &mut s, "productpage", ViewKind::Memory);
    poll(&mesh, &mut s, 4);
    insta::assert_snapshot!("memory_productpage_pane", render(&s));
    press(&mesh, &mut s, "z");
    let t = s.selected.expect("target");
    assert_eq!(s.series.get(&t).map(|x| x.memory.len()), Some(5));
    let screen = render(&s);
    assert!(screen.contains("allocated"), "{screen}");
    assert!(screen.contains("Envoy stats"), "{screen}");
    assert!(screen.contains("open :cardinality"), "{screen}");
    insta::assert_snapshot!("memory_productpage", screen);
}
