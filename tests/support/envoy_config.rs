//! The Istio-shaped sidecar config the real-Envoy harness writes: a bootstrap
//! with Istio's node id and metadata and its static 15090/15021 listeners,
//! then listeners, clusters, route configs, endpoints and SDS secrets
//! delivered by file-based xDS (`path_config_source`), so the dump has the
//! `dynamic_*` sections of a sidecar fed by istiod. Names follow Istio
//! (`outbound|8000||httpbin.default.svc.cluster.local`, route config `8000`,
//! virtual hosts `host:port`), addresses are 127.0.0.1 on ephemeral ports.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Value};

use super::envoy::{free_port, Upstreams};

pub const FQDN_SUFFIX: &str = ".default.svc.cluster.local";
pub const NODE_ID: &str =
    "sidecar~10.244.0.17~fortio-7d4b9c6f5-x2k8q.default~default.svc.cluster.local";

/// Istio 1.28's default TEXT access-log format.
pub const ISTIO_TEXT_FORMAT: &str = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

/// The listener ports, picked free at start.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// The admin port (15000 in a pod).
    pub admin: u16,
    /// `0.0.0.0_8000`: the outbound HTTP listener (route config `8000`).
    pub outbound: u16,
    /// `0.0.0.0_7000`: TCP, unmatched destinations go to BlackHoleCluster.
    pub blackhole: u16,
    /// `virtualOutbound` (15001 in a pod).
    pub virtual_outbound: u16,
    /// `virtualInbound` (15006 in a pod): the app's inbound HTTP.
    pub inbound: u16,
    /// The static prometheus listener (15090 in a pod).
    pub prometheus: u16,
    /// The static health listener (15021 in a pod).
    pub health: u16,
}

impl Ports {
    pub fn pick() -> Ports {
        Ports {
            admin: free_port(),
            outbound: free_port(),
            blackhole: free_port(),
            virtual_outbound: free_port(),
            inbound: free_port(),
            prometheus: free_port(),
            health: free_port(),
        }
    }

    pub fn listener_ports(&self) -> [u16; 6] {
        [
            self.outbound,
            self.blackhole,
            self.virtual_outbound,
            self.inbound,
            self.prometheus,
            self.health,
        ]
    }
}

/// The services behind `outbound|8000||<name>.default.svc.cluster.local`.
#[derive(Debug, Clone)]
pub struct Services {
    /// (short name, endpoints, what the cluster carries).
    pub list: Vec<(&'static str, Vec<SocketAddr>, Extra)>,
    pub inbound_app: SocketAddr,
}

/// What a cluster has beyond Istio's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    None,
    /// DestinationRule connectionPool 1/1/1 (`maxConnections: 1`,
    /// `http1MaxPendingRequests: 1`, `maxRequestsPerConnection: 1`).
    Breaker,
    /// An HTTP active health check on `/healthz`.
    HealthCheck,
    /// outlierDetection `consecutive5xxErrors: 3`.
    Outlier,
}

impl From<&Upstreams> for Services {
    fn from(u: &Upstreams) -> Self {
        Services {
            list: vec![
                ("httpbin", vec![u.slow], Extra::Breaker),
                ("details", vec![u.dead], Extra::None),
                ("ratings", vec![u.unhealthy], Extra::HealthCheck),
                ("reviews", vec![u.ok, u.failing], Extra::Outlier),
                ("productpage", vec![u.ok], Extra::None),
                ("legacy", vec![u.reset], Extra::None),
            ],
            inbound_app: u.ok,
        }
    }
}

pub fn cluster_name(short: &str) -> String {
    format!("outbound|8000||{short}{FQDN_SUFFIX}")
}

fn addr(ip: &str, port: u16) -> Value {
    json!({"socket_address": {"address": ip, "port_value": port}})
}

fn path_source(dir: &Path, file: &str) -> Value {
    json!({
        "path_config_source": {"path": dir.join(file).to_string_lossy()},
        "resource_api_version": "V3"
    })
}

fn discovery(version: &str, type_url: &str, resources: Vec<Value>) -> Value {
    let resources: Vec<Value> = resources
        .into_iter()
        .map(|mut r| {
            r["@type"] = json!(type_url);
            r
        })
        .collect();
    json!({"version_info": version, "type_url": type_url, "resources": resources})
}

const CLUSTER_T: &str = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const LISTENER_T: &str = "type.googleapis.com/envoy.config.listener.v3.Listener";
const ROUTE_T: &str = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const CLA_T: &str = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
const SECRET_T: &str = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

