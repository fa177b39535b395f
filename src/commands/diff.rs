//! `meshscope diff A B`: two sidecars' config dumps compared per resource and
//! field, from any mix of admin URLs, files, folders, bundles, bug-report
//! proxies (`PATH#ns/pod`) and cluster pods. Exit 0 same, 1 different, 2 error.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::CommandError;
use crate::cli::{DiffArgs, KubeArgs, Output, SourceArgs};
use crate::model::config_dump::ConfigDump;
use crate::model::diff::{diff_dumps, short_value, Change, ConfigDiff, Options};
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher};

/// Where one side comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideSpec {
    /// An Envoy admin URL.
    Url(String),
    /// A file or folder, with the sidecar to take from it.
    Path(std::path::PathBuf, Option<String>),
    /// A pod in the cluster.
    Pod(String),
}

/// Reads a side argument: a URL, an existing path (`PATH#ns/pod` for one
/// sidecar of it), or else a pod name.
pub fn parse_side(arg: &str, pod: Option<&str>) -> SideSpec {
    if arg.starts_with("http://") || arg.starts_with("https://") {
        return SideSpec::Url(arg.to_string());
    }
    if Path::new(arg).exists() {
        return SideSpec::Path(arg.into(), pod.map(str::to_string));
    }
    if let Some((p, who)) = arg.rsplit_once('#') {
        if Path::new(p).exists() {
            return SideSpec::Path(p.into(), Some(who.to_string()));
        }
    }
    SideSpec::Pod(arg.to_string())
}

/// One side's dump text, with the label to print.
async fn load(spec: &SideSpec, kube: &KubeArgs) -> Result<(String, Vec<u8>), CommandError> {
    let usage = CommandError::usage;
    match spec {
        SideSpec::Url(u) => {
            let mesh = super::source::single_mesh(&SourceArgs {
                admin: Some(u.clone()),
                ..Default::default()
            });
            let f = AdminFetcher::new(&mesh, &super::source::cli_client_options())
                .map_err(|e| usage(e.0))?;
            let got = f
                .fetch(mesh.pods.first(), Endpoint::ConfigDump)
                .await
                .map_err(|e| usage(format!("{u}: {e}")))?;
            Ok((u.clone(), unwrap_arc(got.body)))
        }
        SideSpec::Path(p, who) => crate::sources::capture::config_dump_of(p, who.as_deref())
            .await
            .map_err(usage),
        SideSpec::Pod(pod) => {
            use crate::sources::kube as k;
            let cluster = k::connect(&crate::launch::kube_options(kube))
                .await
                .map_err(|e| usage(format!("{pod}: not a file or URL, and no cluster: {e}")))?;
            let discovery = k::discover(&cluster)
                .await
                .map_err(|e| usage(format!("{pod}: {e}")))?;
            let mesh = discovery.mesh();
            let target = mesh
                .pods
                .iter()
                .find(|t| t.name == *pod || t.key() == *pod)
                .cloned()
                .ok_or_else(|| {
                    usage(format!(
                        "`{pod}` is not a file, a URL, or an Istio proxy pod in {}",
                        cluster.scope.describe()
                    ))
                })?;
            let fetcher = k::KubeFetcher::new(
                cluster.stream_client.clone(),
                &discovery,
                super::source::cli_client_options(),
            );
            let got = fetcher
                .fetch(Some(&target), Endpoint::ConfigDump)
                .await
                .map_err(|e| usage(format!("{pod}: {e}")))?;
            Ok((target.key(), unwrap_arc(got.body)))
        }
    }
}

fn unwrap_arc(b: std::sync::Arc<Vec<u8>>) -> Vec<u8> {
    std::sync::Arc::try_unwrap(b).unwrap_or_else(|a| a.as_ref().clone())
}

fn as_text(label: &str, body: Vec<u8>) -> Result<String, CommandError> {
    String::from_utf8(body).map_err(|e| {
        CommandError::usage(format!(
            "{label}: not UTF-8 at byte {}",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Runs `diff`: prints the report; exit 1 (with the report printed) when the
/// sides differ.
pub async fn run(args: &DiffArgs, kube: &KubeArgs) -> Result<String, CommandError> {
    let sa = parse_side(&args.a, args.pod.as_deref());
    let sb = parse_side(&args.b, args.pod.as_deref());
    let (la, ba) = load(&sa, kube).await?;
    let (lb, bb) = load(&sb, kube).await?;
    let (ta, tb) = (as_text(&la, ba)?, as_text(&lb, bb)?);
    let da = ConfigDump::parse(&ta).map_err(|e| CommandError::usage(format!("{la}: {e}")))?;
    let db = ConfigDump::parse(&tb).map_err(|e| CommandError::usage(format!("{lb}: {e}")))?;
    let opts = Options {
        all_fields: args.all_fields,
    };
    let diff = diff_dumps(&da, &db, opts);
    let text = match args.output {
        Output::Table => table(&la, &lb, &diff),
        Output::Json => json(&la, &lb, &diff, opts),
    };
    if diff.differs() {
        let mut out = super::output::stdout();
        let _ = out.write_all(text.as_bytes());
        let _ = out.finish();
        return Err(CommandError {
            code: 1,
            message: format!("{} resource(s) differ", diff.resources.len()),
        });
    }
    Ok(text)
}

/// The human report: counts per kind, then each resource and its fields.
pub fn table(a: &str, b: &str, diff: &ConfigDiff) -> String {
    let mut s = format!("--- {a}\n+++ {b}\n");
    for (kind, c) in &diff.summary {
        s.push_str(&format!(
            "{:<18} {} added, {} removed, {} changed, {} unchanged\n",
            format!("{}:", kind.label()),
            c.added,
            c.removed,
            c.changed,
            c.unchanged
        ));
    }
    if !diff.differs() {
        s.push_str("no differences\n");
        return s;
    }
    s.push('\n');
    for r in &diff.resources {
        let mark = match r.change {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        };
        s.push_str(&format!("{mark} {} {}\n", r.kind.singular(), r.name));
        for f in &r.fields {
            let path = if f.path.is_empty() { "(root)" } else { &f.path };
            s.push_str(&format!(
                "    {path}: {} → {}\n",
                short_value(f.old.as_ref(), 120),
                short_value(f.new.as_ref(), 120)
            ));
        }
    }
    s
}

#[derive(Serialize)]
struct JsonReport<'a> {
    a: &'a str,
    b: &'a str,
    differ: bool,
    all_fields: bool,
    #[serde(flatten)]
    diff: &'a ConfigDiff,
}

/// The JSON report (documented in docs/json-output.md).
pub fn json(a: &str, b: &str, diff: &ConfigDiff, opts: Options) -> String {
    let report = JsonReport {
        a,
        b,
        differ: diff.differs(),
        all_fields: opts.all_fields,
        diff,
    };
    let mut s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_are_told_apart() {
        assert_eq!(
            parse_side("http://127.0.0.1:15000", None),
            SideSpec::Url("http://127.0.0.1:15000".into())
        );
        assert_eq!(
            parse_side("default/reviews-v1-abc", None),
            SideSpec::Pod("default/reviews-v1-abc".into())
        );
        let dir = std::env::temp_dir();
        let arg = format!("{}#ns/pod", dir.display());
        assert_eq!(
            parse_side(&arg, None),
            SideSpec::Path(dir.clone(), Some("ns/pod".into()))
        );
        assert_eq!(
            parse_side(&dir.display().to_string(), Some("x")),
            SideSpec::Path(dir, Some("x".into()))
        );
    }
}
