//! The raw-JSON view: the resource's tree, coloured by value kind.

use ratatui::layout::Rect;
use ratatui::Frame;

use super::widgets::json_tree::{JsonStyles, JsonTreeView};
use crate::app::state::{AppState, ViewState};

/// Draws the focused resource's tree.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    let Some(tree) = &view.json else { return };
    let styles = JsonStyles {
        key: t.accent,
        string: t.ok,
        number: t.warn,
        boolean: t.header,
        null: t.dim,
        punctuation: t.dim,
        cursor: t.selection,
        match_: t.matched,
    };
    frame.render_widget(
        JsonTreeView {
            tree,
            styles,
            focused,
        },
        area,
    );
}
