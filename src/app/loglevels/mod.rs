//! The Log levels view: Envoy's loggers (`/logging`); Enter proposes a change,
//! which only happens after the user confirms it, and `R` puts it back.

pub mod data;
pub mod keys;
pub mod state;
pub mod update;

use super::action::Drill;
use super::data::Data;
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::{Row, Table};
use super::view::Context;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::Logging],
    table: Some(table),
    enter: Some(enter),
    context: Context::Table,
    ..ViewSpec::named("logging", "Log levels")
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    match state.data(target, Endpoint::Logging)? {
        (Data::Loggers(t), v) => Some((t.as_ref(), v)),
        _ => None,
    }
}

/// Enter on a logger asks to change its level.
fn enter(state: &mut AppState, row: &Row) -> Drill {
    let level = row.cells.get(1).cloned().unwrap_or_default();
    update::propose(state, &row.key, &level);
    Drill::Done
}
