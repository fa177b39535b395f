//! Opening anything saved: a meshscope bundle, a raw `/config_dump` (or
//! `istioctl pc all -o json`, the same JSON), a folder of admin bodies, or an
//! `istioctl bug-report` archive (`.tar.gz`, `.tar` or extracted). Told by
//! content, not by extension; served through the same [`Fetcher`] (and
//! [`LogSource`]) as a live sidecar, members read only when a view asks.

pub mod cluster;
pub mod layout;
pub mod sniff;
pub mod tree;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;

use self::layout::Layout;
use self::sniff::{sniff, BodyKind};
use self::tree::{Limits, Tree};
use super::bundle::{Bundle, BundleFetcher};
use super::logs::{LogError, LogQuery, LogSource, APP_CONTAINER};
use super::target::{Endpoint, FetchError, Fetched, Fetcher, MeshInfo, TargetInfo, TargetKind};

/// A capture opened for viewing.
pub struct Opened {
    /// What was recognised (`bug-report`, `config_dump`, `admin bodies`, `meshscope bundle`).
    pub kind: String,
    /// The sidecars (and whether istiod was captured).
    pub mesh: MeshInfo,
    /// Serves the captured bodies.
    pub fetcher: Arc<dyn Fetcher>,
    /// Serves the captured container logs, when there are any.
    pub logs: Option<Arc<dyn LogSource>>,
    /// One line: what was recognised and what is missing.
    pub summary: String,
    /// istiod debug captures by name (`adsz`, `configz`, …), bug-reports only.
    pub istiod_debug: Vec<String>,
    /// The `istioctl analyze` output, when the capture has one.
    pub analyze: Option<String>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("kind", &self.kind)
            .field("mesh", &self.mesh)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Opens `path` with the default size caps.
pub fn open(path: &Path) -> Result<Opened, String> {
    open_with(path, Limits::default())
}

/// Opens `path`, whatever it holds.
pub fn open_with(path: &Path, limits: Limits) -> Result<Opened, String> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{label}: {e}"))?;
    if meta.is_dir() {
        let tree = Tree::dir(path, limits)?;
        let layout = match layout::bug_report_root(&tree) {
            Some(root) => layout::bug_report(&tree, &root),
            None => layout::admin_bodies(&tree, &dir_name(path)),
        };
        return Ok(from_layout(tree, layout, "directory"));
    }
    let head = {
        use std::io::Read;
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(sniff::HEAD as u64).read_to_end(&mut buf))
            .map_err(|e| format!("{label}: {e}"))?;
        buf
    };
    let is_gzip = head.starts_with(&[0x1f, 0x8b]);
    let is_tar = head.len() > 262 && &head[257..262] == b"ustar";
    if is_gzip || is_tar {
        let tree = Tree::archive(path, limits)?;
        let layout = match layout::bug_report_root(&tree) {
            Some(root) => layout::bug_report(&tree, &root),
            None => layout::admin_bodies(&tree, &dir_name(path)),
        };
        let container = tree.container;
        return Ok(from_layout(tree, layout, container));
    }
    match sniff(&head, &label) {
        BodyKind::Bundle => {
            let bundle = Bundle::read(path)?;
            let mesh = bundle.mesh();
            let summary = format!(
                "{label}: meshscope bundle captured {}: {} sidecar(s){}",
                bundle.captured_at,
                mesh.pods.len(),
                if mesh.istiod.is_some() {
                    ", istiod"
                } else {
                    ", no istiod"
                }
            );
            Ok(Opened {
                kind: "meshscope bundle".into(),
                mesh,
                fetcher: Arc::new(BundleFetcher::new(bundle)),
                logs: None,
                summary,
                istiod_debug: Vec::new(),
                analyze: None,
            })
        }
        BodyKind::Unknown => Err(format!(
            "{label}: not recognised (want a meshscope bundle, a /config_dump, an admin \
             body, a folder of them, or an istioctl bug-report archive)"
        )),
        _ => {
            let body = tree::read_capped(path, limits.max_member)?;
            let member = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "body".into());
            let tree = Tree::memory(&label, vec![(member, body)]);
            let stem = path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            let layout = layout::admin_bodies(&tree, &stem);
            Ok(from_layout(tree, layout, "file"))
        }
    }
}

