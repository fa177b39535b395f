//! The Logs view's and `meshscope logs`' filters: by response flag, status
//! (exact or class), upstream cluster, authority and request id. All set
//! criteria must hold; an empty filter keeps every line.

use std::fmt;

use super::{flags::parse_flags, AccessEntry, LogLine, ResponseFlag};

/// A status code criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Exactly this code (`503`).
    Exact(u16),
    /// A class by its first digit (`5xx` → 5).
    Class(u8),
}

/// Why a filter could not be built from user input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The status was neither a code nor a class like `5xx`.
    #[error("invalid status filter {0:?}: use a code like 503 or a class like 5xx")]
    Status(String),
}

impl StatusFilter {
    /// Reads `503`, `5xx` or `5XX`.
    pub fn parse(s: &str) -> Result<StatusFilter, FilterError> {
        let s = s.trim();
        let err = || FilterError::Status(s.to_string());
        if let Some(digit) = s.to_ascii_lowercase().strip_suffix("xx") {
            return match digit.parse::<u8>() {
                Ok(d @ 0..=9) if digit.len() == 1 => Ok(StatusFilter::Class(d)),
                _ => Err(err()),
            };
        }
        s.parse().map(StatusFilter::Exact).map_err(|_| err())
    }

    /// Whether `code` satisfies this criterion.
    pub fn matches(self, code: u16) -> bool {
        match self {
            StatusFilter::Exact(c) => c == code,
            StatusFilter::Class(d) => code / 100 == u16::from(d),
        }
    }
}

impl fmt::Display for StatusFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusFilter::Exact(c) => write!(f, "{c}"),
            StatusFilter::Class(d) => write!(f, "{d}xx"),
        }
    }
}

/// A pure predicate over log lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Keep entries carrying any of these flags (empty: no constraint).
    pub flags: Vec<ResponseFlag>,
    /// Keep entries whose status matches.
    pub status: Option<StatusFilter>,
    /// Keep entries whose upstream cluster contains this (case-insensitive).
    pub cluster: Option<String>,
    /// Keep entries whose authority contains this (case-insensitive).
    pub authority: Option<String>,
    /// Keep entries with exactly this request id.
    pub request_id: Option<String>,
    /// ztunnel entries: source or destination workload contains this.
    pub workload: Option<String>,
    /// ztunnel entries: source or destination namespace is this.
    pub namespace: Option<String>,
    /// ztunnel entries: destination address, service or workload contains this.
    pub dst: Option<String>,
    /// ztunnel entries: the error contains this (empty: any error).
    pub error: Option<String>,
}

impl LogFilter {
    /// A filter on the comma-separated flags of `--flags UH,NR`.
    pub fn with_flags(mut self, flags: &str) -> Self {
        self.flags = parse_flags(flags);
        self
    }

