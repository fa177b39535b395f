//! ListenersConfigDump section of a demo config dump: static 15090/15021,
//! `virtualOutbound`, `virtualInbound`, `0.0.0.0_<port>` HTTP listeners and
//! `<vip>_<port>` TCP listeners (or a gateway's `0.0.0.0_8080`).

use std::io::{self, Write};

use super::config_dump::Ctx;
use super::dump_clusters::outbound_name;
use super::dump_filters::{hcm, tcp_chain, tcp_proxy, typed};
use super::dump_routes::write_inbound_route_config;
use super::json::JsonWriter;

const LISTENER_TYPE: &str = "type.googleapis.com/envoy.config.listener.v3.Listener";
fn socket_address<W: Write>(j: &mut JsonWriter<'_, W>, ip: &dyn std::fmt::Display, port: u16) {
    j.obj("address");
    j.obj("socket_address");
    j.field_display("address", ip);
    j.field_num("port_value", u64::from(port));
    j.end_obj();
    j.end_obj();
}

/// Bootstrap listeners: `(port, path prefix, cluster)`.
const STATIC_LISTENERS: [(u16, &str, &str); 2] = [
    (15090, "/stats/prometheus", "prometheus_stats"),
    (15021, "/healthz/ready", "agent"),
];

/// The bootstrap listeners (15090 prometheus, 15021 health), as array
/// elements without wrappers.
pub(crate) fn write_static_listener_bodies<W: Write>(j: &mut JsonWriter<'_, W>) {
    for l in STATIC_LISTENERS {
        write_static_listener(j, l);
    }
}

fn write_static_listener<W: Write>(
    j: &mut JsonWriter<'_, W>,
    (port, prefix, cluster): (u16, &str, &str),
) {
    j.begin_obj();
    j.field_str("@type", LISTENER_TYPE);
    socket_address(j, &"0.0.0.0", port);
    j.arr("filter_chains");
    j.begin_obj();
    j.arr("filters");
    let route = |j: &mut JsonWriter<'_, W>| {
        j.begin_obj();
        j.arr("virtual_hosts");
        j.begin_obj();
        j.field_str("name", "backend");
        j.arr("domains");
        j.str("*");
        j.end_arr();
        j.arr("routes");
        j.begin_obj();
        j.obj("match");
        j.field_str("prefix", prefix);
        j.end_obj();
        j.obj("route");
        j.field_str("cluster", cluster);
        j.end_obj();
        j.end_obj();
        j.end_arr();
        j.end_obj();
        j.end_arr();
        j.end_obj();
    };
    hcm(
        j,
        if port == 15090 { "stats" } else { "agent" },
        "",
        Some(&route),
    );
    j.end_arr();
    j.end_obj();
    j.end_arr();
    j.end_obj();
}

fn begin_dynamic<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
    ip: &dyn std::fmt::Display,
    port: u16,
    name: &str,
) {
    j.begin_obj();
    j.field_str("name", name);
    j.obj("active_state");
    ctx.version_info(j);
    j.obj("listener");
    j.field_str("@type", LISTENER_TYPE);
    j.field_str("name", name);
    socket_address(j, ip, port);
}

fn end_dynamic<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>, direction: Option<&str>) {
    if let Some(d) = direction {
        j.field_str("traffic_direction", d);
    }
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
    j.end_obj();
}

fn listener_filters<W: Write>(j: &mut JsonWriter<'_, W>, names: &[(&str, &str)]) {
    j.arr("listener_filters");
    for (name, ty) in names {
        typed(j, name, ty);
    }
    j.end_arr();
    j.field_str("listener_filters_timeout", "0s");
    j.field_bool("continue_on_listener_filters_timeout", true);
}

const TLS_INSPECTOR: (&str, &str) = (
    "envoy.filters.listener.tls_inspector",
    "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
);
const HTTP_INSPECTOR: (&str, &str) = (
    "envoy.filters.listener.http_inspector",
    "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector",
);
const ORIGINAL_DST: (&str, &str) = (
    "envoy.filters.listener.original_dst",
    "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
);

fn write_sidecar_special<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) {
    begin_dynamic(ctx, j, &"0.0.0.0", 15001, "virtualOutbound");
    j.arr("filter_chains");
    tcp_chain(
        j,
        "virtualOutbound-blackhole",
        Some(15001),
        "BlackHoleCluster",
    );
    tcp_chain(
        j,
        "virtualOutbound-catchall-tcp",
        None,
        "PassthroughCluster",
    );
    j.end_arr();
    j.field_bool("use_original_dst", true);
    end_dynamic(ctx, j, Some("OUTBOUND"));

    begin_dynamic(ctx, j, &"0.0.0.0", 15006, "virtualInbound");
    j.arr("filter_chains");
    tcp_chain(
        j,
        "virtualInbound-blackhole",
        Some(15006),
        "BlackHoleCluster",
    );
    for &(target, svc, port) in &ctx.inbound {
        j.begin_obj();
        j.obj("filter_chain_match");
        j.field_num("destination_port", u64::from(target));
        j.end_obj();
        j.arr("filters");
        if port.protocol().is_http() {
            let name = format!("inbound|{target}||");
            let route =
                |j: &mut JsonWriter<'_, W>| write_inbound_route_config(j, target, svc, port);
            hcm(j, &name, &name, Some(&route));
        } else {
            tcp_proxy(j, |j| j.str_parts(&[&"inbound|", &target, &"||"]));
        }
        j.end_arr();
        j.key("name");
        j.str_parts(&[&"0.0.0.0_", &target]);
        j.end_obj();
    }
    tcp_chain(
        j,
        "virtualInbound-catchall-tcp",
        None,
        "InboundPassthroughCluster",
    );
    j.end_arr();
    listener_filters(j, &[ORIGINAL_DST, TLS_INSPECTOR, HTTP_INSPECTOR]);
    end_dynamic(ctx, j, Some("INBOUND"));
}

