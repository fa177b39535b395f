//! Envoy statistics: parsers for the three formats the admin port serves
//! (`/stats` text, `/stats?format=json`, `/stats/prometheus`), tag extraction
//! from Envoy stat names, and the highlights that break production.
//!
//! Everything here borrows from the input: a stat's name is a slice of the
//! text that was fetched, so parsing a large `/stats` body allocates only the
//! vector of stats (and nothing per line for the Prometheus iterator).

use std::borrow::Cow;

use serde::Serialize;

pub mod envoy_json;
pub mod envoy_text;
pub mod highlight_rules;
pub mod highlights;
pub mod prom_highlights;
pub mod prometheus;
pub mod shape;
pub mod synthetic;
pub mod tags;

pub use envoy_json::{parse_envoy_json, EnvoyJsonError};
pub use envoy_text::{envoy_text_lines, guess_kind, parse_envoy_text};
pub use highlights::{
    apply_rates, format_highlight, highlights, rate_per_second, sort_worst_first,
    BreakerThresholds, Highlight, Severity,
};
pub use prom_highlights::highlight_stats_from_prometheus;
pub use prometheus::{PromKind, PromLabels, PromParser, PromSample};
pub use tags::{StatName, StatScope};

/// What an Envoy stat measures, as far as its name or format tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatKind {
    /// A monotonically increasing count (`upstream_rq_total`).
    Counter,
    /// A value that goes up and down (`upstream_cx_active`, `circuit_breakers.*_open`).
    Gauge,
    /// A latency or size distribution, kept as quantiles.
    Histogram,
    /// A text value (`server.version_string`), newer Envoys only.
    TextReadout,
}

/// One quantile of an Envoy histogram: `P99(12.5,11.0)` is quantile 99 with
/// the last interval's value 12.5 and the cumulative value 11.0. `nan` (no
/// samples yet) is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// The quantile in percent, e.g. `99.5`.
    pub quantile: f64,
    /// The value over the last flush interval, `None` when nothing was recorded.
    pub interval: Option<f64>,
    /// The value since Envoy started, `None` when nothing was recorded.
    pub cumulative: Option<f64>,
}

/// The value of one Envoy stat.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatValue<'a> {
    /// A counter's or gauge's value.
    Number(u64),
    /// A histogram's quantiles; empty for `No recorded values`.
    Quantiles(Vec<Quantile>),
    /// A text readout's value.
    Text(Cow<'a, str>),
}

impl StatValue<'_> {
    /// The numeric value of a counter or gauge, `None` for histograms and text.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            StatValue::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// One Envoy stat as the admin port reports it, borrowing its name from the
/// fetched body when it can.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stat<'a> {
    /// The full flat name, e.g. `cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow`.
    pub name: Cow<'a, str>,
    /// The value.
    pub value: StatValue<'a>,
    /// The kind: exact for histograms and text, inferred from the name for
    /// counters and gauges (see [`guess_kind`]).
    pub kind: StatKind,
}

impl Stat<'_> {
    /// The name split into its tags, the way Envoy's tag extractors do.
    pub fn tags(&self) -> StatName<'_> {
        StatName::parse(&self.name)
    }
}

/// A line that could not be parsed; parsing goes on with the next line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number in the input.
    pub line: usize,
    /// What was wrong, for the pane that asked.
    pub message: String,
}

/// The result of parsing a line-oriented stats body: the stats that parsed
/// and the lines that did not.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedStats<'a> {
    /// The stats, in input order.
    pub stats: Vec<Stat<'a>>,
    /// Lines that could not be parsed, in input order.
    pub errors: Vec<LineError>,
}

#[cfg(test)]
#[path = "fixture_tests.rs"]
mod fixture_tests;
