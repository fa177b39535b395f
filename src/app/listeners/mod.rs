//! The Listeners view: one row per filter chain; Enter follows a chain to its
//! route configuration or cluster, `x` shows the listener's JSON.

pub mod table;

use super::action::Drill;
use super::dump::raw_of;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::table::{Row, Table};
use super::view::{Context, ViewKind};
use crate::model::config_dump::Kind;
use crate::sources::target::Endpoint;

const TITLE: &str = "Listeners";

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::ConfigDump],
    table: Some(table),
    enter: Some(enter),
    raw: Some(raw),
    context: Context::Table,
    ..ViewSpec::named("listeners", TITLE)
};

fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    state.dump(target).map(|(d, v)| (&d.listeners, v))
}

/// A chain's destination: `Route: NAME`, `Cluster: NAME` or a bare cluster.
fn enter(_: &mut AppState, row: &Row) -> Drill {
    let dest = row.cells.get(3).cloned().unwrap_or_default();
    if let Some(route) = dest.strip_prefix("Route: ") {
        Drill::Push(Box::new(ViewState::only(
            ViewKind::Routes,
            vec![route.to_string()],
        )))
    } else if let Some(cluster) = dest.strip_prefix("Cluster: ") {
        Drill::Push(Box::new(ViewState::only(
            ViewKind::Clusters,
            vec![cluster.to_string()],
        )))
    } else if dest.contains("Cluster") && !dest.contains(' ') {
        Drill::Push(Box::new(ViewState::only(ViewKind::Clusters, vec![dest])))
    } else {
        Drill::Raw
    }
}

fn raw(state: &AppState, row: &Row) -> Result<(String, String), String> {
    let dump = state.dump(state.selected).map(|(d, _)| d);
    raw_of(dump, Kind::Listener, TITLE, &row.key)
}
