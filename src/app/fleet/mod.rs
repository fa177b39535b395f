//! The fleet doctor: every sidecar of the list diagnosed in the background
//! (bounded concurrency, each probe time-boxed, progress in the list's
//! title), and a Findings view grouped by rule ("MS1001 circuit breaker
//! overflow on 3 sidecars"). Enter on a rule lists its sidecars; Enter on a
//! sidecar opens it on its doctor.

pub mod state;
pub mod table;
pub mod update;

use super::action::Drill;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::table::{Row, Table};
use super::view::{Context, ViewKind};

/// Findings grouped by rule.
pub const SPEC: ViewSpec = ViewSpec {
    table: Some(groups_table),
    enter: Some(enter_group),
    context: Context::Table,
    ..ViewSpec::named("findings", "Findings")
};

/// The sidecars one rule fired on.
pub const PODS_SPEC: ViewSpec = ViewSpec {
    table: Some(pods_table),
    enter: Some(enter_pod),
    context: Context::Table,
    ..ViewSpec::named("findings", "Findings")
};

fn groups_table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    state
        .fleet
        .report
        .as_ref()
        .map(|_| (&state.fleet.groups_table, state.fleet.version))
}

fn pods_table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    state
        .fleet
        .report
        .as_ref()
        .map(|_| (&state.fleet.pods_table, state.fleet.version))
}

/// Enter on a rule: its sidecars (straight to the sidecar when only one).
fn enter_group(state: &mut AppState, row: &Row) -> Drill {
    let mine: Vec<&Row> = state
        .fleet
        .pods_table
        .rows
        .iter()
        .filter(|r| r.key == row.key)
        .collect();
    if let [only] = mine.as_slice() {
        if let Some(pod) = only.cells.first().cloned() {
            return open(state, &pod);
        }
    }
    Drill::Push(Box::new(ViewState::only(
        ViewKind::FleetPods,
        vec![row.key.clone()],
    )))
}

/// Enter on a sidecar of a rule: open it.
fn enter_pod(state: &mut AppState, row: &Row) -> Drill {
    match row.cells.first() {
        Some(pod) => open(state, &pod.clone()),
        None => Drill::Done,
    }
}

fn open(state: &mut AppState, pod: &str) -> Drill {
    match state.mesh.pods.iter().position(|p| p.key() == pod) {
        Some(i) => Drill::Open(i),
        None => {
            state.say(
                format!("{pod} is no longer in the list"),
                crate::model::severity::Severity::Warn,
            );
            Drill::Done
        }
    }
}
