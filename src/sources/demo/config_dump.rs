//! Streams an Envoy v3 admin `/config_dump` for one pod of a simulated mesh,
//! shaped like real Istio captures: the seven sections in Istio's order
//! (bootstrap, clusters, endpoints, listeners, scoped routes, routes,
//! secrets), `version_info`/`last_updated` on every dynamic resource.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::json::JsonWriter;
use super::topology::{Mesh, Pod, ProxyKind, Service, ServicePort};
use super::{cert, dump_clusters, dump_endpoints, dump_listeners, dump_routes};

/// Options for [`write_config_dump`]; the default is a plain healthy dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DumpOptions {
    /// Include the EndpointsConfigDump (`/config_dump?include_eds`).
    pub include_eds: bool,
    /// Clusters reported as `dynamic_warming_clusters` (not-ready sidecar).
    pub extra_warming_clusters: Vec<String>,
    /// A port whose `0.0.0.0_<port>` listener sends unmatched traffic to
    /// `BlackHoleCluster` (the port-collision story).
    pub blackhole_port: Option<u16>,
}

/// The fixed demo clock's push: 2024-05-14T09:20:00Z.
pub const FIXED_PUSH_UNIX: i64 = 1_715_678_400;

/// How HTTP service ports become listeners and route configs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListenerLayout {
    /// One `0.0.0.0_<port>` listener and one route config `<port>` per port
    /// number, shared by every service on it (Istio's usual outbound layout).
    #[default]
    SharedPort,
    /// One `<vip>_<port>` listener per HTTP service port, with its own route
    /// config `<host>:<port>` (what Istio builds when a port is also used by
    /// TCP services, and what very large meshes are made of).
    PerService,
}

/// Shared, precomputed view of the mesh from one pod's proxy.
pub(crate) struct Ctx<'a> {
    pub mesh: &'a Mesh,
    pub pod: &'a Pod,
    pub opts: &'a DumpOptions,
    /// Services the proxy receives config for.
    pub services: Vec<&'a Service>,
    /// HTTP service ports by port number (one RDS route config each).
    pub http_ports: BTreeMap<u16, Vec<(&'a Service, &'a ServicePort)>>,
    /// HTTP service ports with a listener and route config of their own
    /// ([`ListenerLayout::PerService`]).
    pub http_services: Vec<(&'a Service, &'a ServicePort)>,
    /// Non-HTTP service ports (one `<vip>_<port>` listener each).
    pub tcp_ports: Vec<(&'a Service, &'a ServicePort)>,
    /// Inbound `(target port, service, port)` of the pod's own services.
    pub inbound: Vec<(u16, &'a Service, &'a ServicePort)>,
    /// `<push time>/<push count>` of the last xDS push.
    pub version: String,
    /// When the config was pushed (Unix seconds).
    pub push_unix: i64,
    /// Counter behind increasing `last_updated` stamps.
    clock_ms: std::cell::Cell<u64>,
}

impl<'a> Ctx<'a> {
    fn new(
        mesh: &'a Mesh,
        pod: &'a Pod,
        opts: &'a DumpOptions,
        push_unix: i64,
        layout: ListenerLayout,
    ) -> Self {
        let services: Vec<&Service> = mesh.visible_services(pod).collect();
        let mut http_ports: BTreeMap<u16, Vec<_>> = BTreeMap::new();
        let mut http_services = Vec::new();
        let mut tcp_ports = Vec::new();
        for s in &services {
            for p in &s.ports {
                if p.protocol().is_http() && layout == ListenerLayout::PerService {
                    http_services.push((*s, p));
                } else if p.protocol().is_http() {
                    http_ports.entry(p.port).or_default().push((*s, p));
                } else {
                    tcp_ports.push((*s, p));
                }
            }
        }
        let mut inbound: Vec<(u16, &Service, &ServicePort)> = Vec::new();
        if pod.proxy == ProxyKind::Sidecar {
            for s in mesh.services_of(pod) {
                for p in &s.ports {
                    if inbound.iter().all(|(t, _, _)| *t != p.target_port) {
                        inbound.push((p.target_port, s, p));
                    }
                }
            }
        }
        let pushes = 3 + (mesh.services.len() as u64 % 40);
        Self {
            mesh,
            pod,
            opts,
            services,
            http_ports,
            http_services,
            tcp_ports,
            inbound,
            version: format!("{}/{pushes}", rfc3339(push_unix)),
            push_unix,
            clock_ms: std::cell::Cell::new(0),
        }
    }

