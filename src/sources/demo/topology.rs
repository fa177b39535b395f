//! A pure description of a simulated Istio mesh: services, their subsets and
//! routing rules, pods and the endpoints they back. Nothing here does I/O;
//! the config dump writer and the demo servers render views of it.

use std::net::Ipv4Addr;

/// Kubernetes cluster DNS suffix used to build FQDNs.
pub const DNS_SUFFIX: &str = "svc.cluster.local";
/// The region every simulated node lives in.
pub const REGION: &str = "us-central1";
/// The zones simulated nodes are spread over; `Pod::zone` and
/// `Endpoint::zone` index into it.
pub const ZONES: [&str; 3] = ["us-central1-a", "us-central1-b", "us-central1-c"];

/// Application protocol of a service port, chosen by the port name prefix as
/// Istio does (`http-`, `grpc-`, `tcp-` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http`, `http-*`.
    Http,
    /// `http2`, `http2-*`.
    Http2,
    /// `grpc`, `grpc-*`.
    Grpc,
    /// `https`, `tls`: opaque TLS, routed as TCP.
    Https,
    /// `tcp`, `tcp-*`, `redis`, `mongo`, unnamed: plain TCP proxying.
    Tcp,
}

impl Protocol {
    /// Protocol Istio infers from a Service port name.
    pub fn from_port_name(name: &str) -> Self {
        let prefix = name.split('-').next().unwrap_or(name);
        match prefix {
            "http" => Self::Http,
            "http2" => Self::Http2,
            "grpc" | "grpc_web" => Self::Grpc,
            "https" | "tls" => Self::Https,
            _ => Self::Tcp,
        }
    }

    /// True when Istio builds an HTTP connection manager (and RDS routes).
    pub fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Http2 | Self::Grpc)
    }
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// Port name, e.g. `http`, `grpc`, `tcp-redis`.
    pub name: String,
    /// Service (VIP) port.
    pub port: u16,
    /// Container port the endpoints listen on.
    pub target_port: u16,
}

impl ServicePort {
    /// Protocol inferred from the name.
    pub fn protocol(&self) -> Protocol {
        Protocol::from_port_name(&self.name)
    }
}

/// Where a Service's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// A Kubernetes Service backed by pods.
    Kubernetes,
    /// A ServiceEntry for something outside the mesh (static endpoints).
    ServiceEntry,
}

/// One backend address of a Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Pod (or external host) IP.
    pub ip: Ipv4Addr,
    /// Backing pod's name, if any.
    pub pod: Option<String>,
    /// Value of the `version` label (selects subsets).
    pub version: Option<String>,
    /// Index into [`ZONES`].
    pub zone: usize,
    /// Whether the endpoint passes health checks.
    pub healthy: bool,
    /// Whether the endpoint has a sidecar (mTLS `tlsMode: istio`).
    pub in_mesh: bool,
}

/// DestinationRule `trafficPolicy.connectionPool` limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionPool {
    /// `tcp.maxConnections`.
    pub max_connections: u32,
    /// `http.http1MaxPendingRequests`.
    pub max_pending_requests: u32,
    /// `http.http2MaxRequests`.
    pub max_requests: u32,
}

/// A DestinationRule attached to a Service (same namespace, same name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRule {
    /// Resource name.
    pub name: String,
    /// Subset names; each subset selects `version: <name>`.
    pub subsets: Vec<String>,
    /// Optional circuit-breaker limits.
    pub connection_pool: Option<ConnectionPool>,
}

/// One weighted destination of a VirtualService HTTP route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDestination {
    /// Subset, or `None` for the whole service.
    pub subset: Option<String>,
    /// Relative weight (0-100).
    pub weight: u32,
}

/// One HTTP route of a VirtualService.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// Route name (Envoy route `name`).
    pub name: String,
    /// Optional exact header match `(name, value)`.
    pub header: Option<(String, String)>,
    /// Weighted destinations (one entry: a plain cluster route).
    pub destinations: Vec<RouteDestination>,
}

/// A VirtualService for a Service (same namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualService {
    /// Resource name.
    pub name: String,
    /// Routes in order; the last one should have no match.
    pub routes: Vec<HttpRoute>,
}

