//! `istioctl proxy-config bootstrap -o short`: the version summary.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::config_dump::ConfigDump;

/// Versions read from the bootstrap node.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VersionSummary {
    /// `ISTIO_VERSION` node metadata.
    pub istio_version: String,
    /// `ISTIO_PROXY_SHA` without its `istio-proxy:` prefix.
    pub istio_proxy_version: String,
    /// `major.minor.patch/revision.status/build.type/ssl.version`.
    pub envoy_version: String,
    /// Node id, `sidecar~IP~POD.NS~NS.svc.cluster.local`.
    pub node_id: String,
}

#[derive(Deserialize, Default)]
struct Bootstrap<'a> {
    #[serde(borrow, default)]
    node: Node<'a>,
}

#[derive(Deserialize, Default)]
struct Node<'a> {
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
    #[serde(default, alias = "userAgentBuildVersion")]
    user_agent_build_version: BuildVersion,
}

#[derive(Deserialize, Default)]
struct BuildVersion {
    #[serde(default)]
    version: SemVer,
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct SemVer {
    #[serde(default, alias = "majorNumber")]
    major_number: u32,
    #[serde(default, alias = "minorNumber")]
    minor_number: u32,
    #[serde(default)]
    patch: u32,
}

fn meta_str(m: &BTreeMap<String, serde_json::Value>, k: &str) -> String {
    m.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Reads the version summary; `None` when the dump has no bootstrap.
pub fn version_summary(dump: &ConfigDump<'_>) -> Option<Result<VersionSummary, serde_json::Error>> {
    let raw = dump.bootstrap.as_ref()?.raw;
    Some(serde_json::from_str::<Bootstrap<'_>>(raw.get()).map(|b| {
        let v = &b.node.user_agent_build_version;
        let mut envoy = format!(
            "{}.{}.{}",
            v.version.major_number, v.version.minor_number, v.version.patch
        );
        for key in ["revision.status", "build.type", "ssl.version"] {
            if v.metadata.contains_key(key) {
                envoy.push('/');
                envoy.push_str(&meta_str(&v.metadata, key));
            }
        }
        let sha = meta_str(&b.node.metadata, "ISTIO_PROXY_SHA");
        VersionSummary {
            istio_version: meta_str(&b.node.metadata, "ISTIO_VERSION"),
            istio_proxy_version: sha.strip_prefix("istio-proxy:").unwrap_or(&sha).to_string(),
            envoy_version: envoy,
            node_id: b.node.id.to_string(),
        }
    }))
}

/// The three lines istioctl prints.
pub fn version_text(v: &VersionSummary) -> String {
    format!(
        "Istio Version:       {}\nIstio Proxy Version: {}\nEnvoy Version:       {}\n",
        v.istio_version, v.istio_proxy_version, v.envoy_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_both_spellings() {
        let text = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"sidecar~1~p.ns~ns.svc.cluster.local",
          "metadata":{"ISTIO_VERSION":"1.22.0","ISTIO_PROXY_SHA":"istio-proxy:abc"},
          "user_agent_build_version":{"version":{"major_number":1,"minor_number":30,"patch":2},"metadata":{"revision.status":"Clean","build.type":"RELEASE","ssl.version":"BoringSSL"}}}}}]}"#;
        let d = ConfigDump::parse(text).unwrap();
        let v = version_summary(&d).unwrap().unwrap();
        assert_eq!(
            version_text(&v),
            "Istio Version:       1.22.0\nIstio Proxy Version: abc\nEnvoy Version:       1.30.2/Clean/RELEASE/BoringSSL\n"
        );
        assert_eq!(v.node_id, "sidecar~1~p.ns~ns.svc.cluster.local");
    }
}
