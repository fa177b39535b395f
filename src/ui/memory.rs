//! The Memory view: `/memory`'s fields with their trend over the polls, the
//! number of stats beside them, and a pointer to `:cardinality` when metric
//! series are what the memory goes to.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::app::cardinality::data::human_bytes;
use crate::app::data::Data;
use crate::app::memory::data::MEMORY_FIELDS;
use crate::app::state::AppState;
use crate::app::stats::state::{MemorySample, TargetSeries};
use crate::app::stats::table::sparkline;
use crate::sources::target::Endpoint;

/// Above this many series, Envoy's memory is mostly stats.
pub const MANY_SERIES: usize = 10_000;

/// Draws the Memory view into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState) {
    let t = &state.theme;
    let Some(series) = state.selected.and_then(|i| state.series.get(&i)) else {
        return;
    };
    let (Some(first), Some(last)) = (series.memory.front(), series.memory.back()) else {
        return;
    };
    let prev = series.memory.iter().rev().nth(1);
    // Name and three numbers take 53 columns; the trend gets the rest.
    let spark_width = usize::from(area.width.saturating_sub(53)).max(2);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<21}{:>10}{:>10}{:>10}  TREND ({} polls)",
            "FIELD",
            "NOW",
            "Δ LAST",
            "Δ FIRST",
            series.memory.len()
        ),
        t.header,
    ))];
    for (i, name) in MEMORY_FIELDS.iter().enumerate() {
        let field = |s: &MemorySample| s.memory.fields.get(i).copied().flatten();
        let now = field(last);
        let history: Vec<u64> = series.memory.iter().filter_map(field).collect();
        let history = &history[history.len().saturating_sub(spark_width)..];
        let delta = |from: Option<u64>| match (from, now) {
            (Some(a), Some(b)) => signed_bytes(b as i128 - a as i128),
            _ => String::new(),
        };
        let growing = matches!((field(first), now), (Some(a), Some(b)) if b > a);
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<21}"), t.text),
            Span::styled(
                format!("{:>10}", now.map(human_bytes).unwrap_or_else(|| "-".into())),
                t.text,
            ),
            Span::styled(format!("{:>10}", delta(prev.and_then(field))), t.dim),
            Span::styled(
                format!("{:>10}", delta(field(first))),
                if growing { t.warn } else { t.dim },
            ),
            Span::styled(format!("  {}", sparkline(history, false)), t.accent),
        ]));
    }
    lines.push(Line::default());
    lines.extend(series_lines(state, series, first, last));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The stats count beside memory, and the hint toward `:cardinality`.
fn series_lines(
    state: &AppState,
    series: &TargetSeries,
    first: &MemorySample,
    last: &MemorySample,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = Vec::new();
    let prometheus = match state
        .slot(state.selected, Endpoint::Prometheus)
        .and_then(|s| s.data())
    {
        Some(Data::Cardinality(c)) => Some(c.report.total_series),
        _ => None,
    };
    let stats = match state
        .slot(state.selected, Endpoint::Stats)
        .and_then(|s| s.data())
    {
        Some(Data::Stats(d)) => Some(d.entries.len()),
        _ => last.stats,
    };
    let mut text = match stats {
        Some(n) => format!("{n} Envoy stats"),
        None => "Envoy stats: not loaded yet".to_string(),
    };
    if let (Some(a), Some(b)) = (first.stats, last.stats) {
        if b != a {
            text.push_str(&format!(
                " ({}{} since the first poll)",
                if b > a { "+" } else { "-" },
                b.abs_diff(a)
            ));
        }
    }
    if let Some(p) = prometheus {
        text.push_str(&format!(" · {p} Prometheus series"));
    }
    let allocated = |s: &MemorySample| s.memory.fields.first().copied().flatten();
    let per_stat = match (allocated(last), stats) {
        (Some(a), Some(n)) if n > 0 => {
            format!(" · ~{} allocated per stat", human_bytes(a / n as u64))
        }
        _ => String::new(),
    };
    out.push(Line::from(Span::styled(text + &per_stat, t.text)));
    let count = prometheus.map_or(stats.unwrap_or(0), |p| (p as usize).max(stats.unwrap_or(0)));
    let grew_with_series = matches!(
        (allocated(first), allocated(last), first.stats, last.stats),
        (Some(a0), Some(a1), Some(s0), Some(s1)) if a1 > a0 && s1 > s0
    );
    if count > MANY_SERIES || grew_with_series {
        let why = if count > MANY_SERIES {
            format!("{count} series: stats dominate this proxy's memory")
        } else {
            "memory is growing with the number of stats".to_string()
        };
        out.push(Line::from(vec![
            Span::styled(format!("▲ {why}; "), t.warn),
            Span::styled(
                "open :cardinality to find the label that multiplies them",
                t.accent,
            ),
        ]));
    }
    if series.memory.len() < 2 {
        out.push(Line::from(Span::styled(
            format!(
                "trends fill in as /memory is polled every {:.1}s",
                state.poll_interval().as_secs_f32()
            ),
            t.dim,
        )));
    }
    out
}

/// `+12.0 KiB`, `-3 B`, `0`.
fn signed_bytes(delta: i128) -> String {
    match delta {
        0 => "0".into(),
        d if d > 0 => format!("+{}", human_bytes(u64::try_from(d).unwrap_or(u64::MAX))),
        d => format!("-{}", human_bytes(u64::try_from(-d).unwrap_or(u64::MAX))),
    }
}
