//! The rows of the Stats view (value, rate, change since the mark,
//! sparkline) and the Clusters table with a HIGHLIGHT column, built from a
//! stats snapshot and its [`TargetSeries`].

use std::collections::HashMap;

use super::data::StatsData;
use super::state::{KindFilter, TargetSeries};
use crate::app::table::{Column, Row, Table};
use crate::model::severity::Severity;
use crate::model::stats::{format_highlight, Highlight, StatKind};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A text sparkline of `samples`, scaled between their minimum and maximum;
/// counters are drawn by their increase per poll so a steady climb is flat.
pub fn sparkline(samples: &[u64], counter: bool) -> String {
    let points: Vec<u64> = if counter {
        samples
            .windows(2)
            .map(|w| w[1].saturating_sub(w[0]))
            .collect()
    } else {
        samples.to_vec()
    };
    let (Some(min), Some(max)) = (points.iter().min(), points.iter().max()) else {
        return String::new();
    };
    let span = max - min;
    points
        .iter()
        .map(|p| {
            let level = if span == 0 {
                usize::from(*p > 0) * 3
            } else {
                ((p - min) as f64 / span as f64 * 7.0).round() as usize
            };
            BARS.get(level).copied().unwrap_or('█')
        })
        .collect()
}

/// A rate for a cell: `3`, `0.5`, `1.2k`.
pub fn rate_cell(rate: f64) -> String {
    if rate >= 10_000.0 {
        format!("{:.1}k", rate / 1000.0)
    } else if rate.fract() == 0.0 || rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

fn kind_label(kind: StatKind) -> &'static str {
    match kind {
        StatKind::Counter => "ctr",
        StatKind::Gauge => "gauge",
        StatKind::Histogram => "hist",
        StatKind::TextReadout => "text",
    }
}

fn shown(filter: KindFilter, kind: StatKind) -> bool {
    match filter {
        KindFilter::All => true,
        KindFilter::Counters => kind == StatKind::Counter,
        KindFilter::Gauges => kind == StatKind::Gauge,
        KindFilter::Histograms => kind == StatKind::Histogram,
    }
}

/// Highlights and rows share the model's one severity.
fn severity_of(s: Severity) -> Severity {
    s
}

/// The Stats view's rows: highlighted stats first (worst first), then the
/// rest in Envoy's order, after the used-only and type filters.
pub fn stats_table(series: &TargetSeries, data: &StatsData) -> Table {
    // Name → (rank, highlight): `series.highlights` is worst first
    // (severity, rate, value), and the table keeps that order.
    let highlighted: HashMap<&str, (usize, &Highlight)> = series
        .highlights
        .iter()
        .enumerate()
        .map(|(rank, h)| (h.full_name.as_str(), (rank, h)))
        .collect();
    let mut rows = Vec::new();
    let mut top = Vec::new();
    for e in &data.entries {
        let used = e.value.is_some_and(|v| v > 0)
            || (e.kind == StatKind::Histogram && e.summary != "no recorded values")
            || (e.kind == StatKind::TextReadout && !e.summary.is_empty());
        if !shown(series.kind, e.kind) || (series.used_only && !used) {
            continue;
        }
        let track = series.tracks.get(&e.name);
        let value = match (e.value, track.and_then(|t| series.recent_change(t))) {
            (Some(v), Some((last, up))) => {
                let mark = match (last, up) {
                    (true, true) => '▲',
                    (true, false) => '▼',
                    (false, true) => '△',
                    (false, false) => '▽',
                };
                format!("{v} {mark}")
            }
            (Some(v), None) => v.to_string(),
            (None, _) => e.summary.clone(),
        };
        let rate = track
            .and_then(|t| t.rate)
            .filter(|_| e.kind == StatKind::Counter)
            .map(rate_cell)
            .unwrap_or_default();
        let since_mark = match (e.value, series.at_mark(&e.name)) {
            (Some(v), Some(m)) if v >= m => format!("+{}", v - m),
            (Some(v), Some(m)) => format!("-{}", m - v),
            _ => String::new(),
        };
        let spark = track
            .map(|t| {
                let samples: Vec<u64> = t.samples.iter().copied().collect();
                sparkline(&samples, e.kind == StatKind::Counter)
            })
            .unwrap_or_default();
        let hl = highlighted.get(e.name.as_str());
        let severity = hl.map_or(Severity::Ok, |(_, h)| severity_of(h.severity));
        let row = Row::new(
            e.name.clone(),
            vec![
                e.name
                    .get(..e.scope_len)
                    .unwrap_or("")
                    .trim_end_matches('.')
                    .to_string(),
                e.name.get(e.scope_len..).unwrap_or(&e.name).to_string(),
                value,
                rate,
                since_mark,
                spark,
                kind_label(e.kind).to_string(),
            ],
            severity,
        );
        match hl {
            Some((rank, _)) => top.push((*rank, row)),
            None => rows.push(row),
        }
    }
    top.sort_by_key(|(rank, _)| *rank);
    let mut all: Vec<Row> = top.into_iter().map(|(_, r)| r).collect();
    all.extend(rows);
    Table {
        columns: stats_columns(),
        rows: all,
    }
}

