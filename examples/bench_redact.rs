//! Benchmark: redact a generated config dump (default 5,000 services, about
//! 100 MB) with the streaming scanner, against the old way (parse into a
//! `serde_json::Value`, re-serialise pretty). Run with
//! `cargo run --release --example bench_redact [SERVICES]`.

use std::time::Instant;

use meshscope::model::redact::redact;
use meshscope::sources::demo::generate_dump;

fn main() {
    let services: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000);
    let mut dump = Vec::new();
    if let Err(e) = generate_dump(services, 1, &mut dump) {
        eprintln!("generate: {e}");
        std::process::exit(2);
    }
    println!(
        "config dump: {services} services, {:.1} MB (generation not timed)",
        dump.len() as f64 / 1e6
    );

    let started = Instant::now();
    let out = match redact(&dump) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("redact: {e}");
            std::process::exit(1);
        }
    };
    let t = started.elapsed();
    println!(
        "streaming redaction: {:.0} ms ({:.0} MB/s), {} values changed, {} -> {} bytes",
        t.as_secs_f64() * 1e3,
        dump.len() as f64 / 1e6 / t.as_secs_f64(),
        out.changed,
        dump.len(),
        out.body.len()
    );

    let started = Instant::now();
    let old = serde_json::from_slice::<serde_json::Value>(&dump)
        .ok()
        .and_then(|v| serde_json::to_vec_pretty(&v).ok())
        .map(|b| b.len());
    let t = started.elapsed();
    println!(
        "old way (Value + pretty): {:.0} ms, {} bytes",
        t.as_secs_f64() * 1e3,
        old.map_or("failed".to_string(), |n| n.to_string())
    );
}
