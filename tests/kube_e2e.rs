//! The Kubernetes source end to end, through kube-rs, against the in-test
//! API server (`support/apiserver.rs`) bridged to the demo mesh: discovery,
//! port-forward, config dump, logs, watch, recovery, and the one-line
//! failures of the binary.

#[path = "support/demo.rs"]
mod demo_support;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use meshscope::model::config_dump::{ConfigDump, Kind};
use meshscope::sources::demo::{self, RunningDemo};
use meshscope::sources::kube::{
    self, Cluster, ForwardState, KubeFetcher, KubeLogSource, KubeOptions, PortForward, ProxyKind,
};
use meshscope::sources::logs::{LogError, LogQuery, LogSource};
use meshscope::sources::target::{Endpoint, Fetcher, TargetInfo};
use support::apiserver::{pods, ApiServer};

struct Env {
    demo: RunningDemo,
    api: ApiServer,
    cluster: Cluster,
}

async fn env(name: &str, all_namespaces: bool) -> Env {
    let demo = demo::serve(demo_support::opts(Vec::new())).await.unwrap();
    let api = ApiServer::start(&demo.manifest()).await;
    let dir = support::temp_dir(name);
    let opts = KubeOptions {
        kubeconfig: Some(api.kubeconfig(&dir, "default")),
        all_namespaces,
        ..KubeOptions::default()
    };
    let cluster = kube::connect(&opts).await.unwrap();
    Env { demo, api, cluster }
}

