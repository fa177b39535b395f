//! Benchmark: the hashers considered for cardinality counting (`rustc-hash` 2
//! and `foldhash`) on the job that matters, inserting 1M unique label values
//! (Istio `request_path`s) into a `HashSet<&str>`, plus 1M repeats of 50
//! values. Run with `cargo run --release --example bench_hashers [N]`.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::time::Instant;

fn best_of<S: BuildHasher + Default>(values: &[&str], rounds: usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut len = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let mut set: HashSet<&str, S> = HashSet::default();
        for v in values {
            set.insert(v);
        }
        best = best.min(started.elapsed().as_secs_f64());
        len = set.len();
    }
    (best, len)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let unique: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "/api/v1/users/{}/orders/{:x}",
                1_000_000 + i,
                i * 7919 % 1_000_003
            )
        })
        .collect();
    let unique: Vec<&str> = unique.iter().map(String::as_str).collect();
    let few: Vec<&str> = (0..n).map(|i| unique[i % 50]).collect();
    println!("{n} values, best of 5 rounds, time to insert all into a HashSet<&str>");
    for (label, values) in [("unique", &unique), ("50 repeated", &few)] {
        let (fx, a) = best_of::<rustc_hash::FxBuildHasher>(values, 5);
        let (fold, b) = best_of::<foldhash::fast::RandomState>(values, 5);
        let (fold_q, c) = best_of::<foldhash::quality::RandomState>(values, 5);
        let (sip, d) = best_of::<std::collections::hash_map::RandomState>(values, 5);
        assert!(a == b && b == c && c == d, "the sets must agree");
        println!(
            "{label:12} rustc-hash 2 {:6.1} ms | foldhash fast {:6.1} ms | foldhash quality {:6.1} ms | std SipHash {:6.1} ms ({a} distinct)",
            fx * 1e3,
            fold * 1e3,
            fold_q * 1e3,
            sip * 1e3
        );
    }
}
