//! The doctor on the whole demo mesh through the fleet engine: every scenario
//! the default demo runs is found from evidence alone on the pod it shows on
//! (the scenario labels are only the expected answer), healthy pods have no
//! error, progress and cancellation work; and `meshscope check -A` through
//! the in-test API server (port-forwards) with its exit code and JSON.

#[path = "support/demo.rs"]
mod demo_support;
mod support;

use std::sync::Arc;
use std::time::Duration;

use meshscope::launch::mesh_from_manifest;
use meshscope::model::findings::fleet::Outcome;
use meshscope::model::severity::Severity;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::demo::{self, Scenario};
use meshscope::sources::fleet::{
    needed_endpoints, scan, CheckEndpoint, CheckFetcher, FleetOptions,
};
use meshscope::sources::target::AdminFetcher;
use serde_json::Value;
use support::apiserver::ApiServer;

/// The rule that must fire for each scenario, from its evidence.
fn expected(s: Scenario) -> &'static [&'static str] {
    match s {
        Scenario::CircuitBreaker => &["MS1001"],
        Scenario::NoRoute => &["MS1002", "MS1003"],
        Scenario::HighCardinality => &["MS1008"],
        Scenario::RejectedGateway => &["MS1009"],
        Scenario::BlackholePort => &["MS1010"],
        _ => &[],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_demo_is_diagnosed_from_evidence_alone() {
    let demo = demo::serve(demo_support::opts(Vec::new())).await.unwrap();
    demo.advance(40);
    let manifest = demo.manifest();
    let mesh = mesh_from_manifest(&manifest);
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_c, cancel) = tokio::sync::watch::channel(false);
    let report = scan(
        CheckFetcher::new(Arc::new(fetcher)),
        mesh.pods.clone(),
        FleetOptions {
            concurrency: 3,
            ..FleetOptions::default()
        },
        Some(tx),
        cancel,
    )
    .await;
    let mut seen = Vec::new();
    while let Ok(p) = rx.try_recv() {
        seen.push(p.to_string());
    }
    assert_eq!(seen.len(), mesh.pods.len());
    assert_eq!(
        seen.last().map(String::as_str),
        Some(format!("scanned {0}/{0}", mesh.pods.len()).as_str())
    );
    assert!(!report.cancelled);
    for (pod, target) in report.pods.iter().zip(&manifest.pods) {
        let Outcome::Checked { report: r, .. } = &pod.outcome else {
            panic!("{} not checked: {:?}", pod.pod, pod.outcome);
        };
        let rules: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
        for name in &target.scenarios {
            let s = Scenario::from_name(name).unwrap();
            let want = expected(s);
            assert!(
                want.is_empty() || want.iter().any(|w| rules.contains(w)),
                "{}: scenario {name} wants {want:?}, found {rules:?}",
                pod.pod
            );
        }
        if target.scenarios.is_empty() {
            let errors: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| format!("{} {}", f.rule, f.title))
                .collect();
            assert!(
                errors.is_empty(),
                "healthy {} has errors: {errors:?}",
                pod.pod
            );
        }
        assert!(
            !rules.contains(&"MS1019"),
            "{}: certificates follow the demo's clock: {rules:?}",
            pod.pod
        );
        // istiod was asked: its rules ran.
        assert!(
            r.not_checked
                .iter()
                .all(|n| n.rule != "MS1017" && n.rule != "MS1024"),
            "{}: {:?}",
            pod.pod,
            r.not_checked
        );
    }
    let cb = report.groups.iter().find(|g| g.rule == "MS1001").unwrap();
    assert!(
        cb.summary()
            .starts_with("MS1001 circuit breaker overflow on 1 sidecar: default/fortio"),
        "{}",
        cb.summary()
    );
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_can_be_cancelled_and_probes_are_time_boxed() {
    let demo = demo::serve(demo_support::opts(Vec::new())).await.unwrap();
    let mesh = mesh_from_manifest(&demo.manifest());
    demo.set_fault(Some(demo::Fault::Slow));
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).unwrap();
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let targets: Vec<_> = mesh.pods.iter().cycle().take(40).cloned().collect();
    let job = tokio::spawn(scan(
        CheckFetcher::new(Arc::new(fetcher)),
        targets,
        FleetOptions {
            concurrency: 8,
            probe_timeout: Duration::from_millis(300),
            ..FleetOptions::default()
        },
        None,
        cancel,
    ));
    tokio::time::sleep(Duration::from_millis(700)).await;
    cancel_tx.send(true).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), job)
        .await
        .expect("cancel ends the scan")
        .unwrap();
    assert!(r.cancelled, "stopped early");
    assert!(r.pods.len() < 40, "{} done", r.pods.len());
    assert!(r
        .pods
        .iter()
        .all(|p| matches!(&p.outcome, Outcome::Failed { error } if error.contains("timed out"))));
    demo.shutdown().await;
}

#[test]
fn only_the_endpoints_the_rules_need_are_read() {
    assert_eq!(
        needed_endpoints(Some(&["MS1008"])),
        [CheckEndpoint::ConfigDump, CheckEndpoint::Prometheus]
    );
    let all = needed_endpoints(None);
    assert!(all.contains(&CheckEndpoint::Syncz) && all.contains(&CheckEndpoint::Stats));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_all_namespaces_through_the_api_server() {
    let demo = demo::serve(demo_support::opts(Vec::new())).await.unwrap();
    demo.advance(40);
    let api = ApiServer::start(&demo.manifest()).await;
    let dir = support::temp_dir("check-fleet-kube");
    let kubeconfig = api.kubeconfig(&dir, "default");
    let kc = kubeconfig.to_string_lossy().to_string();
    let out = tokio::task::spawn_blocking(move || {
        support::meshscope(&[
            "check",
            "-A",
            "--kubeconfig",
            &kc,
            "-o",
            "json",
            "--concurrency",
            "4",
        ])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors found: exit 1; {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let pods = doc["pods"].as_array().expect("pods");
    assert_eq!(pods.len(), demo.manifest().pods.len());
    let fortio = pods
        .iter()
        .find(|p| p["pod"].as_str().unwrap_or("").contains("fortio"))
        .expect("fortio");
    assert_eq!(fortio["status"], "checked");
    assert!(fortio["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "MS1001"));
    assert!(doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["rule"] == "MS1010"));
    // Read-only: the API server saw only GETs (lists, watches, port-forwards).
    assert!(
        api.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        api.requests()
    );
    // One pod by name, a healthy one: exit 0.
    let kc = kubeconfig.to_string_lossy().to_string();
    let healthy = demo
        .manifest()
        .pods
        .iter()
        .find(|p| p.scenarios.is_empty())
        .map(|p| p.name.clone())
        .unwrap();
    let one = tokio::task::spawn_blocking(move || {
        support::meshscope(&["check", &healthy, "-A", "--kubeconfig", &kc])
    })
    .await
    .unwrap();
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stdout)
    );
    let missing = support::meshscope(&[
        "check",
        "nope",
        "-A",
        "--kubeconfig",
        &kubeconfig.to_string_lossy(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    demo.shutdown().await;
}
