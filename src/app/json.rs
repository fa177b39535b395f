//! Glue between the views and the raw-JSON tree: opening the resource under
//! the cursor, and the tree's own actions.

use super::action::{Action, Effect};
use super::data::Data;
use super::json_tree::JsonTree;
use super::state::{AppState, ViewKind, ViewState};
use super::update::{focused_view, focused_view_mut, table_of};
use crate::model::config_dump::Kind;
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

fn kind_of(view: ViewKind) -> Option<Kind> {
    Some(match view {
        ViewKind::Listeners => Kind::Listener,
        ViewKind::Clusters | ViewKind::Endpoints => Kind::Cluster,
        ViewKind::Routes => Kind::Route,
        ViewKind::Secrets => Kind::Secret,
        _ => return None,
    })
}

/// Opens the raw JSON of the row under the cursor in the focused pane.
pub fn open_raw(state: &mut AppState) {
    let target = state.selected;
    let Some(view) = focused_view(state) else {
        return;
    };
    let (vkind, cursor) = (view.kind, view.cursor);
    let Some(kind) = kind_of(vkind) else { return };
    let Some(&row) = view.visible.get(cursor) else {
        return;
    };
    let Some(key) = table_of(state, vkind, target)
        .and_then(|(t, _)| t.rows.get(row))
        .map(|r| r.key.clone())
    else {
        return;
    };
    // A host of `/clusters` opens as itself, not as its cluster.
    if vkind == ViewKind::Endpoints {
        if let Some(host) = view_host(state) {
            return push_tree(state, &host.0, format!("Endpoint {} ({key})", host.1));
        }
    }
    let raw = state
        .slot(target, Endpoint::ConfigDump)
        .and_then(|s| match s.data() {
            Some(Data::Dump(d)) => d.raw(kind, &key).map(str::to_string),
            _ => None,
        });
    let Some(raw) = raw else {
        state.say(
            format!("no raw JSON for {key} in the config dump"),
            Severity::Warn,
        );
        return;
    };
    push_tree(state, &raw, format!("{} {key}", vkind.title()));
}

/// The runtime host under the cursor of the focused Endpoints view, as
/// (JSON, endpoint).
fn view_host(state: &AppState) -> Option<(String, String)> {
    let view = focused_view(state)?;
    let host = super::endpoints::selected_host(state, view)?;
    Some((host.to_json(), host.endpoint()))
}

fn push_tree(state: &mut AppState, raw: &str, title: String) {
    match JsonTree::parse(raw) {
        Ok(tree) => {
            let mut v = ViewState::new(ViewKind::Json);
            v.json = Some(Box::new(tree));
            v.json_title = title;
            let focus = state.focus;
            if let Some(p) = state.panes.get_mut(focus) {
                p.stack.push(v);
            }
        }
        Err(e) => state.say(format!("{title}: {e}"), Severity::Error),
    }
}

/// Moves the JSON cursor by `delta` lines (pages and ends included).
pub fn move_tree(tree: &mut JsonTree, delta: isize, page: usize) {
    // The tree keeps the cursor visible for the pane's height (no header row).
    tree.set_viewport_height(page);
    match delta {
        d if d <= isize::MIN / 4 => tree.home(),
        d if d >= isize::MAX / 4 => tree.end(),
        d if d.unsigned_abs() >= page && d < 0 => tree.page_up(),
        d if d.unsigned_abs() >= page => tree.page_down(),
        d if d < 0 => (0..d.unsigned_abs()).for_each(|_| tree.up()),
        d => (0..d).for_each(|_| tree.down()),
    }
}

/// Fold, search-match moves and copy-path on the focused JSON view.
pub fn act(state: &mut AppState, action: &Action, fx: &mut Vec<Effect>) {
    let Some(tree) = focused_view_mut(state).and_then(|v| v.json.as_mut()) else {
        return;
    };
    match action {
        Action::ToggleFold => tree.toggle_fold(),
        Action::NextMatch => {
            tree.next_match();
        }
        Action::PrevMatch => {
            tree.prev_match();
        }
        Action::CopyPath => {
            let path = tree.cursor_path();
            fx.push(Effect::Copy(path.clone()));
            state.say(format!("copied {path}"), Severity::Ok);
        }
        _ => {}
    }
}

/// Runs a search in the focused JSON view (from the `/` input).
pub fn search(state: &mut AppState, query: &str) {
    let Some(tree) = focused_view_mut(state).and_then(|v| v.json.as_mut()) else {
        return;
    };
    let n = tree.search(query);
    if n > 0 {
        tree.next_match();
    }
    let msg = format!("{n} matches for `{query}`");
    state.say(msg, if n > 0 { Severity::Ok } else { Severity::Warn });
}
