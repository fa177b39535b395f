//! `update`: the only place state changes. Synchronous; returns the effects
//! (fetches, log follows, config writes) for the runner to start.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::action::{Action, Effect};
use super::data::Data;
use super::fetch::{ensure_data, fetched};
use super::keys::focused_kind;
use super::state::{AppState, Mode, Pane, ViewKind, ViewState};
use super::table::{Filter, Sort, Table};
use super::views::recompute_views;
use super::{commands, json, targets};

pub use super::fetch::request;
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

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
            if let (Some(kind), Some(_)) = (ViewKind::TABS.get(n.saturating_sub(1)), state.selected)
            {
                show_view(state, *kind);
            }
        }
        Action::ShowRaw => json::open_raw(state),
        Action::Refresh => refresh(state, &mut fx),
        Action::ToggleFold | Action::NextMatch | Action::PrevMatch | Action::CopyPath => {
            json::act(state, &action, &mut fx)
        }
        Action::MarkStats | Action::ToggleUsedOnly | Action::CycleStatKind => {
            super::stats::act(state, &action)
        }
        Action::InputKey(key) => input_key(state, key, &mut fx),
        Action::Command(cmd) => commands::run(state, &cmd, &mut fx),
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
                super::logs::append(state, target, app, lines);
            }
        }
        Action::LogEnded { pod, error } => {
            let (key, app) = split_log_key(&pod);
            if let Some(target) = state.mesh.pods.iter().position(|p| p.key() == key) {
                super::logs::ended(state, target, app, error);
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
        Action::Confirm(yes) => super::loglevels::confirm(state, yes, &mut fx),
        Action::CycleProposal => super::loglevels::cycle(state),
        Action::RestoreLogLevel => super::loglevels::restore(state),
        Action::LogLevelSet { proposal, error } => {
            super::loglevels::done(state, proposal, error, &mut fx)
        }
        Action::Traced { request_id, found } => {
            let trace = super::trace::build(&request_id, &found);
            let mut v = ViewState::new(ViewKind::Trace);
            v.json_title = format!("request {request_id}");
            v.trace = Some(Box::new(trace));
            let focus = state.focus;
            if let Some(p) = state.panes.get_mut(focus) {
                p.stack.push(v);
            }
        }
    }
    super::stats::sync(state);
    ensure_data(state, &mut fx);
    recompute_views(state);
    // A selection in one pane drives another (cluster → its stats).
    super::link::follow_selection(state);
    recompute_views(state);
    state.dirty = true;
    fx
}

/// The focused view (the target list when no sidecar is open).
pub fn focused_view(state: &AppState) -> Option<&ViewState> {
    if state.selected.is_none() {
        return Some(&state.targets);
    }
    state.panes.get(state.focus).and_then(Pane::top)
}

/// The focused view, mutably.
pub fn focused_view_mut(state: &mut AppState) -> Option<&mut ViewState> {
    if state.selected.is_none() {
        return Some(&mut state.targets);
    }
    state.panes.get_mut(state.focus).and_then(Pane::top_mut)
}

