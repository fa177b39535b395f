//! The Listeners table, one row per filter chain, built once from a parsed
//! dump: istioctl's columns, plus the BlackHoleCluster chains istioctl hides
//! and the warming, draining and rejected listeners it does not print.

use serde_json::Value;

use crate::app::table::{Column, Row, Table};
use crate::model::config_dump::{ConfigDump, Kind, State};
use crate::model::istioctl::listeners;
use crate::model::severity::Severity;

/// One row per filter chain, then the listeners that are not active.
pub fn listener_table(dump: &ConfigDump<'_>, rows: &[listeners::ListenerRow]) -> Table {
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
            Column::text("NAME", 22).key().min(12).middle(),
            Column::num("PORT", 6),
            Column::text("TYPE", 9).optional(),
            Column::text("DESTINATION", 48).key().min(16).middle(),
            Column::text("MATCH", 30),
            Column::text("ADDRESSES", 16).optional(),
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
