//! The decision as text, for `meshscope route` and the TUI's Route view.

use std::fmt::Write as _;

use super::{RouteDecision, Stage};

/// The decision as text: one line per step, its detail below, the verdict last.
pub fn trail(d: &RouteDecision) -> String {
    let mut out = String::new();
    let r = &d.request;
    let _ = writeln!(
        out,
        "{} {}{} (port {})",
        r.method.to_ascii_uppercase(),
        r.host,
        r.path,
        r.port
    );
    for (k, v) in &r.headers {
        let _ = writeln!(out, "  {k}: {v}");
    }
    out.push('\n');
    let mut last: Option<Stage> = None;
    for s in &d.steps {
        let stage = if last == Some(s.stage) {
            ""
        } else {
            s.stage.label()
        };
        last = Some(s.stage);
        let _ = writeln!(out, "{stage:<13} {} {}", s.outcome.mark(), s.subject);
        for line in &s.detail {
            let _ = writeln!(out, "{:<13}     {line}", "");
        }
    }
    out.push('\n');
    let _ = writeln!(out, "=> {}", d.summary);
    if let Some(c) = &d.upstream_cluster {
        let _ = writeln!(out, "   upstream cluster: {c}");
    }
    out
}