/// Writes every file into `dir`.
pub fn write_all(dir: &Path, ports: &Ports, services: &Services) {
    let write = |name: &str, v: &Value| {
        std::fs::write(dir.join(name), serde_json::to_vec_pretty(v).expect("json"))
            .unwrap_or_else(|e| panic!("write {name}: {e}"))
    };
    let certs = certificates();
    write("bootstrap.json", &bootstrap(dir, ports, &certs.root));
    write("lds.json", &listeners(dir, ports, "2026-12-01T00:00:00Z/1"));
    write(
        "cds.json",
        &clusters(dir, services, "2026-12-01T00:00:00Z/1"),
    );
    write("rds_8000.json", &route_8000("2026-12-01T00:00:00Z/1", &[]));
    for (short, eps, _) in &services.list {
        let cla = json!({
            "cluster_name": cluster_name(short),
            "endpoints": [{
                "locality": {"region": "us-central1", "zone": "us-central1-a"},
                "lb_endpoints": eps.iter().map(|a| json!({
                    "endpoint": {"address": addr(&a.ip().to_string(), a.port())},
                    "metadata": {"filter_metadata": {"istio": {"workload": format!("{short}-v1;default;{short};v1;Kubernetes")}}},
                    "load_balancing_weight": 1
                })).collect::<Vec<_>>()
            }]
        });
        write(
            &format!("eds_{short}.json"),
            &discovery("1", CLA_T, vec![cla]),
        );
    }
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    write(
        "sds_default.json",
        &discovery(
            "1",
            SECRET_T,
            vec![json!({"name": "default", "tls_certificate": {
                "certificate_chain": {"inline_bytes": b64(&certs.leaf)},
                "private_key": {"inline_bytes": b64(&certs.leaf_key)}
            }})],
        ),
    );
    write(
        "sds_rootca.json",
        &discovery(
            "1",
            SECRET_T,
            vec![json!({"name": "ROOTCA", "validation_context": {
                "trusted_ca": {"inline_bytes": b64(&certs.root)}
            }})],
        ),
    );
    // SPIRE-style federation: one CA per trust domain in a SPIFFE validator.
    write(
        "sds_federated.json",
        &discovery(
            "1",
            SECRET_T,
            vec![json!({"name": "federated-ROOTCA", "validation_context": {
                "custom_validator_config": {
                    "name": "envoy.tls.cert_validator.spiffe",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig",
                        "trust_domains": [
                            {"name": "east.local", "trust_bundle": {"inline_bytes": b64(&certs.east)}},
                            {"name": "west.local", "trust_bundle": {"inline_bytes": b64(&certs.west)}}
                        ]
                    }
                }
            }})],
        ),
    );
}

/// Serials and validity the harness certificates carry, so tests can state
/// what `pc secrets` must print.
pub const ROOT_SERIAL: &str = "529cbbaf623611d057b517d4ffe341e4e8035037";
pub const EAST_SERIAL: &str = "6726e5fad145f8ca9a711f0550297ced839ee301";
pub const WEST_SERIAL: &str = "0726e5fad145f8ca9a711f0550297ced839ee302";
pub const LEAF_SERIAL: &str = "00cd4902e499169b11ec171dad1668adbb";
/// Validity of every CA: 2024-10-25T13:23:05Z to 2034-10-23T13:23:05Z.
pub const CA_VALIDITY: (&str, &str) = ("2024-10-25T13:23:05Z", "2034-10-23T13:23:05Z");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn ca(
    serial: &str,
    trust_domain: &str,
) -> (rcgen::Certificate, rcgen::Issuer<'static, rcgen::KeyPair>) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType, SerialNumber,
    };
    let key = KeyPair::generate().expect("ca key");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(DnType::OrganizationName, trust_domain);
    p.subject_alt_names = vec![SanType::URI(
        format!("spiffe://{trust_domain}").try_into().expect("uri"),
    )];
    p.serial_number = Some(SerialNumber::from_slice(&hex(serial)));
    p.not_before =
        rcgen::date_time_ymd(2024, 10, 25) + time::Duration::seconds(13 * 3600 + 23 * 60 + 5);
    p.not_after =
        rcgen::date_time_ymd(2034, 10, 23) + time::Duration::seconds(13 * 3600 + 23 * 60 + 5);
    let cert = p.self_signed(&key).expect("ca cert");
    (cert, Issuer::new(p, key))
}

