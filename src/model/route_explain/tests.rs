use serde_json::{json, Value};

use super::*;

fn dump_with(
    listeners: Vec<Value>,
    routes: Vec<Value>,
    clusters: Vec<Value>,
    eds: Vec<Value>,
) -> String {
    let l: Vec<Value> = listeners
        .into_iter()
        .map(|l| json!({"name": l["name"], "active_state": {"version_info": "1", "listener": l}}))
        .collect();
    let r: Vec<Value> = routes
        .into_iter()
        .map(|r| json!({"version_info": "1", "route_config": r}))
        .collect();
    let c: Vec<Value> = clusters
        .into_iter()
        .map(|c| json!({"cluster": c}))
        .collect();
    let e: Vec<Value> = eds
        .into_iter()
        .map(|e| json!({"endpoint_config": e}))
        .collect();
    json!({"configs": [
        {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": l},
        {"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "dynamic_route_configs": r},
        {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": c},
        {"@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamic_endpoint_configs": e}
    ]})
    .to_string()
}

fn http_listener(port: u16, rds: &str) -> Value {
    json!({
        "name": format!("0.0.0.0_{port}"),
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
        "bind_to_port": false,
        "filter_chains": [
            {"filter_chain_match": {"prefix_ranges": [{"address_prefix": "10.0.0.5", "prefix_len": 32}]},
             "filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "cluster": "BlackHoleCluster"}}]},
            {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "normalize_path": true,
                "rds": {"route_config_name": rds}}}]}
        ]
    })
}

fn virtual_outbound(cluster: &str) -> Value {
    json!({
        "name": "virtualOutbound",
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15001}},
        "use_original_dst": true,
        "filter_chains": [{"name": if cluster == "PassthroughCluster" { "PassthroughFilterChain" } else { "x" },
            "filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "cluster": cluster}}]}]
    })
}

fn routes_80() -> Value {
    json!({"name": "80", "virtual_hosts": [
        {"name": "reviews:80", "domains": ["reviews", "reviews:80", "reviews.default.svc.cluster.local"],
         "retry_policy": {"retry_on": "5xx", "num_retries": 4},
         "routes": [
            {"name": "jason", "match": {"prefix": "/", "headers": [{"name": "end-user", "string_match": {"exact": "jason"}}]},
             "route": {"cluster": "outbound|80|v2|reviews.default.svc.cluster.local", "timeout": "3s"}},
            {"name": "api", "match": {"path_separated_prefix": "/api"},
             "route": {"cluster": "outbound|80|v1|reviews.default.svc.cluster.local", "prefix_rewrite": "/v1/api"}},
            {"name": "split", "match": {"safe_regex": {"regex": "/split/[0-9]+"}},
             "route": {"weighted_clusters": {"clusters": [
                {"name": "outbound|80|v1|reviews.default.svc.cluster.local", "weight": 80},
                {"name": "outbound|80|v2|reviews.default.svc.cluster.local", "weight": 20}]}}},
            {"name": "beta", "match": {"prefix": "/beta", "query_parameters": [{"name": "beta", "string_match": {"exact": "1"}}]},
             "route": {"cluster": "outbound|80|v2|reviews.default.svc.cluster.local"}}
         ]},
        {"name": "wild", "domains": ["*.example.com"], "routes": [
            {"name": "moved", "match": {"prefix": "/old"}, "redirect": {"path_redirect": "/new", "response_code": "FOUND"}},
            {"name": "teapot", "match": {"path": "/tea"}, "direct_response": {"status": 418, "body": {"inline_string": "short and stout"}}}
        ]},
        {"name": "longer-wild", "domains": ["*.api.example.com"], "routes": [
            {"name": "api-any", "match": {"prefix": "/"}, "route": {"cluster": "outbound|80||api.example.com"}}]},
        {"name": "pre", "domains": ["internal.*"], "routes": [
            {"name": "internal", "match": {"prefix": "/"}, "route": {"cluster": "outbound|80||internal"}}]}
    ]})
}

fn standard() -> String {
    dump_with(
        vec![
            http_listener(80, "80"),
            virtual_outbound("PassthroughCluster"),
        ],
        vec![routes_80()],
        vec![
            json!({"name": "outbound|80|v1|reviews.default.svc.cluster.local", "type": "EDS"}),
            json!({"name": "outbound|80|v2|reviews.default.svc.cluster.local", "type": "EDS"}),
        ],
        vec![
            json!({"cluster_name": "outbound|80|v1|reviews.default.svc.cluster.local", "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": "10.1.0.1", "port_value": 9080}}}, "health_status": "HEALTHY"},
                {"endpoint": {"address": {"socket_address": {"address": "10.1.0.2", "port_value": 9080}}}, "health_status": "UNHEALTHY"}
            ]}]}),
        ],
    )
}

