//! Fuzz target: Envoy `/clusters?format=json`, its host accessors, breaker
//! thresholds, and `pc endpoints` rendered from it (table and JSON).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::app::stats::data::breaker_thresholds;
use meshscope::model::clusters::ClusterStatuses;
use meshscope::model::istioctl::endpoints::{runtime_endpoints, runtime_table, EndpointFilter};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let _ = ClusterStatuses::looks_like(text);
    let Ok(cs) = ClusterStatuses::parse(text) else {
        return;
    };
    let split = meshscope_fuzz::split_of(data);
    for c in &cs.cluster_statuses {
        let _ = c.default_thresholds();
        for h in &c.host_statuses {
            let _ = h.endpoint();
            let _ = h.health();
            let _ = h.stat("cx_active");
            meshscope_fuzz::check_json(&h.to_json(), split);
            let _ = h.health_status.effective();
            for f in h.health_status.flags() {
                let _ = (f.name(), f.short(), f.meaning());
            }
        }
    }
    let _ = breaker_thresholds(&cs);
    let rows = runtime_endpoints(&cs, &EndpointFilter::default());
    meshscope_fuzz::terminal_safe(&runtime_table(&rows), split);
    if let Ok(json) = serde_json::to_string_pretty(&rows) {
        meshscope_fuzz::check_json(&json, split);
    }
});
