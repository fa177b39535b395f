//! Route explain held against a real Envoy (every version in
//! `$MESHSCOPE_ENVOY`): each case is sent through the sidecar, and the route
//! name and upstream cluster Envoy logged (ROUTE_NAME, UPSTREAM_CLUSTER_RAW in
//! Istio's JSON access log) must be what `route_explain` answers from a
//! `/config_dump` of that same Envoy.

mod support;

use std::collections::HashMap;

use meshscope::model::clusters::ClusterStatuses;
use meshscope::model::config_dump::ConfigDump;
use meshscope::model::route_explain::{explain, Action, RouteRequest, Verdict};
use serde_json::Value;
use support::envoy::{envoys, request_with, runtime, RoutePorts, Sidecar, FQDN_SUFFIX};

/// Which listener a case goes to.
#[derive(Clone, Copy, Debug)]
enum Via {
    Rds,
    Inline,
}

struct Case {
    id: &'static str,
    via: Via,
    method: &'static str,
    host: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    /// The route the case is written for (`None`: no route, 404 NR).
    expect: Option<&'static str>,
    /// Version-dependent: only Envoy's answer counts.
    any: bool,
}

fn case(
    id: &'static str,
    host: &'static str,
    path: &'static str,
    expect: Option<&'static str>,
) -> Case {
    Case {
        id,
        via: Via::Rds,
        method: "GET",
        host,
        path,
        headers: Vec::new(),
        expect,
        any: false,
    }
}

impl Case {
    fn header(mut self, k: &'static str, v: &str) -> Case {
        self.headers.push((k, v.to_string()));
        self
    }
    fn method(mut self, m: &'static str) -> Case {
        self.method = m;
        self
    }
    fn any(mut self) -> Case {
        self.any = true;
        self
    }
    fn inline(mut self) -> Case {
        self.via = Via::Inline;
        self
    }
}

