//! The Memory view: `/memory`'s fields with their trend over the polls (the
//! samples live in the Stats view's per-target series).

pub mod data;

use super::spec::ViewSpec;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[Endpoint::Memory],
    // The stat count beside the heap, when the stats are there.
    quiet: &[Endpoint::Stats],
    ..ViewSpec::named("memory", "Memory")
};