/// Writes the ListenersConfigDump object.
pub(crate) fn write_listeners<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
) -> io::Result<()> {
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
    );
    ctx.version_info(j);
    j.arr("static_listeners");
    for l in STATIC_LISTENERS {
        j.begin_obj();
        j.key("listener");
        write_static_listener(j, l);
        ctx.last_updated(j);
        j.end_obj();
    }
    j.end_arr();
    j.arr("dynamic_listeners");
    if ctx.is_gateway() {
        if let Some(ing) = &ctx.mesh.ingress {
            let name = format!("0.0.0.0_{}", ing.target_port);
            begin_dynamic(ctx, j, &"0.0.0.0", ing.target_port, &name);
            j.arr("filter_chains");
            j.begin_obj();
            j.arr("filters");
            hcm(
                j,
                &format!("outbound_{name}"),
                &format!("http.{}", ing.target_port),
                None,
            );
            j.end_arr();
            j.end_obj();
            j.end_arr();
            end_dynamic(ctx, j, None);
        }
    } else {
        write_sidecar_special(ctx, j);
        for port in ctx.http_ports.keys() {
            let name = format!("0.0.0.0_{port}");
            begin_dynamic(ctx, j, &"0.0.0.0", *port, &name);
            j.arr("filter_chains");
            j.begin_obj();
            j.obj("filter_chain_match");
            j.field_str("transport_protocol", "raw_buffer");
            j.arr("application_protocols");
            j.str("http/1.1");
            j.str("h2c");
            j.end_arr();
            j.end_obj();
            j.arr("filters");
            hcm(j, &format!("outbound_{name}"), &port.to_string(), None);
            j.end_arr();
            j.field_str("name", &name);
            j.end_obj();
            j.end_arr();
            j.obj("default_filter_chain");
            j.arr("filters");
            let hole = ctx.opts.blackhole_port == Some(*port);
            let cluster = if hole {
                "BlackHoleCluster"
            } else {
                "PassthroughCluster"
            };
            tcp_proxy(j, |j| j.str(cluster));
            j.end_arr();
            j.field_str("name", "PassthroughFilterChain");
            j.end_obj();
            listener_filters(j, &[TLS_INSPECTOR, HTTP_INSPECTOR]);
            j.field_bool("bind_to_port", false);
            end_dynamic(ctx, j, Some("OUTBOUND"));
            j.flush_if_full()?;
        }
        if let Some(port) = ctx
            .opts
            .blackhole_port
            .filter(|p| !ctx.http_ports.contains_key(p))
        {
            let name = format!("0.0.0.0_{port}");
            begin_dynamic(ctx, j, &"0.0.0.0", port, &name);
            j.arr("filter_chains");
            tcp_chain(j, "BlackHoleFilterChain", None, "BlackHoleCluster");
            j.end_arr();
            j.field_bool("bind_to_port", false);
            end_dynamic(ctx, j, Some("OUTBOUND"));
        }
        for &(svc, port) in &ctx.tcp_ports {
            let name = format!("{}_{}", svc.vip, port.port);
            begin_dynamic(ctx, j, &svc.vip, port.port, &name);
            j.arr("filter_chains");
            j.begin_obj();
            j.arr("filters");
            typed(j, "istio.stats", "type.googleapis.com/stats.PluginConfig");
            tcp_proxy(j, |j| outbound_name(j, svc, port.port, ""));
            j.end_arr();
            j.end_obj();
            j.end_arr();
            j.field_bool("bind_to_port", false);
            end_dynamic(ctx, j, Some("OUTBOUND"));
            j.flush_if_full()?;
        }
        for &(svc, port) in &ctx.http_services {
            let name = format!("{}_{}", svc.vip, port.port);
            begin_dynamic(ctx, j, &svc.vip, port.port, &name);
            j.arr("filter_chains");
            j.begin_obj();
            j.arr("filters");
            let rds = format!("{}:{}", svc.host, port.port);
            hcm(j, &format!("outbound_{name}"), &rds, None);
            j.end_arr();
            j.end_obj();
            j.end_arr();
            j.field_bool("bind_to_port", false);
            end_dynamic(ctx, j, Some("OUTBOUND"));
            j.flush_if_full()?;
        }
    }
    j.end_arr();
    j.end_obj();
    j.flush_if_full()
}
