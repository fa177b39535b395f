//! Reading a Kubernetes `Pod` as an Istio proxy: is it a sidecar, a gateway
//! or nothing of ours, which Istio version it runs, how often the proxy
//! restarted, whether it is ready, and where its Envoy admin port is. Pure
//! functions over the API object, no I/O.

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use serde::{Deserialize, Serialize};

use crate::sources::target::TargetInfo;

/// The sidecar/gateway container Istio injects or runs.
pub const PROXY_CONTAINER: &str = "istio-proxy";
/// Set by the injector on every injected pod.
pub const SIDECAR_STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
/// Per-pod mesh config overrides (YAML or JSON), e.g. `proxyAdminPort`.
pub const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";
/// Envoy's admin port unless `proxyAdminPort` says otherwise.
pub const DEFAULT_ADMIN_PORT: u16 = 15000;
/// pilot-agent's status port (`/healthz/ready`, merged `/stats/prometheus`).
pub const AGENT_PORT: u16 = 15020;
/// istiod's monitoring/debug port.
pub const ISTIOD_PORT: u16 = 15014;

/// What role an Istio proxy plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyKind {
    /// A sidecar next to an application container.
    Sidecar,
    /// A standalone gateway (ingress, egress, or a Gateway API deployment).
    Gateway,
}

/// One pod running an Istio proxy, as discovery saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyPod {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// `app` label (or `app.kubernetes.io/name`, or `istio` for gateways).
    pub app: String,
    /// Sidecar or gateway.
    pub kind: ProxyKind,
    /// Istio version from the proxy image tag (`1.22.0` of `proxyv2:1.22.0`).
    pub version: Option<String>,
    /// Restarts of the proxy container.
    pub restarts: u32,
    /// The proxy container reports ready.
    pub ready: bool,
    /// Pod phase (`Running`, `Pending`, ...).
    pub phase: String,
    /// Pod IP, once assigned.
    pub pod_ip: Option<String>,
    /// Envoy admin port (`proxyAdminPort` from `proxy.istio.io/config`, else 15000).
    pub admin_port: u16,
}

impl ProxyPod {
    /// `namespace/name`, the same key as [`TargetInfo::key`].
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The target the UI shows. Its URLs are `kube://namespace/pod:port`
    /// descriptors: the [`super::KubeFetcher`] reaches them through port-forwards.
    pub fn target(&self) -> TargetInfo {
        TargetInfo {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            app: self.app.clone(),
            admin: Some(kube_url(&self.namespace, &self.name, self.admin_port)),
            agent: Some(kube_url(&self.namespace, &self.name, AGENT_PORT)),
            scenarios: Vec::new(),
            ready: Some(self.ready),
            version: self.version.clone(),
            restarts: Some(self.restarts),
            ..TargetInfo::default()
        }
    }
}

/// `kube://namespace/pod:port`: where a port-forward will lead.
pub fn kube_url(namespace: &str, pod: &str, port: u16) -> String {
    format!("kube://{namespace}/{pod}:{port}")
}

fn proxy_container(pod: &Pod) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == PROXY_CONTAINER)
}

fn proxy_status(pod: &Pod) -> Option<&ContainerStatus> {
    let status = pod.status.as_ref()?;
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .find(|c| c.name == PROXY_CONTAINER)
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

fn annotation<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// Whether the pod is a gateway: labelled `istio=ingressgateway|egressgateway`
/// (or a Gateway API gateway), or `istio-proxy` is its main container
/// started as `proxy router`.
pub fn is_gateway(pod: &Pod) -> bool {
    if label(pod, "istio").is_some_and(|v| v.ends_with("gateway"))
        || label(pod, "gateway.networking.k8s.io/gateway-name").is_some()
        || label(pod, "gateway.istio.io/managed").is_some()
    {
        return true;
    }
    let main = pod.spec.as_ref().and_then(|s| s.containers.first());
    main.is_some_and(|c| {
        c.name == PROXY_CONTAINER
            && c.args
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == "router"))
    })
}

/// Sidecar, gateway, or `None` for a pod without an Istio proxy.
pub fn proxy_kind(pod: &Pod) -> Option<ProxyKind> {
    if is_gateway(pod) && proxy_container(pod).is_some() {
        return Some(ProxyKind::Gateway);
    }
    let injected = annotation(pod, SIDECAR_STATUS_ANNOTATION).is_some();
    (injected || proxy_container(pod).is_some()).then_some(ProxyKind::Sidecar)
}

/// The version in an image reference's tag: `docker.io/istio/proxyv2:1.22.0`
/// → `1.22.0`; `-distroless`/`-debug` variants are stripped; `None` without a tag.
pub fn image_version(image: &str) -> Option<String> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let (_, tag) = last.split_once(':')?;
    let tag = tag
        .strip_suffix("-distroless")
        .or_else(|| tag.strip_suffix("-debug"))
        .unwrap_or(tag);
    (!tag.is_empty()).then(|| tag.to_string())
}

