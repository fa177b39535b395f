use super::*;
use crate::model::stats::parse_envoy_text;
use crate::model::stats::synthetic::synthetic_prometheus;

#[test]
fn exploding_request_path_is_the_top_offender_with_its_exact_count() {
    let text = synthetic_prometheus(30_000, 2_345);
    let report = analyze_prometheus(&text, DEFAULT_THRESHOLD, 1);
    assert_eq!(report.parse_errors, 0, "{:?}", report.first_errors);
    let top = &report.labels[0];
    assert_eq!(
        (top.family.as_str(), top.label.as_str()),
        ("istio_requests_total", "request_path")
    );
    assert_eq!(top.distinct_values, 2_345);
    assert!(top.flags.contains(&LabelFlag::ManyValues));
    assert!(top.flags.contains(&LabelFlag::PathsWithIds));
    let requests = report
        .families
        .iter()
        .find(|f| f.family == "istio_requests_total");
    let series = requests.map(|f| f.series).unwrap_or(0);
    assert_eq!(top.series, series);
    assert!((top.share - series as f64 / report.total_series as f64).abs() < 1e-9);
    assert!(top.estimated_bytes > 0 && top.estimated_bytes < report.estimated_bytes);
    // Small labels are not flagged.
    let code = report
        .labels
        .iter()
        .find(|l| l.label == "response_code" && l.family == "istio_requests_total");
    assert_eq!(
        code.map(|l| (l.distinct_values, l.flags.is_empty())),
        Some((5, true))
    );
    // Table: the offender is on the first data row.
    let table = cardinality_table(&report);
    let first_row = table
        .lines()
        .find(|l| l.contains("request_path"))
        .unwrap_or("");
    assert!(first_row.contains("2345"), "{table}");
}

#[test]
fn counts_series_distinct_values_and_id_shapes() {
    let mut text = String::from("# TYPE m counter\n");
    for i in 0..8 {
        text.push_str(&format!(
            "m{{user=\"3fa85f64-5717-4562-b3fc-2c963f66af{i:02}\",code=\"200\"}} 1\n"
        ));
    }
    text.push_str("m{code=\"500\"} 1\nother 2\nbroken{ 1\n");
    let report = analyze_prometheus(&text, 3, 1);
    assert_eq!(report.total_series, 10);
    assert_eq!(report.parse_errors, 1);
    assert_eq!(report.families[0].family, "m");
    assert_eq!(report.families[0].series, 9);
    let user = &report.labels[0];
    assert_eq!(
        (user.label.as_str(), user.distinct_values, user.series),
        ("user", 8, 8)
    );
    assert_eq!(user.flags, vec![LabelFlag::ManyValues, LabelFlag::Ids]);
    assert_eq!(user.examples.len(), 3);
    let code = report.labels.iter().find(|l| l.label == "code");
    assert_eq!(code.map(|l| (l.distinct_values, l.series)), Some((2, 9)));
    assert!((user.share - 0.8).abs() < 1e-9);
}

#[test]
fn envoy_text_names_become_families_and_tags() {
    let mut text = String::new();
    for c in 0..150 {
        text.push_str(&format!(
            "cluster.outbound|80||svc-{c}.ns.svc.cluster.local.upstream_rq_2xx: 1\n"
        ));
        text.push_str(&format!(
            "cluster.outbound|80||svc-{c}.ns.svc.cluster.local.upstream_rq_5xx: 1\n"
        ));
    }
    text.push_str("http.outbound_0.0.0.0_80.rds.80.update_rejected: 0\n");
    let parsed = parse_envoy_text(&text);
    let report = analyze_envoy_stats(&parsed.stats, DEFAULT_THRESHOLD);
    assert_eq!(report.families[0].family, "cluster.upstream_rq_xx");
    assert_eq!(report.families[0].series, 300);
    assert!(report
        .families
        .iter()
        .any(|f| f.family == "http.rds.update_rejected"));
    let top = &report.labels[0];
    assert_eq!(
        (top.label.as_str(), top.distinct_values),
        ("cluster_name", 150)
    );
    assert_eq!(top.flags, vec![LabelFlag::ManyValues]);
    let class = report
        .labels
        .iter()
        .find(|l| l.label == "response_code_class");
    assert_eq!(class.map(|l| l.distinct_values), Some(2));
}

#[test]
fn report_serialises_for_json_output() -> Result<(), serde_json::Error> {
    let report = analyze_prometheus("a{x=\"1\"} 1\n", DEFAULT_THRESHOLD, 1);
    let json = serde_json::to_value(&report)?;
    assert_eq!(json["labels"][0]["label"], "x");
    assert_eq!(json["families"][0]["series"], 1);
    Ok(())
}

#[test]
fn threads_do_not_change_the_report() {
    let text = synthetic_prometheus(30_000, 777);
    assert!(
        text.len() > PARALLEL_MIN_BYTES,
        "the body must be large enough to split"
    );
    let one = analyze_prometheus(&text, DEFAULT_THRESHOLD, 1);
    let three = analyze_prometheus(&text, DEFAULT_THRESHOLD, 3);
    assert_eq!(one.families, three.families);
    let key = |r: &CardinalityReport| -> Vec<(String, String, usize, u64, u64)> {
        r.labels
            .iter()
            .map(|l| {
                (
                    l.family.clone(),
                    l.label.clone(),
                    l.distinct_values,
                    l.series,
                    l.estimated_bytes,
                )
            })
            .collect()
    };
    assert_eq!(key(&one), key(&three));
    assert_eq!(three.labels[0].distinct_values, 777);
}

