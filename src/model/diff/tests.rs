//! Diff tests: one per kind, volatile-field suppression, virtual hosts.

use super::*;

fn dump(sections: &str) -> String {
    format!(r#"{{"configs":[{sections}]}}"#)
}

const T: &str = "type.googleapis.com/envoy.admin.v3.";

fn clusters(items: &str) -> String {
    format!(r#"{{"@type":"{T}ClustersConfigDump","dynamic_active_clusters":[{items}]}}"#)
}

fn cluster(name: &str, timeout: &str, version: &str, when: &str) -> String {
    format!(
        r#"{{"version_info":"{version}","cluster":{{"name":"{name}","connect_timeout":"{timeout}"}},"last_updated":"{when}"}}"#
    )
}

fn run(a: &str, b: &str, all: bool) -> ConfigDiff {
    let (a, b) = (ConfigDump::parse(a).unwrap(), ConfigDump::parse(b).unwrap());
    diff_dumps(&a, &b, Options { all_fields: all })
}

#[test]
fn clusters_added_removed_changed_with_field_paths() {
    let a = dump(&clusters(
        &[
            cluster("a", "1s", "1", "t1"),
            cluster("b", "1s", "1", "t1"),
            cluster("c", "1s", "1", "t1"),
        ]
        .join(","),
    ));
    let b = dump(&clusters(
        &[
            cluster("a", "1s", "2", "t2"),
            cluster("c", "5s", "2", "t2"),
            cluster("d", "1s", "2", "t2"),
        ]
        .join(","),
    ));
    let d = run(&a, &b, false);
    assert!(d.differs());
    let got: Vec<(Change, &str)> = d
        .resources
        .iter()
        .map(|r| (r.change, r.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Change::Removed, "b"),
            (Change::Changed, "c"),
            (Change::Added, "d")
        ]
    );
    let c = &d.resources[1];
    assert_eq!(c.fields.len(), 1);
    assert_eq!(c.fields[0].path, "connect_timeout");
    assert_eq!(c.fields[0].old, Some(Value::String("1s".into())));
    assert_eq!(c.fields[0].new, Some(Value::String("5s".into())));
    let s = d.summary[&DiffKind::Cluster];
    assert_eq!((s.added, s.removed, s.changed, s.unchanged), (1, 1, 1, 1));
}

#[test]
fn volatile_fields_are_ignored_unless_all_fields() {
    let a = dump(&clusters(&cluster("a", "1s", "1", "2026-01-01T00:00:00Z")));
    let b = dump(&clusters(&cluster("a", "1s", "7", "2026-02-02T00:00:00Z")));
    assert!(!run(&a, &b, false).differs());
    let d = run(&a, &b, true);
    assert!(d.differs());
    let paths: Vec<&str> = d.resources[0]
        .fields
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(paths, ["(last_updated)", "(version_info)"]);
    // Identical dumps never differ.
    assert!(!run(&a, &a, true).differs());
}

#[test]
fn listeners_by_name_and_state() {
    let l = |name: &str, port: u32, state: &str| {
        format!(
            r#"{{"name":"{name}","{state}":{{"version_info":"v","listener":{{"name":"{name}","address":{{"socket_address":{{"port_value":{port}}}}}}},"last_updated":"x"}}}}"#
        )
    };
    let sec = |items: &[String]| {
        format!(
            r#"{{"@type":"{T}ListenersConfigDump","dynamic_listeners":[{}]}}"#,
            items.join(",")
        )
    };
    let a = dump(&sec(&[
        l("x", 80, "active_state"),
        l("y", 81, "active_state"),
    ]));
    let b = dump(&sec(&[
        l("x", 8080, "active_state"),
        l("y", 81, "warming_state"),
    ]));
    let d = run(&a, &b, false);
    let x = d.resources.iter().find(|r| r.name == "x").unwrap();
    assert_eq!(x.kind, DiffKind::Listener);
    assert_eq!(x.fields[0].path, "address.socket_address.port_value");
    let y = d.resources.iter().find(|r| r.name == "y").unwrap();
    assert_eq!(y.fields[0].path, "(state)");
}

#[test]
fn routes_and_virtual_hosts_are_diffed_apart() {
    let r = |vhosts: &str, timeout: bool| {
        let extra = if timeout {
            r#","validate_clusters":false"#
        } else {
            ""
        };
        format!(
            r#"{{"@type":"{T}RoutesConfigDump","dynamic_route_configs":[{{"version_info":"1","route_config":{{"name":"80","virtual_hosts":[{vhosts}]{extra}}}}}]}}"#
        )
    };
    let vh = |n: &str, c: &str| {
        format!(
            r#"{{"name":"{n}","domains":["{n}"],"routes":[{{"match":{{"prefix":"/"}},"route":{{"cluster":"{c}"}}}}]}}"#
        )
    };
    let a = dump(&r(&[vh("a", "ca"), vh("b", "cb")].join(","), false));
    let b = dump(&r(&[vh("a", "ca2"), vh("c", "cc")].join(","), true));
    let d = run(&a, &b, false);
    let got: Vec<(DiffKind, Change, &str)> = d
        .resources
        .iter()
        .map(|r| (r.kind, r.change, r.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (DiffKind::Route, Change::Changed, "80"),
            (DiffKind::VirtualHost, Change::Changed, "80/a"),
            (DiffKind::VirtualHost, Change::Removed, "80/b"),
            (DiffKind::VirtualHost, Change::Added, "80/c"),
        ]
    );
    assert_eq!(d.resources[0].fields[0].path, "validate_clusters");
    assert_eq!(d.resources[1].fields[0].path, "routes[0].route.cluster");
}

#[test]
fn endpoints_secrets_and_bootstrap() {
    let eds = |ip: &str| {
        format!(
            r#"{{"@type":"{T}EndpointsConfigDump","dynamic_endpoint_configs":[{{"endpoint_config":{{"cluster_name":"c","endpoints":[{{"lb_endpoints":[{{"endpoint":{{"address":{{"socket_address":{{"address":"{ip}"}}}}}}}}]}}]}}}}]}}"#
        )
    };
    let sds = |n: &str| {
        format!(
            r#"{{"@type":"{T}SecretsConfigDump","dynamic_active_secrets":[{{"name":"{n}","version_info":"1","last_updated":"x","secret":{{"name":"{n}"}}}}]}}"#
        )
    };
    let boot = |id: &str| {
        format!(
            r#"{{"@type":"{T}BootstrapConfigDump","bootstrap":{{"node":{{"id":"{id}"}}}},"last_updated":"x"}}"#
        )
    };
    let a = dump(&[boot("a"), eds("10.0.0.1"), sds("default")].join(","));
    let b = dump(&[boot("b"), eds("10.0.0.2"), sds("ROOTCA")].join(","));
    let d = run(&a, &b, false);
    let got: Vec<(DiffKind, Change, &str)> = d
        .resources
        .iter()
        .map(|r| (r.kind, r.change, r.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (DiffKind::Bootstrap, Change::Changed, "bootstrap"),
            (DiffKind::Endpoint, Change::Changed, "c"),
            (DiffKind::Secret, Change::Added, "ROOTCA"),
            (DiffKind::Secret, Change::Removed, "default"),
        ]
    );
    assert_eq!(d.resources[0].fields[0].path, "node.id");
    assert_eq!(
        d.resources[1].fields[0].path,
        "endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address"
    );
}
