//! Running the doctor (in a blocking task, never on the UI thread): the
//! evidence turned into model inputs, `model::findings::diagnose` over them,
//! and the report shaped into the Overview's findings table.

use std::borrow::Cow;

use super::state::DiagnoseInput;
use crate::app::stats::data::StatsData;
use crate::app::table::{Column, Row, Table};
use crate::model::access_log::access_entries;
use crate::model::config_dump::ConfigDump;
use crate::model::findings::{diagnose, Evidence, Report};
use crate::model::server_info::ServerInfo;
use crate::model::severity::Severity;
use crate::model::stats::{Stat, StatValue};

fn stats_of(d: &StatsData) -> Vec<Stat<'_>> {
    d.entries
        .iter()
        .filter_map(|e| {
            e.value.map(|v| Stat {
                name: Cow::Borrowed(e.name.as_str()),
                value: StatValue::Number(v),
                kind: e.kind,
            })
        })
        .collect()
}

/// The findings of one sidecar from whatever evidence there is.
pub fn run(input: &DiagnoseInput) -> Report {
    if let Some(z) = &input.ztunnel {
        let logs = access_entries(input.logs.iter().map(String::as_str));
        let xds = crate::model::ztunnel::XdsLog::from_lines(input.logs.iter().map(String::as_str));
        return crate::model::findings::diagnose_ambient(
            &crate::model::findings::AmbientEvidence {
                dump: Some(&z.dump),
                metrics: input.ztunnel_metrics.as_deref(),
                logs: (!logs.is_empty()).then_some(logs.as_slice()),
                xds_log: Some(&xds),
                now_unix: input.now_unix,
            },
        );
    }
    let dump = input
        .dump
        .as_ref()
        .and_then(|d| ConfigDump::parse(&d.text).ok());
    let stats = input.stats.as_deref().map(stats_of);
    let previous = input
        .previous_stats
        .as_ref()
        .map(|(d, secs)| (stats_of(d), *secs));
    let server_info = input
        .server_info
        .as_deref()
        .and_then(|b| ServerInfo::parse(b).ok());
    let logs = access_entries(input.logs.iter().map(String::as_str));
    let ev = Evidence {
        dump: dump.as_ref(),
        clusters: input.clusters.as_deref(),
        stats: stats.as_deref(),
        previous_stats: previous.as_ref().map(|(s, secs)| (s.as_slice(), *secs)),
        server_info: server_info.as_ref(),
        agent_ready: input.agent_ready,
        logs: (!input.logs.is_empty()).then_some(logs.as_slice()),
        now_unix: input.now_unix,
        ..Evidence::default()
    };
    diagnose(&ev)
}

/// The severity badge of a finding, as the list and the title bar write it.
pub fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✖",
        Severity::Warn => "⚠",
        Severity::Info => "·",
        Severity::Ok => "✔",
    }
}

/// A report's headline: its worst finding at warn or above, with `(+N)` for
/// the other such findings, e.g. `✖ MS1001 circuit breaker overflow on
/// outbound|8000||httpbin… (+2)`.
pub fn headline(report: &Report) -> Option<String> {
    let mut serious = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warn);
    let f = serious.next()?;
    let mut line = format!("{} {} {}", badge(f.severity), f.rule, f.title);
    let more = serious.count();
    if more > 0 {
        line.push_str(&format!(" (+{more})"));
    }
    Some(line)
}

/// One row per finding (worst first), then one per rule that lacked evidence.
/// Row keys are `RULE subject`; EVIDENCE is the first proof.
pub fn table(report: &Report) -> Table {
    let mut rows: Vec<Row> = report
        .findings
        .iter()
        .map(|f| {
            let proof = f.evidence.first().map_or(String::new(), |p| {
                let mut s = format!("{} {} = {}", p.source, p.item, p.value);
                if let Some(l) = &p.limit {
                    s.push_str(&format!(" (limit {l})"));
                }
                if let Some(r) = p.rate {
                    s.push_str(&format!(" {r:.1}/s"));
                }
                s
            });
            Row::new(
                format!("{} {}", f.rule, f.subject),
                vec![
                    format!("{} {}", badge(f.severity), f.severity.label()),
                    f.rule.to_string(),
                    f.title.clone(),
                    f.subject.clone(),
                    proof,
                ],
                f.severity,
            )
        })
        .collect();
    rows.extend(report.not_checked.iter().map(|n| {
        Row::new(
            format!("{} -", n.rule),
            vec![
                "· not checked".into(),
                n.rule.to_string(),
                n.name.to_string(),
                String::new(),
                format!("needs {}", n.needs),
            ],
            Severity::Info,
        )
    }));
    Table {
        columns: vec![
            Column::text("SEVERITY", 10).key().min(7),
            Column::text("RULE", 7).min(6),
            Column::text("FINDING", 40).key().min(16),
            Column::text("SUBJECT", 36).optional(),
            Column::text("EVIDENCE", 50),
        ],
        rows,
    }
}
