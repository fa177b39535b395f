//! `meshscope check` on a real Envoy under real incidents: each incident the
//! harness drives yields its finding with the right evidence, from the
//! evidence alone.

mod support;

use serde_json::Value;
use support::envoy::{envoys, runtime, Sidecar, FQDN_SUFFIX};
use support::meshscope;

fn finding<'a>(findings: &'a [Value], rule: &str, subject_part: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["rule"] == rule && f["subject"].as_str().unwrap_or("").contains(subject_part))
        .unwrap_or_else(|| {
            let have: Vec<String> = findings
                .iter()
                .map(|f| format!("{} {}", f["rule"], f["subject"]))
                .collect();
            panic!("no {rule} on {subject_part}; have {have:?}")
        })
}

#[test]
fn check_finds_every_driven_incident_with_its_evidence() {
    for bin in envoys("check_finds_every_driven_incident_with_its_evidence") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "check").await;
            let t = sc.drive_incidents().await;
            let _ = sc.access_lines(&sc.access_text, 40).await;
            let overflow = sc
                .stat(&format!(
                    "cluster.outbound|8000||httpbin{FQDN_SUFFIX}.upstream_rq_pending_overflow"
                ))
                .await;
            let out = meshscope(&[
                "check",
                "--admin",
                &sc.admin,
                "--logs",
                &sc.access_text.to_string_lossy(),
                "--interval",
                "0.2",
                "-o",
                "json",
            ]);
            assert_eq!(
                out.status.code(),
                Some(1),
                "errors found: exit 1; {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
            let f = doc["report"]["findings"]
                .as_array()
                .expect("findings")
                .clone();
            assert_eq!(f[0]["severity"], "error", "worst first");
            let cb = finding(&f, "MS1001", "httpbin");
            let pending = cb["evidence"]
                .as_array()
                .and_then(|e| {
                    e.iter().find(|p| {
                        p["item"]
                            .as_str()
                            .unwrap_or("")
                            .ends_with("upstream_rq_pending_overflow")
                    })
                })
                .expect("pending overflow proof");
            assert_eq!(pending["value"], overflow.to_string(), "the real counter");
            assert_eq!(pending["limit"], "max_pending_requests 1");
            let uo = t.breaker.iter().filter(|&&c| c == 503).count();
            assert!(
                cb["evidence"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|p| p["value"] == format!("{uo} entries"))),
                "the UO log count {uo}: {cb}"
            );
            finding(&f, "MS1002", "no_route");
            let nc = finding(&f, "MS1003", "gone");
            assert_eq!(nc["severity"], "error", "NC traffic seen");
            let uh = finding(&f, "MS1004", "ratings");
            assert!(uh["evidence"][0]["value"] == "0 of 1 healthy", "{uh}");
            finding(&f, "MS1005", "details");
            finding(&f, "MS1006", "legacy");
            finding(&f, "MS1010", "BlackHoleCluster");
            finding(&f, "MS1021", "reviews");
            finding(&f, "MS1022", "ratings");
            // Nothing about the healthy services.
            for ok in ["productpage", "inbound|9080"] {
                assert!(
                    !f.iter()
                        .any(|x| x["subject"].as_str().unwrap_or("").contains(ok)
                            && x["rule"] != "MS1002"),
                    "{ok} is healthy"
                );
            }
            // --fail-on is honoured and the table names rule, proof and fix.
            let table = meshscope(&["check", "--admin", &sc.admin, "--interval", "0"]);
            let text = String::from_utf8_lossy(&table.stdout);
            assert!(
                text.contains("ERROR  MS1001")
                    && text.contains("fix:")
                    && text.contains("http1MaxPendingRequests"),
                "{text}"
            );
        });
    }
}

