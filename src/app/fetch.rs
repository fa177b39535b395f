//! Keeping the visible views fed: which endpoints they need, when data is
//! stale, issuing requests (newest wins) and storing what comes back.

use std::time::Duration;

use super::action::Effect;
use super::data::Data;
use super::registry::spec;
pub use super::slots::request;
use super::state::{AppState, Loadable, SlotKey, ViewKind};
use super::{istiod, logs, overview, sidecars};
use crate::sources::admin::is_too_large;
use crate::sources::target::Endpoint;

/// How long data of an endpoint stays fresh before it is polled again.
fn max_age(state: &AppState, ep: Endpoint) -> Duration {
    let poll = state.poll_interval();
    match ep {
        Endpoint::ConfigDump => poll * 15,
        Endpoint::ServerInfo | Endpoint::AgentReady | Endpoint::Ready => poll * 3,
        _ => poll,
    }
}

/// The longest wait between automatic polls of an oversized endpoint.
const OVERSIZE_MAX_WAIT: Duration = Duration::from_secs(600);

/// How long after its last answer a slot is polled again: the endpoint's max
/// age, doubled for each oversized answer in a row (up to ten minutes), so a
/// body over the cap is not downloaded again every few seconds.
pub fn poll_wait(state: &AppState, key: SlotKey) -> Duration {
    let base = max_age(state, key.1);
    match state.slots.get(&key).map_or(0, |s| s.oversize) {
        0 => base,
        n => base
            .saturating_mul(1u32 << n.min(16))
            .min(OVERSIZE_MAX_WAIT.max(base)),
    }
}

fn stale(state: &AppState, key: SlotKey) -> bool {
    match state.slots.get(&key) {
        None => true,
        Some(s) if s.in_flight => false,
        // A capture's answer, body or error, is final.
        Some(s) if state.snapshot && !matches!(s.state, Loadable::Loading { .. }) => false,
        Some(s) => {
            let at = match &s.state {
                Loadable::Ready { at, .. } | Loadable::Failed { at, .. } => *at,
                Loadable::Loading { since } => *since,
            };
            state.now.duration_since(at) >= poll_wait(state, key)
        }
    }
}

/// Requests whatever the visible views need and do not have fresh.
pub(super) fn ensure_data(state: &mut AppState, fx: &mut Vec<Effect>) {
    let mut wanted: Vec<SlotKey> = Vec::new();
    match state.selected {
        None => {
            // Probing every pod's admin ports is cheap on loopback, but in a
            // cluster it would open two port-forwards per pod: there the pod
            // status already says ready/version/restarts.
            for i in 0..state.mesh.pods.len() {
                if state.mesh.pods[i].ready.is_none() {
                    wanted.push((Some(i), Endpoint::ServerInfo));
                    wanted.push((Some(i), Endpoint::AgentReady));
                }
            }
            // istiod's rejections become badges on the sidecars they concern.
            if state.mesh.istiod.is_some() {
                wanted.push((None, Endpoint::IstiodMetrics));
            }
        }
        Some(t) => {
            let visible: Vec<ViewKind> = if state.zoom {
                state
                    .panes
                    .get(state.focus)
                    .and_then(|p| p.top())
                    .map(|v| v.kind)
                    .into_iter()
                    .collect()
            } else {
                state
                    .panes
                    .iter()
                    .filter_map(|p| p.top().map(|v| v.kind))
                    .collect()
            };
            // A ztunnel's doctor reads its 15020 metrics whatever is shown.
            if state.mesh.pods.get(t).is_some_and(|p| {
                p.kind == Some(crate::sources::target::TargetKind::Ztunnel) && p.agent.is_some()
            }) {
                wanted.push((Some(t), Endpoint::AgentPrometheus));
            }
            for kind in visible {
                let spec = spec(kind);
                wanted.extend(spec.needs.iter().map(|&ep| (Some(t), ep)));
                wanted.extend(spec.quiet.iter().map(|&ep| (Some(t), ep)));
                if state.mesh.istiod.is_some() {
                    wanted.extend(spec.istiod_reads.iter().map(|&ep| (None, ep)));
                }
            }
        }
    }
    for key in wanted {
        if state.reachable(key.0, key.1) && stale(state, key) {
            request(state, key, fx);
        }
    }
    // The open sidecar's log is followed from the moment it is opened.
    if let Some(t) = state.selected {
        if let std::collections::hash_map::Entry::Vacant(e) = state.logs.entry(t) {
            e.insert(logs::state::LogBuffer::default());
            fx.push(Effect::FollowLogs {
                target: t,
                app: false,
            });
        }
        // The application container's log only while a pane shows it.
        let app_visible = state
            .panes
            .iter()
            .any(|p| p.top().is_some_and(|v| v.kind == ViewKind::AppLogs));
        if app_visible {
            if let std::collections::hash_map::Entry::Vacant(e) = state.app_logs.entry(t) {
                e.insert(logs::state::LogBuffer::default());
                fx.push(Effect::FollowLogs {
                    target: t,
                    app: true,
                });
            }
        }
    }
}

