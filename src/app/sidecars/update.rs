//! The sidecar list's reducer: the table rebuilt from the mesh and whatever
//! health data arrived (readiness, Envoy state, version, worst finding).

use crate::app::data::Data;
use crate::app::fleet::table::worst_line;
use crate::app::istiod::query::rejections_for;
use crate::app::overview::data::headline;
use crate::app::state::{AppState, Loadable};
use crate::app::stats::table::rate_cell;
use crate::app::table::{Column, Row, Table};
use crate::model::findings::fleet::TargetReport;
use crate::model::severity::Severity;
use crate::sources::target::{Endpoint, TargetKind};

/// The index of the FINDINGS column in the list's rows.
pub const FINDINGS_COLUMN: usize = 8;

/// Rebuilds the sidecar table from the mesh and the health data fetched so far.
pub fn rebuild(state: &mut AppState) {
    let rows = (0..state.mesh.pods.len()).map(|i| row(state, i)).collect();
    state.targets_table = Table {
        columns: vec![
            Column::text("NAMESPACE", 14),
            Column::text("POD", 38).key().min(16),
            Column::text("APP", 20).min(6),
            Column::text("KIND", 8).min(7).uniform_hides(),
            Column::text("READY", 10).key().min(5),
            Column::text("ENVOY", 12),
            Column::text("VERSION", 24).optional(),
            Column::text("AMBIENT", 28).min(12).uniform_hides(),
            Column::text("FINDINGS", 40).key().min(16),
        ],
        rows,
    };
    state.targets_version += 1;
}

/// Rebuilds the row of one sidecar (its health, stats or diagnosis
/// changed); the whole table when the list and the table disagree. A list of
/// 500 sidecars polls 1,000 endpoints: each answer redoes one row, not 500.
pub fn rebuild_row(state: &mut AppState, i: usize) {
    if state.targets_table.rows.len() != state.mesh.pods.len() {
        rebuild(state);
        return;
    }
    let r = row(state, i);
    if let Some(slot) = state.targets_table.rows.get_mut(i) {
        if *slot != r {
            *slot = r;
            state.targets_version += 1;
        }
    }
}

