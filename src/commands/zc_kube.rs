//! `zc POD` / `zc --node NODE`: find the ztunnel (the pod itself, or the
//! ztunnel DaemonSet pod on the workload's node), port-forward its admin port
//! 15000 and read `/config_dump`, as `istioctl ztunnel-config` does.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

use super::zc_target::TargetWorkload;
use super::CommandError;
use crate::cli::{KubeArgs, SourceArgs};
use crate::sources::kube::PortForward;
use crate::sources::target::Endpoint;

/// A dump read from a cluster.
pub struct Found {
    /// `namespace/pod` of the ztunnel.
    pub origin: String,
    /// The dump body.
    pub text: String,
    /// The workload to narrow rows to, when a non-ztunnel pod was named.
    pub target: Option<TargetWorkload>,
}

/// `NS/NAME`, `NAME.NS` or `NAME` (in the context's namespace).
fn split_pod<'a>(arg: &'a str, default_ns: &'a str) -> (&'a str, &'a str) {
    if let Some((ns, name)) = arg.split_once('/') {
        return (ns, name);
    }
    if let Some((name, ns)) = arg.split_once('.') {
        return (ns, name);
    }
    (default_ns, arg)
}

fn is_ztunnel(p: &Pod) -> bool {
    let labels = p.metadata.labels.as_ref();
    labels.is_some_and(|l| l.get("app").is_some_and(|v| v == "ztunnel"))
}

/// Finds and reads the ztunnel for `pod` or `node`.
pub async fn ztunnel_dump(
    kube: &KubeArgs,
    pod: Option<&str>,
    node: Option<&str>,
) -> Result<Found, CommandError> {
    let fail = |e: &dyn std::fmt::Display| CommandError::usage(e.to_string());
    let opts = crate::launch::kube_options(kube);
    let cluster = crate::sources::kube::connect(&opts)
        .await
        .map_err(|e| fail(&e))?;
    let default_ns = match &cluster.scope {
        crate::sources::kube::Scope::Namespace(ns) => ns.clone(),
        crate::sources::kube::Scope::All => "default".to_string(),
    };
    let all: Api<Pod> = Api::all(cluster.client.clone());
    let ztunnels = all
        .list(&ListParams::default().labels("app=ztunnel"))
        .await
        .map_err(|e| fail(&e))?;
    let node_of = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.clone());
    let (wanted_node, target, direct) = match (pod, node) {
        (Some(arg), _) => {
            let (ns, name) = split_pod(arg, &default_ns);
            let api: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
            let p = api
                .get(name)
                .await
                .map_err(|e| fail(&format!("{ns}/{name}: {e}")))?;
            if is_ztunnel(&p) {
                (None, None, Some((ns.to_string(), name.to_string())))
            } else {
                let n = node_of(&p).ok_or_else(|| {
                    CommandError::usage(format!("{ns}/{name} is not scheduled on a node yet"))
                })?;
                let t = TargetWorkload {
                    name: name.to_string(),
                    namespace: ns.to_string(),
                };
                (Some(n), Some(t), None)
            }
        }
        (None, Some(n)) => (Some(n.to_string()), None, None),
        (None, None) => return Err(CommandError::usage("zc needs a POD or --node")),
    };
    let (zns, zname) = match direct {
        Some(d) => d,
        None => {
            let n = wanted_node.unwrap_or_default();
            let z = ztunnels
                .items
                .iter()
                .find(|z| node_of(z).as_deref() == Some(n.as_str()))
                .ok_or_else(|| {
                    CommandError::usage(format!(
                        "no ztunnel pod (label app=ztunnel) on node {n}: is ambient mode installed?"
                    ))
                })?;
            (
                z.metadata.namespace.clone().unwrap_or_default(),
                z.metadata.name.clone().unwrap_or_default(),
            )
        }
    };
    let api: Api<Pod> = Api::namespaced(cluster.stream_client.clone(), &zns);
    let fwd = PortForward::start(api, &zname, 15000)
        .await
        .map_err(|e| fail(&e))?;
    let url = fwd
        .ready(Duration::from_secs(10))
        .await
        .map_err(|e| fail(&e))?;
    let mesh = super::source::single_mesh(&SourceArgs {
        admin: Some(url),
        ..Default::default()
    });
    let text = super::source::fetch_text(&mesh, Endpoint::ConfigDump).await?;
    Ok(Found {
        origin: format!("{zns}/{zname}"),
        text,
        target,
    })
}
