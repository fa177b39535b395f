//! One pane driving another: the cluster under the cursor in a Clusters pane
//! filters every Stats pane beside it to that cluster's stats.

use crate::app::clusters;
use crate::app::state::{AppState, ViewKind};
use crate::app::table::Filter;

/// The cluster selected in the focused pane, when it is a Clusters view.
fn selected_cluster(state: &AppState) -> Option<String> {
    let pane = state.panes.get(state.focus)?;
    let view = pane.top()?;
    if view.kind != ViewKind::Clusters {
        return None;
    }
    let row = *view.visible.get(view.cursor)?;
    let (table, _) = clusters::clusters_table(state, state.selected)?;
    table.rows.get(row).map(|r| r.key.clone())
}

/// Re-points the Stats panes when the selected cluster changed.
pub fn follow_selection(state: &mut AppState) {
    let Some(cluster) = selected_cluster(state) else {
        return;
    };
    if state.linked_cluster.as_deref() == Some(cluster.as_str()) {
        return;
    }
    // Stats rows carry `cluster.<name>` in their scope; the name has no spaces,
    // so it is one filter word.
    let filter = format!("cluster.{cluster}");
    for (i, pane) in state.panes.iter_mut().enumerate() {
        if i == state.focus {
            continue;
        }
        if let Some(v) = pane.top_mut().filter(|v| v.kind == ViewKind::Stats) {
            v.filter = filter.clone();
            v.parsed = Filter::parse(&filter);
            v.computed_for = None;
            v.cursor = 0;
            v.offset = 0;
        }
    }
    state.linked_cluster = Some(cluster);
}
