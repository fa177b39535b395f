//! `meshscope check`: the doctor's findings for one sidecar, from a live
//! admin port (two `/stats` reads for rates), a bundle or a saved dump; exit
//! 1 when a finding is at or above `--fail-on`. Read-only: only GETs (and the
//! list-only `/logging` is not even asked).

use std::fmt::Write as _;
use std::time::Duration;

use super::read_text;
use super::source::{cli_client_options, fetch_text_with, single_mesh, BundlePod};
use super::CommandError;
use crate::cli::{CheckArgs, FailOn, Output, SourceArgs};
use crate::model::access_log::{parse_line, AccessEntry, LogLine};
use crate::model::cardinality::analyze_prometheus;
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::ConfigDump;
use crate::model::findings::{diagnose, Evidence, Report};
use crate::model::server_info::ServerInfo;
use crate::model::severity::Severity;
use crate::model::stats::parse_envoy_text;
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher as _};

/// The bodies the rules read, as text.
#[derive(Default)]
struct Bodies {
    dump: Option<String>,
    clusters: Option<String>,
    stats: Option<String>,
    previous_stats: Option<(String, f64)>,
    server_info: Option<String>,
    agent_ready: Option<u16>,
    prometheus: Option<String>,
    logs: Option<String>,
}

async fn gather(args: &CheckArgs) -> Result<(String, Bodies), CommandError> {
    let mut b = Bodies::default();
    let origin;
    if let Some(url) = &args.admin {
        origin = url.clone();
        let mesh = single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            agent: args.agent.clone(),
            ..Default::default()
        });
        let fetcher = AdminFetcher::new(&mesh, &cli_client_options())
            .map_err(|e| CommandError::usage(e.0))?;
        let get = |endpoint| fetch_text_with(&fetcher, &mesh, endpoint);
        // config_dump is essential: its failure is the command's failure.
        b.dump = Some(get(Endpoint::ConfigDump).await?);
        let first = get(Endpoint::Stats).await?;
        let interval = Duration::from_secs_f64(args.interval.max(0.0));
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
            b.previous_stats = Some((first, interval.as_secs_f64()));
            b.stats = Some(get(Endpoint::Stats).await?);
        } else {
            b.stats = Some(first);
        }
        b.clusters = get(Endpoint::ClustersJson).await.ok();
        b.server_info = get(Endpoint::ServerInfo).await.ok();
        b.prometheus = get(Endpoint::Prometheus).await.ok();
        if args.agent.is_some() {
            b.agent_ready = fetcher
                .fetch(mesh.pods.first(), Endpoint::AgentReady)
                .await
                .ok()
                .map(|f| f.status);
        }
    } else if let Some(path) = &args.bundle {
        origin = path.display().to_string();
        // Read once; an endpoint the bundle lacks is simply absent evidence.
        let bundle = BundlePod::open(path, args.pod.as_deref())?;
        b.dump = Some(bundle.text(Endpoint::ConfigDump)?);
        b.stats = bundle.text(Endpoint::Stats).ok();
        b.clusters = bundle.text(Endpoint::ClustersJson).ok();
        b.server_info = bundle.text(Endpoint::ServerInfo).ok();
        b.prometheus = bundle.text(Endpoint::Prometheus).ok();
    } else if let Some(file) = &args.file {
        origin = file.display().to_string();
        b.dump = Some(read_text(file)?);
    } else {
        return Err(CommandError::usage(
            "check needs a source: --admin URL [--agent URL], --bundle BUNDLE or --file DUMP",
        ));
    }
    if let Some(f) = &args.logs {
        b.logs = Some(read_text(f)?);
    }
    Ok((origin, b))
}

/// Runs `check`.
pub async fn run(args: &CheckArgs) -> Result<String, CommandError> {
    let (origin, b) = gather(args).await?;
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        CommandError::usage(format!("{origin}: {what}: {e}"))
    };
    let dump = match &b.dump {
        Some(t) => Some(ConfigDump::parse(t).map_err(|e| bad("config_dump", &e))?),
        None => None,
    };
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
        .map(|t| analyze_prometheus(t, 1000, 2));
    let logs: Option<Vec<AccessEntry>> = b.logs.as_deref().map(|t| {
        t.lines()
            .filter_map(|l| match parse_line(l) {
                LogLine::Access(e) => Some(*e),
                _ => None,
            })
            .collect()
    });
    // A capture is judged at the time it was taken (its newest last_updated):
    // a certificate valid then is no finding now.
    let live = args.admin.is_some();
    let now = match dump.as_ref().and_then(captured_at).filter(|_| !live) {
        Some(t) => t,
        None => crate::sources::clock::unix_now(),
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
        now_unix: now,
    });
    let text = match args.output {
        Output::Json => {
            let doc = serde_json::json!({"source": origin, "report": &report});
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Output::Table => table(&report),
    };
    let threshold = match args.fail_on {
        FailOn::Warn => Severity::Warn,
        FailOn::Error => Severity::Error,
    };
    if report.worst() >= threshold {
        print!("{text}");
        return Err(CommandError {
            code: 1,
            message: format!(
                "{} finding(s) at or above {}",
                report
                    .findings
                    .iter()
                    .filter(|f| f.severity >= threshold)
                    .count(),
                threshold.label()
            ),
        });
    }
    Ok(text)
}

/// The newest `last_updated` of the dump, as Unix seconds.
fn captured_at(dump: &ConfigDump<'_>) -> Option<i64> {
    dump.resources
        .iter()
        .filter_map(|r| r.last_updated.as_deref())
        .filter_map(crate::model::x509::rfc3339_secs)
        .max()
}

/// The findings as text: each with its proof and fix, then what was not checked.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    if r.findings.is_empty() {
        out.push_str("no findings\n");
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{:<5}  {}  {}",
            f.severity.label().to_uppercase(),
            f.rule,
            f.title
        );
        for p in &f.evidence {
            let mut line = format!("       {} {} = {}", p.source, p.item, p.value);
            if let Some(l) = &p.limit {
                let _ = write!(line, " (limit {l})");
            }
            if let Some(rate) = p.rate {
                let _ = write!(line, " ({rate:+.1}/s now)");
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "       means: {}", f.meaning);
        let _ = writeln!(out, "       fix:   {}", f.fix);
        let _ = writeln!(out, "       docs:  {}", f.doc);
    }
    for n in &r.not_checked {
        let _ = writeln!(
            out,
            "not checked: {} {} (needs {})",
            n.rule, n.name, n.needs
        );
    }
    out
}
