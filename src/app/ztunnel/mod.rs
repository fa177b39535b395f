//! ztunnel's own views, from its `/config_dump`: workloads, services,
//! policies, certificates and connections, with the columns, order and
//! filters of `istioctl ztunnel-config` (the same rows `meshscope zc` prints),
//! filtered as you type like every table. A ztunnel opens on these instead of
//! Envoy's views; its number keys follow them.

pub mod data;

use super::data::Data;
use super::spec::ViewSpec;
use super::state::AppState;
use super::table::Table;
use super::view::{Context, ViewKind};
use crate::sources::target::Endpoint;

const fn spec(name: &'static str, title: &'static str, table: super::spec::TableFn) -> ViewSpec {
    ViewSpec {
        needs: &[Endpoint::ConfigDump],
        table: Some(table),
        context: Context::Table,
        ..ViewSpec::named(name, title)
    }
}

/// `zc workload`.
pub const WORKLOADS: ViewSpec = spec("workloads", "Workloads", |s, t| table(s, t, 0));
/// `zc service`.
pub const SERVICES: ViewSpec = spec("services", "Services", |s, t| table(s, t, 1));
/// `zc policy`.
pub const POLICIES: ViewSpec = spec("policies", "Policies", |s, t| table(s, t, 2));
/// `zc certificate`.
pub const CERTIFICATES: ViewSpec = spec("certificates", "Certificates", |s, t| table(s, t, 3));
/// `zc connections`.
pub const CONNECTIONS: ViewSpec = spec("connections", "Connections", |s, t| table(s, t, 4));

/// The tabs of a ztunnel, in number-key order.
pub const TABS: [ViewKind; 9] = [
    ViewKind::Overview,
    ViewKind::ZWorkloads,
    ViewKind::ZServices,
    ViewKind::ZPolicies,
    ViewKind::ZCertificates,
    ViewKind::ZConnections,
    ViewKind::Cardinality,
    ViewKind::Logs,
    ViewKind::Logging,
];

/// The panes a ztunnel opens on.
pub const LAYOUT: [ViewKind; 3] = [ViewKind::ZWorkloads, ViewKind::ZConnections, ViewKind::Logs];

fn table(state: &AppState, target: Option<usize>, which: usize) -> Option<(&Table, u64)> {
    match state.data(target, Endpoint::ConfigDump)? {
        (Data::Ztunnel(z), v) => z.tables.get(which).map(|t| (t, v)),
        _ => None,
    }
}

/// Whether the target is a ztunnel (by discovery, or by the dump it answered).
pub fn is_ztunnel(state: &AppState, target: usize) -> bool {
    let by_kind = state
        .mesh
        .pods
        .get(target)
        .is_some_and(|p| p.kind == Some(crate::sources::target::TargetKind::Ztunnel));
    by_kind
        || matches!(
            state.data(Some(target), Endpoint::ConfigDump),
            Some((Data::Ztunnel(_), _))
        )
}