pub(super) fn fetched(
    state: &mut AppState,
    key: SlotKey,
    request: u64,
    result: Result<Data, String>,
    fx: &mut Vec<Effect>,
) {
    let now = state.now;
    let Some(slot) = state.slots.get_mut(&key) else {
        return;
    };
    if slot.request != request {
        return; // an older request; the newest wins
    }
    slot.in_flight = false;
    match result {
        Ok(data) => {
            slot.state = Loadable::Ready { data, at: now };
            slot.version += 1;
            slot.oversize = 0;
        }
        Err(error) => {
            slot.oversize = if is_too_large(&error) {
                slot.oversize.saturating_add(1)
            } else {
                0
            };
            let stale = slot.data().cloned();
            slot.state = Loadable::Failed {
                error,
                at: now,
                stale,
            };
        }
    }
    match key {
        (Some(t), Endpoint::ServerInfo | Endpoint::AgentReady | Endpoint::Stats) => {
            sidecars::update::rebuild_row(state, t)
        }
        (None, Endpoint::IstiodMetrics) => sidecars::update::rebuild(state),
        _ => {}
    }
    // The doctor of an opened sidecar (the list's health polls alone are the
    // fleet scan's to judge: diagnosing 500 sidecars from /server_info each
    // time it is polled would only compete with it).
    if let (Some(t), true) = (key.0, overview::update::EVIDENCE.contains(&key.1)) {
        if state.selected == Some(t) || state.dump(Some(t)).is_some() {
            overview::update::maybe_diagnose(state, t, fx);
        }
    }
    if let (Some(t), Endpoint::ConfigDump | Endpoint::IstiodConfigDump) = key {
        istiod::drift::maybe_compare(state, t, fx);
    }
    // A ztunnel's dump says which workloads and services each waypoint serves.
    if let (Some(_), Endpoint::ConfigDump) = key {
        if matches!(state.data(key.0, key.1), Some((Data::Ztunnel(_), _))) {
            let waypoints: Vec<usize> = (0..state.mesh.pods.len())
                .filter(|&i| {
                    state.mesh.pods[i].kind == Some(crate::sources::target::TargetKind::Waypoint)
                })
                .collect();
            for w in waypoints {
                sidecars::update::rebuild_row(state, w);
            }
        }
    }
    // A target that answered with a ztunnel dump (an `--admin` or a capture,
    // not known to be one before) gets a ztunnel's panes, once.
    if let (Some(t), Endpoint::ConfigDump) = key {
        let ztunnel_views = |s: &AppState| {
            s.panes
                .iter()
                .flat_map(|p| p.stack.iter())
                .any(|v| super::ztunnel::TABS[1..6].contains(&v.kind))
        };
        if state.selected == Some(t)
            && matches!(
                state.data(Some(t), Endpoint::ConfigDump),
                Some((Data::Ztunnel(_), _))
            )
            && !ztunnel_views(state)
        {
            state.panes = super::registry::layout(state)
                .into_iter()
                .map(super::state::Pane::new)
                .collect();
            state.focus = 0;
            state.zoom = false;
        }
    }
}
