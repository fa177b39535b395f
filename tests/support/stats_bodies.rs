//! Realistic `/stats`, `/memory`, `/stats/prometheus` and
//! `/clusters?format=json` bodies for the UI tests, shaped like the demo
//! mesh's (and real Envoy's) answers. Counters move with each poll so rates,
//! sparklines and marks have something to show; everything is deterministic.
#![allow(dead_code)]

use std::cell::Cell;
use std::fmt::Write;

thread_local! {
    static FULL: Cell<bool> = const { Cell::new(false) };
    static STATS_POLLS: Cell<u64> = const { Cell::new(0) };
    static MEMORY_POLLS: Cell<u64> = const { Cell::new(0) };
}

/// Also answer `/clusters?format=json` (off by default: the older tests
/// check how its failure looks). Per test thread.
pub fn simulate_clusters_json() {
    FULL.with(|f| f.set(true));
}

/// Whether `/clusters?format=json` is answered on this thread.
pub fn clusters_json_simulated() -> bool {
    FULL.with(Cell::get)
}

fn next(counter: &'static std::thread::LocalKey<Cell<u64>>) -> u64 {
    counter.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    })
}

const HTTPBIN: &str = "outbound|8000||httpbin.default.svc.cluster.local";

fn clusters_of(app: &str) -> Vec<&'static str> {
    let mut out = vec![
        "BlackHoleCluster",
        "PassthroughCluster",
        "outbound|15012||istiod.istio-system.svc.cluster.local",
    ];
    match app {
        "fortio" => out.push(HTTPBIN),
        "productpage" => out.extend([
            "outbound|9080||details.default.svc.cluster.local",
            "outbound|9080||reviews.default.svc.cluster.local",
            "inbound|9080||",
        ]),
        _ => out.push("inbound|9080||"),
    }
    out
}

/// `/stats` text of a pod's sidecar; every call is the next poll.
pub fn stats(app: &str) -> String {
    let n = next(&STATS_POLLS);
    let mut out = String::new();
    let breaker = app == "fortio";
    for c in clusters_of(app) {
        let hot = breaker && c == HTTPBIN;
        let busy = c.starts_with("outbound|9080") || hot;
        let total = if busy { 1_000 + 40 * n } else { 0 };
        let rows: Vec<(&str, u64)> = vec![
            ("circuit_breakers.default.cx_open", u64::from(hot)),
            (
                "circuit_breakers.default.remaining_pending",
                u64::from(!hot) * 1024,
            ),
            ("circuit_breakers.default.rq_pending_open", u64::from(hot)),
            ("membership_healthy", u64::from(!c.contains("Hole"))),
            ("upstream_cx_active", u64::from(busy) * 2),
            ("upstream_cx_connect_fail", 0),
            ("upstream_cx_none_healthy", 0),
            ("upstream_cx_overflow", if hot { 10 + n } else { 0 }),
            ("upstream_cx_total", if busy { 40 + n } else { 0 }),
            (
                "upstream_rq_2xx",
                if hot { total - 60 - 6 * n } else { total },
            ),
            ("upstream_rq_503", if hot { 60 + 6 * n } else { 0 }),
            (
                "upstream_rq_pending_overflow",
                if hot { 50 + 6 * n } else { 0 },
            ),
            ("upstream_rq_retry_overflow", 0),
            ("upstream_rq_total", total),
        ];
        for (stat, v) in rows {
            let _ = writeln!(out, "cluster.{c}.{stat}: {v}");
        }
        if busy {
            let _ = writeln!(
                out,
                "cluster.{c}.upstream_rq_time: P0(nan,1) P25(nan,2.1) P50(nan,3.5) P75(nan,6) P90(nan,9.8) P95(nan,14) P99(nan,31) P99.5(nan,40) P99.9(nan,55) P100(nan,61)"
            );
        } else {
            let _ = writeln!(out, "cluster.{c}.upstream_rq_time: No recorded values");
        }
    }
    for (name, v) in [
        ("cluster_manager.cds.update_rejected", 0),
        ("cluster_manager.cds.update_success", 12),
        (
            "http.outbound_0.0.0.0_8000.downstream_rq_total",
            1_000 + 40 * n,
        ),
        ("listener.0.0.0.0_15001.downstream_cx_active", 3),
        ("listener_manager.lds.update_rejected", 0),
        ("listener_manager.total_listeners_active", 14),
        ("server.live", 1),
        ("server.memory_allocated", 9_077_760 + 65_536 * n),
        ("server.uptime", 3_600 + 2 * n),
    ] {
        let _ = writeln!(out, "{name}: {v}");
    }
    if app == "productpage" {
        // A request_path metric dimension: new Istio stats with every poll.
        for i in 0..20 * (n + 1) {
            let _ = writeln!(
                out,
                "reporter=.=destination;.;response_code=.=200;.;request_path=.=/api/v1/products/{}/reviews;.;istio_requests_total: 1",
                100 + i
            );
        }
    }
    let _ = writeln!(out, "server.version_string: \"1.22.0\"");
    out
}

