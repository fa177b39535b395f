//! Pod objects of the fake API server, built from the demo manifest: what
//! an injected bookinfo pod, the ingress gateway and istiod look like in
//! `kubectl get pod -o json`, reduced to the fields discovery reads.

use std::net::SocketAddr;

use meshscope::sources::demo::Manifest;
use serde_json::{json, Value};

/// The proxy image every fake pod runs.
pub const PROXY_IMAGE: &str = "docker.io/istio/proxyv2:1.22.0";

/// A pod and where its ports lead on loopback.
pub struct FakePod {
    /// The pod object (without `resourceVersion`, set on store).
    pub object: Value,
    /// `(pod port, loopback address)` pairs reachable by port-forward.
    pub ports: Vec<(u16, SocketAddr)>,
}

fn addr(url: &str) -> SocketAddr {
    let hostport = url.trim_start_matches("http://").trim_end_matches('/');
    hostport
        .parse()
        .expect("manifest URL is http://127.0.0.1:PORT")
}

fn status(ready: bool, restarts: u32, ip: &str) -> Value {
    json!({
        "phase": "Running",
        "podIP": ip,
        "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
        "containerStatuses": [
            {"name": "istio-proxy", "ready": ready, "restartCount": restarts,
             "image": PROXY_IMAGE, "imageID": "docker.io/istio/proxyv2@sha256:00"}
        ]
    })
}

/// A sidecar-injected pod: app container + `istio-proxy`, injector annotation.
/// `admin_port` other than 15000 is announced through `proxy.istio.io/config`.
pub fn sidecar(ns: &str, name: &str, app: &str, ip: &str, admin_port: u16) -> Value {
    let mut annotations = json!({
        "sidecar.istio.io/status": "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"]}",
        "prometheus.io/port": "15020"
    });
    if admin_port != 15000 {
        annotations["proxy.istio.io/config"] = json!(format!("proxyAdminPort: {admin_port}\n"));
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
            "labels": {"app": app, "security.istio.io/tlsMode": "istio",
                       "service.istio.io/canonical-name": app},
            "annotations": annotations
        },
        "spec": {"containers": [
            {"name": app, "image": format!("docker.io/istio/examples-bookinfo-{app}:1.20.2")},
            {"name": "istio-proxy", "image": PROXY_IMAGE,
             "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]}
        ]},
        "status": status(true, 0, ip)
    })
}

/// A standalone gateway: `istio-proxy` is the only container, run as `router`.
pub fn gateway(ns: &str, name: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
            "labels": {"app": "istio-ingressgateway", "istio": "ingressgateway"},
            "annotations": {"sidecar.istio.io/inject": "false"}
        },
        "spec": {"containers": [
            {"name": "istio-proxy", "image": PROXY_IMAGE, "args": ["proxy", "router"]}
        ]},
        "status": status(true, 2, ip)
    })
}

/// A pod outside the mesh.
pub fn plain(ns: &str, name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
                     "labels": {"app": name}},
        "spec": {"containers": [{"name": name, "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "podIP": "10.0.9.9"}
    })
}

/// istiod in `istio-system`.
pub fn istiod(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "istio-system", "uid": "uid-istiod",
                     "labels": {"app": "istiod", "istio": "pilot"}},
        "spec": {"containers": [{"name": "discovery", "image": "docker.io/istio/pilot:1.22.0"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.2",
                   "conditions": [{"type": "Ready", "status": "True"}]}
    })
}

