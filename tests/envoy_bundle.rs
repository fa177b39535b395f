//! Snapshot bundles held against a real Envoy (issue 10): every captured body
//! is the byte-for-byte answer Envoy sent (config_dump too, but for redacted
//! values), `pc clusters --bundle` prints what `--admin` prints, and the app
//! opened on the bundle lists the clusters in the live order.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meshscope::app::headless::Headless;
use meshscope::app::state::{AppState, ViewKind};
use meshscope::config::Config;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::bundle::{Bundle, BundleFetcher};
use meshscope::sources::target::{AdminFetcher, Fetcher, MeshInfo};
use meshscope::theme::Theme;
use support::envoy::{envoys, runtime, Sidecar};
use support::{meshscope, temp_dir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Exact bodies Envoy sent, by path and query.
type Seen = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// A loopback proxy in front of `admin` that records every body Envoy sends,
/// so the bundle can be compared with the very bytes it was made from.
async fn recording_proxy(admin: &str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let (admin, record) = (admin.to_string(), seen.clone());
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (admin, record, http) = (admin.clone(), record.clone(), http.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head).to_string();
                let mut parts = line.split(' ');
                let method = parts.next().unwrap_or("GET").to_string();
                let path = parts.next().unwrap_or("/").to_string();
                let resp = http
                    .request(method.parse().expect("method"), format!("{admin}{path}"))
                    .send()
                    .await
                    .expect("forward");
                let status = resp.status().as_u16();
                let ctype = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("text/plain")
                    .to_string();
                let body = resp.bytes().await.expect("body").to_vec();
                record.lock().expect("lock").insert(path, body.clone());
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    (url, seen)
}

/// `stored` equals `live` except that some JSON strings of `live` read
/// `"[redacted]"` in `stored`; returns how many strings differ.
fn equal_except_redacted(stored: &[u8], live: &[u8]) -> Result<usize, String> {
    const MARK: &[u8] = b"\"[redacted]\"";
    let mut segments = Vec::new();
    let mut rest = stored;
    while let Some(p) = rest.windows(MARK.len()).position(|w| w == MARK) {
        segments.push(&rest[..p]);
        rest = &rest[p + MARK.len()..];
    }
    segments.push(rest);
    let (mut pos, mut changed) = (0, 0);
    for (k, seg) in segments.iter().enumerate() {
        if !live[pos..].starts_with(seg) {
            return Err(format!("bodies differ near live byte {pos}"));
        }
        pos += seg.len();
        if k + 1 == segments.len() {
            break;
        }
        if live.get(pos) != Some(&b'"') {
            return Err(format!("redacted value at live byte {pos} is not a string"));
        }
        let start = pos;
        pos += 1;
        while pos < live.len() && live[pos] != b'"' {
            pos += if live[pos] == b'\\' { 2 } else { 1 };
        }
        pos += 1;
        if &live[start..pos] != MARK {
            changed += 1;
        }
    }
    if pos == live.len() {
        Ok(changed)
    } else {
        Err(format!("live body has {} more bytes", live.len() - pos))
    }
}

/// The cluster names of the app's Clusters view, in their natural order.
async fn app_clusters(mesh: MeshInfo, fetcher: Arc<dyn Fetcher>) -> Vec<String> {
    let mut state = AppState::new(mesh, "t", Config::default(), Theme::dark(), Instant::now());
    meshscope::app::sidecars::update::rebuild(&mut state);
    let mut h = Headless::new(state, fetcher, None);
    h.open(0);
    meshscope::app::nav::show_view(&mut h.state, ViewKind::Clusters);
    let rows = |s: &AppState| {
        meshscope::app::registry::table_of(s, ViewKind::Clusters, Some(0))
            .map(|(t, _)| t.rows.len())
            .unwrap_or(0)
    };
    assert!(h.settle(Duration::from_secs(10), |s| rows(s) > 5).await);
    // Let the merged (stats + /clusters) table settle too.
    h.settle(Duration::from_millis(500), |_| false).await;
    meshscope::app::registry::table_of(&h.state, ViewKind::Clusters, Some(0))
        .map(|(t, _)| t.rows.iter().map(|r| r.cells[0].clone()).collect())
        .unwrap_or_default()
}

#[test]
fn snapshot_is_verbatim_and_opens_like_live() {
    for bin in envoys("snapshot_is_verbatim_and_opens_like_live") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "bundle").await;
            sc.drive_incidents().await;
            let (proxy, seen) = recording_proxy(&sc.admin).await;
            let dir = temp_dir(&format!("envoy-bundle-{}", bin.version));
            let out = dir.join("b.json");
            let out_s = out.display().to_string();
            let args = vec!["snapshot", "--admin", &proxy, "-o", &out_s]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>();
            let r = tokio::task::spawn_blocking(move || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                meshscope(&a)
            })
            .await
            .expect("join");
            let stderr = String::from_utf8_lossy(&r.stderr).to_string();
            eprintln!("{} {stderr}", bin.version);
            assert!(r.status.success(), "{stderr}");
            let bundle = Bundle::read(&out).expect("bundle");
            let pod = &bundle.pods[0];
            let seen = seen.lock().expect("lock").clone();
            let stored = |name: &str| {
                pod.endpoints[name]
                    .text
                    .clone()
                    .unwrap_or_else(|| panic!("{name} not stored"))
                    .into_bytes()
            };
            for (name, path) in [
                ("clusters_json", "/clusters?format=json"),
                ("stats", "/stats"),
                ("server_info", "/server_info"),
                ("listeners", "/listeners?format=json"),
                ("prometheus", "/stats/prometheus"),
                ("memory", "/memory"),
                ("certs", "/certs"),
            ] {
                let live = &seen[path];
                assert!(stored(name) == *live, "{} {name} not verbatim", bin.version);
            }
            let live_dump = &seen["/config_dump?include_eds"];
            let dump = stored("config_dump");
            let changed = equal_except_redacted(&dump, live_dump)
                .unwrap_or_else(|e| panic!("{} config_dump: {e}", bin.version));
            eprintln!(
                "{}: config_dump {} B live, {} B stored, {changed} values redacted by us",
                bin.version,
                live_dump.len(),
                dump.len()
            );
            // The private key reads redacted (ours, or Envoy's base64 of `[redacted]`).
            assert!(
                dump.windows(12).any(|w| w == b"\"[redacted]\"")
                    || dump.windows(18).any(|w| w == b"\"W3JlZGFjdGVkXQ==\""),
                "{}: no redacted private key",
                bin.version
            );
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
            // pc clusters from the bundle prints what it prints live.
            let (admin, out2) = (sc.admin.clone(), out_s.clone());
            let (live_pc, offline_pc) = tokio::task::spawn_blocking(move || {
                (
                    meshscope(&["pc", "clusters", "--admin", &admin]),
                    meshscope(&["pc", "clusters", "--bundle", &out2]),
                )
            })
            .await
            .expect("join");
            assert!(offline_pc.status.success());
            assert_eq!(
                String::from_utf8_lossy(&offline_pc.stdout),
                String::from_utf8_lossy(&live_pc.stdout)
            );
            // snapshot → open: the same clusters in the same order as live.
            let live_mesh = bundle.mesh();
            let mut live_mesh_admin = live_mesh.clone();
            live_mesh_admin.pods[0].admin = Some(sc.admin.clone());
            let fetcher =
                AdminFetcher::new(&live_mesh_admin, &ClientOptions::default()).expect("fetcher");
            let live_rows = app_clusters(live_mesh_admin, Arc::new(fetcher)).await;
            let bundle_rows =
                app_clusters(live_mesh, Arc::new(BundleFetcher::new(bundle.clone()))).await;
            assert!(live_rows.len() > 5, "{live_rows:?}");
            assert_eq!(bundle_rows, live_rows, "{}", bin.version);
        });
    }
}
