//! Resolving the source flags of non-interactive commands: a URL (one
//! sidecar reached by hand) or a bundle.

use std::path::Path;
use std::time::Duration;

use super::CommandError;
use crate::cli::SourceArgs;
use crate::sources::admin::ClientOptions;
use crate::sources::bundle::{Bundle, BundleFetcher};
use crate::sources::target::{AdminFetcher, Endpoint, Fetcher, MeshInfo, TargetInfo};

/// The mesh of one sidecar reached by URL (`--admin`, `--agent`, `--istiod`).
pub fn single_mesh(src: &SourceArgs) -> MeshInfo {
    single_mesh_named(src, "default/sidecar")
}

/// Same, with a `namespace/name` label for the pod.
pub fn single_mesh_named(src: &SourceArgs, pod: &str) -> MeshInfo {
    let (namespace, name) = pod.split_once('/').unwrap_or(("default", pod));
    let pods = if src.admin.is_some() || src.agent.is_some() {
        vec![TargetInfo {
            namespace: namespace.to_string(),
            name: name.to_string(),
            app: String::new(),
            admin: src.admin.clone(),
            agent: src.agent.clone(),
            scenarios: Vec::new(),
            ..Default::default()
        }]
    } else {
        Vec::new()
    };
    MeshInfo {
        istiod: src.istiod.clone(),
        pods,
    }
}

/// Client options for one-shot commands: short connect timeout, one retry,
/// the body-size cap from the config file.
pub fn cli_client_options() -> ClientOptions {
    ClientOptions {
        max_body_bytes: crate::config::Config::load_or_default().max_body_bytes(),
        connect_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(30),
        retries: 1,
        ..ClientOptions::default()
    }
}

/// Fetches an endpoint of the first pod (or istiod) as UTF-8 text.
pub async fn fetch_text(mesh: &MeshInfo, endpoint: Endpoint) -> Result<String, CommandError> {
    let fetcher =
        AdminFetcher::new(mesh, &cli_client_options()).map_err(|e| CommandError::usage(e.0))?;
    fetch_text_with(&fetcher, mesh, endpoint).await
}

/// [`fetch_text`] through a fetcher the caller keeps for several endpoints.
pub async fn fetch_text_with(
    fetcher: &AdminFetcher,
    mesh: &MeshInfo,
    endpoint: Endpoint,
) -> Result<String, CommandError> {
    let target = if endpoint == Endpoint::IstiodMetrics || endpoint == Endpoint::Syncz {
        None
    } else {
        mesh.pods.first()
    };
    let fetched = fetcher
        .fetch(target, endpoint)
        .await
        .map_err(|e| CommandError::usage(e.0))?;
    String::from_utf8(fetched.body.to_vec()).map_err(|e| {
        CommandError::usage(format!(
            "{}: not UTF-8 at byte {}",
            endpoint.name(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// One pod of a bundle, read from disk once for any number of endpoints.
pub struct BundlePod {
    path: std::path::PathBuf,
    fetcher: BundleFetcher,
    target: TargetInfo,
}

impl BundlePod {
    /// Reads the bundle and picks `pod` (`namespace/name` or name; default the first).
    pub fn open(path: &Path, pod: Option<&str>) -> Result<BundlePod, CommandError> {
        let bundle = Bundle::read(path).map_err(CommandError::usage)?;
        let mesh = bundle.mesh();
        let target = match pod {
            Some(p) => mesh
                .pods
                .iter()
                .find(|t| t.key() == p || t.name == p)
                .cloned()
                .ok_or_else(|| {
                    let names: Vec<String> = mesh.pods.iter().map(TargetInfo::key).collect();
                    CommandError::usage(format!(
                        "{}: no pod `{p}` (has: {})",
                        path.display(),
                        names.join(", ")
                    ))
                })?,
            None => mesh.pods.first().cloned().ok_or_else(|| {
                CommandError::usage(format!("{}: the bundle has no pods", path.display()))
            })?,
        };
        Ok(BundlePod {
            path: path.to_path_buf(),
            fetcher: BundleFetcher::new(bundle),
            target,
        })
    }

    /// The captured body of `endpoint` as text.
    pub fn text(&self, endpoint: Endpoint) -> Result<String, CommandError> {
        // The bundle fetcher answers immediately; no runtime needed.
        let fetched = futures::executor::block_on(self.fetcher.fetch(Some(&self.target), endpoint))
            .map_err(|e| CommandError::usage(format!("{}: {e}", self.path.display())))?;
        String::from_utf8(fetched.body.to_vec())
            .map_err(|e| CommandError::usage(format!("{}: not UTF-8: {e}", self.path.display())))
    }
}

/// An endpoint's text from a bundle (`pod`: `namespace/name`, default the first pod).
/// A bundle without `/clusters` answers that with its dump, which holds the EDS endpoints.
pub fn bundle_text(
    path: &Path,
    pod: Option<&str>,
    endpoint: Endpoint,
) -> Result<String, CommandError> {
    let bundle = BundlePod::open(path, pod)?;
    bundle.text(endpoint).or_else(|e| {
        if endpoint == Endpoint::ClustersJson {
            bundle.text(Endpoint::ConfigDump)
        } else {
            Err(e)
        }
    })
}

/// istiod's capture of an endpoint from a bundle.
pub fn bundle_istiod_text(path: &Path, endpoint: Endpoint) -> Result<String, CommandError> {
    let bundle = Bundle::read(path).map_err(CommandError::usage)?;
    let fetcher = BundleFetcher::new(bundle);
    let fetched = futures::executor::block_on(fetcher.fetch(None, endpoint))
        .map_err(|e| CommandError::usage(format!("{}: {e}", path.display())))?;
    String::from_utf8(fetched.body.to_vec())
        .map_err(|e| CommandError::usage(format!("{}: not UTF-8: {e}", path.display())))
}
