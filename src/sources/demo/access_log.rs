//! One simulated access-log entry, printed in Istio's default TEXT format
//! (`meshConfig.accessLogEncoding: TEXT`, with `%UPSTREAM_CLUSTER_RAW%`) or as
//! Istio's default JSON.

use std::fmt::Write as _;

/// Istio's default text format, for reference and the docs.
pub const ISTIO_TEXT_FORMAT: &str = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%";

/// The fields of one access-log line; `None` prints as `-` (text) or `null` (JSON).
#[derive(Debug, Clone, Default)]
pub(crate) struct LogEntry {
    /// Start time, milliseconds since the Unix epoch.
    pub start_ms: u64,
    /// HTTP method (`None` for TCP).
    pub method: Option<String>,
    /// Path (`None` for TCP).
    pub path: Option<String>,
    /// `HTTP/1.1`, `HTTP/2` (`None` for TCP).
    pub protocol: Option<String>,
    /// Response code (0 for TCP).
    pub code: u16,
    /// Response flags (`-` when none).
    pub flags: String,
    /// Response code details.
    pub details: Option<String>,
    /// Upstream transport failure reason.
    pub transport_failure: Option<String>,
    /// Bytes received / sent.
    pub bytes_received: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Duration in ms.
    pub duration: u64,
    /// `x-envoy-upstream-service-time`.
    pub upstream_service_time: Option<u64>,
    /// `x-forwarded-for`.
    pub xff: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// `x-request-id`.
    pub request_id: Option<String>,
    /// `:authority`.
    pub authority: Option<String>,
    /// Upstream host `ip:port`.
    pub upstream_host: Option<String>,
    /// Upstream cluster.
    pub upstream_cluster: Option<String>,
    /// Upstream local address.
    pub upstream_local: Option<String>,
    /// Downstream local address.
    pub downstream_local: String,
    /// Downstream remote address.
    pub downstream_remote: String,
    /// Requested server name (SNI).
    pub sni: Option<String>,
    /// Route name.
    pub route: Option<String>,
}

fn dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// `2024-05-14T09:20:02.137Z` for milliseconds since the epoch.
pub(crate) fn rfc3339_ms(ms: u64) -> String {
    let secs = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    // `…:SSZ` from the shared calendar code, with the milliseconds put back.
    let whole = crate::model::x509::rfc3339(secs);
    format!("{}.{:03}Z", whole.trim_end_matches('Z'), ms % 1000)
}

impl LogEntry {
    /// The line in Istio's default text format.
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(400);
        let _ = write!(
            s,
            "[{}] \"{} {} {}\" {} {} {} - \"{}\" {} {} {} {} \"{}\" \"{}\" \"{}\" \"{}\" \"{}\" {} {} {} {} {} {}",
            rfc3339_ms(self.start_ms),
            dash(&self.method),
            dash(&self.path),
            dash(&self.protocol),
            self.code,
            self.flags,
            dash(&self.details),
            dash(&self.transport_failure),
            self.bytes_received,
            self.bytes_sent,
            self.duration,
            self.upstream_service_time
                .map_or_else(|| "-".to_string(), |t| t.to_string()),
            dash(&self.xff),
            dash(&self.user_agent),
            dash(&self.request_id),
            dash(&self.authority),
            dash(&self.upstream_host),
            dash(&self.upstream_cluster),
            dash(&self.upstream_local),
            self.downstream_local,
            self.downstream_remote,
            dash(&self.sni),
            dash(&self.route),
        );
        s
    }

    /// The line in Istio's default JSON encoding (keys sorted, like Envoy's).
    pub fn json(&self) -> String {
        serde_json::json!({
            "authority": self.authority,
            "bytes_received": self.bytes_received,
            "bytes_sent": self.bytes_sent,
            "connection_termination_details": null,
            "downstream_local_address": self.downstream_local,
            "downstream_remote_address": self.downstream_remote,
            "duration": self.duration,
            "method": self.method,
            "path": self.path,
            "protocol": self.protocol,
            "request_id": self.request_id,
            "requested_server_name": self.sni,
            "response_code": self.code,
            "response_code_details": self.details,
            "response_flags": self.flags,
            "route_name": self.route,
            "start_time": rfc3339_ms(self.start_ms),
            "upstream_cluster": self.upstream_cluster,
            "upstream_host": self.upstream_host,
            "upstream_local_address": self.upstream_local,
            "upstream_service_time": self.upstream_service_time.map(|t| t.to_string()),
            "upstream_transport_failure_reason": self.transport_failure,
            "user_agent": self.user_agent,
            "x_forwarded_for": self.xff,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_istio() {
        assert_eq!(rfc3339_ms(1_655_893_034_118), "2022-06-22T10:17:14.118Z");
        let e = LogEntry {
            start_ms: 1_655_893_034_118,
            method: Some("GET".into()),
            path: Some("/status/418".into()),
            protocol: Some("HTTP/1.1".into()),
            code: 503,
            flags: "UH".into(),
            details: Some("no_healthy_upstream".into()),
            bytes_sent: 19,
            duration: 1,
            user_agent: Some("curl/7.83.1-DEV".into()),
            request_id: Some("5735b2d0-4949-9384-b082-9d4c368eb9dc".into()),
            authority: Some("httpbin:8000".into()),
            upstream_cluster: Some("outbound|8000||httpbin.default.svc.cluster.local".into()),
            downstream_local: "10.99.37.119:8000".into(),
            downstream_remote: "172.17.0.6:44690".into(),
            route: Some("default".into()),
            ..LogEntry::default()
        };
        assert_eq!(
            e.text(),
            "[2022-06-22T10:17:14.118Z] \"GET /status/418 HTTP/1.1\" 503 UH no_healthy_upstream - \"-\" 0 19 1 - \"-\" \"curl/7.83.1-DEV\" \"5735b2d0-4949-9384-b082-9d4c368eb9dc\" \"httpbin:8000\" \"-\" outbound|8000||httpbin.default.svc.cluster.local - 10.99.37.119:8000 172.17.0.6:44690 - default"
        );
        let v: serde_json::Value = serde_json::from_str(&e.json()).unwrap();
        assert_eq!(v["response_flags"], "UH");
        assert_eq!(v["upstream_host"], serde_json::Value::Null);
    }
}
