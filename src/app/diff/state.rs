//! What the Diff view shows: the two sides' labels, the diff, and its two
//! tables (resources that differ; their field differences, keyed by resource).

use std::sync::Arc;

use crate::app::table::{Column, Row, Table};
use crate::model::diff::{short_value, Change, ConfigDiff, ResourceDiff};
use crate::model::severity::Severity;

/// The other side of a `:diff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffWith {
    /// Another sidecar of the list (its index).
    Sidecar(usize),
    /// A file, folder, bundle or bug-report (`PATH[#ns/pod]`), or an admin URL.
    Source(String),
}

/// Characters of a JSON value shown per cell (the table elides further).
const VALUE_CHARS: usize = 400;

/// The key of a resource's rows (`cluster outbound|80||a`): unique in a diff,
/// and what the fields view's title names.
pub fn resource_key(r: &ResourceDiff) -> String {
    format!("{} {}", r.kind.singular(), r.name)
}

/// One finished diff.
#[derive(Debug, Clone)]
pub struct DiffState {
    /// The open sidecar's label ("here").
    pub a: String,
    /// The other side's label ("there").
    pub b: String,
    /// The diff.
    pub diff: Arc<ConfigDiff>,
    /// One row per resource that differs, keyed by [`resource_key`].
    pub resources: Table,
    /// One row per field difference, keyed by its resource's index.
    pub fields: Table,
    /// Grows with every diff, so views refilter.
    pub version: u64,
}

impl DiffState {
    /// The tables of a diff.
    pub fn new(a: String, b: String, diff: Arc<ConfigDiff>, version: u64) -> DiffState {
        let mut resources = Vec::new();
        let mut fields = Vec::new();
        for r in &diff.resources {
            let key = resource_key(r);
            let (mark, severity) = match r.change {
                Change::Changed => ("~ changed", Severity::Warn),
                Change::Added => ("+ only there", Severity::Info),
                Change::Removed => ("- only here", Severity::Info),
            };
            resources.push(Row::new(
                key.clone(),
                vec![
                    mark.to_string(),
                    r.kind.singular().to_string(),
                    r.name.clone(),
                    if r.change == Change::Changed {
                        r.fields.len().to_string()
                    } else {
                        "-".into()
                    },
                ],
                severity,
            ));
            for f in &r.fields {
                let path = if f.path.is_empty() {
                    "(root)".to_string()
                } else {
                    f.path.clone()
                };
                fields.push(Row::new(
                    key.clone(),
                    vec![
                        path,
                        short_value(f.old.as_ref(), VALUE_CHARS),
                        short_value(f.new.as_ref(), VALUE_CHARS),
                    ],
                    Severity::Warn,
                ));
            }
        }
        DiffState {
            a,
            b,
            diff,
            resources: Table {
                columns: vec![
                    Column::text("CHANGE", 12).key().min(9),
                    Column::text("KIND", 16).min(7),
                    Column::text("NAME", 60).key().min(16).middle(),
                    Column::num("FIELDS", 7),
                ],
                rows: resources,
            },
            fields: Table {
                columns: vec![
                    Column::text("FIELD", 48).key().min(16).middle(),
                    Column::text("HERE", 40).key().min(8),
                    Column::text("THERE", 40).key().min(8),
                ],
                rows: fields,
            },
            version,
        }
    }

    /// `3 changed, 1 only here, 2 only there (of 214 compared)`: here is the
    /// open sidecar, there the other side.
    pub fn summary(&self) -> String {
        let (mut changed, mut added, mut removed, mut same) = (0, 0, 0, 0);
        for c in self.diff.summary.values() {
            changed += c.changed;
            added += c.added;
            removed += c.removed;
            same += c.unchanged;
        }
        let total = changed + added + removed + same;
        if !self.diff.differs() {
            return format!("no differences ({total} resources compared)");
        }
        format!("{changed} changed, {removed} only here, {added} only there (of {total} compared)")
    }
}
