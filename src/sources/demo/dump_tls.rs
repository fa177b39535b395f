//! Upstream transport sockets of outbound clusters: Istio mutual TLS with SDS
//! certificates (`tlsMode-istio`) or plaintext (`tlsMode-disabled`).

use std::io::Write;

use super::config_dump::Ctx;
use super::json::JsonWriter;
use super::topology::Service;

fn sds_config<W: Write>(j: &mut JsonWriter<'_, W>, name: &str) {
    j.field_str("name", name);
    j.obj("sds_config");
    j.obj("api_config_source");
    j.field_str("api_type", "GRPC");
    j.arr("grpc_services");
    j.begin_obj();
    j.obj("envoy_grpc");
    j.field_str("cluster_name", "sds-grpc");
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.field_bool("set_node_on_first_message_only", true);
    j.field_str("transport_api_version", "V3");
    j.end_obj();
    j.field_str("initial_fetch_timeout", "0s");
    j.field_str("resource_api_version", "V3");
    j.end_obj();
}

/// Istio mutual TLS (tlsMode-istio) or plaintext transport socket matches.
pub(crate) fn transport_socket_matches<W: Write>(
    ctx: &Ctx<'_>,
    j: &mut JsonWriter<'_, W>,
    svc: &Service,
    port: u16,
    subset: &str,
) {
    j.arr("transport_socket_matches");
    j.begin_obj();
    j.field_str("name", "tlsMode-istio");
    j.obj("match");
    j.field_str("tlsMode", "istio");
    j.end_obj();
    j.obj("transport_socket");
    j.field_str("name", "envoy.transport_sockets.tls");
    j.obj("typed_config");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
    );
    j.obj("common_tls_context");
    j.obj("tls_params");
    j.field_str("tls_minimum_protocol_version", "TLSv1_2");
    j.field_str("tls_maximum_protocol_version", "TLSv1_3");
    j.end_obj();
    j.arr("alpn_protocols");
    j.str("istio-peer-exchange");
    j.str("istio");
    j.end_arr();
    j.arr("tls_certificate_sds_secret_configs");
    j.begin_obj();
    sds_config(j, "default");
    j.end_obj();
    j.end_arr();
    j.obj("combined_validation_context");
    j.obj("default_validation_context");
    j.arr("match_subject_alt_names");
    j.begin_obj();
    j.key("exact");
    let td = &ctx.mesh.trust_domain;
    let (ns, sa) = (&svc.namespace, &svc.service_account);
    j.str_parts(&[&"spiffe://", td, &"/ns/", ns, &"/sa/", sa]);
    j.end_obj();
    j.end_arr();
    j.end_obj();
    j.obj("validation_context_sds_secret_config");
    sds_config(j, "ROOTCA");
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.key("sni");
    let sub = if subset.is_empty() { "_" } else { subset };
    j.str_parts(&[&"outbound_.", &port, &"_.", &sub, &"_.", &svc.host]);
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.begin_obj();
    j.field_str("name", "tlsMode-disabled");
    j.empty_obj("match");
    j.obj("transport_socket");
    j.field_str("name", "envoy.transport_sockets.raw_buffer");
    j.obj("typed_config");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer",
    );
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.end_arr();
}
