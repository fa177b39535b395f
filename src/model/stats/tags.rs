//! Envoy stat names split into their tags, the way Envoy's default tag
//! extractors (`source/common/config/well_known_names.cc`) do, but tolerant of
//! Istio's dotted cluster names: a cluster name ends where a known cluster
//! stat begins, not at the first dot.

use std::borrow::Cow;

use serde::Serialize;

/// Where an Envoy stat lives: the entity whose name was extracted as a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StatScope<'a> {
    /// `cluster.<name>.<stat>`: the `cluster_name` tag.
    Cluster {
        /// e.g. `outbound|8000||httpbin.default.svc.cluster.local`.
        name: &'a str,
    },
    /// `listener.<address>[.worker_<id>].<stat>`.
    Listener {
        /// e.g. `0.0.0.0_15006`, or the stat prefix (`admin`).
        address: &'a str,
        /// The worker thread, for per-worker listener stats.
        worker: Option<u32>,
    },
    /// `http.<prefix>.<stat>`: the HTTP connection manager's stat prefix.
    Http {
        /// e.g. `outbound_0.0.0.0_9080`, `admin`.
        prefix: &'a str,
    },
    /// `server.<stat>`.
    Server,
    /// `cluster_manager.<stat>` (CDS lives here: `cds.update_rejected`).
    ClusterManager,
    /// `listener_manager.<stat>` (LDS lives here: `lds.update_rejected`).
    ListenerManager,
    /// Anything else; the stat is the whole name.
    Other,
}

impl StatScope<'_> {
    /// The root of the name (`cluster`, `listener`, `http`...), `""` for [`StatScope::Other`].
    pub fn root(&self) -> &'static str {
        match self {
            StatScope::Cluster { .. } => "cluster",
            StatScope::Listener { .. } => "listener",
            StatScope::Http { .. } => "http",
            StatScope::Server => "server",
            StatScope::ClusterManager => "cluster_manager",
            StatScope::ListenerManager => "listener_manager",
            StatScope::Other => "",
        }
    }
}

/// An Envoy stat name split into scope and stat suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct StatName<'a> {
    /// The scope and its tag values.
    pub scope: StatScope<'a>,
    /// What remains after the scope, e.g. `upstream_rq_pending_overflow`,
    /// `circuit_breakers.default.rq_pending_open`, `rds.9080.update_rejected`.
    pub stat: &'a str,
}

/// Cluster stats with a dotted head and the number of segments after it
/// (`None`: any number).
const CLUSTER_DOTTED: &[(&str, Option<usize>)] = &[
    ("circuit_breakers.", Some(2)),
    ("outlier_detection.", Some(1)),
    ("internal.", Some(1)),
    ("external.", Some(1)),
    ("canary.", Some(1)),
    ("health_check.", Some(1)),
    ("tcp.", Some(1)),
    ("http1.", Some(1)),
    ("http2.", Some(1)),
    ("http3.", Some(1)),
    ("zone.", Some(3)),
    ("ssl.ciphers.", None),
    ("ssl.curves.", None),
    ("ssl.sigalgs.", None),
    ("ssl.versions.", None),
    ("ssl.", Some(1)),
];

/// Leaf cluster stats (no dot), by prefix or exact name.
const CLUSTER_LEAF_PREFIXES: &[&str] = &[
    "upstream_cx_",
    "upstream_rq_",
    "upstream_flow_control_",
    "upstream_internal_redirect_",
    "upstream_http3_",
    "lb_",
    "membership_",
    "update_",
    "assignment_",
    "original_dst_",
    "retry_or_shadow_",
];

const CLUSTER_LEAF_EXACT: &[&str] = &[
    "bind_errors",
    "max_host_weight",
    "version",
    "warming_state",
    "init_fetch_timeout",
    "default.total_match_count",
];

