//! `update`: the only place state changes. Synchronous; returns the effects
//! (fetches, log follows, config writes) for the runner to start.

use std::time::{Duration, Instant};

use tui_input::Input;

use super::action::{Action, Effect};
use super::fetch::{ensure_data, fetched};
use super::input::input_key;
use super::nav::{back, click, enter, focus_at, move_cursor, refresh, show_view, sort_next};
use super::state::{focused_view, AppState, Mode, ViewKind, ViewState};
use super::views::recompute_views;
use super::{fleet, json, loglevels, logs, overview, registry, route, sidecars, stats, trace};
use crate::model::severity::Severity;

/// Applies an action; returns the effects to run.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Quit => state.quit = true,
        Action::Tick(now) => {
            state.now = now;
            if state
                .status
                .as_ref()
                .is_some_and(|s| now.duration_since(s.2) > Duration::from_secs(8))
            {
                state.status = None;
                state.dirty = true;
            }
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
        }
        Action::Up => move_cursor(state, -1),
        Action::Down => move_cursor(state, 1),
        Action::PageUp => move_cursor(state, -(state.page() as isize)),
        Action::PageDown => move_cursor(state, state.page() as isize),
        Action::Home => move_cursor(state, isize::MIN / 2),
        Action::End => move_cursor(state, isize::MAX / 2),
        Action::Enter => enter(state, &mut fx),
        Action::Back => back(state),
        Action::StartFilter => {
            let current = focused_view(state)
                .map(|v| v.filter.clone())
                .unwrap_or_default();
            state.mode = Mode::Filter(Input::new(current));
        }
        Action::OpenPalette => state.mode = Mode::Palette(Input::default()),
        Action::ToggleHelp => {
            state.mode = match state.mode {
                Mode::Help => Mode::Normal,
                _ => Mode::Help,
            }
        }
        Action::SortNext => sort_next(state),
        Action::FocusNext | Action::FocusPrev
            if !state.panes.is_empty() && state.selected.is_some() =>
        {
            let n = state.panes.len();
            state.focus = if matches!(action, Action::FocusNext) {
                (state.focus + 1) % n
            } else {
                (state.focus + n - 1) % n
            };
        }
        Action::FocusNext | Action::FocusPrev => {}
        Action::ToggleZoom => state.zoom = !state.zoom,
        Action::Tab(n) => {
            let tabs = registry::tabs(state);
            if let (Some(kind), Some(_)) = (tabs.get(n.saturating_sub(1)), state.selected) {
                show_view(state, *kind);
            }
        }
        Action::ShowRaw => registry::open_raw(state),
        Action::Refresh if state.selected.is_none() && !state.list.is_empty() => {
            fleet::update::start(state, &mut fx)
        }
        Action::Refresh => refresh(state, &mut fx),
        Action::ToggleFold | Action::NextMatch | Action::PrevMatch | Action::CopyPath => {
            json::update::act(state, &action, &mut fx)
        }
        Action::MarkStats | Action::ToggleUsedOnly | Action::CycleStatKind => {
            stats::update::act(state, &action)
        }
        Action::InputKey(key) => input_key(state, key, &mut fx),
        Action::Command(cmd) => super::commands::run(state, &cmd, &mut fx),
        Action::Notice(message) => state.say(message, Severity::Warn),
        Action::Scroll { col, row, down } => {
            focus_at(state, col, row);
            move_cursor(state, if down { 3 } else { -3 });
        }
        Action::Click { col, row } => click(state, col, row),
        Action::Fetched {
            key,
            request,
            result,
        } => fetched(state, key, request, result, &mut fx),
        Action::LogLines { pod, lines } => {
            let (key, app) = split_log_key(&pod);
            if let Some(target) = state.mesh.pods.iter().position(|p| p.key() == key) {
                logs::update::append(state, target, app, lines);
            }
        }
        Action::LogEnded { pod, error } => {
            let (key, app) = split_log_key(&pod);
            if let Some(target) = state.mesh.pods.iter().position(|p| p.key() == key) {
                logs::update::ended(state, target, app, error);
            }
        }
        Action::ShowAppLog => {
            if state.selected.is_some() {
                let focus = state.focus;
                if let Some(p) = state.panes.get_mut(focus) {
                    p.stack.push(ViewState::new(ViewKind::AppLogs));
                }
            }
        }
        Action::MeshChanged(mesh) => super::remap::mesh_changed(state, mesh),
        Action::Forwards(lines) => state.forwards = lines,
        Action::Compared {
            target,
            versions,
            diff,
        } => {
            state.drift.insert(target, (versions, diff));
        }
        Action::Diagnosed {
            target,
            versions,
            report,
        } => overview::update::diagnosed(state, target, versions, report, &mut fx),
        Action::Confirm(yes) => loglevels::update::confirm(state, yes, &mut fx),
        Action::CycleProposal => loglevels::update::cycle(state),
        Action::RestoreLogLevel => loglevels::update::restore(state),
        Action::FleetLevelsRead(p) => loglevels::update::fleet_read(state, p),
        Action::FleetLevelsSet { proposal, failed } => {
            loglevels::update::fleet_done(state, *proposal, failed, &mut fx)
        }
        Action::ScrollConfirm(d) => loglevels::update::scroll(state, d),
        Action::LogLevelSet { proposal, error } => {
            loglevels::update::done(state, proposal, error, &mut fx)
        }
        Action::ShowFindings => fleet::update::show(state, &mut fx),
        Action::ExplainRow => match registry::focused_row(state) {
            Some((ViewKind::Routes, row)) => route::from_routes_row(state, &row),
            _ => state.say(
                "`e` follows a request from a Routes row; or type :route HOST PATH",
                Severity::Warn,
            ),
        },
        Action::RouteExplained { target, decision } => route::explained(state, target, decision),
        Action::Diffed { target, b, result } => super::diff::diffed(state, target, b, result),
        Action::FleetProgress { scan, progress } => fleet::update::progress(state, scan, progress),
        Action::FleetScanned { scan, scanned } => {
            fleet::update::scanned(state, scan, *scanned);
            sidecars::update::rebuild(state);
        }
        Action::Traced { request_id, found } => {
            let trace = trace::state::build(&request_id, &found);
            let mut v = ViewState::new(ViewKind::Trace);
            v.json_title = format!("request {request_id}");
            v.trace = Some(Box::new(trace));
            let focus = state.focus;
            if let Some(p) = state.panes.get_mut(focus) {
                p.stack.push(v);
            }
        }
    }
    stats::update::sync(state);
    fleet::update::schedule(state, &mut fx);
    ensure_data(state, &mut fx);
    recompute_views(state);
    // A selection in one pane drives another (cluster → its stats).
    stats::link::follow_selection(state);
    recompute_views(state);
    state.dirty = true;
    fx
}

/// `namespace/pod` and whether the log is the application container's.
fn split_log_key(key: &str) -> (&str, bool) {
    match key.strip_suffix(logs::state::APP_SUFFIX) {
        Some(k) => (k, true),
        None => (key, false),
    }
}

/// Milliseconds since `since`, for "age" labels.
pub fn age(now: Instant, since: Instant) -> Duration {
    now.saturating_duration_since(since)
}
