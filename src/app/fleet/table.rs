//! The fleet report as rows: one per rule with the sidecars it fired on, and
//! one per (rule, sidecar) for the drill-down. Both keyed by the group.

use std::collections::HashMap;

use crate::app::overview::data::{badge, headline};
use crate::app::table::{Column, Row, Table};
use crate::model::findings::fleet::{Outcome, RuleGroup, TargetReport};
use crate::model::severity::Severity;
use crate::sources::fleet::FleetReport;

/// The key of the pseudo-group of sidecars the scan could not read.
pub const UNREADABLE: &str = "unreadable";

/// A group's key: rule and name (MS2001 has one group per workload).
pub fn group_key(g: &RuleGroup) -> String {
    format!("{} {}", g.rule, g.name)
}

/// One row per rule, worst first, then the sidecars that could not be read.
pub fn groups(report: &FleetReport) -> Table {
    let mut rows: Vec<Row> = report
        .groups
        .iter()
        .map(|g| {
            Row::new(
                group_key(g),
                vec![
                    format!("{} {}", badge(g.severity), g.severity.label()),
                    g.rule.clone(),
                    g.name.clone(),
                    g.pods.len().to_string(),
                    g.pods.join(", "),
                ],
                g.severity,
            )
        })
        .collect();
    let failed: Vec<&str> = report
        .pods
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Failed { .. }))
        .map(|p| p.pod.as_str())
        .collect();
    if !failed.is_empty() {
        rows.push(Row::new(
            UNREADABLE,
            vec![
                format!("{} {}", badge(Severity::Error), Severity::Error.label()),
                "-".into(),
                "the doctor could not read these sidecars".into(),
                failed.len().to_string(),
                failed.join(", "),
            ],
            Severity::Error,
        ));
    }
    Table {
        columns: vec![
            Column::text("SEVERITY", 10),
            Column::text("RULE", 7).key().min(6),
            Column::text("FINDING", 44).key().min(16),
            Column::num("SIDECARS", 9).key(),
            Column::text("PODS", 50),
        ],
        rows,
    }
}

/// One row per (group, sidecar): that sidecar's findings of the rule (or,
/// for MS2001 and unreadable sidecars, what the group says).
pub fn pods(report: &FleetReport) -> Table {
    // One lookup per row: a rule can fire on every one of hundreds of sidecars.
    let by_pod: HashMap<&str, &TargetReport> =
        report.pods.iter().map(|p| (p.pod.as_str(), p)).collect();
    let mut rows = Vec::new();
    for g in &report.groups {
        for pod in &g.pods {
            let t = by_pod.get(pod.as_str()).copied();
            let (severity, what) = t
                .and_then(|t| of_rule(t, &g.rule))
                .unwrap_or((g.severity, g.name.clone()));
            rows.push(pod_row(group_key(g), pod, t, severity, what));
        }
    }
    for p in &report.pods {
        if let Outcome::Failed { error } = &p.outcome {
            let what = first_line(error);
            rows.push(pod_row(
                UNREADABLE.into(),
                &p.pod,
                Some(p),
                Severity::Error,
                what,
            ));
        }
    }
    Table {
        columns: vec![
            Column::text("POD", 44).key().min(16).middle(),
            Column::text("APP", 16).optional(),
            Column::text("SEVERITY", 10),
            Column::text("FINDING", 60).key().min(16),
        ],
        rows,
    }
}

fn pod_row(
    key: String,
    pod: &str,
    t: Option<&TargetReport>,
    severity: Severity,
    what: String,
) -> Row {
    Row::new(
        key,
        vec![
            pod.to_string(),
            t.map_or(String::new(), |t| t.app.clone()),
            format!("{} {}", badge(severity), severity.label()),
            what,
        ],
        severity,
    )
}

/// A sidecar's findings of one rule: the worst severity and the titles
/// (`title (+N)` when it fired more than once).
fn of_rule(t: &TargetReport, rule: &str) -> Option<(Severity, String)> {
    let Outcome::Checked { report, .. } = &t.outcome else {
        return None;
    };
    let mine: Vec<_> = report.findings.iter().filter(|f| f.rule == rule).collect();
    let first = mine.first()?;
    let worst = mine
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let mut line = first.title.clone();
    if mine.len() > 1 {
        line.push_str(&format!(" (+{})", mine.len() - 1));
    }
    Some((worst, line))
}

/// The sidecar list's FINDINGS text for a scanned sidecar: its report's
/// headline, or why it was unreadable.
pub fn worst_line(t: &TargetReport) -> Option<String> {
    match &t.outcome {
        Outcome::Failed { error } => Some(format!("✖ doctor: {}", first_line(error))),
        Outcome::Checked { report, .. } => headline(report),
    }
}

/// The first line of an error (the drawing escapes what a server sent).
fn first_line(error: &str) -> String {
    error.lines().next().unwrap_or_default().to_string()
}
