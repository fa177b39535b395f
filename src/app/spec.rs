//! What the core knows of a view, filled in by the feature that owns it and
//! looked up through [`super::registry`].

use super::action::Drill;
use super::state::AppState;
use super::table::{Row, Table};
use super::view::Context;
use crate::sources::target::Endpoint;

/// A view's table for a target, with the data version it was built from.
pub type TableFn = for<'a> fn(&'a AppState, Option<usize>) -> Option<(&'a Table, u64)>;
/// Enter on a row.
pub type EnterFn = fn(&mut AppState, &Row) -> Drill;
/// `x` on a row: the raw JSON and its title, or why there is none.
pub type RawFn = fn(&AppState, &Row) -> Result<(String, String), String>;

/// What the core knows of a view.
#[derive(Clone, Copy)]
pub struct ViewSpec {
    /// Lower-case name used by `:` commands and the config file.
    pub name: &'static str,
    /// Title shown in the pane border.
    pub title: &'static str,
    /// Sidecar endpoints the view waits for (with a loading or error banner).
    pub needs: &'static [Endpoint],
    /// Sidecar endpoints the view reads when present, without a banner.
    pub quiet: &'static [Endpoint],
    /// Control-plane endpoints fetched while the view is shown.
    pub istiod_reads: &'static [Endpoint],
    /// Control-plane endpoints the view waits for (banner).
    pub istiod_waits: &'static [Endpoint],
    /// The table of rows, for table views.
    pub table: Option<TableFn>,
    /// Enter on a row.
    pub enter: Option<EnterFn>,
    /// `x` on a row.
    pub raw: Option<RawFn>,
    /// Which bindings apply besides the global ones.
    pub context: Context,
}

const NONE: ViewSpec = ViewSpec {
    name: "",
    title: "",
    needs: &[],
    quiet: &[],
    istiod_reads: &[],
    istiod_waits: &[],
    table: None,
    enter: None,
    raw: None,
    context: Context::Global,
};

impl ViewSpec {
    /// A spec with only a name and a title; features fill in the rest.
    pub const fn named(name: &'static str, title: &'static str) -> ViewSpec {
        ViewSpec {
            name,
            title,
            ..NONE
        }
    }
}
