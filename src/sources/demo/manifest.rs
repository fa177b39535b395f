//! The demo manifest (DESIGN.md): where each simulated pod's admin and agent
//! ports and istiod listen, and which scenarios each pod shows.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `{"istiod": URL, "pods": [...]}` as `meshscope demo --serve` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// istiod's monitoring/debug base URL (`/metrics`, `/debug/*`).
    pub istiod: String,
    /// One entry per proxy pod (sidecars and gateways).
    pub pods: Vec<ManifestPod>,
    /// The ambient namespace: ztunnels, the waypoint and enrolled apps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ambient: Vec<ManifestAmbientPod>,
}

/// One pod of the demo's ambient namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAmbientPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label.
    pub app: String,
    /// `ztunnel`, `waypoint` or `ambient` (an enrolled workload).
    pub kind: String,
    /// The simulated node.
    pub node: String,
    /// Admin base URL (15000; ztunnel's or the waypoint Envoy's); none for workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    /// 15020 base URL (ztunnel: `/stats/prometheus`, `/demo/logs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<String>,
    /// Workloads and waypoints: `namespace/name` of their node's ztunnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<String>,
    /// Workloads: `namespace/name` of the waypoint Gateway they use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<String>,
    /// Ambient scenarios visible on this pod.
    #[serde(default)]
    pub scenarios: Vec<String>,
}

/// One proxy pod of the demo mesh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label.
    pub app: String,
    /// Envoy admin base URL (the pod's 15000).
    pub admin: String,
    /// pilot-agent base URL (the pod's 15020; also serves `/demo/logs`).
    pub agent: String,
    /// Names of the scenarios visible on this pod.
    #[serde(default)]
    pub scenarios: Vec<String>,
}

/// A manifest given to [`super::ServeOptions::manifest_in`]: its listed
/// `http://127.0.0.1:PORT` ports are bound again (port 0 or other hosts: random).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestInput {
    /// A manifest already in memory.
    Manifest(Manifest),
    /// A JSON file; a missing file means "no ports requested".
    Path(PathBuf),
}

impl Manifest {
    /// Parses manifest JSON.
    pub fn from_json(text: &str) -> Result<Manifest, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Pretty JSON, as printed to stdout or written to a file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// The entry for `namespace/name`.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&ManifestPod> {
        self.pods
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }

    /// The first entry whose `app` label is `app`.
    pub fn pod_by_app(&self, app: &str) -> Option<&ManifestPod> {
        self.pods.iter().find(|p| p.app == app)
    }

    /// Writes the manifest to `path` atomically (temp file + rename).
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, self.to_json())?;
        std::fs::rename(&tmp, path)
    }
}

impl ManifestInput {
    /// Loads the manifest: `Ok(None)` for a path that does not exist yet.
    pub fn load(&self) -> Result<Option<Manifest>, String> {
        match self {
            ManifestInput::Manifest(m) => Ok(Some(m.clone())),
            ManifestInput::Path(path) => match std::fs::read_to_string(path) {
                Ok(text) => Manifest::from_json(&text)
                    .map(Some)
                    .map_err(|e| format!("{}: {e}", path.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{}: {e}", path.display())),
            },
        }
    }
}

/// The port of `http://127.0.0.1:PORT` (with or without a trailing slash),
/// or 0 when the URL is anything else.
pub fn loopback_port(url: &str) -> u16 {
    url.trim_end_matches('/')
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_ports() {
        let m = Manifest {
            istiod: "http://127.0.0.1:15014".into(),
            pods: vec![ManifestPod {
                namespace: "default".into(),
                name: "fortio-1".into(),
                app: "fortio".into(),
                admin: "http://127.0.0.1:41000".into(),
                agent: "http://127.0.0.1:41001/".into(),
                scenarios: vec!["circuit-breaker".into()],
            }],
            ..Manifest::default()
        };
        let back = Manifest::from_json(&m.to_json()).unwrap();
        assert_eq!(back, m);
        assert_eq!(loopback_port(&m.pods[0].admin), 41000);
        assert_eq!(loopback_port(&m.pods[0].agent), 41001);
        assert_eq!(loopback_port("http://localhost:5"), 0);
        assert_eq!(loopback_port("http://127.0.0.1:0"), 0);
    }
}
