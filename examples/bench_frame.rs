//! Frame time with 100k rows while filtering on every keystroke.
//!
//! Builds a clusters table of 100,000 rows, opens it in a pane, then types a
//! filter one key at a time; each keystroke is one `update` (re-filter) plus
//! one full draw of a 120x40 screen. Prints the per-keystroke times.
//!
//!     cargo run --release --example bench_frame [ROWS]

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use meshscope::app::clusters::table::cluster_columns;
use meshscope::app::data::Data;
use meshscope::app::dump::DumpData;
use meshscope::app::keys::map_key;
use meshscope::app::state::{AppState, Loadable, Slot, ViewKind};
use meshscope::app::table::{Row, Table};
use meshscope::app::update;
use meshscope::config::Config;
use meshscope::model::severity::Severity;
use meshscope::sources::target::{Endpoint, MeshInfo, TargetInfo};
use meshscope::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn table(rows: usize) -> Table {
    let services = [
        "reviews",
        "ratings",
        "details",
        "productpage",
        "httpbin",
        "payments",
        "checkout",
        "search",
    ];
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        let svc = services[i % services.len()];
        let ns = format!("team-{:03}", i / 400);
        let port = [80, 8080, 9080, 443, 15010][i % 5];
        let subset = ["", "v1", "v2", "v3"][i % 4];
        let name = format!("outbound|{port}|{subset}|{svc}-{i:06}.{ns}.svc.cluster.local");
        let cells = vec![
            name.clone(),
            format!("{svc}-{i:06}.{ns}.svc.cluster.local"),
            port.to_string(),
            if subset.is_empty() {
                "-".into()
            } else {
                subset.to_string()
            },
            "outbound".into(),
            "EDS".into(),
            format!("{svc}.{ns}"),
            "ACTIVE".into(),
            "-/-/-".into(),
        ];
        out.push(Row::new(
            name,
            cells,
            if i % 97 == 0 {
                Severity::Warn
            } else {
                Severity::Ok
            },
        ));
    }
    Table {
        columns: cluster_columns(),
        rows: out,
    }
}

fn main() -> color_eyre::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let pod = TargetInfo {
        namespace: "default".into(),
        name: "bench".into(),
        app: "bench".into(),
        admin: None,
        agent: None,
        scenarios: vec![],
        ..Default::default()
    };
    let mesh = MeshInfo {
        istiod: None,
        pods: vec![pod],
    };
    let config = Config {
        layout: vec!["clusters".into()],
        ..Config::default()
    };
    let now = Instant::now();
    let mut state = AppState::new(mesh, "bench", config, Theme::dark(), now);
    state.size = (120, 40);
    let dump = DumpData {
        clusters: table(rows),
        ..DumpData::default()
    };
    let slot = |data| Slot {
        state: Loadable::Ready { data, at: now },
        request: 1,
        in_flight: false,
        version: 1,
        oversize: 0,
    };
    state.slots.insert(
        (Some(0), Endpoint::ConfigDump),
        slot(Data::Dump(Arc::new(dump))),
    );
    meshscope::app::nav::open_target(&mut state, 0);
    meshscope::app::nav::show_view(&mut state, ViewKind::Clusters);
    let _ = update::update(&mut state, meshscope::app::Action::Tick(now));
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    terminal.draw(|f| meshscope::ui::draw(f, &state))?;

    let keys: Vec<KeyEvent> = std::iter::once('/')
        .chain("ratings 9080 !v2 team-01".chars())
        .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        .chain(std::iter::repeat_n(
            KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
            8,
        ))
        .collect();
    let mut times = Vec::new();
    for k in keys {
        let t0 = Instant::now();
        if let Some(a) = map_key(&state, k) {
            let _ = update::update(&mut state, a);
        }
        terminal.draw(|f| meshscope::ui::draw(f, &state))?;
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let visible = state.panes[0].top().map_or(0, |v| v.visible.len());
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        "{rows} rows, {} keystrokes (filter + full 120x40 draw each): min {:.2} ms, median {median:.2} ms, p95 {p95:.2} ms, max {:.2} ms; {visible} rows match at the end",
        times.len(),
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}
