//! End-to-end: the demo mesh on loopback, driven by the real admin client:
//! every endpoint parses, counters move, faults map to typed errors, the
//! mutating endpoints work, logs follow one request across two sidecars.

#[path = "support/demo.rs"]
mod demo_support;

use std::time::Duration;

use demo_support::*;
use futures::StreamExt;
use meshscope::model::clusters::ClusterStatuses;
use meshscope::model::config_dump::{ConfigDump, Kind};
use meshscope::sources::admin::{
    AdminClient, AdminError, ClientOptions, ConfigDumpQuery, Confirmed, StatsFormat, StatsQuery,
};
use meshscope::sources::demo::{serve, Fault, Manifest, ManifestInput, Scenario, ServeOptions};
use meshscope::sources::logs::LogQuery;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_of_every_pod_answers_and_parses() {
    let demo = serve(opts(Scenario::all().to_vec())).await.unwrap();
    let m = demo.manifest();
    assert_eq!(m.pods.len(), 9, "{m:?}");
    for p in &m.pods {
        let a = client(&p.admin);
        let full = dump(&a, true).await;
        let parsed = ConfigDump::parse(&full).unwrap();
        assert!(parsed.count(Kind::Cluster) > 3, "{}", p.name);
        assert!(parsed.count(Kind::Endpoint) > 0, "{}", p.name);
        let plain = dump(&a, false).await;
        assert_eq!(ConfigDump::parse(&plain).unwrap().count(Kind::Endpoint), 0);
        let cs = ClusterStatuses::parse(&text(a.clusters_json().await.unwrap().body)).unwrap();
        assert_eq!(
            cs.cluster_statuses.len(),
            parsed.count(Kind::Cluster) - count_warming(&parsed)
        );
        let listeners: Value = serde_json::from_slice(&a.listeners().await.unwrap().body).unwrap();
        assert!(!listeners["listener_statuses"]
            .as_array()
            .unwrap()
            .is_empty());
        let stats = text(a.stats(&StatsQuery::default()).await.unwrap().body);
        assert!(stats.lines().all(|l| l.contains(": ")), "{}", p.name);
        let js = StatsQuery {
            format: StatsFormat::Json,
            used_only: true,
            ..StatsQuery::default()
        };
        let js: Value = serde_json::from_slice(&a.stats(&js).await.unwrap().body).unwrap();
        assert!(js["stats"].as_array().unwrap().len() > 10);
        let prom = StatsQuery {
            format: StatsFormat::Prometheus,
            ..StatsQuery::default()
        };
        check_prometheus(&text(a.stats(&prom).await.unwrap().body));
        for body in [a.memory().await, a.server_info().await, a.certs().await] {
            let _: Value = serde_json::from_slice(&body.unwrap().body).unwrap();
        }
        let ready = a.ready().await.unwrap();
        assert!(ready.status == 200 || ready.status == 503);
        assert!(text(a.logging().await.unwrap().body).starts_with("active loggers:\n"));
        let err = a.get("/no_such_thing").await.unwrap_err();
        assert!(matches!(err, AdminError::Status { code: 404, .. }), "{err}");
        let agent = client(&p.agent);
        let ready = agent.agent_ready().await.unwrap();
        assert!(ready.status == 200 || ready.status == 503);
        let merged = text(agent.agent_prometheus().await.unwrap().body);
        check_prometheus(&merged);
        assert!(merged.contains("istio_agent_go_goroutines"));
        assert!(merged.contains("envoy_cluster_upstream_rq_total{cluster_name="));
        let istiod = client(&m.istiod);
        let d = istiod
            .istiod_config_dump(&format!("{}.{}", p.name, p.namespace))
            .await
            .unwrap();
        ConfigDump::parse(&text(d.body)).unwrap();
    }
    let istiod = client(&m.istiod);
    let metrics = text(istiod.istiod_metrics().await.unwrap().body);
    check_prometheus(&metrics);
    for name in [
        "pilot_xds{",
        "pilot_xds_pushes{type=\"eds\"}",
        "pilot_xds_push_time_bucket",
        "pilot_proxy_convergence_time_bucket",
        "pilot_total_xds_rejects",
        "pilot_conflict_",
        "pilot_duplicate_envoy_clusters",
        "pilot_eds_no_instances",
        "pilot_services",
        "pilot_virt_services",
        "pilot_xds_config_size_bytes_bucket",
    ] {
        assert!(metrics.contains(name), "{name}");
    }
    let syncz: Value = serde_json::from_slice(&istiod.syncz().await.unwrap().body).unwrap();
    assert_eq!(syncz.as_array().unwrap().len(), 9);
    assert!(syncz[0]["proxy"].as_str().unwrap().contains('.'));
    assert!(syncz[0]["cluster_sent"].is_string());
    let resource = ConfigDumpQuery {
        resource: Some("dynamic_active_clusters".into()),
        name_regex: Some("httpbin".into()),
        ..ConfigDumpQuery::default()
    };
    let fortio = client(&pod(&m, "fortio", "").admin);
    let v: Value =
        serde_json::from_slice(&fortio.config_dump(&resource).await.unwrap().body).unwrap();
    let items = v["configs"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|c| c["cluster"]["name"].as_str().unwrap().contains("httpbin")));
    let masked = ConfigDumpQuery {
        mask: Some("dynamic_active_clusters".into()),
        ..ConfigDumpQuery::default()
    };
    let v: Value =
        serde_json::from_slice(&fortio.config_dump(&masked).await.unwrap().body).unwrap();
    assert!(v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c.get("static_clusters").is_none()));
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_increase_between_two_reads() {
    let demo = serve(opts(vec![Scenario::CircuitBreaker])).await.unwrap();
    let m = demo.manifest();
    let fortio = client(&pod(&m, "fortio", "").admin);
    let name = "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_total";
    let before = stat(&fortio, name).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = stat(&fortio, name).await;
    assert!(after > before, "{before} -> {after}");
    let overflow =
        "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow";
    let o1 = stat(&fortio, overflow).await;
    demo.advance(10);
    assert!(stat(&fortio, overflow).await > o1);
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_yields_its_typed_error_and_the_client_recovers() {
    let demo = serve(opts(vec![Scenario::CircuitBreaker])).await.unwrap();
    let m = demo.manifest();
    let o = ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_millis(400),
        retries: 0,
        ..ClientOptions::default()
    };
    let admin = AdminClient::new(&pod(&m, "fortio", "").admin, o.clone()).unwrap();
    let istiod = AdminClient::new(&m.istiod, o).unwrap();
    for fault in Fault::all() {
        demo.set_fault(Some(*fault));
        assert_eq!(demo.fault(), Some(*fault));
        let err = admin.memory().await.unwrap_err();
        let ok = match fault {
            Fault::Slow => matches!(err, AdminError::Timeout { .. }),
            Fault::Reset => matches!(err, AdminError::ConnectionClosed { .. }),
            Fault::Garbage => matches!(err, AdminError::NotJson { .. }),
            Fault::Truncate => matches!(err, AdminError::Truncated { .. }),
            Fault::Status500 => matches!(err, AdminError::Status { code: 500, .. }),
        };
        assert!(ok, "{fault}: {err:?}");
        assert!(istiod.syncz().await.is_err(), "{fault} on istiod");
        demo.set_fault(None);
        let _: Value = serde_json::from_slice(&admin.memory().await.unwrap().body).unwrap();
        assert!(istiod.syncz().await.is_ok());
    }
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_logging_changes_the_level_get_shows() {
    let demo = serve(opts(vec![Scenario::NoRoute])).await.unwrap();
    let m = demo.manifest();
    let a = client(&pod(&m, "productpage", "").admin);
    assert!(text(a.logging().await.unwrap().body).contains("  upstream: warning\n"));
    let mu = a.mutator(Confirmed::by_user("e2e: upstream,router to debug"));
    let echoed = text(
        mu.set_log_level(Some("upstream,router"), "debug")
            .await
            .unwrap()
            .body,
    );
    assert!(echoed.contains("  router: debug\n"), "{echoed}");
    let now = text(a.logging().await.unwrap().body);
    assert!(
        now.contains("  upstream: debug\n") && now.contains("  admin: warning\n"),
        "{now}"
    );
    mu.set_log_level(None, "error").await.unwrap();
    let now = text(a.logging().await.unwrap().body);
    assert!(
        !now.contains(": warning") && now.contains("  upstream: error\n"),
        "{now}"
    );
    let before = stat(&a, "http.outbound_0.0.0.0_9080.downstream_rq_total").await;
    assert!(before > 0);
    mu.reset_counters().await.unwrap();
    assert!(stat(&a, "http.outbound_0.0.0.0_9080.downstream_rq_total").await < before);
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_can_be_followed_across_two_sidecars() {
    let demo = serve(opts(vec![Scenario::NoRoute])).await.unwrap();
    let m = demo.manifest();
    let (pp, details) = (pod(&m, "productpage", ""), pod(&m, "details", ""));
    let mut follow =
        demo.log_source()
            .lines(&LogQuery::sidecar(&details.namespace, &details.name, 0));
    demo.advance(5);
    let live = tokio::time::timeout(Duration::from_secs(3), follow.next())
        .await
        .unwrap();
    assert!(live.unwrap().unwrap().contains("inbound|9080||"));
    let client_lines = logs(&demo, pp).await;
    let server_lines = logs(&demo, details).await;
    let id = client_lines
        .iter()
        .filter(|l| l.contains("outbound|9080||details.default.svc.cluster.local"))
        .find_map(|l| l.split('"').nth(9).map(str::to_string))
        .expect("productpage called details");
    assert_eq!(id.len(), 36, "{id}");
    let server = server_lines
        .iter()
        .find(|l| l.contains(&id))
        .expect("same id on details");
    assert!(server.contains("inbound|9080||"), "{server}");
    // The same lines over HTTP on the agent port, chunked.
    let url = format!("{}/demo/logs?tail=3", details.agent);
    let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert_eq!(body.lines().count(), 3, "{body}");
    let url = format!("{}/demo/logs?tail=1&follow=1", details.agent);
    let mut resp = reqwest::get(&url).await.unwrap();
    demo.advance(3);
    let first = tokio::time::timeout(Duration::from_secs(3), resp.chunk())
        .await
        .unwrap();
    assert!(!first.unwrap().unwrap().is_empty());
    let missing = LogQuery::sidecar("default", "nope", 1);
    assert!(demo
        .log_source()
        .lines(&missing)
        .next()
        .await
        .unwrap()
        .is_err());
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_and_manifest_ports_are_reused() {
    let first = serve(opts(vec![Scenario::UpstreamReset])).await.unwrap();
    let m = first.manifest();
    first.shutdown().await;
    let again = ServeOptions {
        manifest_in: Some(ManifestInput::Manifest(m.clone())),
        json_logs: true,
        ..opts(vec![Scenario::UpstreamReset])
    };
    let demo = serve(again).await.unwrap();
    let m2 = demo.manifest();
    assert_eq!(m2.istiod, m.istiod);
    assert_eq!(m2.pods, m.pods);
    assert_eq!(Manifest::from_json(&m2.to_json()).unwrap(), m2);
    demo.advance(30);
    let gw = pod(&m2, "istio-ingressgateway", "");
    assert_eq!(gw.scenarios, vec!["upstream-reset".to_string()]);
    let lines = logs(&demo, gw).await;
    let uc = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["response_flags"] == "UC")
        .expect("a UC line");
    assert_eq!(
        uc["response_code_details"],
        "upstream_reset_before_response_started{connection_termination}"
    );
    demo.shutdown().await;
}
