//! Fuzz target: the cardinality analysis of Prometheus text (one and two
//! threads) or Envoy stats, the TUI's cardinality pane data, and
//! `stats --cardinality` rendered as a table and as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::commands::stats::cardinality_render;

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let threads = 1 + data.len() % 2;
    let threshold = 1 + data.first().map_or(0, |b| usize::from(*b % 4));
    meshscope_fuzz::both(data, |o| {
        cardinality_render(o, "fuzz", text, threshold, threads, None)
    });
    let _ = meshscope::app::cardinality::data::process_cardinality(text);
});
