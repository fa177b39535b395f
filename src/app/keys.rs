//! The keymap: which key does what, in which context: the core's bindings
//! plus each feature's own. The help overlay is generated from this table, so
//! it cannot drift from the real bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::binding::{b, Binding};
use super::registry::spec;
use super::state::{focused_kind, AppState, Mode};
pub use super::view::Context;
use super::{json, loglevels, stats};

/// Every binding, in help order.
pub fn bindings() -> Vec<Binding> {
    use Context::{Global as G, Table as T};
    use KeyCode::*;
    let mut all = vec![
        b(G, &[Char('q')], "q", Action::Quit, "quit"),
        b(G, &[Char('?')], "?", Action::ToggleHelp, "this help"),
        b(G, &[Char(':')], ":", Action::OpenPalette, "command: pods findings scan route HOST PATH listeners clusters routes endpoints secrets stats logs istiod memory cardinality layout theme"),
        b(G, &[Char('/')], "/", Action::StartFilter, "filter: words, !exclude, ~fuzzy, re:regex, field:value (flag:UH status:5xx); JSON: search"),
        b(G, &[Esc], "Esc", Action::Back, "back / clear filter / close"),
        b(G, &[Tab], "Tab", Action::FocusNext, "next pane"),
        b(G, &[BackTab], "S-Tab", Action::FocusPrev, "previous pane"),
        b(G, &[Char('z')], "z", Action::ToggleZoom, "zoom the focused pane"),
        b(G, &[Char('r')], "r", Action::Refresh, "refresh now"),
        b(G, &[Char('F')], "F", Action::ShowFindings, "the fleet's findings: every sidecar diagnosed, grouped by rule (:scan rescans)"),
        b(G, &[Up, Char('k')], "↑ k", Action::Up, "up"),
        b(G, &[Down, Char('j')], "↓ j", Action::Down, "down"),
        b(G, &[PageUp, Char('b')], "PgUp b", Action::PageUp, "page up"),
        b(G, &[PageDown, Char(' ')], "PgDn Space", Action::PageDown, "page down"),
        b(G, &[Home, Char('g')], "Home g", Action::Home, "first row"),
        b(G, &[End, Char('G')], "End G", Action::End, "last row"),
        b(G, &[Char('1')], "1-9", Action::Tab(1), "tabs: overview listeners clusters routes endpoints secrets stats logs istiod"),
        b(T, &[Enter], "Enter", Action::Enter, "open what the row points to: listener→route, route→clusters, cluster→endpoints, log→request, logger→level"),
        b(T, &[Char('x')], "x", Action::ShowRaw, "raw JSON of the row"),
        b(T, &[Char('a')], "a", Action::ShowAppLog, "the application container's log (Esc back)"),
        b(T, &[Char('s')], "s", Action::SortNext, "sort by next column (asc, desc, off)"),
        b(T, &[Char('e')], "e", Action::ExplainRow, "routes: which route a request takes and why (fills in :route HOST PATH)"),
    ];
    all.extend(loglevels::keys::bindings());
    all.extend(stats::keys::bindings());
    all.extend(json::keys::bindings());
    all
}

/// Which context the focused view is in.
pub fn context_of(state: &AppState) -> Context {
    focused_kind(state).map_or(Context::Global, |k| spec(k).context)
}

/// Maps a key press to an action for the current mode and view.
pub fn map_key(state: &AppState, key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match state.mode {
        Mode::Filter(_) | Mode::Palette(_) => return Some(Action::InputKey(key)),
        Mode::Help => {
            return match key.code {
                KeyCode::Char('q') => Some(Action::Quit),
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Enter => Some(Action::ToggleHelp),
                _ => None,
            }
        }
        Mode::ConfirmFleet(_) => {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm(true)),
                KeyCode::Tab | KeyCode::Char('l') => Some(Action::CycleProposal),
                KeyCode::Up | KeyCode::Char('k') => Some(Action::ScrollConfirm(-1)),
                KeyCode::Down | KeyCode::Char('j') => Some(Action::ScrollConfirm(1)),
                KeyCode::PageUp => Some(Action::ScrollConfirm(-10)),
                KeyCode::PageDown => Some(Action::ScrollConfirm(10)),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    Some(Action::Confirm(false))
                }
                _ => None,
            }
        }
        Mode::Confirm(_) => {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm(true)),
                KeyCode::Tab | KeyCode::Char('l') => Some(Action::CycleProposal),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    Some(Action::Confirm(false))
                }
                _ => None,
            }
        }
        Mode::Normal => {}
    }
    if let KeyCode::Char(c @ '1'..='9') = key.code {
        return Some(Action::Tab(c as usize - '0' as usize));
    }
    let ctx = context_of(state);
    let all = bindings();
    // Context bindings win over global ones (Enter folds in JSON, opens in tables).
    let specific = all
        .iter()
        .find(|b| b.context == ctx && ctx != Context::Global && b.keys.contains(&key.code));
    specific
        .or_else(|| {
            all.iter()
                .find(|b| b.context == Context::Global && b.keys.contains(&key.code))
        })
        .map(|b| b.action.clone())
}

/// Help lines for a context: global bindings, then the context's own.
pub fn help_lines(ctx: Context) -> Vec<(&'static str, &'static str)> {
    let all = bindings();
    let mut out: Vec<(&'static str, &'static str)> = all
        .iter()
        .filter(|b| b.context == Context::Global)
        .map(|b| (b.label, b.help))
        .collect();
    out.extend(
        all.iter()
            .filter(|b| b.context == ctx && ctx != Context::Global)
            .map(|b| (b.label, b.help)),
    );
    out
}
