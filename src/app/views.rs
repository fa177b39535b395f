//! Re-filtering and re-sorting the visible rows of every table view when
//! its data, filter or sort changed (and only then).

use super::registry::table_of;
use super::state::{AppState, ViewKind, ViewState};
use super::table::Table;

/// Re-filters and re-sorts views whose data or filter changed.
pub(super) fn recompute_views(state: &mut AppState) {
    let target = state.selected;
    let page = state.page();
    let targets_version = state.targets_version;
    if let Some(fresh) = refiltered(
        &state.targets,
        Some((&state.targets_table, targets_version)),
    ) {
        apply(&mut state.targets, fresh, page);
    }
    // A view over the sidecar list (the fleet's findings).
    if let Some(v) = state.list.last() {
        let fresh = refiltered(v, table_of(state, v.kind, None));
        if let (Some(fresh), Some(v)) = (fresh, state.list.last_mut()) {
            apply(v, fresh, page);
        }
    }
    for p in 0..state.panes.len() {
        let Some(view) = state.panes[p].top() else {
            continue;
        };
        if !view.kind.is_table() {
            continue;
        }
        // Filter with a shared borrow of the data, then store the result.
        let fresh = refiltered(view, table_of(state, view.kind, target));
        if let (Some(fresh), Some(v)) = (fresh, state.panes[p].top_mut()) {
            apply(v, fresh, page);
        }
    }
}

/// A view's visible rows computed again from its table, or `None` when they
/// are already computed for this data version; `Some(None)` when the view
/// has no table now.
fn refiltered(v: &ViewState, table: Option<(&Table, u64)>) -> Option<Option<(Vec<usize>, u64)>> {
    match table {
        Some((_, version)) if v.computed_for == Some(version) => None,
        Some((t, version)) => Some(Some((
            t.view(&v.parsed, v.sort, v.keys.as_deref()),
            version,
        ))),
        None => Some(None),
    }
}

/// Stores freshly computed visible rows; a follow-mode view (cursor on the
/// last row) stays on the last row as rows arrive.
fn apply(v: &mut ViewState, fresh: Option<(Vec<usize>, u64)>, page: usize) {
    let Some((visible, version)) = fresh else {
        v.visible.clear();
        v.computed_for = None;
        return;
    };
    let following =
        v.kind == ViewKind::Logs && (v.visible.is_empty() || v.cursor + 1 >= v.visible.len());
    v.visible = visible;
    v.computed_for = Some(version);
    if following {
        v.cursor = v.visible.len().saturating_sub(1);
    }
    v.cursor = v.cursor.min(v.visible.len().saturating_sub(1));
    if v.cursor < v.offset || v.cursor >= v.offset + page {
        v.offset = v.cursor.saturating_sub(page.saturating_sub(1));
    }
}
