//! `meshscope zc`: istioctl-identical `ztunnel-config` tables from a ztunnel
//! `/config_dump` (file, admin URL, bundle or cluster pod), or istioctl's JSON.

pub use super::zc_target::TargetWorkload;
use std::io::Read;

use super::{read_text, CommandError};
use crate::cli::{KubeArgs, Output, SourceArgs, ZcArgs, ZcKind};
use crate::model::ztunnel::json::go_json;
use crate::model::ztunnel::tables::{self, ConnectionsFilter, WorkloadFilter};
use crate::model::ztunnel::ZtunnelDump;
use crate::sources::target::Endpoint;

/// Runs `zc`, returning the text to print.
pub async fn run(args: &ZcArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let (origin, text, target) = if let Some(file) = &args.file {
        let text = if file.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CommandError::usage(format!("standard input: {e}")))?;
            s
        } else {
            read_text(file)?
        };
        (file.display().to_string(), text, None)
    } else if let Some(url) = &args.admin {
        let mesh = super::source::single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            ..Default::default()
        });
        let text = super::source::fetch_text(&mesh, Endpoint::ConfigDump).await?;
        (url.clone(), text, None)
    } else if let Some(bundle) = &args.bundle {
        let text = super::source::bundle_text(bundle, args.pod.as_deref(), Endpoint::ConfigDump)?;
        (bundle.display().to_string(), text, None)
    } else if args.pod_arg.is_some() || args.node.is_some() {
        let found =
            super::zc_kube::ztunnel_dump(kube, args.pod_arg.as_deref(), args.node.as_deref())
                .await?;
        (found.origin, found.text, found.target)
    } else {
        return Err(CommandError::usage(
            "zc needs a source: --file DUMP, --admin URL, --bundle BUNDLE, a POD or --node NODE",
        ));
    };
    if !ZtunnelDump::looks_like(&text) && text.contains("\"configs\"") {
        return Err(CommandError::usage(format!(
            "{origin}: this is an Envoy config dump (a sidecar, gateway or waypoint); \
             read it with `meshscope pc`"
        )));
    }
    let dump =
        ZtunnelDump::parse(&text).map_err(|e| CommandError::usage(format!("{origin}: {e}")))?;
    let now = crate::sources::clock::unix_now();
    Ok(render(&dump, &text, args, target.as_ref(), now))
}

/// Renders one `zc` kind. `raw` is the dump as received (`all -o json`
/// prints it unchanged); `now` (Unix seconds) decides VALID CERT.
pub fn render(
    dump: &ZtunnelDump,
    raw: &str,
    args: &ZcArgs,
    target: Option<&TargetWorkload>,
    now: i64,
) -> String {
    let json = args.output == Output::Json;
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    match args.kind {
        ZcKind::Workload => {
            let mut f = WorkloadFilter {
                address: s(&args.address),
                node: s(&args.workload_node),
                namespace: s(&args.workload_namespace),
                name: String::new(),
            };
            if let Some(t) = target {
                f.name = t.name.clone();
                f.namespace = t.namespace.clone();
            }
            if json {
                go_json(&dump.workloads_filtered(&f))
            } else {
                tables::workload_table(&dump.workload_rows(&f))
            }
        }
        ZcKind::Service => {
            let ns = s(&args.service_namespace);
            if json {
                go_json(&dump.services_sorted(&ns))
            } else {
                tables::service_table(&dump.service_rows(&ns))
            }
        }
        ZcKind::Policy => {
            let ns = s(&args.policy_namespace);
            if json {
                go_json(&dump.policies_sorted(&ns))
            } else {
                tables::policy_table(&dump.policy_rows(&ns))
            }
        }
        ZcKind::Certificate => {
            if json {
                go_json(&dump.certificates)
            } else {
                tables::cert_table(&dump.cert_rows(now))
            }
        }
        ZcKind::Connections => {
            let mut f = ConnectionsFilter {
                namespace: s(&args.workload_namespace),
                direction: s(&args.direction),
                raw: args.raw,
                workload: String::new(),
            };
            if let Some(t) = target {
                f.workload = t.name.clone();
                f.namespace = t.namespace.clone();
            }
            if json {
                go_json(&dump.workload_states(&f))
            } else {
                tables::connection_table(&dump.connection_rows(&f))
            }
        }
        ZcKind::All => {
            if json {
                let mut out = raw.to_string();
                out.push('\n');
                out
            } else {
                tables::all_text(dump, args.with_headers, now)
            }
        }
    }
}
