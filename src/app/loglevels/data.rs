//! `/logging` parsed in the fetch task into the logger table.

use crate::app::table::{Column, Row, Table};
use crate::model::logging::parse_loggers;
use crate::model::severity::Severity;

/// The logger table from a `/logging` body (rows keyed by logger name).
pub fn logging_data(body: &str) -> Table {
    let rows = parse_loggers(body)
        .into_iter()
        .map(|(name, level)| {
            let sev = match level.as_str() {
                "trace" | "debug" => Severity::Warn,
                _ => Severity::Ok,
            };
            Row::new(name.clone(), vec![name, level], sev)
        })
        .collect();
    Table {
        columns: vec![Column::text("LOGGER", 28), Column::text("LEVEL", 10)],
        rows,
    }
}
