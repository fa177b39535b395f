//! What the control plane says about the sidecars: istiod's report, the
//! rejections that concern a target, and the target a proxy id names.

use crate::app::data::Data;
use crate::app::state::AppState;
use crate::model::istiod::{rejections, IstiodReport, Rejection};
use crate::sources::target::Endpoint;

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
