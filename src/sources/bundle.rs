//! Snapshot bundles: every read-only endpoint of one or more sidecars (and
//! istiod) captured into one JSON file, written atomically, with private keys
//! and bearer tokens redacted; read back as a [`Fetcher`] for offline use.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::target::{Endpoint, FetchError, Fetched, Fetcher, MeshInfo, TargetInfo};

/// Format marker and version of a bundle file.
pub const BUNDLE_FORMAT: &str = "meshscope-bundle/1";

/// One captured response (or the error that came instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    /// HTTP status, 0 when the request failed.
    pub status: u16,
    /// The body as text when it is UTF-8 ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// ... or base64 when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// Why the capture failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A captured pod: who it is and what its endpoints said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodCapture {
    /// The target, as it was reached.
    pub target: TargetInfo,
    /// Endpoint name → capture.
    pub endpoints: BTreeMap<String, Capture>,
}

/// The whole bundle file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// RFC 3339 capture time.
    pub captured_at: String,
    /// istiod endpoints, when an istiod URL was given.
    #[serde(default)]
    pub istiod: BTreeMap<String, Capture>,
    /// The pods.
    pub pods: Vec<PodCapture>,
}

impl Capture {
    /// From a fetch result, redacting secrets in the body.
    pub fn from_result(result: Result<Fetched, FetchError>) -> Capture {
        match result {
            Ok(f) => {
                let body = redact(&f.body);
                match String::from_utf8(body) {
                    Ok(text) => Capture {
                        status: f.status,
                        text: Some(text),
                        base64: None,
                        error: None,
                    },
                    Err(e) => Capture {
                        status: f.status,
                        text: None,
                        base64: Some(
                            base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                        ),
                        error: None,
                    },
                }
            }
            Err(e) => Capture {
                status: 0,
                text: None,
                base64: None,
                error: Some(e.0),
            },
        }
    }

    fn to_fetched(&self, what: &str) -> Result<Fetched, FetchError> {
        if let Some(e) = &self.error {
            return Err(FetchError(format!("{what}: not captured: {e}")));
        }
        let body = match (&self.text, &self.base64) {
            (Some(t), _) => t.as_bytes().to_vec(),
            (None, Some(b)) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| FetchError(format!("{what}: bad base64 in bundle: {e}")))?,
            (None, None) => Vec::new(),
        };
        Ok(Fetched {
            status: self.status,
            body: Arc::new(body),
        })
    }
}

/// Keys whose string values are secrets.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "private_key"
        || k == "privatekey"
        || k.contains("token")
        || k == "authorization"
        || k == "password"
}

/// Replaces secret values in a JSON body with `[redacted]`; bearer tokens in
/// non-JSON text are cut after `Bearer `. Bodies that are not JSON and hold no
/// bearer token are returned unchanged.
pub fn redact(body: &[u8]) -> Vec<u8> {
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| body[i]);
    if matches!(trimmed, Some(b'{') | Some(b'[')) {
        if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) {
            if redact_value(&mut v) {
                if let Ok(out) = serde_json::to_vec_pretty(&v) {
                    return out;
                }
            } else {
                return body.to_vec();
            }
        }
    }
    redact_bearer(body)
}

fn redact_value(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    let mut changed = false;
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if is_secret_key(k)
                    && !matches!(child, Value::Null | Value::Bool(_) | Value::Number(_))
                {
                    if *child != Value::String("[redacted]".into()) {
                        *child = Value::String("[redacted]".into());
                        changed = true;
                    }
                } else {
                    changed |= redact_value(child);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                changed |= redact_value(child);
            }
        }
        Value::String(s) => {
            if let Some(i) = s.find("Bearer ") {
                s.truncate(i + "Bearer ".len());
                s.push_str("[redacted]");
                changed = true;
            }
        }
        _ => {}
    }
    changed
}

fn redact_bearer(body: &[u8]) -> Vec<u8> {
    const NEEDLE: &[u8] = b"Bearer ";
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(NEEDLE) {
            out.extend_from_slice(NEEDLE);
            out.extend_from_slice(b"[redacted]");
            i += NEEDLE.len();
            while i < body.len() && !body[i].is_ascii_whitespace() && body[i] != b'"' {
                i += 1;
            }
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Captures every read-only endpoint of every pod and of istiod.
pub async fn capture(fetcher: &dyn Fetcher, mesh: &MeshInfo, captured_at: String) -> Bundle {
    let mut pods = Vec::new();
    for pod in &mesh.pods {
        let mut endpoints = BTreeMap::new();
        for &ep in Endpoint::SIDECAR {
            let reachable = if ep.is_agent() {
                pod.agent.is_some()
            } else {
                pod.admin.is_some()
            };
            if reachable {
                endpoints.insert(
                    ep.name().to_string(),
                    Capture::from_result(fetcher.fetch(Some(pod), ep).await),
                );
            }
        }
        if mesh.istiod.is_some() {
            let ep = Endpoint::IstiodConfigDump;
            endpoints.insert(
                ep.name().to_string(),
                Capture::from_result(fetcher.fetch(Some(pod), ep).await),
            );
        }
        pods.push(PodCapture {
            target: pod.clone(),
            endpoints,
        });
    }
    let mut istiod = BTreeMap::new();
    if mesh.istiod.is_some() {
        for &ep in Endpoint::ISTIOD {
            istiod.insert(
                ep.name().to_string(),
                Capture::from_result(fetcher.fetch(None, ep).await),
            );
        }
    }
    Bundle {
        format: BUNDLE_FORMAT.to_string(),
        captured_at,
        istiod,
        pods,
    }
}

impl Bundle {
    /// Writes the bundle atomically: a temp file beside it, then rename.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_file_name(format!(
            ".{}.tmp-{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("bundle"),
            std::process::id()
        ));
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// Reads and checks a bundle file.
    pub fn read(path: &Path) -> Result<Bundle, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let b: Bundle = serde_json::from_str(&text).map_err(|e| {
            let pe = crate::model::config_dump::ParseError::from_json(&text, &e);
            format!("{}: not a meshscope bundle: {pe}", path.display())
        })?;
        if b.format != BUNDLE_FORMAT {
            return Err(format!(
                "{}: unsupported bundle format `{}` (want {BUNDLE_FORMAT})",
                path.display(),
                b.format
            ));
        }
        Ok(b)
    }

    /// The mesh as captured (URLs kept for reference; nothing is contacted).
    pub fn mesh(&self) -> MeshInfo {
        MeshInfo {
            istiod: if self.istiod.is_empty() {
                None
            } else {
                Some("bundle".into())
            },
            pods: self.pods.iter().map(|p| p.target.clone()).collect(),
        }
    }
}

