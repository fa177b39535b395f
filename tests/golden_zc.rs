//! `meshscope zc` against istioctl's own goldens for the same ztunnel dump,
//! plus filters and the real 1.23 and waypoint dumps. Reads ../shared/fixtures
//! (or $MESHSCOPE_FIXTURES); skips, saying so, when absent.

mod support;

use support::{fixtures, meshscope, stdout_ok};

const DUMP: &str = "ambient/istio-ztunnel-configdump-bookinfo.json";

fn golden(name: &str) -> Option<(String, String)> {
    let dir = fixtures("golden_zc")?;
    let dump = dir.join(DUMP).display().to_string();
    let want = std::fs::read_to_string(dir.join("ambient").join(name)).expect("golden");
    Some((dump, want))
}

fn zc(args: &[&str]) -> String {
    stdout_ok(&meshscope(&[&["zc"], args].concat()))
}

#[test]
fn workload_policy_connections_tables_match_istioctl() {
    for (golden_name, kind) in [
        (
            "istio-ztunnel-configdump-bookinfo.istioctl-zc-workloads.golden.txt",
            "workload",
        ),
        (
            "istio-ztunnel-configdump-bookinfo.istioctl-zc-policies.golden.txt",
            "policy",
        ),
        (
            "istio-ztunnel-configdump-bookinfo.istioctl-zc-connections.golden.txt",
            "connections",
        ),
    ] {
        let Some((dump, want)) = golden(golden_name) else {
            return;
        };
        assert_eq!(zc(&[kind, "--file", &dump]), want, "{golden_name}");
    }
}

#[test]
fn aliases_reach_the_same_tables() {
    let Some((dump, want)) =
        golden("istio-ztunnel-configdump-bookinfo.istioctl-zc-workloads.golden.txt")
    else {
        return;
    };
    assert_eq!(zc(&["w", "-f", &dump]), want);
    assert_eq!(
        stdout_ok(&meshscope(&["ztunnel-config", "workloads", "-f", &dump])),
        want
    );
}

#[test]
fn connections_json_matches_istioctl() {
    let Some((dump, want)) =
        golden("istio-ztunnel-configdump-bookinfo.istioctl-zc-connections-json.golden.json")
    else {
        return;
    };
    assert_eq!(zc(&["connections", "--file", &dump, "-o", "json"]), want);
}

/// The VALID CERT column depends on today's date: compare with it masked.
fn mask_valid_cert(table: &str) -> String {
    let Some(header) = table.lines().next() else {
        return String::new();
    };
    let start = header.find("VALID CERT").expect("VALID CERT column");
    let end = header.find("SERIAL NUMBER").expect("SERIAL NUMBER column");
    table
        .lines()
        .map(|l| {
            let mut chars: Vec<char> = l.chars().collect();
            for c in chars.iter_mut().take(end).skip(start) {
                *c = '#';
            }
            chars.into_iter().collect::<String>() + "\n"
        })
        .collect()
}

#[test]
fn certificate_table_matches_istioctl_with_valid_cert_masked() {
    let Some((dump, want)) =
        golden("istio-ztunnel-configdump-bookinfo.istioctl-zc-certificates.golden.txt")
    else {
        return;
    };
    let got = zc(&["certificate", "--file", &dump]);
    assert_eq!(mask_valid_cert(&got), mask_valid_cert(&want));
    // The root's NOT AFTER precedes its NOT BEFORE: never valid, on any date.
    let root = got.lines().nth(2).expect("root row");
    assert!(
        root.contains(" Root ") && root.contains(" false "),
        "{root}"
    );
}

#[test]
fn all_matches_istioctl_with_valid_cert_masked() {
    let Some((dump, want)) = golden("istio-ztunnel-configdump-bookinfo.istioctl-zc-all.golden.txt")
    else {
        return;
    };
    let got = zc(&["all", "--file", &dump]);
    let sections = |t: &str| -> Vec<String> { t.split("\n\n").map(str::to_string).collect() };
    let (g, w) = (sections(&got), sections(&want));
    assert_eq!(g.len(), w.len());
    for (i, (g, w)) in g.iter().zip(&w).enumerate() {
        if g.starts_with("CERTIFICATE NAME") {
            assert_eq!(mask_valid_cert(g), mask_valid_cert(w));
        } else {
            assert_eq!(g, w, "section {i}");
        }
    }
    let headed = zc(&["all", "--file", &dump, "--with-headers"]);
    for title in ["WORKLOAD", "SERVICE", "POLICY", "SECRET", "CONNECTIONS"] {
        assert!(headed.contains(&format!("\n------ {title} INFO ------\n\n")));
    }
}

