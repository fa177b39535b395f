//! The Routes table, one row per route of every route configuration.

use crate::app::table::{Column, Row, Table};
use crate::model::istioctl::routes;
use crate::model::severity::Severity;

/// One row per route.
pub fn route_table(rows: &[routes::RouteConfigRow]) -> Table {
    let mut out = Vec::new();
    for rc in rows {
        for r in &rc.routes {
            let sev = if r.virtual_service == "404" {
                Severity::Warn
            } else {
                Severity::Ok
            };
            out.push(Row::new(
                rc.name.clone(),
                vec![
                    rc.name.clone(),
                    r.vhost.clone(),
                    r.domains.clone(),
                    r.matcher.clone(),
                    r.virtual_service.clone(),
                    r.clusters.join(", "),
                ],
                sev,
            ));
        }
    }
    Table {
        columns: vec![
            Column::text("NAME", 16).key().min(8),
            Column::text("VHOST NAME", 40).min(12).middle(),
            Column::text("DOMAINS", 30),
            Column::text("MATCH", 18).key().min(8),
            Column::text("VIRTUAL SERVICE", 20).optional(),
            Column::text("CLUSTERS", 40).key().min(16).middle(),
        ],
        rows: out,
    }
}
