//! The list screen (full screen): every sidecar with its readiness, Envoy
//! state and worst finding, or the fleet doctor's findings grouped by rule.

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::panes::filter_note;
use super::table::TableView;
use crate::app::fleet::update::summary;
use crate::app::state::{AppState, ViewKind, ViewState};
use crate::theme::Theme;

/// The list screen: the sidecars, or the fleet's findings (`F`).
pub fn draw_targets(frame: &mut Frame, area: Rect, state: &AppState) {
    if let Some(v) = state.list.last() {
        draw_findings(frame, area, state, v);
        return;
    }
    let t = &state.theme;
    let v = &state.targets;
    let mut title = format!(
        " Sidecars {}/{} {}",
        v.visible.len(),
        state.targets_table.rows.len(),
        filter_note(v)
    );
    if let Some(line) = summary(state) {
        title.push_str(&format!("· {line} (F: findings) "));
    }
    let inner = framed(frame, area, t, title);
    if state.mesh.pods.is_empty() {
        frame.render_widget(Paragraph::new("No sidecars found.").style(t.dim), inner);
        return;
    }
    frame.render_widget(
        TableView {
            table: &state.targets_table,
            view: v,
            theme: t,
            focused: true,
        },
        inner,
    );
}

/// The fleet doctor's findings: one row per rule, or one rule's sidecars.
fn draw_findings(frame: &mut Frame, area: Rect, state: &AppState, v: &ViewState) {
    let t = &state.theme;
    let f = &state.fleet;
    // A rule's sidecars: the rule is in the title as the view's key (`→ MS1001 …`).
    let (table, what) = match v.kind {
        ViewKind::FleetPods => (&f.pods_table, "Findings"),
        _ => (&f.groups_table, "Findings by rule"),
    };
    let mut title = format!(
        " {what} {}/{} {}",
        v.visible.len(),
        row_count(state, v),
        filter_note(v)
    );
    match (summary(state), &f.report) {
        (Some(line), Some((_, at))) if f.running.is_none() => {
            let ago = state.now.saturating_duration_since(*at).as_secs();
            title.push_str(&format!("· {line}, {ago}s ago (r: rescan) "));
        }
        (Some(line), _) => title.push_str(&format!("· {line} ")),
        (None, _) => {}
    }
    let inner = framed(frame, area, t, title);
    let empty = match (&f.report, &f.running) {
        (None, Some((_, p))) => Some(format!(
            "The doctor is reading every sidecar: {p}, {} at once.",
            state.config.fleet_concurrency
        )),
        (None, None) => Some("No scan yet: `:scan` diagnoses every sidecar.".to_string()),
        (Some((r, _)), _) if table.rows.is_empty() => Some(format!(
            "✔ No findings on {} sidecar{}.",
            r.pods.len(),
            if r.pods.len() == 1 { "" } else { "s" }
        )),
        _ => None,
    };
    if let Some(text) = empty {
        frame.render_widget(
            Paragraph::new(text).style(t.dim).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    frame.render_widget(
        TableView {
            table,
            view: v,
            theme: t,
            focused: true,
        },
        inner,
    );
}

/// Rows the shown fleet view could show before its filter.
fn row_count(state: &AppState, v: &ViewState) -> usize {
    let f = &state.fleet;
    match v.keys.as_deref() {
        Some(keys) => f
            .pods_table
            .rows
            .iter()
            .filter(|r| keys.contains(&r.key))
            .count(),
        None => f.groups_table.rows.len(),
    }
}

/// The list screen's frame (always focused) with its title; returns the inside.
fn framed(frame: &mut Frame, area: Rect, t: &Theme, title: String) -> Rect {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.focus_border)
        .title(Span::styled(title, t.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
