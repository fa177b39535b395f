//! The Stats view: the highlights that break production on top (overflows
//! with their breaker limit and rate now), a line with the view's options,
//! then every stat with its value, rate, change since the mark and history.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::table::elide;
use super::table::TableView;
use crate::app::state::{AppState, ViewState};
use crate::app::stats::state::TargetSeries;
use crate::app::stats::table::highlight_detail;
use crate::model::stats::{Highlight, Severity as HlSeverity};
use crate::theme::Theme;

/// Highlight lines shown at most; the rest are counted.
const MAX_HIGHLIGHTS: usize = 6;
/// The fewest cells a highlight's subject is cut to.
const MIN_SUBJECT: usize = 12;

/// Draws the Stats view into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    let target = state.selected;
    let (Some(series), Some((table, _))) = (
        target.and_then(|i| state.series.get(&i)),
        crate::app::stats::stats_table(state, target),
    ) else {
        return;
    };
    let mut lines = highlight_lines(t, &series.highlights, usize::from(area.width));
    lines.push(options_line(state, series));
    let h = (lines.len() as u16).min(area.height.saturating_sub(2));
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(lines), top);
    frame.render_widget(
        TableView {
            table,
            view,
            theme: t,
            focused,
        },
        rest,
    );
}

/// One line per highlight; in a narrow pane the subject (a cluster name)
/// loses its middle so the figures after it stay on screen.
fn highlight_lines(t: &Theme, highlights: &[Highlight], width: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = highlights
        .iter()
        .take(MAX_HIGHLIGHTS)
        .map(|h| {
            let (icon, style) = match h.severity {
                HlSeverity::Error => ("✖ ", t.error),
                HlSeverity::Warn => ("▲ ", t.warn),
                HlSeverity::Ok | HlSeverity::Info => ("· ", t.dim),
            };
            let subject = if h.subject.is_empty() {
                h.scope.to_string()
            } else {
                format!("{} {}", h.scope, h.subject)
            };
            let detail = highlight_detail(h);
            let room = width.saturating_sub(icon.chars().count() + 2 + detail.chars().count());
            let subject = if subject.chars().count() > room {
                elide(&subject, room.max(MIN_SUBJECT))
            } else {
                subject
            };
            Line::from(vec![
                Span::styled(format!("{icon}{subject}: {detail}"), style),
                Span::styled(format!("  {}", h.meaning), t.dim),
            ])
        })
        .collect();
    if highlights.len() > MAX_HIGHLIGHTS {
        lines.push(Line::from(Span::styled(
            format!(
                "  … {} more highlights (they head the table)",
                highlights.len() - MAX_HIGHLIGHTS
            ),
            t.dim,
        )));
    }
    lines
}

fn options_line(state: &AppState, series: &TargetSeries) -> Line<'static> {
    let t = &state.theme;
    let mut parts = vec![
        if series.used_only {
            "used only".to_string()
        } else {
            "all stats".to_string()
        },
        series.kind.label().to_string(),
        format!("poll {:.1}s", state.poll_interval().as_secs_f32()),
    ];
    match &series.mark {
        Some((at, _)) => parts.push(format!(
            "mark {}s ago",
            state.now.saturating_duration_since(*at).as_secs()
        )),
        None => parts.push("no mark".into()),
    }
    if series.highlights.is_empty() {
        parts.push("no overflow, rejection or ejection counters".into());
    }
    Line::from(vec![
        Span::styled(parts.join(" · "), t.dim),
        Span::styled("   m mark · u used · t type · s sort", t.accent),
    ])
}
