//! The Log levels view's keys (its rows take the table keys too).

use crossterm::event::KeyCode::Char;

use crate::app::action::Action;
use crate::app::binding::{b, Binding};
use crate::app::view::Context::Table as T;

/// The log-level bindings, in help order.
pub fn bindings() -> Vec<Binding> {
    vec![b(
        T,
        &[Char('R')],
        "R",
        Action::RestoreLogLevel,
        "log levels: put back the level changed last (asks first)",
    )]
}
