//! Views that are not tables of config: stats, logs, memory, istiod.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::data::Data;
use crate::app::state::{AppState, ViewKind};
use crate::sources::target::Endpoint;
use crate::ui::theme::Severity;

/// Draws one of the text views.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, kind: ViewKind) {
    let lines = match kind {
        ViewKind::Logs => logs(state, usize::from(area.height)),
        ViewKind::Stats => body_lines(state, Endpoint::Stats, usize::from(area.height)),
        ViewKind::Memory => body_lines(state, Endpoint::Memory, usize::from(area.height)),
        ViewKind::Istiod => istiod(state, usize::from(area.height)),
        _ => Vec::new(),
    };
    frame.render_widget(Paragraph::new(lines), area);
}

fn body_lines(state: &AppState, ep: Endpoint, height: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    match state.slot(state.selected, ep).and_then(|s| s.data()) {
        Some(Data::Text { body, .. }) => body
            .lines()
            .take(height)
            .map(|l| Line::from(Span::styled(l.to_string(), t.text)))
            .collect(),
        _ => Vec::new(),
    }
}

fn istiod(state: &AppState, height: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    if state.mesh.istiod.is_none() {
        return vec![Line::from(Span::styled(
            "no istiod URL for this session (pass --istiod URL)",
            t.dim,
        ))];
    }
    match state
        .slot(None, Endpoint::IstiodMetrics)
        .and_then(|s| s.data())
    {
        Some(Data::Text { body, .. }) => body
            .lines()
            .filter(|l| {
                l.starts_with("pilot_total_rejected")
                    || l.starts_with("pilot_xds ")
                    || l.starts_with("pilot_conflict")
            })
            .take(height)
            .map(|l| Line::from(Span::styled(l.to_string(), t.text)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Log severity of a line: 5xx and response flags are errors, 4xx warnings.
pub fn log_severity(line: &str) -> Severity {
    let code = line
        .split(['"', ' '])
        .find(|w| w.len() == 3 && w.chars().all(|c| c.is_ascii_digit()));
    match code.and_then(|c| c.chars().next()) {
        Some('5') => Severity::Error,
        Some('4') => Severity::Warn,
        _ if line.contains("error") => Severity::Error,
        _ if line.contains("warning") => Severity::Warn,
        _ => Severity::Ok,
    }
}

fn logs(state: &AppState, height: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(target) = state.selected else {
        return Vec::new();
    };
    let Some(buf) = state.logs.get(&target) else {
        return vec![Line::from(Span::styled("waiting for log lines …", t.dim))];
    };
    let mut out: Vec<Line<'static>> = Vec::new();
    if let Some(e) = &buf.ended {
        out.push(Line::from(Span::styled(e.clone(), t.warn)));
    }
    let skip = buf
        .lines
        .len()
        .saturating_sub(height.saturating_sub(out.len()));
    for l in buf.lines.iter().skip(skip) {
        let sev = log_severity(l);
        let style = if sev == Severity::Ok {
            t.text
        } else {
            t.severity(sev)
        };
        out.push(Line::from(Span::styled(l.clone(), style)));
    }
    out
}
