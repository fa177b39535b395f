//! The doctor on raw bodies: the text each endpoint answered, parsed once and
//! handed to [`diagnose`]. Shared by `meshscope check` and the fleet scan so
//! both judge a sidecar the same way.

use super::{diagnose, diagnose_ambient, AmbientEvidence, Evidence, Report};
use crate::model::access_log::{access_entries, AccessEntry};
use crate::model::cardinality::analyze_prometheus;
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::ConfigDump;
use crate::model::istiod::parse_syncz;
use crate::model::server_info::ServerInfo;
use crate::model::stats::parse_envoy_text;
use crate::model::ztunnel::{XdsLog, ZtunnelDump};

/// The bodies the rules read, as text; absent ones make rules "not checked".
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    /// `/config_dump?include_eds`.
    pub dump: Option<String>,
    /// `/clusters?format=json`.
    pub clusters: Option<String>,
    /// `/stats` (text).
    pub stats: Option<String>,
    /// An earlier `/stats` and the seconds between the two reads.
    pub previous_stats: Option<(String, f64)>,
    /// `/server_info`.
    pub server_info: Option<String>,
    /// pilot-agent `/healthz/ready` status.
    pub agent_ready: Option<u16>,
    /// `/stats/prometheus`.
    pub prometheus: Option<String>,
    /// Access-log lines.
    pub logs: Option<String>,
    /// istiod `/debug/syncz` (every proxy; the row of `proxy_id` is used).
    pub syncz: Option<String>,
    /// istiod `/debug/config_dump?proxyID=`.
    pub istiod_dump: Option<String>,
    /// istiod `/debug/configz`.
    pub istio_config: Option<String>,
    /// `<pod>.<namespace>`, to find this proxy in syncz.
    pub proxy_id: Option<String>,
}

/// Series per label above which `/stats/prometheus` is a finding.
const CARDINALITY_THRESHOLD: usize = 1000;

/// Why the bodies could not be judged: the config dump is unreadable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BodiesError(pub String);

/// The time the rules judge at (certificate expiry, update age).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgeAt {
    /// This Unix time (a live proxy: now).
    Unix(i64),
    /// When the dump was captured (its newest `last_updated`), else this time.
    Captured(i64),
}

/// Parses every body and runs the rules. Only an unreadable config dump is
/// an error; any other unreadable body is absent evidence.
pub fn evaluate(b: &Bodies, at: JudgeAt) -> Result<Report, BodiesError> {
    evaluate_with(b, at, None).map(|(r, _)| r)
}