/// `/memory`; every call is the next poll, growing like a proxy whose
/// series multiply.
pub fn memory() -> String {
    let n = next(&MEMORY_POLLS);
    let allocated = 9_077_760 + 1_310_720 * n;
    let heap = 11_534_336 + 2_097_152 * n;
    format!(
        "{{\n  \"allocated\": \"{allocated}\",\n  \"heap_size\": \"{heap}\",\n  \"pageheap_unmapped\": \"1228288\",\n  \"pageheap_free\": \"{}\",\n  \"total_thread_cache\": \"1572864\",\n  \"total_physical_bytes\": \"{}\"\n}}",
        1_228_288 + 4_096 * n,
        heap + 2_097_152
    )
}

/// `/stats/prometheus`: productpage carries the high-cardinality scenario
/// (`request_path` with user tokens on `istio_requests_total`).
pub fn prometheus(app: &str) -> String {
    let mut out = String::new();
    out.push_str("# TYPE envoy_cluster_upstream_rq_total counter\n");
    for c in clusters_of(app) {
        let _ = writeln!(
            out,
            "envoy_cluster_upstream_rq_total{{cluster_name=\"{c}\"}} 42"
        );
    }
    out.push_str("# TYPE istio_requests_total counter\n");
    let paths = if app == "productpage" { 240 } else { 0 };
    for code in ["200", "503"] {
        let _ = writeln!(
            out,
            "istio_requests_total{{reporter=\"destination\",source_workload=\"istio-ingressgateway\",destination_workload=\"{app}-v1\",response_code=\"{code}\",response_flags=\"-\"}} 17"
        );
    }
    for i in 0..paths {
        let token = format!(
            "{:016x}",
            (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let _ = writeln!(
            out,
            "istio_requests_total{{reporter=\"destination\",source_workload=\"istio-ingressgateway\",destination_workload=\"{app}-v1\",response_code=\"200\",response_flags=\"-\",request_path=\"/api/v1/products/{}/reviews?token={token}\"}} 1",
            100 + i
        );
    }
    out.push_str(
        "# TYPE envoy_server_memory_allocated gauge\nenvoy_server_memory_allocated{} 9077760\n",
    );
    out
}

/// `/clusters?format=json` with the breaker thresholds (httpbin: 1 pending, 1 connection).
pub fn clusters_json(app: &str) -> String {
    let statuses: Vec<String> = clusters_of(app)
        .iter()
        .map(|c| {
            let (cx, pending) = if *c == HTTPBIN { (1, 1) } else { (1024, 1024) };
            format!(
                r#"{{"name":"{c}","added_via_api":true,"circuit_breakers":{{"thresholds":[{{"max_connections":{cx},"max_pending_requests":{pending},"max_requests":1024,"max_retries":3}},{{"priority":"HIGH","max_connections":1024,"max_pending_requests":1024,"max_requests":1024,"max_retries":3}}]}},"host_statuses":[{{"address":{{"socket_address":{{"address":"10.1.0.7","port_value":8000}}}},"stats":[{{"name":"rq_total","value":"1040"}},{{"name":"rq_error","value":"66"}}],"health_status":{{"eds_health_status":"HEALTHY"}},"weight":1}}]}}"#
            )
        })
        .collect();
    format!("{{\"cluster_statuses\":[{}]}}", statuses.join(","))
}
