//! Frame time with many rows while filtering on every keystroke.
//!
//! Builds a clusters table of ROWS rows (100,000 unless given; several
//! counts run one after the other), opens it in a pane, then types a filter
//! one key at a time; each keystroke is one `update` (re-filter) plus one
//! full draw of a 120x40 screen. Prints the per-keystroke times.
//!
//! With `--ztunnel N` it generates a ztunnel `/config_dump` of N workloads
//! (and N/4 services), parses it as the fetch task does, opens a ztunnel's
//! Workloads view and types a filter there the same way.
//!
//!     cargo run --release --example bench_frame [ROWS...] [--ztunnel N]
//!
//! `BENCH_FRAME_EACH=1` prints each keystroke; `BENCH_FRAME_TEXT` types
//! another filter than `ratings 9080 !v2 team-01`.

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
use meshscope::sources::target::{Endpoint, MeshInfo, TargetInfo, TargetKind};
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

/// A ztunnel dump of `n` workloads over 200 namespaces, 40 nodes, a
/// waypoint for every 8th workload, and `n / 4` services.
fn ztunnel_dump(n: usize) -> String {
    let mut workloads = serde_json::Map::new();
    for i in 0..n {
        let ns = format!("team-{:03}", i % 200);
        let app = ["cart", "payments", "search", "checkout", "reviews"][i % 5];
        let ip = format!("10.{}.{}.{}", 64 + i / 65_536, (i / 256) % 256, i % 256);
        let mut w = serde_json::json!({
            "uid": format!("Kubernetes//Pod/{ns}/{app}-{i:06}"),
            "workloadIps": [ip], "protocol": if i % 3 == 0 { "TCP" } else { "HBONE" },
            "name": format!("{app}-{i:06}-7d9f8c"), "namespace": ns,
            "serviceAccount": app, "workloadName": app, "workloadType": "deployment",
            "canonicalName": app, "canonicalRevision": "v1", "clusterId": "Kubernetes",
            "trustDomain": "cluster.local", "node": format!("node-{:02}", i % 40), "status": "Healthy",
        });
        if i % 8 == 0 {
            w["waypoint"] = serde_json::json!({"destination": format!("{ns}/waypoint.{ns}.svc.cluster.local"), "hboneMtlsPort": 15008});
        }
        workloads.insert(format!("/{ip}"), w);
    }
    let mut services = serde_json::Map::new();
    for i in 0..n / 4 {
        let ns = format!("team-{:03}", i % 200);
        let host = format!("svc-{i:06}.{ns}.svc.cluster.local");
        services.insert(
            format!("{ns}/{host}"),
            serde_json::json!({
                "name": format!("svc-{i:06}"), "namespace": ns, "hostname": host,
                "vips": [format!("/10.96.{}.{}", i / 256 % 256, i % 256)], "ports": {"8080": 8080},
                "endpoints": {}, "ipFamilies": "IPv4",
            }),
        );
    }
    serde_json::json!({"workloads": workloads, "services": services, "policies": [], "certificates": []})
        .to_string()
}

