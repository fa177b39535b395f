//! The sidecar list, and drilling down from one resource to what it points to.

use super::data::Data;
use super::state::{AppState, ViewKind, ViewState};
use super::table::{Column, Row, Table};
use super::update::{focused_view, table_of};
use crate::sources::target::Endpoint;
use crate::ui::theme::Severity;

/// Rebuilds the sidecar table from the mesh and the health data fetched so far.
pub fn rebuild(state: &mut AppState) {
    let mut rows = Vec::new();
    for (i, pod) in state.mesh.pods.iter().enumerate() {
        let info = state.slot(Some(i), Endpoint::ServerInfo);
        let ready = state.slot(Some(i), Endpoint::AgentReady);
        let (envoy_state, version) = match info.and_then(|s| s.data()) {
            Some(Data::Text { body, .. }) => server_info_summary(body),
            _ => match info.map(|s| &s.state) {
                Some(super::state::Loadable::Failed { error, .. }) => {
                    ("UNREACHABLE".to_string(), short(error))
                }
                // Cluster pods are not probed from the list (no port-forward per pod).
                None if pod.ready.is_some() => {
                    ("-".to_string(), pod.version.clone().unwrap_or_default())
                }
                _ => ("…".to_string(), String::new()),
            },
        };
        let readiness = match (ready.and_then(|s| s.data()), pod.ready) {
            (None, None) if pod.agent.is_none() => "no agent",
            (Some(Data::Text { status: 200, .. }), _) | (None, Some(true)) => "ready",
            (Some(Data::Text { .. }), _) | (None, Some(false)) => "NOT READY",
            _ if ready
                .is_some_and(|s| matches!(s.state, super::state::Loadable::Failed { .. })) =>
            {
                "unknown"
            }
            _ => "…",
        };
        let rejected = super::istiod::rejections_for(state, i);
        let severity =
            if envoy_state == "UNREACHABLE" || readiness == "NOT READY" || !rejected.is_empty() {
                Severity::Error
            } else if envoy_state != "LIVE" && envoy_state != "…" {
                Severity::Warn
            } else {
                Severity::Ok
            };
        let badge = findings(state, i, &rejected, readiness, &envoy_state);
        rows.push(Row::new(
            pod.key(),
            vec![
                pod.namespace.clone(),
                pod.name.clone(),
                pod.app.clone(),
                readiness.to_string(),
                envoy_state,
                version,
                badge,
            ],
            severity,
        ));
    }
    state.targets_table = Table {
        columns: vec![
            Column::text("NAMESPACE", 14),
            Column::text("POD", 38),
            Column::text("APP", 20),
            Column::text("READY", 10),
            Column::text("ENVOY", 12),
            Column::text("VERSION", 24),
            Column::text("FINDINGS", 40),
        ],
        rows,
    };
    state.targets_version += 1;
}

/// The findings column: evidence first (istiod rejections, readiness, Envoy
/// state, restarts, highlighted counters once the sidecar's stats were read),
/// then, on the demo mesh, the scenarios pinned to the pod.
fn findings(
    state: &AppState,
    i: usize,
    rejected: &[crate::model::istiod::Rejection],
    readiness: &str,
    envoy_state: &str,
) -> String {
    let Some(pod) = state.mesh.pods.get(i) else {
        return String::new();
    };
    let mut out: Vec<String> = Vec::new();
    if let Some(r) = rejected.first() {
        out.push(format!("✖ istiod rejected {} {}", r.kind, r.object));
    }
    if readiness == "NOT READY" {
        out.push("✖ not ready".into());
    }
    if !matches!(envoy_state, "LIVE" | "…" | "-" | "UNREACHABLE") {
        out.push(format!("⚠ Envoy {envoy_state}"));
    }
    if let Some(n) = pod.restarts.filter(|n| *n > 0) {
        out.push(format!("⚠ restarted {n}×"));
    }
    if let Some(Data::Stats(stats)) = state.slot(Some(i), Endpoint::Stats).and_then(|s| s.data()) {
        if let Some(e) = stats
            .highlighted
            .first()
            .and_then(|&h| stats.entries.get(h))
        {
            let more = stats.highlighted.len().saturating_sub(1);
            let stat = e.name.rsplit('.').next().unwrap_or(&e.name);
            out.push(if more > 0 {
                format!("✖ {stat} (+{more})")
            } else {
                format!("✖ {stat}")
            });
        }
    }
    if !pod.scenarios.is_empty() {
        out.push(format!("demo: {}", pod.scenarios.join(", ")));
    }
    out.join(" · ")
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

/// (state, version) from a `/server_info` body.
fn server_info_summary(body: &str) -> (String, String) {
    match crate::model::server_info::ServerInfo::parse(body) {
        Ok(info) => (info.state, info.version.number),
        Err(_) => ("BAD BODY".to_string(), String::new()),
    }
}

/// Enter on a resource row: push the view of what it points to (or, on a
/// proxy-status row, open that sidecar). Returns effects to run.
pub fn drill(state: &mut AppState) -> Vec<super::action::Effect> {
    let target = state.selected;
    let Some(view) = focused_view(state) else {
        return Vec::new();
    };
    let kind = view.kind;
    let Some(&row_idx) = view.visible.get(view.cursor) else {
        return Vec::new();
    };
    let Some((table, _)) = table_of(state, kind, target) else {
        return Vec::new();
    };
    let Some(row) = table.rows.get(row_idx) else {
        return Vec::new();
    };
    let next = match kind {
        ViewKind::Listeners => {
            let dest = row.cells.get(3).cloned().unwrap_or_default();
            if let Some(route) = dest.strip_prefix("Route: ") {
                Some(ViewState::only(ViewKind::Routes, vec![route.to_string()]))
            } else if let Some(cluster) = dest.strip_prefix("Cluster: ") {
                Some(ViewState::only(
                    ViewKind::Clusters,
                    vec![cluster.to_string()],
                ))
            } else if dest.contains("Cluster") && !dest.contains(' ') {
                Some(ViewState::only(ViewKind::Clusters, vec![dest]))
            } else {
                None
            }
        }
        ViewKind::Routes => {
            let clusters: Vec<String> = row
                .cells
                .get(5)
                .map(|c| {
                    c.split(", ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            (!clusters.is_empty()).then(|| ViewState::only(ViewKind::Clusters, clusters))
        }
        ViewKind::Clusters => Some(ViewState::only(ViewKind::Endpoints, vec![row.key.clone()])),
        ViewKind::Logging => {
            let (logger, level) = (
                row.key.clone(),
                row.cells.get(1).cloned().unwrap_or_default(),
            );
            super::loglevels::propose(state, &logger, &level);
            return Vec::new();
        }
        ViewKind::Logs if !row.key.is_empty() => {
            let request_id = row.key.clone();
            state.say(
                format!("following request {request_id} across sidecars …"),
                Severity::Ok,
            );
            return vec![super::action::Effect::TraceRequest { request_id }];
        }
        ViewKind::Istiod => {
            if let Some(t) = super::istiod::target_of_proxy(state, &row.key) {
                super::update::open_target(state, t);
                return Vec::new();
            }
            None
        }
        ViewKind::Endpoints => Some(ViewState::only(ViewKind::Clusters, vec![row.key.clone()])),
        _ => None,
    };
    match next {
        Some(v) => {
            let focus = state.focus;
            if let Some(p) = state.panes.get_mut(focus) {
                p.stack.push(v);
            }
        }
        None => super::json::open_raw(state),
    }
    Vec::new()
}
