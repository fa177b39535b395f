//! Serves the demo's ambient namespace on loopback: each ztunnel's admin
//! (`/config_dump`, `/logging`) and 15020 (`/stats/prometheus`, `/metrics`,
//! `/demo/logs`), and the waypoint's Envoy admin (`/config_dump`,
//! `/server_info`, `/ready`, `/stats`, `/logging`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::ambient::{
    pods, waypoint_clusters_json, waypoint_dump, waypoint_stats, ztunnel_dump, ztunnel_log_lines,
    ztunnel_metrics,
};
use super::http::{spawn_server, FaultControl, Handler, Reply, Request};
use super::manifest::ManifestAmbientPod;
use super::server::DemoError;

async fn bind() -> Result<(TcpListener, String), DemoError> {
    let addr = "127.0.0.1:0".to_string();
    let l = TcpListener::bind(&addr)
        .await
        .map_err(|source| DemoError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let local = l
        .local_addr()
        .map_err(|source| DemoError::Bind { addr, source })?;
    Ok((l, format!("http://{local}")))
}

fn now_unix() -> i64 {
    crate::sources::clock::unix_now()
}

/// `/logging` as ztunnel and Envoy answer it; a POST `?level=` changes it.
/// `/logging` as ztunnel answers it (POST only; `?level=L` sets the global
/// level), and as a waypoint's Envoy does for the same query.
fn logging(level: &Mutex<String>, req: &Request) -> Reply {
    if req.method != "POST" {
        return Reply::status(405, "text/plain", "Invalid HTTP method\n");
    }
    let mut l = level.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(v) = req.param("level") {
        if !["error", "warn", "info", "debug", "trace", "off"].contains(&v) {
            return Reply::status(400, "text/plain", format!("Invalid level provided: {v}\n"));
        }
        *l = v.to_string();
    }
    Reply::text(format!("current log level is {l}\n"))
}

/// Binds and serves every ambient pod; returns the tasks and the manifest entries.
pub(crate) async fn spawn(
    faults: Arc<FaultControl>,
) -> Result<(Vec<JoinHandle<()>>, Vec<ManifestAmbientPod>), DemoError> {
    let started = Instant::now();
    let all = pods();
    let mut tasks = Vec::new();
    let mut out = Vec::new();
    for p in &all {
        let (admin_l, admin_url) = bind().await?;
        let (stats_l, stats_url) = bind().await?;
        let node = p.node.clone();
        let level = Arc::new(Mutex::new("info".to_string()));
        let admin: Handler = match p.kind {
            "ztunnel" => {
                let (node, level) = (node.clone(), level.clone());
                Arc::new(move |req: &Request| match req.path.as_str() {
                    "/config_dump" => Reply::json(ztunnel_dump(&node, now_unix())),
                    "/logging" => logging(&level, req),
                    _ => Reply::not_found(&req.path),
                })
            }
            "waypoint" => {
                let level = level.clone();
                Arc::new(move |req: &Request| match req.path.as_str() {
                    "/config_dump" => Reply::json(waypoint_dump()),
                    "/clusters" if req.param("format") == Some("json") => {
                        Reply::json(waypoint_clusters_json(started.elapsed().as_secs() + 30))
                    }
                    "/server_info" => Reply::json(
                        r#"{"version":"demo/1.36.0/Clean/RELEASE/BoringSSL","state":"LIVE","command_line_options":{"concurrency":2}}"#,
                    ),
                    "/ready" => Reply::text("LIVE\n"),
                    "/stats" => Reply::text(waypoint_stats(started.elapsed().as_secs() + 30)),
                    "/logging" => logging(&level, req),
                    _ => Reply::not_found(&req.path),
                })
            }
            _ => Arc::new(move |req: &Request| Reply::not_found(&req.path)),
        };
        let stats: Handler = {
            let (node, kind) = (node.clone(), p.kind);
            Arc::new(move |req: &Request| {
                let ticks = started.elapsed().as_secs() + 30;
                match (kind, req.path.as_str()) {
                    ("ztunnel", "/stats/prometheus" | "/metrics") => {
                        Reply::text(ztunnel_metrics(&node, ticks))
                    }
                    ("ztunnel", "/demo/logs") => {
                        let ts = crate::model::x509::rfc3339(now_unix());
                        let mut body = ztunnel_log_lines(&node, &ts).join("\n");
                        body.push('\n');
                        Reply::text(body)
                    }
                    (_, "/healthz/ready") => Reply::text(""),
                    _ => Reply::not_found(&req.path),
                }
            })
        };
        let has_proxy = p.kind != "ambient";
        if has_proxy {
            tasks.push(spawn_server(admin_l, admin, faults.clone()));
            tasks.push(spawn_server(stats_l, stats, faults.clone()));
        }
        let ztunnel = (p.kind != "ztunnel")
            .then(|| {
                all.iter()
                    .find(|z| z.kind == "ztunnel" && z.node == p.node)
                    .map(|z| format!("{}/{}", z.namespace, z.name))
            })
            .flatten();
        let waypoint = (p.app == "payments")
            .then(|| format!("{}/waypoint", super::ambient::AMBIENT_NAMESPACE));
        out.push(ManifestAmbientPod {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            app: p.app.clone(),
            kind: p.kind.to_string(),
            node: p.node.clone(),
            admin: has_proxy.then_some(admin_url),
            stats: has_proxy.then_some(stats_url),
            ztunnel,
            waypoint,
            scenarios: p.scenarios.iter().map(|s| s.to_string()).collect(),
        });
    }
    Ok((tasks, out))
}
