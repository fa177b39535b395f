//! `meshscope check POD | -n NS | -A`: the doctor on cluster pods through
//! port-forwards, with the fleet engine (bounded concurrency, time-boxed
//! probes). Exit 2 when a pod could not be read or on connection errors,
//! else 1 when a finding is at or above `--fail-on`, else 0.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use super::check_report::{table, threshold};
use super::CommandError;
use crate::cli::{CheckArgs, KubeArgs, Output};
use crate::model::findings::fleet::Outcome;
use crate::sources::fleet::{scan, CheckFetcher, FleetOptions, FleetReport};
use crate::sources::kube::{self as kube_src, KubeFetcher};

/// Runs the cluster scan and renders it.
pub async fn run(args: &CheckArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let fail = |e: &dyn std::fmt::Display| CommandError::usage(e.to_string());
    let cluster = kube_src::connect(&crate::launch::kube_options(kube))
        .await
        .map_err(|e| fail(&e))?;
    let discovery = kube_src::discover(&cluster).await.map_err(|e| fail(&e))?;
    let mut targets = discovery.mesh().pods;
    if let Some(p) = &args.target {
        targets.retain(|t| t.name == *p || t.key() == *p);
        if targets.is_empty() {
            return Err(CommandError::usage(format!(
                "no Istio proxy pod `{p}` in {} of {}",
                cluster.scope.describe(),
                cluster.url
            )));
        }
    }
    let opts = crate::sources::admin::ClientOptions {
        max_body_bytes: crate::config::Config::load_or_default().max_body_bytes(),
        connect_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs_f64(args.probe_timeout),
        retries: 1,
        ..Default::default()
    };
    let fetcher = KubeFetcher::new(cluster.stream_client.clone(), &discovery, opts);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let show = std::io::stderr().is_terminal();
    let progress = tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            if show {
                eprint!("\r{p}");
            }
        }
        if show {
            eprintln!();
        }
    });
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let report = scan(
        CheckFetcher::new(Arc::new(fetcher.clone())),
        targets,
        FleetOptions {
            concurrency: usize::from(args.concurrency),
            probe_timeout: Duration::from_secs_f64(args.probe_timeout),
            istiod: discovery.istiod.is_some(),
            ..FleetOptions::default()
        },
        Some(tx),
        cancel,
    )
    .await;
    let _ = progress.await;
    fetcher.close_except(None);
    let text = match args.output {
        Output::Json => json(&report),
        Output::Table => fleet_table(&report),
    };
    let failed = report
        .pods
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Failed { .. }))
        .count();
    let limit = threshold(args.fail_on);
    let over = report
        .pods
        .iter()
        .filter(
            |p| matches!(&p.outcome, Outcome::Checked { report, .. } if report.worst() >= limit),
        )
        .count();
    if failed > 0 || over > 0 {
        print!("{text}");
        return Err(CommandError {
            code: if failed > 0 { 2 } else { 1 },
            message: if failed > 0 {
                format!("{failed} pod(s) could not be checked")
            } else {
                format!("{over} pod(s) with findings at or above {}", limit.label())
            },
        });
    }
    Ok(text)
}

/// `{"pods": [...], "groups": [...], "cancelled": false}` (docs/json-output.md).
pub fn json(r: &FleetReport) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

/// Per pod its findings, then the grouping by rule.
pub fn fleet_table(r: &FleetReport) -> String {
    let mut out = String::new();
    for p in &r.pods {
        let _ = writeln!(out, "== {} ({})", p.pod, p.worst().label());
        match &p.outcome {
            Outcome::Checked { report, .. } => {
                // The not-checked list is the same for every pod: once, below.
                let mut shown = report.clone();
                shown.not_checked.clear();
                out.push_str(&table(&shown));
            }
            Outcome::Failed { error } => {
                let _ = writeln!(out, "not checked: {error}");
            }
        }
    }
    let _ = writeln!(out, "\n== by rule");
    if r.groups.is_empty() {
        out.push_str("no findings\n");
    }
    for g in &r.groups {
        let _ = writeln!(
            out,
            "{:<5}  {}",
            g.severity.label().to_uppercase(),
            g.summary()
        );
    }
    if let Some(Outcome::Checked { report, .. }) = r.pods.first().map(|p| &p.outcome) {
        for n in &report.not_checked {
            let _ = writeln!(
                out,
                "not checked: {} {} (needs {})",
                n.rule, n.name, n.needs
            );
        }
    }
    out
}
