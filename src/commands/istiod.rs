//! `meshscope istiod` (control-plane health) and `meshscope ps` (proxy sync
//! status, like `istioctl proxy-status`).

use std::path::PathBuf;

use super::source::{fetch_text, single_mesh};
use super::{read_text, CommandError};
use crate::cli::{Output, SourceArgs};
use crate::model::istiod::{
    istiod_text, parse_metrics, parse_syncz, proxy_status_table, rejections,
};
use crate::sources::target::Endpoint;

async fn input(
    istiod: Option<&str>,
    file: Option<&PathBuf>,
    endpoint: Endpoint,
) -> Result<(String, String), CommandError> {
    match (istiod, file) {
        (_, Some(f)) => Ok((f.display().to_string(), read_text(f)?)),
        (Some(url), None) => {
            let mesh = single_mesh(&SourceArgs {
                istiod: Some(url.to_string()),
                ..Default::default()
            });
            Ok((url.to_string(), fetch_text(&mesh, endpoint).await?))
        }
        (None, None) => Err(CommandError::usage(
            "needs --istiod URL (port 15014, e.g. a port-forward) or --file",
        )),
    }
}

/// `meshscope istiod`: rejected configs, xDS rejects, conflicts, pushes, latency, config size.
pub async fn istiod(
    url: Option<&str>,
    file: Option<&PathBuf>,
    output: Output,
) -> Result<String, CommandError> {
    let (_, text) = input(url, file, Endpoint::IstiodMetrics).await?;
    let report = parse_metrics(&text);
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
pub async fn ps(
    url: Option<&str>,
    file: Option<&PathBuf>,
    output: Output,
) -> Result<String, CommandError> {
    let (origin, text) = input(url, file, Endpoint::Syncz).await?;
    let rows =
        parse_syncz(&text, &origin).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
    Ok(match output {
        Output::Table => proxy_status_table(&rows),
        Output::Json => {
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            s
        }
    })
}
