use super::*;

const DUMP: &str = r#"{"configs":[
 {"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"sidecar~10.0.0.1~a.b~b.svc.cluster.local"}},"last_updated":"2024-01-01T00:00:00Z"},
 {"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","version_info":"v1",
  "static_clusters":[{"cluster":{"name":"prometheus_stats","type":"STATIC"},"last_updated":"t0"}],
  "dynamic_active_clusters":[{"version_info":"v1","cluster":{"name":"outbound|80||a.b.svc.cluster.local","type":"EDS"},"last_updated":"t1"}],
  "dynamic_warming_clusters":[{"version_info":"v2","cluster":{"name":"outbound|81||warm.b.svc.cluster.local","type":"EDS"}}],
  "some_future_field":{"x":1}},
 {"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
  "static_listeners":[{"listener":{"name":"0.0.0.0_15090"}}],
  "dynamic_listeners":[
    {"name":"virtualOutbound","active_state":{"version_info":"v1","listener":{"name":"virtualOutbound"},"last_updated":"t2"},
     "warming_state":{"version_info":"v2","listener":{"name":"virtualOutbound"}}},
    {"name":"0.0.0.0_8080","error_state":{"failed_configuration":{},"details":"duplicate listener"}}]},
 {"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamicRouteConfigs":[{"versionInfo":"v1","routeConfig":{"name":"8080","virtualHosts":[]}}]},
 {"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[{"endpoint_config":{"cluster_name":"outbound|80||a.b.svc.cluster.local","endpoints":[]}}]},
 {"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_warming_secrets":[{"name":"ROOTCA","secret":{}}]},
 {"@type":"type.googleapis.com/envoy.admin.v3.FutureConfigDump","stuff":[1,2,3]}
]}"#;

#[test]
fn every_section_and_state_is_indexed() {
    let d = ConfigDump::parse(DUMP).unwrap();
    assert!(d.bootstrap.is_some());
    let states: Vec<(Kind, &str, State)> = d
        .resources
        .iter()
        .map(|r| (r.kind, r.name.as_ref(), r.state))
        .collect();
    assert_eq!(
        states,
        vec![
            (Kind::Cluster, "prometheus_stats", State::Static),
            (
                Kind::Cluster,
                "outbound|80||a.b.svc.cluster.local",
                State::Active
            ),
            (
                Kind::Cluster,
                "outbound|81||warm.b.svc.cluster.local",
                State::Warming
            ),
            (Kind::Listener, "0.0.0.0_15090", State::Static),
            (Kind::Listener, "virtualOutbound", State::Active),
            (Kind::Listener, "virtualOutbound", State::Warming),
            (Kind::Listener, "0.0.0.0_8080", State::Error),
            (Kind::Route, "8080", State::Active),
            (
                Kind::Endpoint,
                "outbound|80||a.b.svc.cluster.local",
                State::Active
            ),
            (Kind::Secret, "ROOTCA", State::Warming),
        ]
    );
    assert_eq!(d.unknown_sections.len(), 1);
    assert_eq!(
        d.unknown_sections[0].type_url,
        "type.googleapis.com/envoy.admin.v3.FutureConfigDump"
    );
    assert_eq!(d.unknown_fields, 1);
}

#[test]
fn parse_kinds_keeps_only_those_kinds_as_parse_has_them() {
    let all = ConfigDump::parse(DUMP).unwrap();
    let of = |d: &ConfigDump<'_>, k: Kind| -> Vec<(String, State)> {
        d.of(k).map(|r| (r.name.to_string(), r.state)).collect()
    };
    for kinds in [
        &[Kind::Cluster][..],
        &[Kind::Listener],
        &[Kind::Route, Kind::Secret],
        &[],
    ] {
        let d = ConfigDump::parse_kinds(DUMP, kinds).unwrap();
        assert!(d.bootstrap.is_some(), "{kinds:?}");
        assert_eq!(d.unknown_sections.len(), all.unknown_sections.len());
        for k in Kind::ALL {
            let want = if kinds.contains(&k) {
                of(&all, k)
            } else {
                vec![]
            };
            assert_eq!(of(&d, k), want, "{k:?} when reading {kinds:?}");
        }
    }
    // The sections left out are still JSON that must parse.
    let broken = DUMP.replace(r#""static_listeners":[{"#, r#""static_listeners":[{,"#);
    assert!(ConfigDump::parse_kinds(&broken, &[Kind::Cluster]).is_err());
}

#[test]
fn raw_json_and_metadata_are_kept() {
    let d = ConfigDump::parse(DUMP).unwrap();
    let c = d
        .find(Kind::Cluster, "outbound|80||a.b.svc.cluster.local")
        .unwrap();
    assert_eq!(c.version_info.as_deref(), Some("v1"));
    assert_eq!(c.last_updated.as_deref(), Some("t1"));
    assert!(c.raw.unwrap().get().contains("\"EDS\""));
    let l = d.find(Kind::Listener, "0.0.0.0_8080").unwrap();
    assert!(l.error.unwrap().get().contains("duplicate listener"));
    // The active listener wins over the warming one.
    assert_eq!(
        d.find(Kind::Listener, "virtualOutbound").unwrap().state,
        State::Active
    );
}

#[test]
fn truncated_input_names_the_offset() {
    let cut = &DUMP[..DUMP.len() / 2];
    let e = ConfigDump::parse(cut).unwrap_err();
    assert!(e.truncated, "{e}");
    assert_eq!(e.offset, cut.len());
}

#[test]
fn garbage_inside_a_section_points_into_it() {
    let bad = DUMP.replace("\"type\":\"STATIC\"", "\"type\":STATIC");
    let e = ConfigDump::parse(&bad).unwrap_err();
    assert!(!e.truncated);
    assert!(
        bad[e.offset..].starts_with("STATIC") || bad[..e.offset].ends_with(':'),
        "offset {} in {e}",
        e.offset
    );
}

#[test]
fn not_a_dump_at_all() {
    assert!(ConfigDump::parse("<html>").is_err());
    let empty = ConfigDump::parse("{}").unwrap();
    assert!(empty.resources.is_empty());
}

#[test]
fn every_truncation_is_an_error_with_an_offset_never_a_panic() {
    for cut in 0..DUMP.len() {
        if !DUMP.is_char_boundary(cut) {
            continue;
        }
        let part = &DUMP[..cut];
        match ConfigDump::parse(part) {
            Ok(_) => panic!("a cut at {cut} parsed"),
            Err(e) => assert!(e.offset <= cut, "offset {} past the end {cut}", e.offset),
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    // Flip each structural character in turn: every result is Ok or a located error.
    let bytes = DUMP.as_bytes();
    for i in (0..bytes.len()).filter(|&i| b"{}[]:,\"".contains(&bytes[i])) {
        let mut b = bytes.to_vec();
        b[i] = b'#';
        let text = String::from_utf8(b).unwrap();
        if let Err(e) = ConfigDump::parse(&text) {
            assert!(e.offset <= text.len());
        }
    }
}
