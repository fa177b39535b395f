//! The Clusters table, built once from a parsed dump: istioctl's columns
//! plus lifecycle state and circuit-breaker limits.

use crate::app::table::{Column, Row, Table};
use crate::model::config_dump::{ClusterInfo, ConfigDump, Kind, State, SubsetKey};
use crate::model::istioctl::describe_management;
use crate::model::severity::Severity;

/// One row per cluster (active, warming or rejected) of a dump.
pub fn cluster_table(dump: &ConfigDump<'_>) -> Table {
    let mut rows = Vec::new();
    for r in dump.of(Kind::Cluster) {
        let Some(info) = r.raw.and_then(|raw| ClusterInfo::parse(raw.get()).ok()) else {
            rows.push(Row::new(
                r.name.to_string(),
                vec![
                    r.name.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    r.state.label().into(),
                ],
                Severity::Warn,
            ));
            continue;
        };
        let key = SubsetKey::parse(&info.name);
        let (fqdn, port, subset, dir) = match &key {
            Some(k) => (
                k.fqdn.to_string(),
                k.port.to_string(),
                if k.subset.is_empty() {
                    "-".into()
                } else {
                    k.subset.to_string()
                },
                k.direction.to_string(),
            ),
            None => (info.name.to_string(), "-".into(), "-".into(), "-".into()),
        };
        let limits = info
            .circuit_breakers
            .as_ref()
            .and_then(|cb| cb.thresholds.first())
            .map(|t| {
                let f = |v: Option<u64>| {
                    v.filter(|n| *n < 4_294_967_295)
                        .map_or("-".to_string(), |n| n.to_string())
                };
                format!(
                    "{}/{}/{}",
                    f(t.max_connections),
                    f(t.max_pending_requests),
                    f(t.max_requests)
                )
            })
            .unwrap_or_else(|| "-".into());
        let severity = match r.state {
            State::Warming | State::Draining => Severity::Warn,
            State::Error => Severity::Error,
            _ => Severity::Ok,
        };
        rows.push(Row::new(
            info.name.to_string(),
            vec![
                info.name.to_string(),
                fqdn,
                port,
                subset,
                dir,
                info.type_label().to_string(),
                describe_management(info.istio_config()),
                r.state.label().into(),
                limits,
            ],
            severity,
        ));
    }
    Table {
        columns: cluster_columns(),
        rows,
    }
}

/// The columns of the Clusters view: istioctl's, plus state and breaker limits.
/// FQDN, subset and direction are parts of the name, so they give way first
/// when the pane is too narrow for state and limits.
pub fn cluster_columns() -> Vec<Column> {
    vec![
        Column::text("NAME", 56).key().min(20).middle(),
        Column::text("SERVICE FQDN", 36).optional(),
        Column::num("PORT", 6).optional(),
        Column::text("SUBSET", 8).optional(),
        Column::text("DIRECTION", 10).optional(),
        Column::text("TYPE", 12).optional(),
        Column::text("DESTINATION RULE", 18).middle(),
        Column::text("STATE", 8).key().min(7),
        Column::text("CX/PEND/RQ", 12).key(),
    ]
}
