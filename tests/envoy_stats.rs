//! `meshscope stats` held against a real Envoy (every version in
//! `$MESHSCOPE_ENVOY`) set up as an Istio sidecar: after real incidents,
//! `--highlights` lists each one with the exact counter from `/stats` and
//! the breaker limit from `/clusters?format=json`, worst first, from the
//! live admin port and from the saved `/stats/prometheus` body alike; every
//! stats body the admin port serves parses with zero errors.

mod support;

use meshscope::model::stats::{parse_envoy_json, parse_envoy_text, PromParser};
use serde_json::Value;
use support::envoy::{envoys, runtime, stat_in, Sidecar};
use support::{meshscope, temp_dir};

const HTTPBIN: &str = "outbound|8000||httpbin.default.svc.cluster.local";

async fn run(args: Vec<String>) -> String {
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        meshscope(&refs)
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `max_pending_requests` of a cluster's default priority, from `/clusters?format=json`.
fn max_pending(clusters: &str, cluster: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(clusters).ok()?;
    let c = v["cluster_statuses"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == cluster)?;
    c["circuit_breakers"]["thresholds"]
        .as_array()?
        .iter()
        .find(|t| t.get("priority").is_none_or(|p| p == "DEFAULT"))?["max_pending_requests"]
        .as_u64()
}

fn severity_rank(s: &Value) -> u8 {
    match s.as_str() {
        Some("error") => 2,
        Some("warn") => 1,
        _ => 0,
    }
}

/// The highlights of a `-o json` answer, checked worst first.
fn highlights(json: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(json).expect("json");
    let list = v["highlights"].as_array().cloned().unwrap_or_default();
    let key = |h: &Value| {
        (
            severity_rank(&h["severity"]),
            h["rate"].as_f64().unwrap_or(-1.0),
            h["value"].as_u64().unwrap_or(0),
        )
    };
    for pair in list.windows(2) {
        let (a, b) = (key(&pair[0]), key(&pair[1]));
        assert!(
            a.0 > b.0 || (a.0 == b.0 && (a.1 > b.1 || (a.1 == b.1 && a.2 >= b.2))),
            "not worst first: {} before {}",
            pair[0],
            pair[1]
        );
    }
    list
}

fn find<'a>(list: &'a [Value], subject: &str, stat: &str) -> &'a Value {
    list.iter()
        .find(|h| h["subject"] == subject && h["stat"] == stat)
        .unwrap_or_else(|| panic!("no highlight {subject} {stat} in {list:#?}"))
}

/// Every incident `drive_incidents` produces, as (subject, stat).
fn incidents(http_prefix: &str) -> Vec<(String, &'static str)> {
    let c = |s: &str| format!("outbound|8000||{s}.default.svc.cluster.local");
    vec![
        (c("httpbin"), "upstream_rq_pending_overflow"),
        (c("httpbin"), "upstream_cx_overflow"),
        (c("details"), "upstream_cx_connect_fail"),
        (c("ratings"), "health_check.failure"),
        (c("ratings"), "upstream_cx_none_healthy"),
        (c("reviews"), "outlier_detection.ejections_enforced_total"),
        (c("legacy"), "upstream_cx_destroy_remote_with_active_rq"),
        (http_prefix.to_string(), "no_route"),
        (http_prefix.to_string(), "no_cluster"),
        ("BlackHoleCluster".to_string(), "upstream_cx_none_healthy"),
    ]
}

