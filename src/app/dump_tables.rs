//! The tables the config views show, built once from a parsed dump (or
//! `/clusters`) when the data arrives: istioctl's columns plus what an SRE
//! needs next to them (state, breaker limits, blackholes, expiry, per-host
//! counters).

use serde_json::Value;

use super::table::{Column, Row, Table};
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ClusterInfo, ConfigDump, Kind, State, SubsetKey};
use crate::model::istioctl::{describe_management, endpoints, listeners, routes, secrets};
use crate::model::severity::Severity;

pub(super) fn cluster_table(dump: &ConfigDump<'_>) -> Table {
    let mut rows = Vec::new();
    for r in dump.of(Kind::Cluster) {
        let Some(info) = r.raw.and_then(|raw| ClusterInfo::parse(raw.get()).ok()) else {
            rows.push(Row::new(
                r.name.to_string(),
                vec![
                    r.name.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    r.state.label().into(),
                ],
                Severity::Warn,
            ));
            continue;
        };
        let key = SubsetKey::parse(&info.name);
        let (fqdn, port, subset, dir) = match &key {
            Some(k) => (
                k.fqdn.to_string(),
                k.port.to_string(),
                if k.subset.is_empty() {
                    "-".into()
                } else {
                    k.subset.to_string()
                },
                k.direction.to_string(),
            ),
            None => (info.name.to_string(), "-".into(), "-".into(), "-".into()),
        };
        let limits = info
            .circuit_breakers
            .as_ref()
            .and_then(|cb| cb.thresholds.first())
            .map(|t| {
                let f = |v: Option<u64>| {
                    v.filter(|n| *n < 4_294_967_295)
                        .map_or("-".to_string(), |n| n.to_string())
                };
                format!(
                    "{}/{}/{}",
                    f(t.max_connections),
                    f(t.max_pending_requests),
                    f(t.max_requests)
                )
            })
            .unwrap_or_else(|| "-".into());
        let severity = match r.state {
            State::Warming | State::Draining => Severity::Warn,
            State::Error => Severity::Error,
            _ => Severity::Ok,
        };
        rows.push(Row::new(
            info.name.to_string(),
            vec![
                info.name.to_string(),
                fqdn,
                port,
                subset,
                dir,
                info.type_label().to_string(),
                describe_management(info.istio_config()),
                r.state.label().into(),
                limits,
            ],
            severity,
        ));
    }
    Table {
        columns: cluster_columns(),
        rows,
    }
}

/// The columns of the Clusters view: istioctl's, plus state and breaker limits.
/// FQDN, subset and direction are parts of the name, so they give way first
/// when the pane is too narrow for state and limits.
pub fn cluster_columns() -> Vec<Column> {
    vec![
        Column::text("NAME", 56),
        Column::text("SERVICE FQDN", 36).optional(),
        Column::num("PORT", 6),
        Column::text("SUBSET", 8).optional(),
        Column::text("DIRECTION", 10).optional(),
        Column::text("TYPE", 12),
        Column::text("DESTINATION RULE", 18),
        Column::text("STATE", 8),
        Column::text("CX/PEND/RQ", 12),
    ]
}

pub(super) fn listener_table(dump: &ConfigDump<'_>, rows: &[listeners::ListenerRow]) -> Table {
    let mut out = Vec::new();
    for l in rows {
        for chain in &l.chains {
            // istioctl hides tcp_proxy chains to BlackHoleCluster; we show them,
            // since they silently drop traffic (KNOWLEDGE scenario 10).
            let (dest, sev) = match chain.tcp_cluster.as_deref() {
                Some("BlackHoleCluster") => {
                    ("BlackHoleCluster (dropped)".to_string(), Severity::Error)
                }
                _ => (chain.destination.clone(), Severity::Ok),
            };
            out.push(Row::new(
                l.name.clone(),
                vec![
                    l.name.clone(),
                    l.port.to_string(),
                    l.kind.to_string(),
                    dest,
                    chain.matched.clone(),
                    l.addresses.clone(),
                    State::Active.label().into(),
                ],
                sev,
            ));
        }
    }
    // Listeners istioctl does not print: warming, draining, rejected.
    for r in dump
        .of(Kind::Listener)
        .filter(|r| !matches!(r.state, State::Active | State::Static))
    {
        let detail = r.error.map(|e| error_detail(e.get())).unwrap_or_default();
        let sev = if r.state == State::Error {
            Severity::Error
        } else {
            Severity::Warn
        };
        out.push(Row::new(
            r.name.to_string(),
            vec![
                r.name.to_string(),
                String::new(),
                String::new(),
                detail,
                String::new(),
                String::new(),
                r.state.label().into(),
            ],
            sev,
        ));
    }
    Table {
        columns: vec![
            Column::text("NAME", 22),
            Column::num("PORT", 6),
            Column::text("TYPE", 9),
            Column::text("DESTINATION", 48),
            Column::text("MATCH", 30),
            Column::text("ADDRESSES", 16),
            Column::text("STATE", 8),
        ],
        rows: out,
    }
}