    /// True for a gateway (router) proxy.
    pub fn is_gateway(&self) -> bool {
        self.pod.proxy == ProxyKind::Gateway
    }

    /// Writes `"version_info": "<push>"`.
    pub fn version_info<W: Write>(&self, w: &mut JsonWriter<'_, W>) {
        w.field_str("version_info", &self.version);
    }

    /// Writes `"last_updated": "<date>T..Z"`, a little later each call.
    pub fn last_updated<W: Write>(&self, w: &mut JsonWriter<'_, W>) {
        let ms = self.clock_ms.get();
        self.clock_ms.set(ms + 1);
        // Applied about 2 s after the push, one millisecond per resource.
        let t = (self.push_unix.max(0) as u64 + 2) * 1000 + 137 + ms;
        let secs = rfc3339(i64::try_from(t / 1000).unwrap_or(0));
        w.key("last_updated");
        w.str_parts(&[&secs.trim_end_matches('Z'), &".", &Ms(t % 1000), &"Z"]);
    }
}

/// Unix seconds → `2024-05-14T09:20:00Z`.
fn rfc3339(secs: i64) -> String {
    crate::model::x509::rfc3339(secs)
}

struct Ms(u64);
impl std::fmt::Display for Ms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// Streams the `/config_dump` of `pod` in `mesh` into `w`. Memory stays
/// bounded by one resource; `w` should be buffered only if it is slow.
pub fn write_config_dump<W: Write>(
    mesh: &Mesh,
    pod: &Pod,
    opts: &DumpOptions,
    w: &mut W,
) -> io::Result<()> {
    write_config_dump_at(
        mesh,
        pod,
        opts,
        FIXED_PUSH_UNIX,
        ListenerLayout::SharedPort,
        w,
    )
}

/// [`write_config_dump`] with a chosen [`ListenerLayout`].
pub fn write_config_dump_with<W: Write>(
    mesh: &Mesh,
    pod: &Pod,
    opts: &DumpOptions,
    layout: ListenerLayout,
    w: &mut W,
) -> io::Result<()> {
    write_config_dump_at(mesh, pod, opts, FIXED_PUSH_UNIX, layout, w)
}

/// [`write_config_dump`] for a push at `push_unix` (Unix seconds):
/// `version_info`, `last_updated` and the certificates' validity follow it.
pub fn write_config_dump_at<W: Write>(
    mesh: &Mesh,
    pod: &Pod,
    opts: &DumpOptions,
    push_unix: i64,
    layout: ListenerLayout,
    w: &mut W,
) -> io::Result<()> {
    let ctx = Ctx::new(mesh, pod, opts, push_unix, layout);
    let mut j = JsonWriter::new(w);
    j.begin_obj();
    j.arr("configs");
    write_bootstrap(&ctx, &mut j);
    dump_clusters::write_clusters(&ctx, &mut j)?;
    if opts.include_eds {
        dump_endpoints::write_endpoints(&ctx, &mut j)?;
    }
    dump_listeners::write_listeners(&ctx, &mut j)?;
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump",
    );
    j.end_obj();
    dump_routes::write_routes(&ctx, &mut j)?;
    write_secrets(&ctx, &mut j);
    j.end_arr();
    j.end_obj();
    j.finish()
}

/// The Envoy node id: `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`
/// (`router~...` for gateways).
pub fn node_id(pod: &Pod) -> String {
    let kind = if pod.proxy == ProxyKind::Gateway {
        "router"
    } else {
        "sidecar"
    };
    format!(
        "{kind}~{}~{}.{ns}~{ns}.svc.cluster.local",
        pod.ip,
        pod.name,
        ns = pod.namespace
    )
}

