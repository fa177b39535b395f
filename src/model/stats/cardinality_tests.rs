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
