//! The log lines kept for one sidecar (bounded), as parsed rows and raw text.

use crate::app::table::Table;

/// The lines kept for one sidecar.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    /// Parsed rows (key: the request id).
    pub table: Table,
    /// The raw lines, parallel to `table.rows`.
    pub raw: Vec<String>,
    /// Grows with every batch, so views re-filter.
    pub version: u64,
    /// Lines dropped because the buffer was full.
    pub dropped: u64,
    /// Why the stream ended, when it did.
    pub ended: Option<String>,
}

/// Suffix of a log-follow key for the application container's log (`ns/pod#app`).
pub const APP_SUFFIX: &str = "#app";
