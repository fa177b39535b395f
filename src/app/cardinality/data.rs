//! `/stats/prometheus` (15000, or pilot-agent's merged 15020) analysed in the
//! fetch task into a cardinality report and the table of its labels.

use crate::app::table::{Column, Row, Table};
use crate::model::cardinality::{analyze_prometheus, CardinalityReport, LabelFlag};
use crate::model::severity::Severity;

/// Distinct values above which the Cardinality view flags a label.
pub const CARDINALITY_THRESHOLD: usize = crate::model::cardinality::DEFAULT_THRESHOLD;
/// Threads the cardinality analysis may use in the fetch task.
const ANALYSIS_THREADS: usize = 2;

/// `1536` → `1.5 KiB` (one formatting for the views and the CLI tables).
pub use crate::model::cardinality::human_bytes;

/// A cardinality report with the table of its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct CardinalityData {
    /// The report, worst offenders first.
    pub report: CardinalityReport,
    /// One row per label, same order.
    pub labels: Table,
    /// A ztunnel's metrics (it writes `istio_tcp_connections_*` and
    /// `istio_dns_*`), kept for the ambient rules of its doctor.
    pub ztunnel_metrics: Option<std::sync::Arc<str>>,
}

/// The largest ztunnel metrics body kept for its doctor.
const ZTUNNEL_METRICS_MAX: usize = 8 << 20;

/// Analyses a Prometheus body (15000 `/stats/prometheus` or the merged 15020).
pub fn process_cardinality(text: &str) -> CardinalityData {
    let report = analyze_prometheus(text, CARDINALITY_THRESHOLD, ANALYSIS_THREADS);
    let rows = report
        .labels
        .iter()
        .map(|l| {
            let severity = if l.flags.contains(&LabelFlag::ManyValues) {
                Severity::Error
            } else if l.flags.is_empty() {
                Severity::Ok
            } else {
                Severity::Warn
            };
            let flags: Vec<&str> = l.flags.iter().map(|f| flag_name(*f)).collect();
            Row::new(
                l.family.clone(),
                vec![
                    l.family.clone(),
                    l.label.clone(),
                    l.distinct_values.to_string(),
                    format!("{:.1}%", l.share * 100.0),
                    format!("{:.1}", l.estimated_bytes as f64 / 1024.0),
                    flags.join(","),
                    l.examples.first().cloned().unwrap_or_default(),
                ],
                severity,
            )
        })
        .collect();
    let ztunnel = text.len() <= ZTUNNEL_METRICS_MAX
        && (text.contains("istio_dns_requests_total")
            || (text.contains("istio_tcp_connections_failed_total") && !text.contains("envoy_")));
    CardinalityData {
        report,
        ztunnel_metrics: ztunnel.then(|| std::sync::Arc::from(text)),
        labels: Table {
            columns: vec![
                Column::text("FAMILY", 30),
                Column::text("LABEL", 22),
                Column::num("DISTINCT", 9),
                Column::num("SHARE", 7),
                Column::num("EST. KiB", 9),
                Column::text("FLAGS", 20),
                Column::text("EXAMPLE", 40),
            ],
            rows,
        },
    }
}

/// The name of a flag as the view and `stats --cardinality` write it.
pub fn flag_name(flag: LabelFlag) -> &'static str {
    match flag {
        LabelFlag::ManyValues => "many-values",
        LabelFlag::Ids => "ids",
        LabelFlag::PathsWithIds => "paths-with-ids",
        LabelFlag::Tokens => "tokens",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinality_rows_flag_the_exploding_label() {
        let mut text = String::from("# TYPE istio_requests_total counter\n");
        for i in 0..150 {
            text.push_str(&format!(
                "istio_requests_total{{response_code=\"200\",request_path=\"/api/users/{i}00\"}} 1\n"
            ));
        }
        let d = process_cardinality(&text);
        let top = &d.labels.rows[0];
        assert_eq!(top.cells[1], "request_path");
        assert_eq!(top.cells[2], "150");
        assert_eq!(top.severity, Severity::Error);
    }
}
