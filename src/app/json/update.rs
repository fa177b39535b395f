//! The raw-JSON view's reducer: opening a resource's JSON as a tree on the
//! focused pane, moving in it, folding, searching and copying a path.

use crate::app::action::{Action, Effect};
use crate::app::json_tree::JsonTree;
use crate::app::state::{focused_view_mut, AppState, ViewKind, ViewState};
use crate::model::severity::Severity;

/// Opens `raw` as a JSON tree on top of the focused pane.
pub fn open(state: &mut AppState, raw: &str, title: String) {
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
