//! Fuzz target: istiod `/metrics`, the rejections read from it, and
//! `meshscope istiod` rendered as a table and as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::commands::istiod::istiod_render;
use meshscope::model::istiod::{parse_metrics, rejections};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let report = parse_metrics(text);
    let _ = rejections(
        Some(&report),
        &[("cluster_manager.cds.update_rejected", 1.0)],
    );
    meshscope_fuzz::both(data, |o| istiod_render(o, text));
});
