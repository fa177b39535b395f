//! Istio's JSON access log (`accessLogEncoding: JSON`), one object per line
//! with snake_case keys (`start_time`, `response_flags`, `upstream_cluster`...),
//! and pilot-agent's JSON-formatted own logs (`level`, `scope`, `msg`).

use serde_json::{Map, Value};

use super::{envoy::LogLevel, field, flags::parse_flags, AccessEntry, AccessLogFormat, LogLine};

/// Parses a JSON line; `None` when it is not an object we recognise.
pub(crate) fn parse(line: &str) -> Option<LogLine> {
    let Value::Object(obj) = serde_json::from_str::<Value>(line).ok()? else {
        return None;
    };
    if is_access_entry(&obj) {
        return Some(LogLine::Access(Box::new(entry(&obj))));
    }
    let level = string(&obj, "level")?;
    let message = string(&obj, "msg").or_else(|| string(&obj, "message"))?;
    Some(LogLine::Envoy {
        level: LogLevel::parse(&level),
        component: string(&obj, "scope").or_else(|| string(&obj, "logger")),
        message,
    })
}

fn is_access_entry(obj: &Map<String, Value>) -> bool {
    let any = |keys: &[&str]| keys.iter().any(|k| obj.contains_key(*k));
    any(&["response_code", "response_flags"])
        && any(&[
            "start_time",
            "upstream_cluster",
            "method",
            "protocol",
            "duration",
        ])
}

/// A string value; numbers and booleans as written; `null`, `""` and `-` → `None`.
fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) => field(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A non-negative integer from a number or a numeric string.
fn integer(obj: &Map<String, Value>, key: &str) -> Option<u64> {
    match obj.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn entry(obj: &Map<String, Value>) -> AccessEntry {
    let s = |k: &str| string(obj, k);
    AccessEntry {
        format: Some(AccessLogFormat::Json),
        start_time: s("start_time"),
        method: s("method"),
        path: s("path"),
        protocol: s("protocol"),
        response_code: integer(obj, "response_code").and_then(|c| u16::try_from(c).ok()),
        response_flags: s("response_flags")
            .map(|f| parse_flags(&f))
            .unwrap_or_default(),
        response_code_details: s("response_code_details"),
        connection_termination_details: s("connection_termination_details"),
        upstream_transport_failure_reason: s("upstream_transport_failure_reason"),
        bytes_received: integer(obj, "bytes_received"),
        bytes_sent: integer(obj, "bytes_sent"),
        duration_ms: integer(obj, "duration"),
        upstream_service_time_ms: integer(obj, "upstream_service_time"),
        x_forwarded_for: s("x_forwarded_for"),
        user_agent: s("user_agent"),
        request_id: s("request_id"),
        authority: s("authority"),
        upstream_host: s("upstream_host"),
        upstream_cluster: s("upstream_cluster"),
        upstream_local_address: s("upstream_local_address"),
        downstream_local_address: s("downstream_local_address"),
        downstream_remote_address: s("downstream_remote_address"),
        requested_server_name: s("requested_server_name"),
        route_name: s("route_name"),
        ztunnel: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access_log::ResponseFlag;

    #[test]
    fn reads_numbers_numeric_strings_nulls_and_dashes() {
        let line = r#"{"authority":"reviews:9080","bytes_received":0,"bytes_sent":"358","duration":15,"method":"GET","path":"/r","protocol":"HTTP/1.1","request_id":"-","response_code":503,"response_flags":"UO,URX","route_name":null,"start_time":"2022-09-08T12:51:05.656Z","upstream_cluster":"outbound|9080||reviews","upstream_service_time":"14","x_forwarded_for":null}"#;
        let Some(LogLine::Access(e)) = parse(line) else {
            panic!("not an access entry");
        };
        assert_eq!(e.format, Some(AccessLogFormat::Json));
        assert_eq!(e.response_code, Some(503));
        assert_eq!(
            e.response_flags,
            [
                ResponseFlag::UpstreamOverflow,
                ResponseFlag::UpstreamRetryLimitExceeded
            ]
        );
        assert_eq!((e.bytes_received, e.bytes_sent), (Some(0), Some(358)));
        assert_eq!(
            (e.duration_ms, e.upstream_service_time_ms),
            (Some(15), Some(14))
        );
        assert_eq!((e.request_id.clone(), e.route_name.clone()), (None, None));
        assert_eq!(
            e.upstream_cluster.as_deref(),
            Some("outbound|9080||reviews")
        );
    }

    #[test]
    fn agent_json_logs_and_other_objects() {
        let line = r#"{"level":"warn","time":"2024-01-01T00:00:00.000Z","scope":"envoy config","msg":"gRPC config rejected"}"#;
        assert_eq!(
            parse(line),
            Some(LogLine::Envoy {
                level: LogLevel::Warning,
                component: Some("envoy config".to_string()),
                message: "gRPC config rejected".to_string(),
            })
        );
        assert_eq!(parse(r#"{"hello":"world"}"#), None);
        assert_eq!(parse("[1,2]"), None);
        assert_eq!(parse("{not json"), None);
    }
}
