//! Fuzz target: Envoy `/stats` text, its stat-name tags, the TUI's stats
//! pane data, and `stats` / `stats --highlights` rendered from it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::stats::{parse_envoy_text, StatName};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let parsed = parse_envoy_text(text);
    for s in &parsed.stats {
        let name = StatName::parse(&s.name);
        let _ = (
            name.scope.root(),
            name.leaf(),
            name.worker(),
            name.response_code(),
            name.response_code_class(),
            name.rds_route_config(),
            name.circuit_breaker_priority(),
        );
        let _ = name.tags().count();
    }
    meshscope_fuzz::stats_commands(data, text);
});
