//! Fuzz target: the Prometheus text parser, highlights read from Prometheus
//! series, and the `stats` / `stats --highlights` renders of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::stats::{highlight_stats_from_prometheus, PromParser};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let mut parser = PromParser::new(text);
    for s in parser.by_ref() {
        let _ = s.as_u64();
        let _ = s.labels.raw();
        let _ = s.labels.iter().count();
    }
    let _ = parser.errors().len();
    let _ = highlight_stats_from_prometheus(text);
    meshscope_fuzz::stats_commands(data, text);
});
