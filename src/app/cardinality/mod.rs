//! The Cardinality view: metric series per family and label from
//! `/stats/prometheus`, the labels that explode first.

pub mod data;

use super::data::Data;
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::Table;
use super::view::Context;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::Prometheus],
    table: Some(table),
    context: Context::Table,
    ..ViewSpec::named("cardinality", "Cardinality")
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    match state.data(target, Endpoint::Prometheus)? {
        (Data::Cardinality(c), v) => Some((&c.labels, v)),
        _ => None,
    }
}
