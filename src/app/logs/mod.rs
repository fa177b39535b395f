//! The Logs views: the sidecar's `istio-proxy` log and, on demand, the
//! application container's, followed live; Enter on an access line follows
//! its request across sidecars.

pub mod state;
pub mod table;
pub mod update;

use super::action::{Drill, Effect};
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::{Row, Table};
use super::view::Context;
use crate::model::severity::Severity;

/// How the core sees the sidecar's log.
pub const SPEC: ViewSpec = ViewSpec {
    table: Some(table),
    enter: Some(enter),
    context: Context::Table,
    ..ViewSpec::named("logs", "Logs")
};

/// How the core sees the application container's log.
pub const APP_SPEC: ViewSpec = ViewSpec {
    table: Some(app_table),
    context: Context::Table,
    ..ViewSpec::named("applogs", "App log")
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let b = state.logs.get(&target?)?;
    Some((&b.table, b.version))
}

fn app_table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let b = state.app_logs.get(&target?)?;
    Some((&b.table, b.version))
}

/// Enter on an access line with a request id follows it across sidecars.
fn enter(state: &mut AppState, row: &Row) -> Drill {
    if row.key.is_empty() {
        return Drill::Raw;
    }
    let request_id = row.key.clone();
    state.say(
        format!("following request {request_id} across proxies …"),
        Severity::Ok,
    );
    Drill::Effects(vec![Effect::TraceRequest { request_id }])
}
