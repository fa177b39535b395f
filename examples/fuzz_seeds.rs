//! Writes the fuzz seed corpora (`fuzz/corpus/<target>/`) from the demo mesh's own bodies.
//!
//! Starts the simulated mesh in-process, reads every read-only endpoint of a
//! few pods and of istiod over real HTTP, captures a bundle, tails access logs
//! in both encodings, and cuts big bodies into small seeds (one config section
//! per dump, a few hundred lines per text body) so the fuzzer runs fast.
//! Run with `cargo run --example fuzz_seeds [DIR]` (default `fuzz/corpus`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use meshscope::cli::SourceArgs;
use meshscope::commands::source::single_mesh_named;
use meshscope::config::Config;
use meshscope::sources::admin::ClientOptions;
use meshscope::sources::bundle::capture;
use meshscope::sources::demo::{generate_dump, serve, ServeOptions};
use meshscope::sources::logs::LogQuery;
use meshscope::sources::target::{AdminFetcher, Endpoint, Fetcher, MeshInfo};
use serde_json::{json, Value};

/// Largest seed written: bigger bodies are cut first.
const MAX_SEED: usize = 48 * 1024;

const PC: &[&str] = &[
    "config_dump",
    "pc_clusters",
    "pc_listeners",
    "pc_routes",
    "pc_endpoints",
    "pc_secrets",
    "pc_bootstrap",
    "pc_ecds",
    "pc_all",
];

/// Seeds per target, by content (so duplicates collapse).
#[derive(Default)]
struct Seeds(BTreeMap<&'static str, Vec<Vec<u8>>>);

impl Seeds {
    fn add(&mut self, targets: &[&'static str], body: &[u8]) {
        if body.is_empty() || body.len() > MAX_SEED {
            return;
        }
        for t in targets {
            let list = self.0.entry(t).or_default();
            if !list.iter().any(|b| b == body) {
                list.push(body.to_vec());
            }
        }
    }

    /// A text body: whole when small, else its first lines.
    fn add_lines(&mut self, targets: &[&'static str], body: &[u8]) {
        self.add(targets, body);
        let text = String::from_utf8_lossy(body);
        for n in [20, 300] {
            let head: String = text.lines().take(n).map(|l| format!("{l}\n")).collect();
            self.add(targets, head.as_bytes());
        }
    }

    /// A config dump: whole when small, and one trimmed section per seed.
    fn add_dump(&mut self, targets: &[&'static str], body: &[u8]) {
        self.add(targets, body);
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let sections = v.get("configs").and_then(Value::as_array);
        for section in sections.into_iter().flatten() {
            let mut s = section.clone();
            trim(&mut s, 3);
            let one = json!({ "configs": [s] });
            self.add(targets, one.to_string().as_bytes());
            if let Ok(pretty) = serde_json::to_vec_pretty(&one) {
                self.add(targets, &pretty);
            }
        }
    }

    fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (target, bodies) in &self.0 {
            let d = dir.join(target);
            std::fs::create_dir_all(&d)?;
            for (i, b) in bodies.iter().enumerate() {
                std::fs::write(d.join(format!("seed-{i:03}")), b)?;
            }
            println!("{target:<18} {:>4} seeds", bodies.len());
        }
        Ok(())
    }
}

/// Cuts every array in `v` to its first `n` items.
fn trim(v: &mut Value, n: usize) {
    match v {
        Value::Array(items) => {
            items.truncate(n);
            items.iter_mut().for_each(|i| trim(i, n));
        }
        Value::Object(m) => m.values_mut().for_each(|i| trim(i, n)),
        _ => {}
    }
}

/// Certificates found in a dump: base64 `inline_bytes` that decode to PEM.
fn certificates(v: &Value, out: &mut Vec<Vec<u8>>) {
    use base64::Engine;
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                if let (true, Some(s)) = (k == "inline_bytes", item.as_str()) {
                    if let Ok(pem) = base64::engine::general_purpose::STANDARD.decode(s) {
                        if pem.starts_with(b"-----BEGIN CERTIFICATE") {
                            out.push(pem);
                        }
                    }
                }
                certificates(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| certificates(i, out)),
        _ => {}
    }
}

/// Which targets an endpoint's body seeds.
fn targets_of(ep: Endpoint) -> &'static [&'static str] {
    match ep {
        Endpoint::ClustersJson => &["clusters", "redact"],
        Endpoint::Stats => &["stats_text", "cardinality", "redact"],
        Endpoint::Prometheus | Endpoint::AgentPrometheus => {
            &["stats_prometheus", "cardinality", "redact"]
        }
        Endpoint::IstiodMetrics => &["istiod_metrics", "cardinality"],
        Endpoint::Syncz => &["syncz", "redact"],
        _ => &["redact"],
    }
}

/// Bodies that carry every kind of secret field the redactor must blank.
fn secret_seeds() -> Vec<Value> {
    vec![
        json!({"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.SecretsConfigDump",
            "dynamic_active_secrets": [{"name": "default", "secret": {"name": "default",
                "tls_certificate": {
                    "certificate_chain": {"inline_bytes": "LS0tLS1CRUdJTg=="},
                    "private_key": {"inline_bytes": "c2VjcmV0LWtleQ=="},
                    "password": {"inline_string": "hunter2"}},
                "session_ticket_keys": {"keys": [{"inline_bytes": "a2V5MQ=="}]},
                "generic_secret": {"secret": {"inline_string": "generic-value"}}}}]}]}),
        json!({"secret": {"tlsCertificate": {"privateKey": {"inlineString": "pk"}},
            "genericSecret": {"secret": {"inlineBytes": "Z2Vu"}}},
            "headers": [{"key": "authorization", "value": "Bearer abc.def"},
                        {"name": "cookie", "value": "sid=1"}],
            "token": "t0k3n", "client_secret": "cs", "nested": [[[{"password": ["p"]}]]]}),
    ]
}

