//! Following one request across sidecars: the same `x-request-id` appears in
//! the client's and the server's access logs, so lining them up shows where
//! the chain broke (e.g. the client logged `503 NR` and the server never saw it).

use crate::model::access_log::{parse_line, AccessEntry, LogLine};

/// One sidecar's entry for the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    /// `namespace/pod` of the sidecar that logged it.
    pub pod: String,
    /// The parsed entry.
    pub entry: AccessEntry,
}

/// A request followed across the mesh.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The x-request-id.
    pub request_id: String,
    /// Entries in time order.
    pub hops: Vec<Hop>,
    /// One sentence: where and why the request failed, or that it went through.
    pub verdict: String,
    /// Whether the verdict is a failure.
    pub failed: bool,
}

/// Builds a trace from the log lines found per pod (`(pod, raw line)`).
pub fn build(request_id: &str, found: &[(String, String)]) -> Trace {
    let mut hops: Vec<Hop> = found
        .iter()
        .filter_map(|(pod, raw)| match parse_line(raw) {
            LogLine::Access(e) if e.request_id.as_deref() == Some(request_id) => Some(Hop {
                pod: pod.clone(),
                entry: *e,
            }),
            _ => None,
        })
        .collect();
    hops.sort_by(|a, b| a.entry.start_time.cmp(&b.entry.start_time));
    let (verdict, failed) = verdict(&hops);
    Trace {
        request_id: request_id.to_string(),
        hops,
        verdict,
        failed,
    }
}

fn is_inbound(e: &AccessEntry) -> bool {
    e.upstream_cluster
        .as_deref()
        .is_some_and(|c| c.starts_with("inbound|"))
}

fn verdict(hops: &[Hop]) -> (String, bool) {
    let Some(first) = hops.first() else {
        return (
            "no sidecar logged this request id (is the access log on for every pod?)".to_string(),
            true,
        );
    };
    let failed = |h: &&Hop| {
        h.entry.response_code.is_some_and(|c| c >= 500)
            || h.entry.response_flags.iter().any(|f| f.is_failure())
    };
    // The root cause is the hop whose sidecar set a failure flag (the server's
    // if both did); a bare `503 via_upstream` only relays it.
    let flagged = |h: &&Hop| h.entry.response_flags.iter().any(|f| f.is_failure());
    let failing = hops
        .iter()
        .filter(failed)
        .filter(flagged)
        .max_by_key(|h| is_inbound(&h.entry))
        .or_else(|| hops.iter().rev().find(failed));
    let Some(bad) = failing else {
        return (
            format!("went through: {} sidecar entries, no failure", hops.len()),
            false,
        );
    };
    let code = bad.entry.code_label();
    let flags: Vec<String> = bad
        .entry
        .response_flags
        .iter()
        .map(|f| format!("{} ({})", f.short(), f.meaning()))
        .collect();
    let what = if flags.is_empty() {
        code.clone()
    } else {
        format!("{code} {}", flags.join(", "))
    };
    let server_saw_it = hops.iter().any(|h| is_inbound(&h.entry));
    if !is_inbound(&bad.entry) && !server_saw_it {
        (format!("✖ broke at the client sidecar {}: {what}; no server sidecar logged the request, so it never left {}", bad.pod, first.pod), true)
    } else if is_inbound(&bad.entry) {
        (format!("✖ the server sidecar {} answered {what}: look at the application or its inbound listener", bad.pod), true)
    } else {
        (
            format!(
                "✖ {} logged {what}; the server sidecar saw the request too",
                bad.pod
            ),
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: u16, flags: &str, cluster: &str, id: &str, t: &str) -> String {
        format!(
            r#"[2024-05-14T10:00:00.{t}Z] "GET /x HTTP/1.1" {code} {flags} via_upstream - "-" 0 10 1 - "-" "curl" "{id}" "svc:80" "10.0.0.2:80" {cluster} 10.0.0.1:1 10.0.0.2:80 10.0.0.1:2 - default"#
        )
    }

    #[test]
    fn client_side_no_route_never_reached_the_server() {
        let found = vec![(
            "default/productpage".to_string(),
            line(503, "NR", "-", "abc", "100"),
        )];
        let t = build("abc", &found);
        assert!(t.failed);
        assert!(
            t.verdict
                .contains("broke at the client sidecar default/productpage: 503 NR"),
            "{}",
            t.verdict
        );
    }

    #[test]
    fn both_sides_ok_and_other_ids_ignored() {
        let found = vec![
            (
                "default/a".to_string(),
                line(
                    200,
                    "-",
                    "outbound|80||b.default.svc.cluster.local",
                    "abc",
                    "100",
                ),
            ),
            (
                "default/b".to_string(),
                line(200, "-", "inbound|80||", "abc", "101"),
            ),
            (
                "default/b".to_string(),
                line(500, "-", "inbound|80||", "other", "102"),
            ),
        ];
        let t = build("abc", &found);
        assert_eq!(t.hops.len(), 2);
        assert!(!t.failed, "{}", t.verdict);
        let found = vec![(
            "default/b".to_string(),
            line(503, "UF", "inbound|80||", "abc", "101"),
        )];
        assert!(build("abc", &found)
            .verdict
            .contains("server sidecar default/b answered 503 UF"));
        // The client only relays the server's failure: the server is the root cause.
        let found = vec![
            (
                "default/a".to_string(),
                line(
                    503,
                    "-",
                    "outbound|80||b.default.svc.cluster.local",
                    "abc",
                    "100",
                ),
            ),
            (
                "default/b".to_string(),
                line(503, "UF", "inbound|80||", "abc", "101"),
            ),
        ];
        let t = build("abc", &found);
        assert!(
            t.verdict
                .contains("server sidecar default/b answered 503 UF"),
            "{}",
            t.verdict
        );
    }
}
