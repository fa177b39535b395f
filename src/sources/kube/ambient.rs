//! Ambient-mode discovery, pure over API objects: ztunnel DaemonSet pods,
//! waypoint pods (Gateways of class `istio-waypoint`), and pods enrolled in
//! ambient (`istio.io/dataplane-mode=ambient` on the pod or its namespace),
//! each linked to its node's ztunnel and its waypoint.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Pod;
use serde::{Deserialize, Serialize};

use super::pods::{is_ready, kube_url, DEFAULT_ADMIN_PORT};
use crate::sources::target::{TargetInfo, TargetKind};

/// The label that enrolls a namespace or pod in ambient mode.
pub const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";
/// The label naming the waypoint a namespace, service or pod uses.
pub const USE_WAYPOINT: &str = "istio.io/use-waypoint";
/// The namespace of that waypoint, when it is not the pod's own.
pub const USE_WAYPOINT_NAMESPACE: &str = "istio.io/use-waypoint-namespace";
/// Set by istiod on the pods of the Gateways it deploys.
pub const GATEWAY_MANAGED: &str = "gateway.istio.io/managed";
/// Its value for waypoints (`istio.io-mesh-controller`).
pub const MESH_CONTROLLER: &str = "istio.io-mesh-controller";
/// The Gateway class of waypoints.
pub const WAYPOINT_CLASS: &str = "istio-waypoint";

/// One ambient pod: a ztunnel, a waypoint, or an enrolled workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmbientPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label (or the Gateway's name for waypoints).
    pub app: String,
    /// Ztunnel, waypoint or ambient workload.
    pub kind: TargetKind,
    /// The node it runs on.
    pub node: Option<String>,
    /// Ready as Kubernetes reports it.
    pub ready: bool,
    /// Pod IP.
    pub pod_ip: Option<String>,
    /// Workloads: `namespace/name` of the waypoint Gateway they use.
    pub waypoint: Option<String>,
    /// Workloads: `namespace/name` of the waypoint pod serving them, when found.
    pub waypoint_pod: Option<String>,
    /// Workloads and waypoints: `namespace/name` of the ztunnel on their node.
    pub ztunnel: Option<String>,
    /// Waypoints: the Gateway's name.
    pub gateway: Option<String>,
}

impl AmbientPod {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The target for lists. ztunnels and waypoints have admin port 15000
    /// (ztunnel's stats on 15020); workloads have no proxy of their own.
    pub fn target(&self) -> TargetInfo {
        let proxy = matches!(self.kind, TargetKind::Ztunnel | TargetKind::Waypoint);
        TargetInfo {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            app: self.app.clone(),
            admin: proxy.then(|| kube_url(&self.namespace, &self.name, DEFAULT_ADMIN_PORT)),
            agent: proxy.then(|| kube_url(&self.namespace, &self.name, 15020)),
            ready: Some(self.ready),
            kind: Some(self.kind),
            node: self.node.clone(),
            ztunnel: self.ztunnel.clone(),
            waypoint: self.waypoint.clone(),
            ..TargetInfo::default()
        }
    }
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// A pod of the ztunnel DaemonSet (`app=ztunnel`, or owned by a DaemonSet named `ztunnel`).
pub fn is_ztunnel(pod: &Pod) -> bool {
    label(pod, "app") == Some("ztunnel")
        || pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.kind == "DaemonSet" && o.name == "ztunnel")
}

/// A waypoint's pod: deployed by istiod for a Gateway of class `istio-waypoint`.
pub fn is_waypoint(pod: &Pod) -> bool {
    label(pod, GATEWAY_MANAGED) == Some(MESH_CONTROLLER)
        || label(pod, "gateway.networking.k8s.io/gateway-class-name") == Some(WAYPOINT_CLASS)
        || label(pod, "istio.io/gateway-class-name") == Some(WAYPOINT_CLASS)
}

/// The Gateway a waypoint pod belongs to.
fn gateway_name(pod: &Pod) -> Option<String> {
    label(pod, "gateway.networking.k8s.io/gateway-name")
        .or_else(|| label(pod, "istio.io/gateway-name"))
        .map(str::to_string)
}

fn has_sidecar(pod: &Pod) -> bool {
    pod.spec.as_ref().is_some_and(|s| {
        s.containers
            .iter()
            .chain(s.init_containers.iter().flatten())
            .any(|c| c.name == "istio-proxy")
    })
}

