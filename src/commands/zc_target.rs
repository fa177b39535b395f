//! The workload a `zc` command narrows its rows to.

/// A workload pod the user named (not a ztunnel): rows are narrowed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetWorkload {
    /// Pod name.
    pub name: String,
    /// Pod namespace.
    pub namespace: String,
}
