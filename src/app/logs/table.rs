//! Log lines parsed once on arrival (access logs in Istio's text or JSON
//! formats, Envoy's own lines by level) into table rows, with filterable tags.

use crate::app::table::{Column, Row};
use crate::model::access_log::{parse_line, LogLevel, LogLine};
use crate::model::severity::Severity;

/// The columns of the log table.
pub fn columns() -> Vec<Column> {
    vec![
        Column::text("TIME", 24).min(14).keep_end(),
        Column::num("CODE", 4).key(),
        Column::text("FLAGS", 6).key(),
        Column::text("REQUEST", 34).min(10),
        Column::text("AUTHORITY", 20).optional(),
        Column::text("UPSTREAM CLUSTER", 40).key().min(16).middle(),
        Column::text("UPSTREAM HOST", 20).optional(),
        Column::num("MS", 6),
        Column::text("REQUEST ID", 36).optional(),
    ]
}

/// One log line as a row.
pub fn row_of(line: &str) -> Row {
    match parse_line(line) {
        LogLine::Access(e) => {
            let ztunnel_error = e.ztunnel.as_ref().and_then(|z| z.error.as_ref());
            let sev = match e.response_code {
                _ if ztunnel_error.is_some() => Severity::Error,
                Some(c) if c >= 500 => Severity::Error,
                _ if e.response_flags.iter().any(|f| f.is_failure()) => Severity::Error,
                Some(c) if c >= 400 => Severity::Warn,
                _ => Severity::Ok,
            };
            // A ztunnel connection: who to whom, and why it failed.
            let request = match &e.ztunnel {
                Some(z) => {
                    let dst = z
                        .dst_workload
                        .as_deref()
                        .or(z.dst_addr.as_deref())
                        .unwrap_or("-");
                    let mut s = format!(
                        "{} {} → {dst}",
                        z.direction.as_deref().unwrap_or("-"),
                        z.src_workload.as_deref().unwrap_or("-")
                    );
                    if let Some(err) = &z.error {
                        s.push_str(&format!(": {err}"));
                    }
                    s
                }
                None => format!(
                    "{} {}",
                    e.method.as_deref().unwrap_or("-"),
                    e.path.as_deref().unwrap_or("-")
                ),
            };
            // `/flag:uh status:5xx cluster:httpbin authority:… id:…` filter on fields.
            let mut tags: Vec<(&str, String)> = e
                .response_flags
                .iter()
                .map(|f| ("flag", f.short().to_string()))
                .collect();
            if let Some(err) = ztunnel_error {
                tags.push(("error", err.clone()));
            }
            if let Some(c) = e.response_code {
                tags.push(("status", c.to_string()));
                tags.push(("status", format!("{}xx", c / 100)));
            }
            for (k, v) in [
                ("cluster", &e.upstream_cluster),
                ("authority", &e.authority),
                ("id", &e.request_id),
            ] {
                if let Some(v) = v {
                    tags.push((k, v.clone()));
                }
            }
            Row::new(
                e.request_id.clone().unwrap_or_default(),
                vec![
                    e.start_time.clone().unwrap_or_default(),
                    e.code_label(),
                    if ztunnel_error.is_some() {
                        "ERR".to_string()
                    } else {
                        e.flags_label()
                    },
                    request,
                    e.authority.clone().unwrap_or_default(),
                    e.upstream_cluster.clone().unwrap_or_default(),
                    e.upstream_host.clone().unwrap_or_default(),
                    e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
                    e.request_id.clone().unwrap_or_default(),
                ],
                sev,
            )
            .with_tags(
                &tags
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )
        }
        LogLine::Envoy {
            level,
            component,
            message,
        } => {
            let sev = match level {
                LogLevel::Error | LogLevel::Critical => Severity::Error,
                LogLevel::Warning => Severity::Warn,
                _ => Severity::Ok,
            };
            Row::new(
                String::new(),
                vec![
                    format!("{level:?}").to_lowercase(),
                    String::new(),
                    String::new(),
                    format!("[{}] {message}", component.unwrap_or_default()),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                sev,
            )
        }
        LogLine::Other(text) => Row::new(
            String::new(),
            vec![
                String::new(),
                String::new(),
                String::new(),
                text,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Severity::Ok,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::table::Table;

    #[test]
    fn access_lines_become_coloured_rows() {
        let line = r#"[2024-05-14T10:00:00.000Z] "GET /status/200 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 0 - "-" "fortio.org/fortio-1.60" "b3a7b3d8-1111-4e5e-9d3a-7e1cde0a1111" "httpbin:8000" "-" outbound|8000||httpbin.default.svc.cluster.local - 10.96.5.5:8000 10.1.0.9:40000 - default"#;
        let r = row_of(line);
        assert_eq!(r.cells[1], "503");
        assert_eq!(r.cells[2], "UO");
        assert_eq!(r.severity, Severity::Error);
        assert_eq!(r.key, "b3a7b3d8-1111-4e5e-9d3a-7e1cde0a1111");
        // Field filters: flags, status and its class, cluster, id.
        let t = Table {
            columns: columns(),
            rows: vec![r.clone()],
        };
        for f in [
            "flag:uo",
            "status:5xx status:503",
            "cluster:httpbin",
            "id:b3a7b3d8",
        ] {
            assert_eq!(
                t.view(&crate::app::table::Filter::parse(f), None, None),
                vec![0],
                "{f}"
            );
        }
        for f in ["flag:uh", "status:2xx"] {
            assert!(
                t.view(&crate::app::table::Filter::parse(f), None, None)
                    .is_empty(),
                "{f}"
            );
        }
        let other = row_of("something else entirely");
        assert_eq!(other.cells[3], "something else entirely");
    }
}