/// The certificates of the harness, made now with `rcgen`.
pub struct Certs {
    /// Workload chain (`default`), 24 h from an hour ago, SAN
    /// `spiffe://cluster.local/ns/default/sa/fortio`.
    pub leaf: String,
    pub leaf_key: String,
    /// `ROOTCA`: the mesh root, trust domain cluster.local.
    pub root: String,
    /// Federated trust bundles (`federated-ROOTCA`): east.local and west.local.
    pub east: String,
    pub west: String,
}

pub fn certificates() -> Certs {
    use rcgen::{CertificateParams, KeyPair, SanType, SerialNumber};
    let (root, issuer) = ca(ROOT_SERIAL, "cluster.local");
    let (east, _) = ca(EAST_SERIAL, "east.local");
    let (west, _) = ca(WEST_SERIAL, "west.local");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
    leaf.subject_alt_names = vec![SanType::URI(
        "spiffe://cluster.local/ns/default/sa/fortio"
            .try_into()
            .expect("uri"),
    )];
    leaf.serial_number = Some(SerialNumber::from_slice(&hex(LEAF_SERIAL)));
    let now = time::OffsetDateTime::now_utc();
    leaf.not_before = now - time::Duration::hours(1);
    leaf.not_after = now + time::Duration::hours(23);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf cert");
    Certs {
        leaf: leaf_cert.pem(),
        leaf_key: leaf_key.serialize_pem(),
        root: root.pem(),
        east: east.pem(),
        west: west.pem(),
    }
}

fn bootstrap(dir: &Path, ports: &Ports, root: &str) -> Value {
    json!({
        "node": {
            "id": NODE_ID,
            "cluster": "fortio.default",
            "locality": {"region": "us-central1", "zone": "us-central1-a"},
            "metadata": {
                "ISTIO_VERSION": "1.28.0",
                "ISTIO_PROXY_SHA": "istio-proxy:5f4e2b1c9a7d3e8f0b6a2c4d1e9f7a3b5c8d0e2f",
                "NAME": "fortio-7d4b9c6f5-x2k8q",
                "NAMESPACE": "default",
                "CLUSTER_ID": "Kubernetes",
                "MESH_ID": "cluster.local",
                "WORKLOAD_NAME": "fortio",
                "OWNER": "kubernetes://apis/apps/v1/namespaces/default/deployments/fortio",
                "SERVICE_ACCOUNT": "fortio",
                "INTERCEPTION_MODE": "REDIRECT",
                "INSTANCE_IPS": "10.244.0.17",
                "LABELS": {"app": "fortio", "version": "v1", "service.istio.io/canonical-name": "fortio"},
                "APP_CONTAINERS": "fortio",
                "ENVOY_PROMETHEUS_PORT": 15090,
                "ENVOY_STATUS_PORT": 15021,
                "PILOT_SAN": ["istiod.istio-system.svc"],
                "PROXY_CONFIG": {"binaryPath": "/usr/local/bin/envoy", "concurrency": 2,
                    "discoveryAddress": "istiod.istio-system.svc:15012", "drainDuration": "45s",
                    "proxyAdminPort": 15000, "serviceCluster": "istio-proxy", "statusPort": 15020}
            }
        },
        "admin": {"address": addr("127.0.0.1", ports.admin)},
        "static_resources": {
            "listeners": [
                {
                    "address": addr("127.0.0.1", ports.prometheus),
                    "filter_chains": [{"filters": [hcm_inline("stats", json!({
                        "virtual_hosts": [{"name": "backend", "domains": ["*"], "routes": [{
                            "match": {"prefix": "/stats/prometheus"},
                            "route": {"cluster": "prometheus_stats"}
                        }]}]
                    }), false, dir)]}]
                },
                {
                    "address": addr("127.0.0.1", ports.health),
                    "filter_chains": [{"filters": [hcm_inline("agent", json!({
                        "virtual_hosts": [{"name": "backend", "domains": ["*"], "routes": [{
                            "match": {"prefix": "/healthz/ready"},
                            "route": {"cluster": "prometheus_stats", "prefix_rewrite": "/ready"}
                        }]}]
                    }), false, dir)]}]
                }
            ],
            "clusters": [
                {"name": "prometheus_stats", "type": "STATIC", "connect_timeout": "0.250s",
                 "lb_policy": "ROUND_ROBIN", "load_assignment": {"cluster_name": "prometheus_stats",
                 "endpoints": [{"lb_endpoints": [{"endpoint": {"address": addr("127.0.0.1", ports.admin)}}]}]}},
                {"name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
                 "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": {"http2_protocol_options": {}}}},
                 "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address": addr("127.0.0.1", free_port())}}]}]}},
                {"name": "sds-grpc", "type": "STATIC", "connect_timeout": "1s",
                 "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": {"http2_protocol_options": {}}}},
                 "load_assignment": {"cluster_name": "sds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"pipe": {"path": dir.join("sds.sock").to_string_lossy()}}}}]}]}}
            ],
            "secrets": [{"name": "bootstrap-root", "validation_context": {
                "trusted_ca": {"inline_bytes": base64::engine::general_purpose::STANDARD.encode(root)}}}]
        },
        "dynamic_resources": {
            "lds_config": path_source(dir, "lds.json"),
            "cds_config": path_source(dir, "cds.json")
        }
    })
}

