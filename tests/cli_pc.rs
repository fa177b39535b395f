//! `meshscope pc` end to end on inputs the project generates itself.

mod support;

use support::{meshscope, temp_dir};

fn generated_dump(name: &str, services: usize) -> (std::path::PathBuf, String) {
    let dir = temp_dir(name);
    let path = dir.join("dump.json");
    let out = meshscope(&[
        "demo",
        "generate-dump",
        "--services",
        &services.to_string(),
        "-o",
        path.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("read dump");
    (path, text)
}

#[test]
fn truncated_dump_is_one_line_with_file_and_offset_exit_2() {
    let (path, text) = generated_dump("truncated", 5);
    let cut = text.len() / 3;
    std::fs::write(&path, &text.as_bytes()[..cut]).expect("write");
    let out = meshscope(&["pc", "clusters", "--file", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(path.to_str().expect("utf-8")), "{err}");
    assert!(
        err.contains(&format!("truncated JSON at byte {cut}")),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn garbage_dump_names_the_byte_offset() {
    let dir = temp_dir("garbage");
    let path = dir.join("bad.json");
    let body = "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\", \"static_clusters\": [nope]}]}";
    std::fs::write(&path, body).expect("write");
    let out = meshscope(&["pc", "listeners", "--file", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let at = body.find("nope").expect("marker");
    let offset: usize = err
        .split("invalid JSON at byte ")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no offset in {err}"));
    // serde_json notices the fault inside the bad token (`n` could start `null`).
    assert!(
        (at..at + 4).contains(&offset),
        "offset {offset}, token at {at}: {err}"
    );
    // Binary junk and a missing file fail the same way.
    std::fs::write(&path, [0xff, 0xfe, 0x00]).expect("write");
    let out = meshscope(&["pc", "routes", "--file", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8 text at byte 0"));
    let out = meshscope(&["pc", "routes", "--file", "/nonexistent/dump.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generated_dump_round_trips_through_every_table() {
    let (path, text) = generated_dump("roundtrip", 12);
    let file = path.to_str().expect("utf-8");
    let v: serde_json::Value = serde_json::from_str(&text).expect("generated dump is JSON");
    let clusters = v["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .find(|c| {
            c["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with("ClustersConfigDump"))
        })
        .expect("clusters section");
    let expected = clusters["static_clusters"].as_array().map_or(0, Vec::len)
        + clusters["dynamic_active_clusters"]
            .as_array()
            .map_or(0, Vec::len);
    let out = meshscope(&["pc", "clusters", "--file", file]);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        table.lines().count(),
        expected + 1,
        "one row per cluster plus the header"
    );
    let json = meshscope(&["pc", "clusters", "--file", file, "-o", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).expect("json rows");
    assert_eq!(rows.len(), expected);
    for kind in [
        "listeners",
        "routes",
        "endpoints",
        "secrets",
        "bootstrap",
        "all",
    ] {
        let out = meshscope(&["pc", kind, "--file", file]);
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.len() > 40, "{kind} printed almost nothing");
    }
    // A port filter keeps only clusters with that port in their name.
    let out = meshscope(&[
        "pc", "clusters", "--file", file, "--port", "15010", "-o", "json",
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json rows");
    assert!(rows
        .iter()
        .all(|r| r["name"].as_str().is_some_and(|n| n.contains("|15010|"))));
}