#[test]
fn workload_filters_narrow_like_istioctl() {
    let Some((dump, want)) = golden(
        "istio-ztunnel-configdump-bookinfo.istioctl-zc-workloads-pod-productpage.golden.txt",
    ) else {
        return;
    };
    // istioctl reaches this golden by pod; the address filter gives the same one row.
    assert_eq!(
        zc(&["workload", "-f", &dump, "--address", "10.244.2.53"]),
        want
    );
    let ns = zc(&[
        "workload",
        "-f",
        &dump,
        "--workload-namespace",
        "KUBE-SYSTEM",
    ]);
    assert_eq!(ns.lines().count(), 3, "{ns}");
    let node = zc(&[
        "workload",
        "-f",
        &dump,
        "--workload-node",
        "ambient-control-plane",
    ]);
    assert_eq!(node.lines().count(), 5, "{node}");
    assert!(node
        .lines()
        .skip(1)
        .all(|l| l.contains("ambient-control-plane")));
    let svc = zc(&["service", "-f", &dump, "--service-namespace", "bookinfo"]);
    assert_eq!(svc.lines().count(), 7, "{svc}");
    let pol = zc(&["policy", "-f", &dump, "--policy-namespace", "nope"]);
    assert_eq!(pol, "NAMESPACE POLICY NAME ACTION SCOPE\n");
    let inbound = zc(&["connections", "-f", &dump, "--direction", "inbound"]);
    assert_eq!(inbound.lines().count(), 6, "{inbound}");
    assert!(!inbound.contains("Outbound"));
}

#[test]
fn all_json_is_the_dump_as_received() {
    let Some(dir) = fixtures("all_json_is_the_dump_as_received") else {
        return;
    };
    let path = dir.join(DUMP);
    let raw = std::fs::read_to_string(&path).expect("dump");
    let got = zc(&["all", "-f", &path.display().to_string(), "-o", "json"]);
    assert_eq!(got, format!("{raw}\n"));
}

#[test]
fn the_real_1_23_dump_opens_in_every_view() {
    let Some(dir) = fixtures("the_real_1_23_dump_opens_in_every_view") else {
        return;
    };
    let dump = dir
        .join("ambient/istio-ztunnel-1.23-configdump-integration.json")
        .display()
        .to_string();
    let w = zc(&["workload", "-f", &dump]);
    assert_eq!(w.lines().count(), 98, "97 workloads and a header");
    let with_waypoint = w.lines().filter(|l| l.contains(" waypoint ")).count();
    assert!(with_waypoint >= 12, "{with_waypoint} rows name a waypoint");
    let s = zc(&["service", "-f", &dump]);
    assert_eq!(s.lines().count(), 57);
    let c = zc(&["certificate", "-f", &dump]);
    assert!(c.lines().count() > 24);
    for kind in ["policy", "connections", "all"] {
        zc(&[kind, "-f", &dump]);
    }
    let json: serde_json::Value =
        serde_json::from_str(&zc(&["service", "-f", &dump, "-o", "json"])).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(56));
}

#[test]
fn waypoint_dumps_are_envoy_and_open_with_pc() {
    let Some(dir) = fixtures("waypoint_dumps_are_envoy_and_open_with_pc") else {
        return;
    };
    for name in [
        "ambient/istio-waypoint-configdump-ratings-trimmed.json",
        "istio-sidecar-configdump-httpbin.json",
    ] {
        let dump = dir.join(name).display().to_string();
        for kind in ["clusters", "listeners", "routes", "all"] {
            let out = stdout_ok(&meshscope(&["pc", kind, "-f", &dump]));
            assert!(!out.is_empty(), "{name} {kind}");
        }
        let out = meshscope(&["zc", "workload", "-f", &dump]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("meshscope pc"), "{err}");
    }
    let wp = dir
        .join("ambient/istio-waypoint-configdump-ratings-trimmed.json")
        .display()
        .to_string();
    // The waypoint's HBONE listeners: connect_terminate on 15008, connect_originate inside.
    let listeners = stdout_ok(&meshscope(&["pc", "all", "-f", &wp]));
    for name in [
        "listener/connect_terminate",
        "listener/connect_originate",
        "listener/main_internal",
    ] {
        assert!(listeners.contains(name), "{name}: {listeners}");
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = support::temp_dir("zc-bad");
    let f = dir.join("bad.json");
    std::fs::write(&f, "{\"workloads\": 3}").expect("write");
    let out = meshscope(&["zc", "workload", "-f", &f.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a ztunnel config dump"));
    let out = meshscope(&["zc", "workload"]);
    assert_eq!(out.status.code(), Some(2));
}
