//! Fuzz target: istiod `/debug/syncz` and `meshscope ps` rendered as a table and as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::commands::istiod::ps_render;
use meshscope::model::istiod::parse_syncz;

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    if let Ok(rows) = parse_syncz(text, "istiod") {
        for r in &rows {
            let _ = r.has_problem();
        }
    }
    meshscope_fuzz::both(data, |o| ps_render(o, "istiod", text));
});