/// Access logs in both of Istio's encodings, to two files.
fn access_logs(dir: &Path) -> Value {
    let json_format = json!({
        "start_time": "%START_TIME%", "route_name": "%ROUTE_NAME%", "method": "%REQ(:METHOD)%",
        "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "protocol": "%PROTOCOL%",
        "response_code": "%RESPONSE_CODE%", "response_flags": "%RESPONSE_FLAGS%",
        "response_code_details": "%RESPONSE_CODE_DETAILS%",
        "connection_termination_details": "%CONNECTION_TERMINATION_DETAILS%",
        "bytes_received": "%BYTES_RECEIVED%", "bytes_sent": "%BYTES_SENT%", "duration": "%DURATION%",
        "upstream_service_time": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
        "x_forwarded_for": "%REQ(X-FORWARDED-FOR)%", "user_agent": "%REQ(USER-AGENT)%",
        "request_id": "%REQ(X-REQUEST-ID)%", "authority": "%REQ(:AUTHORITY)%",
        "upstream_host": "%UPSTREAM_HOST%", "upstream_cluster": "%UPSTREAM_CLUSTER_RAW%",
        "upstream_local_address": "%UPSTREAM_LOCAL_ADDRESS%",
        "downstream_local_address": "%DOWNSTREAM_LOCAL_ADDRESS%",
        "downstream_remote_address": "%DOWNSTREAM_REMOTE_ADDRESS%",
        "requested_server_name": "%REQUESTED_SERVER_NAME%",
        "upstream_transport_failure_reason": "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
    });
    json!([
        {"name": "envoy.access_loggers.file", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
            "path": dir.join("access.log").to_string_lossy(),
            "log_format": {"text_format_source": {"inline_string": ISTIO_TEXT_FORMAT}}}},
        {"name": "envoy.access_loggers.file", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
            "path": dir.join("access.json").to_string_lossy(),
            "log_format": {"json_format": json_format}}}
    ])
}

fn router() -> Value {
    json!({"name": "envoy.filters.http.router", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}})
}

fn hcm(stat_prefix: &str, route: (&str, Value), logs: bool, dir: &Path) -> Value {
    let mut typed = json!({
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": stat_prefix,
        "http_filters": [
            {"name": "envoy.filters.http.fault", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}},
            {"name": "envoy.filters.http.cors", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}},
            router()
        ],
        "use_remote_address": false,
        "normalize_path": true,
        "path_with_escaped_slashes_action": "KEEP_UNCHANGED",
        "upgrade_configs": [{"upgrade_type": "websocket"}],
        "stream_idle_timeout": "0s"
    });
    typed[route.0] = route.1;
    if logs {
        typed["access_log"] = access_logs(dir);
    }
    json!({"name": "envoy.filters.network.http_connection_manager", "typed_config": typed})
}

fn hcm_inline(stat_prefix: &str, route_config: Value, logs: bool, dir: &Path) -> Value {
    hcm(stat_prefix, ("route_config", route_config), logs, dir)
}

fn tcp_proxy(cluster: &str, dir: &Path) -> Value {
    json!({"name": "envoy.filters.network.tcp_proxy", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
        "stat_prefix": cluster, "cluster": cluster, "access_log": access_logs(dir)}})
}