/// `error_state.details` of a rejected update, on one line.
fn error_detail(raw: &str) -> String {
    serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|v| {
            v.get("details")
                .and_then(Value::as_str)
                .map(|s| format!("rejected: {}", s.replace('\n', " ")))
        })
        .unwrap_or_else(|| "rejected".into())
}

pub(super) fn route_table(rows: &[routes::RouteConfigRow]) -> Table {
    let mut out = Vec::new();
    for rc in rows {
        for r in &rc.routes {
            let sev = if r.virtual_service == "404" {
                Severity::Warn
            } else {
                Severity::Ok
            };
            out.push(Row::new(
                rc.name.clone(),
                vec![
                    rc.name.clone(),
                    r.vhost.clone(),
                    r.domains.clone(),
                    r.matcher.clone(),
                    r.virtual_service.clone(),
                    r.clusters.join(", "),
                ],
                sev,
            ));
        }
    }
    Table {
        columns: vec![
            Column::text("NAME", 16),
            Column::text("VHOST NAME", 40),
            Column::text("DOMAINS", 30),
            Column::text("MATCH", 18),
            Column::text("VIRTUAL SERVICE", 20),
            Column::text("CLUSTERS", 40),
        ],
        rows: out,
    }
}

pub(super) fn secret_table(items: &[secrets::SecretItem], now: i64) -> Table {
    let rows = items
        .iter()
        .map(|s| {
            let left = s.not_after_epoch.map(|t| t - now);
            let expires = match left {
                Some(l) if l < 0 => "expired".to_string(),
                Some(l) => format!("{}d {}h", l / 86_400, l % 86_400 / 3600),
                None => "-".to_string(),
            };
            let sev = match (s.state.as_str(), left) {
                ("WARMING", _) => Severity::Warn,
                (_, Some(l)) if l < 0 => Severity::Error,
                (_, Some(l)) if l < 86_400 => Severity::Warn,
                (_, None) => Severity::Warn,
                _ => Severity::Ok,
            };
            Row::new(
                s.name.clone(),
                vec![
                    s.name.clone(),
                    s.cert_type.clone(),
                    s.state.clone(),
                    s.valid.to_string(),
                    s.serial.clone(),
                    s.not_after.clone(),
                    expires,
                ],
                sev,
            )
        })
        .collect();
    Table {
        columns: vec![
            Column::text("RESOURCE NAME", 36),
            Column::text("TYPE", 11),
            Column::text("STATUS", 8),
            Column::text("VALID", 6),
            Column::text("SERIAL NUMBER", 34),
            Column::text("NOT AFTER", 21),
            Column::text("EXPIRES IN", 12),
        ],
        rows,
    }
}

pub(super) fn eds_table(eds: &[endpoints::EdsEndpoint]) -> Table {
    let rows = eds
        .iter()
        .map(|e| {
            let sev = if e.status == "HEALTHY" {
                Severity::Ok
            } else {
                Severity::Warn
            };
            Row::new(
                e.cluster.clone(),
                vec![
                    e.address.clone(),
                    e.status.clone(),
                    String::new(),
                    e.status.clone(),
                    e.locality.clone(),
                    e.cluster.clone(),
                    String::new(),
                    String::new(),
                ],
                sev,
            )
        })
        .collect();
    Table {
        columns: endpoint_columns(),
        rows,
    }
}

fn endpoint_columns() -> Vec<Column> {
    vec![
        Column::text("ENDPOINT", 22),
        Column::text("STATUS", 10),
        Column::text("HEALTH FLAGS", 18),
        Column::text("EDS", 9),
        Column::text("LOCALITY", 14),
        Column::text("CLUSTER", 56),
        Column::num("RQ TOTAL", 9),
        Column::num("RQ ERROR", 9),
    ]
}

/// One row per host of `/clusters?format=json`: STATUS is what load
/// balancing makes of the host from every health flag, HEALTH FLAGS names
/// each flag set, EDS is the control plane's status alone.
pub(super) fn runtime_table(cs: &ClusterStatuses) -> Table {
    let mut rows = Vec::new();
    for c in &cs.cluster_statuses {
        for h in &c.host_statuses {
            let hs = &h.health_status;
            let effective = hs.effective();
            let sev = match effective {
                "HEALTHY" => Severity::Ok,
                "UNHEALTHY" => Severity::Error,
                _ => Severity::Warn,
            };
            let flags = hs
                .flags()
                .iter()
                .map(|f| f.short())
                .collect::<Vec<_>>()
                .join(",");
            let locality = h
                .locality
                .as_ref()
                .map(|l| {
                    ["region", "zone", "sub_zone"]
                        .iter()
                        .filter_map(|k| l.get(*k).and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            rows.push(Row::new(
                c.name.clone(),
                vec![
                    h.endpoint(),
                    effective.to_string(),
                    flags,
                    h.health().to_string(),
                    locality,
                    c.name.clone(),
                    h.stat("rq_total").to_string(),
                    h.stat("rq_error").to_string(),
                ],
                sev,
            ));
        }
    }
    Table {
        columns: endpoint_columns(),
        rows,
    }
}
