//! `meshscope snapshot` hardened (issue 11): redaction fails closed on crafted
//! config dumps, one overall deadline with progress and named failures, a
//! non-zero exit when the essential endpoints are missing, and a private,
//! symlink-proof atomic write.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use meshscope::sources::bundle::{Bundle, BUNDLE_FORMAT};
use meshscope::sources::demo::{serve, Fault, ServeOptions};
use support::temp_dir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs meshscope off the async threads, killed after `limit`.
async fn run(args: Vec<String>, limit: Duration) -> Run {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshscope"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn meshscope");
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        let mut stderr = String::new();
        use std::io::Read;
        if let Some(mut o) = child.stdout.take() {
            let _ = o.read_to_string(&mut stdout);
        }
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        Run {
            code: status.and_then(|s| s.code()),
            stdout,
            stderr,
            took: started.elapsed(),
        }
    })
    .await
    .expect("join")
}

/// A fake admin port: `/config_dump` answers `dump`, everything else a small
/// text body (so only the dump decides what the bundle holds).
async fn fake_admin(dump: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let dump = Arc::new(dump);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let dump = dump.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                let body: Vec<u8> = if path.starts_with("/config_dump") {
                    dump.to_vec()
                } else if path.starts_with("/stats") {
                    b"cluster.x.upstream_rq_total: 1\n".to_vec()
                } else {
                    b"{}".to_vec()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    url
}

/// Every string a crafted dump must never leak into the bundle.
const LEAKS: &[&str] = &["KEYkeyKEY", "PASSpass", "GENgen", "TICKETtick", "TOKENtok"];

/// The bundle file's bytes and every stored body decoded (text and base64).
fn bundle_bytes(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).expect("bundle");
    let b = Bundle::read(path).expect("read bundle");
    for c in b.pods.iter().flat_map(|p| p.endpoints.values()) {
        if let Some(b64) = &c.base64 {
            all.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("base64"),
            );
        }
    }
    all
}

fn secrets_json(camel: bool) -> String {
    let s = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump",
      "dynamic_active_secrets":[
        {"name":"default","secret":{"name":"default","tls_certificate":{
          "certificate_chain":{"inline_bytes":"Q0VSVA=="},
          "private_key":{"inline_bytes":"KEYkeyKEY"},"password":{"inline_string":"PASSpass"}}}},
        {"name":"generic","secret":{"generic_secret":{"secret":{"inline_string":"GENgen"}}}},
        {"name":"tickets","secret":{"session_ticket_keys":{"keys":[{"inline_bytes":"TICKETtick"}]}}}],
      "grpc":{"call_credentials":[{"access_token":"TOKENtok"}]}}]}"#;
    if camel {
        s.replace("tls_certificate", "tlsCertificate")
            .replace("certificate_chain", "certificateChain")
            .replace("private_key", "privateKey")
            .replace("inline_bytes", "inlineBytes")
            .replace("inline_string", "inlineString")
            .replace("generic_secret", "genericSecret")
            .replace("session_ticket_keys", "sessionTicketKeys")
            .replace("call_credentials", "callCredentials")
            .replace("access_token", "accessToken")
    } else {
        s.to_string()
    }
}

/// Dumps serde_json cannot take as a `Value` (deep, huge number, invalid
/// UTF-8) and clean ones: every secret is redacted, the rest kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_dumps_never_leak_secrets() {
    let dir = temp_dir("crafted");
    let deep = format!(
        "{}{}{}",
        "[".repeat(300),
        secrets_json(false),
        "]".repeat(300)
    );
    let huge = secrets_json(false).replacen("{\"configs\"", "{\"n\":1e400,\"configs\"", 1);
    let mut bad_utf8 = secrets_json(true).into_bytes();
    let at = bad_utf8.len() - 1;
    bad_utf8.splice(at..at, b",\"x\":\"\xff\xfe\"".iter().copied());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("snake", secrets_json(false).into_bytes()),
        ("camel", secrets_json(true).into_bytes()),
        ("deep", deep.into_bytes()),
        ("huge-number", huge.into_bytes()),
        ("invalid-utf8", bad_utf8),
    ];
    for (name, dump) in cases {
        let url = fake_admin(dump).await;
        let out = dir.join(format!("{name}.json"));
        let r = run(
            vec![
                "snapshot".into(),
                "--admin".into(),
                url,
                "-o".into(),
                out.display().to_string(),
            ],
            Duration::from_secs(30),
        )
        .await;
        assert_eq!(r.code, Some(0), "{name}: {}", r.stderr);
        let bytes = bundle_bytes(&out);
        for leak in LEAKS {
            assert!(
                !bytes.windows(leak.len()).any(|w| w == leak.as_bytes()),
                "{name}: {leak} leaked into the bundle"
            );
        }
        assert!(
            bytes.windows(8).any(|w| w == b"Q0VSVA=="),
            "{name}: the certificate (public) was kept"
        );
    }
}

