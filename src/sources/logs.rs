//! The log-source trait shared by the demo mesh and the Kubernetes log stream:
//! whoever is behind a sidecar, its `istio-proxy` lines arrive the same way.

use std::fmt;

use futures::stream::BoxStream;

/// Which lines to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container (`istio-proxy` for the sidecar; the app container on demand).
    pub container: String,
    /// Keep the stream open and deliver new lines as they come.
    pub follow: bool,
    /// Start with at most this many recent lines.
    pub tail: Option<usize>,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<u64>,
}

/// The `container` value that means "the pod's application container"
/// (the first one that is not `istio-proxy`), resolved by the source.
pub const APP_CONTAINER: &str = "";

impl LogQuery {
    /// Follow the application container of `namespace/pod` beside its sidecar.
    pub fn app(namespace: &str, pod: &str, tail: usize) -> Self {
        LogQuery {
            container: APP_CONTAINER.to_string(),
            ..LogQuery::sidecar(namespace, pod, tail)
        }
    }

    /// Follow the sidecar of `namespace/pod`, starting with the last `tail` lines.
    pub fn sidecar(namespace: &str, pod: &str, tail: usize) -> Self {
        LogQuery {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            container: "istio-proxy".to_string(),
            follow: true,
            tail: Some(tail),
            since_seconds: None,
        }
    }
}

/// Why a log stream failed or ended abnormally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogError {
    /// No such pod or container.
    NotFound(String),
    /// The stream broke (connection dropped, API server closed it).
    Disconnected(String),
    /// Anything else, with a message for the pane.
    Other(String),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::NotFound(m) => write!(f, "not found: {m}"),
            LogError::Disconnected(m) => write!(f, "log stream disconnected: {m}"),
            LogError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LogError {}

/// A source of container log lines (one item per line, without the newline).
pub trait LogSource: Send + Sync {
    /// Opens a stream of lines for the query. Errors end the stream.
    fn lines(&self, query: &LogQuery) -> BoxStream<'static, Result<String, LogError>>;
}
