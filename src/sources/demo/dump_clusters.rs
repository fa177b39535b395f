//! ClustersConfigDump section of a demo config dump.

use std::io::{self, Write};

use super::config_dump::Ctx;
use super::dump_tls::transport_socket_matches;
use super::json::JsonWriter;
use super::topology::{Protocol, Service, ServiceKind, ServicePort};

/// Bootstrap clusters: `(name, address)`; `/`-prefixed addresses are pipes.
pub(crate) const STATIC_CLUSTERS: [(&str, &str); 4] = [
    ("prometheus_stats", "127.0.0.1:15000"),
    ("agent", "127.0.0.1:15020"),
    ("sds-grpc", "./var/run/secrets/workload-spiffe-uds/socket"),
    ("xds-grpc", "./etc/istio/proxy/XDS"),
];
const CLUSTER_TYPE: &str = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const MAX: u64 = 4_294_967_295;

/// `outbound|<port>|<subset>|<host>`.
pub(crate) fn outbound_name<W: Write>(
    w: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: u16,
    subset: &str,
) {
    w.str_parts(&[&"outbound|", &port, &"|", &subset, &"|", &svc.host]);
}

pub(crate) fn write_address<W: Write>(j: &mut JsonWriter<'_, W>, addr: &str) {
    j.obj("address");
    if addr.starts_with('.') || addr.starts_with('/') {
        j.obj("pipe");
        j.field_str("path", addr);
    } else {
        let (ip, port) = addr.rsplit_once(':').unwrap_or((addr, "0"));
        j.obj("socket_address");
        j.field_str("address", ip);
        j.field_num("port_value", port.parse().unwrap_or(0));
    }
    j.end_obj();
    j.end_obj();
}

/// One bootstrap cluster body (no wrapper).
pub(crate) fn write_static_cluster<W: Write>(
    j: &mut JsonWriter<'_, W>,
    (name, addr): (&str, &str),
) {
    j.begin_obj();
    j.field_str("@type", CLUSTER_TYPE);
    j.field_str("name", name);
    j.field_str("type", "STATIC");
    j.field_str(
        "connect_timeout",
        if name.ends_with("grpc") {
            "1s"
        } else {
            "0.250s"
        },
    );
    if name.ends_with("grpc") {
        j.obj("typed_extension_protocol_options");
        j.obj("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        j.field_str(
            "@type",
            "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        );
        j.obj("explicit_http_config");
        j.empty_obj("http2_protocol_options");
        j.end_obj();
        j.end_obj();
        j.end_obj();
    }
    j.obj("load_assignment");
    j.field_str("cluster_name", name);
    j.arr("endpoints");
    j.begin_obj();
    j.arr("lb_endpoints");
    j.begin_obj();
    j.obj("endpoint");
    write_address(j, addr);
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.end_obj();
}

fn thresholds<W: Write>(j: &mut JsonWriter<'_, W>, limits: [u64; 4]) {
    j.obj("circuit_breakers");
    j.arr("thresholds");
    j.begin_obj();
    for (k, v) in [
        "max_connections",
        "max_pending_requests",
        "max_requests",
        "max_retries",
    ]
    .iter()
    .zip(limits)
    {
        j.field_num(k, v);
    }
    j.field_bool("track_remaining", true);
    j.end_obj();
    j.end_arr();
    j.end_obj();
}

fn protocol_options<W: Write>(j: &mut JsonWriter<'_, W>, proto: Protocol) {
    if !proto.is_http() {
        return;
    }
    j.obj("typed_extension_protocol_options");
    j.obj("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    );
    j.obj("common_http_protocol_options");
    j.field_str("idle_timeout", "3600s");
    j.end_obj();
    if proto == Protocol::Http {
        j.obj("use_downstream_protocol_config");
        j.empty_obj("http_protocol_options");
        j.empty_obj("http2_protocol_options");
    } else {
        j.obj("explicit_http_config");
        j.empty_obj("http2_protocol_options");
    }
    j.end_obj();
    j.end_obj();
    j.end_obj();
}

fn istio_metadata<W: Write>(j: &mut JsonWriter<'_, W>, svc: &Service, subset: &str, dr: bool) {
    j.obj("metadata");
    j.obj("filter_metadata");
    j.obj("istio");
    if let Some(rule) = svc.destination_rule.as_ref().filter(|_| dr) {
        j.key("config");
        let (ns, name) = (&svc.namespace, &rule.name);
        j.str_parts(&[
            &"/apis/networking.istio.io/v1alpha3/namespaces/",
            ns,
            &"/destination-rule/",
            name,
        ]);
    }
    if !subset.is_empty() {
        j.field_str("subset", subset);
    }
    j.arr("services");
    j.begin_obj();
    j.field_str("host", &svc.host);
    j.field_str("name", &svc.name);
    j.field_str("namespace", &svc.namespace);
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.end_obj();
    j.end_obj();
}

fn write_outbound<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: &ServicePort,
    subset: &str,
) {
    j.begin_obj();
    ctx.version_info(j);
    j.obj("cluster");
    j.field_str("@type", CLUSTER_TYPE);
    j.key("name");
    outbound_name(j, svc, port.port, subset);
    j.field_str("type", "EDS");
    j.obj("eds_cluster_config");
    j.obj("eds_config");
    j.empty_obj("ads");
    j.field_str("initial_fetch_timeout", "0s");
    j.field_str("resource_api_version", "V3");
    j.end_obj();
    j.key("service_name");
    outbound_name(j, svc, port.port, subset);
    j.end_obj();
    j.field_str("connect_timeout", "10s");
    j.field_str("lb_policy", "LEAST_REQUEST");
    let pool = svc
        .destination_rule
        .as_ref()
        .and_then(|d| d.connection_pool);
    thresholds(
        j,
        pool.map_or([MAX; 4], |p| {
            [
                u64::from(p.max_connections),
                u64::from(p.max_pending_requests),
                u64::from(p.max_requests),
                MAX,
            ]
        }),
    );
    j.obj("common_lb_config");
    j.empty_obj("locality_weighted_lb_config");
    j.end_obj();
    istio_metadata(j, svc, subset, true);
    protocol_options(j, port.protocol());
    if svc.kind == ServiceKind::Kubernetes {
        if port.protocol() == Protocol::Tcp {
            j.arr("filters");
            j.begin_obj();
            j.field_str("name", "istio.metadata_exchange");
            j.obj("typed_config");
            j.field_str("@type", "type.googleapis.com/udpa.type.v1.TypedStruct");
            j.field_str(
                "type_url",
                "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange",
            );
            j.obj("value");
            j.field_str("protocol", "istio-peer-exchange");
            j.end_obj();
            j.end_obj();
            j.end_obj();
            j.end_arr();
        }
        transport_socket_matches(ctx, j, svc, port.port, subset);
    }
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
}

/// Calls `f(service, port, subset)` for every outbound EDS cluster the proxy
/// has, in dump order (`""` is the subset-less cluster).
pub(crate) fn for_each_outbound<'a>(
    ctx: &Ctx<'a>,
    mut f: impl FnMut(&'a Service, &'a ServicePort, &'a str) -> io::Result<()>,
) -> io::Result<()> {
    for svc in &ctx.services {
        for port in &svc.ports {
            f(svc, port, "")?;
            for subset in svc.subsets() {
                f(svc, port, subset)?;
            }
        }
    }
    Ok(())
}

fn special<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>, name: &str) {
    j.begin_obj();
    ctx.version_info(j);
    j.obj("cluster");
    j.field_str("@type", CLUSTER_TYPE);
    j.field_str("name", name);
    if name == "BlackHoleCluster" {
        j.field_str("type", "STATIC");
        j.field_str("connect_timeout", "10s");
    } else {
        j.field_str("type", "ORIGINAL_DST");
        j.field_str("connect_timeout", "10s");
        j.field_str("lb_policy", "CLUSTER_PROVIDED");
        thresholds(j, [MAX; 4]);
        if name.starts_with("Inbound") {
            j.obj("upstream_bind_config");
            j.obj("source_address");
            j.field_str("address", "127.0.0.6");
            j.field_num("port_value", 0);
            j.end_obj();
            j.end_obj();
        }
        protocol_options(j, Protocol::Http);
    }
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
}

