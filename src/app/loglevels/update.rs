//! Changing a sidecar's log level: the only mutation the UI offers, and only
//! after a confirmation that names the pod and the change. The previous level
//! is remembered so it can be put back.

use super::state::{FleetProposal, LevelChange, Proposal};
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
    let p = match mode {
        Mode::Confirm(p) => p,
        Mode::ConfirmFleet(p) => {
            if yes {
                let verb = if p.restore { "putting back" } else { "setting" };
                state.say(
                    format!("{verb} `{}` on {} sidecar(s) …", p.logger, p.changes.len()),
                    Severity::Ok,
                );
                fx.push(Effect::SetFleetLevels(p));
            } else {
                state.say("nothing changed", Severity::Ok);
            }
            return;
        }
        other => {
            state.mode = other;
            return;
        }
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
    match &mut state.mode {
        Mode::Confirm(p) => {
            p.to = next_level(&p.to).to_string();
            if p.to == p.from {
                p.to = next_level(&p.to).to_string();
            }
        }
        // One level for all (a restore puts each back to its own: no cycling).
        Mode::ConfirmFleet(p) if !p.restore => {
            let to = p
                .changes
                .first()
                .map(|c| next_level(&c.to))
                .unwrap_or("debug");
            for c in &mut p.changes {
                c.to = to.to_string();
            }
        }
        _ => {}
    }
}

/// Offers to undo the last change (each sidecar back to its own level, for
/// a change made across sidecars).
pub fn restore(state: &mut AppState) {
    if let Some(last) = state.last_fleet_change.clone() {
        let changes = last
            .changes
            .into_iter()
            .map(|c| LevelChange {
                from: c.to,
                to: c.from,
                ..c
            })
            .collect();
        state.mode = Mode::ConfirmFleet(Box::new(FleetProposal {
            changes,
            restore: !last.restore,
            unchanged: Vec::new(),
            unreadable: Vec::new(),
            scroll: 0,
            ..last
        }));
        return;
    }
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
            state.last_fleet_change = None;
            crate::app::slots::request(state, (Some(proposal.target), Endpoint::Logging), fx);
        }
    }
}

/// The usage line of `:loglevel`.
pub const FLEET_USAGE: &str = "loglevel LOGGER LEVEL [app | app=NAME | ns | ns=NAME | all]";

/// The sidecars a scope names, and the scope in words. Without one, the open
/// sidecar's app in its namespace.
fn scope_targets(state: &AppState, scope: Option<&str>) -> Result<(String, Vec<usize>), String> {
    let open = state.selected.and_then(|i| state.mesh.pods.get(i));
    let need_open = |what: &str| {
        open.ok_or_else(|| {
            format!("on the list, name the sidecars: app=NAME, ns=NAME or all (`{what}` means the open sidecar's)")
        })
    };
    let pods = &state.mesh.pods;
    let pick = |f: &dyn Fn(&crate::sources::target::TargetInfo) -> bool| -> Vec<usize> {
        (0..pods.len())
            .filter(|&i| pods[i].admin.is_some() && f(&pods[i]))
            .collect()
    };
    let (words, targets) = match scope {
        None | Some("app") => {
            let me = need_open("app")?;
            let (app, ns) = (me.app.clone(), me.namespace.clone());
            (
                format!("app {app} in {ns}"),
                pick(&|p| p.app == app && p.namespace == ns),
            )
        }
        Some("ns") => {
            let ns = need_open("ns")?.namespace.clone();
            (format!("namespace {ns}"), pick(&|p| p.namespace == ns))
        }
        Some("all") => ("every sidecar listed".to_string(), pick(&|_| true)),
        Some(s) => match s.split_once('=') {
            Some(("app", app)) => (format!("app {app}"), pick(&|p| p.app == app)),
            Some(("ns", ns)) => (format!("namespace {ns}"), pick(&|p| p.namespace == ns)),
            _ => return Err(format!("`{s}`: usage: :{FLEET_USAGE}")),
        },
    };
    if targets.is_empty() {
        return Err(format!("no sidecar with an admin port in {words}"));
    }
    Ok((words, targets))
}

