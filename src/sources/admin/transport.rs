//! The request machinery under every [`AdminClient`] call: retries with backoff, status
//! policy, the body-size cap enforced while streaming, and mapping reqwest errors to
//! [`AdminError`].

use reqwest::{header, Method};

use super::error::snippet;
use super::{AdminClient, AdminError, Response, TimeoutPhase};

/// Bytes of an error response kept for [`AdminError::Status`]; the rest is not read.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// Whether a non-2xx status is an error or an answer the caller wants to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatusPolicy {
    /// Non-2xx becomes [`AdminError::Status`] / [`AdminError::Unauthorized`]; 5xx is retried.
    SuccessOnly,
    /// Every status is data (readiness probes: 503 means "not ready"); never retried on status.
    AnyStatus,
}

impl AdminClient {
    /// Sends the request, retrying GETs per the options. POSTs are sent exactly once.
    pub(super) async fn fetch(
        &self,
        method: Method,
        path_and_query: &str,
        policy: StatusPolicy,
    ) -> Result<Response, AdminError> {
        let url = self.url_for(path_and_query);
        let max_attempts = if method == Method::GET {
            self.opts.retries.saturating_add(1)
        } else {
            1
        };
        let mut delay = self.opts.retry_backoff;
        let mut attempt = 1;
        loop {
            let result = self.attempt(method.clone(), &url, policy).await;
            match result {
                Err(e) if e.is_retryable() && attempt < max_attempts => {
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One attempt: send, check status and size, stream the body under the cap.
    async fn attempt(
        &self,
        method: Method,
        url: &str,
        policy: StatusPolicy,
    ) -> Result<Response, AdminError> {
        let mut resp = self
            .http
            .request(method, url)
            .send()
            .await
            .map_err(|e| self.classify(url, &e, 0, None))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let success = resp.status().is_success();

        if !success && policy == StatusPolicy::SuccessOnly {
            if status == 401 {
                return Err(AdminError::Unauthorized {
                    url: url.to_owned(),
                });
            }
            // Read a bounded prefix for the message; a broken error body is not worth failing on.
            let body = self
                .read_body(&mut resp, url, ERROR_BODY_LIMIT, false)
                .await
                .unwrap_or_default();
            return Err(AdminError::Status {
                url: url.to_owned(),
                code: status,
                body_snippet: snippet(&body),
            });
        }

        let limit = self.opts.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(AdminError::TooLarge {
                url: url.to_owned(),
                limit,
            });
        }
        let body = self.read_body(&mut resp, url, limit, true).await?;
        Ok(Response {
            url: url.to_owned(),
            status,
            content_type,
            body,
        })
    }

    /// Streams the body into memory. Past `limit` it stops reading and either fails with
    /// [`AdminError::TooLarge`] (`strict`) or returns what it has.
    async fn read_body(
        &self,
        resp: &mut reqwest::Response,
        url: &str,
        limit: u64,
        strict: bool,
    ) -> Result<Vec<u8>, AdminError> {
        let expected = resp.content_length();
        let capacity = expected.unwrap_or(0).min(limit);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        loop {
            let chunk = resp
                .chunk()
                .await
                .map_err(|e| self.classify(url, &e, body.len() as u64, expected))?;
            let Some(chunk) = chunk else {
                return Ok(body);
            };
            let room =
                usize::try_from(limit.saturating_sub(body.len() as u64)).unwrap_or(usize::MAX);
            if chunk.len() > room {
                if strict {
                    return Err(AdminError::TooLarge {
                        url: url.to_owned(),
                        limit,
                    });
                }
                body.extend_from_slice(&chunk[..room]);
                return Ok(body);
            }
            body.extend_from_slice(&chunk);
        }
    }

    /// Maps a reqwest error to an [`AdminError`]. `received` bytes of the body had arrived.
    fn classify(
        &self,
        url: &str,
        err: &reqwest::Error,
        received: u64,
        expected: Option<u64>,
    ) -> AdminError {
        let url = url.to_owned();
        let reason = error_chain(err);
        if err.is_timeout() {
            let (phase, after) = if err.is_connect() {
                (TimeoutPhase::Connect, self.opts.connect_timeout)
            } else {
                (TimeoutPhase::Request, self.opts.request_timeout)
            };
            return AdminError::Timeout { url, phase, after };
        }
        if err.is_connect() {
            return AdminError::Refused { url, reason };
        }
        if err.is_body() || err.is_decode() {
            return AdminError::Truncated {
                url,
                received,
                expected,
            };
        }
        if err.is_request() && looks_like_closed_connection(&reason) {
            return AdminError::ConnectionClosed { url, reason };
        }
        AdminError::Other {
            url,
            message: reason,
        }
    }
}

/// Why the call failed: the error's sources joined (reqwest's top-level message only
/// repeats the URL, which every [`AdminError`] already names).
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    if parts.is_empty() {
        parts.push(err.to_string());
    }
    parts.join(": ")
}

/// Whether hyper's message says the peer went away before answering.
fn looks_like_closed_connection(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    [
        "connection closed",
        "connection reset",
        "broken pipe",
        "incomplete message",
    ]
    .iter()
    .any(|needle| reason.contains(needle))
}
