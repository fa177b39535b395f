//! Access logs of the demo mesh: a bounded ring of recent lines per pod plus
//! a broadcast channel for followers, exposed through [`LogSource`] and, per
//! pod, over HTTP at the agent port's `/demo/logs?tail=N&follow=1`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::broadcast;

use crate::sources::logs::{LogError, LogQuery, LogSource};

/// Lines kept per pod.
const RING: usize = 2_000;
/// Default `tail` when the query gives none.
const DEFAULT_TAIL: usize = 100;

struct Rings {
    /// `(namespace, name)` of each pod, by index.
    pods: Vec<(String, String)>,
    /// `(sequence, line)`, newest last.
    lines: Vec<VecDeque<(u64, Arc<str>)>>,
    seq: u64,
}

/// Per-pod log rings and the follow channel.
pub(crate) struct LogHub {
    rings: Mutex<Rings>,
    tx: broadcast::Sender<(usize, u64, Arc<str>)>,
}

impl LogHub {
    /// A hub for these pods (by index).
    pub fn new(pods: Vec<(String, String)>) -> Arc<Self> {
        let (tx, _) = broadcast::channel(8_192);
        let lines = pods.iter().map(|_| VecDeque::new()).collect();
        Arc::new(LogHub {
            rings: Mutex::new(Rings {
                pods,
                lines,
                seq: 0,
            }),
            tx,
        })
    }

    /// Appends lines and wakes followers.
    pub fn push(&self, lines: Vec<(usize, String)>) {
        let mut r = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        for (pod, line) in lines {
            r.seq += 1;
            let seq = r.seq;
            let line: Arc<str> = Arc::from(line);
            if let Some(ring) = r.lines.get_mut(pod) {
                if ring.len() == RING {
                    ring.pop_front();
                }
                ring.push_back((seq, line.clone()));
            }
            let _ = self.tx.send((pod, seq, line));
        }
    }

    /// The index of `namespace/name`.
    pub fn pod_index(&self, namespace: &str, name: &str) -> Option<usize> {
        let r = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        r.pods
            .iter()
            .position(|(ns, n)| ns == namespace && n == name)
    }

    /// The last `tail` lines of pod `ix`, then (with `follow`) new ones.
    pub fn stream(
        self: &Arc<Self>,
        ix: usize,
        tail: usize,
        follow: bool,
    ) -> BoxStream<'static, String> {
        let (backlog, last, rx) = {
            let r = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
            let rx = follow.then(|| self.tx.subscribe());
            let ring = r.lines.get(ix);
            let skip = ring.map_or(0, |q| q.len().saturating_sub(tail));
            let backlog: Vec<String> = ring
                .into_iter()
                .flatten()
                .skip(skip)
                .map(|(_, l)| l.to_string())
                .collect();
            (backlog, r.seq, rx)
        };
        let head = stream::iter(backlog);
        let Some(rx) = rx else {
            return head.boxed();
        };
        let live = stream::unfold(rx, move |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok((pod, seq, line)) if pod == ix && seq > last => {
                        return Some((line.to_string(), rx));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        head.chain(live).boxed()
    }
}

/// The demo's [`LogSource`]: `istio-proxy` access logs of each simulated pod.
/// `since_seconds` is ignored (every line is recent).
pub struct DemoLogSource {
    hub: Arc<LogHub>,
}

impl DemoLogSource {
    pub(crate) fn new(hub: Arc<LogHub>) -> Self {
        DemoLogSource { hub }
    }
}

impl LogSource for DemoLogSource {
    fn lines(&self, query: &LogQuery) -> BoxStream<'static, Result<String, LogError>> {
        // A ztunnel of the ambient namespace: its access-log lines (the
        // same its 15020 `/demo/logs` serves), not followed.
        let ztunnel = super::ambient::pods()
            .into_iter()
            .find(|p| p.kind == "ztunnel" && p.namespace == query.namespace && p.name == query.pod);
        if let Some(z) = ztunnel {
            let ts = crate::model::x509::rfc3339(crate::sources::clock::unix_now());
            let lines = super::ambient::ztunnel_log_lines(&z.node, &ts);
            return stream::iter(lines.into_iter().map(Ok)).boxed();
        }
        // The waypoint: its Envoy access log (cart's failing call to payments).
        let waypoint = super::ambient::pods()
            .into_iter()
            .any(|p| p.kind == "waypoint" && p.namespace == query.namespace && p.name == query.pod);
        if waypoint && query.container == "istio-proxy" {
            let ts = crate::model::x509::rfc3339(crate::sources::clock::unix_now());
            let lines = super::ambient::waypoint_log_lines(&ts);
            return stream::iter(lines.into_iter().map(Ok)).boxed();
        }
        let Some(ix) = self.hub.pod_index(&query.namespace, &query.pod) else {
            let e = LogError::NotFound(format!("pod {}/{}", query.namespace, query.pod));
            return stream::iter([Err(e)]).boxed();
        };
        if query.container == crate::sources::logs::APP_CONTAINER {
            // The simulated application logs each request its sidecar let in.
            let tail = query.tail.unwrap_or(DEFAULT_TAIL);
            return self
                .hub
                .stream(ix, tail, query.follow)
                .filter_map(|line| futures::future::ready(app_line(&line).map(Ok)))
                .boxed();
        }
        if query.container != "istio-proxy" {
            let e = LogError::NotFound(format!(
                "container {} in pod {}/{} (the demo has only istio-proxy logs)",
                query.container, query.namespace, query.pod
            ));
            return stream::iter([Err(e)]).boxed();
        }
        let tail = query.tail.unwrap_or(DEFAULT_TAIL);
        self.hub.stream(ix, tail, query.follow).map(Ok).boxed()
    }
}

/// What the demo's application writes for one inbound request its sidecar
/// logged; `None` for other lines (outbound calls, Envoy's own lines).
fn app_line(proxy_line: &str) -> Option<String> {
    use crate::model::access_log::{parse_line, LogLine};
    let LogLine::Access(e) = parse_line(proxy_line) else {
        return None;
    };
    if !e
        .upstream_cluster
        .as_deref()
        .is_some_and(|c| c.starts_with("inbound|"))
    {
        return None;
    }
    // A request the sidecar could not hand over never reached the application.
    if e.upstream_host.is_none() || e.response_flags.iter().any(|f| f.is_failure()) {
        return None;
    }
    Some(format!(
        "{} INFO {} {} {} {}ms request_id={}",
        e.start_time.as_deref().unwrap_or("-"),
        e.method.as_deref().unwrap_or("-"),
        e.path.as_deref().unwrap_or("-"),
        e.code_label(),
        e.upstream_service_time_ms.or(e.duration_ms).unwrap_or(0),
        e.request_id.as_deref().unwrap_or("-"),
    ))
}
