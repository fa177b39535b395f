//! `meshscope diff` held against a real Envoy: two dumps of the same harness
//! sidecar taken before and after a route push differ in exactly the pushed
//! virtual host (versions and update times ignored), and the live admin URL
//! diffs against the saved dump like the file does.

mod support;

use serde_json::{json, Value};
use support::envoy::{envoys, runtime, Sidecar};
use support::envoy_config::route_8000;
use support::{meshscope, temp_dir};

#[test]
fn diff_of_two_real_dumps_shows_the_pushed_virtual_host() {
    let bins = envoys("diff_of_two_real_dumps_shows_the_pushed_virtual_host");
    for bin in bins {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "diff").await;
            let dir = temp_dir(&format!("envoy-diff-{}", bin.version));
            let before = dir.join("before.json");
            let again = dir.join("again.json");
            let after = dir.join("after.json");
            std::fs::write(&before, sc.admin_get("/config_dump?include_eds").await).expect("write");
            std::fs::write(&again, sc.admin_get("/config_dump?include_eds").await).expect("write");
            let extra = json!({
                "name": "canary.default.svc.cluster.local:8000",
                "domains": ["canary.default.svc.cluster.local"],
                "routes": [{"name": "default", "match": {"prefix": "/"}, "route": {"cluster": "PassthroughCluster", "timeout": "3s"}}]
            });
            sc.push("rds_8000.json", &route_8000("2026-12-01T00:00:00Z/2", &[extra]), "2026-12-01T00:00:00Z/2").await;
            std::fs::write(&after, sc.admin_get("/config_dump?include_eds").await).expect("write");
            let (b, a, g) = (before.to_str().unwrap(), after.to_str().unwrap(), again.to_str().unwrap());

            let same = meshscope(&["diff", b, g]);
            assert_eq!(same.status.code(), Some(0), "{}: {}", bin.version, String::from_utf8_lossy(&same.stdout));

            let out = meshscope(&["diff", b, a, "-o", "json"]);
            assert_eq!(out.status.code(), Some(1), "{}: {}", bin.version, String::from_utf8_lossy(&out.stderr));
            let v: Value = serde_json::from_slice(&out.stdout).expect("json");
            let res = v["resources"].as_array().expect("resources");
            let names: Vec<(String, String)> = res.iter().map(|r| (r["kind"].as_str().unwrap_or("").to_string(), r["name"].as_str().unwrap_or("").to_string())).collect();
            assert_eq!(names, [("virtual_host".to_string(), "8000/canary.default.svc.cluster.local:8000".to_string())], "{}: {v:#}", bin.version);
            assert_eq!(res[0]["change"], "added");
            // The route configuration itself is unchanged once its hosts are set apart.
            assert_eq!(v["summary"]["route"]["changed"], 0, "{v:#}");
            assert_eq!(v["summary"]["virtual_host"]["added"], 1, "{v:#}");

            // With --all-fields the route's version_info and last_updated show too.
            let all = meshscope(&["diff", b, a, "--all-fields", "-o", "json"]);
            let v: Value = serde_json::from_slice(&all.stdout).expect("json");
            let route = v["resources"].as_array().unwrap().iter().find(|r| r["kind"] == "route").cloned().unwrap_or_default();
            let paths: Vec<&str> = route["fields"].as_array().map(|f| f.iter().filter_map(|x| x["path"].as_str()).collect()).unwrap_or_default();
            assert!(paths.contains(&"(version_info)"), "{}: {route:#}", bin.version);

            // The live admin URL against the dump taken before the push: the same difference.
            let live = meshscope(&["diff", b, &sc.admin, "-o", "json"]);
            assert_eq!(live.status.code(), Some(1), "{}", String::from_utf8_lossy(&live.stderr));
            let v: Value = serde_json::from_slice(&live.stdout).expect("json");
            assert_eq!(v["resources"].as_array().map(Vec::len), Some(1), "{v:#}");
        });
    }
}
