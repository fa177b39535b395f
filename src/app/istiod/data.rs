//! istiod's `/debug/syncz` parsed in the fetch task into the proxy-status
//! table (row keys are proxy ids, `pod.namespace`, so Enter opens that sidecar).

use crate::app::table::{Column, Row, Table};
use crate::model::istiod::parse_syncz;
use crate::model::severity::Severity;

/// Builds the proxy-status table from a `/debug/syncz` body. Row keys are
/// the proxy ids (`pod.namespace`), so Enter can open that sidecar.
pub fn syncz_table(body: &str) -> Result<Table, String> {
    let rows = parse_syncz(body, "istiod").map_err(|e| e.to_string())?;
    let rows = rows
        .into_iter()
        .map(|p| {
            let sev = if p.has_problem() {
                Severity::Warn
            } else {
                Severity::Ok
            };
            Row::new(
                p.name.clone(),
                vec![
                    p.name.clone(),
                    p.cluster.clone(),
                    p.cds.to_string(),
                    p.lds.to_string(),
                    p.eds.to_string(),
                    p.rds.to_string(),
                    p.ecds.to_string(),
                    p.version.clone(),
                ],
                sev,
            )
        })
        .collect();
    Ok(Table {
        columns: vec![
            Column::text("NAME", 46),
            Column::text("CLUSTER", 12),
            Column::text("CDS", 10),
            Column::text("LDS", 10),
            Column::text("EDS", 10),
            Column::text("RDS", 10),
            Column::text("ECDS", 10),
            Column::text("VERSION", 10),
        ],
        rows,
    })
}
