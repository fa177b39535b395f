//! The Overview view: is this sidecar alive and ready, which versions it
//! runs and what its config holds. It reads the slots directly; drawing is in
//! `ui::overview`.

use super::spec::ViewSpec;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[
        Endpoint::ServerInfo,
        Endpoint::AgentReady,
        Endpoint::ConfigDump,
    ],
    ..ViewSpec::named("overview", "Overview")
};
