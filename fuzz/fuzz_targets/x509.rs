//! Fuzz target: certificate summaries from DER bytes and from PEM text, and
//! the validity and date arithmetic applied to them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::x509::{first_pem_certificate, parse_der, rfc3339, CertSummary};

fn use_summary(c: &CertSummary) {
    let _ = c.valid_at(meshscope_fuzz::NOW);
    let _ = rfc3339(c.not_before);
    let _ = rfc3339(c.not_after);
}

fuzz_target!(|data: &[u8]| {
    if let Some(c) = parse_der(data) {
        use_summary(&c);
    }
    if let Some(text) = meshscope_fuzz::text(data) {
        if let Some(c) = first_pem_certificate(text) {
            use_summary(&c);
        }
    }
});
