//! A proposed log-level change, waiting for the user's yes.

/// A proposed change: which sidecar, which logger, from which level to which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Target index.
    pub target: usize,
    /// `namespace/pod`, for the question and the status line.
    pub pod: String,
    /// Logger name (`router`, `upstream`…).
    pub logger: String,
    /// Current level.
    pub from: String,
    /// Proposed level.
    pub to: String,
}

impl Proposal {
    /// The question the confirmation asks.
    pub fn question(&self) -> String {
        format!(
            "Change logger `{}` on {} from {} to {}?",
            self.logger, self.pod, self.from, self.to
        )
    }
}
