//! One key binding: the keys, where they apply, the action and its help line.
//! The keymap (`keys.rs`) gathers the core's bindings and each feature's.

use crossterm::event::KeyCode;

use super::action::Action;
use super::view::Context;

/// One binding.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// Keys that trigger it.
    pub keys: &'static [KeyCode],
    /// How the help overlay writes the keys.
    pub label: &'static str,
    /// What it does.
    pub action: Action,
    /// One line for the help overlay.
    pub help: &'static str,
}

/// A binding, written short.
pub const fn b(
    context: Context,
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        action,
        help,
    }
}