/// The dynamic listeners, Istio-named.
pub fn listeners(dir: &Path, ports: &Ports, version: &str) -> Value {
    let outbound = json!({
        "name": "0.0.0.0_8000",
        "address": addr("127.0.0.1", ports.outbound),
        "traffic_direction": "OUTBOUND",
        "filter_chains": [{"filters": [hcm("outbound_0.0.0.0_8000", ("rds", json!({
            "config_source": path_source(dir, "rds_8000.json"),
            "route_config_name": "8000"
        })), true, dir)]}],
        "bind_to_port": true
    });
    let blackhole = json!({
        "name": "0.0.0.0_7000",
        "address": addr("127.0.0.1", ports.blackhole),
        "traffic_direction": "OUTBOUND",
        "filter_chains": [{
            "filter_chain_match": {"prefix_ranges": [{"address_prefix": "10.96.0.70", "prefix_len": 32}]},
            "filters": [tcp_proxy(&format!("outbound|7000||redis{FQDN_SUFFIX}"), dir)]
        }],
        "default_filter_chain": {"name": "BlackHoleFilterChain", "filters": [tcp_proxy("BlackHoleCluster", dir)]}
    });
    let virtual_outbound = json!({
        "name": "virtualOutbound",
        "address": addr("127.0.0.1", ports.virtual_outbound),
        "traffic_direction": "OUTBOUND",
        "use_original_dst": true,
        "filter_chains": [{"name": "PassthroughFilterChain", "filters": [tcp_proxy("PassthroughCluster", dir)]}]
    });
    let virtual_inbound = json!({
        "name": "virtualInbound",
        "address": addr("127.0.0.1", ports.inbound),
        "traffic_direction": "INBOUND",
        "listener_filters": [{"name": "envoy.filters.listener.original_dst", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst"}}],
        "filter_chains": [{
            "name": "0.0.0.0_9080",
            "filters": [hcm_inline("inbound_0.0.0.0_9080", json!({
                "name": "inbound|9080||",
                "virtual_hosts": [{"name": "inbound|http|9080", "domains": ["*"], "routes": [{
                    "name": "default", "match": {"prefix": "/"},
                    "route": {"cluster": "inbound|9080||", "timeout": "0s", "max_stream_duration": {"max_stream_duration": "0s", "grpc_timeout_header_max": "0s"}},
                    "decorator": {"operation": "fortio.default.svc.cluster.local:9080/*"}
                }]}],
                "validate_clusters": false
            }), true, dir)]
        }]
    });
    discovery(
        version,
        LISTENER_T,
        vec![outbound, blackhole, virtual_outbound, virtual_inbound],
    )
}

fn istio_retry() -> Value {
    json!({
        "retry_on": "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
        "num_retries": 2,
        "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"}}],
        "host_selection_retry_max_attempts": "5",
        "retriable_status_codes": [503]
    })
}

/// Route config `8000`: one virtual host per service (`fqdn:8000`, short
/// names as domains), productpage routing only `/api/v1/products`, `gone`
/// routing to a cluster that does not exist, and `extra` virtual hosts.
pub fn route_8000(version: &str, extra: &[Value]) -> Value {
    let mut vhosts: Vec<Value> = ["httpbin", "details", "ratings", "reviews", "legacy", "gone"]
        .iter()
        .map(|s| {
            json!({
                "name": format!("{s}{FQDN_SUFFIX}:8000"),
                "domains": [format!("{s}{FQDN_SUFFIX}"), s, format!("{s}.default.svc"), format!("{s}.default"), format!("{s}{FQDN_SUFFIX}:8000")],
                "routes": [{
                    "name": "default", "match": {"prefix": "/"},
                    "route": {"cluster": cluster_name(s), "timeout": "0s", "retry_policy": istio_retry()},
                    "decorator": {"operation": format!("{s}{FQDN_SUFFIX}:8000/*")}
                }],
                "include_request_attempt_count": true
            })
        })
        .collect();
    vhosts.push(json!({
        "name": format!("productpage{FQDN_SUFFIX}:8000"),
        "domains": [format!("productpage{FQDN_SUFFIX}"), "productpage", format!("productpage{FQDN_SUFFIX}:8000")],
        "routes": [{
            "name": "products", "match": {"prefix": "/api/v1/products"},
            "route": {"cluster": cluster_name("productpage"), "timeout": "0s", "retry_policy": istio_retry()}
        }],
        "include_request_attempt_count": true
    }));
    vhosts.extend(extra.iter().cloned());
    vhosts.push(json!({
        "name": "allow_any", "domains": ["*"],
        "routes": [{"name": "allow_any", "match": {"prefix": "/"},
                    "route": {"cluster": "PassthroughCluster", "timeout": "0s"}}],
        "include_request_attempt_count": true
    }));
    discovery(
        version,
        ROUTE_T,
        vec![
            json!({"name": "8000", "virtual_hosts": vhosts, "validate_clusters": false, "max_direct_response_body_size_bytes": 1048576}),
        ],
    )
}