fn fetcher(env: &Env, d: &kube::Discovery) -> KubeFetcher {
    let opts = meshscope::sources::admin::ClientOptions {
        retries: 2,
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    KubeFetcher::new(env.cluster.stream_client.clone(), d, opts)
}

fn target(d: &kube::Discovery, app: &str) -> TargetInfo {
    d.proxies.iter().find(|p| p.app == app).unwrap().target()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_sidecars_gateways_and_istiod() {
    let env = env("kube-discover", true).await;
    let started = Instant::now();
    let d = kube::discover(&env.cluster).await.unwrap();
    eprintln!("discovery (-A): {:?}", started.elapsed());
    let manifest = env.demo.manifest();
    assert_eq!(d.proxies.len(), manifest.pods.len(), "nginx is not a proxy");
    assert!(d.proxies.iter().all(|p| p.name != "nginx-7c5ddbdf54-abcde"));
    let gw = d
        .proxies
        .iter()
        .find(|p| p.kind == ProxyKind::Gateway)
        .unwrap();
    assert_eq!((gw.namespace.as_str(), gw.restarts), ("istio-system", 2));
    assert!(d
        .proxies
        .iter()
        .all(|p| p.version.as_deref() == Some("1.22.0") && p.ready));
    let ratings = d.proxies.iter().find(|p| p.app == "ratings").unwrap();
    assert_eq!(ratings.admin_port, 15001, "from proxy.istio.io/config");
    assert_eq!(
        ratings
            .pod_ip
            .as_deref()
            .map(|ip| ip.starts_with("10.0.1.")),
        Some(true)
    );
    let istiod = d.istiod.clone().unwrap();
    assert_eq!(istiod.name, "istiod-5d4c7b9f8-x2x9q");
    let mesh = d.mesh();
    assert_eq!(
        mesh.istiod.as_deref(),
        Some("kube://istio-system/istiod-5d4c7b9f8-x2x9q:15014")
    );
    assert_eq!(mesh.pods.len(), manifest.pods.len());

    // The context's namespace without -A: only `default`.
    let dir = support::temp_dir("kube-discover-ns");
    let opts = KubeOptions {
        kubeconfig: Some(env.api.kubeconfig(&dir, "default")),
        ..KubeOptions::default()
    };
    let scoped = kube::discover(&kube::connect(&opts).await.unwrap())
        .await
        .unwrap();
    assert!(!scoped.proxies.is_empty());
    assert!(scoped.proxies.iter().all(|p| p.namespace == "default"));
    assert!(scoped.proxies.len() < d.proxies.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_config_dump_agent_and_istiod_through_port_forwards() {
    let env = env("kube-forward", true).await;
    let d = kube::discover(&env.cluster).await.unwrap();
    let f = fetcher(&env, &d);
    let page = target(&d, "productpage");
    let started = Instant::now();
    let dump = f.fetch(Some(&page), Endpoint::ConfigDump).await.unwrap();
    eprintln!("first forward + config_dump: {:?}", started.elapsed());
    assert_eq!(dump.status, 200);
    let text = std::str::from_utf8(&dump.body).unwrap();
    let parsed = ConfigDump::parse(text).unwrap();
    assert!(parsed.of(Kind::Listener).count() > 0);
    assert!(parsed.of(Kind::Cluster).count() > 0);

    // proxyAdminPort 15001 is honoured (15000 is not forwardable on ratings).
    let ratings = target(&d, "ratings");
    let info = f.fetch(Some(&ratings), Endpoint::ServerInfo).await.unwrap();
    assert!(std::str::from_utf8(&info.body)
        .unwrap()
        .contains("\"state\""));
    let ready = f.fetch(Some(&page), Endpoint::AgentReady).await.unwrap();
    assert_eq!(ready.status, 200);
    let metrics = f.fetch(None, Endpoint::IstiodMetrics).await.unwrap();
    assert!(std::str::from_utf8(&metrics.body)
        .unwrap()
        .contains("pilot_"));

    let forwards = f.forwards();
    let targets: Vec<&str> = forwards.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(targets.len(), 4, "{targets:?}");
    assert!(targets.iter().any(|t| t.ends_with(":15001")));
    for (_, state) in forwards {
        match &*state.borrow() {
            ForwardState::Ready { local_url } => {
                assert!(local_url.starts_with("http://127.0.0.1:"))
            }
            other => panic!("not ready: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_comes_back_after_the_api_server_drops_it() {
    let env = env("kube-drop", true).await;
    let d = kube::discover(&env.cluster).await.unwrap();
    let f = fetcher(&env, &d);
    let page = target(&d, "productpage");
    f.fetch(Some(&page), Endpoint::ServerInfo).await.unwrap();
    let fw = f.forward(&page.namespace, &page.name, 15000).await.unwrap();
    let url = fw.local_url().to_string();
    // One stream served the fetch; wait for the spare that replaced it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while env.api.forwards_opened() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let opened = env.api.forwards_opened();
    assert_eq!(opened, 2);
    assert_eq!(fw.reconnects(), 0);

    env.api.drop_forwards();
    let deadline = Instant::now() + Duration::from_secs(5);
    while fw.reconnects() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        fw.reconnects(),
        1,
        "the dropped spare stream was noticed: {fw:?} opened {}",
        env.api.forwards_opened()
    );
    let started = Instant::now();
    let again = f.fetch(Some(&page), Endpoint::ConfigDump).await.unwrap();
    eprintln!("fetch after drop: {:?}", started.elapsed());
    ConfigDump::parse(std::str::from_utf8(&again.body).unwrap()).unwrap();
    assert!(
        env.api.forwards_opened() > opened,
        "new streams were opened"
    );
    assert_eq!(fw.local_url(), url, "the local port survives reconnects");
    let state = fw.state().borrow().clone();
    assert_eq!(state, ForwardState::Ready { local_url: url });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_to_a_closed_pod_port_fails_with_the_servers_message() {
    let env = env("kube-closed", true).await;
    let api = k8s_api(&env, "default");
    let pod = env.demo.manifest().pods[0].name.clone();
    let fw = PortForward::start(api, &pod, 9999).await.unwrap();
    let err = fw
        .ready(Duration::from_secs(5))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("connection refused"), "{err}");
    assert!(
        err.starts_with(&format!("port-forward default/{pod}:9999: ")),
        "{err}"
    );
    match fw.state().borrow().clone() {
        ForwardState::Failed { retry_in, .. } => assert!(retry_in >= Duration::from_millis(250)),
        other => panic!("{other:?}"),
    }
}

fn k8s_api(env: &Env, ns: &str) -> ::kube::Api<k8s_openapi::api::core::v1::Pod> {
    ::kube::Api::namespaced(env.cluster.stream_client.clone(), ns)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_sidecar_logs_and_reports_a_cut_stream() {
    let env = env("kube-logs", true).await;
    let p = demo_support::pod(&env.demo.manifest(), "productpage", "").clone();
    let source: Arc<dyn LogSource> =
        Arc::new(KubeLogSource::new(env.cluster.stream_client.clone()));
    let mut lines = source.lines(&LogQuery::sidecar(&p.namespace, &p.name, 5));
    let mut got = Vec::new();
    while got.len() < 8 {
        let line = tokio::time::timeout(Duration::from_secs(5), lines.next())
            .await
            .unwrap();
        got.push(line.unwrap().unwrap());
    }
    assert!(got.iter().all(|l| !l.contains('\n') && !l.is_empty()));
    assert!(
        got.iter()
            .any(|l| l.contains("HTTP/1.1") || l.contains("\"response_code\"")),
        "{got:?}"
    );
    let log_req = env
        .api
        .requests()
        .into_iter()
        .find(|r| r.contains("/log?"))
        .unwrap();
    for part in ["container=istio-proxy", "follow=true", "tailLines=5"] {
        assert!(log_req.contains(part), "{log_req}");
    }

    env.api.drop_logs();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match lines.next().await {
                Some(Ok(_)) => continue,
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(end, Some(Err(LogError::Disconnected(_)))),
        "{end:?}"
    );
    assert!(lines.next().await.is_none(), "an error ends the stream");

    let mut missing = source.lines(&LogQuery::sidecar("default", "no-such-pod", 5));
    let first = missing.next().await;
    assert!(
        matches!(first, Some(Err(LogError::NotFound(_)))),
        "{first:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_added_and_deleted_proxies() {
    let env = env("kube-watch", true).await;
    let mut snapshots = kube::watch(&env.cluster);
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(5), snapshots.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    };
    let first = next().await;
    let n = env.demo.manifest().pods.len();
    assert_eq!(first.proxies.len(), n);
    assert!(first.istiod.is_some());

    env.api.add_pod(
        pods::sidecar("default", "new-v1-abc", "new", "10.0.2.1", 15000),
        Vec::new(),
    );
    let added = next().await;
    assert_eq!(added.proxies.len(), n + 1);
    assert!(added.proxy("default", "new-v1-abc").is_some());
    env.api.delete_pod("default", "new-v1-abc");
    let removed = next().await;
    assert_eq!(removed.proxies.len(), n);
}

fn run_binary(args: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = support::meshscope(args);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap_or(-1), stderr, elapsed)
}

#[test]
fn missing_kubeconfig_exits_2_with_one_line() {
    let (code, stderr, took) = run_binary(&["--kubeconfig", "/nonexistent"]);
    eprintln!("missing kubeconfig exit: {took:?}");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("kubeconfig /nonexistent: No such file"),
        "{stderr}"
    );
    assert!(stderr.contains("meshscope demo"), "{stderr}");
    assert!(took < Duration::from_secs(10));
}

#[test]
fn unreachable_cluster_exits_2_with_one_line_quickly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = support::temp_dir("kube-closed-port");
    let path = dir.join("kubeconfig.yaml");
    let yaml = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    \
         server: https://127.0.0.1:{port}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    \
         user: u\nusers:\n- name: u\n  user:\n    token: t\n"
    );
    std::fs::write(&path, yaml).unwrap();
    let path = path.to_str().unwrap();
    let (code, stderr, took) = run_binary(&["--kubeconfig", path]);
    eprintln!("closed port exit: {took:?}");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let want =
        format!("cannot reach the Kubernetes API at https://127.0.0.1:{port}: connection refused");
    assert!(stderr.contains(&want), "{stderr}");
    assert!(took < Duration::from_secs(10));

    let (code, stderr, _) = run_binary(&["--kubeconfig", path, "--context", "nope"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no context named `nope`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_command_reads_a_cluster_pod_through_the_api_server() {
    let env = env("logs-cli", true).await;
    env.demo.advance(40);
    let dir = support::temp_dir("logs-cli-kubeconfig");
    let kubeconfig = env.api.kubeconfig(&dir, "default");
    let d = kube::discover(&env.cluster).await.unwrap();
    let fortio = d.proxies.iter().find(|p| p.app == "fortio").unwrap();
    let pod = format!("{}/{}", fortio.namespace, fortio.name);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_meshscope"))
            .args([
                "logs",
                "--kubeconfig",
                kubeconfig.to_str().unwrap(),
                "--tail",
                "50",
                "--status",
                "5xx",
                &pod,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only 5xx entries, each parsed, with its flag explained (the demo's circuit breaker: UO).
    assert!(
        stdout
            .lines()
            .filter(|l| !l.starts_with("    "))
            .all(|l| l.contains(" 503 ")),
        "{stdout}"
    );
    assert!(stdout.contains("UO: circuit breaker open"), "{stdout}");
}
