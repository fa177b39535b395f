//! [`KubeLogSource`]: container logs through the API server
//! (`GET .../pods/NAME/log?follow&tailLines&sinceSeconds&container`), one
//! item per line, behind the same [`LogSource`] trait as the demo mesh.

use futures::stream::{self, BoxStream, StreamExt};
use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::Client;

use super::error::describe;
use crate::sources::logs::{LogError, LogQuery, LogSource};

/// Streams logs of pods in a cluster.
#[derive(Clone)]
pub struct KubeLogSource {
    client: Client,
}

impl std::fmt::Debug for KubeLogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeLogSource").finish_non_exhaustive()
    }
}

impl KubeLogSource {
    /// A log source over `client`; pass the cluster's stream client (no read
    /// timeout), since a quiet sidecar may log nothing for minutes.
    pub fn new(client: Client) -> Self {
        KubeLogSource { client }
    }
}

/// The API parameters of a query.
pub fn log_params(q: &LogQuery) -> LogParams {
    LogParams {
        container: Some(q.container.clone()),
        follow: q.follow,
        tail_lines: q.tail.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        since_seconds: q
            .since_seconds
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        ..LogParams::default()
    }
}

fn open_error(q: &LogQuery, e: &kube::Error) -> LogError {
    let what = format!("{}/{} container {}", q.namespace, q.pod, q.container);
    match e {
        kube::Error::Api(s) if s.code == 404 => {
            LogError::NotFound(format!("{what}: {}", s.message))
        }
        kube::Error::Api(_) => LogError::Other(format!("logs of {what}: {}", describe(e))),
        _ => LogError::Disconnected(format!("logs of {what}: {}", describe(e))),
    }
}

impl LogSource for KubeLogSource {
    /// Lines as the API server sends them. A read error ends the stream with
    /// [`LogError::Disconnected`]; so does the end of a `follow` stream (the
    /// container stopped, or the API server closed it), so the pane can say so.
    fn lines(&self, query: &LogQuery) -> BoxStream<'static, Result<String, LogError>> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &query.namespace);
        let mut q = query.clone();
        let opened = async move {
            if q.container == crate::sources::logs::APP_CONTAINER {
                // The application container: the first one that is not the sidecar.
                match api.get(&q.pod).await {
                    Ok(pod) => {
                        let app = pod
                            .spec
                            .iter()
                            .flat_map(|s| s.containers.iter())
                            .map(|c| c.name.clone())
                            .find(|n| n != "istio-proxy");
                        match app {
                            Some(name) => q.container = name,
                            None => {
                                let e = LogError::NotFound(format!(
                                    "{}/{} has no application container",
                                    q.namespace, q.pod
                                ));
                                return stream::once(async move { Err(e) }).boxed();
                            }
                        }
                    }
                    Err(e) => return stream::once(async move { Err(open_error(&q, &e)) }).boxed(),
                }
            }
            let reader = match api.log_stream(&q.pod, &log_params(&q)).await {
                Ok(r) => r,
                Err(e) => return stream::once(async move { Err(open_error(&q, &e)) }).boxed(),
            };
            let follow = q.follow;
            let what = format!("{}/{}", q.namespace, q.pod);
            let lines = reader.lines().map(move |r| {
                r.map_err(|e| LogError::Disconnected(format!("logs of {what}: {e}")))
            });
            let end = stream::iter(follow.then(|| {
                Err(LogError::Disconnected(
                    "the API server ended the stream".into(),
                ))
            }));
            // Stop at the first error: it ends the stream.
            lines
                .chain(end)
                .scan(false, |failed, item| {
                    let out = (!*failed).then(|| {
                        *failed = item.is_err();
                        item
                    });
                    futures::future::ready(out)
                })
                .boxed()
        };
        stream::once(opened).flatten().boxed()
    }
}
