//! Benchmark of the doctor: `check` on a generated ~150 MB config dump
//! (target under 1.5 s) and a fleet scan of 500 probes of the demo mesh's
//! simulated sidecars at concurrency 8 (target under 30 s). Run with
//! `cargo run --release --example bench_check [SERVICES] [PROBES] [CONCURRENCY]`.

use std::sync::Arc;
use std::time::Instant;

use meshscope::launch::mesh_from_manifest;
use meshscope::model::findings::bodies::{evaluate, Bodies, JudgeAt};
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{self, generate_dump, ServeOptions};
use meshscope::sources::fleet::{scan, CheckFetcher, FleetOptions};
use meshscope::sources::target::AdminFetcher;

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

    let running = demo::serve(ServeOptions::default()).await?;
    let mesh = mesh_from_manifest(&running.manifest());
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default())?;
    let targets: Vec<_> = mesh.pods.iter().cycle().take(probes).cloned().collect();
    let (_cancel, rx) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let fleet = scan(
        CheckFetcher::new(Arc::new(fetcher)),
        targets,
        FleetOptions {
            concurrency,
            ..FleetOptions::default()
        },
        None,
        rx,
    )
    .await;
    let took = started.elapsed();
    let failed = fleet
        .pods
        .iter()
        .filter(|p| {
            matches!(
                p.outcome,
                meshscope::model::findings::fleet::Outcome::Failed { .. }
            )
        })
        .count();
    println!(
        "fleet scan: {probes} probes of {} simulated sidecars at concurrency {concurrency}: {:.1} s, {failed} failed, {} rule groups (target < 30 s)",
        mesh.pods.len(),
        took.as_secs_f64(),
        fleet.groups.len()
    );
    running.shutdown().await;
    Ok(())
}
