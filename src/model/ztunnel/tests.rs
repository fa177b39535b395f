//! Unit tests of the ztunnel dump model on generated inputs and the shared fixtures.

use super::tables::*;
use super::*;

const DUMP: &str = r#"{
  "workloads": {
    "net/10.0.0.2": {"uid": "u2", "name": "b", "namespace": "ns", "workloadIps": ["10.0.0.2"],
      "node": "n1", "protocol": "HBONE", "status": "Healthy",
      "waypoint": {"destination": "ns/wp.ns.svc.cluster.local"}},
    "net/10.0.0.1": {"uid": "u1", "name": "a", "namespace": "ns", "workloadIps": null,
      "hostname": "a.example", "node": "n2", "protocol": "TCP", "status": "Unhealthy",
      "waypoint": {"destination": "net/10.9.9.9"}, "unknownField": 3},
    "net/10.0.0.3": {"uid": "u3", "name": "wp-0", "namespace": "ns", "workloadIps": ["10.0.0.3"],
      "node": "n1", "protocol": "TCP", "status": "Healthy"}
  },
  "services": [
    {"name": "wp", "namespace": "ns", "hostname": "wp.ns.svc.cluster.local", "vips": ["net/10.1.0.1"],
     "endpoints": {"x": {"workloadUid": "u3"}}},
    {"name": "svc", "namespace": "ns", "hostname": "svc.ns.svc.cluster.local", "vips": ["net/10.1.0.2"],
     "endpoints": {"x": {"workloadUid": "u1"}, "y": {"workloadUid": "u2"}}}
  ],
  "policies": null,
  "certificates": [],
  "workloadstate": {
    "k": {"state": "Up", "info": {"name": "b", "namespace": "ns"},
      "connections": {"inbound": [{"src": "10.0.0.3:1234", "originalDst": null,
        "actualDst": "10.0.0.2:80", "protocol": "HBONE"}],
        "outbound": [{"src": "10.0.0.2:5555", "originalDst": "10.1.0.2:80",
        "actualDst": "10.0.0.1:15008", "protocol": "HBONE"}]}}
  }
}"#;

#[test]
fn workloads_sort_filter_and_name_their_waypoint() {
    let d = ZtunnelDump::parse(DUMP).expect("parse");
    let rows = d.workload_rows(&WorkloadFilter::default());
    let names: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["a", "b", "wp-0"]);
    assert_eq!(rows[0][2], "a.example");
    assert_eq!(rows[0][4], "NA");
    assert_eq!(rows[1][4], "wp");
    assert_eq!(rows[2][4], "None");
    let f = WorkloadFilter {
        node: "N1".into(),
        ..Default::default()
    };
    assert_eq!(d.workload_rows(&f).len(), 2);
    let f = WorkloadFilter {
        address: "10.0.0.3".into(),
        ..Default::default()
    };
    assert_eq!(d.workload_rows(&f)[0][1], "wp-0");
}

#[test]
fn service_endpoints_count_healthy_workloads() {
    let d = ZtunnelDump::parse(DUMP).expect("parse");
    let rows = d.service_rows("");
    assert_eq!(rows[0][1], "svc");
    assert_eq!(rows[0][2], "10.1.0.2");
    assert_eq!(rows[0][4], "1/2");
    assert!(d.service_rows("other").is_empty());
}

#[test]
fn connections_look_names_up_unless_raw() {
    let d = ZtunnelDump::parse(DUMP).expect("parse");
    let rows = d.connection_rows(&ConnectionsFilter::default());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][2], "b.ns:80");
    assert_eq!(rows[0][3], "wp-0.ns:1234");
    assert_eq!(rows[0][4], "");
    assert_eq!(rows[1][4], "svc.ns.svc.cluster.local:80");
    let raw = ConnectionsFilter {
        raw: true,
        direction: "outbound".into(),
        ..Default::default()
    };
    let rows = d.connection_rows(&raw);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][3], "10.0.0.1:15008");
    let by_pod = ConnectionsFilter {
        workload: "B.ns".into(),
        ..Default::default()
    };
    assert_eq!(d.connection_rows(&by_pod).len(), 2);
    let other = ConnectionsFilter {
        workload: "b.other".into(),
        ..Default::default()
    };
    assert!(d.connection_rows(&other).is_empty());
}

