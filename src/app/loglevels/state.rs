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

/// One sidecar's part of a change made across the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    /// Target index.
    pub target: usize,
    /// `namespace/pod`.
    pub pod: String,
    /// Its level now (empty until read).
    pub from: String,
    /// The level it is to get.
    pub to: String,
}

/// One logger changed on many sidecars (an app, a namespace, the whole
/// list) after one confirmation that lists every pod and its change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FleetProposal {
    /// Logger name.
    pub logger: String,
    /// Which sidecars, in words (`app reviews in default`).
    pub scope: String,
    /// The sidecars to change, each with its level now and to come.
    pub changes: Vec<LevelChange>,
    /// Sidecars already at the level: left alone.
    pub unchanged: Vec<String>,
    /// Sidecars whose level could not be read (pod, why): left alone.
    pub unreadable: Vec<(String, String)>,
    /// Lines of the list scrolled past in the confirmation.
    pub scroll: usize,
    /// Puts each sidecar back to its own earlier level.
    pub restore: bool,
}

impl FleetProposal {
    /// The confirmation's question.
    pub fn question(&self) -> String {
        let n = self.changes.len();
        if self.restore {
            format!(
                "Put logger `{}` back on {n} sidecar(s) ({})?",
                self.logger, self.scope
            )
        } else {
            let to = self.changes.first().map_or("", |c| c.to.as_str());
            format!(
                "Change logger `{}` to {to} on {n} sidecar(s) ({})?",
                self.logger, self.scope
            )
        }
    }

    /// What one sidecar's part of the confirmed change was (the mutation
    /// token's description).
    pub fn part(&self, c: &LevelChange) -> String {
        format!(
            "{}: logger `{}` on {} from {} to {}",
            self.question(),
            self.logger,
            c.pod,
            c.from,
            c.to
        )
    }

    /// Every line the confirmation lists: each change, then the sidecars
    /// left alone and why.
    pub fn lines(&self) -> Vec<String> {
        let width = self.changes.iter().map(|c| c.pod.len()).max().unwrap_or(0);
        let mut out: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{:<width$}  {} → {}", c.pod, c.from, c.to))
            .collect();
        if !self.unchanged.is_empty() {
            out.push(format!(
                "already at that level, left alone: {}",
                self.unchanged.join(", ")
            ));
        }
        for (pod, why) in &self.unreadable {
            out.push(format!("not read, left alone: {pod} ({why})"));
        }
        out
    }
}
