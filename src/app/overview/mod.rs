//! The Overview, the doctor's view of a sidecar: is it alive and ready, what
//! it runs and holds, then its findings from evidence, worst first. Enter on
//! a finding opens its evidence: the stat (with its rate and sparkline), the
//! cluster (with its limits), the log lines with that response flag.

pub mod data;
pub mod state;
pub mod update;

use super::action::Drill;
use super::spec::ViewSpec;
use super::state::{AppState, ViewState};
use super::table::{Filter, Row, Table};
use super::view::{Context, ViewKind};
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec {
    needs: &[
        Endpoint::ServerInfo,
        Endpoint::AgentReady,
        Endpoint::ConfigDump,
    ],
    // More evidence for the doctor, read when it comes.
    quiet: &[Endpoint::Stats, Endpoint::ClustersJson],
    table: Some(findings_table),
    enter: Some(enter),
    context: Context::Table,
    ..ViewSpec::named("overview", "Overview")
};

/// The findings of a target, with their version.
pub fn findings_table(state: &AppState, target: Option<usize>) -> Option<(&Table, u64)> {
    let d = state.doctor.get(&target?)?;
    d.report.as_ref().map(|_| (&d.table, d.version))
}

fn filtered(kind: ViewKind, filter: &str) -> Drill {
    let mut v = ViewState::new(kind);
    v.filter = filter.to_string();
    v.parsed = Filter::parse(filter);
    Drill::Push(Box::new(v))
}

/// Enter on a finding: the view that holds its first piece of evidence.
fn enter(state: &mut AppState, row: &Row) -> Drill {
    let Some((rule, subject)) = row.key.split_once(' ') else {
        return Drill::Done;
    };
    let report = state
        .selected
        .and_then(|t| state.doctor.get(&t))
        .and_then(|d| d.report.clone());
    let Some(finding) = report.as_ref().and_then(|r| {
        r.findings
            .iter()
            .find(|f| f.rule == rule && f.subject == subject)
    }) else {
        return Drill::Done;
    };
    let Some(proof) = finding.evidence.first() else {
        return Drill::Done;
    };
    match proof.source {
        // The Stats view shows scope and stat in two cells: one word for each.
        "/stats" => match proof.item.rsplit_once('.') {
            Some((scope, stat)) => filtered(ViewKind::Stats, &format!("{scope} {stat}")),
            None => filtered(ViewKind::Stats, &proof.item),
        },
        "access log" => {
            // `response flag UO to outbound|…`
            let flag = proof.item.split_whitespace().nth(2).unwrap_or_default();
            filtered(ViewKind::Logs, &format!("flag:{flag}"))
        }
        "/clusters" => Drill::Push(Box::new(ViewState::only(
            ViewKind::Endpoints,
            vec![finding.subject.clone()],
        ))),
        "/stats/prometheus" => Drill::Push(Box::new(ViewState::new(ViewKind::Cardinality))),
        _ if !finding.subject.is_empty() => Drill::Push(Box::new(ViewState::only(
            ViewKind::Clusters,
            vec![finding.subject.clone()],
        ))),
        _ => Drill::Done,
    }
}
