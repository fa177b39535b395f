//! Tests for opening captures: archives built here in istioctl's layout,
//! extracted folders, raw dumps, and archives crafted to be refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::tree::Limits;
use super::*;

const DUMP: &str = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"version_info":"1","cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"outbound|80||a.default.svc.cluster.local"},"last_updated":"2026-01-01T00:00:00Z"}]}]}"#;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meshscope-capture-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The files of a small bug-report, relative to the archived directory.
fn bug_report_files(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for (ns, pod) in [
        ("default", "productpage-v1-6b746f74dc-9stvs"),
        ("default", "reviews-v1-5b4f9c7d8-x7k2p"),
        ("istio-system", "istio-ingressgateway-7d8f9-x7k2p"),
    ] {
        let base = format!("{prefix}proxies/{ns}/{pod}/");
        v.push((
            format!("{base}config_dump?include_eds"),
            DUMP.as_bytes().to_vec(),
        ));
        v.push((format!("{base}clusters"), b"outbound|80||a::observability_name::outbound|80||a\noutbound|80||a::default_priority::max_connections::7\noutbound|80||a::added_via_api::true\noutbound|80||a::10.0.0.1:80::cx_active::3\noutbound|80||a::10.0.0.1:80::health_flags::/failed_outlier_check\n".to_vec()));
        v.push((
            format!("{base}stats/prometheus"),
            b"# TYPE envoy_server_live gauge\nenvoy_server_live 1\n".to_vec(),
        ));
        v.push((
            format!("{base}server_info"),
            br#"{"version":"x","command_line_options":{}}"#.to_vec(),
        ));
        v.push((
            format!("{base}memory"),
            br#"{"allocated":"1","heap_size":"2"}"#.to_vec(),
        ));
        v.push((format!("{base}certs"), br#"{"certificates":[]}"#.to_vec()));
        v.push((format!("{base}istio-proxy.log"), format!("[2026-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 1 2 - \"-\" \"curl\" \"id\" \"{pod}\" \"-\"\nline two\n").into_bytes()));
    }
    v.push((
        format!("{prefix}proxies/default/reviews-v1-5b4f9c7d8-x7k2p/cores/0.core"),
        vec![0u8; 100],
    ));
    let istiod = format!("{prefix}istio/istio-system/istiod-5d8d9-qwert/");
    v.push((format!("{istiod}debug/syncz"), b"[]".to_vec()));
    v.push((format!("{istiod}debug/configz"), b"[]".to_vec()));
    v.push((
        format!("{istiod}metrics"),
        b"# TYPE pilot_xds gauge\npilot_xds 3\n".to_vec(),
    ));
    v.push((format!("{istiod}discovery.log"), b"info ads\n".to_vec()));
    v.push((format!("{prefix}analyze/allNamespaces/allNamespaces"), b"Error [IST0101] (VirtualService default/x) Referenced host not found: \"y\"\nWarning [IST0102] (Namespace default) not injected\n".to_vec()));
    // As kubectl writes them: `cluster/pods` is the Istio namespace,
    // `cluster/k8s-resources` everything else (Services beside Pods).
    v.push((
        format!("{prefix}cluster/pods"),
        b"apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    labels:
      app: istio-ingressgateway
      istio: ingressgateway
    name: istio-ingressgateway-7d8f9-x7k2p
    namespace: istio-system
  spec:
    containers:
    - image: docker.io/istio/proxyv2:1.28.0
      name: istio-proxy
    nodeName: node-b
  status:
    containerStatuses:
    - name: istio-proxy
      ready: true
      restartCount: 0
    phase: Running
kind: List
metadata:
  resourceVersion: \"\"
"
        .to_vec(),
    ));
    v.push((
        format!("{prefix}cluster/k8s-resources"),
        b"apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      sidecar.istio.io/status: '{\"containers\":[\"istio-proxy\"]}'
    labels:
      app: reviews
      version: v1
    name: reviews-v1-5b4f9c7d8-x7k2p
    namespace: default
  spec:
    containers:
    - image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2
      name: reviews
    - image: docker.io/istio/proxyv2:1.28.0
      name: istio-proxy
    nodeName: node-a
  status:
    containerStatuses:
    - name: istio-proxy
      ready: false
      restartCount: 2
    phase: Running
    podIP: 10.244.0.7
- apiVersion: v1
  kind: Service
  metadata:
    name: reviews
    namespace: default
  spec:
    ports:
    - port: 9080
      protocol: TCP
kind: List
metadata:
  resourceVersion: \"\"
"
        .to_vec(),
    ));
    v.push((
        format!("{prefix}versions"),
        b"client version: 1.28\n".to_vec(),
    ));
    v
}

fn write_tar(path: &Path, files: &[(String, Vec<u8>)], gzip: bool) {
    let f = std::fs::File::create(path).unwrap();
    let w: Box<dyn Write> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            f,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(f)
    };
    let mut b = tar::Builder::new(w);
    for (name, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, body.as_slice()).unwrap();
    }
    b.into_inner().unwrap().flush().unwrap();
}

