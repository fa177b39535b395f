//! `meshscope pc` against istioctl's own golden outputs for the same dumps.
//! Reads ../shared/fixtures (or $MESHSCOPE_FIXTURES); skips, saying so, when absent.

mod support;

use support::{fixtures, meshscope};

/// (dump, golden, extra args)
const PAIRS: &[(&str, &str, &[&str])] = &[
    (
        "istio-gateway-configdump-routes-empty-gateway.json",
        "istio-gateway-configdump-routes-empty-gateway.istioctl-routes.golden.txt",
        &["routes"],
    ),
    (
        "istio-gateway-configdump-routes-istio-gateway-http-route-prefix.json",
        "istio-gateway-configdump-routes-istio-gateway-http-route-prefix.istioctl-routes.golden.txt",
        &["routes"],
    ),
    (
        "istio-sidecar-clusters-json-2020.json",
        "istio-sidecar-clusters-json-2020.istioctl-endpoints.golden.txt",
        &["endpoints"],
    ),
    (
        "istio-sidecar-clusters-json-2020.json",
        "istio-sidecar-clusters-json-2020.istioctl-endpoints-filtered.golden.txt",
        &["endpoints", "--cluster", "outbound|15014||istio-policy.istio-system.svc.cluster.local"],
    ),
    (
        "istio-sidecar-clusters-json-2020.json",
        "istio-sidecar-clusters-json-2020.istioctl-endpoints-filtered.golden.txt",
        &["endpoints", "--address", "172.17.0.14"],
    ),
    (
        "istio-sidecar-clusters-json-2020.json",
        "istio-sidecar-clusters-json-2020.istioctl-endpoints-filtered.golden.txt",
        &["endpoints", "--port", "15014"],
    ),
    (
        "istio-sidecar-clusters-json-2020.json",
        "istio-sidecar-clusters-json-2020.istioctl-endpoints-filtered.golden.txt",
        &["endpoints", "--status", "unhealthy"],
    ),
    (
        "istio-sidecar-configdump-bootstrap-min.json",
        "istio-sidecar-configdump-bootstrap-min.istioctl-bootstrap-short.golden.txt",
        &["bootstrap"],
    ),
    (
        "istio-sidecar-configdump-ecds.json",
        "istio-sidecar-configdump-ecds.istioctl-ecds.golden.txt",
        &["ecds"],
    ),
    (
        "istio-sidecar-configdump-secrets-warming.json",
        "istio-sidecar-configdump-secrets-warming.istioctl-secret.golden.txt",
        &["secrets"],
    ),
    (
        "istio-sidecar-configdump-httpbin.json",
        "istio-sidecar-configdump-httpbin.istioctl-all.golden.txt",
        &["all"],
    ),
    (
        "istio-sidecar-configdump-httpbin.json",
        "istio-sidecar-configdump-httpbin.istioctl-all-with-headers.golden.txt",
        &["all", "--with-headers"],
    ),
];

fn trim_line_ends(s: &str) -> String {
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[test]
fn pc_tables_match_istioctl_goldens() {
    let Some(dir) = fixtures("pc_tables_match_istioctl_goldens") else {
        return;
    };
    let mut failures = Vec::new();
    let mut exact = 0;
    for (dump, golden, args) in PAIRS {
        let dump_path = dir.join(dump);
        let want = std::fs::read_to_string(dir.join(golden)).expect("read golden");
        let mut argv = vec!["pc"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["--file", dump_path.to_str().expect("utf-8 path")]);
        let out = meshscope(&argv);
        let got = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            failures.push(format!(
                "{golden} {args:?}: exit {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        } else if got == want {
            exact += 1;
        } else if trim_line_ends(&got) != trim_line_ends(&want) {
            failures.push(format!(
                "{golden} {args:?}:\n--- want\n{want}\n--- got\n{got}"
            ));
        }
    }
    eprintln!(
        "{exact}/{} golden pairs byte-for-byte identical",
        PAIRS.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
