//! RoutesConfigDump section of a demo config dump: inline inbound route
//! configs (reported by Envoy as static) and one RDS route config per
//! outbound HTTP port (`"9080"`), or a gateway's `http.8080`.

use std::io::{self, Write};

use super::config_dump::Ctx;
use super::dump_clusters::outbound_name;
use super::json::JsonWriter;
use super::topology::{HttpRoute, Service, ServiceKind, ServicePort};

const ROUTE_CONFIG_TYPE: &str = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/// The inline route config of an inbound HTTP filter chain
/// (`inbound|<target>||`).
pub(crate) fn write_inbound_route_config<W: Write>(
    j: &mut JsonWriter<'_, W>,
    target: u16,
    svc: &Service,
    port: &ServicePort,
) {
    j.begin_obj();
    inbound_body(j, target, svc, port);
    j.end_obj();
}

fn inbound_body<W: Write>(
    j: &mut JsonWriter<'_, W>,
    target: u16,
    svc: &Service,
    port: &ServicePort,
) {
    j.key("name");
    j.str_parts(&[&"inbound|", &target, &"||"]);
    j.arr("virtual_hosts");
    j.begin_obj();
    j.key("name");
    j.str_parts(&[&"inbound|http|", &target]);
    j.arr("domains");
    j.str("*");
    j.end_arr();
    j.arr("routes");
    j.begin_obj();
    j.field_str("name", "default");
    j.obj("match");
    j.field_str("prefix", "/");
    j.end_obj();
    j.obj("route");
    j.key("cluster");
    j.str_parts(&[&"inbound|", &target, &"||"]);
    j.field_str("timeout", "0s");
    j.obj("max_stream_duration");
    j.field_str("max_stream_duration", "0s");
    j.field_str("grpc_timeout_header_max", "0s");
    j.end_obj();
    j.end_obj();
    decorator(j, svc, port.port);
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.end_arr();
    j.field_bool("validate_clusters", false);
}

fn decorator<W: Write>(j: &mut JsonWriter<'_, W>, svc: &Service, port: u16) {
    j.obj("decorator");
    j.key("operation");
    j.str_parts(&[&svc.host, &":", &port, &"/*"]);
    j.end_obj();
}

fn vs_metadata<W: Write>(j: &mut JsonWriter<'_, W>, ns: &str, name: &str) {
    j.obj("metadata");
    j.obj("filter_metadata");
    j.obj("istio");
    j.key("config");
    j.str_parts(&[
        &"/apis/networking.istio.io/v1alpha3/namespaces/",
        &ns,
        &"/virtual-service/",
        &name,
    ]);
    j.end_obj();
    j.end_obj();
    j.end_obj();
}

fn retry_policy<W: Write>(j: &mut JsonWriter<'_, W>) {
    j.obj("retry_policy");
    j.field_str("retry_on", RETRY_ON);
    j.field_num("num_retries", 2);
    j.arr("retry_host_predicate");
    j.begin_obj();
    j.field_str("name", "envoy.retry_host_predicates.previous_hosts");
    j.obj("typed_config");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
    );
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.field_str("host_selection_retry_max_attempts", "5");
    j.arr("retriable_status_codes");
    j.num(503);
    j.end_arr();
    j.end_obj();
}

/// One route to `svc:port`; `rule` is the VirtualService route, if any.
fn route<W: Write>(
    j: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: u16,
    rule: Option<&HttpRoute>,
    prefix: &str,
) {
    j.begin_obj();
    j.field_str("name", rule.map_or("default", |r| r.name.as_str()));
    j.obj("match");
    j.field_str("prefix", prefix);
    if let Some((name, value)) = rule.and_then(|r| r.header.as_ref()) {
        j.arr("headers");
        j.begin_obj();
        j.field_str("name", name);
        j.obj("string_match");
        j.field_str("exact", value);
        j.end_obj();
        j.end_obj();
        j.end_arr();
    }
    j.end_obj();
    j.obj("route");
    match rule.map(|r| r.destinations.as_slice()) {
        Some(dests) if dests.len() > 1 => {
            j.obj("weighted_clusters");
            j.arr("clusters");
            for d in dests {
                j.begin_obj();
                j.key("name");
                outbound_name(j, svc, port, d.subset.as_deref().unwrap_or(""));
                j.field_num("weight", u64::from(d.weight));
                j.end_obj();
            }
            j.end_arr();
            j.end_obj();
        }
        dests => {
            let subset = dests
                .and_then(|d| d.first())
                .and_then(|d| d.subset.as_deref())
                .unwrap_or("");
            j.key("cluster");
            outbound_name(j, svc, port, subset);
        }
    }
    j.field_str("timeout", "0s");
    retry_policy(j);
    j.obj("max_stream_duration");
    j.field_str("max_stream_duration", "0s");
    j.field_str("grpc_timeout_header_max", "0s");
    j.end_obj();
    j.end_obj();
    if let (Some(_), Some(vs)) = (rule, &svc.virtual_service) {
        vs_metadata(j, &svc.namespace, &vs.name);
    }
    decorator(j, svc, port);
    j.end_obj();
}