/// One sidecar's row.
fn row(state: &AppState, i: usize) -> Row {
    let Some(pod) = state.mesh.pods.get(i) else {
        return Row::new("", vec![String::new(); FINDINGS_COLUMN + 1], Severity::Ok);
    };
    let info = state.slot(Some(i), Endpoint::ServerInfo);
    let ready = state.slot(Some(i), Endpoint::AgentReady);
    let (envoy_state, version) = match info.and_then(|s| s.data()) {
        Some(Data::Text { body, .. }) => server_info_summary(body),
        _ => match info.map(|s| &s.state) {
            Some(Loadable::Failed { error, .. }) => ("UNREACHABLE".to_string(), short(error)),
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
        _ if ready.is_some_and(|s| matches!(s.state, Loadable::Failed { .. })) => "unknown",
        _ => "…",
    };
    let rejected = rejections_for(state, i);
    let severity =
        if envoy_state == "UNREACHABLE" || readiness == "NOT READY" || !rejected.is_empty() {
            Severity::Error
        } else if envoy_state != "LIVE" && envoy_state != "…" {
            Severity::Warn
        } else {
            Severity::Ok
        };
    let severity = severity.max(match doctor_severity(state, i) {
        Severity::Error => Severity::Error,
        Severity::Warn => Severity::Warn,
        _ => Severity::Ok,
    });
    let badge = findings(state, i, &rejected, readiness, &envoy_state);
    Row::new(
        pod.key(),
        vec![
            pod.namespace.clone(),
            pod.name.clone(),
            pod.app.clone(),
            pod.kind.unwrap_or(TargetKind::Sidecar).label().to_string(),
            readiness.to_string(),
            envoy_state,
            version,
            ambient_cell(state, pod),
            badge,
        ],
        severity,
    )
}

/// Where an ambient pod sits: a workload's ztunnel and waypoint
/// (`ztunnel-q9m4t → waypoint`), a ztunnel's or waypoint's node; `-` for
/// sidecars and gateways.
fn ambient_cell(state: &AppState, pod: &crate::sources::target::TargetInfo) -> String {
    let short = |k: &str| k.rsplit('/').next().unwrap_or(k).to_string();
    match pod.kind {
        Some(TargetKind::AmbientWorkload) => {
            let z = pod.ztunnel.as_deref().map_or("no ztunnel".into(), short);
            match &pod.waypoint {
                Some(w) => format!("{z} → {}", short(w)),
                None => format!("{z} (no waypoint)"),
            }
        }
        Some(TargetKind::Waypoint) => {
            let on = format!("on {}", pod.node.as_deref().unwrap_or("?"));
            let served = waypoint_serves(state, pod);
            if served.is_empty() {
                on
            } else {
                format!("{on} · serves {}", served.join(", "))
            }
        }
        Some(TargetKind::Ztunnel) => format!("on {}", pod.node.as_deref().unwrap_or("?")),
        _ => "-".into(),
    }
}

/// What a waypoint serves: the ambient workloads of the list that use it
/// (their `istio.io/use-waypoint`), and the workloads and services whose
/// `waypoint` field names it in any ztunnel dump read so far (`svc NAME`).
fn waypoint_serves(state: &AppState, w: &crate::sources::target::TargetInfo) -> Vec<String> {
    let gateway = format!("{}/{}", w.namespace, w.app);
    let mut out: Vec<String> = state
        .mesh
        .pods
        .iter()
        .filter(|p| p.kind == Some(TargetKind::AmbientWorkload))
        .filter(|p| p.waypoint.as_deref() == Some(gateway.as_str()))
        .map(|p| p.name.clone())
        .collect();
    for ((_, ep), slot) in &state.slots {
        let (Endpoint::ConfigDump, Some(Data::Ztunnel(z))) = (ep, slot.data()) else {
            continue;
        };
        let [workloads, services, ..] = &z.tables;
        for r in &workloads.rows {
            if r.cells[0] == w.namespace && r.cells[4] == w.app && !out.contains(&r.cells[1]) {
                out.push(r.cells[1].clone());
            }
        }
        for r in &services.rows {
            let svc = format!("svc {}", r.cells[1]);
            if r.cells[0] == w.namespace && r.cells[3] == w.app && !out.contains(&svc) {
                out.push(svc);
            }
        }
    }
    out
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
    if let Some(worst) = worst_finding(state, i) {
        out.push(worst);
    }
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
    // The counters' headline until the doctor has spoken.
    let spoken = own_report(state, i).is_some() || fleet_report(state, i).is_some();
    if out.is_empty() || !spoken {
        if let Some(headline) = highlight_headline(state, i) {
            out.push(headline);
        }
    }
    out.join(" · ")
}

/// The doctor's worst finding of a sidecar, e.g. `✖ MS1001 circuit breaker
/// overflow on outbound|8000||httpbin… (+2)`: from its own diagnosis once
/// that read its config dump, else from the fleet scan, else from whatever
/// its own diagnosis read (health only, on the list).
pub fn worst_finding(state: &AppState, i: usize) -> Option<String> {
    match own_report(state, i) {
        Some(report) => headline(report),
        None => fleet_report(state, i).and_then(worst_line),
    }
}

/// The doctor's worst severity for a sidecar (its own diagnosis, else the
/// fleet scan's; `Ok` before either).
fn doctor_severity(state: &AppState, i: usize) -> Severity {
    match own_report(state, i) {
        Some(r) => r.worst(),
        None => fleet_report(state, i).map_or(Severity::Ok, |t| t.worst()),
    }
}

/// The sidecar's own diagnosis; one made without its config dump gives way
/// to the fleet scan's, which read it.
fn own_report(state: &AppState, i: usize) -> Option<&crate::model::findings::Report> {
    let d = state.doctor.get(&i)?;
    let with_dump = d.computed.is_some_and(|v| v[0] > 0);
    if !with_dump && fleet_report(state, i).is_some() {
        return None;
    }
    d.report.as_deref()
}

/// What the last fleet scan found on a sidecar.
fn fleet_report(state: &AppState, i: usize) -> Option<&TargetReport> {
    let pod = state.mesh.pods.get(i)?;
    let (report, _) = state.fleet.report.as_ref()?;
    let &at = state.fleet.by_pod.get(&pod.key())?;
    report.pods.get(at)
}

/// The worst highlighted signal of a sidecar, e.g.
/// `✖ upstream_rq_pending_overflow 70/s (+3)`: from the stats series (worst
/// first by severity, then rate, then value) once two polls gave rates, else
/// from the snapshot's own worst-first order.
fn highlight_headline(state: &AppState, i: usize) -> Option<String> {
    use crate::model::stats::Severity as Hl;
    let series = state.series.get(&i).filter(|s| !s.highlights.is_empty());
    let (stat, severity, rate, count) = match series {
        Some(s) => {
            let h = s.highlights.first()?;
            (h.stat.clone(), h.severity, h.rate, s.highlights.len())
        }
        None => {
            let Some(Data::Stats(stats)) =
                state.slot(Some(i), Endpoint::Stats).and_then(|s| s.data())
            else {
                return None;
            };
            let worst = stats.highlighted_stats().into_iter().next()?;
            let h = crate::model::stats::highlights(&[worst], &Default::default())
                .into_iter()
                .next()?;
            (h.stat, h.severity, None, stats.highlighted.len())
        }
    };
    let icon = match severity {
        Hl::Error => "✖",
        Hl::Warn => "⚠",
        Hl::Ok | Hl::Info => "·",
    };
    let mut line = format!("{icon} {}", short(&stat));
    if let Some(r) = rate.filter(|r| *r > 0.0) {
        line.push_str(&format!(" {}/s", rate_cell(r)));
    }
    if count > 1 {
        line.push_str(&format!(" (+{})", count - 1));
    }
    Some(line)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::app::state::{Loadable, Slot};
    use crate::app::stats::data::process_stats;
    use crate::config::Config;
    use crate::sources::target::{MeshInfo, TargetInfo};
    use crate::theme::Theme;

    fn put_stats(s: &mut AppState, text: &str, version: u64) {
        let data = Data::Stats(Arc::new(process_stats(text).unwrap()));
        s.slots.insert(
            (Some(0), Endpoint::Stats),
            Slot {
                state: Loadable::Ready { data, at: s.now },
                request: version,
                in_flight: false,
                version,
                oversize: 0,
            },
        );
    }

    fn body(overflow: u64) -> String {
        format!(
            "cluster.BlackHoleCluster.upstream_cx_none_healthy: 500\n\
             cluster.outbound|8000||details.default.svc.cluster.local.upstream_cx_connect_fail: 900\n\
             cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: {overflow}\n"
        )
    }

    /// Issue 10: while a breaker overflowed at ~70/s the headline showed
    /// BlackHoleCluster's `upstream_cx_none_healthy` (first alphabetically).
    #[test]
    fn the_headline_is_the_worst_signal_with_its_rate() {
        let now = Instant::now();
        let mesh = MeshInfo {
            istiod: None,
            pods: vec![TargetInfo {
                namespace: "default".into(),
                name: "productpage".into(),
                ..Default::default()
            }],
        };
        let mut s = AppState::new(mesh, "t", Config::default(), Theme::monochrome(), now);
        put_stats(&mut s, &body(100), 1);
        // One snapshot: errors before warnings, then the larger value.
        assert_eq!(
            findings(&s, 0, &[], "", "LIVE"),
            "✖ upstream_cx_none_healthy (+2)"
        );
        crate::app::stats::update::sync(&mut s);
        s.now = now + Duration::from_secs(2);
        put_stats(&mut s, &body(240), 2);
        crate::app::stats::update::sync(&mut s);
        // Two polls: the growing overflow (70/s) beats the stalled black hole.
        assert_eq!(
            findings(&s, 0, &[], "", "LIVE"),
            "✖ upstream_rq_pending_overflow 70/s (+2)"
        );
    }
}