/// `proxyAdminPort` from a `proxy.istio.io/config` value (YAML or JSON).
pub fn admin_port_from_config(config: &str) -> Option<u16> {
    let at = config.find("proxyAdminPort")?;
    let rest = config[at + "proxyAdminPort".len()..].trim_start_matches(['"', '\'']);
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|p| *p != 0)
}

fn app_name(pod: &Pod, kind: ProxyKind) -> String {
    let from = |k: &str| label(pod, k).map(str::to_string);
    from("app")
        .or_else(|| from("app.kubernetes.io/name"))
        .or_else(|| {
            (kind == ProxyKind::Gateway)
                .then(|| from("istio"))
                .flatten()
        })
        .or_else(|| from("service.istio.io/canonical-name"))
        .unwrap_or_default()
}

/// The pod as a [`ProxyPod`], or `None` when it runs no Istio proxy.
pub fn proxy_pod(pod: &Pod) -> Option<ProxyPod> {
    let kind = proxy_kind(pod)?;
    let status = proxy_status(pod);
    Some(ProxyPod {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        app: app_name(pod, kind),
        kind,
        version: proxy_container(pod)
            .and_then(|c| c.image.as_deref())
            .and_then(image_version),
        restarts: status.map_or(0, |s| u32::try_from(s.restart_count).unwrap_or(0)),
        ready: status.is_some_and(|s| s.ready),
        phase: pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default(),
        pod_ip: pod.status.as_ref().and_then(|s| s.pod_ip.clone()),
        admin_port: annotation(pod, PROXY_CONFIG_ANNOTATION)
            .and_then(admin_port_from_config)
            .unwrap_or(DEFAULT_ADMIN_PORT),
    })
}

/// Whether the pod is Running with every container ready (used to pick istiod).
pub fn is_ready(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn versions_come_from_the_image_tag() {
        assert_eq!(
            image_version("docker.io/istio/proxyv2:1.22.0").as_deref(),
            Some("1.22.0")
        );
        assert_eq!(
            image_version("gcr.io/istio-release/proxyv2:1.20.3-distroless").as_deref(),
            Some("1.20.3")
        );
        assert_eq!(
            image_version("localhost:5000/proxyv2:1.19.0@sha256:abc").as_deref(),
            Some("1.19.0")
        );
        assert_eq!(image_version("localhost:5000/proxyv2"), None);
    }

    #[test]
    fn admin_port_follows_the_proxy_config_annotation() {
        assert_eq!(
            admin_port_from_config("proxyAdminPort: 15001\n"),
            Some(15001)
        );
        assert_eq!(
            admin_port_from_config(
                "{\"holdApplicationUntilProxyStarts\":true,\"proxyAdminPort\": 16000}"
            ),
            Some(16000)
        );
        assert_eq!(admin_port_from_config("concurrency: 2"), None);
        assert_eq!(admin_port_from_config("proxyAdminPort: 0"), None);
    }

    #[test]
    fn sidecars_gateways_and_others_are_told_apart() {
        let sidecar = pod(serde_json::json!({
            "metadata": {"name": "reviews-v1-abc", "namespace": "bookinfo",
                "labels": {"app": "reviews"},
                "annotations": {"proxy.istio.io/config": "proxyAdminPort: 15001"}},
            "spec": {"containers": [
                {"name": "reviews", "image": "reviews:1"},
                {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.22.0"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [
                {"name": "istio-proxy", "ready": true, "restartCount": 3, "image": "x", "imageID": "y"}]}
        }));
        let p = proxy_pod(&sidecar).unwrap();
        assert_eq!(p.kind, ProxyKind::Sidecar);
        assert_eq!((p.restarts, p.ready, p.admin_port), (3, true, 15001));
        assert_eq!(p.version.as_deref(), Some("1.22.0"));
        assert_eq!(p.pod_ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(
            p.target().admin.as_deref(),
            Some("kube://bookinfo/reviews-v1-abc:15001")
        );

        let gateway = pod(serde_json::json!({
            "metadata": {"name": "istio-ingressgateway-x", "namespace": "istio-system",
                "labels": {"istio": "ingressgateway"}},
            "spec": {"containers": [{"name": "istio-proxy", "image": "proxyv2:1.21.1",
                "args": ["proxy", "router"]}]}
        }));
        let g = proxy_pod(&gateway).unwrap();
        assert_eq!(
            (g.kind, g.app.as_str()),
            (ProxyKind::Gateway, "ingressgateway")
        );
        assert!(!g.ready);

        let annotated = pod(serde_json::json!({
            "metadata": {"name": "a", "annotations": {"sidecar.istio.io/status": "{}"}},
            "spec": {"containers": [{"name": "app"}]}
        }));
        assert_eq!(proxy_kind(&annotated), Some(ProxyKind::Sidecar));
        let plain = pod(serde_json::json!({
            "metadata": {"name": "b"}, "spec": {"containers": [{"name": "app"}]}
        }));
        assert_eq!(proxy_kind(&plain), None);
    }
}