fn dir_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".into());
    name.trim_end_matches(".gz")
        .trim_end_matches(".tgz")
        .trim_end_matches(".tar")
        .to_string()
}

/// The endpoints a summary reports as missing when a sidecar lacks them.
const EXPECTED: &[Endpoint] = &[
    Endpoint::ConfigDump,
    Endpoint::ClustersJson,
    Endpoint::ServerInfo,
    Endpoint::Prometheus,
    Endpoint::Memory,
    Endpoint::Certs,
];

fn from_layout(tree: Tree, layout: Layout, container: &str) -> Opened {
    let tree = Arc::new(tree);
    let analyze = layout.analyze.as_ref().and_then(|m| {
        tree.read(m)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    });
    let summary = summarize(&tree, &layout, container, analyze.as_deref());
    let kind = if layout.kind == "admin bodies" && container == "file" {
        layout
            .proxies
            .first()
            .and_then(|p| p.files.keys().next())
            .map(|e| e.name().to_string())
            .unwrap_or_else(|| "log".into())
    } else {
        layout.kind.to_string()
    };
    let mesh = MeshInfo {
        istiod: layout
            .istiod
            .as_ref()
            .map(|(pod, _)| format!("{} {pod}", layout.kind)),
        pods: layout.proxies.iter().map(|p| p.target.clone()).collect(),
    };
    let logs: HashMap<String, String> = layout
        .proxies
        .iter()
        .filter_map(|p| p.log.clone().map(|l| (p.target.key(), l)))
        .collect();
    let log_source: Option<Arc<dyn LogSource>> = if logs.is_empty() {
        None
    } else {
        Some(Arc::new(CaptureLogs {
            tree: tree.clone(),
            logs,
        }))
    };
    let fetcher = CaptureFetcher {
        tree,
        proxies: layout
            .proxies
            .iter()
            .map(|p| (p.target.key(), p.files.clone()))
            .collect(),
        istiod: layout.istiod.clone().map(|(_, f)| f).unwrap_or_default(),
    };
    Opened {
        kind,
        mesh,
        fetcher: Arc::new(fetcher),
        logs: log_source,
        summary,
        istiod_debug: layout.istiod_debug.keys().cloned().collect(),
        analyze,
    }
}

/// Counts of `istioctl analyze` messages by level.
pub fn analyze_counts(text: &str) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for l in text.lines() {
        let l = l.trim_start();
        if l.starts_with("Error") {
            c.0 += 1;
        } else if l.starts_with("Warn") {
            c.1 += 1;
        } else if l.starts_with("Info") {
            c.2 += 1;
        }
    }
    c
}

