//! From kubectl-style flags to a validated kube-rs [`Client`]: find and read
//! the kubeconfig, pick the context, apply a short connect timeout, and make
//! one cheap call so an unreachable cluster is reported before the UI starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::error::{from_kube, one_line, KubeError};
use super::KubeOptions;

/// Which namespaces discovery, watches and logs cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One namespace (`-n`, or the context's namespace).
    Namespace(String),
    /// Every namespace (`-A`).
    All,
}

impl Scope {
    /// A pod API over this scope.
    pub fn pods(&self, client: Client) -> Api<Pod> {
        match self {
            Scope::Namespace(ns) => Api::namespaced(client, ns),
            Scope::All => Api::all(client),
        }
    }

    /// `namespace NS` or `all namespaces`, for labels.
    pub fn describe(&self) -> String {
        match self {
            Scope::Namespace(ns) => format!("namespace {ns}"),
            Scope::All => "all namespaces".to_string(),
        }
    }
}

/// A reachable cluster.
#[derive(Clone)]
pub struct Cluster {
    /// For lists, watches and other bounded calls (default read timeout).
    pub client: Client,
    /// For long-lived streams (log follow, port-forwards): no read timeout.
    pub stream_client: Client,
    /// The API server URL from the kubeconfig.
    pub url: String,
    /// The kubeconfig context in use (empty in-cluster).
    pub context: String,
    /// What discovery covers.
    pub scope: Scope,
    /// The options it was opened with.
    pub options: KubeOptions,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("url", &self.url)
            .field("context", &self.context)
            .field("scope", &self.scope)
            .finish()
    }
}

impl Cluster {
    /// `context (namespace NS)`, for the status line.
    pub fn label(&self) -> String {
        let ctx = if self.context.is_empty() {
            "in-cluster"
        } else {
            &self.context
        };
        format!("{ctx} ({})", self.scope.describe())
    }
}

fn kubeconfig_error(path: &str, e: &KubeconfigError) -> KubeError {
    let reason = match e {
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => other.to_string(),
    };
    KubeError::Kubeconfig {
        path: path.to_string(),
        reason: one_line(&reason),
    }
}

fn read(path: &Path) -> Result<Kubeconfig, KubeError> {
    Kubeconfig::read_from(path).map_err(|e| kubeconfig_error(&path.display().to_string(), &e))
}

/// The kubeconfig to use and the name to report it by: `--kubeconfig`, then
/// every existing file of `$KUBECONFIG` merged, then `~/.kube/config`.
/// `Ok(None)` means none exists (try in-cluster config).
fn load_kubeconfig(flag: Option<&Path>) -> Result<Option<(Kubeconfig, String)>, KubeError> {
    if let Some(p) = flag {
        return Ok(Some((read(p)?, p.display().to_string())));
    }
    if let Some(var) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let name = var.to_string_lossy().to_string();
        let mut merged: Option<Kubeconfig> = None;
        for p in std::env::split_paths(&var).filter(|p| p.is_file()) {
            let next = read(&p)?;
            merged = Some(match merged {
                None => next,
                Some(m) => m.merge(next).map_err(|e| kubeconfig_error(&name, &e))?,
            });
        }
        return match merged {
            Some(k) => Ok(Some((k, name))),
            None => Err(KubeError::Kubeconfig {
                path: name,
                reason: "no such file (from $KUBECONFIG)".to_string(),
            }),
        };
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home.map(|h| h.join(".kube").join("config")) {
        Some(p) if p.exists() => Ok(Some((read(&p)?, p.display().to_string()))),
        _ => Ok(None),
    }
}

async fn config_for(opts: &KubeOptions) -> Result<(Config, String), KubeError> {
    match load_kubeconfig(opts.kubeconfig.as_deref())? {
        Some((kubeconfig, name)) => {
            let context = opts
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_default();
            let known = kubeconfig.contexts.iter().any(|c| c.name == context);
            if opts.context.is_some() && !known {
                return Err(KubeError::Kubeconfig {
                    path: name,
                    reason: format!("no context named `{context}`"),
                });
            }
            let kco = KubeConfigOptions {
                context: opts.context.clone(),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &kco)
                .await
                .map_err(|e| kubeconfig_error(&name, &e))?;
            Ok((config, context))
        }
        None => Config::incluster()
            .map(|c| (c, String::new()))
            .map_err(|_| KubeError::Kubeconfig {
                path: "~/.kube/config".to_string(),
                reason: "No such file or directory ($KUBECONFIG unset, not running in a cluster)"
                    .to_string(),
            }),
    }
}

/// Opens the cluster the flags name and checks it answers (one `list pods
/// limit=1` in the scope), all within about `opts.connect_timeout` + 3 s.
pub async fn connect(opts: &KubeOptions) -> Result<Cluster, KubeError> {
    let (mut config, context) = config_for(opts).await?;
    let url = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    config.connect_timeout = Some(opts.connect_timeout);
    let scope = if opts.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(
            opts.namespace
                .clone()
                .unwrap_or_else(|| config.default_namespace.clone()),
        )
    };
    let mut stream_config = config.clone();
    stream_config.read_timeout = None;
    let build = |c: Config| {
        Client::try_from(c).map_err(|e| KubeError::Unreachable {
            url: url.clone(),
            reason: super::error::describe(&e),
        })
    };
    let client = build(config)?;
    let stream_client = build(stream_config)?;
    let (api, params) = (scope.pods(client.clone()), ListParams::default().limit(1));
    let probe = api.list_metadata(&params);
    match tokio::time::timeout(opts.connect_timeout + Duration::from_secs(3), probe).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(from_kube(&url, &e)),
        Err(_) => {
            return Err(KubeError::Unreachable {
                url,
                reason: "no answer (timed out)".to_string(),
            })
        }
    }
    Ok(Cluster {
        client,
        stream_client,
        url,
        context,
        scope,
        options: opts.clone(),
    })
}
