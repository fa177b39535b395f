//! Envoy's and pilot-agent's own log lines, in the two shapes an
//! `istio-proxy` container prints:
//!
//! * Istio's: `2024-01-01T00:00:00.000000Z\twarning\tenvoy config\tmessage`
//!   (time, level, scope, message separated by tabs; older agents put the
//!   scope and message in one field);
//! * Envoy's native: `[2024-01-01 00:00:00.000][12][warning][config] [file:line] message`.

use std::fmt;

use serde::{Serialize, Serializer};

use super::LogLine;

/// Severity of an Envoy or agent log line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `trace`.
    Trace,
    /// `debug`.
    Debug,
    /// `info`.
    Info,
    /// `warn`/`warning`.
    Warning,
    /// `error`/`err`.
    Error,
    /// `critical`/`fatal`.
    Critical,
    /// Anything else, as written.
    Other(String),
}

impl LogLevel {
    /// Reads a level name, case-insensitively.
    pub fn parse(s: &str) -> LogLevel {
        match s.to_ascii_lowercase().as_str() {
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" | "warning" => LogLevel::Warning,
            "error" | "err" => LogLevel::Error,
            "critical" | "fatal" => LogLevel::Critical,
            _ => LogLevel::Other(s.to_string()),
        }
    }

    /// The canonical lower-case name.
    pub fn as_str(&self) -> &str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Other(s) => s,
        }
    }

    fn is_known_word(s: &str) -> bool {
        !matches!(LogLevel::parse(s), LogLevel::Other(_))
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LogLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Parses an Envoy/agent log line; `None` for other text.
pub(crate) fn parse(line: &str) -> Option<LogLine> {
    istio_style(line).or_else(|| native_style(line))
}

fn looks_like_timestamp(s: &str) -> bool {
    s.len() >= 10 && s.as_bytes()[0].is_ascii_digit() && s.as_bytes()[4] == b'-'
}

fn istio_style(line: &str) -> Option<LogLine> {
    let mut parts = line.splitn(4, '\t');
    let time = parts.next()?;
    let level = parts.next()?;
    if !looks_like_timestamp(time) || !LogLevel::is_known_word(level) {
        return None;
    }
    let (component, message) = match (parts.next(), parts.next()) {
        (Some(scope), Some(msg)) => (Some(short_scope(scope)), msg.to_string()),
        (Some(rest), None) => split_scope(rest),
        _ => (None, String::new()),
    };
    Some(LogLine::Envoy {
        level: LogLevel::parse(level),
        component,
        message,
    })
}

/// `envoy config external/envoy/source/...cc:138` → `envoy config`.
fn short_scope(scope: &str) -> String {
    if scope.starts_with("envoy ") {
        scope.split(' ').take(2).collect::<Vec<_>>().join(" ")
    } else {
        scope.to_string()
    }
}

/// `envoy config gRPC config ...` → (`envoy config`, message); `sds SDS
/// server ...` → (`sds`, message).
fn split_scope(rest: &str) -> (Option<String>, String) {
    let words = if rest.starts_with("envoy ") { 2 } else { 1 };
    let mut split = rest.splitn(words + 1, ' ');
    let scope: Vec<&str> = split.by_ref().take(words).collect();
    let message = split.next().unwrap_or_default();
    if scope.len() < words || message.is_empty() {
        return (None, rest.to_string());
    }
    (Some(scope.join(" ")), message.to_string())
}

fn native_style(line: &str) -> Option<LogLine> {
    let mut groups = Vec::with_capacity(4);
    let mut rest = line;
    while groups.len() < 4 {
        let body = rest.strip_prefix('[')?;
        let end = body.find(']')?;
        groups.push(&body[..end]);
        rest = &body[end + 1..];
    }
    if !looks_like_timestamp(groups[0]) || !LogLevel::is_known_word(groups[2]) {
        return None;
    }
    Some(LogLine::Envoy {
        level: LogLevel::parse(groups[2]),
        component: Some(groups[3].to_string()),
        message: rest.trim_start().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envoy(level: LogLevel, component: Option<&str>, message: &str) -> Option<LogLine> {
        Some(LogLine::Envoy {
            level,
            component: component.map(str::to_string),
            message: message.to_string(),
        })
    }

    #[test]
    fn istio_tab_separated_with_and_without_scope_field() {
        assert_eq!(
            parse("2024-01-01T00:00:00.000000Z\twarning\tenvoy config external/envoy/source/x.cc:138\tgRPC config for type.googleapis.com/envoy.config.listener.v3.Listener rejected: bad"),
            envoy(
                LogLevel::Warning,
                Some("envoy config"),
                "gRPC config for type.googleapis.com/envoy.config.listener.v3.Listener rejected: bad"
            )
        );
        assert_eq!(
            parse("2024-01-01T00:00:00.000000Z\twarning\tenvoy config gRPC stream closed: 2, x"),
            envoy(
                LogLevel::Warning,
                Some("envoy config"),
                "gRPC stream closed: 2, x"
            )
        );
        assert_eq!(
            parse("2021-05-10T19:13:42.145811Z\tinfo\tsds\tSDS server for workload certificates started"),
            envoy(LogLevel::Info, Some("sds"), "SDS server for workload certificates started")
        );
        assert_eq!(
            parse("2021-05-10T19:13:42.145811Z\terror\tcache failed"),
            envoy(LogLevel::Error, Some("cache"), "failed")
        );
    }

    #[test]
    fn envoy_native_brackets() {
        assert_eq!(
            parse("[2024-01-01 00:00:00.000][12][warning][config] [source/common/config/grpc_stream.h:201] DeltaAggregatedResources gRPC config stream closed"),
            envoy(
                LogLevel::Warning,
                Some("config"),
                "[source/common/config/grpc_stream.h:201] DeltaAggregatedResources gRPC config stream closed"
            )
        );
    }

    #[test]
    fn other_text_is_not_an_envoy_line() {
        assert_eq!(parse("hello world"), None);
        assert_eq!(parse("2024-01-01T00:00:00Z\tnotalevel\tx"), None);
        assert_eq!(parse("[a][b][c][d] x"), None);
        assert_eq!(LogLevel::parse("WARN"), LogLevel::Warning);
        assert_eq!(LogLevel::parse("weird").to_string(), "weird");
    }
}
