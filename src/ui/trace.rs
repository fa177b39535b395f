//! One request followed across sidecars: the verdict first, then each
//! sidecar's entry for the same x-request-id, in time order.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::AppState;
use crate::app::trace::state::Trace;

/// Draws a trace.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, trace: &Trace) {
    frame.render_widget(
        Paragraph::new(lines(state, trace)).wrap(Wrap { trim: false }),
        area,
    );
}

/// The trace as lines (separate for tests).
pub fn lines(state: &AppState, trace: &Trace) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = vec![
        Line::from(Span::styled(
            trace.verdict.clone(),
            if trace.failed { t.error } else { t.ok },
        )),
        Line::from(""),
    ];
    for hop in &trace.hops {
        let e = &hop.entry;
        let inbound = e
            .upstream_cluster
            .as_deref()
            .is_some_and(|c| c.starts_with("inbound|"));
        let bad = e.response_code.is_some_and(|c| c >= 500)
            || e.response_flags.iter().any(|f| f.is_failure());
        out.push(Line::from(vec![
            Span::styled(
                format!("{} ", if inbound { "→ server" } else { "← client" }),
                t.dim,
            ),
            Span::styled(hop.pod.clone(), t.header),
        ]));
        out.push(Line::from(vec![
            Span::styled(
                format!("   {} ", e.start_time.as_deref().unwrap_or("-")),
                t.dim,
            ),
            Span::styled(
                format!(
                    "{} {} {} {} {}",
                    e.code_label(),
                    e.flags_label(),
                    e.method.as_deref().unwrap_or("-"),
                    e.path.as_deref().unwrap_or("-"),
                    e.response_code_details.as_deref().unwrap_or("")
                ),
                if bad { t.error } else { t.text },
            ),
        ]));
        out.push(Line::from(Span::styled(
            format!(
                "   {} → {} ({}) {}ms",
                e.authority.as_deref().unwrap_or("-"),
                e.upstream_cluster.as_deref().unwrap_or("-"),
                e.upstream_host.as_deref().unwrap_or("-"),
                e.duration_ms.map_or("-".to_string(), |d| d.to_string())
            ),
            t.text,
        )));
    }
    out
}
