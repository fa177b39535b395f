//! Istio's standard metrics of one proxy (`istio_requests_total`,
//! `istio_request_duration_milliseconds`, `istio_tcp_*`), kept per label set
//! and rendered as Prometheus text after Envoy's own stats.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Istio's default duration buckets (ms).
const BUCKETS: [u64; 19] = [
    1,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10000,
    30000,
    60000,
    300000,
    600000,
    1800000,
    3600000,
    u64::MAX,
];

/// Identity of one side of a request, as Istio's stats plugin labels it.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// Workload (deployment) name or `unknown`.
    pub workload: String,
    /// Namespace or `unknown`.
    pub namespace: String,
    /// SPIFFE principal or `unknown`.
    pub principal: String,
    /// `app` label / canonical service.
    pub app: String,
    /// `version` label / canonical revision.
    pub version: String,
}

impl Peer {
    /// A caller from outside the mesh.
    pub fn unknown() -> Peer {
        let u = || "unknown".to_string();
        Peer {
            workload: u(),
            namespace: u(),
            principal: u(),
            app: u(),
            version: u(),
        }
    }
}

/// The label set of one request series.
pub(crate) struct Labels<'a> {
    /// `source` or `destination`.
    pub reporter: &'a str,
    /// Caller.
    pub source: &'a Peer,
    /// Callee (workload side).
    pub dest: &'a Peer,
    /// Destination service `(host, name, namespace)`.
    pub service: (&'a str, &'a str, &'a str),
    /// `http`, `grpc`, `tcp`.
    pub protocol: &'a str,
    /// Response code (`0` for TCP).
    pub code: u16,
    /// Response flags (`-` when none).
    pub flags: &'a str,
    /// mTLS or not.
    pub mtls: bool,
}

impl Labels<'_> {
    fn render(&self) -> String {
        let (s, d) = (self.source, self.dest);
        let (host, name, ns) = self.service;
        format!(
            "reporter=\"{}\",source_workload=\"{}\",source_canonical_service=\"{}\",source_canonical_revision=\"{}\",source_workload_namespace=\"{}\",source_principal=\"{}\",source_app=\"{}\",source_version=\"{}\",source_cluster=\"Kubernetes\",destination_workload=\"{}\",destination_workload_namespace=\"{}\",destination_principal=\"{}\",destination_app=\"{}\",destination_version=\"{}\",destination_service=\"{host}\",destination_canonical_service=\"{}\",destination_canonical_revision=\"{}\",destination_service_name=\"{name}\",destination_service_namespace=\"{ns}\",destination_cluster=\"Kubernetes\",request_protocol=\"{}\",response_code=\"{}\",grpc_response_status=\"\",response_flags=\"{}\",connection_security_policy=\"{}\"",
            self.reporter,
            s.workload, s.app, s.version, s.namespace, s.principal, s.app, s.version,
            d.workload, d.namespace, d.principal, d.app, d.version, d.app, d.version,
            self.protocol, self.code, self.flags,
            if self.mtls { "mutual_tls" } else { "none" },
        )
    }
}

#[derive(Debug, Clone, Default)]
struct Hist {
    buckets: [u64; BUCKETS.len()],
    sum: u64,
    count: u64,
}

/// Istio metric series of one proxy.
#[derive(Debug, Clone, Default)]
pub(crate) struct IstioMetrics {
    requests: BTreeMap<String, u64>,
    durations: BTreeMap<String, Hist>,
    tcp_opened: BTreeMap<String, u64>,
    tcp_sent: BTreeMap<String, u64>,
}

impl IstioMetrics {
    /// Counts one HTTP request that took `duration_ms`; with `path`, the
    /// request series also carries a `request_path` label (high cardinality).
    pub fn request(&mut self, labels: &Labels<'_>, duration_ms: u64, path: Option<&str>) {
        let base = labels.render();
        let h = self.durations.entry(base.clone()).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if duration_ms <= *b {
                h.buckets[i] += 1;
            }
        }
        h.sum += duration_ms;
        h.count += 1;
        let key = match path {
            Some(p) => format!("{base},request_path=\"{p}\""),
            None => base,
        };
        *self.requests.entry(key).or_default() += 1;
    }

    /// Counts one TCP connection that sent `bytes`.
    pub fn tcp(&mut self, labels: &Labels<'_>, bytes: u64) {
        let key = labels.render();
        *self.tcp_opened.entry(key.clone()).or_default() += 1;
        *self.tcp_sent.entry(key).or_default() += bytes;
    }

    /// Number of distinct label sets (what costs Envoy memory: one set of
    /// stat-tag objects each).
    pub fn label_sets(&self) -> usize {
        self.requests.len() + self.durations.len() + self.tcp_opened.len()
    }

    /// Appends the Prometheus text.
    pub fn prometheus(&self, out: &mut String) {
        let counters = [
            ("istio_requests_total", &self.requests),
            ("istio_tcp_connections_opened_total", &self.tcp_opened),
            ("istio_tcp_sent_bytes_total", &self.tcp_sent),
        ];
        for (name, series) in counters {
            if series.is_empty() {
                continue;
            }
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, v) in series {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        }
        if self.durations.is_empty() {
            return;
        }
        let name = "istio_request_duration_milliseconds";
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (labels, h) in &self.durations {
            for (b, n) in BUCKETS.iter().zip(h.buckets) {
                let le = if *b == u64::MAX {
                    "+Inf".to_string()
                } else {
                    b.to_string()
                };
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {n}");
            }
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
        }
    }
}
