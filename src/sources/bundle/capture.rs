//! Capturing a mesh into a [`Bundle`]: every read-only endpoint fetched at
//! once under one overall deadline, each body redacted as it lands (failing
//! closed), and a [`Progress`] report per answer so the caller can show it.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};

use super::{Bundle, Capture, PodCapture, BUNDLE_FORMAT};
use crate::sources::target::{Endpoint, Fetcher, MeshInfo};

/// One endpoint's answer, reported as soon as it is in.
#[derive(Debug)]
pub struct Progress<'a> {
    /// Answers in so far, this one included.
    pub done: usize,
    /// Endpoints asked.
    pub total: usize,
    /// `namespace/name` of the pod, or `istiod`.
    pub who: &'a str,
    /// The endpoint's bundle name.
    pub endpoint: &'static str,
    /// What was stored (or why not).
    pub capture: &'a Capture,
    /// How long it took.
    pub elapsed: Duration,
}

/// Where an answer goes in the bundle.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Pod(usize),
    Istiod,
}

/// Captures every read-only endpoint of every pod and of istiod, all at once;
/// whatever has not answered after `deadline` is recorded as failed, naming
/// the URL it was asked at.
pub async fn capture(
    fetcher: &dyn Fetcher,
    mesh: &MeshInfo,
    captured_at: String,
    deadline: Duration,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Bundle {
    let until = tokio::time::Instant::now() + deadline;
    let mut jobs = FuturesUnordered::new();
    let ask = |slot: Slot, ep: Endpoint, base: String| {
        let target = match slot {
            Slot::Pod(i) => mesh.pods.get(i),
            Slot::Istiod => None,
        };
        let fut = fetcher.fetch(target, ep);
        let started = tokio::time::Instant::now();
        jobs.push(async move {
            let result = tokio::time::timeout_at(until, fut).await;
            (slot, ep, base, result, started.elapsed())
        });
    };
    for (i, pod) in mesh.pods.iter().enumerate() {
        for &ep in Endpoint::SIDECAR {
            let base = if ep.is_agent() {
                &pod.agent
            } else {
                &pod.admin
            };
            if let Some(base) = base {
                ask(Slot::Pod(i), ep, base.clone());
            }
        }
        if let Some(istiod) = &mesh.istiod {
            ask(Slot::Pod(i), Endpoint::IstiodConfigDump, istiod.clone());
        }
    }
    if let Some(istiod) = &mesh.istiod {
        for &ep in Endpoint::ISTIOD {
            ask(Slot::Istiod, ep, istiod.clone());
        }
    }
    let total = jobs.len();
    let mut pods: Vec<PodCapture> = mesh
        .pods
        .iter()
        .map(|p| PodCapture {
            target: p.clone(),
            endpoints: BTreeMap::new(),
        })
        .collect();
    let mut istiod = BTreeMap::new();
    let mut done = 0;
    while let Some((slot, ep, base, result, elapsed)) = jobs.next().await {
        done += 1;
        let capture = match result {
            Ok(r) => Capture::from_result(r),
            Err(_) => Capture::failed(format!(
                "{base}: no answer within the {} s deadline (--timeout)",
                deadline.as_secs_f64()
            )),
        };
        let (who, map) = match slot {
            Slot::Pod(i) => match pods.get_mut(i) {
                Some(p) => (p.target.key(), &mut p.endpoints),
                None => continue,
            },
            Slot::Istiod => ("istiod".to_string(), &mut istiod),
        };
        let stored = map.entry(ep.name().to_string()).or_insert(capture);
        progress(Progress {
            done,
            total,
            who: &who,
            endpoint: ep.name(),
            capture: stored,
            elapsed,
        });
    }
    Bundle {
        format: BUNDLE_FORMAT.to_string(),
        captured_at,
        istiod,
        pods,
    }
}