/// The table a view kind shows for a target, with its data version.
pub fn table_of(state: &AppState, kind: ViewKind, target: Option<usize>) -> Option<(&Table, u64)> {
    let dump = || {
        state
            .slot(target, Endpoint::ConfigDump)
            .and_then(|s| match s.data() {
                Some(Data::Dump(d)) => Some((d, s.version)),
                _ => None,
            })
    };
    match kind {
        ViewKind::Targets => Some((&state.targets_table, state.targets_version)),
        ViewKind::Clusters => super::stats::clusters_table(state, target)
            .or_else(|| dump().map(|(d, v)| (&d.clusters, v))),
        ViewKind::Stats => super::stats::stats_table(state, target),
        ViewKind::Cardinality => {
            state
                .slot(target, Endpoint::Prometheus)
                .and_then(|s| match s.data() {
                    Some(Data::Cardinality(c)) => Some((&c.labels, s.version)),
                    _ => None,
                })
        }
        ViewKind::Listeners => dump().map(|(d, v)| (&d.listeners, v)),
        ViewKind::Routes => dump().map(|(d, v)| (&d.routes, v)),
        ViewKind::Secrets => dump().map(|(d, v)| (&d.secrets, v)),
        ViewKind::Logs => target
            .and_then(|t| state.logs.get(&t))
            .map(|b| (&b.table, b.version)),
        ViewKind::AppLogs => target
            .and_then(|t| state.app_logs.get(&t))
            .map(|b| (&b.table, b.version)),
        ViewKind::Logging => state
            .slot(target, Endpoint::Logging)
            .and_then(|s| match s.data() {
                Some(Data::Loggers(t)) => Some((t.as_ref(), s.version)),
                _ => None,
            }),
        ViewKind::Istiod => state
            .slot(None, Endpoint::Syncz)
            .and_then(|s| match s.data() {
                Some(Data::Syncz(t)) => Some((t.as_ref(), s.version)),
                _ => None,
            }),
        ViewKind::Endpoints => {
            let runtime = state
                .slot(target, Endpoint::ClustersJson)
                .and_then(|s| match s.data() {
                    Some(Data::Runtime(r)) => Some((&r.1, s.version)),
                    _ => None,
                });
            runtime.or_else(|| dump().map(|(d, v)| (&d.eds, v + 1_000_000)))
        }
        _ => None,
    }
}

fn move_cursor(state: &mut AppState, delta: isize) {
    let page = state.page();
    // A JSON pane has no header row: title bar, status line and borders only.
    let json_page = usize::from(state.size.1.saturating_sub(4)).max(1);
    if let Some(tree) = focused_view_mut(state).and_then(|v| v.json.as_mut()) {
        json::move_tree(tree, delta, json_page);
        return;
    }
    if let Some(v) = focused_view_mut(state) {
        let len = v.visible.len();
        if len == 0 {
            v.cursor = 0;
            return;
        }
        let c = (v.cursor as isize)
            .saturating_add(delta)
            .clamp(0, len as isize - 1);
        v.cursor = c as usize;
        if v.cursor < v.offset {
            v.offset = v.cursor;
        } else if v.cursor >= v.offset + page {
            v.offset = v.cursor + 1 - page;
        }
    }
}

fn enter(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.selected.is_none() {
        let Some(&row) = state.targets.visible.get(state.targets.cursor) else {
            return;
        };
        open_target(state, row);
        return;
    }
    fx.extend(targets::drill(state));
}

/// Opens a sidecar in the layout's panes.
pub fn open_target(state: &mut AppState, target: usize) {
    if target >= state.mesh.pods.len() {
        return;
    }
    state.selected = Some(target);
    state.panes = state.layout().into_iter().map(Pane::new).collect();
    state.focus = 0;
    state.zoom = false;
    // ensure_data starts the log follow for the open sidecar on the next update.
}

fn back(state: &mut AppState) {
    if let Some(v) = focused_view_mut(state) {
        if !v.filter.is_empty() {
            v.filter.clear();
            v.parsed = Filter::parse("");
            v.computed_for = None;
            return;
        }
    }
    if state.selected.is_none() {
        return;
    }
    let focus = state.focus;
    if let Some(p) = state.panes.get_mut(focus) {
        if p.stack.len() > 1 {
            p.stack.pop();
            return;
        }
    }
    if state.zoom {
        state.zoom = false;
        return;
    }
    state.selected = None;
}

/// Replaces the focused pane's view with `kind` (keeping a way back).
pub fn show_view(state: &mut AppState, kind: ViewKind) {
    if kind == ViewKind::Targets {
        state.selected = None;
        return;
    }
    if state.selected.is_none() {
        return;
    }
    let focus = state.focus;
    if let Some(p) = state.panes.get_mut(focus) {
        if p.top().map(|v| v.kind) != Some(kind) {
            p.stack = vec![ViewState::new(kind)];
        }
    }
}

