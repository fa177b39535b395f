//! `meshscope check`: the doctor's findings for one sidecar, from a live
//! admin port (two `/stats` reads for rates), a bundle or a saved dump; exit
//! 1 when a finding is at or above `--fail-on`. Read-only: only GETs (and the
//! list-only `/logging` is not even asked).

use std::time::Duration;

use super::check_report::{table, threshold};
use super::read_text;
use super::source::{cli_client_options, fetch_text_with, single_mesh, BundlePod};
use super::CommandError;
use crate::cli::{CheckArgs, KubeArgs, Output, SourceArgs};
use crate::model::findings::bodies::{evaluate, Bodies, JudgeAt};
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher as _};

async fn gather(args: &CheckArgs) -> Result<(String, Bodies), CommandError> {
    let mut b = Bodies::default();
    let origin;
    if let Some(url) = &args.admin {
        origin = url.clone();
        let mesh = single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            agent: args.agent.clone(),
            istiod: args.istiod.clone(),
        });
        let fetcher = AdminFetcher::new(&mesh, &cli_client_options())
            .map_err(|e| CommandError::usage(e.0))?;
        let get = |endpoint| fetch_text_with(&fetcher, &mesh, endpoint);
        // config_dump is essential: its failure is the command's failure.
        let dump = get(Endpoint::ConfigDump).await?;
        // A ztunnel: its dump, 15020 metrics and the logs given; it has no
        // /stats, /clusters or /server_info to ask.
        if crate::model::ztunnel::ZtunnelDump::looks_like(&dump) {
            b.dump = Some(dump);
            if args.agent.is_some() {
                b.prometheus = get(Endpoint::AgentPrometheus).await.ok();
            }
            if let Some(f) = &args.logs {
                b.logs = Some(read_text(f)?);
            }
            return Ok((origin, b));
        }
        b.dump = Some(dump);
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
        if args.istiod.is_some() {
            istiod_view(&fetcher, &mesh, &mut b).await;
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
        b.syncz = super::source::bundle_istiod_text(path, Endpoint::Syncz).ok();
        b.proxy_id = b.dump.as_deref().and_then(node_proxy_id);
    } else if let Some(file) = &args.file {
        origin = file.display().to_string();
        b.dump = Some(read_text(file)?);
    } else {
        return Err(CommandError::usage(
            "check needs a source: POD, -n NS or -A (cluster), --admin URL [--agent URL] [--istiod URL], --bundle BUNDLE or --file DUMP",
        ));
    }
    if let Some(f) = &args.logs {
        b.logs = Some(read_text(f)?);
    }
    Ok((origin, b))
}

/// Runs `check`: one sidecar, or with a pod, -n or -A a cluster scan.
pub async fn run(args: &CheckArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let local = args.admin.is_some() || args.bundle.is_some() || args.file.is_some();
    if !local && (args.target.is_some() || kube.namespace.is_some() || kube.all_namespaces) {
        return super::check_fleet::run(args, kube).await;
    }
    let (origin, b) = gather(args).await?;
    // A capture is judged at the time it was taken (its newest last_updated):
    // a certificate valid then is no finding now.
    let now = crate::sources::clock::unix_now();
    let at = if args.admin.is_some() {
        JudgeAt::Unix(now)
    } else {
        JudgeAt::Captured(now)
    };
    let report = evaluate(&b, at).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
    let text = match args.output {
        Output::Json => {
            let doc = serde_json::json!({"source": origin, "report": &report});
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        Output::Table => table(&report),
    };
    let threshold = threshold(args.fail_on);
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

/// istiod's view of the one sidecar: its syncz row, its config as istiod
/// would send it, and the Istio objects (for Gateway ports). Each is optional
/// evidence: a failure leaves the rule "not checked".
async fn istiod_view(
    fetcher: &AdminFetcher,
    mesh: &crate::sources::target::MeshInfo,
    b: &mut Bodies,
) {
    let text = |f: crate::sources::target::Fetched| String::from_utf8_lossy(&f.body).into_owned();
    b.syncz = fetcher.fetch(None, Endpoint::Syncz).await.ok().map(text);
    // Without a pod name, the proxy id comes from the dump's node id.
    let id = b.dump.as_deref().and_then(node_proxy_id);
    if let Some(id) = id {
        let mut t = mesh.pods.first().cloned().unwrap_or_default();
        if let Some((name, ns)) = id.split_once('.') {
            t.name = name.to_string();
            t.namespace = ns.to_string();
        }
        b.istiod_dump = fetcher
            .fetch(Some(&t), Endpoint::IstiodConfigDump)
            .await
            .ok()
            .filter(|f| f.status == 200)
            .map(text);
        b.proxy_id = Some(id);
    }
}

/// `sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local` → `pod.ns`.
fn node_proxy_id(dump: &str) -> Option<String> {
    crate::model::findings::bodies::node_identity(dump).map(|(_, id)| id)
}
