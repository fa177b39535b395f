//! The Stats view's keys.

use crossterm::event::KeyCode::Char;

use crate::app::action::Action;
use crate::app::binding::{b, Binding};
use crate::app::view::Context::Stats as S;

/// The Stats view's bindings, in help order.
pub fn bindings() -> Vec<Binding> {
    vec![
        b(
            S,
            &[Char('m')],
            "m",
            Action::MarkStats,
            "mark now: show each stat's change since (no /reset_counters)",
        ),
        b(
            S,
            &[Char('u')],
            "u",
            Action::ToggleUsedOnly,
            "used only: hide zero-valued stats",
        ),
        b(
            S,
            &[Char('t')],
            "t",
            Action::CycleStatKind,
            "type: all, counters, gauges, histograms",
        ),
        b(
            S,
            &[Char('s')],
            "s",
            Action::SortNext,
            "sort by next column: name, value, rate… (asc, desc, off)",
        ),
    ]
}
