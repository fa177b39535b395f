//! `meshscope istiod` (control-plane health) and `meshscope ps` (proxy sync
//! status, like `istioctl proxy-status`).

use super::source::{fetch_text, single_mesh};
use super::{read_text, CommandError};
use crate::cli::{IstiodArgs, Output, SourceArgs};
use crate::model::istiod::{
    istiod_text, parse_metrics, parse_syncz, proxy_status_table, rejections,
};
use crate::sources::target::Endpoint;

async fn input(from: &IstiodArgs, endpoint: Endpoint) -> Result<(String, String), CommandError> {
    if let Some(f) = &from.file {
        return Ok((f.display().to_string(), read_text(f)?));
    }
    if let Some(b) = &from.bundle {
        return Ok((
            b.display().to_string(),
            super::source::bundle_istiod_text(b, endpoint)?,
        ));
    }
    match from.istiod.as_deref() {
        Some(url) => {
            let mesh = single_mesh(&SourceArgs {
                istiod: Some(url.to_string()),
                ..Default::default()
            });
            Ok((url.to_string(), fetch_text(&mesh, endpoint).await?))
        }
        None => Err(CommandError::usage(
            "needs --istiod URL (port 15014, e.g. a port-forward), --file or --bundle",
        )),
    }
}

/// `meshscope istiod`: rejected configs, xDS rejects, conflicts, pushes, latency, config size.
pub async fn istiod(from: &IstiodArgs) -> Result<String, CommandError> {
    let (_, text) = input(from, Endpoint::IstiodMetrics).await?;
    istiod_render(from.output, &text)
}

/// Renders `meshscope istiod` for one istiod `/metrics` body.
pub fn istiod_render(output: Output, text: &str) -> Result<String, CommandError> {
    let report = parse_metrics(text);
    if report.parse_errors.len() > 10 && report.missing.len() > 20 {
        return Err(CommandError::usage(
            "this does not look like istiod /metrics (no pilot_* metrics, many unreadable lines)",
        ));
    }
    Ok(match output {
        Output::Table => {
            let mut out = istiod_text(&report);
            let rej = rejections(Some(&report), &[]);
            if !rej.is_empty() {
                out.push_str("\nWhat to fix\n");
                for r in rej {
                    out.push_str(&format!(
                        "  {} {}: {}\n    fix: {}\n",
                        r.kind, r.object, r.meaning, r.fix
                    ));
                }
            }
            out
        }
        Output::Json => {
            let value = serde_json::json!({ "report": report, "rejections": rejections(Some(&report), &[]) });
            let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
            s.push('\n');
            s
        }
    })
}

/// `meshscope ps`: per-proxy sync state from istiod's `/debug/syncz`.
pub async fn ps(from: &IstiodArgs) -> Result<String, CommandError> {
    let (origin, text) = input(from, Endpoint::Syncz).await?;
    ps_render(from.output, &origin, &text)
}

/// Renders `meshscope ps` for one `/debug/syncz` body read from `origin`.
pub fn ps_render(output: Output, origin: &str, text: &str) -> Result<String, CommandError> {
    let rows =
        parse_syncz(text, origin).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
    Ok(match output {
        Output::Table => proxy_status_table(&rows),
        Output::Json => {
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            s
        }
    })
}