fn write_dir(root: &Path, files: &[(String, Vec<u8>)]) {
    for (name, body) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    futures::executor::block_on(f)
}

fn check_bug_report(o: &Opened) {
    assert_eq!(o.kind, "bug-report");
    let keys: Vec<String> = o.mesh.pods.iter().map(TargetInfo::key).collect();
    assert_eq!(
        keys,
        [
            "default/productpage-v1-6b746f74dc-9stvs",
            "default/reviews-v1-5b4f9c7d8-x7k2p",
            "istio-system/istio-ingressgateway-7d8f9-x7k2p"
        ]
    );
    // The pod's own labels and status, from cluster/: not guessed from its name.
    let reviews = &o.mesh.pods[1];
    assert_eq!(reviews.app, "reviews");
    assert_eq!(reviews.version.as_deref(), Some("1.28.0"));
    assert_eq!((reviews.ready, reviews.restarts), (Some(false), Some(2)));
    assert_eq!(reviews.node.as_deref(), Some("node-a"));
    assert_eq!(o.mesh.pods[2].node.as_deref(), Some("node-b"));
    // No metadata: the name without its hashes.
    assert_eq!(o.mesh.pods[0].app, "productpage-v1");
    assert!(
        o.summary
            .contains("cluster/: 2 file(s), 2 pod(s), metadata for 2 of 3 proxies"),
        "{}",
        o.summary
    );
    assert!(o.mesh.istiod.is_some());
    let t = &o.mesh.pods[1];
    let dump = block(o.fetcher.fetch(Some(t), Endpoint::ConfigDump)).unwrap();
    assert_eq!(dump.body.as_slice(), DUMP.as_bytes());
    let mem = block(o.fetcher.fetch(Some(t), Endpoint::Memory)).unwrap();
    assert!(String::from_utf8_lossy(&mem.body).contains("heap_size"));
    // /clusters was saved as text: served as the JSON the views read.
    let clusters = block(o.fetcher.fetch(Some(t), Endpoint::ClustersJson)).unwrap();
    let cs =
        crate::model::clusters::ClusterStatuses::parse(&String::from_utf8_lossy(&clusters.body))
            .unwrap();
    let c = &cs.cluster_statuses[0];
    assert_eq!(c.name, "outbound|80||a");
    assert_eq!(c.default_thresholds().unwrap().max_connections, Some(7));
    let h = &c.host_statuses[0];
    assert_eq!(
        (h.endpoint(), h.stat("cx_active")),
        ("10.0.0.1:80".into(), 3)
    );
    assert!(h.health_status.failed_outlier_check);
    let syncz = block(o.fetcher.fetch(None, Endpoint::Syncz)).unwrap();
    assert_eq!(syncz.body.as_slice(), b"[]");
    assert!(o.istiod_debug.contains(&"configz".to_string()));
    assert!(o.analyze.as_deref().unwrap_or("").contains("IST0101"));
    assert!(o.summary.contains("3 sidecar(s)"), "{}", o.summary);
    assert!(
        o.summary.contains("analyze: 1 error(s), 1 warning(s)"),
        "{}",
        o.summary
    );
    assert!(
        o.summary
            .contains("istiod istio-system/istiod-5d8d9-qwert (2 debug captures)"),
        "{}",
        o.summary
    );
    let logs = o.logs.as_ref().unwrap();
    let lines: Vec<_> = block(
        logs.lines(&LogQuery::sidecar(
            "default",
            "reviews-v1-5b4f9c7d8-x7k2p",
            10,
        ))
        .collect::<Vec<_>>(),
    );
    assert_eq!(lines.len(), 2);
    assert!(lines[0].as_ref().unwrap().contains("reviews-v1"));
}

