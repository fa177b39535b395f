//! What ztunnel's own log says about its xDS stream to istiod: config it
//! rejected (a NACK: `sending response … type=Nack error="…"`, logged at
//! error level by `ztunnel::xds::client`), failed connection attempts
//! (`XDS client connection error: …`, `XDS client error: …`) and whether a
//! stream came up after the last failure (`Stream established`).
//!
//! ztunnel has no metric for rejected config (its `istio_xds_connection_terminations`
//! counts stream ends by reason), so a NACK is only visible here or in
//! istiod's `pilot_total_xds_rejects`.

use crate::model::access_log::key_values;

/// The xDS client's target in ztunnel's tracing lines.
const TARGET: &str = "ztunnel::xds::client: ";

/// One rejected response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XdsNack {
    /// When ztunnel logged it.
    pub time: String,
    /// The resource type (`type.googleapis.com/istio.workload.Address`).
    pub type_url: String,
    /// ztunnel's reasons (`name: reason; name: reason`).
    pub error: String,
}

/// The xDS story of one ztunnel log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XdsLog {
    /// Rejected responses, in log order.
    pub nacks: Vec<XdsNack>,
    /// Failed connection attempts.
    pub connection_errors: usize,
    /// The last failure's text and time.
    pub last_error: Option<(String, String)>,
    /// A stream was established after the last failure (or there was none).
    pub recovered: bool,
    /// The log mentioned the xDS client at all.
    pub seen: bool,
}

impl XdsLog {
    /// Reads ztunnel log lines (tracing layout); other lines are ignored.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> XdsLog {
        let mut log = XdsLog {
            recovered: true,
            ..XdsLog::default()
        };
        for line in lines {
            let Some(at) = line.find(TARGET) else {
                continue;
            };
            log.seen = true;
            let time = line.split_whitespace().next().unwrap_or("").to_string();
            let message = &line[at + TARGET.len()..];
            if message.starts_with("Stream established") {
                log.recovered = true;
            } else if let Some(err) = message
                .strip_prefix("XDS client connection error: ")
                .or_else(|| message.strip_prefix("XDS client error: "))
            {
                log.connection_errors += 1;
                log.last_error = Some((time, err.trim().to_string()));
                log.recovered = false;
            } else if let Some(kvs) = message.strip_prefix("sending response") {
                let kv = key_values(kvs);
                let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone());
                if get("type").is_some_and(|t| t.eq_ignore_ascii_case("nack")) {
                    log.nacks.push(XdsNack {
                        time,
                        type_url: get("type_url").unwrap_or_default(),
                        error: get("error").unwrap_or_default(),
                    });
                }
            }
        }
        log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nacks_failures_and_recovery() {
        let lines = [
            "2024-07-02T08:00:00.000000Z  WARN xds{id=1}: ztunnel::xds::client: XDS client connection error: gRPC connection error: dns error, retrying in 20ms",
            "2024-07-02T08:00:01.000000Z  INFO xds{id=2}: ztunnel::xds::client: Stream established",
            "2024-07-02T08:00:02.000000Z ERROR xds{id=2}: ztunnel::xds::client: sending response type_url=\"type.googleapis.com/istio.workload.Address\" nonce=\"n1\" type=Nack error=\"ns/a: invalid address\"",
            "2024-07-02T08:00:03.000000Z DEBUG xds{id=2}: ztunnel::xds::client: sending response type_url=\"type.googleapis.com/istio.workload.Address\" nonce=\"n2\" type=Ack",
            "2024-07-02T08:00:04.000000Z  INFO ztunnel::proxy::inbound: listener established",
        ];
        let log = XdsLog::from_lines(lines);
        assert!(log.seen && log.recovered);
        assert_eq!(log.connection_errors, 1);
        assert_eq!(
            log.nacks,
            [XdsNack {
                time: "2024-07-02T08:00:02.000000Z".into(),
                type_url: "type.googleapis.com/istio.workload.Address".into(),
                error: "ns/a: invalid address".into(),
            }]
        );
    }

    #[test]
    fn a_failure_after_the_last_stream_is_not_recovered() {
        let lines = [
            "2024-07-02T08:00:01.000000Z  INFO xds{id=2}: ztunnel::xds::client: Stream established",
            "2024-07-02T08:00:05.000000Z  WARN xds{id=2}: ztunnel::xds::client: XDS client error: status: Unavailable, retrying in 10ms",
        ];
        let log = XdsLog::from_lines(lines);
        assert!(!log.recovered);
        assert_eq!(
            log.last_error.map(|(_, e)| e),
            Some("status: Unavailable, retrying in 10ms".to_string())
        );
        assert_eq!(
            XdsLog::from_lines(["no xds here"]),
            XdsLog {
                recovered: true,
                ..XdsLog::default()
            }
        );
    }
}