    /// True when no criterion is set.
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
            && self.status.is_none()
            && self.cluster.is_none()
            && self.authority.is_none()
            && self.request_id.is_none()
            && self.workload.is_none()
            && self.namespace.is_none()
            && self.dst.is_none()
            && self.error.is_none()
    }

    /// Whether `line` passes. Lines that are not access entries pass only
    /// an empty filter.
    pub fn matches(&self, line: &LogLine) -> bool {
        match line {
            LogLine::Access(e) => self.matches_entry(e),
            _ => self.is_empty(),
        }
    }

    /// Whether an access entry passes every set criterion.
    pub fn matches_entry(&self, e: &AccessEntry) -> bool {
        (self.flags.is_empty() || self.flags.iter().any(|f| e.has_flag(f)))
            && self
                .status
                .is_none_or(|s| e.response_code.is_some_and(|c| s.matches(c)))
            && contains(self.cluster.as_deref(), e.upstream_cluster.as_deref())
            && contains(self.authority.as_deref(), e.authority.as_deref())
            && self
                .request_id
                .as_deref()
                .is_none_or(|id| e.request_id.as_deref() == Some(id))
            && self.matches_ztunnel(e)
    }

    /// The ambient criteria; an entry without ztunnel fields fails any set one.
    fn matches_ztunnel(&self, e: &AccessEntry) -> bool {
        if self.workload.is_none()
            && self.namespace.is_none()
            && self.dst.is_none()
            && self.error.is_none()
        {
            return true;
        }
        let Some(z) = e.ztunnel.as_deref() else {
            return false;
        };
        let any = |n: Option<&str>, hays: &[Option<&str>]| {
            n.is_none() || hays.iter().any(|h| contains(n, *h))
        };
        any(
            self.workload.as_deref(),
            &[z.src_workload.as_deref(), z.dst_workload.as_deref()],
        ) && self.namespace.as_deref().is_none_or(|ns| {
            z.src_namespace.as_deref() == Some(ns) || z.dst_namespace.as_deref() == Some(ns)
        }) && any(
            self.dst.as_deref(),
            &[
                z.dst_addr.as_deref(),
                z.dst_service.as_deref(),
                z.dst_workload.as_deref(),
                z.dst_hbone_addr.as_deref(),
            ],
        ) && self.error.as_deref().is_none_or(|want| {
            z.error
                .as_deref()
                .is_some_and(|got| contains(Some(want), Some(got)))
        })
    }
}

fn contains(needle: Option<&str>, hay: Option<&str>) -> bool {
    match (needle, hay) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(n), Some(h)) => h.to_ascii_lowercase().contains(&n.to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: u16, flags: &str, cluster: &str, authority: &str, id: &str) -> LogLine {
        LogLine::Access(Box::new(AccessEntry {
            response_code: Some(code),
            response_flags: parse_flags(flags),
            upstream_cluster: Some(cluster.to_string()),
            authority: Some(authority.to_string()),
            request_id: Some(id.to_string()),
            ..AccessEntry::default()
        }))
    }

    #[test]
    fn status_parsing() {
        assert_eq!(StatusFilter::parse("503"), Ok(StatusFilter::Exact(503)));
        assert_eq!(StatusFilter::parse("5XX"), Ok(StatusFilter::Class(5)));
        assert!(StatusFilter::parse("55xx").is_err());
        assert!(StatusFilter::parse("abc").is_err());
        assert_eq!(
            StatusFilter::parse("x").map_err(|e| e.to_string()),
            Err("invalid status filter \"x\": use a code like 503 or a class like 5xx".into())
        );
        assert!(StatusFilter::Class(5).matches(503));
        assert!(!StatusFilter::Class(5).matches(404));
        assert_eq!(StatusFilter::Class(4).to_string(), "4xx");
    }

    #[test]
    fn every_criterion_must_hold() {
        let uh = entry(
            503,
            "UH",
            "outbound|8000||httpbin.default.svc.cluster.local",
            "httpbin:8000",
            "r1",
        );
        let ok = entry(200, "-", "inbound|9080||", "reviews:9080", "r2");
        let other = LogLine::Other("hello".into());

        let all = LogFilter::default();
        assert!(all.matches(&uh) && all.matches(&ok) && all.matches(&other));

        let f = LogFilter::default().with_flags("NR,UH");
        assert!(f.matches(&uh) && !f.matches(&ok) && !f.matches(&other));

        let f = LogFilter {
            status: Some(StatusFilter::Class(5)),
            cluster: Some("HTTPBIN".into()),
            ..LogFilter::default()
        };
        assert!(f.matches(&uh) && !f.matches(&ok));

        let f = LogFilter {
            authority: Some("reviews".into()),
            request_id: Some("r2".into()),
            ..LogFilter::default()
        };
        assert!(!f.matches(&uh) && f.matches(&ok));

        let f = LogFilter {
            request_id: Some("r".into()),
            ..LogFilter::default()
        };
        assert!(!f.matches(&uh), "request id is exact, not a substring");
    }
}