/// A body the scanner cannot tokenise is not stored, the user is told, and
/// the exit is non-zero because config_dump is essential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unredactable_dump_is_refused_and_reported() {
    let dir = temp_dir("refused");
    let truncated = secrets_json(false);
    let truncated = truncated[..truncated.len() - 3].to_string();
    let url = fake_admin(truncated.into_bytes()).await;
    let out = dir.join("b.json");
    let r = run(
        vec![
            "snapshot".into(),
            "--admin".into(),
            url,
            "-o".into(),
            out.display().to_string(),
        ],
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("config_dump"), "{}", r.stderr);
    assert!(r.stderr.contains("not stored"), "{}", r.stderr);
    assert!(
        r.stderr.contains("essential endpoints missing"),
        "{}",
        r.stderr
    );
    let bytes = bundle_bytes(&out);
    assert!(!bytes.windows(9).any(|w| w == b"KEYkeyKEY"));
}

/// Accepts connections and never answers.
async fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_port_hits_one_deadline_and_names_every_endpoint() {
    let dir = temp_dir("silent");
    let url = black_hole().await;
    let out = dir.join("b.json");
    let r = run(
        vec![
            "snapshot".into(),
            "--admin".into(),
            url.clone(),
            "--timeout".into(),
            "2".into(),
            "-o".into(),
            out.display().to_string(),
        ],
        Duration::from_secs(20),
    )
    .await;
    assert!(r.took < Duration::from_secs(8), "took {:?}", r.took);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("nothing could be captured"),
        "{}",
        r.stderr
    );
    for ep in [
        "config_dump",
        "clusters_json",
        "stats",
        "server_info",
        "logging",
    ] {
        assert!(
            r.stderr.contains(&format!("default/sidecar {ep}: {url}")),
            "{ep} not named with its URL: {}",
            r.stderr
        );
    }
    assert!(r.stderr.contains("deadline"), "{}", r.stderr);
    assert!(r.stderr.contains("[10/10]"), "progress: {}", r.stderr);
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sidecar_answering_500_fails_the_snapshot_naming_the_essentials() {
    let demo = serve(ServeOptions {
        fault: Some(Fault::Status500),
        ..ServeOptions::default()
    })
    .await
    .expect("demo");
    let pod = demo.manifest().pods[0].clone();
    let dir = temp_dir("five-hundred");
    let out = dir.join("b.json");
    let r = run(
        vec![
            "snapshot".into(),
            "--admin".into(),
            pod.admin.clone(),
            "--timeout".into(),
            "10".into(),
            "-o".into(),
            out.display().to_string(),
        ],
        Duration::from_secs(30),
    )
    .await;
    assert_ne!(r.code, Some(0), "stdout {} stderr {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("essential endpoints missing"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("default/sidecar config_dump, default/sidecar stats"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("HTTP 500"), "{}", r.stderr);
    // What did answer (/ready, 500 as data) is still kept for the record.
    let b = Bundle::read(&out).expect("partial bundle");
    assert_eq!(b.pods[0].endpoints["ready"].status, 500);
}

#[test]
fn bundle_write_ignores_a_planted_symlink_and_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("symlink");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").expect("victim");
    let path = dir.join("b.json");
    // The name the old writer used, predictable from the PID.
    let planted = dir.join(format!(".b.json.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).expect("symlink");
    let bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        captured_at: "2026-01-01T00:00:00Z".into(),
        istiod: BTreeMap::new(),
        pods: vec![],
    };
    bundle.write(&path).expect("write");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    assert!(std::fs::symlink_metadata(&planted)
        .expect("planted")
        .file_type()
        .is_symlink());
    let meta = std::fs::symlink_metadata(&path).expect("bundle");
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(Bundle::read(&path).expect("read"), bundle);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("meshscope-bundle"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_demo_sidecar_is_cut_at_the_deadline() {
    let demo = serve(ServeOptions {
        fault: Some(Fault::Slow),
        slow_delay: Duration::from_secs(60),
        ..ServeOptions::default()
    })
    .await
    .expect("demo");
    let pod = demo.manifest().pods[0].clone();
    let dir = temp_dir("slow");
    let out = dir.join("b.json");
    let r = run(
        vec![
            "snapshot".into(),
            "--admin".into(),
            pod.admin.clone(),
            "--agent".into(),
            pod.agent.clone(),
            "--timeout".into(),
            "1.5".into(),
            "-o".into(),
            out.display().to_string(),
        ],
        Duration::from_secs(30),
    )
    .await;
    assert!(r.took < Duration::from_secs(6), "took {:?}", r.took);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "default/sidecar agent_ready: {}: no answer within the 1.5 s deadline",
            pod.agent
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("[12/12]"), "{}", r.stderr);
}
