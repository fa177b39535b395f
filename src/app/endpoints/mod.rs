//! The Endpoints view: hosts from `/clusters?format=json` with their health
//! flags (or, without it, the dump's EDS section); Enter goes to the host's
//! cluster, `x` shows the host as `/clusters` reports it.

pub mod table;

use super::action::Drill;
use super::data::Data;
use super::dump::raw_of;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::table::{Row, Table};
use super::view::{Context, ViewKind};
use crate::model::clusters::HostStatus;
use crate::model::config_dump::Kind;
use crate::sources::target::Endpoint;

const TITLE: &str = "Endpoints";

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::ClustersJson],
    table: Some(table),
    enter: Some(enter),
    raw: Some(raw),
    context: Context::Table,
    ..ViewSpec::named("endpoints", TITLE)
};

/// Runtime hosts when `/clusters` was read, else the dump's EDS endpoints.
fn table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let runtime = match state.data(target, Endpoint::ClustersJson) {
        Some((Data::Runtime(r), v)) => Some((&r.1, v)),
        _ => None,
    };
    runtime.or_else(|| state.dump(target).map(|(d, v)| (&d.eds, v + 1_000_000)))
}

fn enter(_: &mut AppState, row: &Row) -> Drill {
    Drill::Push(Box::new(ViewState::only(
        ViewKind::Clusters,
        vec![row.key.clone()],
    )))
}

/// A host of `/clusters` opens as itself, not as its cluster.
fn raw(state: &AppState, row: &Row) -> Result<(String, String), String> {
    if let Some(host) = host_of(state, row) {
        let title = format!("Endpoint {} ({})", host.endpoint(), row.key);
        return Ok((host.to_json(), title));
    }
    let dump = state.dump(state.selected).map(|(d, _)| d);
    raw_of(dump, Kind::Cluster, TITLE, &row.key)
}

/// The runtime host of an Endpoints row (`None` when the view shows EDS from
/// the config dump, which has no runtime flags).
fn host_of<'a>(state: &'a AppState, row: &Row) -> Option<&'a HostStatus> {
    let endpoint = row.cells.first()?;
    let Some((Data::Runtime(r), _)) = state.data(state.selected, Endpoint::ClustersJson) else {
        return None;
    };
    r.0.cluster_statuses
        .iter()
        .filter(|c| c.name == row.key)
        .flat_map(|c| c.host_statuses.iter())
        .find(|h| &h.endpoint() == endpoint)
}

/// The runtime host of the Endpoints row under the view's cursor.
pub fn selected_host<'a>(state: &'a AppState, view: &ViewState) -> Option<&'a HostStatus> {
    let (table, _) = table(state, state.selected)?;
    let row = table.rows.get(*view.visible.get(view.cursor)?)?;
    host_of(state, row)
}
