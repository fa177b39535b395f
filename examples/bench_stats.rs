//! Benchmark: parse and analyse a generated 1M-line `/stats/prometheus` body
//! with one exploding label. Run with
//! `cargo run --release --example bench_stats [LINES] [DISTINCT_PATHS]`.

use std::time::Instant;

use meshscope::model::cardinality::{analyze_prometheus, DEFAULT_THRESHOLD};
use meshscope::model::stats::synthetic::synthetic_prometheus;
use meshscope::model::stats::PromParser;

fn main() {
    let mut args = std::env::args().skip(1);
    let lines: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let paths: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);

    let started = Instant::now();
    let text = synthetic_prometheus(lines, paths);
    let generated = started.elapsed();
    let line_count = text.lines().count();
    println!(
        "generated {line_count} lines, {:.1} MB in {:.0} ms (not timed below)",
        text.len() as f64 / 1e6,
        generated.as_secs_f64() * 1e3
    );

    let started = Instant::now();
    let mut parser = PromParser::new(&text);
    let samples = parser.by_ref().count();
    let parse_only = started.elapsed();
    println!(
        "parse only: {samples} samples, {} errors in {:.0} ms",
        parser.errors().len(),
        parse_only.as_secs_f64() * 1e3
    );

    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = analyze_prometheus(&text, DEFAULT_THRESHOLD, threads);
    let total = started.elapsed();
    println!(
        "parse + cardinality analysis ({threads} threads): {line_count} lines in {:.0} ms ({:.1} M lines/s)",
        total.as_secs_f64() * 1e3,
        line_count as f64 / total.as_secs_f64() / 1e6
    );
    if let Some(top) = report.labels.first() {
        println!(
            "top offender: {} / {} with {} distinct values ({:.1}% of series, ~{} bytes)",
            top.family,
            top.label,
            top.distinct_values,
            top.share * 100.0,
            top.estimated_bytes
        );
    }
}
