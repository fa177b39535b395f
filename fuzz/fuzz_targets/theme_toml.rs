//! Fuzz target: theme TOML files (colour roles, colour syntax) and the colour parser alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::theme::{parse_color, Theme};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    if let Ok((_theme, warnings)) = Theme::from_toml(text) {
        for w in &warnings {
            meshscope_fuzz::terminal_safe(w, meshscope_fuzz::split_of(data));
        }
    }
    let _ = parse_color(text);
});
