//! A deterministic generator of large, Istio-shaped `/stats/prometheus`
//! bodies for benchmarks, tests and the demo's high-cardinality scenario:
//! `istio_requests_total` with an exploding `request_path` label (paths
//! carrying user ids), `istio_request_duration_milliseconds` buckets and
//! per-cluster `envoy_cluster_*` stats.

use std::fmt::Write;

const WORKLOADS: &[&str] = &[
    "productpage-v1",
    "reviews-v1",
    "reviews-v2",
    "reviews-v3",
    "ratings-v1",
    "details-v1",
    "istio-ingressgateway",
    "httpbin",
    "sleep",
];
const CODES: &[&str] = &["200", "200", "200", "200", "201", "404", "503", "500"];
const FLAGS: &[&str] = &["-", "-", "-", "-", "-", "-", "UO", "-"];
const BOUNDS: &[&str] = &[
    "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
    "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf",
];
const CLUSTER_FAMILIES: &[&str] = &[
    "envoy_cluster_upstream_cx_total",
    "envoy_cluster_upstream_cx_active",
    "envoy_cluster_upstream_cx_connect_fail",
    "envoy_cluster_upstream_cx_overflow",
    "envoy_cluster_upstream_rq_pending_overflow",
    "envoy_cluster_upstream_rq_retry",
    "envoy_cluster_membership_healthy",
    "envoy_cluster_lb_healthy_panic",
];

/// Generates about `lines` lines (samples plus `# HELP`/`# TYPE`) in which
/// `istio_requests_total` carries exactly `min(distinct_paths, its series)`
/// distinct `request_path` values. 40% of the lines go to
/// `istio_requests_total`, 40% to duration buckets, the rest to cluster stats.
pub fn synthetic_prometheus(lines: usize, distinct_paths: usize) -> String {
    let mut out = String::with_capacity(lines.saturating_mul(420));
    let mut written = 0usize;
    let quota = lines * 2 / 5;
    let paths = distinct_paths.max(1);

    out.push_str(
        "# HELP istio_requests_total Total requests.\n# TYPE istio_requests_total counter\n",
    );
    written += 2;
    let mut s = 0usize;
    while written < quota {
        let (src, dst) = (
            WORKLOADS[s % WORKLOADS.len()],
            WORKLOADS[(s / 3 + 1) % WORKLOADS.len()],
        );
        let code = s % CODES.len();
        let _ = writeln!(
            out,
            "istio_requests_total{{response_code=\"{}\",reporter=\"destination\",source_workload=\"{src}\",\
source_workload_namespace=\"default\",source_principal=\"spiffe://cluster.local/ns/default/sa/{src}\",\
source_app=\"{src}\",destination_workload=\"{dst}\",destination_workload_namespace=\"default\",\
destination_service=\"{dst}.default.svc.cluster.local\",destination_service_name=\"{dst}\",\
request_protocol=\"http\",response_flags=\"{}\",connection_security_policy=\"mutual_tls\",\
request_path=\"/api/v1/users/{}/orders\"}} {}",
            CODES[code],
            FLAGS[code],
            100_000 + s % paths,
            s % 977 + 1
        );
        written += 1;
        s += 1;
    }

    let name = "istio_request_duration_milliseconds";
    let _ = write!(
        out,
        "# HELP {name} Request duration.\n# TYPE {name} histogram\n"
    );
    written += 2;
    let mut s = 0usize;
    while written + BOUNDS.len() + 2 <= quota * 2 {
        let (src, dst) = (
            WORKLOADS[s % WORKLOADS.len()],
            WORKLOADS[(s / 5 + 2) % WORKLOADS.len()],
        );
        let labels = format!(
            "response_code=\"{}\",reporter=\"source\",source_workload=\"{src}\",destination_workload=\"{dst}\",\
destination_service=\"{dst}.default.svc.cluster.local\",request_protocol=\"http\",connection_security_policy=\"mutual_tls\"",
            CODES[s % CODES.len()]
        );
        for (i, le) in BOUNDS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels},le=\"{le}\"}} {}",
                i * 3 + s % 7
            );
        }
        let _ = writeln!(
            out,
            "{name}_sum{{{labels}}} {}.5\n{name}_count{{{labels}}} {}",
            s * 11,
            s + 60
        );
        written += BOUNDS.len() + 2;
        s += 1;
    }

    let clusters = ((lines - written.min(lines)) / CLUSTER_FAMILIES.len() / 3).max(1);
    for family in CLUSTER_FAMILIES {
        if written >= lines {
            break;
        }
        let _ = writeln!(out, "# TYPE {family} counter");
        written += 1;
        for c in 0..clusters {
            if written >= lines {
                break;
            }
            let _ = writeln!(
                out,
                "{family}{{cluster_name=\"outbound|9080||svc-{c}.ns-{}.svc.cluster.local\"}} {}",
                c % 13,
                c % 5
            );
            written += 1;
        }
    }
    let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq counter");
    written += 1;
    let mut c = 0usize;
    while written < lines {
        let _ = writeln!(
            out,
            "envoy_cluster_upstream_rq{{response_code_class=\"{}xx\",cluster_name=\"outbound|9080||svc-{}.ns.svc.cluster.local\"}} {c}",
            c % 4 + 2,
            c / 4
        );
        written += 1;
        c += 1;
    }
    out
}