/// Whether `rest` (with `dots` dots in it, counted by the caller so a long
/// name is scanned once) is a known cluster stat. Each check compares a short
/// prefix only, so trying every dot of a name stays linear.
fn is_cluster_stat(rest: &str, dots: usize) -> bool {
    if CLUSTER_LEAF_EXACT.contains(&rest) {
        return true;
    }
    if dots == 0 {
        return CLUSTER_LEAF_PREFIXES.iter().any(|p| rest.starts_with(p));
    }
    CLUSTER_DOTTED.iter().any(|(head, segments)| {
        rest.strip_prefix(head).is_some_and(|tail| match segments {
            // `head` ends with its only dot(s); the tail holds the others.
            Some(n) => dots - head.bytes().filter(|&b| b == b'.').count() + 1 == *n,
            None => !tail.is_empty(),
        })
    })
}

/// Splits `<cluster name>.<stat>` at the first dot that starts a known stat,
/// falling back to the last dot. Linear in the name's length.
fn split_cluster(rest: &str) -> Option<(&str, &str)> {
    let total = rest.bytes().filter(|&b| b == b'.').count();
    for (k, (i, _)) in rest.match_indices('.').enumerate() {
        if i > 0 && is_cluster_stat(&rest[i + 1..], total - k - 1) {
            return Some((&rest[..i], &rest[i + 1..]));
        }
    }
    rest.rsplit_once('.')
        .filter(|(n, s)| !n.is_empty() && !s.is_empty())
}

/// `0.0.0.0_15006`, `10.0.0.1_8080` (IPv4 class `[_.0-9]`) or `[__1]_15000`
/// (IPv6 class `[_\[\]0-9a-fA-F]`), as Envoy's `listener_address` regex.
fn split_listener(rest: &str) -> Option<(&str, &str)> {
    let bytes = rest.as_bytes();
    let v4 = bytes
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'_' || *b == b'.'))
        .unwrap_or(bytes.len());
    if let Some(dot) = rest[..v4].rfind('.').filter(|&d| d > 0) {
        return Some((&rest[..dot], &rest[dot + 1..]));
    }
    let v6 = bytes
        .iter()
        .position(|b| !(b.is_ascii_hexdigit() || matches!(b, b'_' | b'[' | b']')))
        .unwrap_or(bytes.len());
    if v6 > 0 && bytes.get(v6) == Some(&b'.') && rest[..v6].contains(['[', '_']) {
        return Some((&rest[..v6], &rest[v6 + 1..]));
    }
    rest.split_once('.')
}

/// `http.<prefix>.<stat>`: the prefix is the first segment plus any
/// following all-numeric segments, so Istio's `outbound_0.0.0.0_9080` stays whole.
fn split_http(rest: &str) -> Option<(&str, &str)> {
    let mut end = rest.find('.')?;
    while let Some(next) = rest[end + 1..].find('.') {
        let segment = &rest[end + 1..end + 1 + next];
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
            break;
        }
        end += 1 + next;
    }
    Some((&rest[..end], &rest[end + 1..]))
}

/// `worker_<id>.<rest>` → (id, rest).
fn split_worker(stat: &str) -> Option<(u32, &str)> {
    let (head, rest) = stat.strip_prefix("worker_")?.split_once('.')?;
    Some((head.parse().ok()?, rest))
}