#[test]
fn check_on_a_saved_dump_runs_the_config_rules_and_says_what_it_could_not_check() {
    for bin in envoys("check_on_a_saved_dump") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "checkdump").await;
            let dir = support::temp_dir(&format!("checkdump-{}", bin.version));
            let dump = dir.join("dump.json");
            std::fs::write(&dump, sc.admin_get("/config_dump?include_eds").await).expect("dump");
            let out = meshscope(&["check", "--file", &dump.to_string_lossy(), "-o", "json"]);
            // Only the route to `gone` (a warning before any traffic): exit 0.
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
            let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
            let f = doc["report"]["findings"].as_array().expect("findings");
            let nc = finding(f, "MS1003", "gone");
            assert_eq!(nc["severity"], "warn");
            assert!(f.iter().all(|x| x["severity"] != "error"), "{f:?}");
            let nc_rules: Vec<&str> = doc["report"]["not_checked"]
                .as_array()
                .expect("not_checked")
                .iter()
                .filter_map(|n| n["rule"].as_str())
                .collect();
            assert!(
                nc_rules.contains(&"MS1001") && nc_rules.contains(&"MS1008"),
                "{nc_rules:?}"
            );
            let fail_warn = meshscope(&[
                "check",
                "--file",
                &dump.to_string_lossy(),
                "--fail-on",
                "warn",
            ]);
            assert_eq!(fail_warn.status.code(), Some(1));
        });
    }
}

/// Adds resources to a file-based xDS body on disk and pushes it as `version`.
async fn push_more(sc: &Sidecar, file: &str, type_url: &str, more: Vec<Value>, version: &str) {
    let text = std::fs::read_to_string(sc.dir.join(file)).expect("xds file");
    let mut body: Value = serde_json::from_str(&text).expect("xds json");
    body["version_info"] = Value::from(version);
    let list = body["resources"].as_array_mut().expect("resources");
    for mut r in more {
        r["@type"] = Value::from(type_url);
        list.push(r);
    }
    sc.push(file, &body, version).await;
}

#[test]
fn check_reads_sniffing_catch_all_and_sni_from_a_real_envoys_config() {
    for bin in envoys("check_reads_sniffing_catch_all_and_sni") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "checkcfg").await;
            let tcp = |name: &str, port: u16, cluster: &str, sniff: bool| {
                let mut l = serde_json::json!({
                    "name": name,
                    "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
                    "bind_to_port": false,
                    "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy",
                        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                            "stat_prefix": cluster, "cluster": cluster}}]}]
                });
                if sniff {
                    l["listener_filters"] = serde_json::json!([{"name": "envoy.filters.listener.http_inspector",
                        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"}}]);
                }
                l
            };
            let ext = "outbound|443||my-externalname.default.svc.cluster.local";
            let api = "outbound|443||api.example.com";
            let static_cluster = |name: &str, tls: bool| {
                let mut c = serde_json::json!({"name": name, "type": "STATIC", "connect_timeout": "1s",
                    "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {
                        "address": {"socket_address": {"address": "127.0.0.1", "port_value": 9}}}}]}]}});
                if tls {
                    c["transport_socket"] = serde_json::json!({"name": "envoy.transport_sockets.tls", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"}});
                }
                c
            };
            push_more(
                &sc,
                "cds.json",
                "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                vec![
                    static_cluster(ext, false),
                    static_cluster(api, true),
                    static_cluster("outbound|3306||mysql.default.svc.cluster.local", false),
                ],
                "cds-check-2",
            )
            .await;
            push_more(
                &sc,
                "lds.json",
                "type.googleapis.com/envoy.config.listener.v3.Listener",
                vec![
                    tcp("0.0.0.0_443", 443, ext, false),
                    tcp("0.0.0.0_3306", 3306, "outbound|3306||mysql.default.svc.cluster.local", true),
                ],
                "lds-check-2",
            )
            .await;
            let out = meshscope(&["check", "--admin", &sc.admin, "--interval", "0", "-o", "json"]);
            let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
            let f = doc["report"]["findings"].as_array().expect("findings").clone();
            let hijack = finding(&f, "MS1011", "my-externalname");
            assert_eq!(hijack["evidence"][0]["item"], "listener 0.0.0.0_443 catch-all filter chain");
            let sniff = finding(&f, "MS1012", "0.0.0.0_3306");
            assert!(sniff["title"].as_str().unwrap_or("").contains("MySQL"), "{sniff}");
            finding(&f, "MS1014", "api.example.com");
            // The harness's istio mTLS clusters carry an SNI: no MS1014 on them.
            assert!(
                !f.iter().any(|x| x["rule"] == "MS1014" && x["subject"].as_str().unwrap_or("").contains("httpbin")),
                "{f:?}"
            );
        });
    }
}