fn summarize(tree: &Tree, layout: &Layout, container: &str, analyze: Option<&str>) -> String {
    let mut parts = Vec::new();
    let n = layout.proxies.len();
    parts.push(format!("{n} sidecar(s)"));
    if layout.kind == "bug-report" {
        match &layout.istiod {
            Some((pod, _)) => parts.push(format!(
                "istiod {pod} ({} debug captures)",
                layout.istiod_debug.len()
            )),
            None => parts.push("no istiod".into()),
        }
        match analyze {
            Some(a) => {
                let (e, w, i) = analyze_counts(a);
                parts.push(format!("analyze: {e} error(s), {w} warning(s), {i} info"));
            }
            None => parts.push("no analyze output".into()),
        }
        let meta = &layout.cluster_meta;
        let mut cluster = format!("cluster/: {} file(s)", layout.cluster.len());
        if meta.pods > 0 {
            cluster.push_str(&format!(
                ", {} pod(s), metadata for {} of {n} proxies",
                meta.pods, meta.matched
            ));
        }
        for e in &meta.errors {
            cluster.push_str(&format!(" ({e})"));
        }
        parts.push(cluster);
    } else if let Some(p) = layout.proxies.first() {
        let found: Vec<&str> = p
            .files
            .keys()
            .map(|e| BodyKind::Endpoint(*e).describe())
            .chain(p.log.iter().map(|_| "log"))
            .collect();
        parts.push(format!("found {}", found.join(", ")));
    }
    let mut missing = Vec::new();
    // A ztunnel has only its config_dump to save (istioctl collects no more).
    let ztunnel = |p: &&layout::Proxy| p.target.kind == Some(TargetKind::Ztunnel);
    let ztunnels = layout.proxies.iter().filter(ztunnel).count();
    if ztunnels > 0 {
        parts.push(format!("{ztunnels} ztunnel(s)"));
    }
    for e in EXPECTED {
        let lacking = layout
            .proxies
            .iter()
            .filter(|p| !ztunnel(p) && !p.files.contains_key(e))
            .count();
        if lacking > 0 {
            missing.push(format!(
                "{}{}",
                BodyKind::Endpoint(*e).describe(),
                if n > 1 {
                    format!(" ({lacking} of {n})")
                } else {
                    String::new()
                }
            ));
        }
    }
    let no_log = layout.proxies.iter().filter(|p| p.log.is_none()).count();
    if no_log > 0 {
        missing.push(if n > 1 {
            format!("istio-proxy.log ({no_log} of {n})")
        } else {
            "log".into()
        });
    }
    if !missing.is_empty() {
        parts.push(format!("missing: {}", missing.join(", ")));
    }
    let unusable: usize = layout.proxies.iter().map(|p| p.unusable.len()).sum();
    if unusable > 0 {
        parts.push(format!("{unusable} file(s) not usable"));
    }
    if !tree.skipped.is_empty() {
        parts.push(format!("{} skipped", tree.skipped.len()));
    }
    format!(
        "{}: {} ({container}, {} files): {}",
        tree.label,
        layout.kind,
        tree.len(),
        parts.join("; ")
    )
}

/// Runs blocking reads off the async runtime when there is one.
fn read_member(
    tree: Arc<Tree>,
    member: String,
) -> BoxFuture<'static, Result<Arc<Vec<u8>>, String>> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => Box::pin(async move {
            h.spawn_blocking(move || tree.read(&member))
                .await
                .map_err(|e| format!("read task: {e}"))?
        }),
        Err(_) => {
            let r = tree.read(&member);
            Box::pin(async move { r })
        }
    }
}

/// Serves a capture's members as endpoint bodies.
struct CaptureFetcher {
    tree: Arc<Tree>,
    proxies: HashMap<String, BTreeMap<Endpoint, String>>,
    istiod: BTreeMap<Endpoint, String>,
}

impl Fetcher for CaptureFetcher {
    fn fetch(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let (who, member) = match target {
            None => ("istiod".to_string(), self.istiod.get(&endpoint).cloned()),
            Some(t) => (
                t.key(),
                self.proxies
                    .get(&t.key())
                    .and_then(|f| f.get(&endpoint))
                    .cloned(),
            ),
        };
        let Some(member) = member else {
            let has = |e: Endpoint| {
                target
                    .and_then(|t| self.proxies.get(&t.key()))
                    .is_some_and(|f| f.contains_key(&e))
            };
            let hint = if endpoint == Endpoint::Stats && has(Endpoint::Prometheus) {
                " (it holds stats/prometheus, as istioctl bug-report saves them: \
                 the Cardinality view reads it)"
            } else {
                ""
            };
            let msg = format!("{who} {} is not in this capture{hint}", endpoint.name());
            return Box::pin(async move { Err(FetchError(msg)) });
        };
        let read = read_member(self.tree.clone(), member.clone());
        Box::pin(async move {
            let body = read.await.map_err(FetchError)?;
            let kind = sniff(&body, &member);
            if kind == BodyKind::ClustersText && endpoint == Endpoint::ClustersJson {
                // A bug-report saves `/clusters` as text: served as the JSON
                // the views read, with what the text carries.
                let text = String::from_utf8_lossy(&body);
                let json = crate::model::clusters_text::parse(&text)
                    .and_then(|cs| serde_json::to_vec(&cs).map_err(|e| e.to_string()))
                    .map_err(|e| FetchError(format!("{who} `{member}`: {e}")))?;
                return Ok(Fetched {
                    status: 200,
                    body: Arc::new(json),
                });
            }
            if matches!(kind, BodyKind::ClustersText | BodyKind::ListenersText) {
                return Err(FetchError(format!(
                    "{who} {}: `{member}` was saved as text; this view needs the JSON form \
                     (?format=json)",
                    endpoint.name()
                )));
            }
            Ok(Fetched {
                status: 200,
                body: body.clone(),
            })
        })
    }
}

