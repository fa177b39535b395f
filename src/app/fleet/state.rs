//! The fleet doctor's state: the scan in flight and its progress, the last
//! report, and the two tables the list screen shows it as (findings grouped
//! by rule; the sidecars of one rule). The views over them are the list
//! screen's stack (`AppState::list`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::app::table::Table;
use crate::sources::fleet::{FleetReport, Progress};

/// A finished scan with its tables, built in the scan's task so that taking
/// it in is cheap for the UI thread.
#[derive(Debug, Clone)]
pub struct Scanned {
    /// Per sidecar its findings, and the findings grouped by rule.
    pub report: Arc<FleetReport>,
    /// One row per rule.
    pub groups: Table,
    /// One row per (rule, sidecar).
    pub pods: Table,
}

impl Scanned {
    /// The report and its tables.
    pub fn new(report: Arc<FleetReport>) -> Scanned {
        Scanned {
            groups: super::table::groups(&report),
            pods: super::table::pods(&report),
            report,
        }
    }
}

/// What the app knows of the fleet scan.
#[derive(Debug, Clone, Default)]
pub struct FleetState {
    /// Scan on its own (at start, then every `fleet_interval_s`); set by the
    /// terminal app, off in tests that drive `update` by hand.
    pub auto: bool,
    /// Id of the newest scan asked for; results of older ones are dropped.
    pub scan: u64,
    /// The scan in flight: when it started and how far it got.
    pub running: Option<(Instant, Progress)>,
    /// The newest complete report and when it finished.
    pub report: Option<(Arc<FleetReport>, Instant)>,
    /// Index of each pod (`namespace/name`) in the report.
    pub by_pod: HashMap<String, usize>,
    /// One row per rule.
    pub groups_table: Table,
    /// One row per (rule, sidecar), keyed by rule.
    pub pods_table: Table,
    /// Grows with every report, so the views re-filter.
    pub version: u64,
}