fn write_bootstrap<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) {
    let pod = ctx.pod;
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
    );
    j.obj("bootstrap");
    j.obj("node");
    j.field_str("id", &node_id(pod));
    j.field_str("cluster", &format!("{}.{}", pod.app, pod.namespace));
    j.obj("metadata");
    j.field_str("ISTIO_VERSION", &ctx.mesh.istio_version);
    j.field_str("CLUSTER_ID", "Kubernetes");
    j.field_str("NAME", &pod.name);
    j.field_str("NAMESPACE", &pod.namespace);
    j.field_str("NODE_NAME", &pod.node);
    j.field_str("SERVICE_ACCOUNT", &pod.service_account);
    j.field_str("INSTANCE_IPS", &pod.ip.to_string());
    j.field_str("INTERCEPTION_MODE", "REDIRECT");
    j.field_str("MESH_ID", &ctx.mesh.trust_domain);
    j.field_str("WORKLOAD_NAME", &workload_name(pod));
    j.field_str(
        "OWNER",
        &format!(
            "kubernetes://apis/apps/v1/namespaces/{}/deployments/{}",
            pod.namespace,
            workload_name(pod)
        ),
    );
    j.obj("LABELS");
    j.field_str("app", &pod.app);
    j.field_str("version", &pod.version);
    j.field_str("service.istio.io/canonical-name", &pod.app);
    j.field_str("service.istio.io/canonical-revision", &pod.version);
    j.end_obj();
    j.end_obj();
    j.obj("locality");
    j.field_str("region", super::topology::REGION);
    j.field_str(
        "zone",
        super::topology::ZONES.get(pod.zone).copied().unwrap_or(""),
    );
    j.end_obj();
    j.field_str("user_agent_name", "envoy");
    j.end_obj();
    j.obj("static_resources");
    j.arr("listeners");
    dump_listeners::write_static_listener_bodies(j);
    j.end_arr();
    j.arr("clusters");
    for c in dump_clusters::STATIC_CLUSTERS {
        dump_clusters::write_static_cluster(j, c);
    }
    j.end_arr();
    j.end_obj();
    j.obj("dynamic_resources");
    for k in ["lds_config", "cds_config"] {
        j.obj(k);
        j.empty_obj("ads");
        j.field_str("initial_fetch_timeout", "0s");
        j.field_str("resource_api_version", "V3");
        j.end_obj();
    }
    j.obj("ads_config");
    j.field_str("api_type", "GRPC");
    j.field_bool("set_node_on_first_message_only", true);
    j.field_str("transport_api_version", "V3");
    j.arr("grpc_services");
    j.begin_obj();
    j.obj("envoy_grpc");
    j.field_str("cluster_name", "xds-grpc");
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.end_obj();
    j.obj("admin");
    j.obj("address");
    j.obj("socket_address");
    j.field_str("address", "127.0.0.1");
    j.field_num("port_value", 15000);
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
}

/// Deployment name of a pod (`reviews-v2-7d79d5bd5d-x2k4p` → `reviews-v2`).
fn workload_name(pod: &Pod) -> String {
    let mut parts = pod.name.rsplitn(3, '-');
    let _suffix = parts.next();
    let _hash = parts.next();
    parts.next().unwrap_or(&pod.name).to_string()
}

fn write_secrets<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) {
    let pod = ctx.pod;
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.SecretsConfigDump",
    );
    j.arr("dynamic_active_secrets");
    let spiffe = format!(
        "spiffe://{}/ns/{}/sa/{}",
        ctx.mesh.trust_domain, pod.namespace, pod.service_account
    );
    let (leaf, root) = cert::workload_chain(&spiffe, &ctx.mesh.trust_domain, ctx.push_unix);
    for (name, body) in [("default", leaf), ("ROOTCA", root)] {
        j.begin_obj();
        j.field_str("name", name);
        ctx.version_info(j);
        ctx.last_updated(j);
        j.obj("secret");
        j.field_str(
            "@type",
            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
        );
        j.field_str("name", name);
        if name == "default" {
            j.obj("tls_certificate");
            j.obj("certificate_chain");
            j.field_str("inline_bytes", &body);
            j.end_obj();
            j.obj("private_key");
            // base64("[redacted]"), as Envoy prints it.
            j.field_str("inline_bytes", "W3JlZGFjdGVkXQ==");
            j.end_obj();
            j.end_obj();
        } else {
            j.obj("validation_context");
            j.obj("trusted_ca");
            j.field_str("inline_bytes", &body);
            j.end_obj();
            j.end_obj();
        }
        j.end_obj();
        j.end_obj();
    }
    j.end_arr();
    j.end_obj();
}

#[cfg(test)]
#[path = "config_dump_tests.rs"]
mod tests;
