//! The raw-JSON view: one resource (a listener, a cluster, a host of
//! `/clusters`) as a foldable, searchable tree. The tree itself is the shared
//! widget state in [`crate::app::json_tree`].

pub mod keys;
pub mod update;

pub use update::open;

use super::spec::ViewSpec;
use super::view::Context;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    context: Context::Json,
    ..ViewSpec::named("json", "Raw JSON")
};