/// The Stats view's columns: the stat's name and its value and rate never
/// leave a narrow pane.
pub fn stats_columns() -> Vec<Column> {
    vec![
        Column::text("SCOPE", 36)
            .key()
            .min(10)
            .middle()
            .uniform_hides(),
        Column::text("STAT", 34).key().min(18).middle(),
        Column::num("VALUE", 10).key().min(8),
        Column::num("RATE/s", 7).key(),
        Column::num("±MARK", 7).optional(),
        Column::text("HISTORY", 10),
        Column::text("TYPE", 5).optional(),
    ]
}

/// A highlight without its subject: `max_pending_requests 1, overflow 59, +3/s`.
pub fn highlight_detail(h: &Highlight) -> String {
    let line = format_highlight(h);
    let subject = if h.subject.is_empty() {
        h.scope
    } else {
        &h.subject
    };
    line.strip_prefix(subject)
        .and_then(|rest| rest.strip_prefix(": "))
        .map_or_else(|| line.clone(), str::to_string)
}

/// The dump's clusters table with a HIGHLIGHT column: each cluster's worst
/// highlight (overflow, no healthy upstream, connect failures…) and the row
/// raised to its severity.
pub fn clusters_with_highlights(clusters: &Table, highlights: &[Highlight]) -> Table {
    let mut worst: HashMap<&str, Vec<&Highlight>> = HashMap::new();
    for h in highlights.iter().filter(|h| h.scope == "cluster") {
        worst.entry(h.subject.as_str()).or_default().push(h);
    }
    let rows = clusters
        .rows
        .iter()
        .map(|r| {
            let mut cells = r.cells.clone();
            let mut severity = r.severity;
            match worst.get(r.key.as_str()) {
                Some(hs) => {
                    // `highlights` is sorted worst first.
                    let text: Vec<String> = hs.iter().map(|h| highlight_detail(h)).collect();
                    if let Some(h) = hs.first() {
                        severity = severity.max(severity_of(h.severity));
                    }
                    cells.push(text.join("; "));
                }
                None => cells.push(String::new()),
            }
            Row::new(r.key.clone(), cells, severity)
        })
        .collect();
    let mut columns = clusters.columns.clone();
    columns.push(Column::text("HIGHLIGHT", 44));
    Table { columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats::{highlights, BreakerThresholds};

    #[test]
    fn sparklines_scale_and_counters_show_increase() {
        assert_eq!(sparkline(&[1, 2, 3, 8], false), "▁▂▃█");
        assert_eq!(sparkline(&[10, 13, 16, 19], true), "▄▄▄");
        assert_eq!(sparkline(&[10, 10, 10], true), "▁▁");
        assert_eq!(sparkline(&[], true), "");
        assert_eq!(rate_cell(3.0), "3");
        assert_eq!(rate_cell(0.25), "0.2");
        assert_eq!(rate_cell(25_000.0), "25.0k");
    }

    #[test]
    fn clusters_get_a_highlight_cell_and_severity() {
        let stats = crate::model::stats::parse_envoy_text(
            "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 59\n",
        );
        let mut t = HashMap::new();
        t.insert(
            "outbound|8000||httpbin.default.svc.cluster.local".to_string(),
            BreakerThresholds {
                max_pending_requests: Some(1),
                ..BreakerThresholds::default()
            },
        );
        let hl = highlights(&stats.stats, &t);
        let table = Table {
            columns: vec![Column::text("NAME", 10)],
            rows: vec![
                Row::new(
                    "outbound|8000||httpbin.default.svc.cluster.local",
                    vec!["httpbin".into()],
                    Severity::Ok,
                ),
                Row::new("other", vec!["other".into()], Severity::Ok),
            ],
        };
        let merged = clusters_with_highlights(&table, &hl);
        assert_eq!(merged.columns.len(), 2);
        assert_eq!(
            merged.rows[0].cells[1],
            "max_pending_requests 1, overflow 59"
        );
        assert_eq!(merged.rows[0].severity, Severity::Error);
        assert_eq!(merged.rows[1].cells[1], "");
        assert_eq!(merged.rows[1].severity, Severity::Ok);
    }
}
