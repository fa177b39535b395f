//! The HTTP routes of one simulated pod: its Envoy admin port (15000) and its
//! pilot-agent port (15020, plus `/demo/logs`).

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{json, Value};

use super::admin_clusters::{clusters_json, clusters_text, listeners};
use super::dump_filter::{filter, DumpQuery};
use super::http::{Reply, Request};
use super::logs::LogHub;
use super::pattern::Pattern;
use super::sim::{now_ms, PodSim};
use super::topology::ProxyKind;

const PROM: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The Envoy build every demo proxy reports.
pub const ENVOY_VERSION: &str =
    "6c72b2179f5a58988b920a55b0be8346de3f7b35/1.22.0/Clean/RELEASE/BoringSSL";

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// Answers one Envoy admin request for `pod`.
pub(crate) fn admin(pod: &mut PodSim, req: &Request) -> Reply {
    let post = req.method == "POST";
    match req.path.as_str() {
        "/config_dump" => config_dump(pod, req),
        "/clusters" if req.param("format") == Some("json") => Reply::json(clusters_json(pod)),
        "/clusters" => Reply::text(clusters_text(pod)),
        "/listeners" => {
            let json = req.param("format") == Some("json");
            let body = listeners(pod, json);
            if json {
                Reply::json(body)
            } else {
                Reply::text(body)
            }
        }
        "/stats" => stats(pod, req),
        "/stats/prometheus" => Reply::ok(PROM, prometheus(pod, req)),
        "/memory" => Reply::json(memory(pod)),
        "/server_info" => Reply::json(server_info(pod)),
        "/ready" if pod.state == "LIVE" => Reply::text("LIVE\n"),
        "/ready" => Reply::status(503, "text/plain; charset=UTF-8", format!("{}\n", pod.state)),
        "/certs" => Reply::json(certs(pod)),
        "/runtime" => Reply::json(pretty(
            &json!({"entries": {}, "layers": ["static_layer_0", "admin"]}),
        )),
        "/logging" => logging(pod, req),
        "/reset_counters" if post => {
            pod.stats.reset_counters();
            Reply::text("OK\n")
        }
        "/reset_counters" => Reply::status(
            405,
            "text/plain; charset=UTF-8",
            "This endpoint requires POST.\n",
        ),
        path => Reply::not_found(path),
    }
}

fn config_dump(pod: &PodSim, req: &Request) -> Reply {
    let q = DumpQuery {
        resource: req.param("resource"),
        mask: req.param("mask"),
        name_regex: req.param("name_regex"),
        include_eds: req.has("include_eds"),
    };
    let plain = q.resource.is_none() && q.mask.is_none() && q.name_regex.is_none();
    if let (true, true, Some(raw)) = (plain, q.include_eds, &pod.raw_eds) {
        return Reply::json(raw.as_slice());
    }
    match filter(&pod.dump, &q) {
        Ok(v) => Reply::json(pretty(&v)),
        Err(msg) => Reply::status(404, "text/plain; charset=UTF-8", msg),
    }
}

fn stats(pod: &PodSim, req: &Request) -> Reply {
    let filter = req
        .param("filter")
        .filter(|f| !f.is_empty())
        .map(Pattern::new);
    let used = req.has("usedonly");
    match req.param("format") {
        Some("json") => Reply::json(pod.stats.json(filter.as_ref(), used)),
        Some("prometheus") => Reply::ok(PROM, prometheus(pod, req)),
        _ => Reply::text(pod.stats.text(filter.as_ref(), used)),
    }
}

/// Envoy's `/stats/prometheus`: Envoy stats then Istio's metrics.
fn prometheus(pod: &PodSim, req: &Request) -> String {
    let filter = req
        .param("filter")
        .filter(|f| !f.is_empty())
        .map(Pattern::new);
    let mut out = String::with_capacity(256 * 1024);
    pod.istio.prometheus(&mut out);
    pod.stats
        .prometheus(filter.as_ref(), req.has("usedonly"), &mut out);
    out
}

