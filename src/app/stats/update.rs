//! The Stats view's reducer: [`sync`] runs inside `update` and records
//! whatever new `/stats` and `/memory` data arrived, then rebuilds the Stats
//! table and the Clusters table with its HIGHLIGHT column; [`act`] handles
//! the view's own keys (mark, used only, type).

use super::state::{MemorySample, HISTORY};
use crate::app::action::Action;
use crate::app::data::Data;
use crate::app::state::{focused_kind, AppState, ViewKind};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// Records new stats and memory data of every target and rebuilds the
/// tables that depend on them. Cheap when nothing changed.
pub fn sync(state: &mut AppState) {
    let mut targets: Vec<usize> = state
        .slots
        .keys()
        .filter(|(_, ep)| matches!(ep, Endpoint::Stats | Endpoint::Memory))
        .filter_map(|(t, _)| *t)
        .collect();
    targets.sort_unstable();
    targets.dedup();
    for t in targets {
        sync_target(state, t);
    }
}

fn sync_target(state: &mut AppState, t: usize) {
    let now = state.now;
    let slots = &state.slots;
    let slot = |ep: Endpoint| slots.get(&(Some(t), ep)).filter(|s| s.data().is_some());
    let version = |ep: Endpoint| slot(ep).map_or(0, |s| s.version);
    let seen = [
        version(Endpoint::Stats),
        version(Endpoint::ClustersJson),
        version(Endpoint::ConfigDump),
        version(Endpoint::Memory),
    ];
    let stats = match slot(Endpoint::Stats).and_then(|s| s.data()) {
        Some(Data::Stats(d)) => Some(d.clone()),
        _ => None,
    };
    let series = state.series.entry(t).or_default();
    if seen == series.seen && !series.dirty {
        return;
    }
    if seen[0] != series.seen[0] {
        if let Some(d) = &stats {
            series.record(d, now);
        }
    }
    if seen[3] != series.seen[3] {
        if let Some(Data::Memory(m)) = slot(Endpoint::Memory).and_then(|s| s.data()) {
            if series.memory.len() == HISTORY {
                series.memory.pop_front();
            }
            series.memory.push_back(MemorySample {
                at: now,
                memory: *m,
                stats: stats.as_ref().map(|d| d.entries.len()),
            });
        }
    }
    let Some(data) = stats else {
        series.seen = seen;
        return;
    };
    if seen[..3] != series.seen[..3] || series.dirty {
        series.compute_highlights(&data, slot(Endpoint::ClustersJson).and_then(|s| s.data()));
        series.table = super::table::stats_table(series, &data);
        series.version += 1;
        let dump = match slot(Endpoint::ConfigDump).and_then(|s| s.data()) {
            Some(Data::Dump(d)) => Some(&d.clusters),
            _ => None,
        };
        series.clusters =
            dump.map(|c| super::table::clusters_with_highlights(c, &series.highlights));
        series.clusters_version += 1;
    }
    series.seen = seen;
    series.dirty = false;
}

/// Handles the Stats view's own actions (mark, used-only, type filter).
pub fn act(state: &mut AppState, action: &Action) {
    let (Some(t), Some(ViewKind::Stats)) = (state.selected, focused_kind(state)) else {
        return;
    };
    let now = state.now;
    let series = state.series.entry(t).or_default();
    let message = match action {
        Action::MarkStats => {
            series.set_mark(now);
            "mark set: the ±MARK column counts from now (counters untouched)".to_string()
        }
        Action::ToggleUsedOnly => {
            series.used_only = !series.used_only;
            series.dirty = true;
            if series.used_only {
                "used only: zero-valued stats hidden".into()
            } else {
                "showing every stat".into()
            }
        }
        Action::CycleStatKind => {
            series.kind = series.kind.next();
            series.dirty = true;
            format!("showing {}", series.kind.label())
        }
        _ => return,
    };
    state.say(message, Severity::Ok);
}
