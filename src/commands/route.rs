//! `meshscope route`: which route a request takes through a sidecar, as a
//! decision trail or JSON; exit 0 when a route matched, 1 when none did.

use std::io::Write as _;

use super::source::{cli_client_options, fetch_text_with, single_mesh, BundlePod};
use super::{read_text, CommandError};
use crate::cli::{KubeArgs, Output, RouteArgs, SourceArgs};
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::ConfigDump;
use crate::model::route_explain::{explain, trail, RouteRequest};
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher as _};

/// The dump and, when the source has it, `/clusters?format=json`.
async fn gather(
    args: &RouteArgs,
    kube: &KubeArgs,
) -> Result<(String, String, Option<String>), CommandError> {
    if let Some(file) = &args.file {
        let clusters = match &args.clusters {
            Some(c) => Some(read_text(c)?),
            None => None,
        };
        return Ok((file.display().to_string(), read_text(file)?, clusters));
    }
    if let Some(url) = &args.admin {
        let mesh = single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            ..Default::default()
        });
        let fetcher = AdminFetcher::new(&mesh, &cli_client_options())
            .map_err(|e| CommandError::usage(e.0))?;
        let dump = fetch_text_with(&fetcher, &mesh, Endpoint::ConfigDump).await?;
        let clusters = fetch_text_with(&fetcher, &mesh, Endpoint::ClustersJson)
            .await
            .ok();
        return Ok((url.clone(), dump, clusters));
    }
    if let Some(path) = &args.bundle {
        let bundle = BundlePod::open(path, args.pod.as_deref())?;
        let dump = bundle.text(Endpoint::ConfigDump)?;
        let clusters = bundle.text(Endpoint::ClustersJson).ok();
        return Ok((path.display().to_string(), dump, clusters));
    }
    if let Some(pod) = &args.pod_name {
        return kube_bodies(kube, pod).await;
    }
    Err(CommandError::usage(
        "route needs a source: POD, --admin URL, --file DUMP or --bundle BUNDLE",
    ))
}

/// A cluster pod's dump and `/clusters` through a port-forward.
async fn kube_bodies(
    kube: &KubeArgs,
    pod: &str,
) -> Result<(String, String, Option<String>), CommandError> {
    let fail = |e: &dyn std::fmt::Display| CommandError::usage(format!("{e}"));
    let cluster = crate::sources::kube::connect(&crate::launch::kube_options(kube))
        .await
        .map_err(|e| fail(&e))?;
    let discovery = crate::sources::kube::discover(&cluster)
        .await
        .map_err(|e| fail(&e))?;
    let mesh = discovery.mesh();
    let target = mesh
        .pods
        .iter()
        .find(|t| t.key() == pod || t.name == pod)
        .cloned()
        .ok_or_else(|| {
            CommandError::usage(format!("no sidecar pod `{pod}` in {}", cluster.label()))
        })?;
    let fetcher = crate::sources::kube::KubeFetcher::new(
        cluster.stream_client.clone(),
        &discovery,
        cli_client_options(),
    );
    let text = |body: Vec<u8>| {
        String::from_utf8(body).map_err(|e| {
            CommandError::usage(format!(
                "{pod}: not UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            ))
        })
    };
    let dump = fetcher
        .fetch(Some(&target), Endpoint::ConfigDump)
        .await
        .map_err(|e| CommandError::usage(format!("{pod}: {}", e.0)))?;
    let clusters = fetcher
        .fetch(Some(&target), Endpoint::ClustersJson)
        .await
        .ok();
    Ok((
        target.key(),
        text(dump.body.to_vec())?,
        clusters.and_then(|c| text(c.body.to_vec()).ok()),
    ))
}

/// `name: value` → (name, value); a pseudo-header keeps its leading colon.
fn parse_header(h: &str) -> Result<(String, String), CommandError> {
    let start = usize::from(h.starts_with(':'));
    match h[start..].find(':') {
        Some(i) if i > 0 => {
            let (name, value) = h.split_at(start + i);
            Ok((name.trim().to_string(), value[1..].trim().to_string()))
        }
        _ => Err(CommandError::usage(format!(
            "-H `{h}`: expected `name: value`"
        ))),
    }
}

/// The request from the flags: the port from `--port`, else the host's, else 80.
pub fn request(args: &RouteArgs) -> Result<RouteRequest, CommandError> {
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    let host_port = args
        .host
        .rsplit_once(':')
        .filter(|(h, _)| !h.contains(']') || h.ends_with(']'))
        .and_then(|(_, p)| p.parse::<u16>().ok());
    if !args.path.starts_with('/') && args.path != "*" {
        return Err(CommandError::usage(format!(
            "--path `{}`: a path starts with `/`",
            args.path
        )));
    }
    Ok(RouteRequest {
        host: args.host.clone(),
        path: args.path.clone(),
        method: args.method.clone(),
        headers,
        port: args.port.or(host_port).unwrap_or(80),
    })
}

/// Runs `route`.
pub async fn run(args: &RouteArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let req = request(args)?;
    let (origin, dump_text, clusters_text) = gather(args, kube).await?;
    let dump =
        ConfigDump::parse(&dump_text).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
    let runtime = match clusters_text.as_deref() {
        Some(t) if ClusterStatuses::looks_like(t) => Some(
            ClusterStatuses::parse(t)
                .map_err(|e| CommandError::usage(format!("{origin}: /clusters: {e}")))?,
        ),
        _ => None,
    };
    let decision = explain(&dump, &req, runtime.as_ref());
    let text = match args.output {
        Output::Table => trail(&decision),
        Output::Json => {
            let doc = serde_json::json!({"source": origin, "decision": &decision});
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    if decision.verdict.matched() {
        return Ok(text);
    }
    let mut out = super::output::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.finish();
    Err(CommandError {
        code: 1,
        message: match decision.verdict {
            crate::model::route_explain::Verdict::NoRoute => "no route (404 NR)".to_string(),
            _ => "no HTTP route".to_string(),
        },
    })
}
