//! Network filters shared by the demo's listeners: the HTTP connection
//! manager (Istio's filter chain and access log) and `tcp_proxy`.

use std::io::Write;

use super::json::JsonWriter;

/// Writes an inline `route_config` object.
pub(crate) type InlineRoutes<'f, W> = &'f dyn Fn(&mut JsonWriter<'_, W>);

const HCM: &str = "envoy.filters.network.http_connection_manager";
const HCM_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const ACCESS_LOG_FORMAT: &str = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";
/// HTTP filters of Istio's outbound/inbound connection managers.
const HTTP_FILTERS: [(&str, &str); 6] = [
    (
        "istio.metadata_exchange",
        "type.googleapis.com/io.istio.http.peer_metadata.Config",
    ),
    (
        "envoy.filters.http.grpc_stats",
        "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
    ),
    (
        "envoy.filters.http.fault",
        "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
    ),
    (
        "envoy.filters.http.cors",
        "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors",
    ),
    ("istio.stats", "type.googleapis.com/stats.PluginConfig"),
    (
        "envoy.filters.http.router",
        "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
    ),
];

pub(crate) fn typed<W: Write>(j: &mut JsonWriter<'_, W>, name: &str, ty: &str) {
    j.begin_obj();
    j.field_str("name", name);
    j.obj("typed_config");
    j.field_str("@type", ty);
    j.end_obj();
    j.end_obj();
}

/// A `tcp_proxy` network filter; `cluster` is written by `name`.
pub(crate) fn tcp_proxy<W: Write>(
    j: &mut JsonWriter<'_, W>,
    name: impl Fn(&mut JsonWriter<'_, W>),
) {
    j.begin_obj();
    j.field_str("name", "envoy.filters.network.tcp_proxy");
    j.obj("typed_config");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
    );
    j.key("stat_prefix");
    name(j);
    j.key("cluster");
    name(j);
    j.end_obj();
    j.end_obj();
}

pub(crate) fn tcp_chain<W: Write>(
    j: &mut JsonWriter<'_, W>,
    chain_name: &str,
    port: Option<u16>,
    cluster: &str,
) {
    j.begin_obj();
    if let Some(p) = port {
        j.obj("filter_chain_match");
        j.field_num("destination_port", u64::from(p));
        j.end_obj();
    }
    j.arr("filters");
    tcp_proxy(j, |j| j.str(cluster));
    j.end_arr();
    j.field_str("name", chain_name);
    j.end_obj();
}

/// An HTTP connection manager filter; routes inline when `inline` writes a
/// `route_config`, via RDS `rds_name` otherwise.
pub(crate) fn hcm<W: Write>(
    j: &mut JsonWriter<'_, W>,
    stat_prefix: &str,
    rds_name: &str,
    inline: Option<InlineRoutes<'_, W>>,
) {
    j.begin_obj();
    j.field_str("name", HCM);
    j.obj("typed_config");
    j.field_str("@type", HCM_TYPE);
    j.field_str("stat_prefix", stat_prefix);
    match inline {
        Some(route_config) => {
            j.key("route_config");
            route_config(j);
        }
        None => {
            j.obj("rds");
            j.obj("config_source");
            j.empty_obj("ads");
            j.field_str("initial_fetch_timeout", "0s");
            j.field_str("resource_api_version", "V3");
            j.end_obj();
            j.field_str("route_config_name", rds_name);
            j.end_obj();
        }
    }
    j.arr("http_filters");
    for (name, ty) in HTTP_FILTERS {
        typed(j, name, ty);
    }
    j.end_arr();
    j.arr("access_log");
    j.begin_obj();
    j.field_str("name", "envoy.access_loggers.file");
    j.obj("typed_config");
    j.field_str(
        "@type",
        "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
    );
    j.field_str("path", "/dev/stdout");
    j.obj("log_format");
    j.obj("text_format_source");
    j.field_str("inline_string", ACCESS_LOG_FORMAT);
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.end_obj();
    j.end_arr();
    j.field_bool("use_remote_address", false);
    j.field_str("forward_client_cert_details", "APPEND_FORWARD");
    j.field_bool("normalize_path", true);
    j.field_str("path_with_escaped_slashes_action", "KEEP_UNCHANGED");
    j.arr("upgrade_configs");
    j.begin_obj();
    j.field_str("upgrade_type", "websocket");
    j.end_obj();
    j.end_arr();
    j.field_str("stream_idle_timeout", "0s");
    j.end_obj();
    j.end_obj();
}
