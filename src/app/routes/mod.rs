//! The Routes view: one row per route; Enter lists the clusters it sends to.

pub mod table;

use super::action::Drill;
use super::dump::raw_of;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::table::{Row, Table};
use super::view::{Context, ViewKind};
use crate::model::config_dump::Kind;
use crate::sources::target::Endpoint;

const TITLE: &str = "Routes";

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::ConfigDump],
    table: Some(table),
    enter: Some(enter),
    raw: Some(raw),
    context: Context::Table,
    ..ViewSpec::named("routes", TITLE)
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    state.dump(target).map(|(d, v)| (&d.routes, v))
}

fn enter(_: &mut AppState, row: &Row) -> Drill {
    let clusters: Vec<String> = row
        .cells
        .get(5)
        .map(|c| {
            c.split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if clusters.is_empty() {
        Drill::Raw
    } else {
        Drill::Push(Box::new(ViewState::only(ViewKind::Clusters, clusters)))
    }
}

fn raw(state: &AppState, row: &Row) -> Result<(String, String), String> {
    let dump = state.dump(state.selected).map(|(d, _)| d);
    raw_of(dump, Kind::Route, TITLE, &row.key)
}
