//! The Stats view: every Envoy stat with its rate, change since the mark and
//! sparkline, the highlights that break production on top, and (with
//! [`link`]) filtered to the cluster selected in a Clusters pane beside it.

pub mod data;
pub mod keys;
pub mod link;
pub mod state;
pub mod table;
pub mod update;

use super::spec::ViewSpec;
use super::state::AppState;
use super::table::Table;
use super::view::Context;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::Stats],
    // Breaker thresholds for the highlights, when `/clusters` is there.
    quiet: &[Endpoint::ClustersJson],
    table: Some(stats_table),
    context: Context::Stats,
    ..ViewSpec::named("stats", "Stats")
};

/// The Stats table of a target, with its version.
pub fn stats_table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let s = state.series.get(&target?)?;
    (s.version > 0).then_some((&s.table, s.version))
}
