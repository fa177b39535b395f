//! The Request view: one request followed across sidecars by its
//! `x-request-id`, the verdict first, then each hop.

pub mod state;

use super::spec::ViewSpec;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec::named("trace", "Request");
