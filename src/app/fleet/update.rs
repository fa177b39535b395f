//! The fleet doctor's reducer: when to scan (at start, then every
//! `fleet_interval_s`, or on `:scan`), progress, and the report becoming
//! tables. Results of a scan older than the newest asked for are dropped.

use std::time::Duration;

use super::state::Scanned;
use crate::app::action::Effect;
use crate::app::state::{AppState, ViewKind, ViewState};
use crate::model::severity::Severity;
use crate::sources::fleet::Progress;

/// Starts a scan when one is due (automatic scans only; see [`start`]).
pub fn schedule(state: &mut AppState, fx: &mut Vec<Effect>) {
    let f = &state.fleet;
    let every = state.config.fleet_interval_s;
    // `fleet_interval_s = 0`: only on demand (`F`, `:scan`).
    if !f.auto || every == 0 || f.running.is_some() || state.mesh.pods.is_empty() {
        return;
    }
    let due = match &f.report {
        None => true,
        Some((_, at)) => state.now.saturating_duration_since(*at) >= Duration::from_secs(every),
    };
    if due {
        start(state, fx);
    }
}

/// Scans every sidecar of the list now (a scan in flight is superseded).
pub fn start(state: &mut AppState, fx: &mut Vec<Effect>) {
    // Ambient workloads have no proxy of their own to ask: their ztunnel is scanned.
    let targets: Vec<_> = state
        .mesh
        .pods
        .iter()
        .filter(|p| p.admin.is_some())
        .cloned()
        .collect();
    if targets.is_empty() {
        state.say("no sidecars to scan", Severity::Warn);
        return;
    }
    let f = &mut state.fleet;
    f.scan += 1;
    let total = targets.len();
    f.running = Some((
        state.now,
        Progress {
            scanned: 0,
            total,
            last: String::new(),
        },
    ));
    fx.push(Effect::ScanFleet {
        scan: f.scan,
        targets,
        concurrency: state.config.fleet_concurrency,
    });
}

/// A sidecar of the scan is done.
pub fn progress(state: &mut AppState, scan: u64, p: Progress) {
    if scan != state.fleet.scan {
        return;
    }
    if let Some((_, old)) = &mut state.fleet.running {
        *old = p;
    }
}

/// The scan finished: its report and tables are taken in.
pub fn scanned(state: &mut AppState, scan: u64, done: Scanned) {
    let f = &mut state.fleet;
    if scan != f.scan {
        return;
    }
    let Scanned {
        report,
        groups,
        pods,
    } = done;
    f.running = None;
    f.groups_table = groups;
    f.pods_table = pods;
    f.by_pod = report
        .pods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.pod.clone(), i))
        .collect();
    f.report = Some((report, state.now));
    f.version += 1;
}

/// Shows the fleet's findings on the list screen (scanning first if never done).
pub fn show(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.selected = None;
    state.list = vec![ViewState::new(ViewKind::Findings)];
    if state.fleet.report.is_none() && state.fleet.running.is_none() {
        start(state, fx);
    }
}

/// The fleet line of the list screen's title: `doctor scanned 37/120` while
/// scanning, `doctor: 4 rules on 7/120 sidecars` after.
pub fn summary(state: &AppState) -> Option<String> {
    let f = &state.fleet;
    if let Some((_, p)) = &f.running {
        return Some(format!("doctor {p}"));
    }
    let (report, _) = f.report.as_ref()?;
    let hit = report
        .pods
        .iter()
        .filter(|p| p.worst() >= Severity::Warn)
        .count();
    let rules = report
        .groups
        .iter()
        .filter(|g| g.severity >= Severity::Warn)
        .count();
    Some(format!(
        "doctor: {rules} rule{} on {hit}/{} sidecars",
        if rules == 1 { "" } else { "s" },
        report.pods.len()
    ))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::sources::fleet::FleetReport;
    use crate::sources::target::{MeshInfo, TargetInfo};
    use crate::theme::Theme;

    fn state(interval: u64) -> AppState {
        let mesh = MeshInfo {
            istiod: None,
            pods: vec![TargetInfo {
                namespace: "default".into(),
                name: "fortio-1".into(),
                admin: Some("http://127.0.0.1:15000".into()),
                ..Default::default()
            }],
        };
        let config = Config {
            fleet_interval_s: interval,
            ..Config::default()
        };
        let mut s = AppState::new(mesh, "t", config, Theme::monochrome(), Instant::now());
        s.fleet.auto = true;
        s
    }

    fn report() -> Arc<FleetReport> {
        Arc::new(FleetReport {
            pods: vec![],
            groups: vec![],
            cancelled: false,
        })
    }

    #[test]
    fn scans_at_start_then_every_interval_and_never_with_zero() {
        let mut s = state(60);
        let mut fx = Vec::new();
        schedule(&mut s, &mut fx);
        assert!(matches!(fx.as_slice(), [Effect::ScanFleet { scan: 1, .. }]));
        schedule(&mut s, &mut fx);
        assert_eq!(fx.len(), 1, "one scan in flight");
        scanned(&mut s, 1, Scanned::new(report()));
        s.now += Duration::from_secs(59);
        schedule(&mut s, &mut fx);
        assert_eq!(fx.len(), 1, "not due yet");
        s.now += Duration::from_secs(1);
        schedule(&mut s, &mut fx);
        assert!(matches!(fx.last(), Some(Effect::ScanFleet { scan: 2, .. })));
        // An answer to scan 1 now is stale: dropped.
        let before = s.fleet.version;
        scanned(&mut s, 1, Scanned::new(report()));
        assert_eq!(s.fleet.version, before);

        let mut off = state(0);
        let mut fx = Vec::new();
        schedule(&mut off, &mut fx);
        assert!(fx.is_empty(), "0: only on demand");
        show(&mut off, &mut fx);
        assert_eq!(fx.len(), 1, "F scans when nothing was scanned");
    }
}
