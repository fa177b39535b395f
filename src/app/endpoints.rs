//! The Endpoints view's link to `/clusters?format=json`: the host under the
//! cursor, for its health-flag explanation and its raw JSON.

use super::data::Data;
use super::state::{AppState, ViewKind, ViewState};
use super::update::table_of;
use crate::model::clusters::HostStatus;
use crate::sources::target::Endpoint;

/// The runtime host of the Endpoints row under the cursor (`None` when the
/// view shows EDS from the config dump, which has no runtime flags).
pub fn selected_host<'a>(state: &'a AppState, view: &ViewState) -> Option<&'a HostStatus> {
    let target = state.selected;
    let (table, _) = table_of(state, ViewKind::Endpoints, target)?;
    let row = table.rows.get(*view.visible.get(view.cursor)?)?;
    let endpoint = row.cells.first()?;
    let slot = state.slot(target, Endpoint::ClustersJson)?;
    let Some(Data::Runtime(r)) = slot.data() else {
        return None;
    };
    r.0.cluster_statuses
        .iter()
        .filter(|c| c.name == row.key)
        .flat_map(|c| c.host_statuses.iter())
        .find(|h| &h.endpoint() == endpoint)
}
