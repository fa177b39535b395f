//! `meshscope snapshot`: capture every read-only endpoint into a bundle, all
//! at once under one deadline, with a progress line per endpoint on stderr.

use std::path::Path;
use std::time::Duration;

use super::source::{cli_client_options, single_mesh_named};
use super::CommandError;
use crate::cli::SourceArgs;
use crate::model::cardinality::human_bytes;
use crate::model::x509::rfc3339;
use crate::sources::bundle::{capture, Bundle, Progress};
use crate::sources::target::{AdminFetcher, Endpoint, MeshInfo};

/// Endpoints without which a pod's capture is not worth calling a snapshot.
const ESSENTIAL: &[Endpoint] = &[Endpoint::ConfigDump, Endpoint::Stats];

/// Captures the sidecar behind the URLs and writes the bundle; returns a summary line.
pub async fn run(
    source: &SourceArgs,
    pod: &str,
    output: &Path,
    timeout: Duration,
) -> Result<String, CommandError> {
    if source.admin.is_none() && source.agent.is_none() && source.istiod.is_none() {
        return Err(CommandError::usage(
            "snapshot needs --admin URL (and optionally --agent URL, --istiod URL)",
        ));
    }
    let mesh = single_mesh_named(source, pod);
    capture_to(&mesh, output, timeout).await
}

/// Captures a whole mesh into a bundle file. Every failed endpoint is named
/// with its reason; the exit is non-zero (2) when nothing was captured or an
/// essential endpoint (config_dump, stats) of a pod with an admin URL is
/// missing, and the bundle is still written when anything was captured.
pub async fn capture_to(
    mesh: &MeshInfo,
    output: &Path,
    timeout: Duration,
) -> Result<String, CommandError> {
    let opts = crate::sources::admin::ClientOptions {
        request_timeout: timeout,
        ..cli_client_options()
    };
    let fetcher = AdminFetcher::new(mesh, &opts).map_err(|e| CommandError::usage(e.0))?;
    let captured_at = rfc3339(crate::sources::clock::unix_now().max(0));
    let bundle = capture(&fetcher, mesh, captured_at, timeout, &mut |p| {
        eprintln!("{}", progress_line(&p));
    })
    .await;
    let failed = failures(&bundle);
    let captured = bundle
        .pods
        .iter()
        .flat_map(|p| p.endpoints.values())
        .chain(bundle.istiod.values())
        .filter(|c| c.error.is_none())
        .count();
    let missing: Vec<String> = bundle
        .pods
        .iter()
        .filter(|p| p.target.admin.is_some())
        .flat_map(|p| {
            ESSENTIAL
                .iter()
                .filter(|ep| p.endpoints.get(ep.name()).is_none_or(|c| c.error.is_some()))
                .map(move |ep| format!("{} {}", p.target.key(), ep.name()))
        })
        .collect();
    if captured == 0 {
        return Err(CommandError::usage(format!(
            "nothing could be captured; no bundle written. {}",
            failed.join("; ")
        )));
    }
    bundle
        .write(output)
        .map_err(|e| CommandError::usage(format!("{}: {e}", output.display())))?;
    let mut msg = format!("wrote {} ({captured} endpoints", output.display());
    if !failed.is_empty() {
        msg.push_str(&format!("; not captured: {}", failed.join("; ")));
    }
    msg.push(')');
    if !missing.is_empty() {
        return Err(CommandError::usage(format!(
            "{msg}; essential endpoints missing: {}",
            missing.join(", ")
        )));
    }
    msg.push('\n');
    Ok(msg)
}

/// `who endpoint: reason` for every endpoint that was not stored.
fn failures(bundle: &Bundle) -> Vec<String> {
    let pods = bundle
        .pods
        .iter()
        .flat_map(|p| p.endpoints.iter().map(move |(n, c)| (p.target.key(), n, c)));
    let istiod = bundle
        .istiod
        .iter()
        .map(|(n, c)| ("istiod".to_string(), n, c));
    pods.chain(istiod)
        .filter_map(|(who, n, c)| {
            c.error
                .as_deref()
                .map(|e| format!("{who} {n}: {}", printable(e)))
        })
        .collect()
}

/// One stderr line per answer: `[ 3/13] default/x config_dump  200  212.3 KiB  0.12 s`.
fn progress_line(p: &Progress<'_>) -> String {
    let head = format!("[{:>2}/{}] {} {}", p.done, p.total, p.who, p.endpoint);
    let secs = p.elapsed.as_secs_f64();
    match &p.capture.error {
        None => format!(
            "{head}  {}  {}  {secs:.2} s",
            p.capture.status,
            human_bytes(u64::try_from(p.capture.stored_bytes()).unwrap_or(u64::MAX))
        ),
        Some(e) => format!("{head}  FAILED after {secs:.2} s: {}", printable(e)),
    }
}

/// Server text made safe for a terminal: control characters escaped.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect()
}
