//! An async client for the admin ports of an Istio sidecar and its control plane:
//! Envoy admin (15000), pilot-agent (15020) and istiod's monitoring/debug port (15014).
//!
//! Calls return raw bytes in a [`Response`]; the model layer parses them. The client only
//! checks what is cheap and certain: status codes, a body-size cap enforced while streaming,
//! and that endpoints which always answer JSON start like JSON ([`expect_json`]).
//!
//! # Read-only by construction
//! [`AdminClient`] can only issue GETs. Anything that changes a sidecar lives on
//! [`AdminMutator`], which is reachable only through [`AdminClient::mutator`], which in turn
//! needs a [`Confirmed`] token that only [`Confirmed::by_user`] creates. Read-only code paths
//! (`pc`, `stats`, `snapshot`, `check`) never call `Confirmed::by_user`, so they cannot
//! reach a mutation by accident; `grep Confirmed::by_user` lists every place that can.
//!
//! # Retries
//! GETs that fail with a refused connection, a timeout, a 5xx or a connection closed early are
//! retried up to [`ClientOptions::retries`] times after deterministic exponential delays
//! (`retry_backoff`, then twice that, ...). 4xx answers are never retried; POSTs never are.

mod error;
mod mutator;
mod query;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;
mod transport;

use std::time::Duration;

pub use error::{expect_json, is_too_large, AdminError, TimeoutPhase, TOO_LARGE};
pub use mutator::{AdminMutator, Confirmed};
pub use query::{encode_query_value, ConfigDumpQuery, StatsFormat, StatsQuery};

use query::QueryBuilder;
use reqwest::Method;
use transport::StatusPolicy;

/// `POST` on this path lists log levels and changes none (no `level`, no `paths`).
const LIST_LOGGING: &str = "/logging";

/// Timeouts, size cap and retry policy of an [`AdminClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Limit for opening the TCP connection. Default 2 s.
    pub connect_timeout: Duration,
    /// Limit for one whole attempt, from connecting to the last body byte. Default 10 s
    /// (a config_dump of a large mesh takes a while).
    pub request_timeout: Duration,
    /// Largest body accepted, checked against `Content-Length` up front and while streaming.
    /// Default 512 MiB; `max_body_mib` in the config file sets it.
    pub max_body_bytes: u64,
    /// Extra attempts for a GET that failed in a retryable way. Default 2.
    pub retries: u32,
    /// Delay before the first retry; each later retry waits twice as long. Default 100 ms.
    pub retry_backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            max_body_bytes: 512 * 1024 * 1024,
            retries: 2,
            retry_backoff: Duration::from_millis(100),
        }
    }
}

/// One answer from an admin endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The full URL that was called.
    pub url: String,
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when present and readable.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Checks cheaply that the body looks like JSON (see [`expect_json`]).
    pub fn expect_json(&self) -> Result<(), AdminError> {
        expect_json(&self.url, &self.body)
    }

    /// The body, consuming the response.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// A read-only client for one admin base URL (e.g. `http://127.0.0.1:15000`).
///
/// Cheap to clone; clones share the connection pool.
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    /// The base URL without a trailing slash.
    base: String,
    opts: ClientOptions,
}

