//! Benchmark of the doctor: `check` on a generated ~150 MB config dump
//! (target under 1.5 s) and the TUI's fleet scan of 500 simulated sidecars
//! (`demo --serve --pods 500`, each on its own ports) at concurrency 8
//! (target under 30 s) with the frames drawn meanwhile (target under 16 ms).
//! Run with `cargo run --release --example bench_check [SERVICES] [PODS] [CONCURRENCY]`.

use std::sync::Arc;
use std::time::Instant;

use std::time::Duration;

use meshscope::app::headless::Headless;
use meshscope::app::{Action, AppState};
use meshscope::config::Config;
use meshscope::launch::mesh_from_manifest;
use meshscope::model::findings::bodies::{evaluate, Bodies, JudgeAt};
use meshscope::model::findings::fleet::Outcome;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{self, generate_dump, ServeOptions};
use meshscope::sources::fleet::{scan, CheckFetcher, FleetOptions};
use meshscope::sources::target::AdminFetcher;
use meshscope::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let services: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3_650);
    let probes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);

    let mut raw = Vec::new();
    generate_dump(services, 1, &mut raw)?;
    let text = String::from_utf8(raw)?;
    let mb = text.len() as f64 / 1e6;
    let bodies = Bodies {
        dump: Some(text),
        ..Bodies::default()
    };
    let started = Instant::now();
    let report = evaluate(&bodies, JudgeAt::Captured(0))?;
    let took = started.elapsed();
    println!(
        "check on a {mb:.0} MB dump ({services} services): {:.0} ms, {} findings (target < 1500 ms)",
        took.as_secs_f64() * 1e3,
        report.findings.len()
    );

    fleet(probes, concurrency).await
}

/// The fleet doctor in the TUI (headless, the same `update`, runner and
/// drawing): `demo --serve --pods N` sidecars, `F`, then every action
/// applied and a 160x45 frame drawn at most every 33 ms until the report
/// arrives. Prints the scan time and the slowest update and frame.
async fn fleet(probes: usize, concurrency: usize) -> Result<(), Box<dyn std::error::Error>> {
    let running = demo::serve(ServeOptions {
        sidecars: probes,
        ..ServeOptions::default()
    })
    .await?;
    let mesh = mesh_from_manifest(&running.manifest());
    let fetcher = Arc::new(AdminFetcher::new(&mesh, &ClientOptions::default())?);
    let pods = mesh.pods.len();
    // The engine alone (as `check -A` runs it), for comparison.
    let (_cancel, rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let engine = scan(
        CheckFetcher::new(fetcher.clone()),
        mesh.pods.clone(),
        FleetOptions {
            concurrency,
            ..FleetOptions::default()
        },
        None,
        rx,
    )
    .await;
    println!(
        "fleet engine alone: {pods} sidecars at concurrency {concurrency}: {:.1} s, {} rule groups",
        started.elapsed().as_secs_f64(),
        engine.groups.len()
    );
    let config = Config {
        fleet_concurrency: concurrency,
        ..Config::default()
    };
    let state = AppState::new(mesh, "bench", config, Theme::dark(), Instant::now());
    let mut h = Headless::new(state, fetcher, None);
    let mut term = Terminal::new(TestBackend::new(160, 45))?;
    let started = Instant::now();
    h.act(Action::ShowFindings);
    let (mut updates, mut frames) = (Vec::new(), Vec::new());
    let mut slowest: Option<(Duration, String)> = None;
    let mut last_draw = Instant::now();
    while h.state.fleet.report.is_none() && started.elapsed() < Duration::from_secs(300) {
        if let Some(a) = h.next_action(Duration::from_millis(33)).await {
            let what = label(&a);
            let t = Instant::now();
            h.act(a);
            let took = t.elapsed();
            if slowest.as_ref().is_none_or(|(d, _)| took > *d) {
                slowest = Some((took, what));
            }
            updates.push(took);
        }
        if last_draw.elapsed() >= Duration::from_millis(33) {
            let t = Instant::now();
            h.act(Action::Tick(Instant::now()));
            term.draw(|f| meshscope::ui::draw(f, &h.state))?;
            frames.push(t.elapsed());
            last_draw = Instant::now();
        }
    }
    let took = started.elapsed();
    let Some((report, _)) = h.state.fleet.report.clone() else {
        return Err("the fleet scan did not finish in 300 s".into());
    };
    let failed = report
        .pods
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Failed { .. }))
        .count();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e3);
    updates.sort();
    frames.sort();
    let p99 = |v: &[Duration]| v.get(v.len().saturating_mul(99) / 100).copied();
    println!(
        "fleet scan in the TUI: {pods} simulated sidecars at concurrency {concurrency}: {:.1} s, {failed} failed, {} rule groups (target < 30 s)",
        took.as_secs_f64(),
        report.groups.len()
    );
    println!(
        "  during it: {} frames at 160x45, p99 {:.2} ms, max {:.2} ms; {} updates, p99 {:.2} ms, max {:.2} ms (target < 16 ms)",
        frames.len(),
        ms(p99(&frames).as_ref()),
        ms(frames.last()),
        updates.len(),
        ms(p99(&updates).as_ref()),
        ms(updates.last())
    );
    if let Some((d, what)) = &slowest {
        println!("  slowest update: {what} ({:.2} ms)", d.as_secs_f64() * 1e3);
    }
    for g in report.groups.iter().take(5) {
        println!("  {}", g.summary().chars().take(150).collect::<String>());
    }
    running.shutdown().await;
    Ok(())
}

/// What an action is, for the slowest-update line (never its payload).
fn label(a: &Action) -> String {
    match a {
        Action::Fetched { key, .. } => format!("Fetched {}", key.1.name()),
        Action::FleetProgress { .. } => "FleetProgress".into(),
        Action::FleetScanned { .. } => "FleetScanned".into(),
        Action::Diagnosed { .. } => "Diagnosed".into(),
        Action::Tick(_) => "Tick".into(),
        _ => "other".into(),
    }
}
