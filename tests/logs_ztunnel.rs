//! `meshscope logs --file` on ztunnel access logs: parsed and filtered by
//! workload, namespace, destination and error like Envoy lines.

mod support;

use support::{fixtures, meshscope, stdout_ok};

fn logs(args: &[&str]) -> std::process::Output {
    meshscope(&[&["logs", "--tail", "1000"], args].concat())
}

#[test]
fn ztunnel_lines_filter_by_workload_namespace_and_destination() {
    let Some(dir) = fixtures("ztunnel_lines_filter") else {
        return;
    };
    let f = dir.join("ambient/kiali-ztunnel-accesslog.log");
    let f = f.display().to_string();
    let all = stdout_ok(&logs(&["--file", &f]));
    assert_eq!(all.lines().count(), 28, "{all}");
    let text = std::fs::read_to_string(&f).expect("fixture");
    let want = text
        .lines()
        .filter(|l| l.contains("productpage-v1"))
        .count();
    let pp = stdout_ok(&logs(&["--file", &f, "--workload", "productpage-v1"]));
    assert_eq!(pp.lines().count(), want);
    let dst = stdout_ok(&logs(&["--file", &f, "--dst", "reviews.bookinfo"]));
    let want_dst = text
        .lines()
        .filter(|l| {
            // Values come quoted or not.
            l.contains("dst.service=reviews.bookinfo")
                || l.contains("dst.service=\"reviews.bookinfo")
        })
        .count();
    assert_eq!(dst.lines().count(), want_dst);
    let json = stdout_ok(&logs(&[
        "--file",
        &f,
        "-o",
        "json",
        "--workload-namespace",
        "bookinfo",
    ]));
    for l in json.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("json line");
        assert_eq!(v["format"], "ztunnel");
        let z = &v["ztunnel"];
        assert!(
            z["src_namespace"] == "bookinfo" || z["dst_namespace"] == "bookinfo",
            "{l}"
        );
    }
    // No line of this capture failed: --error matches nothing (exit 1, "no log line matched").
    let none = logs(&["--file", &f, "--error"]);
    assert_eq!(none.status.code(), Some(1));
}

#[test]
fn error_filter_keeps_failed_connections() {
    let dir = support::temp_dir("logs-ztunnel-error");
    let f = dir.join("z.log");
    std::fs::write(
        &f,
        "2026-01-01T00:00:00.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.0.0.1:1 dst.addr=10.0.0.2:15008 dst.workload=a\n\
         2026-01-01T00:00:01.000000Z\terror\taccess\tconnection complete\tsrc.addr=10.0.0.1:2 dst.addr=10.0.0.3:15008 dst.workload=b error=\"connection closed due to policy rejection\"\n",
    )
    .expect("write");
    let f = f.display().to_string();
    let out = stdout_ok(&logs(&["--file", &f, "--error", "policy"]));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("error: connection closed due to policy rejection"));
    let out = stdout_ok(&logs(&["--file", &f, "--error"]));
    assert!(out.starts_with("2026-01-01T00:00:01"), "{out}");
}
