//! Envoy's `/stats` text format: one `name: value` line per counter or gauge,
//! `name: P0(interval,cumulative) P25(..) ...` per histogram (or
//! `name: No recorded values`), and `name: "text"` for text readouts.

use std::borrow::Cow;

use super::{LineError, ParsedStats, Quantile, Stat, StatKind, StatValue};

/// Parses an Envoy `/stats` text body. Bad lines become [`LineError`]s with
/// their line number; parsing never stops early.
pub fn parse_envoy_text(text: &str) -> ParsedStats<'_> {
    let mut out = ParsedStats {
        stats: Vec::with_capacity(text.len() / 48),
        errors: Vec::new(),
    };
    for parsed in envoy_text_lines(text) {
        match parsed {
            Ok(stat) => out.stats.push(stat),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// The stats of an Envoy `/stats` text body one line at a time (blank lines
/// skipped), for callers that stream instead of keeping every stat.
pub fn envoy_text_lines(text: &str) -> impl Iterator<Item = Result<Stat<'_>, LineError>> {
    text.lines().enumerate().filter_map(|(index, raw)| {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            return None;
        }
        Some(parse_line(line).map_err(|message| LineError {
            line: index + 1,
            message,
        }))
    })
}

fn parse_line(line: &str) -> Result<Stat<'_>, String> {
    // A histogram's value has no `: `, so the separator is the first `: P0(`
    // when there is one and otherwise the last `: ` (names may contain `:`).
    let split = line.find(": P0(").or_else(|| line.rfind(": "));
    let Some(colon) = split else {
        return match line.strip_suffix(':') {
            // `name:` with nothing after it: a text readout with an empty value.
            Some(name) if !name.is_empty() => Ok(text_stat(name, "")),
            _ => Err(format!("expected `name: value`, got {:?}", clip(line))),
        };
    };
    let (name, rest) = (&line[..colon], line[colon + 2..].trim());
    if name.is_empty() {
        return Err(format!("missing stat name in {:?}", clip(line)));
    }
    if let Ok(n) = rest.parse::<u64>() {
        return Ok(Stat {
            name: Cow::Borrowed(name),
            value: StatValue::Number(n),
            kind: guess_kind(name),
        });
    }
    if rest == "No recorded values" {
        return Ok(histogram(name, Vec::new()));
    }
    if rest.starts_with('P') {
        return parse_quantiles(rest).map(|q| histogram(name, q));
    }
    if let Some(inner) = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Ok(text_stat(name, inner));
    }
    Err(format!(
        "{}: unrecognised value {:?}",
        clip(name),
        clip(rest)
    ))
}

fn histogram(name: &str, quantiles: Vec<Quantile>) -> Stat<'_> {
    Stat {
        name: Cow::Borrowed(name),
        value: StatValue::Quantiles(quantiles),
        kind: StatKind::Histogram,
    }
}

fn text_stat<'a>(name: &'a str, value: &'a str) -> Stat<'a> {
    Stat {
        name: Cow::Borrowed(name),
        value: StatValue::Text(Cow::Borrowed(value)),
        kind: StatKind::TextReadout,
    }
}

/// Parses `P0(nan,0) P25(1.5,2) ...`.
fn parse_quantiles(rest: &str) -> Result<Vec<Quantile>, String> {
    let mut out = Vec::with_capacity(10);
    for part in rest.split_ascii_whitespace() {
        let body = part
            .strip_prefix('P')
            .and_then(|p| p.strip_suffix(')'))
            .ok_or_else(|| format!("bad quantile {:?}", clip(part)))?;
        let (q, pair) = body
            .split_once('(')
            .ok_or_else(|| format!("bad quantile {:?}", clip(part)))?;
        let (interval, cumulative) = pair
            .split_once(',')
            .ok_or_else(|| format!("bad quantile {:?}", clip(part)))?;
        out.push(Quantile {
            quantile: q
                .parse()
                .map_err(|_| format!("bad quantile {:?}", clip(part)))?,
            interval: parse_sample(interval)?,
            cumulative: parse_sample(cumulative)?,
        });
    }
    Ok(out)
}

fn parse_sample(s: &str) -> Result<Option<f64>, String> {
    if s.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    s.parse::<f64>()
        .map(Some)
        .map_err(|_| format!("bad quantile value {:?}", clip(s)))
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Suffixes of Envoy stats that are gauges; everything else numeric is a
/// counter. The text format does not say which is which, so this follows the
/// gauge names in Envoy's stat documentation.
const GAUGE_SUFFIXES: &[&str] = &[
    "_active",
    "_buffered",
    "_open",
    "_expiring",
    "membership_healthy",
    "membership_degraded",
    "membership_excluded",
    "membership_total",
    "max_host_weight",
    "version",
    "ejections_active",
    "total_clusters",
    "active_clusters",
    "warming_clusters",
    "total_listeners_warming",
    "total_listeners_draining",
    "total_filter_chains_draining",
    "uptime",
    "memory_allocated",
    "memory_heap_size",
    "memory_physical_size",
    "live",
    "state",
    "concurrency",
    "parent_connections",
    "total_connections",
    "hot_restart_epoch",
    "hot_restart_generation",
    "stats_recent_lookups",
    "connected_state",
    "update_time",
    "initialized",
    "pending_requests",
    "remaining_cx",
    "remaining_pending",
    "remaining_rq",
    "remaining_retries",
    "remaining_cx_pools",
    "lb_subsets_active",
    "worker_threads",
    "static_unknown_fields",
];

/// Infers counter or gauge from a stat name (Envoy's text format does not
/// carry the type). Histograms are recognised by their value, not their name.
pub fn guess_kind(name: &str) -> StatKind {
    if GAUGE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        StatKind::Gauge
    } else {
        StatKind::Counter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms() {
        let text = "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 59\n\
                    cluster.a.upstream_cx_active: 3\n\
                    cluster.a.upstream_cx_length_ms: P0(nan,0) P25(nan,1.5) P99.5(12,13.25) P100(nan,nan)\n\
                    cluster.b.upstream_rq_time: No recorded values\n\
                    server.version_string: \"1.28.0\"\n";
        let parsed = parse_envoy_text(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.stats.len(), 5);
        assert_eq!(parsed.stats[0].value, StatValue::Number(59));
        assert_eq!(parsed.stats[0].kind, StatKind::Counter);
        assert_eq!(parsed.stats[1].kind, StatKind::Gauge);
        let StatValue::Quantiles(q) = &parsed.stats[2].value else {
            panic!("expected quantiles, got {:?}", parsed.stats[2].value);
        };
        assert_eq!(q.len(), 4);
        assert_eq!(q[1].cumulative, Some(1.5));
        assert_eq!(q[2].quantile, 99.5);
        assert_eq!(q[2].interval, Some(12.0));
        assert_eq!(q[0].interval, None);
        assert_eq!(parsed.stats[3].value, StatValue::Quantiles(Vec::new()));
        assert_eq!(parsed.stats[3].kind, StatKind::Histogram);
        assert_eq!(parsed.stats[4].kind, StatKind::TextReadout);
        assert_eq!(
            parsed.stats[4].value,
            StatValue::Text(Cow::Borrowed("1.28.0"))
        );
    }

    #[test]
    fn bad_lines_are_reported_with_line_numbers_and_parsing_goes_on() {
        let parsed = parse_envoy_text("a.b: 1\ngarbage\n\nc.d: x1\ne.f: P0(1,2\ng: 7\n");
        assert_eq!(parsed.stats.len(), 2);
        let lines: Vec<usize> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 4, 5]);
        assert!(parsed.errors[1].message.contains("c.d"));
    }
}
