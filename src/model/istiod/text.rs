//! The plain-text rendering of an [`IstiodReport`] that `meshscope istiod`
//! prints: one titled section per signal, and what this istiod does not
//! report at the end.

use std::fmt::Write as _;

use super::histogram::Quantiles;
use super::metrics::{IstiodReport, NamedValue, TypedCount};
use crate::model::istioctl::tabwriter;

/// Renders the report as the CLI prints it (sections: Rejected configs, xDS
/// rejects, Conflicts, Pushes, Connected proxies, Push/convergence latency,
/// Config size, Missing metrics).
pub fn istiod_text(r: &IstiodReport) -> String {
    let mut out = String::new();
    if let Some(v) = &r.version {
        let _ = writeln!(out, "istiod version: {v}\n");
    }
    section(&mut out, "Rejected configs", rejected(r));
    section(&mut out, "xDS rejects", xds_rejects(r));
    section(&mut out, "Conflicts", conflicts(r));
    section(&mut out, "Pushes", pushes(r));
    section(&mut out, "Connected proxies", connected(r));
    section(&mut out, "Push/convergence latency", latency(r));
    section(&mut out, "Config size", config_size(r));
    section(&mut out, "Missing metrics", missing(r));
    if !r.parse_errors.is_empty() {
        let mut body = String::new();
        for e in &r.parse_errors {
            let _ = writeln!(body, "line {}: {}", e.line, e.message);
        }
        section(&mut out, "Unreadable lines", body);
    }
    out
}

fn section(out: &mut String, title: &str, body: String) {
    let _ = writeln!(out, "{title}\n{}", "-".repeat(title.len()));
    out.push_str(&body);
    out.push('\n');
}

fn table(rows: &str) -> String {
    tabwriter::format(rows, 3)
}

