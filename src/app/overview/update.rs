//! The doctor's reducer: when any evidence of a sidecar changes, ask for a
//! new diagnosis (one in flight per sidecar, the newest evidence wins), and
//! store the report when it comes back.

use std::sync::Arc;

use super::data;
use super::state::{DiagnoseInput, Versions};
use crate::app::action::Effect;
use crate::app::data::Data;
use crate::app::state::AppState;
use crate::model::findings::Report;
use crate::sources::clock::unix_now;
use crate::sources::target::Endpoint;

/// Log lines of the sidecar the doctor reads (the newest).
const LOG_WINDOW: usize = 2_000;

/// The endpoints whose new data starts a new diagnosis.
pub const EVIDENCE: [Endpoint; 6] = [
    Endpoint::ConfigDump,
    Endpoint::ClustersJson,
    Endpoint::Stats,
    Endpoint::ServerInfo,
    Endpoint::AgentReady,
    // A ztunnel's 15020 metrics (HBONE and DNS failures).
    Endpoint::AgentPrometheus,
];

fn versions(state: &AppState, t: usize) -> Versions {
    EVIDENCE.map(|ep| state.data(Some(t), ep).map_or(0, |(_, v)| v))
}

/// After new data for a target: start a diagnosis when its evidence changed
/// and none is in flight.
pub fn maybe_diagnose(state: &mut AppState, t: usize, fx: &mut Vec<Effect>) {
    let now = state.now;
    let v = versions(state, t);
    if v.iter().all(|&x| x == 0) {
        return;
    }
    let stats = match state.data(Some(t), Endpoint::Stats) {
        Some((Data::Stats(s), _)) => Some(s.clone()),
        _ => None,
    };
    let d = state.doctor.entry(t).or_default();
    if d.asked == Some(v) || (d.asked.is_some() && d.asked != d.computed) {
        return;
    }
    // Keep the stats read before this one, for rates now.
    if let Some(s) = &stats {
        if d.last_stats
            .as_ref()
            .is_none_or(|(l, _)| !Arc::ptr_eq(l, s))
        {
            d.previous_stats = d.last_stats.take();
            d.last_stats = Some((s.clone(), now));
        }
    }
    let previous_stats = d.previous_stats.as_ref().and_then(|(p, at)| {
        let (_, last_at) = d.last_stats.as_ref()?;
        let secs = last_at.saturating_duration_since(*at).as_secs_f64();
        (secs > 0.0).then(|| (p.clone(), secs))
    });
    d.asked = Some(v);
    let input = DiagnoseInput {
        dump: match state.data(Some(t), Endpoint::ConfigDump) {
            Some((Data::Dump(d), _)) => Some(d.clone()),
            _ => None,
        },
        clusters: match state.data(Some(t), Endpoint::ClustersJson) {
            Some((Data::Runtime(r), _)) => Some(Arc::new(r.0.clone())),
            _ => None,
        },
        stats,
        previous_stats,
        server_info: match state.data(Some(t), Endpoint::ServerInfo) {
            Some((Data::Text { body, .. }, _)) => Some(body.clone()),
            _ => None,
        },
        agent_ready: match state.data(Some(t), Endpoint::AgentReady) {
            Some((Data::Text { status, .. }, _)) => Some(*status),
            _ => None,
        },
        logs: state.logs.get(&t).map_or(Vec::new(), |b| {
            let from = b.raw.len().saturating_sub(LOG_WINDOW);
            b.raw[from..].to_vec()
        }),
        now_unix: unix_now(),
        ztunnel: match state.data(Some(t), Endpoint::ConfigDump) {
            Some((Data::Ztunnel(z), _)) => Some(z.clone()),
            _ => None,
        },
        ztunnel_metrics: match state.data(Some(t), Endpoint::AgentPrometheus) {
            Some((Data::Cardinality(c), _)) => c.ztunnel_metrics.clone(),
            _ => None,
        },
    };
    fx.push(Effect::Diagnose {
        target: t,
        versions: v,
        input: Box::new(input),
    });
}

/// A diagnosis came back: keep it, and ask again if the evidence moved on.
pub fn diagnosed(
    state: &mut AppState,
    t: usize,
    versions: Versions,
    report: Arc<Report>,
    fx: &mut Vec<Effect>,
) {
    let d = state.doctor.entry(t).or_default();
    d.table = data::table(&report);
    d.report = Some(report);
    d.computed = Some(versions);
    d.asked = Some(versions);
    d.version += 1;
    crate::app::sidecars::update::rebuild_row(state, t);
    maybe_diagnose(state, t, fx);
}