fn istio_tls_matches(dir: &Path, short: &str) -> Value {
    json!([
        {"name": "tlsMode-istio", "match": {"tlsMode": "istio"}, "transport_socket": {
            "name": "envoy.transport_sockets.tls", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                "common_tls_context": {
                    "tls_params": {"tls_minimum_protocol_version": "TLSv1_2", "tls_maximum_protocol_version": "TLSv1_3"},
                    "alpn_protocols": ["istio-peer-exchange", "istio"],
                    "tls_certificate_sds_secret_configs": [{"name": "default", "sds_config": path_source(dir, "sds_default.json")}],
                    "combined_validation_context": {
                        "default_validation_context": {"match_typed_subject_alt_names": [{"san_type": "URI", "matcher": {"exact": format!("spiffe://cluster.local/ns/default/sa/{short}")}}]},
                        "validation_context_sds_secret_config": {"name": "ROOTCA", "sds_config": path_source(dir, "sds_rootca.json")}
                    }
                },
                "sni": format!("outbound_.8000_._.{short}{FQDN_SUFFIX}")
            }}},
        {"name": "tlsMode-disabled", "match": {}, "transport_socket": {
            "name": "envoy.transport_sockets.raw_buffer", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}}
    ])
}

const MAX: u64 = 4_294_967_295;

/// The dynamic clusters: Istio's Passthrough/BlackHole/inbound ones and one
/// EDS cluster per service with what its `Extra` adds.
pub fn clusters(dir: &Path, services: &Services, version: &str) -> Value {
    let mut list = vec![
        json!({"name": "BlackHoleCluster", "type": "STATIC", "connect_timeout": "10s"}),
        json!({"name": "PassthroughCluster", "type": "ORIGINAL_DST", "connect_timeout": "10s",
               "lb_policy": "CLUSTER_PROVIDED",
               "circuit_breakers": {"thresholds": [{"max_connections": MAX, "max_pending_requests": MAX, "max_requests": MAX, "max_retries": MAX, "track_remaining": true}]},
               "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "use_downstream_protocol_config": {"http_protocol_options": {}, "http2_protocol_options": {}}}}}),
        json!({"name": "inbound|9080||", "type": "STATIC", "connect_timeout": "10s",
               "load_assignment": {"cluster_name": "inbound|9080||", "endpoints": [{"lb_endpoints": [{"endpoint": {
                   "address": addr("127.0.0.1", services.inbound_app.port())}}]}]},
               "circuit_breakers": {"thresholds": [{"max_connections": MAX, "max_pending_requests": MAX, "max_requests": MAX, "max_retries": MAX, "track_remaining": true}]},
               "metadata": {"filter_metadata": {"istio": {"services": [{"host": format!("fortio{FQDN_SUFFIX}"), "name": "fortio", "namespace": "default"}]}}}}),
    ];
    for (short, _, extra) in &services.list {
        let name = cluster_name(short);
        let mut c = json!({
            "name": name,
            "type": "EDS",
            "eds_cluster_config": {"eds_config": path_source(dir, &format!("eds_{short}.json")), "service_name": name},
            "connect_timeout": "1s",
            "lb_policy": "LEAST_REQUEST",
            "circuit_breakers": {"thresholds": [{"max_connections": MAX, "max_pending_requests": MAX, "max_requests": MAX, "max_retries": MAX, "track_remaining": true}]},
            "common_lb_config": {"healthy_panic_threshold": {}, "locality_weighted_lb_config": {}},
            "metadata": {"filter_metadata": {"istio": {"services": [{"host": format!("{short}{FQDN_SUFFIX}"), "name": short, "namespace": "default"}]}}},
            "filters": [],
            "transport_socket_matches": istio_tls_matches(dir, short),
            "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options": {"idle_timeout": "3600s"},
                "explicit_http_config": {"http_protocol_options": {}}}}
        });
        let dr = |c: &mut Value| {
            c["metadata"]["filter_metadata"]["istio"]["config"] = json!(format!(
                "/apis/networking.istio.io/v1/namespaces/default/destination-rule/{short}"
            ));
        };
        match extra {
            Extra::None => {}
            Extra::Breaker => {
                dr(&mut c);
                c["circuit_breakers"] = json!({"thresholds": [{"max_connections": 1, "max_pending_requests": 1, "max_requests": MAX, "max_retries": MAX, "track_remaining": true}]});
                c["typed_extension_protocol_options"]
                    ["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
                    ["common_http_protocol_options"]["max_requests_per_connection"] = json!(1);
            }
            Extra::HealthCheck => {
                c["health_checks"] = json!([{"timeout": "1s", "interval": "0.2s", "unhealthy_threshold": 1,
                    "healthy_threshold": 1, "http_health_check": {"path": "/healthz"}}]);
            }
            Extra::Outlier => {
                dr(&mut c);
                c["outlier_detection"] = json!({"consecutive_5xx": 3, "interval": "1s",
                    "base_ejection_time": "30s", "max_ejection_percent": 100});
            }
        }
        list.push(c);
    }
    // A federated peer: its TLS trusts the SPIFFE bundles of `federated-ROOTCA`.
    list.push(json!({
        "name": "outbound|15443||federated-gateway.istio-system.svc.cluster.local", "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {"cluster_name": "federated", "endpoints": [{"lb_endpoints": [{"endpoint": {
            "address": addr("127.0.0.1", services.inbound_app.port())}}]}]},
        "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
            "common_tls_context": {
                "tls_certificate_sds_secret_configs": [{"name": "default", "sds_config": path_source(dir, "sds_default.json")}],
                "validation_context_sds_secret_config": {"name": "federated-ROOTCA", "sds_config": path_source(dir, "sds_federated.json")}
            }}}
    }));
    list.push(json!({
        "name": format!("outbound|7000||redis{FQDN_SUFFIX}"), "type": "STATIC", "connect_timeout": "1s",
        "load_assignment": {"cluster_name": format!("outbound|7000||redis{FQDN_SUFFIX}"), "endpoints": [{"lb_endpoints": [{"endpoint": {
            "address": addr("127.0.0.1", services.inbound_app.port())}}]}]},
        "metadata": {"filter_metadata": {"istio": {"services": [{"host": format!("redis{FQDN_SUFFIX}"), "name": "redis", "namespace": "default"}]}}}
    }));
    discovery(version, CLUSTER_T, list)
}

