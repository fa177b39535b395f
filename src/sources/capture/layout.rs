//! How the files of a [`Tree`] map to sidecars and endpoints: an `istioctl
//! bug-report` layout (`proxies/<ns>/<pod>/…`, `istio/<ns>/<pod>/debug/…`,
//! `analyze/…`, `cluster/…`) or a folder of admin bodies saved by hand.

use std::collections::BTreeMap;

use super::sniff::{sniff, BodyKind};
use super::tree::Tree;
use crate::sources::target::{Endpoint, TargetInfo};

/// One sidecar of a capture and the member behind each endpoint.
#[derive(Debug, Clone, Default)]
pub struct Proxy {
    /// Who it is.
    pub target: TargetInfo,
    /// Endpoint → member name.
    pub files: BTreeMap<Endpoint, String>,
    /// Members that were found but cannot serve an endpoint as saved (why).
    pub unusable: Vec<String>,
    /// The container log member.
    pub log: Option<String>,
}

/// What a capture holds.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// `bug-report`, `admin bodies` or `file`.
    pub kind: &'static str,
    /// The sidecars.
    pub proxies: Vec<Proxy>,
    /// istiod: which pod, and endpoint → member.
    pub istiod: Option<(String, BTreeMap<Endpoint, String>)>,
    /// istiod debug captures by name (`adsz`, `configz`, …) → member.
    pub istiod_debug: BTreeMap<String, String>,
    /// The analyze output member.
    pub analyze: Option<String>,
    /// `cluster/` members.
    pub cluster: Vec<String>,
    /// What the `cluster/` files said of the proxies' pods.
    pub cluster_meta: super::cluster::ClusterMeta,
}

/// The top directories of a bug-report.
const BUG_REPORT_DIRS: &[&str] = &[
    "proxies/",
    "istio/",
    "analyze/",
    "cluster/",
    "operator/",
    "cni/",
];

/// The prefix every bug-report path sits under (`bug-report/` by default,
/// none with `--dir`), when the tree has that layout.
pub fn bug_report_root(tree: &Tree) -> Option<String> {
    let mut roots: Vec<String> = Vec::new();
    for name in tree.names() {
        for d in BUG_REPORT_DIRS {
            if let Some(i) = name.find(d) {
                let root = &name[..i];
                // Only at the top, or one level down (the archived parent dir).
                if (root.is_empty() || (root.ends_with('/') && root.matches('/').count() == 1))
                    && !roots.iter().any(|r| r == root)
                {
                    roots.push(root.to_string());
                }
            }
        }
    }
    roots.sort_by_key(String::len);
    roots.into_iter().next()
}

/// A pod's `app` label guessed from its name: the ReplicaSet and pod hash
/// suffixes of a Deployment's pods dropped (`reviews-v1-5b4f9c-x7k2p` →
/// `reviews-v1`).
pub fn app_from_pod(name: &str) -> String {
    let parts: Vec<&str> = name.split('-').collect();
    // Kubernetes draws generated suffixes from an alphabet without vowels
    // (and without 0, 1, 3): `bcdfghjklmnpqrstvwxz2456789`.
    let hashy = |s: &str| {
        (5..=10).contains(&s.len()) && s.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
    };
    let mut keep = parts.len();
    while keep > 1 && hashy(parts[keep - 1]) && parts.len() - keep < 2 {
        keep -= 1;
    }
    parts[..keep].join("-")
}

