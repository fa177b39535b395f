//! Push and send-error rates from two `/metrics` scrapes; the caller
//! supplies the elapsed time, so this stays free of clocks.

use serde::Serialize;

use super::metrics::{IstiodReport, TypedCount};

/// Per-second rate of one xDS type's counter between two scrapes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedRate {
    /// xDS type.
    pub kind: String,
    /// Increase per second (a counter reset counts from zero).
    pub per_second: f64,
}

/// Push and send-error rates between an earlier and a later scrape taken
/// `elapsed_seconds` apart. Empty when `elapsed_seconds` is not positive.
pub fn push_rates(
    earlier: &IstiodReport,
    later: &IstiodReport,
    elapsed_seconds: f64,
) -> (Vec<TypedRate>, Vec<TypedRate>) {
    (
        rates(&earlier.pushes, &later.pushes, elapsed_seconds),
        rates(&earlier.send_errors, &later.send_errors, elapsed_seconds),
    )
}

fn rates(earlier: &[TypedCount], later: &[TypedCount], elapsed: f64) -> Vec<TypedRate> {
    if elapsed.is_nan() || elapsed <= 0.0 {
        return Vec::new();
    }
    later
        .iter()
        .map(|now| {
            let before = earlier
                .iter()
                .find(|b| b.kind == now.kind)
                .map_or(0.0, |b| b.count);
            let increase = if now.count >= before {
                now.count - before
            } else {
                now.count
            };
            TypedRate {
                kind: now.kind.clone(),
                per_second: increase / elapsed,
            }
        })
        .collect()
}
