//! One in-process port-forward through the API server, like `kubectl
//! port-forward` but without kubectl: a listener on `127.0.0.1:0` whose every
//! accepted connection is piped into its own `portforward` WebSocket stream.
//!
//! A supervisor task keeps one spare stream open. That makes the first
//! request fast, and its end tells us the forward dropped (API server gone,
//! pod deleted, port closed): the state turns `Connecting` or `Failed` and
//! the stream is re-established with exponential backoff. The local URL
//! stays the same across reconnects.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Portforwarder};
use tokio::io::{AsyncReadExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::error::{describe, one_line, KubeError};

/// Longest wait for the API server to upgrade one portforward request.
const OPEN_TIMEOUT: Duration = Duration::from_secs(8);
/// First delay after a failure; doubled each time up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest delay between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A stream that lived this long resets the backoff when it drops.
const STABLE: Duration = Duration::from_secs(2);
/// How long a new spare stream must stay error-free before it counts as ready.
const GRACE: Duration = Duration::from_millis(100);

/// What one port-forward is doing, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardState {
    /// Opening (or re-opening) the stream through the API server.
    Connecting,
    /// Forwarding: connect to `local_url`.
    Ready {
        /// `http://127.0.0.1:PORT`.
        local_url: String,
    },
    /// The last attempt failed; the next one starts after `retry_in`
    /// (or at once when a request needs the forward).
    Failed {
        /// Why, in one line.
        error: String,
        /// Backoff before the next automatic attempt.
        retry_in: Duration,
    },
}

/// An open portforward stream to one pod port.
struct Tunnel {
    pf: Portforwarder,
    stream: DuplexStream,
    error: BoxFuture<'static, Option<String>>,
    opened: Instant,
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.pf.abort();
    }
}

impl Tunnel {
    /// Resolves when the stream ends: `Some(message)` when the API server
    /// reported an error for the port, `None` when it just closed.
    async fn ended(&mut self) -> Option<String> {
        let mut byte = [0u8; 1];
        tokio::select! {
            msg = &mut self.error => msg,
            _ = self.stream.read(&mut byte) => None,
        }
    }
}

enum Request {
    /// A new local connection wants a stream.
    Tunnel(oneshot::Sender<Result<Tunnel, String>>),
    /// Skip the backoff and try now.
    Retry,
}

/// A port-forward to `pod:port`, listening on 127.0.0.1 until dropped.
pub struct PortForward {
    target: String,
    local_url: String,
    state: watch::Receiver<ForwardState>,
    requests: mpsc::Sender<Request>,
    reconnects: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for PortForward {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl std::fmt::Debug for PortForward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortForward")
            .field("target", &self.target)
            .field("local_url", &self.local_url)
            .field("state", &*self.state.borrow())
            .finish()
    }
}

/// Opens a stream. With `grace`, waits that long for the API server to
/// report an error on the port (e.g. nothing listens there) before calling
/// the stream good, so `Ready` is not announced for a dead port.
async fn open(
    api: &Api<Pod>,
    pod: &str,
    port: u16,
    grace: Option<Duration>,
) -> Result<Tunnel, String> {
    let mut pf = match tokio::time::timeout(OPEN_TIMEOUT, api.portforward(pod, &[port])).await {
        Ok(Ok(pf)) => pf,
        Ok(Err(e)) => return Err(describe(&e)),
        Err(_) => return Err(format!("no answer within {}s", OPEN_TIMEOUT.as_secs())),
    };
    let stream = pf
        .take_stream(port)
        .ok_or("the API server opened no stream")?;
    let mut error = pf
        .take_error(port)
        .ok_or("the API server opened no error channel")?
        .boxed();
    if let Some(grace) = grace {
        tokio::select! {
            msg = &mut error => {
                return Err(msg.map_or("the API server closed the stream".into(), |m| one_line(&m)));
            }
            () = tokio::time::sleep(grace) => {}
        }
    }
    Ok(Tunnel {
        pf,
        stream,
        error,
        opened: Instant::now(),
    })
}