/// Serves each sidecar's saved container log, read to its end (never followed).
struct CaptureLogs {
    tree: Arc<Tree>,
    logs: HashMap<String, String>,
}

impl LogSource for CaptureLogs {
    fn lines(&self, query: &LogQuery) -> BoxStream<'static, Result<String, LogError>> {
        let key = format!("{}/{}", query.namespace, query.pod);
        let member = match self.logs.get(&key) {
            Some(m) if query.container != APP_CONTAINER => m.clone(),
            Some(_) => {
                let msg = format!("{key}: the capture holds only the istio-proxy log");
                return futures::stream::once(async move { Err(LogError::NotFound(msg)) }).boxed();
            }
            None => {
                let msg = format!("{key}: no istio-proxy.log in this capture");
                return futures::stream::once(async move { Err(LogError::NotFound(msg)) }).boxed();
            }
        };
        let tail = query.tail;
        let read = read_member(self.tree.clone(), member);
        futures::stream::once(read)
            .flat_map(move |r| {
                let lines: Vec<Result<String, LogError>> = match r {
                    Ok(body) => {
                        let text = String::from_utf8_lossy(&body);
                        let all: Vec<&str> = text.lines().collect();
                        let skip = tail.map_or(0, |t| all.len().saturating_sub(t));
                        all[skip..].iter().map(|l| Ok(l.to_string())).collect()
                    }
                    Err(e) => vec![Err(LogError::Other(e))],
                };
                futures::stream::iter(lines)
            })
            .boxed()
    }
}

/// Picks one sidecar of an opened capture: `want` as `ns/pod` or `pod`, or
/// the only one.
pub fn pick<'a>(
    opened: &'a Opened,
    label: &str,
    want: Option<&str>,
) -> Result<&'a TargetInfo, String> {
    let pods = &opened.mesh.pods;
    match want {
        Some(w) => pods
            .iter()
            .find(|t| t.key() == w || t.name == w)
            .ok_or_else(|| {
                let names: Vec<String> = pods.iter().take(20).map(TargetInfo::key).collect();
                format!("{label}: no sidecar `{w}` (has: {})", names.join(", "))
            }),
        None if pods.len() == 1 => Ok(&pods[0]),
        None if pods.is_empty() => Err(format!("{label}: no sidecar in this capture")),
        None => {
            let names: Vec<String> = pods.iter().take(20).map(TargetInfo::key).collect();
            Err(format!(
                "{label}: {} sidecars; name one (PATH#ns/pod or --pod): {}{}",
                pods.len(),
                names.join(", "),
                if pods.len() > 20 { ", …" } else { "" }
            ))
        }
    }
}

/// The config dump of one sidecar of whatever `path` holds (`who` picks it
/// when there are several), with the label to show: `PATH`, or `PATH#ns/pod`
/// when the capture has more than one sidecar.
pub async fn config_dump_of(path: &Path, who: Option<&str>) -> Result<(String, Vec<u8>), String> {
    let label = path.display().to_string();
    let p = path.to_path_buf();
    let opened = tokio::task::spawn_blocking(move || open(&p))
        .await
        .map_err(|e| format!("{label}: {e}"))??;
    let target = pick(&opened, &label, who)?.clone();
    let got = opened
        .fetcher
        .fetch(Some(&target), Endpoint::ConfigDump)
        .await
        .map_err(|e| format!("{label}: {e}"))?;
    let shown = if opened.mesh.pods.len() > 1 {
        format!("{label}#{}", target.key())
    } else {
        label
    };
    Ok((
        shown,
        Arc::try_unwrap(got.body).unwrap_or_else(|a| a.as_ref().clone()),
    ))
}
