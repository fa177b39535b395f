//! A small in-test Kubernetes API server over plain HTTP on 127.0.0.1 that
//! speaks what kube-rs sends: pod list JSON (`PodList` with a
//! `resourceVersion`, `limit` and `labelSelector`), `?watch=true` event
//! streams (newline-delimited `{"type":"ADDED","object":{...}}` chunks),
//! `pods/NAME/log` as a chunked follow stream bridged to the demo pod's
//! `/demo/logs`, and `pods/NAME/portforward` upgraded to a WebSocket speaking
//! the port-forward channel protocol (see `apiserver/portforward.rs`),
//! bridged to the demo pod's real TCP ports. Active port-forwards and log
//! streams can be cut on demand to test recovery.
#![allow(dead_code)]

#[path = "apiserver/pods.rs"]
pub mod pods;
#[path = "apiserver/portforward.rs"]
mod portforward;
#[path = "apiserver/wire.rs"]
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use meshscope::sources::demo::Manifest;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};
use wire::{chunk, read_head, reply, start_chunked, status, Req};

type Key = (String, String);

#[derive(Default)]
struct Store {
    rv: u64,
    pods: BTreeMap<Key, Value>,
    /// `(resourceVersion, type, object)` of every change, oldest first.
    log: Vec<(u64, &'static str, Value)>,
}

struct Shared {
    store: Mutex<Store>,
    events: broadcast::Sender<(u64, &'static str, Value)>,
    ports: Mutex<HashMap<Key, Vec<(u16, SocketAddr)>>>,
    drop_forwards: watch::Sender<u64>,
    drop_logs: watch::Sender<u64>,
    forwards_opened: AtomicUsize,
    requests: Mutex<Vec<String>>,
}

/// The running fake API server; dropping it stops every connection.
pub struct ApiServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn key_of(pod: &Value) -> Key {
    let m = &pod["metadata"];
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (s(&m["namespace"]), s(&m["name"]))
}

impl ApiServer {
    /// Serves the demo mesh's pods (see [`pods::from_manifest`]).
    pub async fn start(manifest: &Manifest) -> ApiServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            events: broadcast::channel(1024).0,
            ports: Mutex::new(HashMap::new()),
            drop_forwards: watch::channel(0).0,
            drop_logs: watch::channel(0).0,
            forwards_opened: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let server = ApiServer {
            url,
            shared: shared.clone(),
            task: tokio::spawn(accept(listener, shared)),
        };
        for p in pods::from_manifest(manifest) {
            server.add_pod(p.object, p.ports);
        }
        server
    }

    /// Writes a kubeconfig for this server (context `fake`, namespace `ns`).
    pub fn kubeconfig(&self, dir: &Path, ns: &str) -> PathBuf {
        let path = dir.join("kubeconfig.yaml");
        let yaml = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  \
             cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    \
             user: fake\n    namespace: {ns}\nusers:\n- name: fake\n  user:\n    token: test-token\n",
            self.url
        );
        std::fs::write(&path, yaml).expect("write kubeconfig");
        path
    }

    fn record(&self, kind: &'static str, pod: Value) {
        let mut s = self.shared.store.lock().expect("store");
        s.rv += 1;
        let rv = s.rv;
        let mut pod = pod;
        pod["metadata"]["resourceVersion"] = json!(rv.to_string());
        if kind == "DELETED" {
            s.pods.remove(&key_of(&pod));
        } else {
            s.pods.insert(key_of(&pod), pod.clone());
        }
        s.log.push((rv, kind, pod.clone()));
        let _ = self.shared.events.send((rv, kind, pod));
    }

    /// Adds (or replaces) a pod; `ports` maps pod ports to loopback addresses.
    pub fn add_pod(&self, pod: Value, ports: Vec<(u16, SocketAddr)>) {
        let key = key_of(&pod);
        let existed = self
            .shared
            .store
            .lock()
            .expect("store")
            .pods
            .contains_key(&key);
        self.shared.ports.lock().expect("ports").insert(key, ports);
        self.record(if existed { "MODIFIED" } else { "ADDED" }, pod);
    }

    /// Deletes a pod.
    pub fn delete_pod(&self, ns: &str, name: &str) {
        let key = (ns.to_string(), name.to_string());
        let pod = self
            .shared
            .store
            .lock()
            .expect("store")
            .pods
            .get(&key)
            .cloned();
        if let Some(pod) = pod {
            self.record("DELETED", pod);
        }
    }

    /// Cuts every active port-forward WebSocket without a closing handshake.
    pub fn drop_forwards(&self) {
        self.shared.drop_forwards.send_modify(|g| *g += 1);
    }

    /// Cuts every active log stream mid-body.
    pub fn drop_logs(&self) {
        self.shared.drop_logs.send_modify(|g| *g += 1);
    }

    /// Port-forward WebSockets opened so far.
    pub fn forwards_opened(&self) -> usize {
        self.shared.forwards_opened.load(Ordering::SeqCst)
    }

    /// Every request line seen (`GET /api/v1/...?...`).
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    while let Ok((tcp, _)) = listener.accept().await {
        while conns.try_join_next().is_some() {}
        conns.spawn(handle(tcp, shared.clone()));
    }
}

fn matches(pod: &Value, ns: Option<&str>, selector: Option<&String>) -> bool {
    let (pns, _) = key_of(pod);
    if ns.is_some_and(|n| n != pns) {
        return false;
    }
    let labels = &pod["metadata"]["labels"];
    selector.is_none_or(|sel| {
        sel.split(',')
            .filter(|t| !t.is_empty())
            .all(|term| match term.split_once('=') {
                Some((k, v)) => labels[k].as_str() == Some(v),
                None => !labels[term].is_null(),
            })
    })
}