/// [`evaluate`], and with `own_ips` the config fingerprint for the fleet's
/// replica comparison (MS2001).
pub fn evaluate_with(
    b: &Bodies,
    at: JudgeAt,
    own_ips: Option<&[&str]>,
) -> Result<(Report, Option<u64>), BodiesError> {
    // A ztunnel answers /config_dump with its own JSON: the ambient rules
    // judge it, with its metrics and access logs.
    if let Some(t) = b.dump.as_deref().filter(|t| ZtunnelDump::looks_like(t)) {
        return evaluate_ztunnel(t, b, at).map(|r| (r, None));
    }
    let dump = match &b.dump {
        Some(t) => {
            Some(ConfigDump::parse(t).map_err(|e| BodiesError(format!("config_dump: {e}")))?)
        }
        None => None,
    };
    let istiod_dump = b
        .istiod_dump
        .as_deref()
        .and_then(|t| ConfigDump::parse(t).ok());
    let clusters = b
        .clusters
        .as_deref()
        .and_then(|t| ClusterStatuses::parse(t).ok());
    let stats = b.stats.as_deref().map(parse_envoy_text);
    let previous = b
        .previous_stats
        .as_ref()
        .map(|(t, s)| (parse_envoy_text(t), *s));
    let info = b
        .server_info
        .as_deref()
        .and_then(|t| ServerInfo::parse(t).ok());
    let card = b
        .prometheus
        .as_deref()
        .map(|t| analyze_prometheus(t, CARDINALITY_THRESHOLD, 2));
    let logs: Option<Vec<AccessEntry>> = b.logs.as_deref().map(|t| access_entries(t.lines()));
    let sync = match (&b.syncz, &b.proxy_id) {
        (Some(body), Some(id)) => parse_syncz(body, "istiod")
            .ok()
            .and_then(|rows| rows.into_iter().find(|r| &r.name == id)),
        _ => None,
    };
    let config: Option<Vec<serde_json::Value>> = b
        .istio_config
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    let now_unix = match at {
        JudgeAt::Unix(t) => t,
        JudgeAt::Captured(fallback) => dump.as_ref().and_then(captured_at).unwrap_or(fallback),
    };
    let fingerprint = match (own_ips, &dump) {
        (Some(ips), Some(d)) => Some(super::fleet::config_fingerprint(d, ips)),
        _ => None,
    };
    let report = diagnose(&Evidence {
        dump: dump.as_ref(),
        clusters: clusters.as_ref(),
        stats: stats.as_ref().map(|s| s.stats.as_slice()),
        previous_stats: previous.as_ref().map(|(p, s)| (p.stats.as_slice(), *s)),
        server_info: info.as_ref(),
        agent_ready: b.agent_ready,
        logs: logs.as_deref(),
        cardinality: card.as_ref(),
        now_unix,
        istiod_dump: istiod_dump.as_ref(),
        sync: sync.as_ref(),
        istio_config: config.as_deref(),
    });
    Ok((report, fingerprint))
}

/// The ambient rules on a ztunnel's bodies: its dump, `/stats/prometheus`
/// (15020) and access logs. A capture is judged at its newest certificate
/// issue time, the nearest thing a ztunnel dump has to a capture time.
fn evaluate_ztunnel(text: &str, b: &Bodies, at: JudgeAt) -> Result<Report, BodiesError> {
    let dump =
        ZtunnelDump::parse(text).map_err(|e| BodiesError(format!("ztunnel config_dump: {e}")))?;
    let logs: Option<Vec<AccessEntry>> = b.logs.as_deref().map(|t| access_entries(t.lines()));
    let xds = b.logs.as_deref().map(|t| XdsLog::from_lines(t.lines()));
    let now_unix = match at {
        JudgeAt::Unix(t) => t,
        JudgeAt::Captured(fallback) => fallback,
    };
    Ok(diagnose_ambient(&AmbientEvidence {
        dump: Some(&dump),
        metrics: b.prometheus.as_deref(),
        logs: logs.as_deref(),
        xds_log: xds.as_ref(),
        now_unix,
    }))
}

/// The newest `last_updated` of a dump, as Unix seconds: when it was captured.
pub fn captured_at(dump: &ConfigDump<'_>) -> Option<i64> {
    dump.resources
        .iter()
        .filter_map(|r| r.last_updated.as_deref())
        .filter_map(crate::model::x509::rfc3339_secs)
        .max()
}

/// `(ip, "pod.namespace")` from the node id at the head of a dump
/// (`sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local`; `router~` for gateways).
pub fn node_identity(dump: &str) -> Option<(String, String)> {
    // The bootstrap comes first in a dump: look only at its head.
    let mut end = dump.len().min(64 * 1024);
    while !dump.is_char_boundary(end) {
        end -= 1;
    }
    let head = &dump[..end];
    for (at, _) in head.match_indices("\"id\"") {
        let rest = head[at + 4..].trim_start().strip_prefix(':')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        let id = &rest[..rest.find('"')?];
        let mut parts = id.split('~');
        if matches!(parts.next(), Some("sidecar" | "router")) {
            let ip = parts.next()?.to_string();
            return parts.next().map(|p| (ip, p.to_string()));
        }
    }
    None
}
