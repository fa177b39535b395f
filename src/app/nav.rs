//! Moving around: the cursor, Enter and Esc, opening a sidecar, switching
//! a pane's view, sorting, the filter and palette inputs, the mouse. Shared by
//! every view; what Enter means on a row is the owning feature's (through the
//! registry).

use super::action::{Drill, Effect};
use super::json;
use super::registry::{self, table_of};
use super::slots::request;
use super::state::{focused_kind, focused_view_mut, AppState, Pane, ViewKind, ViewState};
use super::table::{Filter, Sort};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

pub fn move_cursor(state: &mut AppState, delta: isize) {
    let page = state.page();
    // A JSON pane has no header row: title bar, status line and borders only.
    let json_page = usize::from(state.size.1.saturating_sub(4)).max(1);
    if let Some(tree) = focused_view_mut(state).and_then(|v| v.json.as_mut()) {
        json::update::move_tree(tree, delta, json_page);
        return;
    }
    if let Some(v) = focused_view_mut(state) {
        let len = v.visible.len();
        if len == 0 {
            v.cursor = 0;
            return;
        }
        let c = (v.cursor as isize)
            .saturating_add(delta)
            .clamp(0, len as isize - 1);
        v.cursor = c as usize;
        if v.cursor < v.offset {
            v.offset = v.cursor;
        } else if v.cursor >= v.offset + page {
            v.offset = v.cursor + 1 - page;
        }
    }
}

pub fn enter(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.selected.is_none() && !state.list.is_empty() {
        match registry::enter(state) {
            Drill::Push(v) => state.list.push(*v),
            Drill::Open(t) => {
                open_target(state, t);
                land_on_doctor(state);
            }
            Drill::Effects(e) => fx.extend(e),
            Drill::Raw | Drill::Done => {}
        }
        return;
    }
    if state.selected.is_none() {
        let Some(&row) = state.targets.visible.get(state.targets.cursor) else {
            return;
        };
        open_target(state, row);
        land_on_doctor(state);
        return;
    }
    match registry::enter(state) {
        Drill::Push(v) => {
            let v = *v;
            let focus = state.focus;
            if let Some(p) = state.panes.get_mut(focus) {
                p.stack.push(v);
            }
        }
        Drill::Open(t) => open_target(state, t),
        Drill::Effects(e) => fx.extend(e),
        Drill::Raw | Drill::Done => {}
    }
}

/// Opens a sidecar in the layout's panes.
pub fn open_target(state: &mut AppState, target: usize) {
    if target >= state.mesh.pods.len() {
        return;
    }
    state.selected = Some(target);
    state.panes = registry::layout(state).into_iter().map(Pane::new).collect();
    state.focus = 0;
    state.zoom = false;
    // ensure_data starts the log follow for the open sidecar on the next update.
}

pub fn back(state: &mut AppState) {
    if let Some(v) = focused_view_mut(state) {
        if !v.filter.is_empty() {
            v.filter.clear();
            v.parsed = Filter::parse("");
            v.computed_for = None;
            return;
        }
    }
    if state.selected.is_none() {
        // Over the list (a rule's sidecars, the findings by rule): one back.
        state.list.pop();
        return;
    }
    let focus = state.focus;
    if let Some(p) = state.panes.get_mut(focus) {
        if p.stack.len() > 1 {
            if p.stack.pop().is_some_and(|v| v.landing) {
                state.zoom = false;
            }
            return;
        }
    }
    if state.zoom {
        state.zoom = false;
        return;
    }
    state.selected = None;
}

/// Replaces the focused pane's view with `kind` (keeping a way back).
pub fn show_view(state: &mut AppState, kind: ViewKind) {
    if kind == ViewKind::Targets {
        state.selected = None;
        state.list.clear();
        return;
    }
    if state.selected.is_none() {
        return;
    }
    let focus = state.focus;
    if let Some(p) = state.panes.get_mut(focus) {
        if p.top().map(|v| v.kind) != Some(kind) {
            p.stack = vec![ViewState::new(kind)];
        }
    }
}

pub fn sort_next(state: &mut AppState) {
    let target = state.selected;
    let Some(kind) = focused_kind(state) else {
        return;
    };
    let ncols = table_of(state, kind, target).map_or(0, |(t, _)| t.columns.len());
    if let Some(v) = focused_view_mut(state) {
        v.sort = match v.sort {
            None if ncols > 0 => Some(Sort {
                column: 0,
                descending: false,
            }),
            Some(Sort {
                column,
                descending: false,
            }) => Some(Sort {
                column,
                descending: true,
            }),
            Some(Sort {
                column,
                descending: true,
            }) if column + 1 < ncols => Some(Sort {
                column: column + 1,
                descending: false,
            }),
            _ => None,
        };
        v.computed_for = None;
    }
}

pub fn refresh(state: &mut AppState, fx: &mut Vec<Effect>) {
    let target = state.selected;
    let kinds: Vec<ViewKind> = match target {
        None => vec![],
        Some(_) => state
            .panes
            .iter()
            .filter_map(|p| p.top().map(|v| v.kind))
            .collect(),
    };
    for kind in kinds {
        let spec = registry::spec(kind);
        for &ep in spec.needs {
            request(state, (target, ep), fx);
        }
        if state.mesh.istiod.is_some() {
            for &ep in spec.istiod_reads {
                request(state, (None, ep), fx);
            }
        }
    }
    if target.is_none() {
        for i in 0..state.mesh.pods.len() {
            request(state, (Some(i), Endpoint::ServerInfo), fx);
            if state.reachable(Some(i), Endpoint::AgentReady) {
                request(state, (Some(i), Endpoint::AgentReady), fx);
            }
        }
    }
    state.say("refreshing", Severity::Ok);
}

/// Which pane is at a screen position (same split as the ui's layout).
pub fn pane_at(state: &AppState, col: u16) -> Option<usize> {
    if state.selected.is_none() || state.panes.is_empty() {
        return None;
    }
    if state.zoom {
        return Some(state.focus);
    }
    let n = state.panes.len() as u16;
    let w = state.size.0.max(1);
    Some(usize::from((col.min(w - 1) * n / w).min(n - 1)))
}

pub fn focus_at(state: &mut AppState, col: u16, _row: u16) {
    if let Some(p) = pane_at(state, col) {
        state.focus = p;
    }
}

pub fn click(state: &mut AppState, col: u16, row: u16) {
    focus_at(state, col, row);
    // Rows start under the title bar (1), pane border (1) and the header row (1).
    let first_row = 3u16;
    if row < first_row {
        return;
    }
    let clicked = usize::from(row - first_row);
    if let Some(v) = focused_view_mut(state) {
        let i = v.offset + clicked;
        if i < v.visible.len() {
            v.cursor = i;
        }
    }
}

/// Opening a sidecar from the list lands on its doctor: the Overview with
/// its findings, full width, over the layout (Esc: the side-by-side panes).
pub fn land_on_doctor(state: &mut AppState) {
    if let Some(p) = state.panes.get_mut(0) {
        let mut v = ViewState::new(ViewKind::Overview);
        v.landing = true;
        p.stack.push(v);
        state.focus = 0;
        state.zoom = true;
    }
}
