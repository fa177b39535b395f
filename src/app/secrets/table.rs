//! The Secrets table: SDS secrets with validity, serial and time left.

use crate::app::table::{Column, Row, Table};
use crate::model::istioctl::secrets;
use crate::model::severity::Severity;

/// One row per secret, judged against `now` (unix seconds).
pub fn secret_table(items: &[secrets::SecretItem], now: i64) -> Table {
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
            Column::text("RESOURCE NAME", 36).key().min(12).middle(),
            Column::text("TYPE", 11).optional(),
            Column::text("STATUS", 8).key(),
            Column::text("VALID", 6),
            Column::text("SERIAL NUMBER", 34).optional(),
            Column::text("NOT AFTER", 21),
            Column::text("EXPIRES IN", 12).key().min(8),
        ],
        rows,
    }
}
