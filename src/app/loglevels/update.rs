//! Changing a sidecar's log level: the only mutation the UI offers, and only
//! after a confirmation that names the pod and the change. The previous level
//! is remembered so it can be put back.

use super::state::Proposal;
use crate::app::action::Effect;
use crate::app::state::{AppState, Mode};
use crate::model::logging::next_level;
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

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
            crate::app::slots::request(state, (Some(proposal.target), Endpoint::Logging), fx);
        }
    }
}