fn req(host: &str, path: &str, headers: &[(&str, &str)]) -> RouteRequest {
    RouteRequest {
        host: host.into(),
        path: path.into(),
        method: "GET".into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        port: 80,
    }
}

fn run(text: &str, r: RouteRequest) -> RouteDecision {
    let dump = ConfigDump::parse(text).expect("dump");
    explain(&dump, &r, None)
}

fn route_name(d: &RouteDecision) -> Option<&str> {
    d.route.as_ref().map(|r| r.name.as_str())
}

#[test]
fn a_header_match_wins_over_later_routes() {
    let d = run(&standard(), req("reviews", "/", &[("End-User", "jason")]));
    assert_eq!(d.verdict, Verdict::Forwarded);
    assert_eq!(route_name(&d), Some("jason"));
    assert_eq!(
        d.upstream_cluster.as_deref(),
        Some("outbound|80|v2|reviews.default.svc.cluster.local")
    );
    assert_eq!(d.listener.as_deref(), Some("0.0.0.0_80"));
    assert_eq!(d.route_config.as_deref(), Some("80"));
    let settings = &d.route.as_ref().unwrap().settings;
    assert_eq!(settings.timeout.as_deref(), Some("3s"));
    // The virtual host's retry policy applies when the route has none.
    assert_eq!(
        settings.retries.as_ref().map(|r| (r.num_retries, r.from)),
        Some((4, "virtual_host"))
    );
}

#[test]
fn path_separated_prefix_matches_the_segment_only_and_rewrites() {
    let d = run(&standard(), req("reviews:80", "/api/x?y=1", &[]));
    assert_eq!(route_name(&d), Some("api"));
    assert_eq!(
        d.route.as_ref().unwrap().settings.upstream_path.as_deref(),
        Some("/v1/api/x?y=1")
    );
    let d = run(&standard(), req("reviews", "/apix", &[]));
    assert_eq!(d.verdict, Verdict::NoRoute);
    assert_eq!((d.status, d.response_flag), (Some(404), Some("NR")));
}

#[test]
fn the_first_route_failing_on_a_header_says_which_value_it_saw() {
    let d = run(&standard(), req("reviews", "/api", &[("end-user", "mike")]));
    let step = d
        .steps
        .iter()
        .find(|s| s.subject.starts_with("route #0"))
        .expect("route #0 step");
    assert_eq!(step.outcome, Outcome::Failed);
    assert!(
        step.detail
            .iter()
            .any(|l| l.starts_with("✗") && l.contains("`mike`")),
        "{step:?}"
    );
}

