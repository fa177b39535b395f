//! The istiod view: what the control plane rejected (and what that means for
//! this sidecar), push health, then the proxy-status table (Enter opens a proxy).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::table::TableView;
use crate::app::istiod::report;
use crate::app::state::{AppState, ViewState};
use crate::app::update::table_of;
use crate::model::istiod::{rejections, IstiodReport};
use crate::ui::theme::Severity;

/// Draws the istiod view into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    if state.mesh.istiod.is_none() {
        frame.render_widget(Paragraph::new(Span::styled("no istiod URL for this session (pass --istiod URL, a port-forward of istiod's 15014)", t.dim)), area);
        return;
    }
    let lines = header(state);
    let h = (lines.len() as u16).min(area.height / 2 + 2);
    let [top, bottom] = Layout::vertical([Constraint::Length(h), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    if let Some((table, _)) = table_of(state, view.kind, None) {
        frame.render_widget(
            TableView {
                table,
                view,
                theme: t,
                focused,
            },
            bottom,
        );
    }
}

fn fmt_secs(v: f64) -> String {
    if v < 1.0 {
        format!("{:.0}ms", v * 1000.0)
    } else {
        format!("{v:.2}s")
    }
}

/// The lines above the proxy-status table.
pub fn header(state: &AppState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(r) = report(state) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let rej = rejections(Some(r), &[]);
    if rej.is_empty() {
        out.push(Line::from(Span::styled(
            "✔ no rejected configs, no xDS rejects",
            t.ok,
        )));
    } else {
        out.push(Line::from(Span::styled(
            format!("✖ {} rejected", rej.len()),
            t.error,
        )));
        for x in rej.iter().take(4) {
            out.push(Line::from(vec![
                Span::styled(format!("  {} {} ×{}: ", x.kind, x.object, x.count), t.error),
                Span::styled(x.meaning.clone(), t.text),
            ]));
            out.push(Line::from(Span::styled(
                format!("    fix: {}", x.fix),
                t.dim,
            )));
        }
    }
    out.push(summary(state, r));
    if !r.missing.is_empty() {
        out.push(Line::from(Span::styled(
            format!("not exported by this istiod: {}", r.missing.join(", ")),
            t.dim,
        )));
    }
    out
}

fn summary(state: &AppState, r: &IstiodReport) -> Line<'static> {
    let t = &state.theme;
    let mut parts = vec![format!("proxies {}", r.connected_total())];
    let pushes: f64 = r.pushes.iter().map(|p| p.count).sum();
    parts.push(format!("pushes {pushes}"));
    let errors: f64 = r.send_errors.iter().map(|p| p.count).sum();
    if let Some(q) = &r.push_time {
        parts.push(format!(
            "push p99 {}",
            q.p99.map(fmt_secs).unwrap_or_else(|| "-".into())
        ));
    }
    if let Some(q) = &r.convergence_time {
        parts.push(format!(
            "convergence p99 {}",
            q.p99.map(fmt_secs).unwrap_or_else(|| "-".into())
        ));
    }
    let mut sev = Severity::Ok;
    if errors > 0.0 {
        parts.push(format!("send errors {errors}"));
        sev = Severity::Warn;
    }
    if let Some(c) = &r.config_size {
        if c.over_strain > 0.0 {
            parts.push(format!("{} configs over 10 MB", c.over_strain));
            sev = Severity::Error;
        } else if c.over_grpc_limit > 0.0 {
            parts.push(format!("{} configs over 4 MB", c.over_grpc_limit));
            sev = Severity::Warn;
        }
    }
    Line::from(Span::styled(parts.join(" · "), t.severity(sev)))
}
