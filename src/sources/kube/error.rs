//! Why talking to the cluster failed, in one line a person can act on.

use std::error::Error as StdError;
use std::io;

/// A failure of the Kubernetes source. Every message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig could not be found, read or used.
    #[error("kubeconfig {path}: {reason}")]
    Kubeconfig {
        /// The file (or `$KUBECONFIG`, or `~/.kube/config`).
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The API server did not answer (refused, timed out, TLS failed).
    #[error("cannot reach the Kubernetes API at {url}: {reason}")]
    Unreachable {
        /// The cluster URL from the kubeconfig.
        url: String,
        /// The innermost cause, e.g. `connection refused`.
        reason: String,
    },
    /// The API server answered with an error status.
    #[error("the Kubernetes API at {url} refused: {reason}")]
    Api {
        /// The cluster URL.
        url: String,
        /// Status message and code, e.g. `pods is forbidden ... (403)`.
        reason: String,
    },
    /// A pod or port could not be forwarded.
    #[error("port-forward {target}: {reason}")]
    Forward {
        /// `namespace/pod:port`.
        target: String,
        /// What went wrong.
        reason: String,
    },
}

/// Collapses whitespace runs (newlines included) so a message stays one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The most useful description of a kube-rs error: the API status message,
/// or the innermost I/O cause (`connection refused`, `timed out`).
pub fn describe(err: &kube::Error) -> String {
    if let kube::Error::Api(status) = err {
        return one_line(&format!("{} ({})", status.message, status.code));
    }
    let mut innermost: &dyn StdError = err;
    let mut io_kind = None;
    let mut cur: Option<&dyn StdError> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            io_kind = Some(io.kind());
        }
        innermost = e;
        cur = e.source();
    }
    match io_kind {
        Some(io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
        Some(io::ErrorKind::TimedOut) => "connection timed out".to_string(),
        Some(io::ErrorKind::ConnectionReset) => "connection reset".to_string(),
        _ => {
            let text = one_line(&innermost.to_string());
            if text.contains("elapsed") || text.contains("timed out") {
                "connection timed out".to_string()
            } else {
                text
            }
        }
    }
}

/// Classifies a kube-rs error from a call to the API server at `url`.
pub fn from_kube(url: &str, err: &kube::Error) -> KubeError {
    match err {
        kube::Error::Api(_) => KubeError::Api {
            url: url.to_string(),
            reason: describe(err),
        },
        _ => KubeError::Unreachable {
            url: url.to_string(),
            reason: describe(err),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let e = KubeError::Kubeconfig {
            path: "/x".into(),
            reason: one_line("bad\n  yaml\tat line 3"),
        };
        assert_eq!(e.to_string(), "kubeconfig /x: bad yaml at line 3");
    }

    #[test]
    fn api_status_is_described_with_its_code() {
        let status = kube::core::Status::failure("pods is forbidden", "Forbidden").with_code(403);
        let e = from_kube("https://k", &kube::Error::Api(Box::new(status)));
        assert_eq!(
            e.to_string(),
            "the Kubernetes API at https://k refused: pods is forbidden (403)"
        );
    }
}
