//! The control plane in the app: the proxy-status table, rejections for the
//! sidecar list badges and the istiod view.

use super::data::Data;
use super::state::AppState;
use super::table::{Column, Row, Table};
use crate::model::istiod::{parse_syncz, rejections, IstiodReport, Rejection};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

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

/// The istiod report, when loaded.
pub fn report(state: &AppState) -> Option<&IstiodReport> {
    match state
        .slot(None, Endpoint::IstiodMetrics)
        .and_then(|s| s.data())
    {
        Some(Data::Istiod(r)) => Some(r),
        _ => None,
    }
}

/// Rejections that concern a target: istiod's rejected Gateway objects
/// concern gateway pods; xDS NACKs concern the node they name.
pub fn rejections_for(state: &AppState, target: usize) -> Vec<Rejection> {
    let Some(report) = report(state) else {
        return Vec::new();
    };
    let Some(pod) = state.mesh.pods.get(target) else {
        return Vec::new();
    };
    let is_gateway = pod.app.contains("gateway") || pod.name.contains("gateway");
    rejections(Some(report), &[])
        .into_iter()
        .filter(|r| {
            if r.kind.eq_ignore_ascii_case("gateway") {
                is_gateway
            } else {
                r.object.contains(&pod.name)
            }
        })
        .collect()
}

/// The proxy id of a target, as istiod names it.
pub fn proxy_id(state: &AppState, target: usize) -> Option<String> {
    state
        .mesh
        .pods
        .get(target)
        .map(|p| format!("{}.{}", p.name, p.namespace))
}

/// Opens the sidecar a proxy-status row names.
pub fn target_of_proxy(state: &AppState, proxy: &str) -> Option<usize> {
    state.mesh.pods.iter().position(|p| {
        proxy == format!("{}.{}", p.name, p.namespace) || proxy.starts_with(&format!("{}.", p.name))
    })
}