/// A count: integers without decimals, others with up to three.
pub(crate) fn num(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn rejected(r: &IstiodReport) -> String {
    if r.is_missing("pilot_total_rejected_configs") {
        return "none reported (pilot_total_rejected_configs absent)\n".to_string();
    }
    let mut rows = String::from("TYPE\tNAME\tCOUNT\n");
    for c in &r.rejected_configs {
        let _ = writeln!(rows, "{}\t{}\t{}", c.kind, c.name, num(c.count));
    }
    table(&rows)
}

fn xds_rejects(r: &IstiodReport) -> String {
    let mut out = String::new();
    if !r.xds_rejects_by_type.is_empty() {
        let _ = writeln!(out, "total: {}", typed_line(&r.xds_rejects_by_type));
    }
    let per_node: Vec<_> = r.xds_rejects.iter().filter(|x| x.count > 0.0).collect();
    if per_node.is_empty() {
        if out.is_empty() {
            out.push_str("none reported\n");
        }
        return out;
    }
    let mut rows = String::from("XDS\tNODE\tCOUNT\tERROR\n");
    for x in per_node {
        let _ = writeln!(
            rows,
            "{}\t{}\t{}\t{}",
            x.xds.to_uppercase(),
            x.node.as_deref().unwrap_or("-"),
            num(x.count),
            x.error.as_deref().unwrap_or("-")
        );
    }
    out.push_str(&table(&rows));
    out
}

fn conflicts(r: &IstiodReport) -> String {
    let mut items: Vec<NamedValue> = r.conflicts.clone();
    let mut push = |name: &str, v: Option<f64>| {
        if let Some(value) = v {
            items.push(NamedValue {
                name: name.to_string(),
                value,
            });
        }
    };
    push("pilot_duplicate_envoy_clusters", r.duplicate_envoy_clusters);
    push("pilot_eds_no_instances", r.eds_no_instances);
    push("pilot_vservice_dup_domain", r.vservice_dup_domain);
    named_table(&items)
}

fn named_table(items: &[NamedValue]) -> String {
    if items.is_empty() {
        return "none reported\n".to_string();
    }
    let mut rows = String::from("METRIC\tVALUE\n");
    for i in items {
        let _ = writeln!(rows, "{}\t{}", i.name, num(i.value));
    }
    table(&rows)
}

fn typed_line(items: &[TypedCount]) -> String {
    items
        .iter()
        .map(|t| {
            let kind = if t.kind.is_empty() { "all" } else { &t.kind };
            format!("{kind}={}", num(t.count))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn pushes(r: &IstiodReport) -> String {
    let mut out = String::new();
    if r.pushes.is_empty() {
        out.push_str("no pushes reported\n");
    } else {
        let _ = writeln!(out, "pushes: {}", typed_line(&r.pushes));
    }
    if !r.send_errors.is_empty() {
        let _ = writeln!(out, "send errors: {}", typed_line(&r.send_errors));
    }
    for e in &r.push_errors {
        let _ = writeln!(out, "{}: {}", e.name, num(e.value));
    }
    if let Some(s) = r.services {
        let _ = writeln!(out, "services: {}", num(s));
    }
    if let Some(v) = r.virtual_services {
        let _ = writeln!(out, "virtual services: {}", num(v));
    }
    out
}

fn connected(r: &IstiodReport) -> String {
    if r.connected_proxies.is_empty() {
        return "none reported\n".to_string();
    }
    let mut rows = String::from("VERSION\tPROXIES\n");
    for v in &r.connected_proxies {
        let version = v.version.as_deref().unwrap_or("(unlabelled)");
        let _ = writeln!(rows, "{version}\t{}", num(v.count));
    }
    let _ = writeln!(rows, "total\t{}", num(r.connected_total()));
    table(&rows)
}

/// Decimal byte sizes (istiod's thresholds are decimal: 4 MB = 4,000,000 B).
fn bytes(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{} MB", num((v / 1e5).round() / 10.0)),
        v if v >= 1e3 => format!("{} kB", num((v / 1e2).round() / 10.0)),
        v => format!("{} B", num(v)),
    }
}

fn seconds(v: f64) -> String {
    format!("{}s", num(v))
}

fn quantile_row(rows: &mut String, name: &str, q: &Quantiles, unit: fn(f64) -> String) {
    let cell = |v: Option<f64>| v.map_or("-".to_string(), unit);
    let _ = writeln!(
        rows,
        "{name}\t{}\t{}\t{}\t{}",
        num(q.count),
        cell(q.p50),
        cell(q.p90),
        cell(q.p99)
    );
}

fn latency(r: &IstiodReport) -> String {
    if r.push_time.is_none() && r.convergence_time.is_none() {
        return "none reported\n".to_string();
    }
    let mut rows = String::from("HISTOGRAM\tCOUNT\tP50\tP90\tP99\n");
    if let Some(q) = &r.push_time {
        quantile_row(&mut rows, "pilot_xds_push_time", q, seconds);
    }
    if let Some(q) = &r.convergence_time {
        quantile_row(&mut rows, "pilot_proxy_convergence_time", q, seconds);
    }
    table(&rows)
}

fn config_size(r: &IstiodReport) -> String {
    let Some(c) = &r.config_size else {
        return "none reported\n".to_string();
    };
    let mut rows = String::from("HISTOGRAM\tCOUNT\tP50\tP90\tP99\n");
    quantile_row(
        &mut rows,
        "pilot_xds_config_size_bytes",
        &c.quantiles,
        bytes,
    );
    let mut out = table(&rows);
    let _ = writeln!(
        out,
        "pushes over 4 MB (gRPC default limit): {}",
        num(c.over_grpc_limit)
    );
    let _ = writeln!(
        out,
        "pushes over 10 MB (strains istiod): {}",
        num(c.over_strain)
    );
    out
}

fn missing(r: &IstiodReport) -> String {
    if r.missing.is_empty() {
        return "none\n".to_string();
    }
    let mut out = String::from(
        "not in this scrape (an older istiod/pilot, or a labelled counter that never fired):\n",
    );
    for m in &r.missing {
        let _ = writeln!(out, "  {m}");
    }
    out
}