#[test]
fn highlights_of_real_incidents_from_admin_and_prometheus() {
    for bin in envoys("highlights_of_real_incidents_from_admin_and_prometheus") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "stats-hl").await;
            sc.drive_incidents().await;
            let json = run(vec![
                "stats".into(),
                "--admin".into(),
                sc.admin.clone(),
                "--highlights".into(),
                "--interval".into(),
                "0".into(),
                "-o".into(),
                "json".into(),
            ])
            .await;
            let text = sc.admin_get("/stats").await;
            let clusters = sc.admin_get("/clusters?format=json").await;
            let list = highlights(&json);
            let overflow = find(&list, HTTPBIN, "upstream_rq_pending_overflow");
            let name = format!("cluster.{HTTPBIN}.upstream_rq_pending_overflow");
            let counter = stat_in(&text, &name).expect("overflow counter");
            assert!(counter > 0, "{}: the breaker overflowed", bin.version);
            assert_eq!(overflow["value"].as_u64(), Some(counter), "{}", bin.version);
            assert_eq!(max_pending(&clusters, HTTPBIN), Some(1));
            assert_eq!(overflow["threshold"], 1, "{}", bin.version);
            assert_eq!(overflow["threshold_name"], "max_pending_requests");
            assert_eq!(list[0]["severity"], "error", "{}", bin.version);
            let prefix = "outbound_0.0.0.0_8000";
            for (subject, stat) in incidents(prefix) {
                let h = find(&list, &subject, stat);
                assert!(h["value"].as_u64() > Some(0), "{subject} {stat}");
            }
            let black = find(&list, "BlackHoleCluster", "upstream_cx_none_healthy");
            assert!(black["advice"]
                .as_str()
                .is_some_and(|a| a.contains("ServiceEntry")));
            assert_eq!(find(&list, prefix, "no_route")["short"], "no route (NR)");
            assert!(
                !list
                    .iter()
                    .any(|h| h["subject"] == "BlackHoleCluster" && h["stat"] == "lb_healthy_panic"),
                "a host-less cluster is always in panic mode: not a signal"
            );

            // The table, sampled twice a second apart: rates, worst first.
            let table = run(vec![
                "stats".into(),
                "--admin".into(),
                sc.admin.clone(),
                "--highlights".into(),
                "--interval".into(),
                "0.5".into(),
            ])
            .await;
            eprintln!("Envoy {}: stats --highlights\n{table}", bin.version);
            assert!(table.starts_with("SEVERITY"), "{table}");
            assert!(
                table.contains(&format!(
                    "{HTTPBIN}: max_pending_requests 1, overflow {counter}"
                )),
                "{}: {table}",
                bin.version
            );
            assert!(table.contains("BlackHoleCluster: black-holed"), "{table}");

            // The same highlights from the real /stats/prometheus body.
            let dir = temp_dir(&format!("envoy-stats-{}", bin.version));
            let prom_file = dir.join("prometheus.txt");
            let clusters_file = dir.join("clusters.json");
            std::fs::write(&prom_file, sc.admin_get("/stats/prometheus").await).expect("write");
            std::fs::write(&clusters_file, &clusters).expect("write");
            let from_prom = run(vec![
                "stats".into(),
                "-f".into(),
                prom_file.display().to_string(),
                "--clusters".into(),
                clusters_file.display().to_string(),
                "--highlights".into(),
                "-o".into(),
                "json".into(),
            ])
            .await;
            let v: Value = serde_json::from_str(&from_prom).expect("json");
            assert_eq!(v["parse_errors"], 0, "{}", bin.version);
            let prom_list = highlights(&from_prom);
            let overflow = find(&prom_list, HTTPBIN, "upstream_rq_pending_overflow");
            assert_eq!(overflow["value"].as_u64(), Some(counter), "{}", bin.version);
            assert_eq!(overflow["threshold"], 1);
            assert_eq!(overflow["full_name"], name.as_str());
            for (subject, stat) in incidents(prefix) {
                find(&prom_list, &subject, stat);
            }
            let names = |l: &[Value]| {
                let mut n: Vec<String> = l.iter().map(|h| h["full_name"].to_string()).collect();
                n.sort();
                n
            };
            assert_eq!(names(&prom_list), names(&list), "{}", bin.version);
            // The cardinality of the real body, read from the file in blocks,
            // is the one of the body read whole, and counts its clusters.
            let body = std::fs::read_to_string(&prom_file).expect("read");
            let card = run(vec![
                "stats".into(),
                "-f".into(),
                prom_file.display().to_string(),
                "--cardinality".into(),
                "-o".into(),
                "json".into(),
            ])
            .await;
            let whole = meshscope::commands::stats::cardinality_render(
                meshscope::cli::Output::Json,
                &prom_file.display().to_string(),
                &body,
                meshscope::model::cardinality::DEFAULT_THRESHOLD,
                1,
                None,
            )
            .expect("render");
            assert_eq!(card, whole, "{}", bin.version);
            let v: Value = serde_json::from_str(&card).expect("json");
            assert_eq!(v["parse_errors"], 0, "{}", bin.version);
            let cluster_label = v["labels"].as_array().and_then(|l| {
                l.iter().find(|l| {
                    l["family"] == "envoy_cluster_upstream_rq_pending_overflow"
                        && l["label"] == "envoy_cluster_name"
                })
            });
            assert!(
                cluster_label.and_then(|l| l["distinct_values"].as_u64()) >= Some(2),
                "{}: {card}",
                bin.version
            );
        });
    }
}

#[test]
fn every_admin_stats_body_parses_with_zero_errors() {
    for bin in envoys("every_admin_stats_body_parses_with_zero_errors") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "stats-parse").await;
            sc.drive_incidents().await;
            let text = sc.admin_get("/stats").await;
            let parsed = parse_envoy_text(&text);
            assert!(
                parsed.errors.is_empty(),
                "{}: {:?}",
                bin.version,
                parsed.errors
            );
            assert!(parsed.stats.len() > 500, "{}", parsed.stats.len());
            let json = sc.admin_get("/stats?format=json").await;
            let stats = parse_envoy_json(&json).expect("stats json");
            assert!(stats.len() > 500);
            let prom = sc.admin_get("/stats/prometheus").await;
            let mut parser = PromParser::new(&prom);
            let samples = parser.by_ref().count();
            assert!(
                parser.errors().is_empty(),
                "{}: {:?}",
                bin.version,
                parser.errors()
            );
            assert!(samples > 500, "{samples}");
            // The CLI lists each body with zero parse errors too.
            for path in ["/stats", "/stats?format=json", "/stats/prometheus"] {
                let dir = temp_dir(&format!("envoy-stats-parse-{}", bin.version));
                let file = dir.join("body");
                std::fs::write(&file, sc.admin_get(path).await).expect("write");
                let out = run(vec![
                    "stats".into(),
                    "-f".into(),
                    file.display().to_string(),
                    "-o".into(),
                    "json".into(),
                ])
                .await;
                let v: Value = serde_json::from_str(&out).expect("json");
                assert_eq!(v["parse_errors"], 0, "{} {path}", bin.version);
            }
        });
    }
}
