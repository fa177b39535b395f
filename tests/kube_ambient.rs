//! Ambient discovery through kube-rs against the in-test API server: the
//! ztunnel DaemonSet pods, the waypoint and the enrolled apps of the demo's
//! ambient namespace, linked to their node's ztunnel and their waypoint; a
//! ztunnel's `/config_dump` read by port-forward; `meshscope zc POD`.

#[path = "support/demo.rs"]
mod demo_support;
mod support;

use std::time::Duration;

use meshscope::model::findings::{diagnose_ambient, AmbientEvidence};
use meshscope::model::ztunnel::ZtunnelDump;
use meshscope::sources::demo;
use meshscope::sources::kube::{self, KubeOptions, PortForward};
use meshscope::sources::target::TargetKind;
use support::apiserver::{pods, ApiServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_ztunnels_waypoints_and_ambient_workloads() {
    let demo = demo::serve(demo_support::opts(Vec::new())).await.unwrap();
    let m = demo.manifest();
    assert!(m.ambient.len() >= 5, "{:?}", m.ambient);
    let api = ApiServer::start(&m).await;
    for p in pods::from_ambient_manifest(&m) {
        api.add_pod(p.object, p.ports);
    }
    let dir = support::temp_dir("kube-ambient");
    let kubeconfig = api.kubeconfig(&dir, "default");
    let opts = KubeOptions {
        kubeconfig: Some(kubeconfig.clone()),
        all_namespaces: true,
        ..KubeOptions::default()
    };
    let cluster = kube::connect(&opts).await.unwrap();
    let d = kube::discover(&cluster).await.unwrap();

    let kind_of = |name: &str| {
        d.ambient
            .iter()
            .find(|p| p.name.starts_with(name))
            .map(|p| p.kind)
    };
    assert_eq!(kind_of("ztunnel-d7x2k"), Some(TargetKind::Ztunnel));
    assert_eq!(kind_of("ztunnel-q9m4t"), Some(TargetKind::Ztunnel));
    assert_eq!(kind_of("waypoint-"), Some(TargetKind::Waypoint));
    assert_eq!(kind_of("cart-"), Some(TargetKind::AmbientWorkload));
    let pay = d
        .ambient
        .iter()
        .find(|p| p.app == "payments")
        .expect("payments");
    assert_eq!(pay.ztunnel.as_deref(), Some("istio-system/ztunnel-q9m4t"));
    assert_eq!(pay.waypoint.as_deref(), Some("ambient-shop/waypoint"));
    assert!(pay
        .waypoint_pod
        .as_deref()
        .is_some_and(|w| w.starts_with("ambient-shop/waypoint-")));
    // Sidecars stay sidecars; the ztunnel and waypoint are listed with their kind.
    let mesh = d.mesh_with_ambient();
    let kinds: Vec<(String, Option<TargetKind>)> =
        mesh.pods.iter().map(|t| (t.name.clone(), t.kind)).collect();
    assert!(kinds
        .iter()
        .any(|(n, k)| n.starts_with("productpage") && *k == Some(TargetKind::Sidecar)));
    assert!(kinds
        .iter()
        .any(|(n, k)| n == "ztunnel-d7x2k" && *k == Some(TargetKind::Ztunnel)));
    assert!(kinds
        .iter()
        .any(|(n, k)| n.starts_with("waypoint-") && *k == Some(TargetKind::Waypoint)));

    // ztunnel's admin port listens on localhost in the pod: port-forward, like a sidecar's.
    let pods_api =
        kube::Scope::Namespace("istio-system".into()).pods(cluster.stream_client.clone());
    let fwd = PortForward::start(pods_api, "ztunnel-d7x2k", 15000)
        .await
        .unwrap();
    let url = fwd.ready(Duration::from_secs(10)).await.unwrap();
    let body = reqwest::get(format!("{url}/config_dump"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dump = ZtunnelDump::parse(&body).unwrap();
    assert!(dump.workloads.iter().any(|w| w.name.starts_with("cart-")));
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&dump),
        now_unix: meshscope::sources::clock::unix_now(),
        ..AmbientEvidence::default()
    });
    assert!(
        r.findings.iter().all(|f| f.rule != "MS3001"),
        "cart's node has no cert problem"
    );

    // `zc POD`: a workload pod resolves to its node's ztunnel and narrows to itself.
    let kc = kubeconfig.display().to_string();
    let cart = d.ambient.iter().find(|p| p.app == "cart").expect("cart");
    let target = format!("{}/{}", cart.namespace, cart.name);
    let out = tokio::task::spawn_blocking(move || {
        support::meshscope(&["zc", "workload", &target, "--kubeconfig", &kc])
    })
    .await
    .unwrap();
    let text = support::stdout_ok(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("cart-5d8f7c9b4-k7p2q"), "{text}");

    // The watch keeps the ambient part too (the list it feeds shows them).
    use futures::StreamExt;
    let mut snapshots = kube::watch(&cluster);
    let first = tokio::time::timeout(Duration::from_secs(5), snapshots.next())
        .await
        .expect("a snapshot")
        .expect("stream")
        .expect("no error");
    let watched: Vec<&str> = first.ambient.iter().map(|a| a.name.as_str()).collect();
    let listed: Vec<&str> = d.ambient.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(watched, listed);
    assert_eq!(first.mesh_with_ambient().pods.len(), mesh.pods.len());
}