fn sort_next(state: &mut AppState) {
    let target = state.selected;
    let Some(kind) = focused_kind(state) else {
        return;
    };
    let ncols = table_of(state, kind, target).map_or(0, |(t, _)| t.columns.len());
    if let Some(v) = focused_view_mut(state) {
        v.sort = match v.sort {
            None if ncols > 0 => Some(Sort {
                column: 0,
                descending: false,
            }),
            Some(Sort {
                column,
                descending: false,
            }) => Some(Sort {
                column,
                descending: true,
            }),
            Some(Sort {
                column,
                descending: true,
            }) if column + 1 < ncols => Some(Sort {
                column: column + 1,
                descending: false,
            }),
            _ => None,
        };
        v.computed_for = None;
    }
}

fn refresh(state: &mut AppState, fx: &mut Vec<Effect>) {
    let target = state.selected;
    let kinds: Vec<ViewKind> = match target {
        None => vec![],
        Some(_) => state
            .panes
            .iter()
            .filter_map(|p| p.top().map(|v| v.kind))
            .collect(),
    };
    for kind in kinds {
        for &ep in kind.needs() {
            request(state, (target, ep), fx);
        }
        if kind == ViewKind::Istiod && state.mesh.istiod.is_some() {
            request(state, (None, Endpoint::IstiodMetrics), fx);
            request(state, (None, Endpoint::Syncz), fx);
        }
    }
    if target.is_none() {
        for i in 0..state.mesh.pods.len() {
            request(state, (Some(i), Endpoint::ServerInfo), fx);
            if state.reachable(Some(i), Endpoint::AgentReady) {
                request(state, (Some(i), Endpoint::AgentReady), fx);
            }
        }
    }
    state.say("refreshing", Severity::Ok);
}

fn input_key(state: &mut AppState, key: crossterm::event::KeyEvent, fx: &mut Vec<Effect>) {
    let mode = std::mem::replace(&mut state.mode, Mode::Normal);
    match mode {
        Mode::Filter(mut input) => match key.code {
            KeyCode::Esc => {
                set_filter(state, "");
            }
            KeyCode::Enter => {
                set_filter(state, input.value());
                json::search(state, input.value());
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                set_filter(state, input.value());
                state.mode = Mode::Filter(input);
            }
        },
        Mode::Palette(mut input) => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => commands::run(state, input.value(), fx),
            KeyCode::Tab => {
                let done = commands::complete(input.value());
                state.mode = Mode::Palette(Input::new(done));
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                state.mode = Mode::Palette(input);
            }
        },
        other => state.mode = other,
    }
}

/// Sets the focused view's filter (applied on every keystroke).
fn set_filter(state: &mut AppState, text: &str) {
    if let Some(v) = focused_view_mut(state) {
        if v.json.is_some() {
            return;
        }
        if v.filter != text {
            v.filter = text.to_string();
            v.parsed = Filter::parse(text);
            v.computed_for = None;
            v.cursor = 0;
            v.offset = 0;
        }
    }
}

/// Which pane is at a screen position (same split as the ui's layout).
pub fn pane_at(state: &AppState, col: u16) -> Option<usize> {
    if state.selected.is_none() || state.panes.is_empty() {
        return None;
    }
    if state.zoom {
        return Some(state.focus);
    }
    let n = state.panes.len() as u16;
    let w = state.size.0.max(1);
    Some(usize::from((col.min(w - 1) * n / w).min(n - 1)))
}

fn focus_at(state: &mut AppState, col: u16, _row: u16) {
    if let Some(p) = pane_at(state, col) {
        state.focus = p;
    }
}

fn click(state: &mut AppState, col: u16, row: u16) {
    focus_at(state, col, row);
    // Rows start under the title bar (1), pane border (1) and the header row (1).
    let first_row = 3u16;
    if row < first_row {
        return;
    }
    let clicked = usize::from(row - first_row);
    if let Some(v) = focused_view_mut(state) {
        let i = v.offset + clicked;
        if i < v.visible.len() {
            v.cursor = i;
        }
    }
}

/// `namespace/pod` and whether the log is the application container's.
fn split_log_key(key: &str) -> (&str, bool) {
    match key.strip_suffix(super::tasks::APP_SUFFIX) {
        Some(k) => (k, true),
        None => (key, false),
    }
}

/// Milliseconds since `since`, for "age" labels.
pub fn age(now: Instant, since: Instant) -> Duration {
    now.saturating_duration_since(since)
}
