//! `meshscope stats`: list a proxy's stats, print only the highlighted ones
//! (overflows with their breaker limit and rate now), or the cardinality
//! report of its metric series. Reads a file (Envoy text, Envoy JSON or
//! Prometheus, detected), a live admin URL, pilot-agent's merged 15020
//! output, or a bundle.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use regex::Regex;
use serde::Serialize;
use serde_json::{json, Value};

use super::source::single_mesh;
use super::stats_input::{
    detect, envoy_stats, fetch_named, highlight_input, looks_like, read_source, StatsFormat,
};
use super::{read_text, CommandError};
use crate::app::stats::data::{breaker_thresholds, summary};
use crate::cli::{Output, SourceArgs, StatsArgs};
use crate::model::cardinality::{
    analyze_envoy_stats, analyze_prometheus, cardinality_table, CardinalityReport, PromCardinality,
};
use crate::model::clusters::ClusterStatuses;
use crate::model::stats::{
    apply_rates, envoy_text_lines, format_highlight, highlights, BreakerThresholds, Highlight,
    PromKind, PromParser, PromSample, Stat, StatKind,
};
use crate::model::text_table::{text_table, Columns};
use crate::sources::line_blocks;
use crate::sources::target::Endpoint;

/// Runs `stats`, returning the text to print.
pub async fn run(args: &StatsArgs) -> Result<String, CommandError> {
    let filter = args
        .filter
        .as_deref()
        .map(Regex::new)
        .transpose()
        .map_err(|e| CommandError::usage(format!("--filter: {e}")))?;
    if args.agent.is_some() && !args.cardinality && !args.highlights {
        return Err(CommandError::usage(
            "--agent serves pilot-agent's merged /stats/prometheus: use it with --cardinality or --highlights",
        ));
    }
    if args.cardinality {
        return cardinality(args, filter.as_ref()).await;
    }
    let (origin, text) = match &args.agent {
        // pilot-agent's merged body carries Envoy's series: highlights come from it.
        Some(url) => agent_prometheus(url).await?,
        None => read_source(args, Endpoint::Stats).await?,
    };
    if args.highlights {
        return highlight_cmd(args, &origin, &text, filter.as_ref()).await;
    }
    list(args.output, &origin, &text, filter.as_ref())
}

/// Renders the `stats` listing of a body (any of the three formats) as the
/// command prints it; `origin` names the source in messages.
pub fn list(
    output: Output,
    origin: &str,
    text: &str,
    filter: Option<&Regex>,
) -> Result<String, CommandError> {
    let keep = |name: &str| filter.is_none_or(|re| re.is_match(name));
    if output == Output::Table {
        return list_table(origin, text, &keep);
    }
    let mut items: Vec<Value> = Vec::new();
    let errors = if detect(text) == StatsFormat::Prometheus {
        let mut parser = PromParser::new(text);
        for s in parser.by_ref() {
            let name = prom_name(&s);
            if keep(&name) {
                let value = s.as_u64().map_or_else(|| json!(s.value), |v| json!(v));
                items.push(json!({"name": name, "kind": s.kind, "value": value}));
            }
        }
        parser.errors().len()
    } else {
        let (stats, errors) = envoy_stats(origin, text)?;
        for s in stats.iter().filter(|s| keep(&s.name)) {
            items.push(json!({"name": s.name, "kind": s.kind, "value": s.value}));
        }
        errors
    };
    Ok(to_json(&json!({"stats": items, "parse_errors": errors})))
}

/// A Prometheus series as the list names it: `name{labels}`.
fn prom_name<'a>(s: &PromSample<'a>) -> Cow<'a, str> {
    if s.labels.is_empty() {
        Cow::Borrowed(s.name)
    } else {
        Cow::Owned(format!("{}{{{}}}", s.name, s.labels.raw()))
    }
}