#[test]
fn a_sample_with_40k_labels_is_counted_in_linear_time() {
    // Was O(labels²) (4 s): each new label scanned every label before it.
    let labels: Vec<String> = (0..40_000).map(|i| format!("l{i}=\"v\"")).collect();
    let mut text = format!("big{{{}}} 1\n", labels.join(","));
    text.push_str(&format!("big{{{}}} 2\n", labels.join(",")));
    let report = analyze_prometheus(&text, DEFAULT_THRESHOLD, 1);
    assert_eq!(report.parse_errors, 0);
    assert_eq!(report.labels.len(), 40_000);
    assert!(report
        .labels
        .iter()
        .all(|l| l.series == 2 && l.distinct_values == 1));
    // A label name of 1 MB is counted like any other.
    let long = format!("m{{{}=\"v\"}} 1\n", "n".repeat(1 << 20));
    assert_eq!(
        analyze_prometheus(&long, DEFAULT_THRESHOLD, 1).labels[0]
            .label
            .len(),
        1 << 20
    );
}

/// A body with a counter, a histogram whose samples follow their `# TYPE`,
/// an untyped sample, escapes and a bad line.
const TYPED_BODY: &str = "# HELP req Requests.\n\
# TYPE req counter\n\
req_total{code=\"200\",path=\"/a\"} 1\n\
req_total{code=\"500\",path=\"/b\\\"q\"} 2\n\
# TYPE lat histogram\n\
lat_bucket{le=\"1\",path=\"/a\"} 1\n\
lat_bucket{le=\"+Inf\",path=\"/a\"} 2\n\
lat_sum{path=\"/a\"} 3\n\
bad{ 1\n\
lat_count{path=\"/a\"} 2\n\
\n\
lat_bucket{le=\"1\",path=\"/b\"} 1\n\
plain{x=\"y\"} 3\n\
lat_count{path=\"/b\"} 1\n";

/// What a report says, in a form that compares.
fn summary(r: &CardinalityReport) -> (Vec<FamilyCardinality>, Vec<String>, Vec<LineError>) {
    let labels = r
        .labels
        .iter()
        .map(|l| {
            format!(
                "{} {} {} {} {:?}",
                l.family, l.label, l.distinct_values, l.series, l.examples
            )
        })
        .collect();
    (r.families.clone(), labels, r.first_errors.clone())
}

#[test]
fn pieces_split_anywhere_give_the_report_of_the_whole_body() {
    let whole = analyze_prometheus(TYPED_BODY, 2, 1);
    assert_eq!(
        whole
            .families
            .iter()
            .map(|f| (f.family.as_str(), f.series))
            .collect::<Vec<_>>(),
        vec![("lat", 6), ("req", 2), ("plain", 1)]
    );
    assert_eq!(
        whole
            .first_errors
            .iter()
            .map(|e| e.line)
            .collect::<Vec<_>>(),
        vec![9]
    );
    let starts: Vec<usize> = std::iter::once(0)
        .chain(TYPED_BODY.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < TYPED_BODY.len())
        .collect();
    // Two pieces at every line start, three at every pair; each piece fed
    // one line at a time.
    let mut splits: Vec<Vec<usize>> = starts.iter().map(|&a| vec![a]).collect();
    for &a in &starts {
        splits.extend(starts.iter().filter(|&&b| b > a).map(|&b| vec![a, b]));
    }
    for cuts in splits {
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c > 0));
        bounds.push(TYPED_BODY.len());
        let pieces = bounds.windows(2).enumerate().map(|(i, w)| {
            let mut c = if i == 0 {
                PromCardinality::new()
            } else {
                PromCardinality::resumed()
            };
            for line in TYPED_BODY[w[0]..w[1]].split_inclusive('\n') {
                c.feed(line);
            }
            c
        });
        let report = pieces.reduce(PromCardinality::then).map(|c| c.report(2));
        assert_eq!(
            report.as_ref().map(summary),
            Some(summary(&whole)),
            "cut at {cuts:?}"
        );
    }
}

#[test]
fn a_piece_read_alone_counts_its_samples_under_their_own_names() {
    let mut c = PromCardinality::resumed();
    c.feed("lat_bucket{le=\"1\"} 1\n# TYPE lat histogram\nlat_bucket{le=\"2\"} 1\n");
    let report = c.report(DEFAULT_THRESHOLD);
    let families: Vec<(&str, u64)> = report
        .families
        .iter()
        .map(|f| (f.family.as_str(), f.series))
        .collect();
    assert_eq!(families, vec![("lat", 1), ("lat_bucket", 1)]);
}

#[test]
fn same_agrees_with_string_equality() {
    for n in 0..40 {
        let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &format!("{a}x")));
        for at in 0..n {
            let mut b = a.clone().into_bytes();
            b[at] = b'Z';
            let b = String::from_utf8(b).unwrap_or_default();
            assert!(!same(&a, &b), "{n} bytes, differing at {at}");
        }
    }
}
