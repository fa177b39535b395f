//! Platform hardening against hostile or broken servers and files: control
//! characters from an admin port never reach the terminal raw, oversized bodies
//! stop at the configured cap, the user's config survives a layout save.

mod support;

use std::sync::Arc;

use support::meshscope;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How the test server answers one request.
#[derive(Clone)]
enum Answer {
    /// A whole body with this status.
    Body(u16, Vec<u8>),
    /// 200 and a chunked body that never ends.
    Endless,
}

/// A loopback HTTP/1.1 server on its own thread; `answer` maps a request path
/// (with query) to the answer. Returns the base URL.
fn serve(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> String {
    let answer = Arc::new(answer);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    let path = text.split(' ').nth(1).unwrap_or("/").to_string();
                    match answer(&path) {
                        Answer::Body(code, body) => {
                            let head = format!(
                                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\n\
                                 content-length: {}\r\nconnection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = sock.write_all(head.as_bytes()).await;
                            let _ = sock.write_all(&body).await;
                        }
                        Answer::Endless => {
                            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\
                                        transfer-encoding: chunked\r\n\r\n";
                            if sock.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            let line = "cluster.x.upstream_rq_total: 1\n".repeat(2048);
                            let chunk = format!("{:x}\r\n{line}\r\n", line.len());
                            while sock.write_all(chunk.as_bytes()).await.is_ok() {}
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
    });
    let addr = rx.recv().expect("server address");
    format!("http://{addr}")
}

/// A config_dump with one cluster whose name carries terminal control sequences
/// (JSON-escaped on the wire, real ESC and BEL once decoded).
fn hostile_dump() -> Vec<u8> {
    let name = r"outbound|80||evil\u001b]0;pwned\u0007.default.svc.cluster.local\u001b[2J";
    format!(
        r#"{{"configs": [{{"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
        "dynamic_active_clusters": [{{"cluster": {{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
        "name": "{name}", "type": "EDS"}}}}]}}]}}"#
    )
    .into_bytes()
}

