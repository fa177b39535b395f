//! Typing: the filter of the focused view (applied on every keystroke; in a
//! JSON view, Enter searches) and the `:` palette with Tab completion.

use crossterm::event::KeyCode;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::action::Effect;
use super::state::{focused_view_mut, AppState, Mode};
use super::table::Filter;
use super::{commands, json};

/// A key while the filter or the palette is open.
pub fn input_key(state: &mut AppState, key: crossterm::event::KeyEvent, fx: &mut Vec<Effect>) {
    let mode = std::mem::replace(&mut state.mode, Mode::Normal);
    match mode {
        Mode::Filter(mut input) => match key.code {
            KeyCode::Esc => {
                set_filter(state, "");
            }
            KeyCode::Enter => {
                set_filter(state, input.value());
                json::update::search(state, input.value());
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                set_filter(state, input.value());
                state.mode = Mode::Filter(input);
            }
        },
        Mode::Palette(mut input) => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => commands::run(state, input.value(), fx),
            KeyCode::Tab => {
                let done = commands::complete(input.value());
                state.mode = Mode::Palette(Input::new(done));
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                state.mode = Mode::Palette(input);
            }
        },
        other => state.mode = other,
    }
}

/// Sets the focused view's filter (applied on every keystroke).
fn set_filter(state: &mut AppState, text: &str) {
    if let Some(v) = focused_view_mut(state) {
        if v.json.is_some() {
            return;
        }
        if v.filter != text {
            v.filter = text.to_string();
            v.parsed = Filter::parse(text);
            v.computed_for = None;
            v.cursor = 0;
            v.offset = 0;
        }
    }
}