impl AdminClient {
    /// A client for `base`, e.g. `http://127.0.0.1:15000` or `localhost:15014` (a missing
    /// scheme means `http://`). Admin ports are plain HTTP, so `https` is refused; a path
    /// prefix in `base` is kept in front of every endpoint path.
    pub fn new(base: impl AsRef<str>, opts: ClientOptions) -> Result<Self, AdminError> {
        let given = base.as_ref().trim();
        let with_scheme = if given.contains("://") {
            given.to_owned()
        } else {
            format!("http://{given}")
        };
        let invalid = |reason: String| AdminError::Invalid {
            url: given.to_owned(),
            reason,
        };
        let url = reqwest::Url::parse(&with_scheme).map_err(|e| invalid(e.to_string()))?;
        if url.scheme() != "http" {
            return Err(invalid(format!(
                "scheme {:?} is not supported: admin ports speak plain HTTP",
                url.scheme()
            )));
        }
        if url.host_str().is_none() {
            return Err(invalid("no host".to_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "a base URL cannot hold a query or fragment".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("meshscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(AdminClient {
            http,
            base: url.as_str().trim_end_matches('/').to_owned(),
            opts,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The options this client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// The full URL for `path_and_query`.
    pub fn url_for(&self, path_and_query: &str) -> String {
        if path_and_query.starts_with('/') {
            format!("{}{path_and_query}", self.base)
        } else {
            format!("{}/{path_and_query}", self.base)
        }
    }

    /// Grants access to the mutating endpoints. Requires a [`Confirmed`] token, which only
    /// [`Confirmed::by_user`] creates; see the module docs.
    pub fn mutator(&self, confirmation: Confirmed) -> AdminMutator {
        AdminMutator::new(self.clone(), confirmation)
    }

    /// GETs `path_and_query` (already encoded, e.g. `/stats?usedonly`). Non-2xx answers are
    /// errors; retryable failures are retried per [`ClientOptions`].
    pub async fn get(&self, path_and_query: &str) -> Result<Response, AdminError> {
        self.fetch(Method::GET, path_and_query, StatusPolicy::SuccessOnly)
            .await
    }

    /// GETs `path_and_query` and returns the answer whatever its status (transport failures
    /// are still errors and still retried).
    pub async fn get_any_status(&self, path_and_query: &str) -> Result<Response, AdminError> {
        self.fetch(Method::GET, path_and_query, StatusPolicy::AnyStatus)
            .await
    }

    async fn get_json(&self, path_and_query: &str) -> Result<Response, AdminError> {
        let response = self.get(path_and_query).await?;
        response.expect_json()?;
        Ok(response)
    }

    // ---- Envoy admin (15000) ----

    /// Envoy `/config_dump` (JSON).
    pub async fn config_dump(&self, query: &ConfigDumpQuery) -> Result<Response, AdminError> {
        self.get_json(&query.path_and_query()).await
    }

    /// Envoy `/clusters?format=json`: runtime cluster and host state (JSON).
    pub async fn clusters_json(&self) -> Result<Response, AdminError> {
        self.get_json("/clusters?format=json").await
    }

    /// Envoy `/listeners?format=json`: active listeners and their addresses (JSON).
    pub async fn listeners(&self) -> Result<Response, AdminError> {
        self.get_json("/listeners?format=json").await
    }

    /// Envoy `/stats` in the requested format (JSON is checked to look like JSON).
    pub async fn stats(&self, query: &StatsQuery) -> Result<Response, AdminError> {
        let path = query.path_and_query();
        match query.format {
            StatsFormat::Json => self.get_json(&path).await,
            StatsFormat::Text | StatsFormat::Prometheus => self.get(&path).await,
        }
    }

    /// Envoy `/memory` (JSON).
    pub async fn memory(&self) -> Result<Response, AdminError> {
        self.get_json("/memory").await
    }

    /// Envoy `/server_info` (JSON).
    pub async fn server_info(&self) -> Result<Response, AdminError> {
        self.get_json("/server_info").await
    }

    /// Envoy `/ready`. Any status is returned as data: 503 means "not ready" and the body
    /// says which state (`PRE_INITIALIZING`, `DRAINING`...).
    pub async fn ready(&self) -> Result<Response, AdminError> {
        self.get_any_status("/ready").await
    }

    /// Envoy `/certs` (JSON).
    pub async fn certs(&self) -> Result<Response, AdminError> {
        self.get_json("/certs").await
    }

    /// Envoy `/logging`: the current level of each logger (text). Changing levels is on
    /// [`AdminMutator::set_log_level`].
    ///
    /// Envoys before 1.25 list levels on `GET /logging`; newer ones (1.36 and 1.40 checked
    /// against the real binaries) answer `405 ... POST required` and list only on POST. So a
    /// 405 is followed by `POST /logging` with no query. That POST changes nothing: Envoy's
    /// handler changes a level only when a `level` or `paths` parameter is present, and with
    /// neither it only prints the list. It therefore stays outside the confirmation path
    /// ([`AdminMutator`]), which is for requests that can change a proxy; the path here is the
    /// constant `/logging`, never built from input, so no query can be added to it.
    pub async fn logging(&self) -> Result<Response, AdminError> {
        match self.get("/logging").await {
            Err(AdminError::Status { code: 405, .. }) => {
                self.fetch(Method::POST, LIST_LOGGING, StatusPolicy::SuccessOnly)
                    .await
            }
            other => other,
        }
    }

    // ---- pilot-agent (15020) ----

    /// pilot-agent `/healthz/ready`. Any status is returned as data: 200 ready, 503 not.
    pub async fn agent_ready(&self) -> Result<Response, AdminError> {
        self.get_any_status("/healthz/ready").await
    }

    /// pilot-agent `/stats/prometheus`: merged Envoy, agent and application metrics.
    pub async fn agent_prometheus(&self) -> Result<Response, AdminError> {
        self.get("/stats/prometheus").await
    }

    // ---- istiod (15014) ----

    /// istiod `/metrics` (Prometheus text).
    pub async fn istiod_metrics(&self) -> Result<Response, AdminError> {
        self.get("/metrics").await
    }

    /// istiod `/debug/syncz`: xDS sync status per proxy (JSON). Answers 401 to non-local
    /// callers ([`AdminError::Unauthorized`]).
    pub async fn syncz(&self) -> Result<Response, AdminError> {
        self.get_json("/debug/syncz").await
    }

    /// istiod `/debug/config_dump?proxyID=`: the config istiod would send to `proxy_id`
    /// (e.g. `reviews-v1-abc.default`) (JSON).
    pub async fn istiod_config_dump(&self, proxy_id: &str) -> Result<Response, AdminError> {
        let mut q = QueryBuilder::new("/debug/config_dump");
        q.value("proxyID", Some(proxy_id));
        self.get_json(&q.finish()).await
    }
}
