//! Responsive tables: each view drawn 52 and 80 columns wide (a third and a
//! half of a 160-column terminal) in its data and error states, and the
//! three-pane layout at 160×45 keeping each pane's decisive numbers.

mod support;

use meshscope::app::state::{AppState, ViewKind};
use meshscope::app::{update, Action};
use meshscope::sources::demo::Mesh;
use support::ui::{drive, open, render_at, state};

/// Three fortio access-log lines in Istio's default text format: two
/// breaker overflows (503 UO) and one success.
fn log_lines() -> Vec<String> {
    let line = |t: &str, code: u16, flags: &str, details: &str, id: &str| {
        format!(
            r#"[2024-05-14T09:2{t}.000Z] "GET /get HTTP/1.1" {code} {flags} {details} - "-" 0 81 3 - "-" "fortio.org/fortio-1.63.0" "{id}" "httpbin:8000" "-" outbound|8000||httpbin.default.svc.cluster.local - 10.96.120.14:8000 10.244.1.7:52014 - default"#
        )
    };
    vec![
        line(
            "0:01",
            200,
            "-",
            "via_upstream",
            "7f1c0e6a-0001-4e5e-9d3a-7e1cde0a0001",
        ),
        line(
            "0:02",
            503,
            "UO",
            "upstream_reset_before_response_started{overflow}",
            "7f1c0e6a-0002-4e5e-9d3a-7e1cde0a0002",
        ),
        line(
            "0:03",
            503,
            "UO",
            "upstream_reset_before_response_started{overflow}",
            "7f1c0e6a-0003-4e5e-9d3a-7e1cde0a0003",
        ),
    ]
}

/// fortio opened with `kind` as its only pane (and its log lines in).
fn fortio_on(kind: ViewKind) -> (Mesh, AppState) {
    fortio_with(&[kind])
}

/// fortio opened with these panes, the first one focused (and its log lines in).
fn fortio_with(layout: &[ViewKind]) -> (Mesh, AppState) {
    let (mesh, mut s) = state();
    s.config.layout = layout.iter().map(|k| k.name().to_string()).collect();
    open(&mesh, &mut s, "fortio", layout[0]);
    let pod = s.mesh.pods[s.selected.expect("open")].key();
    drive(
        &mesh,
        &mut s,
        [Action::LogLines {
            pod,
            lines: log_lines(),
        }],
    );
    (mesh, s)
}

/// Every endpoint the view waits for answers HTTP 500 (its newest request).
fn fail_all(s: &mut AppState, kind: ViewKind) {
    for &ep in kind.needs() {
        let key = (s.selected, ep);
        let request = s.slots.get(&key).map_or(0, |slot| slot.request);
        update(
            s,
            Action::Fetched {
                key,
                request,
                result: Err(format!(
                    "http://127.0.0.1:15000/{} answered HTTP 500: upstream connect error or disconnect/reset before headers",
                    ep.name()
                )),
            },
        );
    }
}

/// The sidecar views: the tabs but istiod's (which is the control plane's).
fn views() -> impl Iterator<Item = ViewKind> {
    ViewKind::TABS
        .into_iter()
        .filter(|k| *k != ViewKind::Istiod)
}

#[test]
fn every_view_at_52_and_80_columns_with_data() {
    for kind in views() {
        for w in [52, 80] {
            let (_mesh, s) = fortio_on(kind);
            insta::assert_snapshot!(format!("{}_{w}", kind.name()), render_at(&s, w, 24));
        }
    }
}

#[test]
fn every_view_at_52_and_80_columns_in_error() {
    for kind in views().filter(|k| !k.needs().is_empty()) {
        for w in [52, 80] {
            let (_mesh, mut s) = fortio_on(kind);
            fail_all(&mut s, kind);
            let screen = render_at(&s, w, 24);
            assert!(screen.contains("✖ "), "{} at {w}:\n{screen}", kind.name());
            insta::assert_snapshot!(format!("{}_{w}_error", kind.name()), screen);
        }
    }
}

/// The walkthrough's screen: clusters, stats and logs side by side at
/// 160×45. The overflow stat keeps its value and rate; the log lines keep
/// code, flags and upstream cluster.
#[test]
fn three_panes_at_160_keep_the_decisive_numbers() {
    let (mesh, mut s) = fortio_with(&[ViewKind::Clusters, ViewKind::Stats, ViewKind::Logs]);
    // The Clusters cursor on httpbin's cluster: the Stats pane follows it.
    let clusters = s.panes[0].top().expect("clusters");
    let table = meshscope::app::registry::table_of(&s, ViewKind::Clusters, s.selected)
        .expect("the clusters table")
        .0;
    let row = clusters
        .visible
        .iter()
        .position(|&r| table.rows[r].key.starts_with("outbound|8000||httpbin"))
        .expect("httpbin's cluster");
    s.panes[0].top_mut().expect("clusters").cursor = row;
    // A second stats read gives rates.
    s.now += std::time::Duration::from_secs(5);
    let now = s.now;
    drive(&mesh, &mut s, [Action::Refresh, Action::Tick(now)]);
    let screen = render_at(&s, 160, 45);
    let lines: Vec<&str> = screen.lines().collect();
    let pane = |line: &str, i: usize| -> String {
        // Each pane is a third of the width, in display cells.
        line.chars().skip(i * 53).take(53).collect()
    };
    let stats_row = lines
        .iter()
        .map(|l| pane(l, 1))
        .find(|p| p.contains("upstream_rq_") && p.contains("erflow") && !p.contains(':'))
        .unwrap_or_else(|| panic!("the overflow stat's row in the Stats pane:\n{screen}"));
    let figures: Vec<&str> = stats_row.split_whitespace().collect();
    assert!(
        figures
            .iter()
            .any(|f| f.parse::<u64>().is_ok_and(|v| v > 0)),
        "its value: {stats_row}"
    );
    assert!(
        figures.iter().filter(|f| f.parse::<f64>().is_ok()).count() >= 2,
        "its value and its rate: {stats_row}"
    );
    let log_row = lines
        .iter()
        .map(|l| pane(l, 2))
        .find(|p| p.contains("503 "))
        .unwrap_or_else(|| panic!("a 503 in the Logs pane:\n{screen}"));
    assert!(log_row.contains(" UO "), "flags: {log_row}");
    assert!(
        log_row.contains("outbound|8000||httpbin"),
        "cluster: {log_row}"
    );
    insta::assert_snapshot!("three_panes_160x45", screen);
}