/// The NAME/TYPE/VALUE table in two streaming passes over the text (widths,
/// then rows), so memory is the input and the output, not a value per stat.
fn list_table(
    origin: &str,
    text: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Result<String, CommandError> {
    const HEADER: [&str; 3] = ["NAME", "TYPE", "VALUE"];
    let mut columns = Columns::new(&HEADER);
    let mut out = String::new();
    let errors = match detect(text) {
        StatsFormat::Prometheus => {
            let rows = |cols: &mut dyn FnMut([&str; 3])| {
                let mut parser = PromParser::new(text);
                for s in parser.by_ref() {
                    let name = prom_name(&s);
                    if keep(&name) {
                        let value = s
                            .as_u64()
                            .map_or_else(|| s.value.to_string(), |v| v.to_string());
                        cols([&name, prom_kind_label(s.kind), &value]);
                    }
                }
                parser.errors().len()
            };
            rows(&mut |r| columns.measure(r));
            columns.push_header(&mut out, &HEADER);
            rows(&mut |r| columns.push_row(&mut out, r))
        }
        StatsFormat::EnvoyText => {
            let rows = |cols: &mut dyn FnMut([&str; 3])| {
                let (mut stats, mut errors) = (0usize, 0usize);
                for parsed in envoy_text_lines(text) {
                    let Ok(s) = parsed else {
                        errors += 1;
                        continue;
                    };
                    stats += 1;
                    if keep(&s.name) {
                        let value = s
                            .value
                            .as_u64()
                            .map_or_else(|| summary(&s.value), |v| v.to_string());
                        cols([&s.name, kind_label(s.kind), &value]);
                    }
                }
                (stats, errors)
            };
            let (stats, errors) = rows(&mut |r| columns.measure(r));
            if stats == 0 && errors > 0 {
                // Not stats at all: the same message as every other reader.
                envoy_stats(origin, text)?;
            }
            columns.push_header(&mut out, &HEADER);
            rows(&mut |r| columns.push_row(&mut out, r));
            errors
        }
        _ => {
            let (stats, errors) = envoy_stats(origin, text)?;
            let value = |s: &Stat<'_>| {
                s.value
                    .as_u64()
                    .map_or_else(|| summary(&s.value), |v| v.to_string())
            };
            let kept = || stats.iter().filter(|s| keep(&s.name));
            for s in kept() {
                columns.measure([&s.name, kind_label(s.kind), &value(s)]);
            }
            columns.push_header(&mut out, &HEADER);
            for s in kept() {
                columns.push_row(&mut out, [&s.name, kind_label(s.kind), &value(s)]);
            }
            errors
        }
    };
    if errors > 0 {
        out.push_str(&format!("({errors} lines did not parse)\n"));
    }
    Ok(out)
}

/// A Prometheus type as `-o json` spells it.
fn prom_kind_label(kind: PromKind) -> &'static str {
    match kind {
        PromKind::Counter => "counter",
        PromKind::Gauge => "gauge",
        PromKind::Histogram => "histogram",
        PromKind::Summary => "summary",
        PromKind::Untyped => "untyped",
    }
}

/// A stat kind as `-o json` spells it.
fn kind_label(kind: StatKind) -> &'static str {
    match kind {
        StatKind::Counter => "counter",
        StatKind::Gauge => "gauge",
        StatKind::Histogram => "histogram",
        StatKind::TextReadout => "text_readout",
    }
}

async fn thresholds(args: &StatsArgs) -> Result<HashMap<String, BreakerThresholds>, CommandError> {
    let read = if let Some(file) = &args.clusters {
        Some((file.display().to_string(), read_text(file)?))
    } else if args.admin.is_some() || args.bundle.is_some() {
        // Thresholds are a bonus: a proxy or bundle without /clusters still has highlights.
        read_source(args, Endpoint::ClustersJson).await.ok()
    } else {
        None
    };
    match read {
        Some((origin, t)) if ClusterStatuses::looks_like(&t) => ClusterStatuses::parse(&t)
            .map(|cs| breaker_thresholds(&cs))
            .map_err(|e| CommandError::usage(format!("{origin}: {e}"))),
        Some((origin, t)) if args.clusters.is_some() => Err(CommandError::usage(format!(
            "--clusters {origin}: not a /clusters?format=json body: {}",
            looks_like(t.as_bytes())
        ))),
        _ => Ok(HashMap::new()),
    }
}

/// Renders `stats --highlights` for one body read once (no rates), with
/// breaker `limits` from `/clusters`, as the command prints it.
pub fn highlights_once(
    output: Output,
    origin: &str,
    text: &str,
    limits: &HashMap<String, BreakerThresholds>,
) -> Result<String, CommandError> {
    let (stats, parse_errors) = highlight_input(origin, text)?;
    let list = highlights(&stats, limits);
    Ok(match output {
        Output::Json => to_json(&json!({
            "interval_secs": Option::<f64>::None,
            "highlights": list,
            "parse_errors": parse_errors,
        })),
        Output::Table => highlight_table(&list, false),
    })
}

async fn highlight_cmd(
    args: &StatsArgs,
    origin: &str,
    first: &str,
    filter: Option<&Regex>,
) -> Result<String, CommandError> {
    let limits = thresholds(args).await?;
    let (before, mut parse_errors) = highlight_input(origin, first)?;
    let sampled = args.admin.is_some() && args.agent.is_none() && args.interval > 0.0;
    let mut list = if sampled {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs_f64(args.interval.min(60.0))).await;
        let (origin, second) = read_source(args, Endpoint::Stats).await?;
        let elapsed = start.elapsed().as_secs_f64();
        let (now, errors) = highlight_input(&origin, &second)?;
        parse_errors = errors;
        let mut list = highlights(&now, &limits);
        apply_rates(&mut list, &before, elapsed);
        list
    } else {
        highlights(&before, &limits)
    };
    list.retain(|h| filter.is_none_or(|re| re.is_match(&h.full_name)));
    Ok(match args.output {
        Output::Json => to_json(&json!({
            "interval_secs": sampled.then_some(args.interval),
            "highlights": list,
            "parse_errors": parse_errors,
        })),
        Output::Table => highlight_table(&list, sampled),
    })
}

