//! `meshscope diff` from the command line: exit codes (0 same, 1 different,
//! 2 errors), the table and JSON reports, sides taken from a bug-report
//! folder (`PATH#ns/pod`) and from the shared fixtures.

mod support;

use serde_json::Value;
use support::{fixtures, meshscope, temp_dir};

const T: &str = "type.googleapis.com/envoy.admin.v3.";

fn dump(timeout: &str, version: &str) -> String {
    format!(
        r#"{{"configs":[{{"@type":"{T}ClustersConfigDump","dynamic_active_clusters":[{{"version_info":"{version}","cluster":{{"name":"outbound|80||a","connect_timeout":"{timeout}"}},"last_updated":"2026-01-0{version}T00:00:00Z"}}]}}]}}"#
    )
}

#[test]
fn exit_codes_follow_diff() {
    let d = temp_dir("cli-diff-codes");
    let (a, b, c) = (d.join("a.json"), d.join("b.json"), d.join("c.json"));
    std::fs::write(&a, dump("1s", "1")).unwrap();
    std::fs::write(&b, dump("1s", "2")).unwrap();
    std::fs::write(&c, dump("9s", "2")).unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();

    let same = meshscope(&["diff", &s(&a), &s(&b)]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "volatile-only difference is no difference"
    );
    assert!(String::from_utf8_lossy(&same.stdout).contains("no differences"));

    let vol = meshscope(&["diff", &s(&a), &s(&b), "--all-fields"]);
    assert_eq!(vol.status.code(), Some(1));

    let out = meshscope(&["diff", &s(&a), &s(&c)]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("~ cluster outbound|80||a"), "{text}");
    assert!(text.contains("connect_timeout: \"1s\" → \"9s\""), "{text}");

    let js = meshscope(&["diff", &s(&a), &s(&c), "-o", "json"]);
    let v: Value = serde_json::from_slice(&js.stdout).expect("json");
    assert_eq!(v["differ"], true);
    assert_eq!(v["resources"][0]["fields"][0]["path"], "connect_timeout");
    assert_eq!(v["summary"]["cluster"]["changed"], 1);

    let missing = meshscope(&["diff", &s(&a), &s(&d.join("nope.json"))]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::write(d.join("bad.json"), "{\"configs\": [").unwrap();
    let bad = meshscope(&["diff", &s(&a), &s(&d.join("bad.json"))]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn sides_from_a_bug_report_folder_and_fixtures() {
    let d = temp_dir("cli-diff-br");
    for (pod, timeout) in [("r-1", "1s"), ("r-2", "2s")] {
        let p = d.join(format!("bug-report/proxies/default/{pod}"));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("config_dump?include_eds"), dump(timeout, "1")).unwrap();
    }
    let root = d.display().to_string();
    let out = meshscope(&[
        "diff",
        &format!("{root}#default/r-1"),
        &format!("{root}#default/r-2"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("#default/r-1") && text.contains("connect_timeout"),
        "{text}"
    );
    // Without naming the sidecar, a two-proxy capture is an error that lists them.
    let amb = meshscope(&["diff", &root, &format!("{root}#default/r-2")]);
    assert_eq!(amb.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&amb.stderr).contains("default/r-1"));

    let Some(fx) = fixtures("sides_from_a_bug_report_folder_and_fixtures") else {
        return;
    };
    let a = fx.join("istio-sidecar-configdump-2020.json");
    let b = fx.join("istio-sidecar-configdump-httpbin.json");
    let out = meshscope(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    for kind in ["bootstrap", "listener", "cluster", "route"] {
        assert!(v["summary"][kind].is_object(), "{kind}: {}", v["summary"]);
    }
    let same = meshscope(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn open_list_names_what_it_found() {
    let Some(fx) = fixtures("open_list_names_what_it_found") else {
        return;
    };
    let a = fx.join("istio-sidecar-configdump-2020.json");
    let out = meshscope(&["open", a.to_str().unwrap(), "--list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("found config_dump") && text.contains("missing:"),
        "{text}"
    );
    let d = temp_dir("cli-open-unknown");
    std::fs::write(d.join("x"), "hello").unwrap();
    let bad = meshscope(&["open", d.join("x").to_str().unwrap(), "--list"]);
    assert_eq!(bad.status.code(), Some(2));
}