#[test]
fn weighted_clusters_list_their_shares_and_endpoints_with_health() {
    let d = run(&standard(), req("reviews", "/split/42", &[]));
    assert_eq!(route_name(&d), Some("split"));
    assert_eq!(d.upstream_cluster, None, "80/20 is random per request");
    match &d.route.as_ref().unwrap().action {
        Action::WeightedClusters {
            clusters,
            total_weight,
        } => {
            assert_eq!(*total_weight, 100);
            assert_eq!(
                clusters.iter().map(|c| c.percent).collect::<Vec<_>>(),
                vec![80.0, 20.0]
            );
        }
        other => panic!("{other:?}"),
    }
    let v1 = &d.clusters[0];
    assert_eq!(v1.source, "eds");
    assert_eq!(
        v1.hosts
            .iter()
            .map(|h| h.health.as_str())
            .collect::<Vec<_>>(),
        vec!["HEALTHY", "UNHEALTHY"]
    );
    // v2 exists but the dump has no EDS for it.
    assert_eq!(d.clusters[1].source, "none");
    // The regex is matched against the whole path.
    let d = run(&standard(), req("reviews", "/split/42/more", &[]));
    assert_eq!(d.verdict, Verdict::NoRoute);
}

#[test]
fn query_parameters_are_matched_undecoded_and_must_be_present() {
    assert_eq!(
        route_name(&run(&standard(), req("reviews", "/beta?x=2&beta=1", &[]))),
        Some("beta")
    );
    let d = run(&standard(), req("reviews", "/beta?beta=2", &[]));
    assert_eq!(d.verdict, Verdict::NoRoute);
    assert!(
        d.summary.contains("closest: route #3 `beta`"),
        "{}",
        d.summary
    );
    assert!(
        d.summary.contains("query parameter `beta`"),
        "{}",
        d.summary
    );
}

#[test]
fn wildcards_longest_suffix_first_then_prefix() {
    let d = run(&standard(), req("v1.api.example.com", "/", &[]));
    assert_eq!(d.virtual_host.as_deref(), Some("longer-wild"));
    let d = run(&standard(), req("www.example.com", "/tea", &[]));
    assert_eq!(d.virtual_host.as_deref(), Some("wild"));
    assert_eq!((d.verdict, d.status), (Verdict::DirectResponse, Some(418)));
    // `*.example.com` needs a character before the dot.
    let d = run(&standard(), req(".example.com", "/tea", &[]));
    assert_eq!(d.verdict, Verdict::NoRoute);
    let d = run(&standard(), req("internal.corp", "/", &[]));
    assert_eq!(d.virtual_host.as_deref(), Some("pre"));
}