/// Reads the bug-report layout below `root`.
pub fn bug_report(tree: &Tree, root: &str) -> Layout {
    let mut layout = Layout {
        kind: "bug-report",
        ..Layout::default()
    };
    let mut proxies: BTreeMap<(String, String), Proxy> = BTreeMap::new();
    let mut istiods: BTreeMap<String, BTreeMap<Endpoint, String>> = BTreeMap::new();
    for name in tree.names() {
        let Some(rel) = name.strip_prefix(root) else {
            continue;
        };
        let parts: Vec<&str> = rel.splitn(4, '/').collect();
        match parts.as_slice() {
            ["proxies", ns, pod, file] => {
                let p = proxies
                    .entry((ns.to_string(), pod.to_string()))
                    .or_insert_with(|| Proxy {
                        target: TargetInfo {
                            namespace: ns.to_string(),
                            name: pod.to_string(),
                            app: app_from_pod(pod),
                            ..TargetInfo::default()
                        },
                        ..Proxy::default()
                    });
                let endpoint = match *file {
                    "config_dump?include_eds" | "config_dump" => Some(Endpoint::ConfigDump),
                    "clusters" | "clusters?format=json" => Some(Endpoint::ClustersJson),
                    "listeners" | "listeners?format=json" => Some(Endpoint::Listeners),
                    "server_info" => Some(Endpoint::ServerInfo),
                    "memory" => Some(Endpoint::Memory),
                    "certs" => Some(Endpoint::Certs),
                    "stats/prometheus" => Some(Endpoint::Prometheus),
                    "stats" => Some(Endpoint::Stats),
                    _ => None,
                };
                match endpoint {
                    // The dump with EDS wins over one without.
                    Some(Endpoint::ConfigDump)
                        if p.files.contains_key(&Endpoint::ConfigDump)
                            && *file == "config_dump" => {}
                    Some(e) => {
                        p.files.insert(e, name.to_string());
                    }
                    None if *file == "istio-proxy.log" => p.log = Some(name.to_string()),
                    None => {}
                }
            }
            ["istio", ns, pod, rest] => {
                let key = format!("{ns}/{pod}");
                let files = istiods.entry(key).or_default();
                if *rest == "metrics" {
                    files.insert(Endpoint::IstiodMetrics, name.to_string());
                } else if let Some(d) = rest.strip_prefix("debug/") {
                    if d == "syncz" {
                        files.insert(Endpoint::Syncz, name.to_string());
                    }
                    layout
                        .istiod_debug
                        .entry(d.to_string())
                        .or_insert_with(|| name.to_string());
                }
            }
            ["analyze", ..] => layout.analyze = Some(name.to_string()),
            ["cluster", ..] => layout.cluster.push(name.to_string()),
            _ => {}
        }
    }
    layout.proxies = proxies.into_values().collect();
    layout.cluster_meta = super::cluster::apply(tree, root, &mut layout);
    for p in &mut layout.proxies {
        // istioctl's rule: `app=ztunnel`, or a name starting `ztunnel`.
        if p.target.app == "ztunnel" || p.target.name.starts_with("ztunnel") {
            p.target.app = "ztunnel".into();
            p.target.kind = Some(crate::sources::target::TargetKind::Ztunnel);
        }
    }
    layout.istiod = istiods.into_iter().next();
    layout
}

/// A folder of admin bodies saved by hand: every file is told by its
/// content; the folder is one sidecar named after it.
pub fn admin_bodies(tree: &Tree, name: &str) -> Layout {
    let mut proxy = Proxy {
        target: TargetInfo {
            namespace: "capture".into(),
            name: name.to_string(),
            app: name.to_string(),
            ..TargetInfo::default()
        },
        ..Proxy::default()
    };
    let mut text_clusters: Option<String> = None;
    for member in tree.names() {
        let Ok(body) = tree.read_head(member) else {
            continue;
        };
        match sniff(&body, member) {
            BodyKind::Endpoint(Endpoint::ConfigDump)
                if crate::model::ztunnel::ZtunnelDump::looks_like(&String::from_utf8_lossy(
                    &body,
                )) =>
            {
                proxy.target.kind = Some(crate::sources::target::TargetKind::Ztunnel);
                proxy
                    .files
                    .entry(Endpoint::ConfigDump)
                    .or_insert_with(|| member.to_string());
            }
            BodyKind::Endpoint(e) => {
                // The first file (in name order) of each kind serves it.
                proxy.files.entry(e).or_insert_with(|| member.to_string());
            }
            BodyKind::Log => {
                if proxy.log.is_none() {
                    proxy.log = Some(member.to_string());
                }
            }
            // Text `/clusters` serves the Clusters views when no JSON one was saved.
            BodyKind::ClustersText => {
                text_clusters.get_or_insert_with(|| member.to_string());
            }
            BodyKind::ListenersText => proxy
                .unusable
                .push(format!("{member}: /listeners as text (save ?format=json)")),
            BodyKind::Bundle | BodyKind::Unknown => {
                proxy.unusable.push(format!("{member}: not recognised"))
            }
        }
    }
    if let Some(member) = text_clusters {
        proxy.files.entry(Endpoint::ClustersJson).or_insert(member);
    }
    Layout {
        kind: "admin bodies",
        proxies: vec![proxy],
        ..Layout::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_lose_deployment_hashes() {
        assert_eq!(app_from_pod("reviews-v1-5b4f9c7d8-x7k2p"), "reviews-v1");
        assert_eq!(
            app_from_pod("productpage-v1-6b746f74dc-9stvs"),
            "productpage-v1"
        );
        assert_eq!(app_from_pod("istio-ingressgateway"), "istio-ingressgateway");
        assert_eq!(app_from_pod("ztunnel-x7k2p"), "ztunnel");
        assert_eq!(app_from_pod("my-app-proxy"), "my-app-proxy");
    }
}