fn config_seeds() -> Vec<String> {
    let custom = Config {
        theme: "light".into(),
        layout: vec!["overview".into(), "logs".into()],
        ..Config::default()
    };
    vec![
        Config::default().to_toml(),
        format!("# mine\n{}extra = 1 # kept\n", custom.to_toml()),
        "theme = \"./my theme.toml\"\n[other]\nx = [1, 2]\n".to_string(),
    ]
}

fn theme_seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut out = vec![b"name = \"x\"\n[colors]\naccent = \"#ff8800\"\nerror = \"red\"\nmuted = \"indexed(244)\"\n".to_vec()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.push(b);
            }
        }
    }
    out
}

/// The raw body of one endpoint of `mesh`'s first pod (or of istiod).
async fn fetch(fetcher: &AdminFetcher, mesh: &MeshInfo, ep: Endpoint) -> Option<Vec<u8>> {
    let target = if Endpoint::ISTIOD.contains(&ep) {
        None
    } else {
        mesh.pods.first()
    };
    match fetcher.fetch(target, ep).await {
        Ok(f) => Some(f.body.to_vec()),
        Err(e) => {
            eprintln!("{}: {}", ep.name(), e.0);
            None
        }
    }
}

async fn access_logs(json_logs: bool, seeds: &mut Seeds) -> Result<(), String> {
    let demo = serve(ServeOptions {
        json_logs,
        ..ServeOptions::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    demo.advance(60);
    let target: &'static [&'static str] = if json_logs {
        &["access_log_json", "redact"]
    } else {
        &["access_log_text", "redact"]
    };
    let source = demo.log_source();
    for pod in demo.manifest().pods.iter().take(4) {
        let mut query = LogQuery::sidecar(&pod.namespace, &pod.name, 200);
        query.follow = false;
        let lines: Vec<String> = source
            .lines(&query)
            .take(200)
            .filter_map(|l| async move { l.ok() })
            .collect()
            .await;
        for chunk in lines.chunks(25) {
            seeds.add(target, chunk.join("\n").as_bytes());
        }
    }
    demo.shutdown().await;
    Ok(())
}

async fn run(dir: &Path) -> Result<(), String> {
    let mut seeds = Seeds::default();
    let demo = serve(ServeOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    demo.advance(60);
    let manifest = demo.manifest();
    let client = reqwest::Client::new();
    let every = Endpoint::SIDECAR.iter().chain(Endpoint::ISTIOD).copied();
    let every: Vec<Endpoint> = every.chain([Endpoint::IstiodConfigDump]).collect();
    for (n, pod) in manifest.pods.iter().take(4).enumerate() {
        let src = SourceArgs {
            admin: Some(pod.admin.clone()),
            agent: Some(pod.agent.clone()),
            istiod: Some(manifest.istiod.clone()),
        };
        let mesh = single_mesh_named(&src, &format!("{}/{}", pod.namespace, pod.name));
        let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).map_err(|e| e.0)?;
        for &ep in &every {
            let Some(body) = fetch(&fetcher, &mesh, ep).await else {
                continue;
            };
            match ep {
                Endpoint::ConfigDump | Endpoint::IstiodConfigDump => {
                    seeds.add_dump(PC, &body);
                    seeds.add_dump(&["redact"], &body);
                    let mut certs = Vec::new();
                    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                        certificates(&v, &mut certs);
                    }
                    for pem in certs.iter().take(2) {
                        seeds.add(&["x509"], pem);
                        let text = String::from_utf8_lossy(pem);
                        if let Ok((_, block)) = x509_parser::pem::parse_x509_pem(text.as_bytes()) {
                            seeds.add(&["x509"], &block.contents);
                        }
                    }
                }
                _ => seeds.add_lines(targets_of(ep), &body),
            }
        }
        let url = format!("{}/stats?format=json", pod.admin.trim_end_matches('/'));
        if let Ok(r) = client.get(&url).send().await {
            if let Ok(b) = r.bytes().await {
                let json = &["stats_json", "cardinality", "redact"];
                seeds.add(json, &b);
                if let Ok(mut v) = serde_json::from_slice::<Value>(&b) {
                    for n in [60, 5] {
                        trim(&mut v, n);
                        seeds.add(json, v.to_string().as_bytes());
                    }
                }
            }
        }
        if n == 0 {
            let bundle = capture(
                &fetcher,
                &mesh,
                "2026-01-01T00:00:00Z".into(),
                Duration::from_secs(20),
                &mut |_| {},
            )
            .await;
            let mut small = bundle.clone();
            for p in &mut small.pods {
                p.endpoints.retain(|_, c| c.stored_bytes() < 4096);
            }
            small.istiod.retain(|_, c| c.stored_bytes() < 4096);
            for b in [&bundle, &small] {
                if let Ok(text) = serde_json::to_vec_pretty(b) {
                    seeds.add(&["bundle_read"], &text);
                }
            }
        }
    }
    demo.shutdown().await;
    access_logs(false, &mut seeds).await?;
    access_logs(true, &mut seeds).await?;
    let mut dump = Vec::new();
    generate_dump(3, 7, &mut dump).map_err(|e| e.to_string())?;
    seeds.add_dump(PC, &dump);
    for s in secret_seeds() {
        seeds.add(&["redact"], s.to_string().as_bytes());
    }
    seeds.add(&["redact"], b"authorization: Bearer abc\nx 1\n");
    for c in config_seeds() {
        seeds.add(&["config_toml"], c.as_bytes());
    }
    for t in theme_seeds() {
        seeds.add(&["theme_toml"], &t);
    }
    seeds
        .write(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))
}

#[tokio::main]
async fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    if let Err(e) = run(&dir).await {
        eprintln!("fuzz_seeds: {e}");
        std::process::exit(1);
    }
}