fn assert_no_controls(what: &str, bytes: &[u8]) {
    let bad: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f)
        .collect();
    assert!(
        bad.is_empty(),
        "{what} has raw control bytes {bad:?}: {:?}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn pc_tables_escape_control_sequences_from_the_server() {
    let url = serve(|_| Answer::Body(200, hostile_dump()));
    let out = meshscope(&["pc", "clusters", "--admin", &url]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_no_controls("stdout", &out.stdout);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r"evil\u001b]0;pwned\u0007.default.svc.cluster.local\u001b[2J"),
        "{text}"
    );
    // JSON output stays valid JSON and decodes to the server's exact name.
    let out = meshscope(&["pc", "clusters", "--admin", &url, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_no_controls("json stdout", &out.stdout);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(v.to_string().contains(r"evil\u001b]0;pwned\u0007"), "{v}");
}

#[test]
fn error_bodies_from_the_server_are_escaped_on_stderr() {
    let url = serve(|_| Answer::Body(500, b"boom \x1b]0;pwned\x07 \x1b[2J\x00 done".to_vec()));
    let out = meshscope(&["pc", "clusters", "--admin", &url]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_no_controls("stderr", &out.stderr);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answered HTTP 500"), "{err}");
    assert!(
        err.contains(r"boom \u001b]0;pwned\u0007 \u001b[2J\u0000 done"),
        "{err}"
    );
}

// ---- TUI: error banners, help, zoomed clusters ----

mod ui {
    use meshscope::app::state::{Loadable, ViewKind};
    use meshscope::app::{update, Action};
    use meshscope::sources::target::Endpoint;

    use super::support::stats_bodies::simulate_clusters_json;
    use super::support::ui::{drive, open, render, state};

    fn command(mesh: &meshscope::sources::demo::Mesh, s: &mut meshscope::app::AppState, cmd: &str) {
        drive(mesh, s, [Action::Command(cmd.to_string())]);
    }

    #[test]
    fn error_banners_in_three_panes_wrap_instead_of_losing_the_status() {
        let (mesh, mut s) = state();
        open(&mesh, &mut s, "fortio", ViewKind::Clusters);
        command(&mesh, &mut s, "layout clusters listeners routes");
        assert_eq!(s.panes.len(), 3);
        let key = (s.selected, Endpoint::ClustersJson);
        let request = s.slots.get(&key).map(|x| x.request).expect("slot");
        let error = "http://127.0.0.1:15000/clusters?format=json answered HTTP 500: \
                     upstream connect error or disconnect/reset before headers";
        let fx = update(
            &mut s,
            Action::Fetched {
                key,
                request,
                result: Err(error.to_string()),
            },
        );
        drop(fx);
        assert!(matches!(
            s.slots.get(&key).map(|x| &x.state),
            Some(Loadable::Failed { .. })
        ));
        let screen = render(&s);
        let first_pane: String = screen
            .lines()
            .map(|l| l.chars().take(40).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n");
        for words in [
            "answered HTTP 500",
            "disconnect/reset",
            "before headers · retrying",
        ] {
            assert!(first_pane.contains(words), "{words} is lost:\n{screen}");
        }
        insta::assert_snapshot!("three_panes_error_banner", screen);
    }

    #[test]
    fn help_wraps_long_lines_inside_the_popup() {
        let (mesh, mut s) = state();
        open(&mesh, &mut s, "details", ViewKind::Clusters);
        drive(&mesh, &mut s, [Action::ToggleHelp]);
        let screen = render(&s);
        // The ends of the longest lines, cut at the popup's edge before.
        for tail in ["cardinality layout theme", "log→request, logger→level"] {
            assert!(screen.contains(tail), "{tail} is cut:\n{screen}");
        }
        insta::assert_snapshot!("help_wrapped", screen);
    }

    #[test]
    fn zoomed_clusters_show_the_whole_state_column() {
        simulate_clusters_json();
        let (mesh, mut s) = state();
        open(&mesh, &mut s, "fortio", ViewKind::Clusters);
        command(&mesh, &mut s, "layout clusters");
        s.zoom = true;
        let screen = render(&s);
        let header = screen.lines().nth(2).unwrap_or_default();
        assert!(
            header.contains("STATE") && header.contains("CX/PEND/RQ"),
            "{header}"
        );
        insta::assert_snapshot!("zoomed_clusters", screen);
    }
}

// ---- Oversized bodies ----

mod oversize {
    use std::time::{Duration, Instant};

    use meshscope::app::state::ViewKind;
    use meshscope::app::{update, Action, Effect};
    use meshscope::sources::admin::{AdminClient, AdminError, ClientOptions, TOO_LARGE};
    use meshscope::sources::target::{AdminFetcher, Endpoint, Fetcher, MeshInfo, TargetInfo};

    use super::support::ui::{open, state};
    use super::{serve, Answer};

    #[test]
    fn an_endless_body_stops_at_the_cap_and_names_the_real_setting() {
        let url = serve(|_| Answer::Endless);
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let client = AdminClient::new(
            &url,
            ClientOptions {
                max_body_bytes: 4 * 1024 * 1024,
                ..ClientOptions::default()
            },
        )
        .expect("client");
        let started = Instant::now();
        let err = rt.block_on(client.logging()).expect_err("over the cap");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(err, AdminError::TooLarge { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("max_body_mib"), "{msg}");
        assert!(msg.starts_with(TOO_LARGE), "{msg}");
    }

    #[test]
    fn the_config_file_sets_the_cap_for_commands() {
        let url = serve(|_| Answer::Endless);
        let home = super::support::temp_dir("cap-config");
        std::fs::create_dir_all(home.join("meshscope")).expect("dir");
        std::fs::write(home.join("meshscope/config.toml"), "max_body_mib = 2\n").expect("write");
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meshscope"))
            .args(["pc", "clusters", "--admin", &url])
            .env("XDG_CONFIG_HOME", &home)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{TOO_LARGE} {} bytes", 2 * 1024 * 1024)),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(20));
        let _ = std::fs::remove_dir_all(&home);
    }

    #[test]
    fn stats_over_the_cap_are_fetched_again_used_only() {
        let url = serve(|path| {
            if path.contains("usedonly") {
                Answer::Body(200, b"cluster.x.upstream_rq_total: 7\n".to_vec())
            } else {
                Answer::Endless
            }
        });
        let target = TargetInfo {
            namespace: "default".into(),
            name: "big".into(),
            admin: Some(url),
            ..Default::default()
        };
        let mesh = MeshInfo {
            istiod: None,
            pods: vec![target.clone()],
        };
        let opts = ClientOptions {
            max_body_bytes: 1024 * 1024,
            ..ClientOptions::default()
        };
        let fetcher = AdminFetcher::new(&mesh, &opts).expect("fetcher");
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let got = rt
            .block_on(fetcher.fetch(Some(&target), Endpoint::Stats))
            .expect("used-only stats");
        assert_eq!(&got.body[..], b"cluster.x.upstream_rq_total: 7\n");
    }

    fn asks_for(fx: &[Effect], key: (Option<usize>, Endpoint)) -> bool {
        fx.iter()
            .any(|e| matches!(e, Effect::Fetch { key: k, .. } if *k == key))
    }

    #[test]
    fn an_oversized_endpoint_is_polled_with_a_growing_back_off() {
        let (mesh, mut s) = state();
        open(&mesh, &mut s, "fortio", ViewKind::Clusters);
        let key = (s.selected, Endpoint::ClustersJson);
        let poll = s.poll_interval();
        let start = s.now;
        let mut now = start;
        let oversized = |s: &mut meshscope::app::AppState, at: Instant| {
            let fx = update(s, Action::Tick(at));
            assert!(asks_for(&fx, key), "not polled at {:?}", at - start);
            let request = s.slots.get(&key).map(|x| x.request).expect("slot");
            let error = format!("{TOO_LARGE} 536870912 bytes: http://x/clusters?format=json");
            drop(update(
                s,
                Action::Fetched {
                    key,
                    request,
                    result: Err(error),
                },
            ));
        };
        // First answer over the cap: the next poll waits two intervals, then four.
        now += poll * 2;
        oversized(&mut s, now);
        assert!(!asks_for(&update(&mut s, Action::Tick(now + poll)), key));
        assert!(!asks_for(
            &update(&mut s, Action::Tick(now + poll + poll / 2)),
            key
        ));
        now += poll * 2;
        oversized(&mut s, now);
        assert!(!asks_for(
            &update(&mut s, Action::Tick(now + poll * 3)),
            key
        ));
        let screen = super::support::ui::render(&s);
        assert!(screen.contains("next try in"), "{screen}");
        assert!(asks_for(&update(&mut s, Action::Tick(now + poll * 4)), key));
        // `r` asks at once whatever the back-off.
        let fx = update(&mut s, Action::Refresh);
        assert!(asks_for(&fx, key));
    }
}

/// Against a real Envoy: with a cap between the sizes of `/stats` and
/// `/stats?usedonly`, the fetcher still brings stats (the used ones).
#[test]
fn real_envoy_stats_over_the_cap_fall_back_to_used_only() {
    use meshscope::sources::admin::ClientOptions;
    use meshscope::sources::target::{AdminFetcher, Endpoint, Fetcher, MeshInfo, TargetInfo};
    use support::envoy::{envoys, runtime, Sidecar};
    for bin in envoys("real_envoy_stats_over_the_cap_fall_back_to_used_only") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "cap").await;
            let full = sc.admin_get("/stats").await.len();
            let used = sc.admin_get("/stats?usedonly").await.len();
            eprintln!("envoy {}: /stats {full} B, ?usedonly {used} B", bin.version);
            assert!(used * 2 < full, "usedonly {used} vs {full}");
            let target = TargetInfo {
                namespace: "default".into(),
                name: "cap".into(),
                admin: Some(sc.admin.clone()),
                ..Default::default()
            };
            let mesh = MeshInfo {
                istiod: None,
                pods: vec![target.clone()],
            };
            let opts = ClientOptions {
                max_body_bytes: u64::try_from((full + used) / 2).expect("size"),
                ..ClientOptions::default()
            };
            let fetcher = AdminFetcher::new(&mesh, &opts).expect("fetcher");
            let got = fetcher
                .fetch(Some(&target), Endpoint::Stats)
                .await
                .expect("used-only stats under the cap");
            let text = String::from_utf8_lossy(&got.body);
            assert!(got.body.len() < (full + used) / 2);
            assert!(text.contains("cluster_manager."), "{text:.300}");
        });
    }
}
