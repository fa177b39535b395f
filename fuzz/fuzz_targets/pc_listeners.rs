//! Fuzz target: `meshscope pc listeners` rendered from a config dump, table and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::cli::PcKind;

fuzz_target!(|data: &[u8]| meshscope_fuzz::pc(data, PcKind::Listeners));