impl<'a> StatName<'a> {
    /// Splits a flat Envoy stat name. Never fails: unknown shapes are
    /// [`StatScope::Other`] with the whole name as the stat.
    pub fn parse(name: &'a str) -> StatName<'a> {
        let other = StatName {
            scope: StatScope::Other,
            stat: name,
        };
        let Some((root, rest)) = name.split_once('.') else {
            return other;
        };
        let split = match root {
            "cluster" => {
                split_cluster(rest).map(|(name, stat)| (StatScope::Cluster { name }, stat))
            }
            "listener" => split_listener(rest).map(|(address, stat)| match split_worker(stat) {
                Some((id, stat)) => (
                    StatScope::Listener {
                        address,
                        worker: Some(id),
                    },
                    stat,
                ),
                None => (
                    StatScope::Listener {
                        address,
                        worker: None,
                    },
                    stat,
                ),
            }),
            "http" => split_http(rest).map(|(prefix, stat)| (StatScope::Http { prefix }, stat)),
            "server" => Some((StatScope::Server, rest)),
            "cluster_manager" => Some((StatScope::ClusterManager, rest)),
            "listener_manager" => Some((StatScope::ListenerManager, rest)),
            _ => None,
        };
        match split {
            Some((scope, stat)) if !stat.is_empty() => StatName { scope, stat },
            _ => other,
        }
    }

    /// The worker id: the listener's, or `listener_manager.worker_<id>.` /
    /// `server.worker_<id>.`.
    pub fn worker(&self) -> Option<u32> {
        match self.scope {
            StatScope::Listener { worker, .. } => worker,
            StatScope::ListenerManager | StatScope::Server => split_worker(self.stat).map(|w| w.0),
            _ => None,
        }
    }

    /// The last segment of the stat, e.g. `rq_pending_open` for
    /// `circuit_breakers.default.rq_pending_open`.
    pub fn leaf(&self) -> &'a str {
        self.stat.rsplit('.').next().unwrap_or(self.stat)
    }

    /// The response code class of `*_rq_<N>xx` stats, e.g. `"5"`.
    pub fn response_code_class(&self) -> Option<&'a str> {
        let code = self.stat.strip_suffix("xx")?;
        let (head, digit) = code.split_at_checked(code.len().checked_sub(1)?)?;
        (head.ends_with("_rq_") && digit.bytes().all(|b| b.is_ascii_digit())).then_some(digit)
    }

    /// The response code of `*_rq_<NNN>` stats, e.g. `"503"`.
    pub fn response_code(&self) -> Option<&'a str> {
        let (head, code) = self
            .stat
            .split_at_checked(self.stat.len().checked_sub(3)?)?;
        (head.ends_with("_rq_") && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
    }

    /// The route configuration of `http.<prefix>.rds.<route_config>.<stat>`.
    pub fn rds_route_config(&self) -> Option<&'a str> {
        match self.scope {
            StatScope::Http { .. } => self
                .stat
                .strip_prefix("rds.")?
                .rsplit_once('.')
                .map(|r| r.0),
            _ => None,
        }
    }

    /// The priority of `cluster.<name>.circuit_breakers.<priority>.<stat>`.
    pub fn circuit_breaker_priority(&self) -> Option<&'a str> {
        match self.scope {
            StatScope::Cluster { .. } => self
                .stat
                .strip_prefix("circuit_breakers.")?
                .split_once('.')
                .map(|p| p.0),
            _ => None,
        }
    }

    /// The extracted tags as `(envoy tag name, value)`, in Envoy's tag names
    /// (`cluster_name`, `listener_address`, `worker_id`, `http_conn_manager_prefix`,
    /// `rds_route_config`, `response_code_class`, `response_code`). Only a
    /// worker id is allocated.
    pub fn tags(&self) -> impl Iterator<Item = (&'static str, Cow<'a, str>)> {
        let scope = match self.scope {
            StatScope::Cluster { name } => Some(("cluster_name", name)),
            StatScope::Listener { address, .. } => Some(("listener_address", address)),
            StatScope::Http { prefix } => Some(("http_conn_manager_prefix", prefix)),
            _ => None,
        };
        let worker = self
            .worker()
            .map(|w| ("worker_id", Cow::Owned(w.to_string())));
        let borrowed = [
            scope,
            self.rds_route_config().map(|v| ("rds_route_config", v)),
            self.response_code_class()
                .map(|v| ("response_code_class", v)),
            self.response_code().map(|v| ("response_code", v)),
        ];
        borrowed
            .into_iter()
            .flatten()
            .map(|(k, v)| (k, Cow::Borrowed(v)))
            .chain(worker)
    }
}

#[cfg(test)]
#[path = "tags_tests.rs"]
mod tests;