fn memory(pod: &PodSim) -> Vec<u8> {
    let [allocated, heap, unmapped, free, cache, physical] = pod.memory();
    pretty(&json!({
        "allocated": allocated.to_string(),
        "heap_size": heap.to_string(),
        "pageheap_unmapped": unmapped.to_string(),
        "pageheap_free": free.to_string(),
        "total_thread_cache": cache.to_string(),
        "total_physical_bytes": physical.to_string(),
    }))
}

fn server_info(pod: &PodSim) -> Vec<u8> {
    let node = pod
        .dump
        .pointer("/configs/0/bootstrap/node")
        .cloned()
        .unwrap_or(Value::Null);
    let uptime = now_ms().saturating_sub(pod.started_ms) / 1000;
    let p = &pod.pod;
    pretty(&json!({
        "version": ENVOY_VERSION,
        "state": pod.state,
        "hot_restart_version": "disabled",
        "command_line_options": {
            "base_id": "0",
            "concurrency": pod.workers,
            "config_path": "etc/istio/proxy/envoy-rev.json",
            "config_yaml": "",
            "allow_unknown_static_fields": false,
            "admin_address_path": "",
            "local_address_ip_version": "v4",
            "log_level": "warning",
            "component_log_level": "misc:error",
            "log_format": "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t",
            "service_cluster": format!("{}.{}", p.app, p.namespace),
            "service_node": super::node_id(p),
            "service_zone": "",
            "drain_time": "45s",
            "drain_strategy": "Immediate",
            "parent_shutdown_time": "60s",
            "mode": "Serve",
            "disable_hot_restart": true,
            "restart_epoch": 0,
            "file_flush_interval": "10s",
            "use_dynamic_base_id": false,
        },
        "uptime_current_epoch": format!("{uptime}s"),
        "uptime_all_epochs": format!("{uptime}s"),
        "node": node,
    }))
}

fn certs(pod: &PodSim) -> Vec<u8> {
    use crate::model::x509::rfc3339;
    let p = &pod.pod;
    let ((leaf_start, leaf_end), (root_start, root_end)) =
        super::cert::validity_unix(pod.push_unix);
    let now = (now_ms() / 1000) as i64;
    let days_left = |end: i64| ((end - now).max(0) / 86_400).to_string();
    let spiffe = format!(
        "spiffe://cluster.local/ns/{}/sa/{}",
        p.namespace, p.service_account
    );
    let serial = format!(
        "{:032x}",
        u128::from(u32::from(p.ip)) * 0x9E37_79B9_7F4A_7C15
    );
    pretty(&json!({"certificates": [{
        "ca_cert": [{
            "path": "<inline>",
            "serial_number": "a7b3c91e2d0f4e6b8c1d2e3f40516273",
            "subject_alt_names": [],
            "days_until_expiration": days_left(root_end),
            "valid_from": rfc3339(root_start),
            "expiration_time": rfc3339(root_end),
        }],
        "cert_chain": [{
            "path": "<inline>",
            "serial_number": serial,
            "subject_alt_names": [{"uri": spiffe}],
            "days_until_expiration": days_left(leaf_end),
            "valid_from": rfc3339(leaf_start),
            "expiration_time": rfc3339(leaf_end),
        }],
    }]}))
}

const LEVELS: [&str; 8] = [
    "trace", "debug", "info", "warning", "warn", "error", "critical", "off",
];

fn logging(pod: &mut PodSim, req: &Request) -> Reply {
    // Like Envoy 1.36 and 1.40: GET is refused, POST without a query lists.
    if req.method != "POST" {
        return Reply::status(
            405,
            "text/plain; charset=UTF-8",
            "Method Not Allowed: This endpoint requires POST\n".to_string(),
        );
    }
    {
        if let Some(level) = req.param("level") {
            if !LEVELS.contains(&level) {
                return Reply::status(
                    404,
                    "text/plain; charset=UTF-8",
                    format!("error: unknown log level {level}\n"),
                );
            }
            let level = if level == "warn" { "warning" } else { level };
            pod.levels
                .iter_mut()
                .for_each(|(_, l)| *l = level.to_string());
        }
        if let Some(paths) = req.param("paths") {
            for pair in paths.split(',') {
                let Some((name, level)) = pair.split_once(':') else {
                    return Reply::status(
                        404,
                        "text/plain; charset=UTF-8",
                        format!("error: invalid paths {paths}\n"),
                    );
                };
                let level = if level == "warn" { "warning" } else { level };
                if !LEVELS.contains(&level) {
                    return Reply::status(
                        404,
                        "text/plain; charset=UTF-8",
                        format!("error: unknown log level {level}\n"),
                    );
                }
                if let Some(entry) = pod.levels.iter_mut().find(|(n, _)| n == name.trim()) {
                    entry.1 = level.to_string();
                }
            }
        }
    }
    let mut out = String::from("active loggers:\n");
    for (name, level) in &pod.levels {
        let _ = writeln!(out, "  {name}: {level}");
    }
    Reply::text(out)
}

