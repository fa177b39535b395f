//! The calls that change a sidecar, kept apart from the read-only client.

use reqwest::Method;

use super::query::QueryBuilder;
use super::{AdminClient, AdminError, Response, StatusPolicy};

/// Envoy's log levels, as `/logging` accepts them.
const LOG_LEVELS: &[&str] = &[
    "trace", "debug", "info", "warning", "warn", "error", "critical", "off",
];

/// Proof that a person confirmed a change to a sidecar.
///
/// The only constructor is [`Confirmed::by_user`]; the type is neither `Clone` nor
/// `Default`, and [`AdminClient::mutator`] consumes it. Only the UI's confirmation dialog
/// (and tests) should call `by_user`: read-only commands (`pc`, `stats`, `snapshot`, `check`)
/// never do, which keeps every mutation out of their reach.
#[derive(Debug)]
pub struct Confirmed {
    description: String,
}

impl Confirmed {
    /// Records that the user confirmed `description` (e.g. "set upstream logging to debug on
    /// reviews-v1"). Call this only after an explicit confirmation from a person.
    #[must_use]
    pub fn by_user(description: &str) -> Self {
        Confirmed {
            description: description.to_owned(),
        }
    }

    /// What the user confirmed.
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// Mutating calls on an Envoy admin port. Obtained only through
/// [`AdminClient::mutator`] with a [`Confirmed`] token. Requests are POSTs and are never
/// retried: a change must not be applied twice behind the user's back.
#[derive(Debug)]
pub struct AdminMutator {
    client: AdminClient,
    confirmation: Confirmed,
}

impl AdminMutator {
    pub(super) fn new(client: AdminClient, confirmation: Confirmed) -> Self {
        AdminMutator {
            client,
            confirmation,
        }
    }

    /// What the user confirmed to obtain this mutator.
    pub fn confirmation(&self) -> &str {
        self.confirmation.description()
    }

    /// Sets Envoy log levels. With `paths` of `None`, every logger: `POST /logging?level=L`.
    /// With `Some("upstream,router")`, only those loggers (or fine-grained file paths):
    /// `POST /logging?paths=upstream:L,router:L`. `level` is one of trace, debug, info,
    /// warning (warn), error, critical, off.
    pub async fn set_log_level(
        &self,
        paths: Option<&str>,
        level: &str,
    ) -> Result<Response, AdminError> {
        // A ztunnel's one logger: its global level, in its own level names.
        if paths == Some(crate::model::logging::ZTUNNEL_LOGGER) {
            let level = crate::model::logging::ztunnel_level(level);
            let path_and_query =
                logging_path(None, level).map_err(|reason| AdminError::Invalid {
                    url: self.client.url_for("/logging"),
                    reason,
                })?;
            return self.post(&path_and_query).await;
        }
        let path_and_query = logging_path(paths, level).map_err(|reason| AdminError::Invalid {
            url: self.client.url_for("/logging"),
            reason,
        })?;
        self.post(&path_and_query).await
    }

    /// Resets every counter to zero: `POST /reset_counters`.
    pub async fn reset_counters(&self) -> Result<Response, AdminError> {
        self.post("/reset_counters").await
    }

    async fn post(&self, path_and_query: &str) -> Result<Response, AdminError> {
        self.client
            .fetch(Method::POST, path_and_query, StatusPolicy::SuccessOnly)
            .await
    }
}

/// Builds the `/logging` path and query, or says why the arguments are invalid.
fn logging_path(paths: Option<&str>, level: &str) -> Result<String, String> {
    if !LOG_LEVELS.contains(&level) {
        return Err(format!(
            "unknown log level {level:?}; expected one of {}",
            LOG_LEVELS.join(", ")
        ));
    }
    let mut q = QueryBuilder::new("/logging");
    match paths {
        None => q.value("level", Some(level)),
        Some(paths) => {
            let mut pairs = Vec::new();
            for name in paths.split(',').map(str::trim) {
                if name.is_empty() || name.contains(':') {
                    return Err(format!(
                        "invalid logger list {paths:?}: give comma-separated logger names \
                         without levels, e.g. \"upstream,router\""
                    ));
                }
                pairs.push(format!("{name}:{level}"));
            }
            q.value("paths", Some(&pairs.join(",")));
        }
    }
    Ok(q.finish())
}

#[cfg(test)]
mod tests {
    use super::logging_path;

    #[test]
    fn logging_paths() {
        assert_eq!(
            logging_path(None, "debug").as_deref(),
            Ok("/logging?level=debug")
        );
        assert_eq!(
            logging_path(Some("upstream, router"), "trace").as_deref(),
            Ok("/logging?paths=upstream:trace,router:trace")
        );
        assert!(logging_path(None, "loud").is_err());
        assert!(logging_path(Some("upstream:debug"), "debug").is_err());
        assert!(logging_path(Some("a,,b"), "debug").is_err());
    }
}