/// The listeners route explain is tested on: `0.0.0.0_9100` (RDS `9100`,
/// every match kind, a catch-all `*`) and `0.0.0.0_9200` (an inline route
/// config without `*`, for a host no virtual host takes).
pub fn route_explain_listeners(dir: &Path, rds_port: u16, inline_port: u16) -> Vec<Value> {
    let rds = json!({
        "name": "0.0.0.0_9100",
        "address": addr("127.0.0.1", rds_port),
        "traffic_direction": "OUTBOUND",
        "filter_chains": [{"filters": [hcm("outbound_0.0.0.0_9100", ("rds", json!({
            "config_source": path_source(dir, "rds_9100.json"),
            "route_config_name": "9100"
        })), true, dir)]}]
    });
    let inline = json!({
        "name": "0.0.0.0_9200",
        "address": addr("127.0.0.1", inline_port),
        "traffic_direction": "OUTBOUND",
        "filter_chains": [{"filters": [hcm_inline("outbound_0.0.0.0_9200", json!({
            "name": "9200",
            "virtual_hosts": [{"name": "only.test:9200", "domains": ["only.test"], "routes": [
                {"name": "only-route", "match": {"prefix": "/"}, "route": {"cluster": cluster_name("productpage"), "timeout": "0s"}}
            ]}],
            "validate_clusters": false
        }), true, dir)]}]
    });
    vec![rds, inline]
}

