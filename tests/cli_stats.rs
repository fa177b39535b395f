//! `meshscope stats` through the binary: against the demo mesh's
//! high-cardinality and circuit-breaker scenarios (the issue's done-when
//! checks), and on files in each format.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use meshscope::sources::demo::{serve, Scenario, ServeOptions};
use serde_json::Value;
use support::{meshscope, stdout_ok, temp_dir};

async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        meshscope(&refs)
    })
    .await
    .expect("join")
}

/// Distinct `request_path` values of `istio_requests_total`, counted naively.
fn distinct_paths(prometheus: &str) -> usize {
    prometheus
        .lines()
        .filter(|l| l.starts_with("istio_requests_total{"))
        .filter_map(|l| l.split("request_path=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect::<HashSet<_>>()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cardinality_names_request_path_on_istio_requests_total() {
    // A tick that never fires: traffic moves only by `advance`, so every read agrees.
    let demo = serve(ServeOptions {
        scenarios: vec![Scenario::HighCardinality],
        tick: Duration::from_secs(3600),
        ..ServeOptions::default()
    })
    .await
    .expect("demo");
    demo.advance(400);
    let m = demo.manifest();
    let admin = m
        .pod_by_app("productpage")
        .expect("productpage")
        .admin
        .clone();
    let body = reqwest::get(format!("{admin}/stats/prometheus"))
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let distinct = distinct_paths(&body);
    assert!(
        distinct > 100,
        "the scenario explodes the label: {distinct}"
    );

    let text = stdout_ok(
        &run(vec![
            "stats".into(),
            "--admin".into(),
            admin.clone(),
            "--cardinality".into(),
        ])
        .await,
    );
    let top = text
        .lines()
        .skip_while(|l| !l.starts_with("FAMILY"))
        .nth(1)
        .expect("a first label row");
    let cells: Vec<&str> = top.split_whitespace().collect();
    assert_eq!(
        &cells[..3],
        [
            "istio_requests_total",
            "request_path",
            &distinct.to_string()
        ],
        "{text}"
    );
    assert!(top.contains("many-values"), "{top}");

    let json = stdout_ok(
        &run(vec![
            "stats".into(),
            "--admin".into(),
            admin,
            "--cardinality".into(),
            "-o".into(),
            "json".into(),
        ])
        .await,
    );
    let v: Value = serde_json::from_str(&json).expect("json");
    let first = &v["labels"][0];
    assert_eq!(first["family"], "istio_requests_total");
    assert_eq!(first["label"], "request_path");
    assert_eq!(first["distinct_values"], distinct);
    assert!(first["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "many_values")));
    assert!(v["total_series"].as_u64().unwrap_or(0) > distinct as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn highlights_show_the_overflow_with_its_threshold_and_rate() {
    let demo = serve(ServeOptions {
        scenarios: vec![Scenario::CircuitBreaker],
        tick: Duration::from_millis(50),
        ..ServeOptions::default()
    })
    .await
    .expect("demo");
    let m = demo.manifest();
    let admin = m.pod_by_app("fortio").expect("fortio").admin.clone();
    let args = |json: bool| {
        let mut a: Vec<String> = [
            "stats",
            "--admin",
            &admin,
            "--highlights",
            "--interval",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if json {
            a.extend(["-o".to_string(), "json".to_string()]);
        }
        a
    };
    let text = stdout_ok(&run(args(false)).await);
    let line = text
        .lines()
        .find(|l| l.starts_with("outbound|8000||httpbin.default.svc.cluster.local: max_pending_requests 1, overflow "))
        .unwrap_or_else(|| panic!("no overflow line in {text}"));
    let rate = line.rsplit(", +").next().and_then(|r| r.strip_suffix("/s"));
    assert!(
        rate.and_then(|r| r.parse::<f64>().ok())
            .is_some_and(|r| r > 0.0),
        "a rising rate: {line}"
    );
    assert!(text.contains("upstream_rq_pending_overflow"), "{text}");

    let v: Value = serde_json::from_str(&stdout_ok(&run(args(true)).await)).expect("json");
    let h = v["highlights"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|h| h["stat"] == "upstream_rq_pending_overflow")
        })
        .cloned()
        .expect("overflow highlight");
    assert_eq!(
        h["subject"],
        "outbound|8000||httpbin.default.svc.cluster.local"
    );
    assert_eq!(h["threshold_name"], "max_pending_requests");
    assert_eq!(h["threshold"], 1);
    assert_eq!(h["severity"], "error");
    assert!(h["rate"].as_f64().is_some_and(|r| r > 0.0), "{h}");

    // pilot-agent's merged 15020 body gives the same highlight (one snapshot).
    let agent = m.pod_by_app("fortio").expect("fortio").agent.clone();
    let out = stdout_ok(
        &run(vec![
            "stats".into(),
            "--agent".into(),
            agent,
            "--highlights".into(),
            "-o".into(),
            "json".into(),
        ])
        .await,
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    let found = v["highlights"].as_array().is_some_and(|a| {
        a.iter().any(|h| {
            h["full_name"]
                == "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow"
                && h["value"].as_u64() > Some(0)
        })
    });
    assert!(found, "{out}");
}

const ENVOY_TEXT: &str = "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 59\n\
cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_total: 1000\n\
cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total: 7\n\
cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_time: P0(nan,1) P50(nan,3.5) P99(nan,31) P100(nan,40)\n";

const CLUSTERS: &str = r#"{"cluster_statuses":[{"name":"outbound|8000||httpbin.default.svc.cluster.local","circuit_breakers":{"thresholds":[{"max_connections":1,"max_pending_requests":1,"max_requests":1024,"max_retries":3}]}}]}"#;

#[test]
fn files_in_every_format() {
    let dir = temp_dir("cli-stats");
    let text = dir.join("stats.txt");
    std::fs::write(&text, ENVOY_TEXT).expect("write");
    let clusters = dir.join("clusters.json");
    std::fs::write(&clusters, CLUSTERS).expect("write");
    let json = dir.join("stats.json");
    std::fs::write(
        &json,
        r#"{"stats":[{"name":"cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_cx_overflow","value":4},{"name":"server.live","value":1}]}"#,
    )
    .expect("write");
    let prom = dir.join("prom.txt");
    std::fs::write(
        &prom,
        "# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{cluster_name=\"a\"} 3\nenvoy_cluster_upstream_rq_total{cluster_name=\"b\"} 4\n",
    )
    .expect("write");
    let path = |p: &std::path::Path| p.display().to_string();

    let out = stdout_ok(&meshscope(&[
        "stats",
        "--file",
        &path(&text),
        "--filter",
        "reviews",
    ]));
    assert!(out.starts_with("NAME"), "{out}");
    assert_eq!(
        out.lines().count(),
        3,
        "header and two reviews stats: {out}"
    );
    assert!(out.contains("P50 3.5 · P99 31"), "{out}");

    let out = stdout_ok(&meshscope(&[
        "stats",
        "-f",
        &path(&text),
        "--highlights",
        "--clusters",
        &path(&clusters),
    ]));
    assert!(
        out.contains("outbound|8000||httpbin.default.svc.cluster.local: max_pending_requests 1, overflow 59\n"),
        "{out}"
    );
    assert!(out.contains("one snapshot: no rates"), "{out}");

    let out = stdout_ok(&meshscope(&["stats", "-f", &path(&json), "--highlights"]));
    assert!(
        out.contains("cx overflow 4"),
        "Envoy JSON is detected: {out}"
    );

    let out = stdout_ok(&meshscope(&["stats", "-f", &path(&prom), "-o", "json"]));
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["stats"].as_array().map(Vec::len), Some(2));

    let out = stdout_ok(&meshscope(&[
        "stats",
        "-f",
        &path(&prom),
        "--cardinality",
        "-o",
        "json",
    ]));
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["total_series"], 2);

    let out = stdout_ok(&meshscope(&["stats", "-f", &path(&text), "--cardinality"]));
    assert!(
        out.contains("cluster_name"),
        "Envoy text is analysed by its tags: {out}"
    );

    // Prometheus input has highlights too (issue 10: it used to be refused).
    let out = stdout_ok(&meshscope(&["stats", "-f", &path(&prom), "--highlights"]));
    assert!(out.starts_with("no highlights"), "{out}");
    let garbage = dir.join("garbage.txt");
    std::fs::write(
        &garbage,
        "<html><body>503 Service Unavailable</body></html>\n",
    )
    .expect("write");
    let binary = dir.join("binary.txt");
    std::fs::write(&binary, b"\x1f\x8b\x08\x00garbage").expect("write");

    // Usage errors exit 2 with one line.
    for (args, msg) in [
        (
            vec!["stats", "-f", &path(&text), "--filter", "("],
            "--filter: ",
        ),
        (
            vec!["stats", "-f", &path(&garbage), "--highlights"],
            &format!(
                "{}: not Envoy stats (/stats text or ?format=json) nor Prometheus text: HTML starting \"<html>",
                path(&garbage)
            ),
        ),
        (
            vec!["stats", "-f", &path(&binary)],
            &format!("{}: not UTF-8 at byte 1: binary data starting", path(&binary)),
        ),
        (vec!["stats"], "stats needs a source"),
        (
            vec!["stats", "--agent", "http://127.0.0.1:1"],
            "use it with --cardinality",
        ),
    ] {
        let out = meshscope(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

/// Issue 11.2: a 1 MB stat name or Prometheus label used to panic with
/// "Formatting argument out of range" (`{:<w$}`); every table of every
/// `stats` mode prints it whole.
#[test]
fn a_one_megabyte_name_reaches_every_stats_table() {
    let dir = temp_dir("cli-stats-huge");
    let huge = "h".repeat(1 << 20);
    let text = dir.join("stats.txt");
    std::fs::write(
        &text,
        format!("cluster.{huge}.upstream_rq_pending_overflow: 5\ncluster.a.upstream_rq_total: 1\n"),
    )
    .expect("write");
    let prom = dir.join("prom.txt");
    std::fs::write(
        &prom,
        format!(
            "# TYPE envoy_cluster_upstream_cx_overflow counter\n\
             envoy_cluster_upstream_cx_overflow{{envoy_cluster_name=\"{huge}\"}} 7\n\
             m{{{huge}=\"v\"}} 1\n"
        ),
    )
    .expect("write");
    let (text, prom) = (text.display().to_string(), prom.display().to_string());
    for args in [
        vec!["stats", "-f", &text],
        vec!["stats", "-f", &text, "--highlights"],
        vec!["stats", "-f", &text, "--cardinality"],
        vec!["stats", "-f", &prom],
        vec!["stats", "-f", &prom, "--highlights"],
        vec!["stats", "-f", &prom, "--cardinality"],
    ] {
        let out = meshscope(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        let out = String::from_utf8_lossy(&out.stdout);
        // The cardinality table clips examples; its family or label column
        // still carries the whole name where it is one.
        let whole = !(args.contains(&"--cardinality") && args[2] == text);
        if whole {
            assert!(out.contains(&huge), "{args:?}: the name is printed whole");
        }
        assert!(out.len() < 8 << 20, "{args:?}: no row is padded to 1 MB");
    }
}

/// Issue 10: Prometheus values are u64; `18446744073709551615` was printed
/// as `18446744073709552000` (through f64).
#[test]
fn prometheus_counters_print_as_exact_u64() {
    let dir = temp_dir("cli-stats-u64");
    let prom = dir.join("prom.txt");
    std::fs::write(
        &prom,
        "# TYPE envoy_cluster_upstream_rq_pending_overflow counter\n\
         envoy_cluster_upstream_rq_pending_overflow{envoy_cluster_name=\"a\"} 18446744073709551615\n\
         envoy_server_uptime 1.5\n",
    )
    .expect("write");
    let prom = prom.display().to_string();
    let table = stdout_ok(&meshscope(&["stats", "-f", &prom]));
    assert!(table.contains(" 18446744073709551615\n"), "{table}");
    assert!(table.contains(" 1.5\n"), "{table}");
    let json = stdout_ok(&meshscope(&["stats", "-f", &prom, "-o", "json"]));
    assert!(json.contains("\"value\": 18446744073709551615"), "{json}");
    let hl = stdout_ok(&meshscope(&[
        "stats",
        "-f",
        &prom,
        "--highlights",
        "-o",
        "json",
    ]));
    let v: Value = serde_json::from_str(&hl).expect("json");
    assert_eq!(v["highlights"][0]["value"].as_u64(), Some(u64::MAX), "{hl}");
    assert_eq!(
        v["highlights"][0]["full_name"],
        "cluster.a.upstream_rq_pending_overflow"
    );
}

/// Issue 11.10: a garbage `/stats` body said "not UTF-8 at byte 2" without
/// the URL; the message names the URL with its path and what came back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_admin_body_is_named_by_url_and_shape() {
    let demo = serve(ServeOptions {
        fault: Some(meshscope::sources::demo::Fault::Garbage),
        tick: Duration::from_secs(3600),
        ..ServeOptions::default()
    })
    .await
    .expect("demo");
    let admin = demo.manifest().pods[0].admin.clone();
    let out = run(vec![
        "stats".into(),
        "--admin".into(),
        admin.clone(),
        "--highlights".into(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "{}/stats: not UTF-8 at byte 2: binary data starting \"\\0\\u{{1f}}\u{fffd}<html>garbage",
        admin.trim_end_matches('/')
    );
    assert!(err.contains(&want), "{err}\nwanted: {want}");
}

/// Issue 17: a Prometheus file is read in blocks on two threads; the report
/// is the one of the body read whole, and a byte that is not UTF-8 deep in
/// it is named by its offset as before.
#[test]
fn a_large_prometheus_file_read_in_blocks_reports_as_read_whole() {
    use meshscope::cli::Output;
    use meshscope::commands::stats::cardinality_render;
    use meshscope::model::cardinality::DEFAULT_THRESHOLD;
    use meshscope::model::stats::synthetic::synthetic_prometheus;

    let dir = temp_dir("cli-stats-blocks");
    let text = synthetic_prometheus(40_000, 3_001);
    assert!(
        text.len() > 9 << 20,
        "large enough for two threads: {}",
        text.len()
    );
    let file = dir.join("prom.txt");
    std::fs::write(&file, &text).expect("write");
    let file = file.display().to_string();
    for output in [Output::Json, Output::Table] {
        let flag = if output == Output::Json {
            "json"
        } else {
            "table"
        };
        let out = stdout_ok(&meshscope(&[
            "stats",
            "-f",
            &file,
            "--cardinality",
            "-o",
            flag,
        ]));
        let whole =
            cardinality_render(output, &file, &text, DEFAULT_THRESHOLD, 1, None).expect("render");
        assert_eq!(out, whole, "-o {flag}");
    }
    let mut bytes = text.into_bytes();
    let at = bytes.len() * 3 / 4;
    bytes[at] = 0xff;
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, &bytes).expect("write");
    let bad = bad.display().to_string();
    let out = meshscope(&["stats", "-f", &bad, "--cardinality"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{bad}: not UTF-8 at byte {at}: binary data starting \"# HELP"
        )),
        "{err}"
    );
}