fn next_backoff(d: Duration) -> Duration {
    if d.is_zero() {
        FIRST_BACKOFF
    } else {
        (d * 2).min(MAX_BACKOFF)
    }
}

struct Supervisor {
    api: Api<Pod>,
    pod: String,
    port: u16,
    local_url: String,
    state: watch::Sender<ForwardState>,
    reconnects: Arc<AtomicU64>,
    /// A stream was open once: a later `Ready` is a re-establishment.
    ever_ready: std::sync::atomic::AtomicBool,
}

enum Wake {
    Request(Option<Request>),
    Ended(Option<String>, Duration),
    Elapsed,
}

impl Supervisor {
    fn fail(&self, error: String, retry_in: Duration) {
        self.state
            .send_replace(ForwardState::Failed { error, retry_in });
    }

    async fn run(self, mut requests: mpsc::Receiver<Request>) {
        let mut spare: Option<Tunnel> = None;
        let mut delay = Duration::ZERO;
        loop {
            let wake = match spare.as_mut() {
                Some(t) => {
                    tokio::select! {
                        r = requests.recv() => Wake::Request(r),
                        end = t.ended() => Wake::Ended(end, t.opened.elapsed()),
                    }
                }
                None if delay.is_zero() => Wake::Elapsed,
                None => {
                    tokio::select! {
                        r = requests.recv() => Wake::Request(r),
                        () = tokio::time::sleep(delay) => Wake::Elapsed,
                    }
                }
            };
            match wake {
                Wake::Request(None) => return,
                Wake::Request(Some(Request::Retry)) if spare.is_some() => {}
                Wake::Request(Some(Request::Tunnel(reply))) if spare.is_some() => {
                    delay = Duration::ZERO;
                    let _ = reply.send(spare.take().ok_or_else(String::new));
                }
                Wake::Request(Some(req)) => {
                    // No spare (backing off): the user is waiting, try now.
                    self.state.send_replace(ForwardState::Connecting);
                    let grace = matches!(req, Request::Retry).then_some(GRACE);
                    let opened = open(&self.api, &self.pod, self.port, grace).await;
                    match (req, opened) {
                        (Request::Tunnel(reply), Ok(t)) => {
                            delay = Duration::ZERO;
                            self.ready();
                            let _ = reply.send(Ok(t));
                        }
                        (Request::Retry, Ok(t)) => {
                            delay = Duration::ZERO;
                            self.ready();
                            spare = Some(t);
                        }
                        (req, Err(e)) => {
                            delay = next_backoff(delay);
                            self.fail(e.clone(), delay);
                            if let Request::Tunnel(reply) = req {
                                let _ = reply.send(Err(e));
                            }
                        }
                    }
                }
                Wake::Ended(msg, lived) => {
                    spare = None;
                    delay = if lived >= STABLE {
                        Duration::ZERO
                    } else {
                        next_backoff(delay)
                    };
                    match msg {
                        Some(e) => {
                            delay = delay.max(FIRST_BACKOFF);
                            self.fail(one_line(&e), delay);
                        }
                        None => {
                            self.state.send_replace(ForwardState::Connecting);
                        }
                    }
                }
                Wake::Elapsed => {
                    if !matches!(*self.state.borrow(), ForwardState::Ready { .. }) {
                        self.state.send_replace(ForwardState::Connecting);
                    }
                    match open(&self.api, &self.pod, self.port, Some(GRACE)).await {
                        Ok(t) => {
                            self.ready();
                            spare = Some(t);
                        }
                        Err(e) => {
                            delay = next_backoff(delay);
                            self.fail(e, delay);
                        }
                    }
                }
            }
        }
    }

