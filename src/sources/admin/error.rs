//! [`AdminError`]: every way an admin call can fail, each naming the URL and the reason,
//! so the pane that asked can say exactly what went wrong.

use std::fmt;
use std::time::Duration;

/// How every [`AdminError::TooLarge`] message starts; [`is_too_large`] looks for it in
/// errors that travelled as text.
pub const TOO_LARGE: &str = "body over the size cap of";

/// Whether an error message (text of any error that wrapped an [`AdminError`]) says the
/// body was over the cap: asking again at once would only download as much again.
pub fn is_too_large(message: &str) -> bool {
    message.contains(TOO_LARGE)
}

/// How many bytes of an unexpected body an error quotes.
const SNIPPET_CHARS: usize = 200;

/// Which phase of a call ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Opening the TCP connection (bounded by `ClientOptions::connect_timeout`).
    Connect,
    /// Sending the request and reading the whole response
    /// (bounded by `ClientOptions::request_timeout`).
    Request,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::Request => "waiting for the response",
        })
    }
}

/// A failed call to an Envoy admin, pilot-agent or istiod endpoint.
///
/// Every variant carries the URL that was called. Which variants are retried is decided by
/// [`AdminError::is_retryable`]; only GETs are ever retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The base URL or an argument could not form a valid request.
    #[error("invalid request {url}: {reason}")]
    Invalid {
        /// The URL (or base URL) as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing accepted the connection (or the address could not be reached at all).
    #[error("cannot connect to {url}: {reason} (is the sidecar up and the port-forward running?)")]
    Refused {
        /// The URL that was called.
        url: String,
        /// The underlying connect error.
        reason: String,
    },
    /// The connection or the whole request took longer than configured.
    #[error("timed out {phase} for {url} after {after:?}")]
    Timeout {
        /// The URL that was called.
        url: String,
        /// Connecting or waiting for the response.
        phase: TimeoutPhase,
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The server answered 401: istiod serves its debug endpoints only to local callers.
    #[error(
        "{url} answered 401 Unauthorized: istiod only serves debug endpoints to callers on \
         localhost; use a port-forward so the call comes from localhost"
    )]
    Unauthorized {
        /// The URL that was called.
        url: String,
    },
    /// The server answered with a non-success status.
    #[error("{url} answered HTTP {code}: {body_snippet}")]
    Status {
        /// The URL that was called.
        url: String,
        /// The HTTP status code.
        code: u16,
        /// The start of the response body, lossily decoded.
        body_snippet: String,
    },
    /// The body is larger than `ClientOptions::max_body_bytes`; reading stopped there.
    /// The message starts with [`TOO_LARGE`] wherever it is shown, so the app can back off.
    #[error("{TOO_LARGE} {limit} bytes: {url} (raise max_body_mib in meshscope's config.toml)")]
    TooLarge {
        /// The URL that was called.
        url: String,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The endpoint must answer JSON but the body does not start with `{` or `[`.
    #[error("expected JSON from {url} but the body starts with: {snippet}")]
    NotJson {
        /// The URL that was called.
        url: String,
        /// The start of the body, lossily decoded.
        snippet: String,
    },
    /// The connection closed before the whole body arrived.
    #[error("connection to {url} closed mid-body after {received} bytes{}", expected_suffix(*.expected))]
    Truncated {
        /// The URL that was called.
        url: String,
        /// Bytes received before the connection closed.
        received: u64,
        /// The announced `Content-Length`, when there was one.
        expected: Option<u64>,
    },
    /// The connection closed before any response arrived (a reset or a dying port-forward).
    #[error("connection to {url} closed before a response arrived: {reason}")]
    ConnectionClosed {
        /// The URL that was called.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// Anything else.
    #[error("request to {url} failed: {message}")]
    Other {
        /// The URL that was called.
        url: String,
        /// The underlying error.
        message: String,
    },
}

fn expected_suffix(expected: Option<u64>) -> String {
    match expected {
        Some(n) => format!(" of {n} announced"),
        None => String::new(),
    }
}

impl AdminError {
    /// The URL this error is about.
    pub fn url(&self) -> &str {
        match self {
            AdminError::Invalid { url, .. }
            | AdminError::Refused { url, .. }
            | AdminError::Timeout { url, .. }
            | AdminError::Unauthorized { url }
            | AdminError::Status { url, .. }
            | AdminError::TooLarge { url, .. }
            | AdminError::NotJson { url, .. }
            | AdminError::Truncated { url, .. }
            | AdminError::ConnectionClosed { url, .. }
            | AdminError::Other { url, .. } => url,
        }
    }

    /// Whether a GET that failed this way may succeed if tried again: refused connections,
    /// timeouts, 5xx answers and connections closed early. 4xx answers, oversized and
    /// non-JSON bodies are deterministic and never retried.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdminError::Refused { .. }
            | AdminError::Timeout { .. }
            | AdminError::Truncated { .. }
            | AdminError::ConnectionClosed { .. } => true,
            AdminError::Status { code, .. } => *code >= 500,
            AdminError::Invalid { .. }
            | AdminError::Unauthorized { .. }
            | AdminError::TooLarge { .. }
            | AdminError::NotJson { .. }
            | AdminError::Other { .. } => false,
        }
    }
}

/// Checks cheaply that `body` looks like JSON: its first non-whitespace byte is `{` or `[`.
///
/// This is not a parse; it catches HTML error pages, plain-text answers and empty bodies
/// before the model layer spends time on them. `url` is only used for the error.
pub fn expect_json(url: &str, body: &[u8]) -> Result<(), AdminError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => Ok(()),
        Some(_) => Err(AdminError::NotJson {
            url: url.to_owned(),
            snippet: snippet(body),
        }),
        None => Err(AdminError::NotJson {
            url: url.to_owned(),
            snippet: "(empty body)".to_owned(),
        }),
    }
}

/// The start of `body`, trimmed and lossily decoded, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 4)]);
    let text = text.trim();
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}