/// Namespaces and their labels, as far as discovery could read them.
pub type NamespaceLabels = BTreeMap<String, BTreeMap<String, String>>;

/// Classifies and links every ambient pod among `pods`.
pub fn ambient_pods(pods: &[Pod], namespaces: &NamespaceLabels) -> Vec<AmbientPod> {
    let ns_label = |ns: &str, key: &str| -> Option<String> {
        namespaces.get(ns).and_then(|l| l.get(key)).cloned()
    };
    let mut out: Vec<AmbientPod> = Vec::new();
    for pod in pods {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        let pod_ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone());
        let app = label(pod, "app")
            .or_else(|| label(pod, "app.kubernetes.io/name"))
            .unwrap_or_default()
            .to_string();
        let (kind, waypoint, gateway) = if is_ztunnel(pod) {
            (TargetKind::Ztunnel, None, None)
        } else if is_waypoint(pod) {
            (TargetKind::Waypoint, None, gateway_name(pod))
        } else {
            let mode = label(pod, DATAPLANE_MODE)
                .map(str::to_string)
                .or_else(|| ns_label(&namespace, DATAPLANE_MODE));
            if mode.as_deref() != Some("ambient") || has_sidecar(pod) {
                continue;
            }
            let wp = label(pod, USE_WAYPOINT)
                .map(str::to_string)
                .or_else(|| ns_label(&namespace, USE_WAYPOINT))
                .filter(|w| w != "none");
            let wp_ns = label(pod, USE_WAYPOINT_NAMESPACE)
                .map(str::to_string)
                .or_else(|| ns_label(&namespace, USE_WAYPOINT_NAMESPACE))
                .unwrap_or_else(|| namespace.clone());
            (
                TargetKind::AmbientWorkload,
                wp.map(|w| format!("{wp_ns}/{w}")),
                None,
            )
        };
        out.push(AmbientPod {
            app: if app.is_empty() {
                gateway.clone().unwrap_or_default()
            } else {
                app
            },
            namespace,
            name,
            kind,
            node,
            ready: is_ready(pod),
            pod_ip,
            waypoint,
            waypoint_pod: None,
            ztunnel: None,
            gateway,
        });
    }
    link(&mut out);
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

/// Fills each workload's and waypoint's ztunnel (same node) and each
/// workload's waypoint pod (a ready one first).
pub fn link(pods: &mut [AmbientPod]) {
    let mut ztunnel_by_node: BTreeMap<String, String> = BTreeMap::new();
    let mut waypoint_pods: BTreeMap<String, (bool, String)> = BTreeMap::new();
    for p in pods.iter() {
        match p.kind {
            TargetKind::Ztunnel => {
                if let Some(n) = &p.node {
                    ztunnel_by_node.entry(n.clone()).or_insert_with(|| p.key());
                }
            }
            TargetKind::Waypoint => {
                if let Some(g) = &p.gateway {
                    let gw = format!("{}/{g}", p.namespace);
                    let better = waypoint_pods
                        .get(&gw)
                        .is_none_or(|(ready, _)| !ready && p.ready);
                    if better {
                        waypoint_pods.insert(gw, (p.ready, p.key()));
                    }
                }
            }
            _ => {}
        }
    }
    for p in pods.iter_mut() {
        if p.kind == TargetKind::Ztunnel {
            continue;
        }
        p.ztunnel = p
            .node
            .as_ref()
            .and_then(|n| ztunnel_by_node.get(n).cloned());
        if let Some(w) = &p.waypoint {
            p.waypoint_pod = waypoint_pods.get(w).map(|(_, k)| k.clone());
        }
    }
}

