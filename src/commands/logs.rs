//! `meshscope logs`: parsed `istio-proxy` access logs, filtered, with what
//! each response flag means.

use std::io::Write;
use std::sync::Arc;

use futures::StreamExt;

use super::CommandError;
use crate::cli::{KubeArgs, LogsArgs, Output};
use crate::model::access_log::{parse_line, LogFilter, LogLine, StatusFilter};
use crate::sources::demo::{serve, ServeOptions};
use crate::sources::logs::{LogQuery, LogSource};

/// Builds the filter from the flags.
pub fn filter(args: &LogsArgs) -> Result<LogFilter, CommandError> {
    let mut f = LogFilter::default();
    if let Some(flags) = &args.flags {
        f = f.with_flags(flags);
    }
    if let Some(s) = &args.status {
        f.status = Some(
            StatusFilter::parse(s).map_err(|e| CommandError::usage(format!("--status: {e}")))?,
        );
    }
    f.request_id = args.request_id.clone();
    f.cluster = args.cluster.clone();
    f.authority = args.authority.clone();
    f.workload = args.workload.clone();
    f.namespace = args.workload_namespace.clone();
    f.dst = args.dst.clone();
    f.error = args.error.clone();
    Ok(f)
}

/// One entry as a line of text, with its flags explained.
pub fn format_line(line: &LogLine, raw: &str) -> String {
    match line {
        LogLine::Access(e) if e.ztunnel.is_some() => {
            let z = e.ztunnel.as_deref().cloned().unwrap_or_default();
            let who = |w: &Option<String>, ns: &Option<String>, addr: &Option<String>| match (w, ns)
            {
                (Some(w), Some(ns)) => format!("{w}.{ns}"),
                (Some(w), None) => w.clone(),
                _ => addr.clone().unwrap_or_else(|| "-".to_string()),
            };
            let mut s = format!(
                "{} {} {} {} → {} {} {}B/{}B {}ms",
                e.start_time.as_deref().unwrap_or("-"),
                z.level,
                z.direction.as_deref().unwrap_or("-"),
                who(
                    &z.src_workload,
                    &z.src_namespace,
                    &e.downstream_remote_address
                ),
                who(&z.dst_workload, &z.dst_namespace, &z.dst_addr),
                z.dst_service.as_deref().unwrap_or("-"),
                e.bytes_sent.map_or("-".to_string(), |d| d.to_string()),
                e.bytes_received.map_or("-".to_string(), |d| d.to_string()),
                e.duration_ms.map_or("-".to_string(), |d| d.to_string()),
            );
            if let Some(err) = &z.error {
                s.push_str(&format!("\n    error: {err}"));
            }
            s
        }
        LogLine::Access(e) => {
            let mut s = format!(
                "{} {} {} {} {} {} → {} {} {}ms id={}",
                e.start_time.as_deref().unwrap_or("-"),
                e.code_label(),
                e.flags_label(),
                e.method.as_deref().unwrap_or("-"),
                e.path.as_deref().unwrap_or("-"),
                e.authority.as_deref().unwrap_or("-"),
                e.upstream_cluster.as_deref().unwrap_or("-"),
                e.upstream_host.as_deref().unwrap_or("-"),
                e.duration_ms.map_or("-".to_string(), |d| d.to_string()),
                e.request_id.as_deref().unwrap_or("-"),
            );
            for f in &e.response_flags {
                s.push_str(&format!("\n    {}: {}", f.short(), f.meaning()));
            }
            s
        }
        _ => raw.to_string(),
    }
}

/// Finds a cluster pod by `NAME` or `NS/NAME` and its log source.
async fn kube_source(
    kube: &KubeArgs,
    pod: &str,
) -> Result<(Arc<dyn LogSource>, String, String), CommandError> {
    let fail = |e: &dyn std::fmt::Display| {
        CommandError::usage(format!(
            "{e} (no cluster? `meshscope logs --demo POD` reads the simulated mesh)"
        ))
    };
    let cluster = crate::sources::kube::connect(&crate::launch::kube_options(kube))
        .await
        .map_err(|e| fail(&e))?;
    let discovery = crate::sources::kube::discover(&cluster)
        .await
        .map_err(|e| fail(&e))?;
    let (ns, name) = match pod.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, pod),
    };
    let found = discovery
        .proxies
        .iter()
        .find(|p| p.name == name && ns.is_none_or(|n| n == p.namespace))
        .ok_or_else(|| {
            CommandError::usage(format!("no sidecar pod `{pod}` in {}", cluster.label()))
        })?;
    let source: Arc<dyn LogSource> = Arc::new(crate::sources::kube::KubeLogSource::new(
        cluster.stream_client.clone(),
    ));
    Ok((source, found.namespace.clone(), found.name.clone()))
}

/// Runs `logs`; prints as lines arrive.
pub async fn run(args: &LogsArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let filter = filter(args)?;
    let from_file = args
        .file
        .as_deref()
        .map(crate::sources::log_file::LogInput::from_arg);
    let (source, namespace, pod, _demo): (Arc<dyn LogSource>, String, String, _) = match &args.demo
    {
        _ if from_file.is_some() => {
            let input = from_file
                .clone()
                .unwrap_or(crate::sources::log_file::LogInput::Stdin);
            let label = input.label();
            let source: Arc<dyn LogSource> =
                Arc::new(crate::sources::log_file::FileLogSource::new(input));
            (source, String::new(), label, None)
        }
        Some(name) => {
            let demo = serve(ServeOptions {
                json_logs: args.json_logs,
                ..ServeOptions::default()
            })
            .await
            .map_err(|e| CommandError::usage(e.to_string()))?;
            let m = demo.manifest();
            let p = m
                .pods
                .iter()
                .find(|p| p.name == *name || p.name.starts_with(name.as_str()) || p.app == *name)
                .ok_or_else(|| {
                    let names: Vec<&str> = m.pods.iter().map(|p| p.app.as_str()).collect();
                    CommandError::usage(format!(
                        "no demo pod `{name}` (apps: {})",
                        names.join(", ")
                    ))
                })?
                .clone();
            // Let the simulated traffic produce a history to tail.
            demo.advance(60);
            (demo.log_source(), p.namespace, p.name, Some(demo))
        }
        None => {
            let pod = args.pod.as_deref().ok_or_else(|| {
                CommandError::usage(
                    "logs needs a POD (in the cluster), --demo POD, or --file FILE (- for stdin)",
                )
            })?;
            let (source, ns, name) = kube_source(kube, pod).await?;
            (source, ns, name, None)
        }
    };
    let mut query = LogQuery::sidecar(&namespace, &pod, args.tail);
    query.follow = args.follow;
    let mut stream = source.lines(&query);
    let mut out = super::output::stdout();
    let mut shown = 0usize;
    while let Some(item) = stream.next().await {
        let raw = item.map_err(|e| match from_file {
            Some(_) => CommandError::usage(e.to_string()),
            None => CommandError::usage(format!("{namespace}/{pod}: {e}")),
        })?;
        let line = parse_line(&raw);
        if !filter.is_empty() && !filter.matches(&line) {
            continue;
        }
        let text = match args.output {
            Output::Table => format_line(&line, &raw),
            Output::Json => serde_json::to_string(&line).unwrap_or_default(),
        };
        if writeln!(out, "{text}").is_err() {
            break; // stdout closed (e.g. `| head`)
        }
        shown += 1;
    }
    if shown == 0 && !args.follow {
        return Err(CommandError {
            code: 1,
            message: "no log line matched".to_string(),
        });
    }
    Ok(String::new())
}
