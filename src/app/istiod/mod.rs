//! The istiod view: what the control plane rejected and its proxy-status
//! table; Enter on a proxy opens that sidecar. [`drift`] compares what istiod
//! would send a sidecar with what its Envoy holds.

pub mod data;
pub mod drift;
pub mod query;

use super::action::Drill;
use super::data::Data;
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::{Row, Table};
use super::view::Context;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    // The sidecar's side of what istiod rejected or would send differently.
    needs: &[
        Endpoint::Stats,
        Endpoint::ConfigDump,
        Endpoint::IstiodConfigDump,
    ],
    istiod_reads: &[Endpoint::IstiodMetrics, Endpoint::Syncz],
    istiod_waits: &[Endpoint::IstiodMetrics],
    table: Some(table),
    enter: Some(enter),
    context: Context::Table,
    ..ViewSpec::named("istiod", "istiod")
};

fn table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    match state.data(None, Endpoint::Syncz)? {
        (Data::Syncz(t), v) => Some((t.as_ref(), v)),
        _ => None,
    }
}

/// Enter on a proxy-status row opens that sidecar.
fn enter(state: &mut AppState, row: &Row) -> Drill {
    match query::target_of_proxy(state, &row.key) {
        Some(t) => Drill::Open(t),
        None => Drill::Raw,
    }
}
