//! Changing a sidecar's log level: the only mutation the UI offers, and only
//! after a confirmation that names the pod and the change. The previous level
//! is remembered so it can be put back.

use std::sync::Arc;

use super::action::Effect;
use super::data::Data;
use super::state::{AppState, Mode};
use super::table::{Column, Row, Table};
use crate::model::logging::{next_level, parse_loggers};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

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

/// The logger table from a `/logging` body (rows keyed by logger name).
pub fn logging_data(body: &str) -> Data {
    let rows = parse_loggers(body)
        .into_iter()
        .map(|(name, level)| {
            let sev = match level.as_str() {
                "trace" | "debug" => Severity::Warn,
                _ => Severity::Ok,
            };
            Row::new(name.clone(), vec![name, level], sev)
        })
        .collect();
    Data::Loggers(Arc::new(Table {
        columns: vec![Column::text("LOGGER", 28), Column::text("LEVEL", 10)],
        rows,
    }))
}

/// Enter on a logger: ask to change it (to debug, or back to warning from debug).
pub fn propose(state: &mut AppState, logger: &str, level: &str) {
    let Some(target) = state.selected else { return };
    let Some(pod) = state.mesh.pods.get(target).map(|p| p.key()) else {
        return;
    };
    let to = if level == "debug" { "warning" } else { "debug" };
    state.mode = Mode::Confirm(Proposal {
        target,
        pod,
        logger: logger.to_string(),
        from: level.to_string(),
        to: to.to_string(),
    });
}

/// The answer to the confirmation.
pub fn confirm(state: &mut AppState, yes: bool, fx: &mut Vec<Effect>) {
    let mode = std::mem::replace(&mut state.mode, Mode::Normal);
    let Mode::Confirm(p) = mode else {
        state.mode = mode;
        return;
    };
    if yes {
        state.say(
            format!("setting {} on {} to {} …", p.logger, p.pod, p.to),
            Severity::Ok,
        );
        fx.push(Effect::SetLogLevel(p));
    } else {
        state.say("nothing changed", Severity::Ok);
    }
}

/// Proposes the next level in the open confirmation.
pub fn cycle(state: &mut AppState) {
    if let Mode::Confirm(p) = &mut state.mode {
        p.to = next_level(&p.to).to_string();
        if p.to == p.from {
            p.to = next_level(&p.to).to_string();
        }
    }
}

/// Offers to undo the last change.
pub fn restore(state: &mut AppState) {
    match state.last_log_change.clone() {
        Some(last) => {
            state.mode = Mode::Confirm(Proposal {
                from: last.to.clone(),
                to: last.from.clone(),
                ..last
            });
        }
        None => state.say("no log level was changed in this session", Severity::Ok),
    }
}

/// A change finished: report it and reload the levels.
pub fn done(state: &mut AppState, proposal: Proposal, error: Option<String>, fx: &mut Vec<Effect>) {
    match error {
        Some(e) => state.say(
            format!("could not set {} on {}: {e}", proposal.logger, proposal.pod),
            Severity::Error,
        ),
        None => {
            state.say(
                format!(
                    "{} on {}: {} → {} (R puts it back)",
                    proposal.logger, proposal.pod, proposal.from, proposal.to
                ),
                Severity::Warn,
            );
            state.last_log_change = Some(proposal.clone());
            super::update::request(state, (Some(proposal.target), Endpoint::Logging), fx);
        }
    }
}
