//! The sidecar list: one row per target with readiness, Envoy state, version
//! and its worst finding; Enter opens the sidecar in the layout's panes.

pub mod update;

use super::spec::ViewSpec;
use super::state::AppState;
use super::table::Table;
use super::view::Context;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    table: Some(table),
    context: Context::Table,
    ..ViewSpec::named("pods", "Sidecars")
};

fn table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    Some((&state.targets_table, state.targets_version))
}
