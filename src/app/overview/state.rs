//! The doctor's verdict on one sidecar: the findings report, the table the
//! Overview shows it as, and the evidence it was computed from.

use std::sync::Arc;
use std::time::Instant;

use crate::app::dump::DumpData;
use crate::app::stats::data::StatsData;
use crate::app::table::Table;
use crate::model::clusters::ClusterStatuses;
use crate::model::findings::Report;

/// Data versions a diagnosis was computed from: config dump, `/clusters`,
/// `/stats`, `/server_info`, readiness (log lines ride along, they do not
/// trigger a new diagnosis).
pub type Versions = [u64; 6];

/// What the doctor knows of one sidecar.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    /// The versions of the newest diagnosis asked for.
    pub asked: Option<Versions>,
    /// The versions the current report was computed from.
    pub computed: Option<Versions>,
    /// Findings, worst first, and the rules that lacked evidence.
    pub report: Option<Arc<Report>>,
    /// One row per finding, then per rule not checked.
    pub table: Table,
    /// Grows with every new report, so the view re-filters.
    pub version: u64,
    /// The `/stats` read before the current one, for rates now.
    pub previous_stats: Option<(Arc<StatsData>, Instant)>,
    /// The current `/stats` read and when it arrived.
    pub last_stats: Option<(Arc<StatsData>, Instant)>,
}

/// The evidence a diagnosis reads, shared with the task that computes it.
#[derive(Debug, Clone, Default)]
pub struct DiagnoseInput {
    /// The parsed config dump.
    pub dump: Option<Arc<DumpData>>,
    /// `/clusters?format=json`.
    pub clusters: Option<Arc<ClusterStatuses>>,
    /// `/stats`.
    pub stats: Option<Arc<StatsData>>,
    /// An earlier `/stats` and the seconds since it.
    pub previous_stats: Option<(Arc<StatsData>, f64)>,
    /// `/server_info` body.
    pub server_info: Option<Arc<String>>,
    /// pilot-agent readiness status.
    pub agent_ready: Option<u16>,
    /// Recent log lines of the sidecar.
    pub logs: Vec<String>,
    /// Unix seconds now.
    pub now_unix: i64,
    /// A ztunnel's dump: the ambient rules judge it instead.
    pub ztunnel: Option<Arc<crate::app::ztunnel::data::ZtunnelData>>,
    /// A ztunnel's 15020 metrics.
    pub ztunnel_metrics: Option<Arc<str>>,
}
