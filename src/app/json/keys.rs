//! The raw-JSON view's keys.

use crossterm::event::KeyCode::{Char, Enter};

use crate::app::action::Action;
use crate::app::binding::{b, Binding};
use crate::app::view::Context::Json as J;

/// The JSON view's bindings, in help order.
pub fn bindings() -> Vec<Binding> {
    vec![
        b(
            J,
            &[Enter, Char('o')],
            "Enter o",
            Action::ToggleFold,
            "fold / unfold",
        ),
        b(J, &[Char('n')], "n", Action::NextMatch, "next match"),
        b(J, &[Char('N')], "N", Action::PrevMatch, "previous match"),
        b(J, &[Char('y')], "y", Action::CopyPath, "copy the JSON path"),
    ]
}
