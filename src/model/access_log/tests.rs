//! `parse_line` dispatch, and the real captures in the shared fixtures.

use super::*;

use crate::model::fixture;

fn entries(text: &str) -> Vec<AccessEntry> {
    text.lines()
        .map(|l| match parse_line(l) {
            LogLine::Access(e) => *e,
            other => panic!("not an access entry: {other:?} from {l:?}"),
        })
        .collect()
}

#[test]
fn dispatches_text_json_envoy_and_other() {
    let text = "[2024-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 1 2 1 \"-\" \"c\" \"id\" \"a\" \"1.2.3.4:80\" outbound|80||a - 10.0.0.1:80 10.0.0.2:1 - default\r\n";
    assert!(matches!(parse_line(text), LogLine::Access(_)));
    assert!(matches!(
        parse_line(r#"{"response_code":200,"response_flags":"-","start_time":"x"}"#),
        LogLine::Access(_)
    ));
    assert!(matches!(
        parse_line("[2024-01-01 00:00:00.000][1][error][upstream] boom"),
        LogLine::Envoy {
            level: LogLevel::Error,
            ..
        }
    ));
    assert_eq!(
        parse_line("  plain text\n"),
        LogLine::Other("  plain text".to_string())
    );
    assert_eq!(parse_line("[broken"), LogLine::Other("[broken".to_string()));
    assert_eq!(
        parse_line("{\"a\":1}"),
        LogLine::Other("{\"a\":1}".to_string())
    );
}

#[test]
fn serialises_access_entries_with_short_flags() {
    let LogLine::Access(e) = parse_line(
        "[t] \"GET / HTTP/1.1\" 503 UH,NR no_healthy_upstream - \"-\" 0 19 1 - \"-\" \"c\" \"id\" \"a\" \"-\" outbound|80||a - 10.0.0.1:80 10.0.0.2:1 - -",
    ) else {
        panic!("not an access entry");
    };
    assert!(e.is_5xx());
    let json = serde_json::to_value(LogLine::Access(e)).expect("json");
    assert_eq!(json["kind"], "access");
    assert_eq!(json["response_flags"], serde_json::json!(["UH", "NR"]));
    assert_eq!(json["format"], "istio_text");
}

#[test]
fn text_failures_capture_decodes_every_flag() {
    let Some(text) = fixture("istio-accesslog-text-failures.log") else {
        return;
    };
    assert!(!text.ends_with('\n'), "the capture has no trailing newline");
    let all = entries(&text);
    assert_eq!(all.len(), 8);
    assert!(all
        .iter()
        .all(|e| e.format == Some(AccessLogFormat::IstioText)));
    let flags: Vec<String> = all
        .iter()
        .map(|e| {
            e.response_flags
                .iter()
                .map(|f| f.short().to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(flags, ["UH", "", "NR", "NR", "DPE", "UH", "UF", "DC"]);
    assert!(all
        .iter()
        .flat_map(|e| &e.response_flags)
        .all(|f| !matches!(f, ResponseFlag::Unknown(_))));

    let uh = &all[0];
    assert_eq!(uh.response_code, Some(503));
    assert_eq!(
        uh.response_code_details.as_deref(),
        Some("no_healthy_upstream")
    );
    assert_eq!(
        uh.upstream_cluster.as_deref(),
        Some("outbound|8000||httpbin.default.svc.cluster.local")
    );
    assert_eq!(uh.upstream_host, None);
    assert_eq!(
        uh.request_id.as_deref(),
        Some("5735b2d0-4949-9384-b082-9d4c368eb9dc")
    );
    assert_eq!(uh.route_name.as_deref(), Some("default"));

    let dpe = &all[4];
    assert_eq!((dpe.method.clone(), dpe.path.clone()), (None, None));
    assert_eq!(dpe.protocol.as_deref(), Some("HTTP/1.1"));
    assert_eq!(dpe.response_code, Some(400));
    assert_eq!(
        dpe.response_code_details.as_deref(),
        Some("http1.codec_error")
    );

    let uf = &all[6];
    assert_eq!(
        uf.response_code_details.as_deref(),
        Some(
            "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}"
        )
    );
    assert_eq!(uf.upstream_cluster.as_deref(), Some("inbound|9080||"));
    assert_eq!(
        uf.requested_server_name.as_deref(),
        Some("outbound_.9080_._.reviews.default.svc.cluster.local")
    );

    let dc = &all[7];
    assert_eq!((dc.response_code, dc.duration_ms), (Some(0), Some(746)));
    assert_eq!(
        dc.downstream_remote_address.as_deref(),
        Some("10.128.0.60:0")
    );

    let five_xx = LogFilter {
        status: Some(StatusFilter::Class(5)),
        ..LogFilter::default()
    };
    let lines: Vec<LogLine> = text.lines().map(parse_line).collect();
    assert_eq!(lines.iter().filter(|l| five_xx.matches(l)).count(), 3);
    let nr = LogFilter::default().with_flags("NR");
    assert_eq!(lines.iter().filter(|l| nr.matches(l)).count(), 2);
}

#[test]
fn json_capture_parses_with_nulls_and_dpe() {
    let Some(text) = fixture("istio-accesslog-json-1.log") else {
        return;
    };
    let all = entries(&text);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|e| e.format == Some(AccessLogFormat::Json)));
    let first = &all[0];
    assert_eq!(first.response_code, Some(200));
    assert!(first.response_flags.is_empty());
    assert_eq!(first.upstream_service_time_ms, Some(14));
    assert_eq!(first.x_forwarded_for, None);
    assert_eq!(first.upstream_cluster.as_deref(), Some("inbound|9080||"));
    assert_eq!(
        all[1].downstream_remote_address.as_deref(),
        Some("[2a02:cf40::4e36]:5000")
    );
    let dpe = &all[2];
    assert_eq!(dpe.response_flags, [ResponseFlag::DownstreamProtocolError]);
    assert_eq!(dpe.response_code, Some(400));
    assert_eq!(
        (dpe.method.clone(), dpe.upstream_cluster.clone()),
        (None, None)
    );
}

#[test]
fn every_truncation_and_odd_input_is_handled_without_panic() {
    let samples = [
        "[2022-09-01T13:15:09.085Z] \"GET /reviews/0 HTTP/1.1\" 503 UF upstream_reset_before_response_started{connection_failure} - \"-\" 0 145 0 - \"-\" \"Mozilla/5.0 (é)\" \"5644\" \"reviews:9080\" \"10.124.2.14:9080\" inbound|9080|| - 10.124.2.14:9080 10.124.1.6:48816 sni default",
        "{\"response_code\":503,\"response_flags\":\"UH\",\"start_time\":\"é\"}",
        "2024-01-01T00:00:00.000000Z\twarning\tenvoy config\tgRPC config rejected ü",
        "[2024-01-01 00:00:00.000][12][warning][config] ✓ message",
    ];
    let mut access = 0;
    for s in samples {
        for (i, _) in s.char_indices() {
            if let LogLine::Access(_) = parse_line(&s[..i]) {
                access += 1;
            }
        }
    }
    // A cut inside the last two words (SNI, route) still reads as an entry;
    // anything shorter must not.
    assert!(
        access <= " sni default".len(),
        "{access} truncated lines taken for entries"
    );
    for odd in [
        "[",
        "[]",
        "[x] \"",
        "\"",
        "{",
        "\t\t\t",
        "[a]\"b\" 1",
        "é[ü]\"ö\"",
    ] {
        let _ = parse_line(odd);
    }
}
