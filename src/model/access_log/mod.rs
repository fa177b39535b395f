//! `istio-proxy` container logs, one line at a time: access log entries in
//! Istio's default TEXT format (current and older layouts) or its JSON
//! encoding, Envoy's and pilot-agent's own log lines with their level, and
//! anything else kept as text. Plus the response flags decoded, filters, and
//! a bounded ring buffer for the Logs view.

mod envoy;
mod filter;
mod flags;
mod json;
mod ring;
mod text;
mod ztunnel;

use serde::Serialize;

pub use envoy::LogLevel;
pub use filter::{FilterError, LogFilter, StatusFilter};
pub use flags::{parse_flags, ResponseFlag, ALL_FLAGS};
pub use ring::{LogRing, DEFAULT_RING_CAPACITY};
pub use ztunnel::{key_values, ZtunnelFields};

/// One line of an `istio-proxy` log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogLine {
    /// An access log entry.
    Access(Box<AccessEntry>),
    /// Envoy's or pilot-agent's own log line.
    Envoy {
        /// Severity.
        level: LogLevel,
        /// Logger or scope (`config`, `envoy config`, `xdsproxy`), when given.
        component: Option<String>,
        /// The message.
        message: String,
    },
    /// Anything else, as written.
    Other(String),
}

/// Which layout an access log line was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessLogFormat {
    /// Istio ≥ 1.9 TEXT: with response code details and connection
    /// termination details (`%UPSTREAM_CLUSTER_RAW%` or `%UPSTREAM_CLUSTER%`).
    IstioText,
    /// Older Istio TEXT (the Mixer era, before 1.9): quoted mixer status and
    /// transport failure reason after the flags.
    IstioTextMixer,
    /// The oldest Istio TEXT: quoted mixer status only after the flags.
    IstioTextLegacy,
    /// Envoy's own default format (no Istio fields after the upstream host).
    EnvoyDefault,
    /// Istio's JSON encoding (`accessLogEncoding: JSON`).
    Json,
    /// ztunnel's access log (`src.addr=… dst.addr=…`), ambient mode.
    Ztunnel,
}

/// One access log entry. `None` stands for Envoy's `-` (not available).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AccessEntry {
    /// The layout the line was written in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<AccessLogFormat>,
    /// `%START_TIME%`, as written (`2022-06-22T10:17:14.118Z`).
    pub start_time: Option<String>,
    /// HTTP method.
    pub method: Option<String>,
    /// Original path (`X-ENVOY-ORIGINAL-PATH` or `:path`).
    pub path: Option<String>,
    /// `HTTP/1.1`, `HTTP/2`...; absent for TCP.
    pub protocol: Option<String>,
    /// Response code; 0 when no response was sent (TCP, downstream reset).
    pub response_code: Option<u16>,
    /// Decoded `%RESPONSE_FLAGS%`.
    pub response_flags: Vec<ResponseFlag>,
    /// `%RESPONSE_CODE_DETAILS%` (`via_upstream`, `route_not_found`...).
    pub response_code_details: Option<String>,
    /// `%CONNECTION_TERMINATION_DETAILS%`.
    pub connection_termination_details: Option<String>,
    /// `%UPSTREAM_TRANSPORT_FAILURE_REASON%` (TLS errors...).
    pub upstream_transport_failure_reason: Option<String>,
    /// Bytes received from downstream.
    pub bytes_received: Option<u64>,
    /// Bytes sent downstream.
    pub bytes_sent: Option<u64>,
    /// Total duration in ms.
    pub duration_ms: Option<u64>,
    /// `x-envoy-upstream-service-time` in ms.
    pub upstream_service_time_ms: Option<u64>,
    /// `x-forwarded-for`.
    pub x_forwarded_for: Option<String>,
    /// `user-agent`.
    pub user_agent: Option<String>,
    /// `x-request-id`: the same in the client's and the server's sidecar logs.
    pub request_id: Option<String>,
    /// `:authority` (host).
    pub authority: Option<String>,
    /// Upstream host `ip:port` (remote pod outbound, local app inbound).
    pub upstream_host: Option<String>,
    /// Upstream cluster (`outbound|9080||reviews...`, `inbound|9080||`).
    pub upstream_cluster: Option<String>,
    /// Upstream local address.
    pub upstream_local_address: Option<String>,
    /// Downstream local address (the service VIP:port outbound).
    pub downstream_local_address: Option<String>,
    /// Downstream remote address (the client).
    pub downstream_remote_address: Option<String>,
    /// SNI requested by the client.
    pub requested_server_name: Option<String>,
    /// Route name.
    pub route_name: Option<String>,
    /// A ztunnel entry's workloads, identities, direction and error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<Box<ZtunnelFields>>,
}

/// The access-log entries among `lines` (Envoy's, in either encoding, and
/// ztunnel's); other lines are skipped.
pub fn access_entries<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<AccessEntry> {
    lines
        .into_iter()
        .filter_map(|l| match parse_line(l) {
            LogLine::Access(e) => Some(*e),
            _ => None,
        })
        .collect()
}

impl AccessEntry {
    /// The response code as text, `-` when absent.
    pub fn code_label(&self) -> String {
        self.response_code
            .map_or_else(|| "-".to_string(), |c| c.to_string())
    }

    /// The response flags as Envoy prints them (`UO,URX`), `-` for none.
    pub fn flags_label(&self) -> String {
        if self.response_flags.is_empty() {
            return "-".to_string();
        }
        self.response_flags
            .iter()
            .map(|f| f.short())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether the response code is a 5xx.
    pub fn is_5xx(&self) -> bool {
        self.response_code.is_some_and(|c| (500..600).contains(&c))
    }

    /// Whether the entry carries `flag`.
    pub fn has_flag(&self, flag: &ResponseFlag) -> bool {
        self.response_flags.contains(flag)
    }
}

/// Parses one log line (a trailing `\r`/`\n` is ignored). Never fails:
/// what is neither an access log entry nor an Envoy/agent log line comes
/// back as [`LogLine::Other`].
pub fn parse_line(line: &str) -> LogLine {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        if let Some(parsed) = json::parse(trimmed) {
            return parsed;
        }
    } else if trimmed.starts_with('[') {
        if let Some(entry) = text::parse(trimmed) {
            return LogLine::Access(Box::new(entry));
        }
    }
    if let Some(parsed) = ztunnel::parse(trimmed) {
        return parsed;
    }
    envoy::parse(line).unwrap_or_else(|| LogLine::Other(line.to_string()))
}

/// `-`, empty and JSON-null-ish values mean "not available".
pub(crate) fn field(s: &str) -> Option<String> {
    match s {
        "" | "-" => None,
        s => Some(s.to_string()),
    }
}

#[cfg(test)]
mod tests;
