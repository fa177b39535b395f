//! EndpointsConfigDump section of a demo config dump (`?include_eds`).

use std::io::{self, Write};

use super::config_dump::Ctx;
use super::dump_clusters::{for_each_outbound, outbound_name, write_address, STATIC_CLUSTERS};
use super::json::JsonWriter;
use super::topology::{Endpoint, Service, ServiceKind, ServicePort, REGION, ZONES};

/// Writes the EndpointsConfigDump object (`?include_eds`).
pub(crate) fn write_endpoints<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
) -> io::Result<()> {
    j.begin_obj();
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
    );
    j.arr("static_endpoint_configs");
    for (name, addr) in STATIC_CLUSTERS {
        j.begin_obj();
        j.obj("endpoint_config");
        j.field_str("@type", LOAD_ASSIGNMENT_TYPE);
        j.field_str("cluster_name", name);
        j.arr("endpoints");
        j.begin_obj();
        j.empty_obj("locality");
        j.arr("lb_endpoints");
        j.begin_obj();
        j.obj("endpoint");
        write_address(j, addr);
        j.empty_obj("health_check_config");
        j.end_obj();
        j.field_str("health_status", "HEALTHY");
        j.field_num("load_balancing_weight", 1);
        j.end_obj();
        j.end_arr();
        j.end_obj();
        j.end_arr();
        policy(j);
        j.end_obj();
        j.end_obj();
    }
    j.end_arr();
    j.arr("dynamic_endpoint_configs");
    for_each_outbound(ctx, |svc, port, subset| {
        write_assignment(j, svc, port, subset);
        j.flush_if_full()
    })?;
    j.end_arr();
    j.end_obj();
    j.flush_if_full()
}

const LOAD_ASSIGNMENT_TYPE: &str =
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

fn policy<W: Write>(j: &mut JsonWriter<'_, W>) {
    j.obj("policy");
    j.field_num("overprovisioning_factor", 140);
    j.end_obj();
}

/// One `dynamic_endpoint_configs` entry. Like real Envoy, EDS entries carry
/// no `version_info`/`last_updated`.
fn write_assignment<W: Write>(
    j: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: &ServicePort,
    subset: &str,
) {
    let selected = |e: &&Endpoint| subset.is_empty() || e.version.as_deref() == Some(subset);
    j.begin_obj();
    j.obj("endpoint_config");
    j.field_str("@type", LOAD_ASSIGNMENT_TYPE);
    j.key("cluster_name");
    outbound_name(j, svc, port.port, subset);
    j.arr("endpoints");
    for (zone_ix, zone) in ZONES.iter().enumerate() {
        let in_zone = || {
            svc.endpoints
                .iter()
                .filter(selected)
                .filter(|e| e.zone == zone_ix)
        };
        let count = in_zone().count();
        if count == 0 {
            continue;
        }
        j.begin_obj();
        j.obj("locality");
        if svc.kind == ServiceKind::Kubernetes {
            j.field_str("region", REGION);
            j.field_str("zone", zone);
        }
        j.end_obj();
        j.arr("lb_endpoints");
        for e in in_zone() {
            j.begin_obj();
            j.obj("endpoint");
            j.obj("address");
            j.obj("socket_address");
            j.field_display("address", &e.ip);
            j.field_num("port_value", u64::from(port.target_port));
            j.end_obj();
            j.end_obj();
            j.empty_obj("health_check_config");
            j.end_obj();
            j.field_str(
                "health_status",
                if e.healthy { "HEALTHY" } else { "UNHEALTHY" },
            );
            if e.in_mesh {
                j.obj("metadata");
                j.obj("filter_metadata");
                j.obj("envoy.transport_socket_match");
                j.field_str("tlsMode", "istio");
                j.end_obj();
                j.obj("istio");
                j.key("workload");
                let version = e.version.as_deref().unwrap_or("latest");
                let ns = &svc.namespace;
                j.str_parts(&[
                    &svc.name,
                    &"-",
                    &version,
                    &";",
                    ns,
                    &";",
                    &svc.name,
                    &";",
                    &version,
                    &";Kubernetes",
                ]);
                j.end_obj();
                j.end_obj();
                j.end_obj();
            }
            j.field_num("load_balancing_weight", 1);
            j.end_obj();
        }
        j.end_arr();
        j.field_num("load_balancing_weight", count as u64);
        j.end_obj();
    }
    j.end_arr();
    policy(j);
    j.end_obj();
    j.end_obj();
}