/// Every demo pod (the `ratings` pod announces admin port 15001), istiod,
/// and one pod outside the mesh.
pub fn from_manifest(m: &Manifest) -> Vec<FakePod> {
    let mut out = Vec::new();
    for (i, p) in m.pods.iter().enumerate() {
        let ip = format!("10.0.1.{}", i + 10);
        let (object, admin_port) = if p.app.contains("gateway") {
            (gateway(&p.namespace, &p.name, &ip), 15000)
        } else {
            let port = if p.app == "ratings" { 15001 } else { 15000 };
            (sidecar(&p.namespace, &p.name, &p.app, &ip, port), port)
        };
        out.push(FakePod {
            object,
            ports: vec![(admin_port, addr(&p.admin)), (15020, addr(&p.agent))],
        });
    }
    out.push(FakePod {
        object: istiod("istiod-5d4c7b9f8-x2x9q"),
        ports: vec![(15014, addr(&m.istiod))],
    });
    out.push(FakePod {
        object: plain("default", "nginx-7c5ddbdf54-abcde"),
        ports: Vec::new(),
    });
    out
}

/// A ztunnel DaemonSet pod on `node` (its container is `istio-proxy`, as in Istio's chart).
pub fn ztunnel(name: &str, node: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": "istio-system", "uid": format!("uid-istio-system-{name}"),
            "labels": {"app": "ztunnel", "sidecar.istio.io/inject": "false"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ztunnel",
                                 "uid": "uid-ds-ztunnel", "controller": true}]
        },
        "spec": {"nodeName": node, "containers": [
            {"name": "istio-proxy", "image": "docker.io/istio/ztunnel:1.26.0", "args": ["proxy", "ztunnel"]}
        ]},
        "status": status(true, 0, ip)
    })
}

/// A waypoint pod istiod deployed for Gateway `gateway` (class `istio-waypoint`).
pub fn waypoint(ns: &str, name: &str, gateway: &str, node: &str, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
            "labels": {"gateway.istio.io/managed": "istio.io-mesh-controller",
                       "gateway.networking.k8s.io/gateway-name": gateway,
                       "gateway.networking.k8s.io/gateway-class-name": "istio-waypoint",
                       "istio.io/dataplane-mode": "none"}
        },
        "spec": {"nodeName": node, "containers": [
            {"name": "istio-proxy", "image": PROXY_IMAGE,
             "args": ["proxy", "waypoint", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]}
        ]},
        "status": status(true, 0, ip)
    })
}

/// An ambient-enrolled pod: no sidecar, `istio.io/dataplane-mode=ambient`,
/// and `istio.io/use-waypoint` when it uses one.
pub fn ambient_workload(
    ns: &str,
    name: &str,
    app: &str,
    node: &str,
    ip: &str,
    waypoint: Option<&str>,
) -> Value {
    let mut labels = json!({"app": app, "istio.io/dataplane-mode": "ambient"});
    if let Some(w) = waypoint {
        labels["istio.io/use-waypoint"] = json!(w);
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"), "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": app, "image": format!("example/{app}:1")}]},
        "status": {"phase": "Running", "podIP": ip,
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": app, "ready": true, "restartCount": 0,
                                          "image": format!("example/{app}:1"), "imageID": "x"}]}
    })
}

/// The demo's ambient namespace as API objects: ztunnels (15000 and 15020
/// forwarded to the demo's ports), the waypoint, the enrolled apps.
pub fn from_ambient_manifest(m: &Manifest) -> Vec<FakePod> {
    let mut out = Vec::new();
    for (i, p) in m.ambient.iter().enumerate() {
        let ip = format!("10.42.9.{}", i + 10);
        let mut ports = Vec::new();
        if let Some(a) = &p.admin {
            ports.push((15000, addr(a)));
        }
        if let Some(s) = &p.stats {
            ports.push((15020, addr(s)));
        }
        let object = match p.kind.as_str() {
            "ztunnel" => ztunnel(&p.name, &p.node, &ip),
            "waypoint" => waypoint(&p.namespace, &p.name, &p.app, &p.node, &ip),
            _ => {
                let wp = p.waypoint.as_deref().and_then(|w| w.split('/').nth(1));
                ambient_workload(&p.namespace, &p.name, &p.app, &p.node, &ip, wp)
            }
        };
        out.push(FakePod { object, ports });
    }
    out
}