#[test]
fn opens_a_bug_report_tar_gz_in_istioctl_layout() {
    let d = tmp("brgz");
    let p = d.join("bug-report.tar.gz");
    write_tar(&p, &bug_report_files("bug-report/"), true);
    let o = open(&p).unwrap();
    check_bug_report(&o);
    assert!(o.summary.contains("tar.gz"), "{}", o.summary);
    assert!(
        o.summary.contains("1 skipped"),
        "core dump skipped: {}",
        o.summary
    );
}

#[test]
fn opens_a_plain_tar_with_dir_layout_and_an_extracted_folder() {
    let d = tmp("brtar");
    let p = d.join("report.tar");
    write_tar(&p, &bug_report_files(""), false);
    check_bug_report(&open(&p).unwrap());
    let x = d.join("extracted");
    write_dir(&x, &bug_report_files("bug-report/"));
    let o = open(&x).unwrap();
    check_bug_report(&o);
    assert!(o.summary.contains("directory"), "{}", o.summary);
}

#[test]
fn opens_a_raw_dump_and_a_folder_of_admin_bodies() {
    let d = tmp("raw");
    let p = d.join("envoy-config.json");
    std::fs::write(&p, DUMP).unwrap();
    let o = open(&p).unwrap();
    assert_eq!(o.kind, "config_dump");
    assert_eq!(o.mesh.pods.len(), 1);
    let b = block(o.fetcher.fetch(Some(&o.mesh.pods[0]), Endpoint::ConfigDump)).unwrap();
    assert_eq!(b.body.as_slice(), DUMP.as_bytes());
    assert!(o.summary.contains("missing:"), "{}", o.summary);

    let dir = d.join("saved");
    write_dir(
        &dir,
        &[
            ("dump.json".into(), DUMP.as_bytes().to_vec()),
            (
                "clusters?format=json".into(),
                br#"{"cluster_statuses":[]}"#.to_vec(),
            ),
            (
                "stats.txt".into(),
                b"server.live: 1\ncluster.a.upstream_rq_total: 4\n".to_vec(),
            ),
            ("prom".into(), b"# HELP x\n# TYPE x counter\nx 1\n".to_vec()),
            ("si".into(), br#"{"command_line_options":{}}"#.to_vec()),
            (
                "access.log".into(),
                b"[2026-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 503 UF\n".to_vec(),
            ),
            ("notes.md".into(), b"hello there".to_vec()),
        ],
    );
    let o = open(&dir).unwrap();
    assert_eq!(o.kind, "admin bodies");
    let t = &o.mesh.pods[0];
    assert_eq!(t.name, "saved");
    for e in [
        Endpoint::ConfigDump,
        Endpoint::ClustersJson,
        Endpoint::Stats,
        Endpoint::Prometheus,
        Endpoint::ServerInfo,
    ] {
        assert!(
            block(o.fetcher.fetch(Some(t), e)).is_ok(),
            "{e:?}: {}",
            o.summary
        );
    }
    assert!(o.logs.is_some());
    assert!(
        o.summary.contains("missing: memory, certs"),
        "{}",
        o.summary
    );
    assert!(o.summary.contains("1 file(s) not usable"), "{}", o.summary);
}

#[test]
fn a_bundle_still_opens() {
    let d = tmp("bundle");
    let p = d.join("b.json");
    let b = crate::sources::bundle::Bundle {
        format: crate::sources::bundle::BUNDLE_FORMAT.into(),
        captured_at: "2026-01-01T00:00:00Z".into(),
        istiod: Default::default(),
        pods: vec![],
    };
    b.write(&p).unwrap();
    let o = open(&p).unwrap();
    assert_eq!(o.kind, "meshscope bundle");
}

/// A tar header whose name is written raw, bypassing the builder's checks.
fn raw_entry(name: &[u8], kind: tar::EntryType, body: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(body);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn crafted(name: &str, entries: &[Vec<u8>]) -> PathBuf {
    let mut tar = Vec::new();
    tar.extend(raw_entry(
        b"bug-report/versions",
        tar::EntryType::Regular,
        b"1.28\n",
    ));
    for e in entries {
        tar.extend_from_slice(e);
    }
    tar.extend(vec![0u8; 1024]);
    let p = tmp(name).join("a.tar.gz");
    std::fs::write(&p, gz(&tar)).unwrap();
    p
}

#[test]
fn traversal_links_and_devices_are_refused() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dotdot",
            raw_entry(
                b"bug-report/../../etc/passwd",
                tar::EntryType::Regular,
                b"x",
            ),
            "`..`",
        ),
        (
            "abs",
            raw_entry(b"/etc/passwd", tar::EntryType::Regular, b"x"),
            "absolute",
        ),
        (
            "symlink",
            raw_entry(
                b"bug-report/proxies/a/b/config_dump",
                tar::EntryType::Symlink,
                b"",
            ),
            "a link",
        ),
        (
            "hardlink",
            raw_entry(b"bug-report/x", tar::EntryType::Link, b""),
            "a link",
        ),
        (
            "chardev",
            raw_entry(b"bug-report/dev", tar::EntryType::Char, b""),
            "a device",
        ),
        (
            "fifo",
            raw_entry(b"bug-report/fifo", tar::EntryType::Fifo, b""),
            "FIFO",
        ),
    ];
    for (name, entry, why) in cases {
        let p = crafted(name, &[entry]);
        let e = open(&p).unwrap_err();
        assert!(
            e.contains(why) && e.contains("refused") && e.contains(&p.display().to_string()),
            "{name}: {e}"
        );
    }
}