/// `:loglevel LOGGER LEVEL [SCOPE]`: reads the logger's level on every
/// sidecar of the scope (read-only), then asks once, listing each.
pub fn fleet_command(state: &mut AppState, args: &[&str], fx: &mut Vec<Effect>) {
    let [logger, level, rest @ ..] = args else {
        state.say(format!("usage: :{FLEET_USAGE}"), Severity::Warn);
        return;
    };
    let level = level.to_ascii_lowercase();
    if !crate::model::logging::LEVELS.contains(&level.as_str()) {
        state.say(
            format!(
                "`{level}` is not a level: {}",
                crate::model::logging::LEVELS.join(" ")
            ),
            Severity::Warn,
        );
        return;
    }
    if rest.len() > 1 {
        state.say(format!("usage: :{FLEET_USAGE}"), Severity::Warn);
        return;
    }
    let (scope, targets) = match scope_targets(state, rest.first().copied()) {
        Ok(s) => s,
        Err(e) => {
            state.say(e, Severity::Warn);
            return;
        }
    };
    let changes = targets
        .into_iter()
        .map(|t| LevelChange {
            target: t,
            pod: state.mesh.pods[t].key(),
            from: String::new(),
            to: level.clone(),
        })
        .collect::<Vec<_>>();
    state.say(
        format!(
            "reading `{logger}` on {} sidecar(s) ({scope})…",
            changes.len()
        ),
        Severity::Ok,
    );
    fx.push(Effect::ReadFleetLevels(Box::new(FleetProposal {
        logger: logger.to_string(),
        scope,
        changes,
        ..FleetProposal::default()
    })));
}

/// The levels were read: ask (or say why there is nothing to ask).
pub fn fleet_read(state: &mut AppState, p: Box<FleetProposal>) {
    if p.changes.is_empty() {
        let mut why = Vec::new();
        if !p.unchanged.is_empty() {
            why.push(format!("{} already there", p.unchanged.len()));
        }
        if !p.unreadable.is_empty() {
            let first = &p.unreadable[0];
            why.push(format!(
                "{} not read ({}: {})",
                p.unreadable.len(),
                first.0,
                first.1
            ));
        }
        state.say(
            format!("nothing to change for `{}`: {}", p.logger, why.join("; ")),
            Severity::Warn,
        );
        return;
    }
    state.mode = Mode::ConfirmFleet(p);
}

/// Scrolls the confirmation's list.
pub fn scroll(state: &mut AppState, delta: i32) {
    if let Mode::ConfirmFleet(p) = &mut state.mode {
        let max = p.lines().len().saturating_sub(1);
        let to = i64::try_from(p.scroll).unwrap_or(0) + i64::from(delta);
        p.scroll = usize::try_from(to.max(0)).unwrap_or(0).min(max);
    }
}

/// A change across sidecars finished: what took, what failed, and `R` to
/// put back what took.
pub fn fleet_done(
    state: &mut AppState,
    proposal: FleetProposal,
    failed: Vec<(String, String)>,
    fx: &mut Vec<Effect>,
) {
    let mut took = proposal.clone();
    took.changes
        .retain(|c| !failed.iter().any(|(pod, _)| *pod == c.pod));
    took.unchanged.clear();
    took.unreadable.clear();
    took.scroll = 0;
    let verb = if proposal.restore { "put back" } else { "set" };
    let mut msg = format!(
        "`{}` {verb} on {} of {} sidecar(s)",
        proposal.logger,
        took.changes.len(),
        proposal.changes.len()
    );
    if let Some((pod, why)) = failed.first() {
        msg.push_str(&format!(
            "; failed on {}: {pod} ({why}){}",
            failed.len(),
            if failed.len() > 1 { ", …" } else { "" }
        ));
    }
    if !took.changes.is_empty() {
        msg.push_str(" (R puts them back)");
    }
    let severity = if failed.is_empty() {
        Severity::Warn
    } else {
        Severity::Error
    };
    state.say(msg, severity);
    if let Some(open) = state.selected {
        if took.changes.iter().any(|c| c.target == open) {
            crate::app::slots::request(state, (Some(open), Endpoint::Logging), fx);
        }
    }
    state.last_log_change = None;
    state.last_fleet_change = (!took.changes.is_empty()).then_some(took);
}