/// Route config `9100`: one route per match kind, in an order where each
/// case lands on the route named for it.
pub fn route_explain_routes(version: &str) -> Value {
    let pp = cluster_name("productpage");
    let rv = cluster_name("reviews");
    let hb = cluster_name("httpbin");
    let inbound = "inbound|9080||";
    let to = |c: &str| json!({"cluster": c, "timeout": "0s"});
    let hdr = |name: &str, route: &str, mut m: Value, cluster: &str| {
        m["name"] = json!(name);
        json!({"name": route, "match": {"prefix": "/h", "headers": [m]}, "route": to(cluster)})
    };
    let shop = json!({
        "name": "shop.test:9100",
        "domains": ["shop.test"],
        "routes": [
            hdr("x-env", "hdr-exact", json!({"string_match": {"exact": "prod"}}), &pp),
            hdr("x-env", "hdr-prefix", json!({"string_match": {"prefix": "stag"}}), &rv),
            hdr("x-env", "hdr-suffix", json!({"string_match": {"suffix": "-canary"}}), &hb),
            hdr("x-env", "hdr-contains", json!({"string_match": {"contains": "blue"}}), &pp),
            hdr("x-env", "hdr-regex", json!({"string_match": {"safe_regex": {"regex": "v[0-9]+"}}}), &rv),
            hdr("x-env", "hdr-legacy-exact", json!({"exact_match": "legacy"}), inbound),
            hdr("x-debug", "hdr-present", json!({"present_match": true}), &pp),
            hdr("x-version", "hdr-range", json!({"range_match": {"start": "10", "end": "20"}}), &rv),
            hdr("x-env", "hdr-invert", json!({"string_match": {"exact": "dev"}, "invert_match": true}), &hb),
            hdr("x-env", "hdr-absent", json!({"present_match": true, "invert_match": true}), inbound),
            {"name": "method-post", "match": {"prefix": "/m", "headers": [{"name": ":method", "string_match": {"exact": "POST"}}]}, "route": to(&rv)},
            {"name": "query", "match": {"prefix": "/q", "query_parameters": [{"name": "debug", "string_match": {"exact": "1"}}]}, "route": to(&pp)},
            {"name": "query-present", "match": {"prefix": "/q", "query_parameters": [{"name": "trace", "present_match": true}]}, "route": to(&rv)},
            {"name": "exact-path", "match": {"path": "/exact"}, "route": to(&pp)},
            {"name": "regex-path", "match": {"safe_regex": {"regex": "/items/[0-9]+"}}, "route": to(&rv)},
            {"name": "sep-prefix", "match": {"path_separated_prefix": "/api"}, "route": to(&hb)},
            {"name": "case-insensitive", "match": {"prefix": "/CaSe", "case_sensitive": false}, "route": to(&pp)},
            {"name": "weighted-100-0", "match": {"prefix": "/w"}, "route": {"timeout": "0s", "weighted_clusters": {"clusters": [
                {"name": pp, "weight": 100}, {"name": rv, "weight": 0}]}}},
            {"name": "weighted-50-50", "match": {"prefix": "/split"}, "route": {"timeout": "0s", "weighted_clusters": {"clusters": [
                {"name": pp, "weight": 50}, {"name": rv, "weight": 50}]}}},
            {"name": "cluster-header", "match": {"prefix": "/ch"}, "route": {"cluster_header": "x-cluster", "timeout": "0s"}},
            {"name": "direct", "match": {"prefix": "/direct"}, "direct_response": {"status": 203, "body": {"inline_string": "from envoy\n"}}},
            {"name": "redirect", "match": {"prefix": "/old"}, "redirect": {"path_redirect": "/new"}},
            {"name": "rewrite", "match": {"prefix": "/rw"}, "route": {"cluster": pp, "timeout": "0s", "prefix_rewrite": "/"}},
            {"name": "catch", "match": {"prefix": "/"}, "route": to(inbound)}
        ]
    });
    let vhost = |name: &str, domains: Value, route: &str, m: Value, cluster: &str| json!({"name": name, "domains": domains, "routes": [{"name": route, "match": m, "route": to(cluster)}]});
    let vhosts = vec![
        shop,
        vhost(
            "wild",
            json!(["*.wild.test"]),
            "suffix-only",
            json!({"prefix": "/only"}),
            &rv,
        ),
        vhost(
            "deep-wild",
            json!(["*.deep.wild.test"]),
            "deep",
            json!({"prefix": "/"}),
            &pp,
        ),
        vhost(
            "prefix-wild",
            json!(["prefix.*"]),
            "prefixed",
            json!({"prefix": "/"}),
            &rv,
        ),
        vhost(
            "ported",
            json!(["ported.test:1234"]),
            "ported",
            json!({"prefix": "/"}),
            &pp,
        ),
        vhost(
            "allow_any",
            json!(["*"]),
            "default",
            json!({"prefix": "/"}),
            inbound,
        ),
    ];
    discovery(
        version,
        ROUTE_T,
        vec![json!({"name": "9100", "virtual_hosts": vhosts, "validate_clusters": false})],
    )
}
