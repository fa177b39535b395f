//! The `:` command palette.

use super::action::Effect;
use super::nav::show_view;
use super::registry;
use super::state::{AppState, Pane, ViewKind};
use crate::model::severity::Severity;
use crate::theme::Theme;

/// Every command, for completion and help.
pub const COMMANDS: &[&str] = &[
    "pods",
    "findings",
    "scan",
    "route",
    "diff",
    "overview",
    "listeners",
    "clusters",
    "routes",
    "endpoints",
    "secrets",
    "stats",
    "logs",
    "memory",
    "cardinality",
    "istiod",
    "logging",
    "loglevel",
    "ns",
    "ctx",
    "layout",
    "theme",
    "quit",
];

/// Completes a command prefix (the first match; unchanged when none).
pub fn complete(prefix: &str) -> String {
    let p = prefix.trim_start();
    COMMANDS
        .iter()
        .find(|c| c.starts_with(p))
        .map(|c| c.to_string())
        .unwrap_or_else(|| prefix.to_string())
}

/// Runs a command line.
pub fn run(state: &mut AppState, line: &str, fx: &mut Vec<Effect>) {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else { return };
    let args: Vec<&str> = words.collect();
    match cmd {
        "q" | "quit" | "q!" => state.quit = true,
        "layout" => layout(state, &args, fx),
        "ns" | "namespace" | "ctx" | "context" => switch(state, cmd, &args),
        "theme" => theme(state, &args, fx),
        "findings" | "finding" | "doctor" => super::fleet::update::show(state, fx),
        "route" => super::route::command(state, &args, fx),
        "diff" => super::diff::command(state, &args, fx),
        "loglevel" | "loglevels" => super::loglevels::update::fleet_command(state, &args, fx),
        "scan" => {
            super::fleet::update::start(state, fx);
            super::fleet::update::show(state, fx);
        }
        other => match ViewKind::from_name(other) {
            Some(kind) if kind == ViewKind::Targets || state.selected.is_some() => {
                show_view(state, kind)
            }
            Some(_) => state.say("open a sidecar first (Enter on a row)", Severity::Warn),
            None => state.say(
                format!("unknown command `{other}` (try: {})", COMMANDS.join(" ")),
                Severity::Warn,
            ),
        },
    }
}

fn layout(state: &mut AppState, args: &[&str], fx: &mut Vec<Effect>) {
    if args.is_empty() {
        let now: Vec<&str> = registry::layout(state).iter().map(|k| k.name()).collect();
        state.say(
            format!(
                "layout: {} (change with `:layout clusters stats logs`)",
                now.join(" ")
            ),
            Severity::Ok,
        );
        return;
    }
    let value = toml::Value::Array(
        args.iter()
            .map(|a| toml::Value::String(a.to_string()))
            .collect(),
    );
    match crate::config::parse_layout(&value) {
        Ok(views) => {
            state.config.layout = views;
            if state.selected.is_some() {
                state.panes = registry::layout(state).into_iter().map(Pane::new).collect();
                state.focus = 0;
            }
            fx.push(Effect::SaveConfig);
            state.say(format!("layout: {}", args.join(" ")), Severity::Ok);
        }
        Err(e) => state.say(format!("layout: {e}"), Severity::Warn),
    }
}

fn theme(state: &mut AppState, args: &[&str], fx: &mut Vec<Effect>) {
    let Some(name) = args.first() else {
        let names: Vec<&str> = crate::theme::BUILTIN.iter().map(|(n, _)| *n).collect();
        state.say(
            format!("theme: {} (one of: {})", state.theme.name, names.join(" ")),
            Severity::Ok,
        );
        return;
    };
    match Theme::builtin(name) {
        Some(Ok((t, _))) => {
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                state.say("NO_COLOR is set: staying monochrome", Severity::Warn);
                return;
            }
            state.theme = t;
            state.config.theme = name.to_string();
            fx.push(Effect::SaveConfig);
            state.say(format!("theme: {name}"), Severity::Ok);
        }
        Some(Err(e)) => state.say(e, Severity::Error),
        None => state.say(format!("no built-in theme `{name}`"), Severity::Warn),
    }
}

/// `:ns NAME|all` and `:ctx NAME`: leave the loop and reconnect (Kubernetes sessions only).
fn switch(state: &mut AppState, cmd: &str, args: &[&str]) {
    if !state.kube {
        state.say(
            format!(
                "`:{cmd}` needs a Kubernetes session (this one reads {})",
                state.source_label
            ),
            Severity::Warn,
        );
        return;
    }
    let Some(value) = args.first() else {
        state.say(
            format!(
                "usage: :{cmd} NAME{}",
                if cmd.starts_with('n') {
                    " (or `all`)"
                } else {
                    ""
                }
            ),
            Severity::Warn,
        );
        return;
    };
    let mut r = crate::app::state::Relaunch::default();
    if cmd.starts_with('n') {
        if *value == "all" || *value == "-A" {
            r.all_namespaces = true;
        } else {
            r.namespace = Some(value.to_string());
        }
    } else {
        r.context = Some(value.to_string());
    }
    state.relaunch = Some(r);
    state.quit = true;
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::app::state::Relaunch;
    use crate::config::Config;
    use crate::sources::target::MeshInfo;

    fn state(kube: bool) -> AppState {
        let mut s = AppState::new(
            MeshInfo::default(),
            "t",
            Config::default(),
            Theme::monochrome(),
            Instant::now(),
        );
        s.kube = kube;
        s
    }

    #[test]
    fn ns_and_ctx_relaunch_kube_sessions_only() {
        let mut fx = Vec::new();
        let mut s = state(false);
        run(&mut s, "ns istio-system", &mut fx);
        assert!(!s.quit && s.relaunch.is_none());
        assert!(s
            .status
            .as_ref()
            .is_some_and(|m| m.0.contains("needs a Kubernetes session")));
        let mut s = state(true);
        run(&mut s, "ns istio-system", &mut fx);
        assert!(s.quit);
        assert_eq!(
            s.relaunch,
            Some(Relaunch {
                namespace: Some("istio-system".into()),
                ..Relaunch::default()
            })
        );
        let mut s = state(true);
        run(&mut s, "ns all", &mut fx);
        assert_eq!(
            s.relaunch,
            Some(Relaunch {
                all_namespaces: true,
                ..Relaunch::default()
            })
        );
        let mut s = state(true);
        run(&mut s, "ctx prod-eu", &mut fx);
        assert_eq!(
            s.relaunch.and_then(|r| r.context),
            Some("prod-eu".to_string())
        );
        let mut s = state(true);
        run(&mut s, "ctx", &mut fx);
        assert!(!s.quit, "no name: usage, no relaunch");
    }
}
