//! `meshscope stats`: list a proxy's stats, print only the highlighted ones
//! (overflows with their breaker limit and rate now), or the cardinality
//! report of its metric series. Reads a file (Envoy text, Envoy JSON or
//! Prometheus, detected), a live admin URL, pilot-agent's merged 15020
//! output, or a bundle.

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
use crate::app::stats_data::{breaker_thresholds, summary};
use crate::cli::{Output, SourceArgs, StatsArgs};
use crate::model::cardinality::{analyze_envoy_stats, analyze_prometheus, cardinality_table};
use crate::model::clusters::ClusterStatuses;
use crate::model::stats::{
    apply_rates, format_highlight, highlights, BreakerThresholds, Highlight, PromParser,
};
use crate::model::text_table::text_table;
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
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    let errors = if detect(text) == StatsFormat::Prometheus {
        let mut parser = PromParser::new(text);
        for s in parser.by_ref() {
            let name = if s.labels.is_empty() {
                s.name.to_string()
            } else {
                format!("{}{{{}}}", s.name, s.labels.raw())
            };
            if keep(&name) {
                let kind = serde_json::to_value(s.kind).unwrap_or(Value::Null);
                let value = s.as_u64().map_or_else(|| json!(s.value), |v| json!(v));
                rows.push([
                    name.clone(),
                    kind.as_str().unwrap_or("").into(),
                    s.as_u64()
                        .map_or_else(|| s.value.to_string(), |v| v.to_string()),
                ]);
                items.push(json!({"name": name, "kind": kind, "value": value}));
            }
        }
        parser.errors().len()
    } else {
        let (stats, errors) = envoy_stats(origin, text)?;
        for s in stats.iter().filter(|s| keep(&s.name)) {
            let value = s
                .value
                .as_u64()
                .map_or_else(|| summary(&s.value), |v| v.to_string());
            let kind = serde_json::to_value(s.kind).unwrap_or(Value::Null);
            rows.push([
                s.name.to_string(),
                kind.as_str().unwrap_or("").into(),
                value,
            ]);
            items.push(json!({"name": s.name, "kind": kind, "value": s.value}));
        }
        errors
    };
    Ok(match output {
        Output::Json => to_json(&json!({"stats": items, "parse_errors": errors})),
        Output::Table => {
            let mut out = text_table(&["NAME", "TYPE", "VALUE"], &rows);
            if errors > 0 {
                out.push_str(&format!("({errors} lines did not parse)\n"));
            }
            out
        }
    })
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
    let (origin, text) = if let Some(url) = &args.agent {
        agent_prometheus(url).await?
    } else {
        read_source(args, Endpoint::Prometheus).await?
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
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
    let mut report = match detect(text) {
        StatsFormat::Prometheus => analyze_prometheus(text, threshold, threads),
        StatsFormat::Unknown | StatsFormat::EnvoyText | StatsFormat::EnvoyJson => {
            let (stats, _) = envoy_stats(origin, text)?;
            analyze_envoy_stats(&stats, threshold)
        }
    };
    if let Some(re) = filter {
        report.families.retain(|f| re.is_match(&f.family));
        report.labels.retain(|l| re.is_match(&l.family));
    }
    Ok(match output {
        Output::Json => to_json(&report),
        Output::Table => cardinality_table(&report),
    })
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