/// Every match kind, weighted clusters, a cluster header, direct responses,
/// redirects, rewrites, wildcard domains and two kinds of no-route.
fn cases() -> Vec<Case> {
    let s = "shop.test";
    vec![
        case("hdr-exact", s, "/h", Some("hdr-exact")).header("x-env", "prod"),
        case("hdr-prefix", s, "/h", Some("hdr-prefix")).header("x-env", "staging"),
        case("hdr-suffix", s, "/h", Some("hdr-suffix")).header("x-env", "eu-canary"),
        case("hdr-contains", s, "/h", Some("hdr-contains")).header("x-env", "bluegreen"),
        case("hdr-regex", s, "/h", Some("hdr-regex")).header("x-env", "v12"),
        case("hdr-regex-partial", s, "/h", Some("hdr-invert")).header("x-env", "v12x"),
        case("hdr-legacy-exact", s, "/h", Some("hdr-legacy-exact")).header("x-env", "legacy"),
        case("hdr-present", s, "/h", Some("hdr-present")).header("x-debug", "1"),
        case("hdr-range", s, "/h", Some("hdr-range")).header("x-version", "15"),
        case("hdr-range-end", s, "/h", Some("hdr-absent")).header("x-version", "20"),
        case("hdr-invert", s, "/h", Some("hdr-invert")).header("x-env", "qa"),
        case("hdr-invert-miss", s, "/h", Some("catch")).header("x-env", "dev"),
        // Repeated headers: 1.36 matches `prod,qa`, 1.40 each value; the
        // expected route is checked against Envoy itself, not written here.
        case("hdr-two-values", s, "/h", None)
            .header("x-env", "prod")
            .header("x-env", "qa")
            .any(),
        case("hdr-two-values-reversed", s, "/h", None)
            .header("x-env", "qa")
            .header("x-env", "prod")
            .any(),
        case("hdr-two-values-invert", s, "/h", None)
            .header("x-env", "dev")
            .header("x-env", "qa")
            .any(),
        case("method-post", s, "/m", Some("method-post")).method("POST"),
        case("method-get", s, "/m", Some("catch")),
        case("query", s, "/q?debug=1", Some("query")),
        case(
            "query-present",
            s,
            "/q?debug=2&trace",
            Some("query-present"),
        ),
        case("query-miss", s, "/q?debug=2", Some("catch")),
        case("exact-path", s, "/exact", Some("exact-path")),
        case("exact-path-query", s, "/exact?x=1", Some("exact-path")),
        case("exact-path-longer", s, "/exact/more", Some("catch")),
        case("normalised-path", s, "/x/../exact", Some("exact-path")),
        case("regex-path", s, "/items/42", Some("regex-path")),
        case("regex-path-miss", s, "/items/4a", Some("catch")),
        case("sep-prefix", s, "/api/v1", Some("sep-prefix")),
        case("sep-prefix-exact", s, "/api", Some("sep-prefix")),
        case("sep-prefix-miss", s, "/apiv1", Some("catch")),
        case("case-insensitive", s, "/case/x", Some("case-insensitive")),
        case("weighted-100-0", s, "/w", Some("weighted-100-0")),
        case("weighted-50-50", s, "/split", Some("weighted-50-50")),
        case("cluster-header", s, "/ch", Some("cluster-header")).header(
            "x-cluster",
            "outbound|8000||reviews.default.svc.cluster.local",
        ),
        case("cluster-header-missing", s, "/ch", Some("cluster-header")),
        case("direct", s, "/direct", Some("direct")),
        case("redirect", s, "/old/page", Some("redirect")),
        case("rewrite", s, "/rw/x", Some("rewrite")),
        case("host-case", "SHOP.test", "/exact", Some("exact-path")),
        case(
            "suffix-wildcard",
            "a.wild.test",
            "/only",
            Some("suffix-only"),
        ),
        case("suffix-wildcard-no-route", "a.wild.test", "/other", None),
        case("longest-suffix", "x.deep.wild.test", "/", Some("deep")),
        case("prefix-wildcard", "prefix.anything", "/", Some("prefixed")),
        case("domain-with-port", "ported.test:1234", "/", Some("ported")),
        case("domain-without-port", "ported.test", "/", Some("default")),
        case("catch-all-domain", "unknown.test", "/", Some("default")),
        case("inline", "only.test", "/", Some("only-route")).inline(),
        case("inline-no-vhost", "nope.test", "/", None).inline(),
    ]
}

/// (route name, upstream cluster, code, flags) per request id, from the JSON log.
fn logged(lines: &[String]) -> HashMap<String, (String, String, String, String)> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            let s = |k: &str| match &v[k] {
                Value::String(s) => s.clone(),
                Value::Null => "-".to_string(),
                other => other.to_string(),
            };
            (
                s("request_id"),
                (
                    s("route_name"),
                    s("upstream_cluster"),
                    s("response_code"),
                    s("response_flags"),
                ),
            )
        })
        .collect()
}

fn port(p: RoutePorts, via: Via) -> u16 {
    match via {
        Via::Rds => p.rds,
        Via::Inline => p.inline,
    }
}

