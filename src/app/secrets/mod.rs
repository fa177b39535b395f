//! The Secrets view: SDS secrets and how long their certificates have left.

pub mod table;

use super::dump::raw_of;
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::{Row, Table};
use super::view::Context;
use crate::model::config_dump::Kind;
use crate::sources::target::Endpoint;

const TITLE: &str = "Secrets";

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::ConfigDump],
    table: Some(table),
    raw: Some(raw),
    context: Context::Table,
    ..ViewSpec::named("secrets", TITLE)
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    state.dump(target).map(|(d, v)| (&d.secrets, v))
}

fn raw(state: &AppState, row: &Row) -> Result<(String, String), String> {
    let dump = state.dump(state.selected).map(|(d, _)| d);
    raw_of(dump, Kind::Secret, TITLE, &row.key)
}