fn inbound<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
    target: u16,
    svc: &Service,
    port: &ServicePort,
) {
    j.begin_obj();
    ctx.version_info(j);
    j.obj("cluster");
    j.field_str("@type", CLUSTER_TYPE);
    j.key("name");
    j.str_parts(&[&"inbound|", &target, &"||"]);
    j.field_str("type", "ORIGINAL_DST");
    j.field_str("connect_timeout", "10s");
    j.field_str("lb_policy", "CLUSTER_PROVIDED");
    thresholds(j, [MAX; 4]);
    j.field_str("cleanup_interval", "60s");
    j.obj("upstream_bind_config");
    j.obj("source_address");
    j.field_str("address", "127.0.0.6");
    j.field_num("port_value", 0);
    j.end_obj();
    j.end_obj();
    istio_metadata(j, svc, "", false);
    protocol_options(j, port.protocol());
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
}

/// Writes the ClustersConfigDump object.
pub(crate) fn write_clusters<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) -> io::Result<()> {
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
    );
    ctx.version_info(j);
    j.arr("static_clusters");
    for c in STATIC_CLUSTERS {
        j.begin_obj();
        j.key("cluster");
        write_static_cluster(j, c);
        ctx.last_updated(j);
        j.end_obj();
    }
    j.end_arr();
    j.arr("dynamic_active_clusters");
    special(ctx, j, "BlackHoleCluster");
    if !ctx.is_gateway() {
        special(ctx, j, "InboundPassthroughCluster");
        special(ctx, j, "PassthroughCluster");
    }
    for &(target, svc, port) in &ctx.inbound {
        inbound(ctx, j, target, svc, port);
    }
    for_each_outbound(ctx, |svc, port, subset| {
        write_outbound(ctx, j, svc, port, subset);
        j.flush_if_full()
    })?;
    j.end_arr();
    if !ctx.opts.extra_warming_clusters.is_empty() {
        j.arr("dynamic_warming_clusters");
        for name in &ctx.opts.extra_warming_clusters {
            j.begin_obj();
            ctx.version_info(j);
            j.obj("cluster");
            j.field_str("@type", CLUSTER_TYPE);
            j.field_str("name", name);
            j.field_str("type", "EDS");
            j.obj("eds_cluster_config");
            j.obj("eds_config");
            j.empty_obj("ads");
            j.field_str("initial_fetch_timeout", "0s");
            j.field_str("resource_api_version", "V3");
            j.end_obj();
            j.field_str("service_name", name);
            j.end_obj();
            j.field_str("connect_timeout", "10s");
            j.end_obj();
            ctx.last_updated(j);
            j.end_obj();
        }
        j.end_arr();
    }
    j.end_obj();
    j.flush_if_full()
}