/// Serves a bundle's captures through the [`Fetcher`] trait, offline.
pub struct BundleFetcher {
    bundle: Bundle,
}

impl BundleFetcher {
    /// Wraps a loaded bundle.
    pub fn new(bundle: Bundle) -> Self {
        BundleFetcher { bundle }
    }
}

impl Fetcher for BundleFetcher {
    fn fetch(
        &self,
        target: Option<&TargetInfo>,
        endpoint: Endpoint,
    ) -> BoxFuture<'static, Result<Fetched, FetchError>> {
        let result = match target {
            None => self
                .bundle
                .istiod
                .get(endpoint.name())
                .ok_or_else(|| {
                    FetchError(format!(
                        "istiod {} was not captured in this bundle",
                        endpoint.name()
                    ))
                })
                .and_then(|c| c.to_fetched(endpoint.name())),
            Some(t) => self
                .bundle
                .pods
                .iter()
                .find(|p| p.target.key() == t.key())
                .and_then(|p| p.endpoints.get(endpoint.name()))
                .ok_or_else(|| {
                    FetchError(format!(
                        "{} {} was not captured in this bundle",
                        t.key(),
                        endpoint.name()
                    ))
                })
                .and_then(|c| c.to_fetched(endpoint.name())),
        };
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_and_tokens_are_redacted() {
        let body = br#"{"secret":{"tls_certificate":{"private_key":{"inline_bytes":"c2VjcmV0"},"certificate_chain":{"inline_bytes":"Y2VydA=="}}},
            "grpc":{"initial_metadata":[{"key":"authorization","value":"Bearer abc.def.ghi"}]},"jwt":{"token":"xyz"},"count":3}"#;
        let out = String::from_utf8(redact(body)).unwrap();
        assert!(!out.contains("c2VjcmV0"), "{out}");
        assert!(!out.contains("abc.def.ghi"), "{out}");
        assert!(!out.contains("xyz"), "{out}");
        assert!(out.contains("Y2VydA=="), "certificates are public: {out}");
        assert!(out.contains("\"count\": 3"));
        let text = b"header Authorization: Bearer sekrit-token\nnext";
        assert_eq!(
            redact(text),
            b"header Authorization: Bearer [redacted]\nnext".to_vec()
        );
        assert_eq!(
            redact(b"{\"a\":1}"),
            b"{\"a\":1}".to_vec(),
            "unchanged JSON keeps its bytes"
        );
    }

    #[test]
    fn bundle_round_trips_and_serves_offline() {
        let pod = TargetInfo {
            namespace: "default".into(),
            name: "fortio-1".into(),
            app: "fortio".into(),
            admin: Some("http://127.0.0.1:1".into()),
            agent: None,
            scenarios: vec![],
            ..Default::default()
        };
        let mut endpoints = BTreeMap::new();
        endpoints.insert(
            "ready".to_string(),
            Capture::from_result(Ok(Fetched {
                status: 503,
                body: Arc::new(b"PRE_INITIALIZING\n".to_vec()),
            })),
        );
        endpoints.insert(
            "memory".to_string(),
            Capture::from_result(Err(FetchError("timeout".into()))),
        );
        endpoints.insert(
            "stats".to_string(),
            Capture::from_result(Ok(Fetched {
                status: 200,
                body: Arc::new(vec![0xff, 0x00]),
            })),
        );
        let b = Bundle {
            format: BUNDLE_FORMAT.into(),
            captured_at: "2026-01-01T00:00:00Z".into(),
            istiod: BTreeMap::new(),
            pods: vec![PodCapture {
                target: pod.clone(),
                endpoints,
            }],
        };
        let dir = std::env::temp_dir().join(format!("meshscope-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.json");
        b.write(&path).unwrap();
        let back = Bundle::read(&path).unwrap();
        assert_eq!(back, b);
        let f = BundleFetcher::new(back);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ready = rt.block_on(f.fetch(Some(&pod), Endpoint::Ready)).unwrap();
        assert_eq!(
            (ready.status, ready.body.as_slice()),
            (503, &b"PRE_INITIALIZING\n"[..])
        );
        assert_eq!(
            rt.block_on(f.fetch(Some(&pod), Endpoint::Stats))
                .unwrap()
                .body
                .as_slice(),
            &[0xff, 0x00]
        );
        let e = rt
            .block_on(f.fetch(Some(&pod), Endpoint::Memory))
            .unwrap_err();
        assert_eq!(e.0, "memory: not captured: timeout");
        assert!(rt.block_on(f.fetch(None, Endpoint::Syncz)).is_err());
        std::fs::write(
            &path,
            "{\"format\":\"other\",\"captured_at\":\"x\",\"pods\":[]}",
        )
        .unwrap();
        assert!(Bundle::read(&path)
            .unwrap_err()
            .contains("unsupported bundle format `other`"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
