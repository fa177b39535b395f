//! The Endpoints tables: from `/clusters?format=json` (runtime health flags
//! and counters) or, without it, from the dump's EDS section.

use serde_json::Value;

use crate::app::table::{Column, Row, Table};
use crate::model::clusters::ClusterStatuses;
use crate::model::istioctl::endpoints;
use crate::model::severity::Severity;

/// One row per EDS endpoint of the dump.
pub fn eds_table(eds: &[endpoints::EdsEndpoint]) -> Table {
    let rows = eds
        .iter()
        .map(|e| {
            let sev = if e.status == "HEALTHY" {
                Severity::Ok
            } else {
                Severity::Warn
            };
            Row::new(
                e.cluster.clone(),
                vec![
                    e.address.clone(),
                    e.status.clone(),
                    String::new(),
                    e.status.clone(),
                    e.locality.clone(),
                    e.cluster.clone(),
                    String::new(),
                    String::new(),
                ],
                sev,
            )
        })
        .collect();
    Table {
        columns: endpoint_columns(),
        rows,
    }
}

fn endpoint_columns() -> Vec<Column> {
    vec![
        Column::text("ENDPOINT", 22).key().min(12),
        Column::text("STATUS", 10).key(),
        Column::text("HEALTH FLAGS", 18),
        Column::text("EDS", 9).optional(),
        Column::text("LOCALITY", 14).optional(),
        Column::text("CLUSTER", 56).min(16).middle(),
        Column::num("RQ TOTAL", 9),
        Column::num("RQ ERROR", 9),
    ]
}

/// One row per host of `/clusters?format=json`: STATUS is what load
/// balancing makes of the host from every health flag, HEALTH FLAGS names
/// each flag set, EDS is the control plane's status alone.
pub fn runtime_table(cs: &ClusterStatuses) -> Table {
    let mut rows = Vec::new();
    for c in &cs.cluster_statuses {
        for h in &c.host_statuses {
            let hs = &h.health_status;
            let effective = hs.effective();
            let sev = match effective {
                "HEALTHY" => Severity::Ok,
                "UNHEALTHY" => Severity::Error,
                _ => Severity::Warn,
            };
            let flags = hs
                .flags()
                .iter()
                .map(|f| f.short())
                .collect::<Vec<_>>()
                .join(",");
            let locality = h
                .locality
                .as_ref()
                .map(|l| {
                    ["region", "zone", "sub_zone"]
                        .iter()
                        .filter_map(|k| l.get(*k).and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            rows.push(Row::new(
                c.name.clone(),
                vec![
                    h.endpoint(),
                    effective.to_string(),
                    flags,
                    h.health().to_string(),
                    locality,
                    c.name.clone(),
                    h.stat("rq_total").to_string(),
                    h.stat("rq_error").to_string(),
                ],
                sev,
            ));
        }
    }
    Table {
        columns: endpoint_columns(),
        rows,
    }
}