/// Types `text` then 8 backspaces into the focused view; prints the figures.
fn type_filter(state: &mut AppState, text: &str, what: &str) -> color_eyre::Result<()> {
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    terminal.draw(|f| meshscope::ui::draw(f, state))?;
    let keys: Vec<KeyEvent> = std::iter::once('/')
        .chain(text.chars())
        .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        .chain(std::iter::repeat_n(
            KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
            8,
        ))
        .collect();
    let each = std::env::var_os("BENCH_FRAME_EACH").is_some();
    let mut times = Vec::new();
    for k in keys {
        let t0 = Instant::now();
        if let Some(a) = map_key(state, k) {
            let _ = update::update(state, a);
        }
        let updated = t0.elapsed().as_secs_f64() * 1000.0;
        terminal.draw(|f| meshscope::ui::draw(f, state))?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if each {
            let filter = state.panes[0].top().map_or("", |v| v.filter.as_str());
            let shown = state.panes[0].top().map_or(0, |v| v.visible.len());
            eprintln!("{ms:8.2} ms (update {updated:.2})  {filter:?} → {shown} rows");
        }
        times.push(ms);
    }
    let visible = state.panes[0].top().map_or(0, |v| v.visible.len());
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
    println!(
        "{what}, {} keystrokes of {text:?} (filter + full 120x40 draw each): min {:.2} ms, median {median:.2} ms, p95 {p95:.2} ms, max {:.2} ms; {visible} rows match at the end",
        times.len(),
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}

/// A 120x40 app with one target `pod` whose config dump answered `data`,
/// opened on `view`, as the fetch task leaves it.
fn opened(pod: TargetInfo, config: Config, data: Data, view: ViewKind) -> AppState {
    let mesh = MeshInfo {
        istiod: None,
        pods: vec![pod],
    };
    let now = Instant::now();
    let mut state = AppState::new(mesh, "bench", config, Theme::dark(), now);
    state.size = (120, 40);
    let slot = Slot {
        state: Loadable::Ready { data, at: now },
        request: 1,
        in_flight: false,
        version: 1,
        oversize: 0,
    };
    state.slots.insert((Some(0), Endpoint::ConfigDump), slot);
    meshscope::app::nav::open_target(&mut state, 0);
    meshscope::app::nav::show_view(&mut state, view);
    let _ = update::update(&mut state, meshscope::app::Action::Tick(now));
    state
}

fn clusters(rows: usize) -> color_eyre::Result<()> {
    let pod = TargetInfo {
        namespace: "default".into(),
        name: "bench".into(),
        app: "bench".into(),
        ..Default::default()
    };
    let config = Config {
        layout: vec!["clusters".into()],
        ..Config::default()
    };
    let dump = DumpData {
        // Indexed as the fetch task's build_dump does.
        clusters: table(rows).indexed(),
        ..DumpData::default()
    };
    let mut state = opened(pod, config, Data::Dump(Arc::new(dump)), ViewKind::Clusters);
    // BENCH_FRAME_TEXT types another filter.
    let text =
        std::env::var("BENCH_FRAME_TEXT").unwrap_or_else(|_| "ratings 9080 !v2 team-01".into());
    type_filter(&mut state, &text, &format!("{rows} cluster rows"))
}

fn ztunnel(n: usize) -> color_eyre::Result<()> {
    let text = ztunnel_dump(n);
    let t0 = Instant::now();
    let data = meshscope::app::ztunnel::data::process_ztunnel(&text, 1_767_225_600)
        .map_err(|e| color_eyre::eyre::eyre!(e))?;
    let parsed = t0.elapsed();
    println!(
        "ztunnel dump of {n} workloads ({:.1} MB): parsed into its five tables in {:.0} ms",
        text.len() as f64 / 1e6,
        parsed.as_secs_f64() * 1000.0
    );
    let pod = TargetInfo {
        namespace: "istio-system".into(),
        name: "ztunnel-bench".into(),
        app: "ztunnel".into(),
        kind: Some(TargetKind::Ztunnel),
        ..Default::default()
    };
    // A ztunnel opens on its own panes (Workloads first), whatever the layout.
    let data = Data::Ztunnel(Arc::new(data));
    let mut state = opened(pod, Config::default(), data, ViewKind::ZWorkloads);
    let shown = state.panes[0].top().map(|v| (v.kind, v.visible.len()));
    if shown != Some((ViewKind::ZWorkloads, n)) {
        color_eyre::eyre::bail!("the Workloads view did not open on {n} rows: {shown:?}");
    }
    type_filter(
        &mut state,
        "team-017 hbone !cart node-1",
        &format!("{n} ztunnel workloads"),
    )
}

fn main() -> color_eyre::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut counts = Vec::new();
    while let Some(a) = args.next() {
        if a == "--ztunnel" {
            let n = args.next().and_then(|s| s.parse().ok()).unwrap_or(50_000);
            return ztunnel(n);
        }
        match a.parse() {
            Ok(n) => counts.push(n),
            Err(_) => color_eyre::eyre::bail!("usage: bench_frame [ROWS...] [--ztunnel N]"),
        }
    }
    if counts.is_empty() {
        counts.push(100_000);
    }
    for rows in counts {
        clusters(rows)?;
    }
    Ok(())
}
