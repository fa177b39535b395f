//! What `meshscope stats` reads: the body from a file, a live admin URL or a
//! bundle, which format it is (Envoy text, Envoy JSON, Prometheus, or none
//! of them), and the stats parsed out of it. Every message names the source
//! (the file, or the URL with its path) and says what the content looked like.

use super::source::{bundle_text, cli_client_options, single_mesh};
use super::CommandError;
use crate::cli::{SourceArgs, StatsArgs};
pub use crate::model::body::looks_like;
use crate::model::stats::{
    highlight_stats_from_prometheus, parse_envoy_json, parse_envoy_text, PromParser, Stat,
};
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher, MeshInfo};

/// What a stats body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsFormat {
    /// Envoy `/stats` text: `name: value`.
    EnvoyText,
    /// Envoy `/stats?format=json`.
    EnvoyJson,
    /// The Prometheus text format (`/stats/prometheus`, 15020, 15090).
    Prometheus,
    /// None of them (HTML, an error page, garbage).
    Unknown,
}

/// Detects the format from the first meaningful line.
pub fn detect(text: &str) -> StatsFormat {
    if text.trim_start().starts_with('{') {
        return StatsFormat::EnvoyJson;
    }
    let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return StatsFormat::EnvoyText;
    };
    if line.starts_with('#') {
        return StatsFormat::Prometheus;
    }
    let head = line.find([' ', '{']).map_or(line, |i| &line[..i]);
    if head.ends_with(':') {
        return StatsFormat::EnvoyText;
    }
    let metric_name = head
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    if metric_name && head.len() < line.len() {
        StatsFormat::Prometheus
    } else if line.contains(": ") {
        StatsFormat::EnvoyText
    } else {
        StatsFormat::Unknown
    }
}

/// The path an endpoint is read from, for messages.
fn endpoint_path(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Stats => "/stats",
        Endpoint::ClustersJson => "/clusters?format=json",
        Endpoint::Prometheus | Endpoint::AgentPrometheus => "/stats/prometheus",
        _ => "",
    }
}

/// Fetches an endpoint of the one sidecar in `mesh` as text; `base` is the
/// URL the user gave, named in every message.
pub async fn fetch_named(
    mesh: &MeshInfo,
    base: &str,
    endpoint: Endpoint,
) -> Result<(String, String), CommandError> {
    let origin = format!("{}{}", base.trim_end_matches('/'), endpoint_path(endpoint));
    let fetcher =
        AdminFetcher::new(mesh, &cli_client_options()).map_err(|e| CommandError::usage(e.0))?;
    let fetched = fetcher
        .fetch(mesh.pods.first(), endpoint)
        .await
        .map_err(|e| CommandError::usage(format!("{origin}: {}", e.0)))?;
    let text = String::from_utf8(fetched.body.to_vec()).map_err(|e| {
        CommandError::usage(format!(
            "{origin}: not UTF-8 at byte {}: {}",
            e.utf8_error().valid_up_to(),
            looks_like(&fetched.body)
        ))
    })?;
    Ok((origin, text))
}

/// Reads the body of `endpoint` from the source flags: `(origin, text)`.
pub async fn read_source(
    args: &StatsArgs,
    endpoint: Endpoint,
) -> Result<(String, String), CommandError> {
    if let Some(file) = &args.file {
        let origin = file.display().to_string();
        let bytes =
            std::fs::read(file).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            CommandError::usage(format!(
                "{origin}: not UTF-8 at byte {}: {}",
                e.utf8_error().valid_up_to(),
                looks_like(e.as_bytes())
            ))
        })?;
        Ok((origin, text))
    } else if let Some(url) = &args.admin {
        let mesh = single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            ..Default::default()
        });
        fetch_named(&mesh, url, endpoint).await
    } else if let Some(bundle) = &args.bundle {
        let text = bundle_text(bundle, args.pod.as_deref(), endpoint)?;
        let origin = format!("{} ({})", bundle.display(), endpoint.name());
        Ok((origin, text))
    } else {
        Err(CommandError::usage(
            "stats needs a source: --file FILE, --admin URL or --bundle BUNDLE",
        ))
    }
}

fn not_stats(origin: &str, text: &str) -> CommandError {
    CommandError::usage(format!(
        "{origin}: not Envoy stats (/stats text or ?format=json) nor Prometheus text: {}",
        looks_like(text.as_bytes())
    ))
}

/// Parses Envoy text or JSON: `(stats, lines that did not parse)`.
/// Prometheus is refused (its names lack Envoy's tags).
pub fn envoy_stats<'a>(
    origin: &str,
    text: &'a str,
) -> Result<(Vec<Stat<'a>>, usize), CommandError> {
    match detect(text) {
        StatsFormat::EnvoyText => {
            let parsed = parse_envoy_text(text);
            if parsed.stats.is_empty() && !parsed.errors.is_empty() {
                return Err(not_stats(origin, text));
            }
            Ok((parsed.stats, parsed.errors.len()))
        }
        StatsFormat::EnvoyJson => parse_envoy_json(text)
            .map(|s| (s, 0))
            .map_err(|e| CommandError::usage(format!("{origin}: {e}"))),
        StatsFormat::Prometheus => Err(CommandError::usage(format!(
            "{origin}: this is Prometheus text; this view needs Envoy /stats (text or ?format=json)"
        ))),
        StatsFormat::Unknown => Err(not_stats(origin, text)),
    }
}

/// The stats highlights are picked from, in any of the three formats:
/// Prometheus series of highlighted stats come back under their Envoy names.
pub fn highlight_input<'a>(
    origin: &str,
    text: &'a str,
) -> Result<(Vec<Stat<'a>>, usize), CommandError> {
    if detect(text) != StatsFormat::Prometheus {
        return envoy_stats(origin, text);
    }
    let (stats, errors) = highlight_stats_from_prometheus(text);
    if stats.is_empty() && !errors.is_empty() && PromParser::new(text).next().is_none() {
        return Err(not_stats(origin, text));
    }
    Ok((stats, errors.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected() {
        assert_eq!(detect("cluster.a.b: 1\n"), StatsFormat::EnvoyText);
        assert_eq!(detect("  {\"stats\": []}"), StatsFormat::EnvoyJson);
        assert_eq!(detect("# TYPE x counter\nx 1\n"), StatsFormat::Prometheus);
        assert_eq!(detect("x{a=\"b: c\"} 1\n"), StatsFormat::Prometheus);
        assert_eq!(detect("envoy_server_live 1\n"), StatsFormat::Prometheus);
        assert_eq!(detect("garbage\n"), StatsFormat::Unknown);
        assert_eq!(
            detect("<html><body>502</body></html>"),
            StatsFormat::Unknown
        );
    }

    #[test]
    fn garbage_is_named_for_what_it_is() {
        let e = highlight_input("/tmp/x.txt", "<html>\n<body>oops</body>\n").unwrap_err();
        assert_eq!(
            e.message,
            "/tmp/x.txt: not Envoy stats (/stats text or ?format=json) nor Prometheus text: \
             HTML starting \"<html>\\n<body>oops</body>\\n\""
        );
        let e = envoy_stats("f", "garbage\n").unwrap_err();
        assert!(
            e.message.contains("text starting \"garbage\\n\""),
            "{}",
            e.message
        );
        assert_eq!(
            looks_like(b"\x1f\x8b\x08\0"),
            "binary data starting \"\\u{1f}\u{fffd}\\u{8}\\0\""
        );
        assert_eq!(looks_like(b""), "an empty body");
    }
}
