//! Snapshot bundles: every read-only endpoint of one or more sidecars (and
//! istiod) captured into one JSON file, written atomically and privately, each
//! body kept byte for byte except its redacted secret values (see
//! [`crate::model::redact`]); read back as a [`Fetcher`] for offline use.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use std::io::Write;

use base64::Engine;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::target::{Endpoint, FetchError, Fetched, Fetcher, MeshInfo, TargetInfo};
use crate::model::redact::redact;

mod capture;
#[cfg(test)]
mod tests;

pub use capture::{capture, Progress};

/// How the error of a capture withheld for redaction starts.
const REFUSED: &str = "not stored";

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
    /// From a fetch result, redacting secrets in the body. A body that cannot
    /// be redacted with certainty is not stored: the capture says why.
    pub fn from_result(result: Result<Fetched, FetchError>) -> Capture {
        match result {
            Ok(f) => match redact(&f.body) {
                Ok(r) => Capture::body(f.status, r.body),
                Err(e) => Capture {
                    status: f.status,
                    text: None,
                    base64: None,
                    error: Some(format!("{REFUSED}: a secret could not be ruled out ({e})")),
                },
            },
            Err(e) => Capture::failed(e.0),
        }
    }

    /// A failed fetch. The reason may quote the server's body, so it is
    /// redacted like a body, and withheld when that cannot be done for sure.
    pub fn failed(error: String) -> Capture {
        let error = match redact(error.as_bytes()) {
            Ok(r) => String::from_utf8_lossy(&r.body).into_owned(),
            Err(e) => format!("(the error text is withheld: {e})"),
        };
        Capture {
            status: 0,
            text: None,
            base64: None,
            error: Some(error),
        }
    }

    /// A body as stored: text when it is UTF-8, else base64.
    fn body(status: u16, body: Vec<u8>) -> Capture {
        match String::from_utf8(body) {
            Ok(text) => Capture {
                status,
                text: Some(text),
                base64: None,
                error: None,
            },
            Err(e) => Capture {
                status,
                text: None,
                base64: Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
                error: None,
            },
        }
    }

    /// Whether the body was withheld because redaction was not certain.
    pub fn refused(&self) -> bool {
        self.error
            .as_deref()
            .is_some_and(|e| e.starts_with(REFUSED))
    }

    /// Size of the stored body in bytes (0 when none was stored).
    pub fn stored_bytes(&self) -> usize {
        match (&self.text, &self.base64) {
            (Some(t), _) => t.len(),
            (None, Some(b)) => b.len() / 4 * 3,
            (None, None) => 0,
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

impl Bundle {
    /// Writes the bundle atomically and privately: a fresh temp file created
    /// with `O_EXCL` (mode 0600) in the target directory, so a planted file or
    /// symlink is never opened, then renamed over `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".meshscope-bundle-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        {
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
            serde_json::to_writer(&mut w, self).map_err(std::io::Error::other)?;
            w.flush()?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(path).map(|_| ()).map_err(|e| e.error)
    }

    /// Reads and checks a bundle file.
    pub fn read(path: &Path) -> Result<Bundle, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Bundle::from_json(&text, &path.display().to_string())
    }

    /// Parses and checks bundle text; `origin` (the file) names it in messages.
    pub fn from_json(text: &str, origin: &str) -> Result<Bundle, String> {
        let b: Bundle = serde_json::from_str(text).map_err(|e| {
            let pe = crate::model::config_dump::ParseError::from_json(text, &e);
            format!("{origin}: not a meshscope bundle: {pe}")
        })?;
        if b.format != BUNDLE_FORMAT {
            return Err(format!(
                "{origin}: unsupported bundle format `{}` (want {BUNDLE_FORMAT})",
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
