//! One request followed across proxies: the verdict first, then each
//! proxy's entry for the same x-request-id in the order the request went
//! through them, with the ztunnels tied to a waypoint by address and time.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::state::AppState;
use crate::app::trace::state::{Hop, Role, Trace};

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
        let role = match hop.role() {
            Role::Ztunnel => {
                ztunnel_hop(state, hop, &mut out);
                continue;
            }
            Role::Waypoint => "⇄ waypoint",
            Role::Server => "→ server",
            Role::Client => "← client",
        };
        let e = &hop.entry;
        let bad = hop.failed();
        out.push(Line::from(vec![
            Span::styled(format!("{role} "), t.dim),
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

/// A ztunnel's entry: its direction, the connection, and why it failed.
fn ztunnel_hop(state: &AppState, hop: &Hop, out: &mut Vec<Line<'static>>) {
    let t = &state.theme;
    let e = &hop.entry;
    let Some(z) = e.ztunnel.as_deref() else {
        return;
    };
    out.push(Line::from(vec![
        Span::styled(
            format!("⇄ ztunnel {} ", z.direction.as_deref().unwrap_or("")),
            t.dim,
        ),
        Span::styled(hop.pod.clone(), t.header),
        Span::styled(" (matched by address and time)", t.dim),
    ]));
    let (what, style) = match z.error.as_deref() {
        Some(err) => (format!("error: {err}"), t.error),
        None => (z.message.clone(), t.text),
    };
    out.push(Line::from(vec![
        Span::styled(
            format!("   {} ", e.start_time.as_deref().unwrap_or("-")),
            t.dim,
        ),
        Span::styled(what, style),
    ]));
    out.push(Line::from(Span::styled(
        format!(
            "   {} → {} ({}) sent {} recv {} {}ms",
            e.downstream_remote_address.as_deref().unwrap_or("-"),
            z.dst_service
                .as_deref()
                .or(z.dst_workload.as_deref())
                .unwrap_or("-"),
            z.dst_hbone_addr
                .as_deref()
                .or(z.dst_addr.as_deref())
                .unwrap_or("-"),
            e.bytes_sent.map_or("-".to_string(), |b| b.to_string()),
            e.bytes_received.map_or("-".to_string(), |b| b.to_string()),
            e.duration_ms.map_or("-".to_string(), |d| d.to_string())
        ),
        t.text,
    )));
}