#[test]
fn route_explain_agrees_with_envoy_on_every_case() {
    let mut all_failures = Vec::new();
    for bin in envoys("route_explain_agrees_with_envoy_on_every_case") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "route").await;
            let ports = sc.add_route_listeners().await;
            let cases = cases();
            assert!(cases.len() >= 25);
            let before = sc.access_lines(&sc.access_json, 0).await.len();
            for c in &cases {
                let mut hs: Vec<(&str, &str)> =
                    c.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                hs.push(("x-request-id", c.id));
                request_with(port(ports, c.via), c.method, c.host, c.path, &hs).await;
            }
            let lines = sc.access_lines(&sc.access_json, before + cases.len()).await;
            let log = logged(&lines);
            let dump_text = sc.admin_get("/config_dump?include_eds").await;
            let dump = ConfigDump::parse(&dump_text).expect("dump parses");
            let clusters = ClusterStatuses::parse(&sc.admin_get("/clusters?format=json").await)
                .expect("/clusters");
            let mut failures = Vec::new();
            for c in &cases {
                let Some((route, upstream, code, flags)) = log.get(c.id) else {
                    failures.push(format!("{}: no access-log line", c.id));
                    continue;
                };
                let req = RouteRequest {
                    host: c.host.to_string(),
                    path: c.path.to_string(),
                    method: c.method.to_string(),
                    headers: c
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                    port: port(ports, c.via),
                };
                let d = explain(&dump, &req, Some(&clusters));
                let ours = d.route.as_ref().map_or("-", |r| {
                    if r.name.is_empty() {
                        "-"
                    } else {
                        r.name.as_str()
                    }
                });
                let mut bad = Vec::new();
                if route != ours {
                    bad.push(format!("route: envoy {route}, meshscope {ours}"));
                }
                if !c.any && ours != c.expect.unwrap_or("-") {
                    bad.push(format!("route: the case is written for {:?}", c.expect));
                }
                match (&d.upstream_cluster, d.route.as_ref().map(|r| &r.action)) {
                    (Some(ours), _) if ours != upstream => {
                        bad.push(format!("cluster: envoy {upstream}, meshscope {ours}"))
                    }
                    (None, Some(Action::WeightedClusters { clusters, .. }))
                        if !clusters.iter().any(|w| &w.name == upstream) =>
                    {
                        bad.push(format!(
                            "cluster: envoy {upstream} is not one of the weighted clusters"
                        ))
                    }
                    (None, Some(Action::WeightedClusters { .. })) => {}
                    (None, _) if upstream != "-" => {
                        bad.push(format!("cluster: envoy {upstream}, meshscope none"))
                    }
                    _ => {}
                }
                if c.expect.is_none() && !c.any {
                    if (code.as_str(), flags.as_str(), d.verdict) != ("404", "NR", Verdict::NoRoute)
                    {
                        bad.push(format!(
                            "no route: envoy {code} {flags}, meshscope {:?}",
                            d.verdict
                        ));
                    }
                } else if let Some(st) = d.status {
                    if code != &st.to_string() {
                        bad.push(format!("status: envoy {code}, meshscope {st}"));
                    }
                }
                if !bad.is_empty() {
                    failures.push(format!(
                        "{} ({} {}{}): {}",
                        c.id,
                        c.method,
                        c.host,
                        c.path,
                        bad.join("; ")
                    ));
                }
            }
            if failures.is_empty() {
                eprintln!("envoy {}: {} route cases agree", bin.version, cases.len());
            } else {
                all_failures.push(format!("envoy {}:\n{}", bin.version, failures.join("\n")));
            }
            cli_agrees(&sc, ports);
        });
    }
    assert!(all_failures.is_empty(), "{}", all_failures.join("\n"));
}

/// The command on the live admin port: exit 0 with the trail, exit 1 on NR, JSON as documented.
fn cli_agrees(sc: &Sidecar, ports: RoutePorts) {
    let p = ports.rds.to_string();
    let out = support::meshscope(&[
        "route",
        "--admin",
        &sc.admin,
        "--host",
        "shop.test",
        "--path",
        "/exact",
        "--port",
        &p,
    ]);
    let text = support::stdout_ok(&out);
    assert!(text.contains("route #13 `exact-path`"), "{text}");
    assert!(
        text.contains(&format!(
            "cluster `outbound|8000||productpage{FQDN_SUFFIX}`"
        )),
        "{text}"
    );
    assert!(text.contains("1 healthy (/clusters)"), "{text}");
    let p = ports.inline.to_string();
    let out = support::meshscope(&[
        "route",
        "--admin",
        &sc.admin,
        "--host",
        "nope.test",
        "--port",
        &p,
        "-o",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["decision"]["verdict"], "no_route");
    assert_eq!(v["decision"]["status"], 404);
    assert_eq!(v["decision"]["response_flag"], "NR");
    assert!(
        v["decision"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("closest: virtual host `only.test:9200`")),
        "{v}"
    );
}
