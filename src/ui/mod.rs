//! Drawing only: views borrow the state and render it. No I/O here, no state
//! changes; everything a view needs is already in [`AppState`].

pub mod cardinality;
pub mod endpoints;
pub mod help;
pub mod istiod;
pub mod json;
pub mod logs;
pub mod memory;
pub mod overview;
pub mod panes;
pub mod route;
pub mod sidecars;
pub mod stats;
pub mod svg;
pub mod table;

pub mod trace;
pub mod widgets;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::keys::context_of;
use crate::app::state::focused_kind;
use crate::app::state::{AppState, Mode, ViewKind};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState) {
    let [title, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_title(frame, title, state);
    match state.selected {
        None => sidecars::draw_targets(frame, body, state),
        Some(_) => panes::draw_panes(frame, body, state),
    }
    draw_status(frame, status, state);
    if matches!(state.mode, Mode::Help) {
        help::draw(frame, frame.area(), state, context_of(state));
    }
    if let Mode::Confirm(p) = &state.mode {
        draw_confirm(frame, frame.area(), state, &p.question());
    }
    if let Mode::ConfirmFleet(p) = &state.mode {
        draw_confirm_fleet(frame, frame.area(), state, p);
    }
}

fn draw_title(frame: &mut Frame, area: Rect, state: &AppState) {
    let t = &state.theme;
    let mut spans = vec![
        Span::styled(" meshscope ", t.accent),
        Span::styled("│ ", t.dim),
        Span::styled(state.source_label.clone(), t.text),
    ];
    if !state.forwards.is_empty() {
        let failing = state.forwards.iter().filter(|f| !f.healthy).count();
        let note = if failing > 0 {
            format!(", {failing} not ready")
        } else {
            String::new()
        };
        let style = if failing > 0 { t.warn } else { t.dim };
        spans.push(Span::styled(
            format!(" │ ⇄ {} forwards{note}", state.forwards.len()),
            style,
        ));
    }
    if let Some(pod) = state.selected.and_then(|i| state.mesh.pods.get(i)) {
        spans.push(Span::styled(" │ ", t.dim));
        spans.push(Span::styled(pod.key(), t.header));
        spans.push(Span::styled(" │ ", t.dim));
        if let Some(i) = state.selected {
            if let Some(worst) = crate::app::sidecars::update::worst_finding(state, i) {
                let sev = state
                    .doctor
                    .get(&i)
                    .and_then(|d| d.report.as_ref())
                    .map_or(crate::model::severity::Severity::Ok, |r| r.worst());
                spans.push(Span::styled(worst, t.severity(sev)));
                spans.push(Span::styled(" │ ", t.dim));
            }
        }
        let current = focused_kind(state);
        for (i, kind) in crate::app::registry::tabs(state).iter().enumerate() {
            let label = format!("{}:{} ", i + 1, kind.name());
            let style = if Some(*kind) == current {
                t.selection
            } else {
                t.dim
            };
            spans.push(Span::styled(label, style));
        }
    } else {
        spans.push(Span::styled(
            format!(" │ {} sidecars", state.mesh.pods.len()),
            t.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.text), area);
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState) {
    let t = &state.theme;
    let line = match &state.mode {
        Mode::Filter(input) => Line::from(vec![
            Span::styled("/", t.accent),
            Span::styled(input.value().to_string(), t.text),
            Span::styled("▏", t.accent),
        ]),
        Mode::Palette(input) => Line::from(vec![
            Span::styled(":", t.accent),
            Span::styled(input.value().to_string(), t.text),
            Span::styled("▏", t.accent),
            Span::styled("   Tab completes · Enter runs · Esc cancels", t.dim),
        ]),
        _ => match &state.status {
            Some((msg, sev, _)) => Line::from(Span::styled(msg.clone(), t.severity(*sev))),
            None => Line::from(Span::styled(hints(state), t.dim)),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn hints(state: &AppState) -> String {
    match focused_kind(state) {
        Some(ViewKind::Targets) => "Enter open · F findings · / filter · s sort · : command · ? help · q quit".into(),
        Some(ViewKind::Findings) => "Enter the rule's sidecars · r rescan · / filter · s sort · Esc sidecars · ? help".into(),
        Some(ViewKind::FleetPods) => "Enter open the sidecar on its doctor · / filter · s sort · Esc rules · ? help".into(),
        Some(ViewKind::Json) => "Enter fold · / search · n/N next/prev · y copy path · Esc back · ? help".into(),
        Some(ViewKind::Stats) => "m mark · u used only · t type · / filter · s sort (name, value, rate) · Tab pane · z zoom · ? help · Esc back".into(),
        _ => "Enter follow · x raw JSON · / filter · s sort · Tab pane · z zoom · 1-9 tabs · : command · ? help · Esc back".into(),
    }
}

/// The confirmation box for a change to a sidecar.
/// The confirmation of one logger changed on many sidecars: the question,
/// then every sidecar with its level now and to come (scrolled with ↑↓),
/// then the keys.
fn draw_confirm_fleet(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    p: &crate::app::loglevels::state::FleetProposal,
) {
    use ratatui::widgets::{Block, Borders, Clear, Wrap};
    let t = &state.theme;
    let all = p.lines();
    let w = area.width.min(110);
    // Question, blank, the list, blank, keys; inside borders.
    let h = (u16::try_from(all.len())
        .unwrap_or(u16::MAX)
        .saturating_add(6))
    .min(area.height.saturating_sub(2))
    .max(6.min(area.height));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let room = usize::from(h.saturating_sub(6));
    let start = p.scroll.min(all.len().saturating_sub(room.max(1)));
    let mut lines = vec![
        Line::from(Span::styled(p.question(), t.warn)),
        Line::from(""),
    ];
    lines.extend(
        all.iter()
            .skip(start)
            .take(room)
            .map(|l| Line::from(Span::styled(l.clone(), t.text))),
    );
    let more = all.len().saturating_sub(start + room);
    lines.push(Line::from(Span::styled(
        if more > 0 || start > 0 {
            format!(
                "lines {}-{} of {} (↑↓ scroll)",
                start + 1,
                start + room.min(all.len()),
                all.len()
            )
        } else {
            String::new()
        },
        t.dim,
    )));
    let mut keys = vec![
        Span::styled(" y ", t.selection),
        Span::styled(" apply to all   ", t.text),
    ];
    if !p.restore {
        keys.push(Span::styled(" Tab ", t.selection));
        keys.push(Span::styled(" another level   ", t.text));
    }
    keys.push(Span::styled(" n/Esc ", t.selection));
    keys.push(Span::styled(" cancel", t.text));
    lines.push(Line::from(keys));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.warn)
        .title(Span::styled(
            format!(" This changes {} sidecars ", p.changes.len()),
            t.warn,
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        r,
    );
}

fn draw_confirm(frame: &mut Frame, area: Rect, state: &AppState, question: &str) {
    use ratatui::widgets::{Block, Borders, Clear, Wrap};
    let t = &state.theme;
    let w = area.width.min(90);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height / 2).saturating_sub(3),
        w,
        6.min(area.height),
    );
    frame.render_widget(Clear, r);
    let lines = vec![
        Line::from(Span::styled(question.to_string(), t.warn)),
        Line::from(""),
        Line::from(vec![
            Span::styled(" y ", t.selection),
            Span::styled(" apply   ", t.text),
            Span::styled(" Tab ", t.selection),
            Span::styled(" another level   ", t.text),
            Span::styled(" n/Esc ", t.selection),
            Span::styled(" cancel", t.text),
        ]),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.warn)
        .title(Span::styled(" This changes the sidecar ", t.warn));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        r,
    );
}
