//! The text table of a cardinality report, for `stats --cardinality`.

use super::{CardinalityReport, LabelFlag};
use crate::model::text_table::push_table;

/// Rows of the text table before it is cut short.
const TABLE_ROWS: usize = 40;

/// Renders the report as a text table for `stats --cardinality`: a summary
/// line, the worst labels, then the largest families.
pub fn cardinality_table(report: &CardinalityReport) -> String {
    let mut out = format!(
        "{} series, ~{} estimated in Envoy, {} flagged labels (threshold {} values)\n\n",
        report.total_series,
        human_bytes(report.estimated_bytes),
        report.offenders().count(),
        report.threshold
    );
    let rows: Vec<[String; 7]> = report
        .labels
        .iter()
        .take(TABLE_ROWS)
        .map(|l| {
            let flags: Vec<&str> = l.flags.iter().map(|f| flag_name(*f)).collect();
            [
                l.family.clone(),
                l.label.clone(),
                l.distinct_values.to_string(),
                format!("{:.1}%", l.share * 100.0),
                human_bytes(l.estimated_bytes),
                flags.join(","),
                l.examples.first().map(|e| clip(e, 48)).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "FAMILY",
        "LABEL",
        "DISTINCT",
        "SHARE",
        "EST. BYTES",
        "FLAGS",
        "EXAMPLE",
    ];
    push_table(&mut out, &header, &rows);
    if report.labels.len() > TABLE_ROWS {
        out.push_str(&format!(
            "... {} more labels (-o json for all)\n",
            report.labels.len() - TABLE_ROWS
        ));
    }
    out.push('\n');
    let rows: Vec<[String; 4]> = report
        .families
        .iter()
        .take(10)
        .map(|f| {
            [
                f.family.clone(),
                f.series.to_string(),
                format!("{:.1}%", f.share * 100.0),
                human_bytes(f.estimated_bytes),
            ]
        })
        .collect();
    push_table(
        &mut out,
        &["FAMILY", "SERIES", "SHARE", "EST. BYTES"],
        &rows,
    );
    out
}

fn flag_name(flag: LabelFlag) -> &'static str {
    match flag {
        LabelFlag::ManyValues => "many-values",
        LabelFlag::Ids => "ids",
        LabelFlag::PathsWithIds => "paths-with-ids",
        LabelFlag::Tokens => "tokens",
    }
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
