//! The Clusters view: istioctl's columns, state and breaker limits, with the
//! stats highlights merged in once `/stats` is read; Enter lists a cluster's
//! endpoints.

pub mod table;

use super::action::Drill;
use super::dump::raw_of;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::stats::state::MERGED_VERSION;
use super::table::{Row, Table};
use super::view::{Context, ViewKind};
use crate::model::config_dump::Kind;
use crate::sources::target::Endpoint;

const TITLE: &str = "Clusters";

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::ConfigDump, Endpoint::ClustersJson],
    // The HIGHLIGHT column, when the stats are there.
    quiet: &[Endpoint::Stats],
    table: Some(clusters_table),
    enter: Some(enter),
    raw: Some(raw),
    context: Context::Table,
    ..ViewSpec::named("clusters", TITLE)
};

/// The table with highlights once stats and the dump are loaded, else the dump's.
pub fn clusters_table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let merged = target.and_then(|t| state.series.get(&t)).and_then(|s| {
        s.clusters
            .as_ref()
            .map(|c| (c, MERGED_VERSION + s.clusters_version))
    });
    merged.or_else(|| state.dump(target).map(|(d, v)| (&d.clusters, v)))
}

fn enter(_: &mut AppState, row: &Row) -> Drill {
    Drill::Push(Box::new(ViewState::only(
        ViewKind::Endpoints,
        vec![row.key.clone()],
    )))
}

fn raw(state: &AppState, row: &Row) -> Result<(String, String), String> {
    let dump = state.dump(state.selected).map(|(d, _)| d);
    raw_of(dump, Kind::Cluster, TITLE, &row.key)
}
