use super::*;

const BODY: &str = r#"# HELP istio_requests_total Total requests.
# TYPE istio_requests_total counter
istio_requests_total{response_code="200",request_path="/a\"b\\c\nd",destination_service="x.default.svc.cluster.local"} 12
istio_requests_total{response_code="503",} 3 1700000000000
# TYPE istio_request_duration_milliseconds histogram
istio_request_duration_milliseconds_bucket{le="0.5",app="a"} 1
istio_request_duration_milliseconds_bucket{le="+Inf",app="a"} 4
istio_request_duration_milliseconds_sum{app="a"} 10.5
istio_request_duration_milliseconds_count{app="a"} 4
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0.5"} NaN
go_gc_duration_seconds_sum 0.01
go_gc_duration_seconds_count 2
# some free comment
up 1
weird_inf -Inf
weird_pos +Inf
"#;

#[test]
fn samples_families_kinds_and_labels() {
    let mut parser = PromParser::new(BODY);
    let samples: Vec<PromSample<'_>> = parser.by_ref().collect();
    assert!(parser.errors().is_empty(), "{:?}", parser.errors());
    assert_eq!(samples.len(), 12);

    let first = &samples[0];
    assert_eq!(first.family, "istio_requests_total");
    assert_eq!(first.kind, PromKind::Counter);
    assert_eq!(first.line, 3);
    let labels: Vec<(&str, Cow<'_, str>)> = first.labels.iter().collect();
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[0], ("response_code", Cow::Borrowed("200")));
    assert_eq!(labels[1].1, "/a\"b\\c\nd");
    assert!(matches!(labels[1].1, Cow::Owned(_)));
    assert!(matches!(labels[2].1, Cow::Borrowed(_)));

    assert_eq!(samples[1].timestamp_ms, Some(1_700_000_000_000));
    assert_eq!(samples[1].labels.iter().count(), 1);

    assert_eq!(samples[3].family, "istio_request_duration_milliseconds");
    assert_eq!(samples[3].kind, PromKind::Histogram);
    assert_eq!(samples[3].value, 4.0);
    assert_eq!(samples[3].labels.get("le").as_deref(), Some("+Inf"));
    assert_eq!(samples[5].family, "istio_request_duration_milliseconds");

    assert!(samples[6].value.is_nan());
    assert_eq!(samples[8].family, "go_gc_duration_seconds");
    assert_eq!(samples[8].kind, PromKind::Summary);

    assert_eq!(samples[9].family, "up");
    assert_eq!(samples[9].kind, PromKind::Untyped);
    assert!(samples[9].labels.is_empty());
    assert_eq!(samples[10].value, f64::NEG_INFINITY);
    assert_eq!(samples[11].value, f64::INFINITY);
}

#[test]
fn bad_lines_are_collected_with_line_numbers() {
    let body = "ok 1\n\
                9bad 1\n\
                m{a=\"x} 1\n\
                m{a=x} 1\n\
                m{a=\"x\"} notanumber\n\
                m 1 2 3\n\
                # TYPE m sometype\n\
                m{a=\"\\\"\"} 2\n";
    let mut parser = PromParser::new(body);
    let samples: Vec<PromSample<'_>> = parser.by_ref().collect();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[1].labels.get("a").as_deref(), Some("\""));
    let lines: Vec<usize> = parser.errors().iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
    assert!(parser.errors()[3].message.contains("bad value"));
}
