//! How bad something is: the domain's one severity, for findings, rows and
//! cells. The theme maps each to a style; nothing here knows about colours.

use serde::Serialize;

/// Severity of a finding, row or cell, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing to report.
    #[default]
    Ok,
    /// Good to know; nothing is failing.
    Info,
    /// Worth a look.
    Warn,
    /// Breaks production.
    Error,
}

impl Severity {
    /// `error`, `warn`, `info`, `ok`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}
