//! End-to-end: every demo scenario's evidence is where KNOWLEDGE.md says,
//! read through the real admin client and log source.

#[path = "support/demo.rs"]
mod demo_support;

use demo_support::*;
use meshscope::model::clusters::ClusterStatuses;
use meshscope::model::config_dump::{ConfigDump, Kind, State};
use meshscope::sources::admin::{StatsFormat, StatsQuery};
use meshscope::sources::demo::{serve, Scenario};
use serde_json::Value;

fn cluster_json<'a>(dump: &'a Value, name: &str) -> &'a Value {
    dump["configs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["dynamic_active_clusters"].as_array())
        .flatten()
        .map(|c| &c["cluster"])
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no cluster {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scenario_shows_its_evidence() {
    let demo = serve(opts(Scenario::all().to_vec())).await.unwrap();
    demo.advance(40);
    let m = demo.manifest();
    let httpbin = "outbound|8000||httpbin.default.svc.cluster.local";
    // circuit-breaker: overflow counters, 1/1 thresholds in /clusters and CDS, 503 UO.
    let fortio_pod = pod(&m, "fortio", "");
    let fortio = client(&fortio_pod.admin);
    assert!(
        stat(
            &fortio,
            &format!("cluster.{httpbin}.upstream_rq_pending_overflow")
        )
        .await
            > 0
    );
    assert!(stat(&fortio, &format!("cluster.{httpbin}.upstream_cx_overflow")).await > 0);
    let cs = ClusterStatuses::parse(&text(fortio.clusters_json().await.unwrap().body)).unwrap();
    let t = cs
        .cluster_statuses
        .iter()
        .find(|c| c.name == httpbin)
        .unwrap()
        .default_thresholds()
        .unwrap();
    assert_eq!(
        (t.max_connections, t.max_pending_requests),
        (Some(1), Some(1))
    );
    let d: Value = serde_json::from_str(&dump(&fortio, false).await).unwrap();
    let th = &cluster_json(&d, httpbin)["circuit_breakers"]["thresholds"][0];
    assert_eq!(
        (
            th["max_connections"].as_u64(),
            th["max_pending_requests"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(logs(&demo, fortio_pod)
        .await
        .iter()
        .any(|l| l.contains("\" 503 UO upstream_reset_before_response_started{overflow}")));
    // no-route: the route points at subset v4, which has no cluster; 503 NR.
    let pp_pod = pod(&m, "productpage", "");
    let pp = client(&pp_pod.admin);
    let body = dump(&pp, false).await;
    let parsed = ConfigDump::parse(&body).unwrap();
    let v4 = "outbound|9080|v4|reviews.default.svc.cluster.local";
    assert!(parsed
        .find(Kind::Route, "9080")
        .unwrap()
        .raw
        .unwrap()
        .get()
        .contains(v4));
    assert!(parsed.find(Kind::Cluster, v4).is_none());
    let pp_logs = logs(&demo, pp_pod).await;
    assert!(pp_logs
        .iter()
        .any(|l| l.contains("\" 503 NR route_not_found ")));
    // high-cardinality: thousands of request_path values; memory above a normal pod.
    let prom = text(
        pp.stats(&StatsQuery {
            format: StatsFormat::Prometheus,
            ..StatsQuery::default()
        })
        .await
        .unwrap()
        .body,
    );
    let mut paths: Vec<&str> = prom
        .lines()
        .filter(|l| l.starts_with("istio_requests_total{"))
        .filter_map(|l| l.split("request_path=\"").nth(1)?.split('"').next())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert!(
        paths.len() >= 1_000 && paths.iter().any(|p| p.contains("token=")),
        "{}",
        paths.len()
    );
    let mem = |v: Value| v["allocated"].as_str().unwrap().parse::<u64>().unwrap();
    let details_pod = pod(&m, "details", "");
    let details = client(&details_pod.admin);
    let big = mem(serde_json::from_slice(&pp.memory().await.unwrap().body).unwrap());
    let small = mem(serde_json::from_slice(&details.memory().await.unwrap().body).unwrap());
    assert!(big > small * 2, "{big} vs {small}");
    demo.advance(20);
    let grown = mem(serde_json::from_slice(&pp.memory().await.unwrap().body).unwrap());
    assert!(grown > big, "memory follows the series: {big} -> {grown}");
    // upstream-connect-failure: inbound connect failures and 503 UF on details.
    assert!(stat(&details, "cluster.inbound|9080||.upstream_cx_connect_fail").await > 0);
    assert!(logs(&demo, details_pod).await.iter().any(
        |l| l.contains("\" 503 UF upstream_reset_before_response_started{connection_failure}")
    ));
    // no-healthy-upstream: ratings hosts unhealthy, none_healthy counter, 503 UH.
    let v2_pod = pod(&m, "reviews", "-v2-");
    let v2 = client(&v2_pod.admin);
    let ratings = "outbound|9080||ratings.default.svc.cluster.local";
    let cs = ClusterStatuses::parse(&text(v2.clusters_json().await.unwrap().body)).unwrap();
    let hosts = &cs
        .cluster_statuses
        .iter()
        .find(|c| c.name == ratings)
        .unwrap()
        .host_statuses;
    assert!(
        !hosts.is_empty()
            && hosts
                .iter()
                .all(|h| h.health() == "UNHEALTHY" && h.health_status.failed_outlier_check)
    );
    assert!(stat(&v2, &format!("cluster.{ratings}.upstream_cx_none_healthy")).await > 0);
    assert!(logs(&demo, v2_pod)
        .await
        .iter()
        .any(|l| l.contains("\" 503 UH no_healthy_upstream ")));
    // upstream-reset, rejected-gateway, gateway-tcp-no-listener: on the gateway and istiod.
    let gw_pod = pod(&m, "istio-ingressgateway", "");
    let gw = client(&gw_pod.admin);
    let page = "outbound|9080||productpage.default.svc.cluster.local";
    assert!(
        stat(
            &gw,
            &format!("cluster.{page}.upstream_cx_destroy_remote_with_active_rq")
        )
        .await
            > 0
    );
    assert!(logs(&demo, gw_pod).await.iter().any(
        |l| l.contains("\" 503 UC upstream_reset_before_response_started{connection_termination} ")
    ));
    assert!(stat(&gw, "listener_manager.lds.update_rejected").await > 0);
    let gw_dump = dump(&gw, false).await;
    let gw_parsed = ConfigDump::parse(&gw_dump).unwrap();
    assert!(gw_parsed
        .of(Kind::Listener)
        .any(|r| r.state == State::Error));
    let istiod = client(&m.istiod);
    let metrics = text(istiod.istiod_metrics().await.unwrap().body);
    let rejected = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix("pilot_total_rejected_configs{name=\"default/test2\",type=\"gateway\"} ")
        })
        .unwrap();
    assert!(rejected.parse::<u64>().unwrap() > 0);
    let configz: Value =
        serde_json::from_slice(&istiod.get("/debug/configz").await.unwrap().body).unwrap();
    let tcp = configz
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["metadata"]["name"] == "tcp-gateway")
        .unwrap();
    assert_eq!(tcp["spec"]["servers"][0]["port"]["number"], 8888);
    let gl: Value = serde_json::from_slice(&gw.listeners().await.unwrap().body).unwrap();
    let ports: Vec<u64> = gl["listener_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["local_address"]["socket_address"]["port_value"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(ports.contains(&8080) && !ports.contains(&8888), "{ports:?}");
    // blackhole-port: 0.0.0.0_7000 → BlackHoleCluster, counters and logs.
    let ratings_pod = pod(&m, "ratings", "");
    let rt = client(&ratings_pod.admin);
    let rd = dump(&rt, false).await;
    let l7000 = ConfigDump::parse(&rd)
        .unwrap()
        .find(Kind::Listener, "0.0.0.0_7000")
        .unwrap()
        .raw
        .unwrap()
        .get()
        .to_string();
    assert!(l7000.contains("BlackHoleCluster"));
    assert!(stat(&rt, "cluster.BlackHoleCluster.upstream_cx_total").await > 0);
    assert!(logs(&demo, ratings_pod)
        .await
        .iter()
        .any(|l| l.contains(" BlackHoleCluster ") && l.contains("10.0.0.6:7000")));
    // externalname-hijack: 0.0.0.0_443 → the ExternalName cluster; log SNI is another host.
    let v1_pod = pod(&m, "reviews", "-v1-");
    let v1d = dump(&client(&v1_pod.admin), false).await;
    let l443 = ConfigDump::parse(&v1d)
        .unwrap()
        .find(Kind::Listener, "0.0.0.0_443")
        .unwrap()
        .raw
        .unwrap()
        .get()
        .to_string();
    assert!(l443.contains("outbound|443||my-externalname.default.svc.cluster.local"));
    assert!(logs(&demo, v1_pod).await.iter().any(|l| l
        .contains("outbound|443||my-externalname.default.svc.cluster.local")
        && l.contains(" api.github.com ")));
    // not-ready: 503 on both ports, INITIALIZING, warming clusters and listeners.
    let v3_pod = pod(&m, "reviews", "-v3-");
    let v3 = client(&v3_pod.admin);
    assert_eq!(
        client(&v3_pod.agent).agent_ready().await.unwrap().status,
        503
    );
    assert_eq!(v3.ready().await.unwrap().status, 503);
    let info: Value = serde_json::from_slice(&v3.server_info().await.unwrap().body).unwrap();
    assert_eq!(info["state"], "INITIALIZING");
    assert!(info["version"]
        .as_str()
        .unwrap()
        .ends_with("/1.22.0/Clean/RELEASE/BoringSSL"));
    assert!(count_warming(&ConfigDump::parse(&dump(&v3, false).await).unwrap()) > 0);
    assert!(stat(&v3, "listener_manager.total_listeners_warming").await > 0);
    // unbalanced-workers: worker_0 carries almost every inbound connection.
    let hb = client(&pod(&m, "httpbin", "").admin);
    let w0 = stat(&hb, "listener.0.0.0.0_15006.worker_0.downstream_cx_active").await;
    let w1 = stat(&hb, "listener.0.0.0.0_15006.worker_1.downstream_cx_active").await;
    assert!(w0 > 20 * w1.max(1), "{w0} vs {w1}");
    demo.shutdown().await;
}