/// Answers one pilot-agent request for `pod` (not `/demo/logs`, see [`logs`]).
pub(crate) fn agent(pod: &PodSim, req: &Request) -> Reply {
    match req.path.as_str() {
        "/healthz/ready" if pod.state == "LIVE" => Reply::text(""),
        "/healthz/ready" => Reply::status(
            503,
            "text/plain; charset=utf-8",
            "Envoy proxy is NOT ready: config not received from XDS server (is Istiod running?): cds updates: 0 successful, 0 rejected; lds updates: 0 successful, 0 rejected\n",
        ),
        "/stats/prometheus" => {
            let mut out = prometheus(pod, req);
            agent_metrics(pod, &mut out);
            Reply::ok(PROM, out)
        }
        path => Reply::status(404, "text/plain; charset=utf-8", format!("404 page not found: {path}\n")),
    }
}

fn agent_metrics(pod: &PodSim, out: &mut String) {
    let uptime = now_ms().saturating_sub(pod.started_ms) / 1000;
    let gw = pod.pod.proxy == ProxyKind::Gateway;
    let metrics: [(&str, &str, String); 7] = [
        (
            "istio_agent_go_goroutines",
            "gauge",
            (40 + pod.workers * 3).to_string(),
        ),
        (
            "istio_agent_process_virtual_memory_bytes",
            "gauge",
            "1304547328".into(),
        ),
        (
            "istio_agent_startup_duration_seconds",
            "gauge",
            if pod.state == "LIVE" { "1.38" } else { "0" }.into(),
        ),
        (
            "istio_agent_xds_proxy_requests",
            "counter",
            (uptime / 30 + 5).to_string(),
        ),
        (
            "istio_agent_xds_proxy_responses",
            "counter",
            (uptime / 30 + 5).to_string(),
        ),
        (
            "istio_agent_scrapes_total",
            "counter",
            (uptime / 15).to_string(),
        ),
        ("istio_agent_cert_expiry_seconds", "gauge", "86187".into()),
    ];
    for (name, kind, v) in metrics {
        let _ = writeln!(
            out,
            "# HELP {name} pilot-agent metric.\n# TYPE {name} {kind}"
        );
        if name == "istio_agent_cert_expiry_seconds" {
            let _ = writeln!(out, "{name}{{resource_name=\"default\"}} {v}");
        } else {
            let _ = writeln!(out, "{name} {v}");
        }
    }
    if !gw {
        let app = &pod.pod.app;
        let _ = writeln!(out, "# HELP app_http_requests_total Requests served by the application.\n# TYPE app_http_requests_total counter");
        let served = pod.stats.get(&format!(
            "cluster.inbound|{}||.upstream_rq_total",
            app_port(pod)
        ));
        let _ = writeln!(
            out,
            "app_http_requests_total{{app=\"{app}\",code=\"200\"}} {served}"
        );
    }
}

fn app_port(pod: &PodSim) -> u64 {
    pod.view
        .clusters
        .iter()
        .find_map(|c| {
            c.name
                .strip_prefix("inbound|")?
                .split('|')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// `/demo/logs?tail=N&follow=1` on the agent port: chunked access-log lines.
pub(crate) fn logs(hub: &Arc<LogHub>, ix: usize, req: &Request) -> Reply {
    let tail = req
        .param("tail")
        .and_then(|t| t.parse().ok())
        .unwrap_or(100);
    let follow = matches!(req.param("follow"), Some("1" | "true" | ""));
    Reply::Stream {
        lines: hub.stream(ix, tail, follow),
    }
}
