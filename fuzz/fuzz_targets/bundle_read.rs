//! Fuzz target: reading a snapshot bundle: the JSON and format check, every
//! capture served back through the offline fetcher, and a write/read round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::sources::bundle::{Bundle, BundleFetcher};
use meshscope::sources::target::{Endpoint, Fetcher};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let Ok(bundle) = Bundle::from_json(text, "fuzz.json") else {
        return;
    };
    // What `snapshot` writes must read back as the same bundle.
    let written = match serde_json::to_string(&bundle) {
        Ok(w) => w,
        Err(e) => panic!("a bundle that was read cannot be written: {e}"),
    };
    match Bundle::from_json(&written, "rewritten") {
        Ok(again) => assert_eq!(again, bundle, "bundle changed on a write/read round trip"),
        Err(e) => panic!("a written bundle does not read back: {e}"),
    }
    for pod in &bundle.pods {
        let _ = pod.target.key();
        for c in pod.endpoints.values() {
            let _ = (c.refused(), c.stored_bytes());
        }
    }
    let mesh = bundle.mesh();
    let fetcher = BundleFetcher::new(bundle);
    let every = Endpoint::SIDECAR.iter().chain(Endpoint::ISTIOD);
    for ep in every.copied().chain([Endpoint::IstiodConfigDump]) {
        let _ = futures::executor::block_on(fetcher.fetch(None, ep));
        for pod in &mesh.pods {
            let _ = futures::executor::block_on(fetcher.fetch(Some(pod), ep));
        }
    }
});