async fn handle(mut tcp: TcpStream, shared: Arc<Shared>) {
    let Some((line, req)) = read_head(&mut tcp).await else {
        return;
    };
    shared.requests.lock().expect("requests").push(line);
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "pods"] => list_or_watch(tcp, &shared, None, &req).await,
        ["api", "v1", "namespaces", ns, "pods"] => {
            list_or_watch(tcp, &shared, Some(ns), &req).await
        }
        ["api", "v1", "namespaces", ns, "pods", name, rest @ ..] => {
            let key = (ns.to_string(), name.to_string());
            let pod = shared.store.lock().expect("store").pods.get(&key).cloned();
            let Some(pod) = pod else {
                let msg = format!("pods \"{name}\" not found");
                return reply(&mut tcp, 404, &status(404, "NotFound", &msg)).await;
            };
            match rest {
                [] => reply(&mut tcp, 200, &pod).await,
                ["log"] => logs(tcp, &shared, &key, &req).await,
                ["portforward"] => forward(tcp, &shared, key, &req).await,
                _ => {
                    reply(
                        &mut tcp,
                        404,
                        &status(404, "NotFound", "no such subresource"),
                    )
                    .await
                }
            }
        }
        _ => {
            reply(
                &mut tcp,
                404,
                &status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            )
            .await
        }
    }
}

async fn list_or_watch(mut tcp: TcpStream, shared: &Shared, ns: Option<&str>, req: &Req) {
    let selector = req.query.get("labelSelector");
    let watching = matches!(
        req.query.get("watch").map(String::as_str),
        Some("true" | "1")
    );
    if !watching {
        let limit = req
            .query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(usize::MAX);
        let list = {
            let s = shared.store.lock().expect("store");
            let items: Vec<&Value> = s
                .pods
                .values()
                .filter(|p| matches(p, ns, selector))
                .take(limit)
                .collect();
            json!({"apiVersion": "v1", "kind": "PodList",
                "metadata": {"resourceVersion": s.rv.to_string()}, "items": items})
        };
        return reply(&mut tcp, 200, &list).await;
    }
    let since: u64 = req
        .query
        .get("resourceVersion")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (backlog, mut rx) = {
        let s = shared.store.lock().expect("store");
        let backlog: Vec<(u64, &'static str, Value)> = if since == 0 {
            s.pods
                .values()
                .map(|p| (s.rv, "ADDED", p.clone()))
                .collect()
        } else {
            s.log.iter().filter(|e| e.0 > since).cloned().collect()
        };
        (backlog, shared.events.subscribe())
    };
    if !start_chunked(&mut tcp, "application/json").await {
        return;
    }
    let last = backlog.iter().map(|e| e.0).max().unwrap_or(since);
    for (_, kind, obj) in backlog.into_iter().filter(|e| matches(&e.2, ns, selector)) {
        let line = format!("{}\n", json!({"type": kind, "object": obj}));
        if !chunk(&mut tcp, line.as_bytes()).await {
            return;
        }
    }
    while let Ok((rv, kind, obj)) = rx.recv().await {
        if rv <= last || !matches(&obj, ns, selector) {
            continue;
        }
        let line = format!("{}\n", json!({"type": kind, "object": obj}));
        if !chunk(&mut tcp, line.as_bytes()).await {
            return;
        }
    }
}

fn pod_port(shared: &Shared, key: &Key, port: u16) -> Option<SocketAddr> {
    let ports = shared.ports.lock().expect("ports");
    ports
        .get(key)?
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, a)| *a)
}

async fn logs(mut tcp: TcpStream, shared: &Shared, key: &Key, req: &Req) {
    let container = req.query.get("container").map_or("", String::as_str);
    if container != "istio-proxy" {
        let msg = format!("container {container} is not valid for pod {}", key.1);
        return reply(&mut tcp, 400, &status(400, "BadRequest", &msg)).await;
    }
    let Some(agent) = pod_port(shared, key, 15020) else {
        return reply(&mut tcp, 400, &status(400, "BadRequest", "no logs")).await;
    };
    let follow = matches!(
        req.query.get("follow").map(String::as_str),
        Some("true" | "1")
    );
    let tail = req.query.get("tailLines").map_or("100", String::as_str);
    let url = format!(
        "http://{agent}/demo/logs?tail={tail}&follow={}",
        u8::from(follow)
    );
    let Ok(resp) = reqwest::get(&url).await else {
        return reply(
            &mut tcp,
            500,
            &status(500, "InternalError", "demo pod unreachable"),
        )
        .await;
    };
    let mut cut = shared.drop_logs.subscribe();
    cut.borrow_and_update();
    if !start_chunked(&mut tcp, "text/plain").await {
        return;
    }
    let mut body = resp.bytes_stream();
    loop {
        tokio::select! {
            _ = cut.changed() => return, // dropped mid-body: no final chunk
            b = body.next() => match b {
                Some(Ok(bytes)) => if !chunk(&mut tcp, &bytes).await { return },
                _ => break,
            },
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
}

async fn forward(mut tcp: TcpStream, shared: &Shared, key: Key, req: &Req) {
    let ports: Vec<(u16, Option<SocketAddr>)> = req
        .query
        .get("ports")
        .map(|p| {
            p.split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect::<Vec<u16>>()
        })
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p, pod_port(shared, &key, p)))
        .collect();
    if !portforward::upgrade(&mut tcp, req).await {
        return;
    }
    // Subscribe before counting: a test that saw the count can cut this one.
    let cut = shared.drop_forwards.subscribe();
    shared.forwards_opened.fetch_add(1, Ordering::SeqCst);
    portforward::session(tcp, key.1, ports, cut).await;
}
