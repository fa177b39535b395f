//! The side-by-side panes, each framed with its title, its loading, error
//! and stale banner, and its view drawn by the feature that owns it (the one
//! `match` from a view to its drawing).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::overview;
use super::table::TableView;
use crate::app::registry::{spec, table_of};
use crate::app::state::{AppState, Loadable, Pane, ViewKind, ViewState};
use crate::app::update::age;
use crate::sources::target::Endpoint;

/// `→ keys /filter` after a pane's title.
pub fn filter_note(v: &ViewState) -> String {
    let mut s = String::new();
    if let Some(keys) = &v.keys {
        s.push_str(&format!("→ {} ", keys.join(", ")));
    }
    if !v.filter.is_empty() {
        s.push_str(&format!("/{} ", v.filter));
    }
    s
}

/// The panes of the selected sidecar, split left to right (or one, zoomed).
pub fn draw_panes(frame: &mut Frame, area: Rect, state: &AppState) {
    if state.zoom {
        if let Some(p) = state.panes.get(state.focus) {
            draw_pane(frame, area, state, p, true, state.focus);
        }
        return;
    }
    let n = state.panes.len().max(1) as u32;
    let areas = Layout::horizontal((0..n).map(|_| Constraint::Ratio(1, n))).split(area);
    for (i, (p, a)) in state.panes.iter().zip(areas.iter()).enumerate() {
        draw_pane(frame, *a, state, p, i == state.focus, i);
    }
}

fn draw_pane(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    pane: &Pane,
    focused: bool,
    index: usize,
) {
    let t = &state.theme;
    let Some(view) = pane.top() else { return };
    let target = state.selected;
    let (count, total) = match table_of(state, view.kind, target) {
        Some((tbl, _)) if view.kind.is_table() => {
            (format!(" {}/{}", view.visible.len(), tbl.rows.len()), true)
        }
        _ => (String::new(), false),
    };
    let _ = total;
    let name = if matches!(
        view.kind,
        ViewKind::Json | ViewKind::Trace | ViewKind::Route | ViewKind::Diff | ViewKind::DiffFields
    ) {
        view.json_title.clone()
    } else {
        view.kind.title().to_string()
    };
    let depth = if pane.stack.len() > 1 {
        format!(" ‹{}", pane.stack.len() - 1)
    } else {
        String::new()
    };
    let title = format!(
        " [{}] {name}{count} {}{depth}",
        index + 1,
        filter_note(view)
    );
    let border = if focused { t.focus_border } else { t.border };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, if focused { t.accent } else { t.dim }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = match banner(state, view.kind, target) {
        Some(lines) => {
            // Wrapped, so a narrow pane still shows the whole message; at most
            // half the pane (never less than a row per message) so the data stays in view.
            let count = lines.len();
            let banner = Paragraph::new(lines).wrap(Wrap { trim: true });
            let wrapped = u16::try_from(banner.line_count(inner.width)).unwrap_or(u16::MAX);
            let cap = (inner.height / 2).max(u16::try_from(count).unwrap_or(u16::MAX));
            let h = wrapped.min(cap).min(inner.height);
            let [top, rest] =
                Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(inner);
            frame.render_widget(banner, top);
            rest
        }
        None => inner,
    };
    match view.kind {
        ViewKind::Json => super::json::draw(frame, inner, state, view, focused),
        ViewKind::Istiod => super::istiod::draw(frame, inner, state, view, focused),
        ViewKind::Stats => super::stats::draw(frame, inner, state, view, focused),
        ViewKind::Cardinality => super::cardinality::draw(frame, inner, state, view, focused),
        ViewKind::Memory => super::memory::draw(frame, inner, state),
        ViewKind::Logs | ViewKind::AppLogs => super::logs::draw(frame, inner, state, view, focused),
        ViewKind::Endpoints => super::endpoints::draw(frame, inner, state, view, focused),
        ViewKind::Trace => {
            if let Some(trace) = &view.trace {
                super::trace::draw(frame, inner, state, trace);
            }
        }
        ViewKind::Route => {
            if let Some(decision) = &view.route {
                super::route::draw(frame, inner, state, decision);
            }
        }
        ViewKind::Overview => overview::draw(frame, inner, state, view, focused),
        k if k.is_table() => {
            if let Some((tbl, _)) = table_of(state, k, target) {
                frame.render_widget(
                    TableView {
                        table: tbl,
                        view,
                        theme: t,
                        focused,
                    },
                    inner,
                );
            }
        }
        // The sidecar list is never a pane: it has its own screen.
        _ => {}
    }
}

/// Loading / error / stale lines above a view's content, from the slots it needs.
fn banner(state: &AppState, kind: ViewKind, target: Option<usize>) -> Option<Vec<Line<'static>>> {
    let t = &state.theme;
    let mut lines = Vec::new();
    let mut needs: Vec<(Option<usize>, Endpoint)> = kind
        .needs()
        .iter()
        .map(|&e| (target, e))
        .filter(|&(t, e)| state.reachable(t, e))
        .collect();
    needs.extend(spec(kind).istiod_waits.iter().map(|&e| (None, e)));
    for key in needs {
        let Some(slot) = state.slots.get(&key) else {
            lines.push(Line::from(Span::styled(
                format!("waiting for {} …", key.1.name()),
                t.dim,
            )));
            continue;
        };
        match &slot.state {
            Loadable::Loading { since } => lines.push(Line::from(Span::styled(
                format!(
                    "loading {} … {:.1}s",
                    key.1.name(),
                    age(state.now, *since).as_secs_f32()
                ),
                t.dim,
            ))),
            Loadable::Failed { error, at, stale } => {
                let mut msg = format!("✖ {}: {error}", key.1.name());
                if stale.is_some() {
                    msg.push_str(&format!(
                        " (showing data from before, {}s old)",
                        age(state.now, *at).as_secs()
                    ));
                }
                if slot.oversize > 0 {
                    let wait = crate::app::poll_wait(state, key);
                    let left = wait.saturating_sub(age(state.now, *at));
                    msg.push_str(&format!(" · next try in {}s (r: now)", left.as_secs()));
                } else {
                    msg.push_str(" · retrying");
                }
                lines.push(Line::from(Span::styled(msg, t.error)));
            }
            Loadable::Ready { .. } => {}
        }
    }
    (!lines.is_empty()).then_some(lines)
}