    fn ready(&self) {
        let ready = ForwardState::Ready {
            local_url: self.local_url.clone(),
        };
        let is_ready = matches!(*self.state.borrow(), ForwardState::Ready { .. });
        if !is_ready && self.ever_ready.swap(true, Ordering::Relaxed) {
            self.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        self.state.send_if_modified(|s| {
            let changed = *s != ready;
            *s = ready.clone();
            changed
        });
    }
}

async fn pipe(mut tcp: TcpStream, requests: mpsc::Sender<Request>) {
    let (tx, rx) = oneshot::channel();
    if requests.send(Request::Tunnel(tx)).await.is_err() {
        return;
    }
    let Ok(Ok(mut tunnel)) = rx.await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    let Tunnel { stream, error, .. } = &mut tunnel;
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut tcp, stream) => {}
        _ = error => {}
    }
}

async fn accept_loop(listener: TcpListener, requests: mpsc::Sender<Request>) {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                tokio::spawn(pipe(tcp, requests.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

impl PortForward {
    /// Binds `127.0.0.1:0` and starts forwarding it to `pod:port` of the
    /// pod API's namespace. Returns at once; watch [`PortForward::state`].
    pub async fn start(api: Api<Pod>, pod: &str, port: u16) -> Result<PortForward, KubeError> {
        let target = format!("{}/{pod}:{port}", api.namespace().unwrap_or_default());
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| KubeError::Forward {
                target: target.clone(),
                reason: format!("cannot listen on 127.0.0.1: {e}"),
            })?;
        let local = listener.local_addr().map_err(|e| KubeError::Forward {
            target: target.clone(),
            reason: e.to_string(),
        })?;
        let local_url = format!("http://{local}");
        let (state_tx, state) = watch::channel(ForwardState::Connecting);
        let (requests, rx) = mpsc::channel(64);
        let reconnects = Arc::new(AtomicU64::new(0));
        let supervisor = Supervisor {
            api,
            pod: pod.to_string(),
            port,
            local_url: local_url.clone(),
            state: state_tx,
            reconnects: reconnects.clone(),
            ever_ready: std::sync::atomic::AtomicBool::new(false),
        };
        let tasks = vec![
            tokio::spawn(supervisor.run(rx)),
            tokio::spawn(accept_loop(listener, requests.clone())),
        ];
        Ok(PortForward {
            target,
            local_url,
            state,
            requests,
            reconnects,
            tasks,
        })
    }

    /// `namespace/pod:port`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// `http://127.0.0.1:PORT`, stable for the forward's life.
    pub fn local_url(&self) -> &str {
        &self.local_url
    }

    /// The state, live.
    pub fn state(&self) -> watch::Receiver<ForwardState> {
        self.state.clone()
    }

    /// How many times the forward came back after it dropped or failed.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// Waits until the forward is usable and returns its local URL. A
    /// forward that is backing off is retried at once (someone is waiting);
    /// an attempt that fails returns its error. Gives up after `timeout`.
    pub async fn ready(&self, timeout: Duration) -> Result<String, KubeError> {
        let fail = |reason: String| KubeError::Forward {
            target: self.target.clone(),
            reason,
        };
        let mut rx = self.state.clone();
        let wait = async {
            let ready_now = matches!(*rx.borrow_and_update(), ForwardState::Ready { .. });
            if !ready_now {
                let _ = self.requests.send(Request::Retry).await;
                let _ = rx.changed().await;
            }
            rx.wait_for(|s| !matches!(s, ForwardState::Connecting))
                .await
                .map(|s| s.clone())
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(ForwardState::Ready { local_url })) => Ok(local_url),
            Ok(Ok(ForwardState::Failed { error, .. })) => Err(fail(error)),
            Ok(Ok(ForwardState::Connecting)) | Ok(Err(_)) => Err(fail("forward stopped".into())),
            Err(_) => Err(fail(format!("not ready after {}s", timeout.as_secs()))),
        }
    }
}