/// The `stats --highlights` table: one row per highlight, then what each means.
pub fn highlight_table(list: &[Highlight], sampled: bool) -> String {
    if list.is_empty() {
        return "no highlights: no overflow, open breaker, rejected update, no route or \
                cluster, ejection, health-check, TLS, timeout or connect-failure stat is non-zero\n"
            .into();
    }
    let rows: Vec<[String; 6]> = list
        .iter()
        .map(|h| {
            let severity = serde_json::to_value(h.severity).unwrap_or(Value::Null);
            [
                severity.as_str().unwrap_or("").to_string(),
                h.scope.to_string(),
                h.subject.clone(),
                h.stat.clone(),
                h.value.to_string(),
                h.rate.map_or_else(|| "-".into(), |r| format!("{r:.1}/s")),
            ]
        })
        .collect();
    let mut out = text_table(
        &["SEVERITY", "SCOPE", "SUBJECT", "STAT", "VALUE", "RATE"],
        &rows,
    );
    out.push('\n');
    for h in list {
        out.push_str(&format!(
            "{}\n    {}; {}\n",
            format_highlight(h),
            h.meaning,
            h.advice
        ));
    }
    if !sampled {
        out.push_str(
            "(one snapshot: no rates; with --admin two reads --interval apart give them)\n",
        );
    }
    out
}

async fn cardinality(args: &StatsArgs, filter: Option<&Regex>) -> Result<String, CommandError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if let (Some(path), None) = (&args.file, &args.agent) {
        if let Some(report) = prometheus_file_cardinality(path, args.threshold, threads) {
            return Ok(cardinality_output(args.output, report, filter));
        }
    }
    let (origin, text) = if let Some(url) = &args.agent {
        agent_prometheus(url).await?
    } else {
        read_source(args, Endpoint::Prometheus).await?
    };
    cardinality_render(args.output, &origin, &text, args.threshold, threads, filter)
}

/// Renders `stats --cardinality` of a body (Prometheus or Envoy stats) as the
/// command prints it, analysing on up to `threads` threads.
pub fn cardinality_render(
    output: Output,
    origin: &str,
    text: &str,
    threshold: usize,
    threads: usize,
    filter: Option<&Regex>,
) -> Result<String, CommandError> {
    let report = match detect(text) {
        StatsFormat::Prometheus => analyze_prometheus(text, threshold, threads),
        StatsFormat::Unknown | StatsFormat::EnvoyText | StatsFormat::EnvoyJson => {
            let (stats, _) = envoy_stats(origin, text)?;
            analyze_envoy_stats(&stats, threshold)
        }
    };
    Ok(cardinality_output(output, report, filter))
}

fn cardinality_output(
    output: Output,
    mut report: CardinalityReport,
    filter: Option<&Regex>,
) -> String {
    if let Some(re) = filter {
        report.families.retain(|f| re.is_match(&f.family));
        report.labels.retain(|l| re.is_match(&l.family));
    }
    match output {
        Output::Json => to_json(&report),
        Output::Table => cardinality_table(&report),
    }
}

/// Files smaller than this are read by one thread.
const PARALLEL_FILE_BYTES: u64 = 8 << 20;

/// The cardinality of a Prometheus file read in blocks on `threads` threads
/// (see [`line_blocks`]); `None` when it is not Prometheus text or not UTF-8,
/// or could not be read, so the caller reads it whole and says why.
fn prometheus_file_cardinality(
    path: &std::path::Path,
    threshold: usize,
    threads: usize,
) -> Option<CardinalityReport> {
    let ranges = line_blocks::line_ranges(path, threads, PARALLEL_FILE_BYTES).ok()?;
    let mut head = String::new();
    let first = ranges.first()?.clone();
    let peek = first.start..first.end.min(64 << 10);
    // The first whole lines decide the format, as for a body read whole.
    line_blocks::for_each_block(path, peek, |b| head.push_str(b)).ok()?;
    let head = head.get(..head.rfind('\n')? + 1)?;
    if detect(head) != StatsFormat::Prometheus {
        return None;
    }
    let whole = PromCardinality::of_pieces(ranges, |range, c| {
        line_blocks::for_each_block(path, range, |b| c.feed(b))
    })
    .ok()?;
    Some(whole.report(threshold))
}

/// pilot-agent's merged `/stats/prometheus` (port 15020): `(origin, text)`.
async fn agent_prometheus(url: &str) -> Result<(String, String), CommandError> {
    let mesh = single_mesh(&SourceArgs {
        agent: Some(url.to_string()),
        ..Default::default()
    });
    fetch_named(&mesh, url, Endpoint::AgentPrometheus).await
}

fn to_json<T: Serialize>(value: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