/// Which services and workloads each waypoint serves, from ztunnel's dump:
/// waypoint service name → (kind `service`/`workload`, `namespace/name`).
pub fn served_by_waypoint(
    dump: &crate::model::ztunnel::ZtunnelDump,
) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for s in &dump.services {
        names.insert(
            format!("{}/{}", s.namespace, s.hostname),
            format!("{}/{}", s.namespace, s.name),
        );
        for vip in s.vip_list() {
            names
                .entry(vip.clone())
                .or_insert_with(|| format!("{}/{}", s.namespace, s.name));
        }
    }
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut add = |dest: &str, kind: &str, who: String| {
        if let Some(wp) = names.get(dest) {
            out.entry(wp.clone())
                .or_default()
                .insert((kind.to_string(), who));
        }
    };
    for w in &dump.workloads {
        if let Some(g) = &w.waypoint {
            add(
                &g.destination,
                "workload",
                format!("{}/{}", w.namespace, w.name),
            );
        }
    }
    for s in &dump.services {
        if let Some(g) = &s.waypoint {
            add(
                &g.destination,
                "service",
                format!("{}/{}", s.namespace, s.name),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).expect("pod")
    }

    #[test]
    fn classifies_and_links() {
        let pods = vec![
            pod(
                serde_json::json!({"metadata": {"name": "ztunnel-a", "namespace": "istio-system",
                "labels": {"app": "ztunnel"}}, "spec": {"nodeName": "n1", "containers": [{"name": "istio-proxy"}]}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "waypoint-1", "namespace": "shop",
                "labels": {"gateway.istio.io/managed": "istio.io-mesh-controller",
                           "gateway.networking.k8s.io/gateway-name": "waypoint"}},
                "spec": {"nodeName": "n1", "containers": [{"name": "istio-proxy"}]}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "cart-1", "namespace": "shop",
                "labels": {"app": "cart"}}, "spec": {"nodeName": "n1", "containers": [{"name": "cart"}]}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "pay-1", "namespace": "other",
                "labels": {"app": "pay", "istio.io/dataplane-mode": "ambient"}},
                "spec": {"nodeName": "n2", "containers": [{"name": "pay"}]}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "side-1", "namespace": "shop",
                "labels": {"app": "side"}}, "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "plain", "namespace": "default"},
                "spec": {"containers": [{"name": "app"}]}}),
            ),
        ];
        let mut ns = NamespaceLabels::new();
        ns.insert(
            "shop".into(),
            [
                (DATAPLANE_MODE.to_string(), "ambient".to_string()),
                (USE_WAYPOINT.to_string(), "waypoint".to_string()),
            ]
            .into_iter()
            .collect(),
        );
        let got = ambient_pods(&pods, &ns);
        let kinds: Vec<(String, TargetKind)> = got.iter().map(|p| (p.key(), p.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("istio-system/ztunnel-a".to_string(), TargetKind::Ztunnel),
                ("other/pay-1".to_string(), TargetKind::AmbientWorkload),
                ("shop/cart-1".to_string(), TargetKind::AmbientWorkload),
                ("shop/waypoint-1".to_string(), TargetKind::Waypoint),
            ]
        );
        let cart = &got[2];
        assert_eq!(cart.ztunnel.as_deref(), Some("istio-system/ztunnel-a"));
        assert_eq!(cart.waypoint.as_deref(), Some("shop/waypoint"));
        assert_eq!(cart.waypoint_pod.as_deref(), Some("shop/waypoint-1"));
        let pay = &got[1];
        assert_eq!(
            (pay.ztunnel.as_deref(), pay.waypoint.as_deref()),
            (None, None)
        );
        let t = cart.target();
        assert_eq!((t.kind, t.admin), (Some(TargetKind::AmbientWorkload), None));
        assert!(got[3].target().admin.is_some());
    }

    #[test]
    fn waypoints_serve_what_ztunnel_says() {
        let d = crate::model::ztunnel::ZtunnelDump::parse(
            r#"{"services": [{"name": "waypoint", "namespace": "shop", "hostname": "waypoint.shop.svc.cluster.local", "vips": ["/10.1.0.9"]},
                             {"name": "cart", "namespace": "shop", "hostname": "cart.shop.svc.cluster.local",
                              "waypoint": {"destination": "/10.1.0.9"}}],
                "workloads": [{"name": "cart-1", "namespace": "shop",
                               "waypoint": {"destination": "shop/waypoint.shop.svc.cluster.local"}}]}"#,
        )
        .expect("dump");
        let m = served_by_waypoint(&d);
        let served: Vec<(String, String)> = m["shop/waypoint"].iter().cloned().collect();
        assert_eq!(
            served,
            [
                ("service".to_string(), "shop/cart".to_string()),
                ("workload".to_string(), "shop/cart-1".to_string())
            ]
        );
    }
}