#[test]
fn serial_numbers_print_as_go_big_int_hex() {
    assert_eq!(
        decimal_to_hex("305554775863395697262503895661564044819"),
        "e5dfb59150b2ba7f108d93dcec5aa613"
    );
    assert_eq!(decimal_to_hex("255"), "ff");
    assert_eq!(decimal_to_hex("0"), "0");
    assert_eq!(decimal_to_hex("4294967296"), "100000000");
    assert_eq!(decimal_to_hex(""), "<nil>");
    assert_eq!(decimal_to_hex("12ab"), "<nil>");
}

#[test]
fn rfc3339_parses_offsets_and_fractions() {
    assert_eq!(rfc3339_secs("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(rfc3339_secs("1970-01-01T01:00:00+01:00"), Some(0));
    assert_eq!(rfc3339_secs("1970-01-01T00:00:01.5Z"), Some(1));
    assert_eq!(rfc3339_secs("1970-01-01 00:00:00Z"), None);
    assert_eq!(rfc3339_secs("garbage"), None);
}

#[test]
fn cert_validity_follows_the_clock() {
    let cert = Cert {
        valid_from: "2024-01-01T00:00:00Z".into(),
        expiration_time: "2024-01-02T00:00:00Z".into(),
        ..Default::default()
    };
    let from = rfc3339_secs("2024-01-01T00:00:00Z").expect("time");
    assert!(!cert_valid(&cert, from));
    assert!(cert_valid(&cert, from + 1));
    assert!(!cert_valid(&cert, from + 86_400));
    assert!(!cert_valid(&Cert::default(), from));
}

#[test]
fn certificate_rows_mark_leaf_intermediate_and_root() {
    let c = |s: &str| Cert {
        serial_number: s.into(),
        ..Default::default()
    };
    let d = ZtunnelDump {
        certificates: vec![
            CertsDump {
                identity: "legacy".into(),
                state: "Available".into(),
                cert_chain: Some(vec![c("1"), c("2"), c("3")]),
                root_certs: None,
            },
            CertsDump {
                identity: "new".into(),
                state: "Unavailable: boom".into(),
                cert_chain: Some(vec![c("4"), c("5")]),
                root_certs: Some(vec![c("6")]),
            },
        ],
        ..Default::default()
    };
    let types: Vec<(String, String, String)> = d
        .cert_rows(0)
        .into_iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[4].clone()))
        .collect();
    let want = [
        ("Leaf", "Available", "1"),
        ("Intermediate", "Available", "2"),
        ("Root", "Available", "3"),
        ("Leaf", "Unavailable", "4"),
        ("Intermediate", "Unavailable", "5"),
        ("Root", "Unavailable", "6"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(types, want);
}

#[test]
fn envoy_dumps_are_not_taken_for_ztunnel() {
    assert!(ZtunnelDump::looks_like(DUMP));
    assert!(!ZtunnelDump::looks_like(r#"{"configs": [{"@type": "x"}]}"#));
}

#[test]
fn go_json_escapes_html_like_go() {
    assert_eq!(
        json::go_json(&vec!["<a&b>"]),
        "[\n    \"\\u003ca\\u0026b\\u003e\"\n]\n"
    );
}

#[test]
fn real_dumps_parse() {
    for name in [
        "ambient/istio-ztunnel-configdump-bookinfo.json",
        "ambient/istio-ztunnel-1.23-configdump-integration.json",
    ] {
        let Some(text) = crate::model::fixture(name) else {
            return;
        };
        let d = ZtunnelDump::parse(&text).expect(name);
        assert!(!d.workloads.is_empty(), "{name}");
        assert!(!d.workload_state.is_empty(), "{name}");
    }
}
