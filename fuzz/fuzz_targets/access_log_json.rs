//! Fuzz target: Istio JSON access logs, line by line: the parser, the
//! filters, and `meshscope logs` lines as text and JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    meshscope_fuzz::access_log(data, text);
});
