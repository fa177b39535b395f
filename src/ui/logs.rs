//! The Logs view: parsed `istio-proxy` lines, newest at the bottom (follow
//! mode while the cursor is on the last line), and under them what the
//! selected line's response flags mean.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::table::TableView;
use crate::app::state::{AppState, ViewState};
use crate::model::access_log::{parse_line, LogLine};

/// The sidecar's buffers or its application containers'.
fn buffers<'a>(
    state: &'a AppState,
    view: &ViewState,
) -> &'a std::collections::HashMap<usize, crate::app::logs::state::LogBuffer> {
    if view.kind == crate::app::state::ViewKind::AppLogs {
        &state.app_logs
    } else {
        &state.logs
    }
}

/// Draws the log view for the selected sidecar.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    let Some(buf) = state.selected.and_then(|i| buffers(state, view).get(&i)) else {
        let msg = if state.selected.is_some() {
            "waiting for log lines … (the istio-proxy access log must be on: meshConfig.accessLogFile)"
        } else {
            ""
        };
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim)), area);
        return;
    };
    let detail = explain(state, view);
    let h = (detail.len() as u16).min(area.height / 3);
    let [top, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(h)]).areas(area);
    frame.render_widget(
        TableView {
            table: &buf.table,
            view,
            theme: t,
            focused,
        },
        top,
    );
    frame.render_widget(Paragraph::new(detail).wrap(Wrap { trim: true }), bottom);
}

/// Lines explaining the selected log line: its flags with meaning and advice.
pub fn explain(state: &AppState, view: &ViewState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(buf) = state.selected.and_then(|i| buffers(state, view).get(&i)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(e) = &buf.ended {
        out.push(Line::from(Span::styled(e.clone(), t.warn)));
    }
    if buf.dropped > 0 {
        out.push(Line::from(Span::styled(
            format!(
                "{} older lines dropped (buffer {} lines)",
                buf.dropped, state.config.log_buffer_lines
            ),
            t.dim,
        )));
    }
    let n = view.visible.len();
    let follow = if n == 0 || view.cursor + 1 >= n {
        Line::from(Span::styled(
            format!("following · {n} lines · ↑ pauses · /flag:UH status:5xx cluster:… id:… filter"),
            t.dim,
        ))
    } else {
        Line::from(Span::styled(
            format!("paused at {} of {n} · G follows again", view.cursor + 1),
            t.warn,
        ))
    };
    out.insert(0, follow);
    let Some(raw) = view.visible.get(view.cursor).and_then(|&i| buf.raw.get(i)) else {
        return out;
    };
    if let LogLine::Access(e) = parse_line(raw) {
        if let Some(d) = &e.response_code_details {
            out.push(Line::from(vec![
                Span::styled("details ", t.dim),
                Span::styled(d.clone(), t.text),
            ]));
        }
        for f in &e.response_flags {
            let sev = if f.is_failure() { t.error } else { t.warn };
            out.push(Line::from(vec![
                Span::styled(format!("{} ({}) ", f.short(), f.long()), sev),
                Span::styled(f.meaning().to_string(), t.text),
            ]));
            out.push(Line::from(Span::styled(
                format!("   → {}", f.advice()),
                t.dim,
            )));
        }
    }
    out
}
