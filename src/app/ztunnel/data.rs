//! A ztunnel `/config_dump`, parsed once in the fetch task, with the five
//! tables its views show.

use crate::app::table::{Column, Row, Table};
use crate::model::severity::Severity;
use crate::model::ztunnel::tables::{ConnectionsFilter, WorkloadFilter};
use crate::model::ztunnel::ZtunnelDump;

/// The dump and its tables: workloads, services, policies, certificates,
/// connections (in that order).
#[derive(Debug, Clone)]
pub struct ZtunnelData {
    /// The parsed dump (the doctor reads it).
    pub dump: ZtunnelDump,
    /// The tables, in [`super::TABS`] order from workloads on.
    pub tables: [Table; 5],
}

fn rows<const N: usize>(
    rows: Vec<[String; N]>,
    key: &[usize],
    severity: impl Fn(&[String; N]) -> Severity,
) -> Vec<Row> {
    rows.into_iter()
        .map(|r| {
            let k: Vec<&str> = key.iter().map(|&i| r[i].as_str()).collect();
            let sev = severity(&r);
            Row::new(k.join("/"), r.to_vec(), sev)
        })
        .collect()
}

/// Parses a ztunnel dump; `now` judges the certificates.
pub fn process_ztunnel(text: &str, now_unix: i64) -> Result<ZtunnelData, String> {
    let dump = ZtunnelDump::parse(text).map_err(|e| format!("ztunnel config_dump: {e}"))?;
    let workloads = Table {
        columns: vec![
            Column::text("NAMESPACE", 16).min(6).uniform_hides(),
            Column::text("POD NAME", 40).key().min(12).middle(),
            Column::text("ADDRESS", 16).key().min(8),
            Column::text("NODE", 18).optional(),
            Column::text("WAYPOINT", 20).min(6),
            Column::text("PROTOCOL", 9).key(),
        ],
        rows: rows(
            dump.workload_rows(&WorkloadFilter::default()),
            &[0, 1],
            |_| Severity::Ok,
        ),
    };
    let services = Table {
        columns: vec![
            Column::text("NAMESPACE", 16).min(6).uniform_hides(),
            Column::text("SERVICE NAME", 36).key().min(12).middle(),
            Column::text("SERVICE VIP", 18).key().min(8),
            Column::text("WAYPOINT", 20).min(6),
            Column::text("ENDPOINTS", 10).key(),
        ],
        rows: rows(dump.service_rows(""), &[0, 1], |r| {
            // `0/3`: no endpoint healthy.
            match r[4].split_once('/') {
                Some(("0", n)) if n != "0" => Severity::Error,
                Some((h, n)) if h != n => Severity::Warn,
                _ => Severity::Ok,
            }
        }),
    };
    let policies = Table {
        columns: vec![
            Column::text("NAMESPACE", 16).min(6),
            Column::text("POLICY NAME", 40).key().min(12).middle(),
            Column::text("ACTION", 8).key(),
            Column::text("SCOPE", 30).min(8),
        ],
        rows: rows(dump.policy_rows(""), &[0, 1], |r| {
            if r[2] == "Deny" {
                Severity::Warn
            } else {
                Severity::Ok
            }
        }),
    };
    let certificates = Table {
        columns: vec![
            Column::text("CERTIFICATE NAME", 48).key().min(16).middle(),
            Column::text("TYPE", 12).min(4),
            Column::text("STATUS", 12).key(),
            Column::text("VALID CERT", 10).key(),
            Column::text("SERIAL NUMBER", 34).optional(),
            Column::text("NOT AFTER", 21).min(10),
            Column::text("NOT BEFORE", 21).optional(),
        ],
        rows: rows(dump.cert_rows(now_unix), &[0, 1, 4], |r| {
            if r[2] != "Available" || r[3] != "true" {
                Severity::Error
            } else {
                Severity::Ok
            }
        }),
    };
    let connections = Table {
        columns: vec![
            Column::text("WORKLOAD", 36).key().min(12).middle(),
            Column::text("DIRECTION", 9).key(),
            Column::text("LOCAL", 21).optional(),
            Column::text("REMOTE", 21).key().min(10),
            Column::text("REMOTE TARGET", 30).min(8).middle(),
            Column::text("PROTOCOL", 8).key(),
        ],
        rows: rows(
            dump.connection_rows(&ConnectionsFilter::default()),
            &[0, 1, 3],
            |_| Severity::Ok,
        ),
    };
    Ok(ZtunnelData {
        dump,
        tables: [workloads, services, policies, certificates, connections].map(Table::indexed),
    })
}
