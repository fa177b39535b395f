//! `meshscope snapshot`: capture every read-only endpoint into a bundle.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::source::{cli_client_options, single_mesh_named};
use super::CommandError;
use crate::cli::SourceArgs;
use crate::model::x509::rfc3339;
use crate::sources::bundle::capture;
use crate::sources::target::{AdminFetcher, MeshInfo};

/// Captures the sidecar behind the URLs and writes the bundle; returns a summary line.
pub async fn run(source: &SourceArgs, pod: &str, output: &Path) -> Result<String, CommandError> {
    if source.admin.is_none() && source.agent.is_none() && source.istiod.is_none() {
        return Err(CommandError::usage(
            "snapshot needs --admin URL (and optionally --agent URL, --istiod URL)",
        ));
    }
    let mesh = single_mesh_named(source, pod);
    capture_to(&mesh, output).await
}

/// Captures a whole mesh into a bundle file.
pub async fn capture_to(mesh: &MeshInfo, output: &Path) -> Result<String, CommandError> {
    let fetcher =
        AdminFetcher::new(mesh, &cli_client_options()).map_err(|e| CommandError::usage(e.0))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let bundle = capture(&fetcher, mesh, rfc3339(i64::try_from(now).unwrap_or(0))).await;
    let captured: usize = bundle
        .pods
        .iter()
        .map(|p| p.endpoints.values().filter(|c| c.error.is_none()).count())
        .sum::<usize>()
        + bundle.istiod.values().filter(|c| c.error.is_none()).count();
    let failed: Vec<String> = bundle
        .pods
        .iter()
        .flat_map(|p| {
            p.endpoints
                .iter()
                .filter(|(_, c)| c.error.is_some())
                .map(move |(n, _)| format!("{}:{n}", p.target.key()))
        })
        .chain(
            bundle
                .istiod
                .iter()
                .filter(|(_, c)| c.error.is_some())
                .map(|(n, _)| format!("istiod:{n}")),
        )
        .collect();
    if captured == 0 {
        return Err(CommandError::usage(format!(
            "nothing could be captured ({} failed); no bundle written",
            failed.len()
        )));
    }
    bundle
        .write(output)
        .map_err(|e| CommandError::usage(format!("{}: {e}", output.display())))?;
    let mut msg = format!("wrote {} ({captured} endpoints", output.display());
    if !failed.is_empty() {
        msg.push_str(&format!("; not captured: {}", failed.join(", ")));
    }
    msg.push_str(")\n");
    Ok(msg)
}
