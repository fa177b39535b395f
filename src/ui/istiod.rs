//! The istiod view: what the control plane rejected (and what that means for
//! this sidecar), push health, then the proxy-status table (Enter opens a proxy).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::table::TableView;
use crate::app::data::Data;
use crate::app::istiod::query::report;
use crate::app::registry::table_of;
use crate::app::state::{AppState, ViewState};
use crate::model::istiod::{rejections, IstiodReport};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

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
    // Most important first, since a narrow pane shows only the top lines:
    // what was rejected, this sidecar's side, push health, then the details.
    let mut out = Vec::new();
    let rej = rejections(Some(r), &[]);
    if rej.is_empty() {
        out.push(Line::from(Span::styled(
            "✔ istiod: no rejected configs, no xDS rejects",
            t.ok,
        )));
    } else {
        let names: Vec<String> = rej
            .iter()
            .map(|x| format!("{} {} ×{}", x.kind, x.object, x.count))
            .collect();
        out.push(Line::from(Span::styled(
            format!("✖ istiod rejected: {}", names.join(", ")),
            t.error,
        )));
    }
    out.extend(sidecar_lines(state));
    out.push(summary(state, r));
    for x in rej.iter().take(4) {
        out.push(Line::from(vec![
            Span::styled(format!("{} {}: ", x.kind, x.object), t.error),
            Span::styled(x.meaning.clone(), t.text),
        ]));
        out.push(Line::from(Span::styled(format!("  fix: {}", x.fix), t.dim)));
    }
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

/// The open sidecar's side: its own `update_rejected` counters and how its
/// config differs from what istiod would send it.
fn sidecar_lines(state: &AppState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(target) = state.selected else {
        return Vec::new();
    };
    let pod = state
        .mesh
        .pods
        .get(target)
        .map(|p| p.key())
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(Data::Stats(stats)) = state
        .slot(Some(target), Endpoint::Stats)
        .and_then(|s| s.data())
    {
        let pairs: Vec<(&str, f64)> = stats
            .entries
            .iter()
            .filter(|e| e.name.ends_with("update_rejected"))
            .filter_map(|e| e.value.map(|v| (e.name.as_str(), v as f64)))
            .collect();
        for x in rejections(None, &pairs) {
            out.push(Line::from(vec![
                Span::styled(
                    format!(
                        "✖ Envoy on {pod} rejected {} {} ×{}: ",
                        x.kind, x.object, x.count
                    ),
                    t.error,
                ),
                Span::styled(x.meaning.clone(), t.text),
            ]));
        }
    }
    match state.drift.get(&target) {
        Some((_, d)) => {
            let names = |keys: &[crate::model::istiod::ItemKey]| -> String {
                let mut v: Vec<String> = keys
                    .iter()
                    .take(3)
                    .map(|k| format!("{} {}", k.kind, k.name))
                    .collect();
                if keys.len() > 3 {
                    v.push(format!("+{} more", keys.len() - 3));
                }
                v.join(", ")
            };
            let differing: Vec<crate::model::istiod::ItemKey> =
                d.differing.iter().map(|x| x.key.clone()).collect();
            let drift = d.only_istiod.len() + d.only_envoy.len() + d.differing.len();
            let mut text = format!("istiod vs Envoy on {pod}: {} same", d.same);
            if !d.only_istiod.is_empty() {
                text.push_str(&format!(" · not in Envoy: {}", names(&d.only_istiod)));
            }
            if !d.only_envoy.is_empty() {
                text.push_str(&format!(" · not from istiod: {}", names(&d.only_envoy)));
            }
            if !differing.is_empty() {
                text.push_str(&format!(" · differ: {}", names(&differing)));
            }
            out.push(Line::from(Span::styled(
                text,
                if drift > 0 { t.warn } else { t.ok },
            )));
        }
        None => out.push(Line::from(Span::styled(
            format!("comparing istiod's config for {pod} with Envoy's …"),
            t.dim,
        ))),
    }
    out
}
