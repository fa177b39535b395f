//! The doctor's report as `check` prints it, and the severity `--fail-on` names;
//! shared by the one-sidecar and the fleet forms of `check`.

use std::fmt::Write as _;

use crate::cli::FailOn;
use crate::model::findings::Report;
use crate::model::severity::Severity;

/// The severity `--fail-on` names.
pub fn threshold(f: FailOn) -> Severity {
    match f {
        FailOn::Warn => Severity::Warn,
        FailOn::Error => Severity::Error,
    }
}

/// The findings as text: each with its proof and fix, then what was not checked.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    if r.findings.is_empty() {
        out.push_str("no findings\n");
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{:<5}  {}  {}",
            f.severity.label().to_uppercase(),
            f.rule,
            f.title
        );
        for p in &f.evidence {
            let mut line = format!("       {} {} = {}", p.source, p.item, p.value);
            if let Some(l) = &p.limit {
                let _ = write!(line, " (limit {l})");
            }
            if let Some(rate) = p.rate {
                let _ = write!(line, " ({rate:+.1}/s now)");
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "       means: {}", f.meaning);
        let _ = writeln!(out, "       fix:   {}", f.fix);
        let _ = writeln!(out, "       docs:  {}", f.doc);
    }
    for n in &r.not_checked {
        let _ = writeln!(
            out,
            "not checked: {} {} (needs {})",
            n.rule, n.name, n.needs
        );
    }
    out
}