fn virtual_host<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: &ServicePort,
) {
    j.begin_obj();
    j.key("name");
    j.str_parts(&[&svc.host, &":", &port.port]);
    j.arr("domains");
    j.str(&svc.host);
    if svc.kind == ServiceKind::Kubernetes {
        if svc.namespace == ctx.pod.namespace {
            j.str(&svc.name);
        }
        j.str_parts(&[&svc.name, &".", &svc.namespace, &".svc"]);
        j.str_parts(&[&svc.name, &".", &svc.namespace]);
    }
    j.str_parts(&[&svc.vip]);
    j.end_arr();
    j.arr("routes");
    match &svc.virtual_service {
        Some(vs) => {
            for r in &vs.routes {
                route(j, svc, port.port, Some(r), "/");
            }
        }
        None => route(j, svc, port.port, None, "/"),
    }
    j.end_arr();
    j.field_bool("include_request_attempt_count", true);
    j.end_obj();
}

fn allow_any<W: Write>(j: &mut JsonWriter<'_, W>) {
    j.begin_obj();
    j.field_str("name", "allow_any");
    j.arr("domains");
    j.str("*");
    j.end_arr();
    j.arr("routes");
    j.begin_obj();
    j.field_str("name", "allow_any");
    j.obj("match");
    j.field_str("prefix", "/");
    j.end_obj();
    j.obj("route");
    j.field_str("cluster", "PassthroughCluster");
    j.field_str("timeout", "0s");
    j.obj("max_stream_duration");
    j.field_str("max_stream_duration", "0s");
    j.field_str("grpc_timeout_header_max", "0s");
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.field_bool("include_request_attempt_count", true);
    j.end_obj();
}

fn begin_route_config<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>, name: &str) {
    j.begin_obj();
    ctx.version_info(j);
    j.obj("route_config");
    j.field_str("@type", ROUTE_CONFIG_TYPE);
    j.field_str("name", name);
    j.arr("virtual_hosts");
}

fn end_route_config<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) {
    j.end_arr();
    j.field_bool("validate_clusters", false);
    j.field_num("max_direct_response_body_size_bytes", 1_048_576);
    j.field_bool("ignore_port_in_host_matching", true);
    j.end_obj();
    ctx.last_updated(j);
    j.end_obj();
}

/// Writes the RoutesConfigDump object.
pub(crate) fn write_routes<W: Write>(ctx: &Ctx<'_>, j: &mut JsonWriter<'_, W>) -> io::Result<()> {
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
    );
    let inbound_http: Vec<_> = ctx
        .inbound
        .iter()
        .filter(|(_, _, p)| p.protocol().is_http())
        .collect();
    if !inbound_http.is_empty() {
        j.arr("static_route_configs");
        for &&(target, svc, port) in &inbound_http {
            j.begin_obj();
            j.obj("route_config");
            j.field_str("@type", ROUTE_CONFIG_TYPE);
            inbound_body(j, target, svc, port);
            j.end_obj();
            ctx.last_updated(j);
            j.end_obj();
        }
        j.end_arr();
    }
    j.arr("dynamic_route_configs");
    if ctx.is_gateway() {
        if let Some(ing) = &ctx.mesh.ingress {
            begin_route_config(ctx, j, &format!("http.{}", ing.target_port));
            j.begin_obj();
            j.key("name");
            j.str_parts(&[&"*:", &ing.port]);
            j.arr("domains");
            j.str("*");
            j.end_arr();
            j.arr("routes");
            let (vs_ns, vs_name) = ing
                .virtual_service
                .split_once('/')
                .unwrap_or(("default", &ing.virtual_service));
            for (prefix, ix, port) in &ing.routes {
                let Some(svc) = ctx.mesh.services.get(*ix) else {
                    continue;
                };
                j.begin_obj();
                j.key("name");
                j.str_parts(&[&vs_name, &".", &svc.name]);
                j.obj("match");
                j.field_str("prefix", prefix);
                j.end_obj();
                j.obj("route");
                j.key("cluster");
                outbound_name(j, svc, *port, "");
                j.field_str("timeout", "0s");
                retry_policy(j);
                j.end_obj();
                vs_metadata(j, vs_ns, vs_name);
                decorator(j, svc, *port);
                j.end_obj();
                j.flush_if_full()?;
            }
            j.end_arr();
            j.field_bool("include_request_attempt_count", true);
            j.end_obj();
            end_route_config(ctx, j);
        }
    } else {
        for (port, entries) in &ctx.http_ports {
            begin_route_config(ctx, j, &port.to_string());
            for (svc, sp) in entries {
                virtual_host(ctx, j, svc, sp);
                j.flush_if_full()?;
            }
            allow_any(j);
            end_route_config(ctx, j);
        }
        for &(svc, sp) in &ctx.http_services {
            begin_route_config(ctx, j, &format!("{}:{}", svc.host, sp.port));
            virtual_host(ctx, j, svc, sp);
            end_route_config(ctx, j);
            j.flush_if_full()?;
        }
    }
    j.end_arr();
    j.end_obj();
    j.flush_if_full()
}
