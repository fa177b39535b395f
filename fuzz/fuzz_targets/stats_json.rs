//! Fuzz target: Envoy `/stats?format=json` (histograms included) and the
//! `stats` / `stats --highlights` renders of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::stats::parse_envoy_json;

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    if let Ok(stats) = parse_envoy_json(text) {
        for s in &stats {
            let _ = s.value.as_u64();
            let _ = meshscope::app::stats::data::summary(&s.value);
        }
    }
    meshscope_fuzz::stats_commands(data, text);
});