#[test]
fn corrupt_and_truncated_gzip_name_the_file_and_offset() {
    let d = tmp("corrupt");
    let good = d.join("good.tar.gz");
    write_tar(&good, &bug_report_files("bug-report/"), true);
    let bytes = std::fs::read(&good).unwrap();

    let cut = d.join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = open(&cut).unwrap_err();
    assert!(
        e.contains("cut.tar.gz") && e.contains("truncated") && e.contains("compressed byte"),
        "{e}"
    );

    let mut bad = bytes.clone();
    for b in &mut bad[20..200] {
        *b ^= 0x5a;
    }
    let badp = d.join("bad.tar.gz");
    std::fs::write(&badp, &bad).unwrap();
    let e = open(&badp).unwrap_err();
    assert!(e.contains("bad.tar.gz") && e.contains("byte"), "{e}");

    // A gzip of garbage that is not a tar.
    let notar = d.join("notar.tar.gz");
    std::fs::write(&notar, gz(&[0x41u8; 2048])).unwrap();
    let e = open(&notar).unwrap_err();
    assert!(e.contains("notar.tar.gz"), "{e}");
}

#[test]
fn sizes_are_capped_with_a_clear_message() {
    let d = tmp("caps");
    let p = d.join("big.tar.gz");
    write_tar(
        &p,
        &[(
            "bug-report/proxies/a/b/config_dump".into(),
            vec![b' '; 5000],
        )],
        true,
    );
    let small = Limits {
        max_member: 1000,
        ..Limits::default()
    };
    let e = open_with(&p, small).unwrap_err();
    assert!(e.contains("5000 bytes is over the 1000-byte cap"), "{e}");
    let total = Limits {
        max_total: 4000,
        ..Limits::default()
    };
    let e = open_with(&p, total).unwrap_err();
    assert!(e.contains("more than the 4000-byte cap"), "{e}");
    let raw = d.join("dump.json");
    std::fs::write(&raw, format!("{DUMP}{}", " ".repeat(2000))).unwrap();
    let e = open_with(&raw, small).unwrap_err();
    assert!(e.contains("over the 1000-byte cap"), "{e}");
}

#[test]
fn unrecognised_input_says_what_is_wanted() {
    let d = tmp("unknown");
    let p = d.join("x.txt");
    std::fs::write(&p, "hello world").unwrap();
    let e = open(&p).unwrap_err();
    assert!(e.contains("not recognised"), "{e}");
}