/// A Service (or ServiceEntry) in the mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Namespace.
    pub namespace: String,
    /// Short name.
    pub name: String,
    /// Hostname: `<name>.<ns>.svc.cluster.local`, or the ServiceEntry host.
    pub host: String,
    /// ClusterIP (or ServiceEntry address).
    pub vip: Ipv4Addr,
    /// Ports.
    pub ports: Vec<ServicePort>,
    /// Kubernetes Service or ServiceEntry.
    pub kind: ServiceKind,
    /// Service account of the backing workloads (SPIFFE identity).
    pub service_account: String,
    /// DestinationRule, if one exists.
    pub destination_rule: Option<DestinationRule>,
    /// VirtualService, if one exists.
    pub virtual_service: Option<VirtualService>,
    /// Backends; identical from every pod's point of view.
    pub endpoints: Vec<Endpoint>,
}

impl Service {
    /// Subset names defined by the DestinationRule (empty without one).
    pub fn subsets(&self) -> &[String] {
        self.destination_rule
            .as_ref()
            .map_or(&[][..], |dr| dr.subsets.as_slice())
    }
}

/// What kind of Envoy runs in a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// An injected `istio-proxy` sidecar.
    Sidecar,
    /// A standalone gateway (router) Envoy.
    Gateway,
    /// No Envoy (istiod, kube-dns ...).
    None,
}

/// Which services a proxy receives config for (a `Sidecar` resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Egress {
    /// No Sidecar resource: every service in the mesh.
    All,
    /// Only services in these namespaces.
    Namespaces(Vec<String>),
}

/// A pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// Namespace.
    pub namespace: String,
    /// Name, e.g. `reviews-v2-7d79d5bd5d-x2k4p`.
    pub name: String,
    /// `app` label.
    pub app: String,
    /// `version` label.
    pub version: String,
    /// Pod IP.
    pub ip: Ipv4Addr,
    /// Node name.
    pub node: String,
    /// Index into [`ZONES`].
    pub zone: usize,
    /// Service account.
    pub service_account: String,
    /// Sidecar, gateway or no proxy.
    pub proxy: ProxyKind,
    /// Egress scope of its proxy.
    pub egress: Egress,
}

/// An ingress Gateway plus the VirtualService bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressRoutes {
    /// Gateway resource `namespace/name`.
    pub gateway: String,
    /// VirtualService bound to the gateway, `namespace/name`.
    pub virtual_service: String,
    /// Gateway server port (the listener binds its target port, 8080 for 80).
    pub port: u16,
    /// Target (container) port of the gateway listener.
    pub target_port: u16,
    /// `(path prefix, service index into Mesh::services, service port)`.
    pub routes: Vec<(String, usize, u16)>,
}

/// A whole simulated mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesh {
    /// Istio version reported by proxies.
    pub istio_version: String,
    /// SPIFFE trust domain.
    pub trust_domain: String,
    /// Services and ServiceEntries.
    pub services: Vec<Service>,
    /// Pods (with and without proxies).
    pub pods: Vec<Pod>,
    /// Ingress gateway routing, if any.
    pub ingress: Option<IngressRoutes>,
}

impl Mesh {
    /// The pod `namespace/name`.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&Pod> {
        self.pods
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }

    /// The first pod whose `app` label is `app`.
    pub fn pod_by_app(&self, app: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.app == app)
    }

    /// A sidecar pod that receives config for every service, preferring a
    /// load client (`fortio`).
    pub fn client_pod(&self) -> Option<&Pod> {
        let all = |p: &&Pod| p.proxy == ProxyKind::Sidecar && p.egress == Egress::All;
        self.pods
            .iter()
            .filter(all)
            .find(|p| p.app == "fortio")
            .or_else(|| self.pods.iter().find(all))
    }

    /// Whether `pod`'s proxy receives config for `svc`.
    pub fn sees(&self, pod: &Pod, svc: &Service) -> bool {
        match &pod.egress {
            Egress::All => true,
            Egress::Namespaces(ns) => ns.contains(&svc.namespace),
        }
    }

    /// Services `pod` receives config for, in mesh order.
    pub fn visible_services<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = &'a Service> + 'a {
        self.services.iter().filter(move |s| self.sees(pod, s))
    }

    /// Services whose endpoints include `pod` (the pod's inbound side).
    pub fn services_of<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = &'a Service> + 'a {
        self.services.iter().filter(move |s| {
            s.namespace == pod.namespace && s.endpoints.iter().any(|e| e.ip == pod.ip)
        })
    }
}