#[test]
fn redirects_compute_the_location() {
    let d = run(&standard(), req("a.example.com", "/old/page?q=1", &[]));
    assert_eq!((d.verdict, d.status), (Verdict::Redirect, Some(302)));
    match &d.route.as_ref().unwrap().action {
        Action::Redirect { location, .. } => assert_eq!(location, "http://a.example.com/new"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_host_names_the_closest_virtual_host() {
    let d = run(&standard(), req("reviews:9080", "/", &[]));
    assert_eq!(d.verdict, Verdict::NoRoute);
    assert!(
        d.summary.contains("closest: virtual host `reviews:80`"),
        "{}",
        d.summary
    );
    assert!(d.summary.contains("another port"), "{}", d.summary);
}

#[test]
fn no_listener_falls_to_passthrough_or_blackhole() {
    let d = run(
        &standard(),
        RouteRequest {
            port: 5555,
            ..req("x", "/", &[])
        },
    );
    assert_eq!(d.verdict, Verdict::NoListener);
    assert_eq!(d.upstream_cluster.as_deref(), Some("PassthroughCluster"));
    assert!(d.summary.contains("ALLOW_ANY"), "{}", d.summary);
    let text = dump_with(
        vec![virtual_outbound("BlackHoleCluster")],
        vec![],
        vec![],
        vec![],
    );
    let d = run(
        &text,
        RouteRequest {
            port: 5555,
            ..req("x", "/", &[])
        },
    );
    assert_eq!(d.upstream_cluster.as_deref(), Some("BlackHoleCluster"));
    assert!(d.summary.contains("REGISTRY_ONLY"), "{}", d.summary);
    let d = run(
        &dump_with(vec![], vec![], vec![], vec![]),
        req("x", "/", &[]),
    );
    assert!(d.summary.contains("refused"), "{}", d.summary);
}

#[test]
fn the_pod_ip_chain_is_skipped_and_said_so() {
    let d = run(&standard(), req("reviews", "/api", &[]));
    let chain = d
        .steps
        .iter()
        .find(|s| s.stage == Stage::FilterChain)
        .expect("chain step");
    assert_eq!(chain.outcome, Outcome::Matched);
    assert!(
        chain
            .detail
            .iter()
            .any(|l| l.contains("destination 10.0.0.5/32")),
        "{chain:?}"
    );
}

#[test]
fn a_missing_route_config_or_cluster_is_named() {
    let text = dump_with(vec![http_listener(80, "80")], vec![], vec![], vec![]);
    let d = run(&text, req("reviews", "/", &[]));
    assert_eq!((d.verdict, d.response_flag), (Verdict::NoRoute, Some("NR")));
    assert!(d.summary.contains("not in the dump"), "{}", d.summary);
    let text = dump_with(
        vec![http_listener(80, "80")],
        vec![routes_80()],
        vec![],
        vec![],
    );
    let d = run(&text, req("reviews", "/api", &[]));
    assert_eq!(d.verdict, Verdict::Forwarded);
    assert!(!d.clusters[0].present);
    assert!(d.steps.last().unwrap().subject.contains("503 NC"));
}

#[test]
fn header_matchers_follow_envoys_rules_for_absent_headers_and_inversion() {
    let hm = |m: Value| -> String {
        let rc = json!({"name": "80", "virtual_hosts": [{"name": "h", "domains": ["*"], "routes": [
            {"name": "m", "match": {"prefix": "/", "headers": [m]}, "route": {"cluster": "c"}}]}]});
        dump_with(vec![http_listener(80, "80")], vec![rc], vec![], vec![])
    };
    let matched = |m: Value, headers: &[(&str, &str)]| {
        run(&hm(m), req("h", "/", headers)).verdict == Verdict::Forwarded
    };
    let inv_exact = json!({"name": "x", "string_match": {"exact": "a"}, "invert_match": true});
    assert!(matched(inv_exact.clone(), &[("x", "b")]));
    assert!(!matched(inv_exact.clone(), &[("x", "a")]));
    assert!(
        !matched(inv_exact, &[]),
        "an inverted value match needs the header"
    );
    let inv_present = json!({"name": "x", "present_match": true, "invert_match": true});
    assert!(matched(inv_present.clone(), &[]));
    assert!(!matched(inv_present, &[("x", "1")]));
    assert!(matched(json!({"name": "x", "present_match": false}), &[]));
    let range = json!({"name": "x", "range_match": {"start": "10", "end": 20}});
    assert!(matched(range.clone(), &[("x", "10")]));
    assert!(!matched(range.clone(), &[("x", "20")]));
    assert!(!matched(range, &[("x", "abc")]));
    assert!(matched(
        json!({"name": "x", "string_match": {"suffix": "Z", "ignore_case": true}}),
        &[("x", "abz")]
    ));
    assert!(matched(
        json!({"name": "x", "safe_regex_match": {"regex": "v[0-9]"}}),
        &[("x", "v1")]
    ));
    assert!(!matched(
        json!({"name": "x", "safe_regex_match": {"regex": "v[0-9]"}}),
        &[("x", "v12")]
    ));
    assert!(matched(
        json!({"name": ":method", "string_match": {"exact": "GET"}}),
        &[]
    ));
    // Two values of one header are joined with a comma.
    assert!(matched(
        json!({"name": "x", "exact_match": "a,b"}),
        &[("x", "a"), ("x", "b")]
    ));
    assert!(matched(
        json!({"name": "x", "string_match": {"exact": ""}, "treat_missing_header_as_empty": true}),
        &[]
    ));
}

#[test]
fn camel_case_dumps_and_inline_route_configs_are_walked() {
    let listener = json!({
        "name": "0.0.0.0_8080",
        "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 8080}},
        "filterChains": [{"filters": [{"name": "envoy.http_connection_manager", "typedConfig": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stripAnyHostPort": true,
            "routeConfig": {"name": "inline", "virtualHosts": [{"name": "v", "domains": ["web"], "routes": [
                {"name": "r", "match": {"prefix": "/", "caseSensitive": false},
                 "route": {"cluster": "web", "retryPolicy": {"retryOn": "5xx", "numRetries": 2}}}]}]}}}]}]
    });
    let d = run(
        &dump_with(vec![listener], vec![], vec![], vec![]),
        RouteRequest {
            port: 8080,
            ..req("web:8080", "/X", &[])
        },
    );
    assert_eq!(d.verdict, Verdict::Forwarded, "{:#?}", d.steps);
    assert_eq!(d.route_config.as_deref(), Some("inline"));
    assert_eq!(
        d.route
            .as_ref()
            .unwrap()
            .settings
            .retries
            .as_ref()
            .map(|r| r.num_retries),
        Some(2)
    );
}

#[test]
fn a_tcp_listener_is_not_routed() {
    let tcp = json!({"name": "0.0.0.0_6379", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 6379}},
        "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"cluster": "outbound|6379||redis"}}]}]});
    let d = run(
        &dump_with(vec![tcp], vec![], vec![], vec![]),
        RouteRequest {
            port: 6379,
            ..req("redis", "/", &[])
        },
    );
    assert_eq!(d.verdict, Verdict::NotHttp);
    assert_eq!(d.upstream_cluster.as_deref(), Some("outbound|6379||redis"));
}

#[test]
fn paths_are_normalised_before_matching_when_the_manager_says_so() {
    let d = run(&standard(), req("reviews", "/x/../api/v1", &[]));
    assert_eq!(route_name(&d), Some("api"));
    assert!(d
        .steps
        .iter()
        .any(|s| s.detail.iter().any(|l| l.contains("normalised"))));
}

#[test]
fn the_shared_istio_fixture_walks_to_a_route() {
    let Some(text) = crate::model::fixture("istio-1.3-sidecar-configdump-productpage-large.json")
    else {
        return;
    };
    let d = run(
        &text,
        RouteRequest {
            port: 9080,
            ..req("reviews:9080", "/reviews/0", &[])
        },
    );
    assert_eq!(d.listener.as_deref(), Some("0.0.0.0_9080"));
    assert_eq!(d.route_config.as_deref(), Some("9080"));
    assert!(d.verdict.matched(), "{:#?}", d.steps);
    assert!(
        d.upstream_cluster
            .as_deref()
            .is_some_and(|c| c.contains("reviews")),
        "{:?}",
        d.upstream_cluster
    );
}

#[test]
fn repeated_headers_are_matched_by_value_from_envoy_1_37_and_joined_before() {
    let rc = json!({"name": "80", "virtual_hosts": [{"name": "h", "domains": ["*"], "routes": [
        {"name": "prod", "match": {"prefix": "/", "headers": [{"name": "x-env", "string_match": {"exact": "prod"}}]}, "route": {"cluster": "a"}},
        {"name": "rest", "match": {"prefix": "/"}, "route": {"cluster": "b"}}]}]});
    let base = dump_with(vec![http_listener(80, "80")], vec![rc], vec![], vec![]);
    let with_version = |minor: u64| -> String {
        let mut v: Value = serde_json::from_str(&base).unwrap();
        v["configs"].as_array_mut().unwrap().insert(0, json!({
            "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
            "bootstrap": {"node": {"id": "x", "user_agent_build_version": {"version": {"major_number": 1, "minor_number": minor}}}}
        }));
        v.to_string()
    };
    let r = req("h", "/", &[("x-env", "qa"), ("x-env", "prod")]);
    assert_eq!(route_name(&run(&with_version(40), r.clone())), Some("prod"));
    assert_eq!(route_name(&run(&with_version(36), r.clone())), Some("rest"));
    assert_eq!(
        route_name(&run(&base, r)),
        Some("rest"),
        "unknown version: joined, as 1.36"
    );
}
