//! The `istioctl ztunnel-config` tables: rows (the cells istioctl prints, for
//! a TUI to draw) and the tabwriter text, same columns, order and filters.

use std::collections::HashMap;

use super::{Cert, CertsDump, Policy, Service, Workload, WorkloadState, ZtunnelDump};
use crate::model::istioctl::tabwriter;

pub use super::certs::{cert_valid, decimal_to_hex, rfc3339_secs};

/// A workload-table row: NAMESPACE, POD NAME, ADDRESS, NODE, WAYPOINT, PROTOCOL.
pub type WorkloadRow = [String; 6];
/// A service-table row: NAMESPACE, SERVICE NAME, SERVICE VIP, WAYPOINT, ENDPOINTS.
pub type ServiceRow = [String; 5];
/// A policy-table row: NAMESPACE, POLICY NAME, ACTION, SCOPE.
pub type PolicyRow = [String; 4];
/// A certificate-table row: CERTIFICATE NAME, TYPE, STATUS, VALID CERT,
/// SERIAL NUMBER, NOT AFTER, NOT BEFORE.
pub type CertRow = [String; 7];
/// A connections-table row: WORKLOAD, DIRECTION, LOCAL, REMOTE, REMOTE TARGET, PROTOCOL.
pub type ConnectionRow = [String; 6];

/// Headers, as istioctl prints them.
pub const WORKLOAD_HEADER: [&str; 6] = [
    "NAMESPACE",
    "POD NAME",
    "ADDRESS",
    "NODE",
    "WAYPOINT",
    "PROTOCOL",
];
/// Service table header.
pub const SERVICE_HEADER: [&str; 5] = [
    "NAMESPACE",
    "SERVICE NAME",
    "SERVICE VIP",
    "WAYPOINT",
    "ENDPOINTS",
];
/// Policy table header.
pub const POLICY_HEADER: [&str; 4] = ["NAMESPACE", "POLICY NAME", "ACTION", "SCOPE"];
/// Certificate table header.
pub const CERT_HEADER: [&str; 7] = [
    "CERTIFICATE NAME",
    "TYPE",
    "STATUS",
    "VALID CERT",
    "SERIAL NUMBER",
    "NOT AFTER",
    "NOT BEFORE",
];
/// Connections table header.
pub const CONNECTION_HEADER: [&str; 6] = [
    "WORKLOAD",
    "DIRECTION",
    "LOCAL",
    "REMOTE",
    "REMOTE TARGET",
    "PROTOCOL",
];

/// istioctl's `WorkloadFilter`: case-insensitive exact matches; empty is unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadFilter {
    /// One of the workload's IPs.
    pub address: String,
    /// The workload's node.
    pub node: String,
    /// The workload's namespace.
    pub namespace: String,
    /// The pod name.
    pub name: String,
}

impl WorkloadFilter {
    /// Whether `w` passes.
    pub fn matches(&self, w: &Workload) -> bool {
        let eq = |f: &str, v: &str| f.is_empty() || f.eq_ignore_ascii_case(v) || eq_fold(f, v);
        eq(&self.name, &w.name)
            && eq(&self.namespace, &w.namespace)
            && (self.address.is_empty() || w.ips().iter().any(|ip| eq_fold(ip, &self.address)))
            && eq(&self.node, &w.node)
    }
}

/// istioctl's `ConnectionsFilter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionsFilter {
    /// Exact (case-sensitive) namespace.
    pub namespace: String,
    /// `inbound` drops outbound rows and vice versa.
    pub direction: String,
    /// Print addresses without name lookup.
    pub raw: bool,
    /// Pod name (case-insensitive), or `name.namespace` when `namespace` is empty.
    pub workload: String,
}

impl ConnectionsFilter {
    fn normalized(&self) -> ConnectionsFilter {
        let mut f = self.clone();
        if !f.workload.is_empty() && f.namespace.is_empty() {
            if let Some((name, ns)) = self.workload.split_once('.') {
                f.workload = name.to_string();
                f.namespace = ns.to_string();
            }
        }
        f
    }

    fn matches(&self, s: &WorkloadState) -> bool {
        (self.namespace.is_empty() || self.namespace == s.info.namespace)
            && (self.workload.is_empty() || eq_fold(&self.workload, &s.info.name))
    }
}

/// Go's `strings.EqualFold` (Unicode simple folding, approximated by lowercase).
fn eq_fold(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// The text after the first `/` of a `network/IP` address (all of it without one).
fn cut_network(addr: &str) -> &str {
    addr.split_once('/').map_or("", |(_, ip)| ip)
}

/// Lookup from a waypoint `destination` to the name of the service it names:
/// `namespace/hostname` or any VIP, the first service in dump order winning.
fn waypoint_index(services: &[Service]) -> HashMap<String, &str> {
    let mut idx: HashMap<String, &str> = HashMap::with_capacity(services.len() * 2);
    for s in services {
        idx.entry(format!("{}/{}", s.namespace, s.hostname))
            .or_insert(&s.name);
        for vip in s.vip_list() {
            idx.entry(vip.clone()).or_insert(&s.name);
        }
    }
    idx
}

fn waypoint_cell(wp: Option<&super::GatewayAddress>, idx: &HashMap<String, &str>) -> String {
    match wp {
        None => "None".to_string(),
        Some(g) => idx
            .get(&g.destination)
            .map_or_else(|| "NA".to_string(), |n| n.to_string()),
    }
}

impl ZtunnelDump {
    /// The workloads passing `f`, in dump order (what `-o json` prints).
    pub fn workloads_filtered(&self, f: &WorkloadFilter) -> Vec<&Workload> {
        self.workloads.iter().filter(|w| f.matches(w)).collect()
    }

    /// Rows of `zc workload`, sorted by `namespace.name`, then node.
    pub fn workload_rows(&self, f: &WorkloadFilter) -> Vec<WorkloadRow> {
        let mut ws = self.workloads_filtered(f);
        // istioctl sorts by the joined `namespace.name`, then node; the key
        // is built once per workload, not once per comparison.
        ws.sort_by_cached_key(|w| (format!("{}.{}", w.namespace, w.name), w.node.clone()));
        let idx = waypoint_index(&self.services);
        ws.into_iter()
            .map(|w| {
                let mut address = w.ips().join(",");
                if address.is_empty() {
                    address = w.hostname.clone();
                }
                [
                    w.namespace.clone(),
                    w.name.clone(),
                    address,
                    w.node.clone(),
                    waypoint_cell(w.waypoint.as_ref(), &idx),
                    w.protocol.clone(),
                ]
            })
            .collect()
    }

    /// Services in `namespace` (empty: all), sorted by namespace, name, hostname.
    pub fn services_sorted(&self, namespace: &str) -> Vec<&Service> {
        let mut v: Vec<&Service> = self
            .services
            .iter()
            .filter(|s| namespace.is_empty() || eq_fold(&s.namespace, namespace))
            .collect();
        v.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.hostname).cmp(&(&b.namespace, &b.name, &b.hostname))
        });
        v
    }

    /// Rows of `zc service`.
    pub fn service_rows(&self, namespace: &str) -> Vec<ServiceRow> {
        let by_uid: HashMap<&str, &Workload> =
            self.workloads.iter().map(|w| (w.uid.as_str(), w)).collect();
        let idx = waypoint_index(&self.services);
        self.services_sorted(namespace)
            .into_iter()
            .map(|s| {
                let ips: Vec<&str> = s.vip_list().iter().map(|a| cut_network(a)).collect();
                let eps = s.endpoints.as_ref();
                let total = eps.map_or(0, |e| e.len());
                let healthy = eps.map_or(0, |e| {
                    e.values()
                        .filter(|ep| {
                            by_uid
                                .get(ep.workload_uid.as_str())
                                .is_some_and(|w| w.status == "Healthy")
                        })
                        .count()
                });
                [
                    s.namespace.clone(),
                    s.name.clone(),
                    ips.join(","),
                    waypoint_cell(s.waypoint.as_ref(), &idx),
                    format!("{healthy}/{total}"),
                ]
            })
            .collect()
    }

    /// Policies in `namespace` (empty: all), sorted by namespace, then name.
    pub fn policies_sorted(&self, namespace: &str) -> Vec<&Policy> {
        let mut v: Vec<&Policy> = self
            .policies
            .iter()
            .filter(|p| namespace.is_empty() || eq_fold(&p.namespace, namespace))
            .collect();
        v.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        v
    }

    /// Rows of `zc policy`.
    pub fn policy_rows(&self, namespace: &str) -> Vec<PolicyRow> {
        self.policies_sorted(namespace)
            .into_iter()
            .map(|p| {
                [
                    p.namespace.clone(),
                    p.name.clone(),
                    p.action.clone(),
                    p.scope.clone(),
                ]
            })
            .collect()
    }

    /// Rows of `zc certificate`, in dump order; `now` (Unix seconds) decides VALID CERT.
    pub fn cert_rows(&self, now: i64) -> Vec<CertRow> {
        let mut rows = Vec::new();
        for c in &self.certificates {
            cert_rows_of(c, now, &mut rows);
        }
        rows
    }

    /// The `workloadState` entries passing `f`, sorted by namespace then name.
    pub fn workload_states(&self, f: &ConnectionsFilter) -> Vec<&WorkloadState> {
        let f = f.normalized();
        let mut v: Vec<&WorkloadState> = self
            .workload_state
            .iter()
            .map(|(_, s)| s)
            .filter(|s| f.matches(s))
            .collect();
        v.sort_by(|a, b| (&a.info.namespace, &a.info.name).cmp(&(&b.info.namespace, &b.info.name)));
        v
    }

    /// Rows of `zc connections`.
    pub fn connection_rows(&self, f: &ConnectionsFilter) -> Vec<ConnectionRow> {
        let mut names: HashMap<&str, String> = HashMap::new();
        let mut service_names: HashMap<&str, &str> = HashMap::new();
        for s in &self.services {
            let ip = s.vip_list().first().map_or("", |a| cut_network(a));
            service_names.insert(if ip.is_empty() { "None" } else { ip }, &s.hostname);
        }
        for w in &self.workloads {
            let ip = w.ips().first().map_or("", String::as_str);
            names.insert(
                if ip.is_empty() { "None" } else { ip },
                format!("{}.{}", w.name, w.namespace),
            );
        }
        let lookup = |addr: &str| -> String {
            if f.raw {
                return addr.to_string();
            }
            let Some((ip, port)) = split_host_port(addr) else {
                return addr.to_string();
            };
            if let Some(s) = service_names.get(ip) {
                return join_host_port(s, port);
            }
            if let Some(w) = names.get(ip) {
                return join_host_port(w, port);
            }
            addr.to_string()
        };
        let direction = f.direction.as_str();
        let mut rows = Vec::new();
        for s in self.workload_states(f) {
            let name = format!("{}.{}", s.info.name, s.info.namespace);
            if direction != "outbound" {
                for c in s.connections.inbound.as_deref().unwrap_or(&[]) {
                    rows.push([
                        name.clone(),
                        "Inbound".to_string(),
                        lookup(&c.actual_dst),
                        lookup(&c.src),
                        c.original_dst.clone(),
                        c.protocol.clone(),
                    ]);
                }
            }
            if direction != "inbound" {
                for c in s.connections.outbound.as_deref().unwrap_or(&[]) {
                    rows.push([
                        name.clone(),
                        "Outbound".to_string(),
                        lookup(&c.src),
                        lookup(&c.actual_dst),
                        lookup(&c.original_dst),
                        c.protocol.clone(),
                    ]);
                }
            }
        }
        rows
    }
}

fn cert_rows_of(c: &CertsDump, now: i64, rows: &mut Vec<CertRow>) {
    let state = if c.state.contains("Unavailable") {
        "Unavailable".to_string()
    } else {
        c.state.clone()
    };
    let chain = c.cert_chain.as_deref().unwrap_or(&[]);
    let roots = c.root_certs.as_deref().unwrap_or(&[]);
    if chain.is_empty() {
        let na = || "NA".to_string();
        rows.push([
            c.identity.clone(),
            na(),
            state,
            "false".to_string(),
            na(),
            na(),
            na(),
        ]);
        return;
    }
    let legacy = roots.is_empty();
    let row = |t: &str, cert: &Cert| -> CertRow {
        let or_na = |s: &str| {
            if s.is_empty() {
                "NA".to_string()
            } else {
                s.to_string()
            }
        };
        [
            c.identity.clone(),
            t.to_string(),
            state.clone(),
            cert_valid(cert, now).to_string(),
            decimal_to_hex(&cert.serial_number),
            or_na(&cert.expiration_time),
            or_na(&cert.valid_from),
        ]
    };
    for (i, cert) in chain.iter().enumerate() {
        let t = if i == 0 {
            "Leaf"
        } else if i == chain.len() - 1 && legacy {
            "Root"
        } else {
            "Intermediate"
        };
        rows.push(row(t, cert));
    }
    for cert in roots {
        rows.push(row("Root", cert));
    }
}

/// Go's `net.SplitHostPort`, enough for `ip:port` and `[v6]:port`.
fn split_host_port(addr: &str) -> Option<(&str, &str)> {
    if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        if port.contains(':') {
            return None;
        }
        return Some((host, port));
    }
    let (host, port) = addr.rsplit_once(':')?;
    if host.contains(':') {
        return None;
    }
    Some((host, port))
}

/// Go's `net.JoinHostPort`.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Rows as Go's tabwriter lays them out under `header`.
pub fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]], padding: usize) -> String {
    let mut text = header.join("\t");
    text.push('\n');
    for r in rows {
        text.push_str(&r.join("\t"));
        text.push('\n');
    }
    tabwriter::format(&text, padding)
}

/// `zc workload`.
pub fn workload_table(rows: &[WorkloadRow]) -> String {
    table(&WORKLOAD_HEADER, rows, 1)
}
/// `zc service`.
pub fn service_table(rows: &[ServiceRow]) -> String {
    table(&SERVICE_HEADER, rows, 1)
}
/// `zc policy`.
pub fn policy_table(rows: &[PolicyRow]) -> String {
    table(&POLICY_HEADER, rows, 1)
}
/// `zc certificate` (padding 5, as istioctl's secret table).
pub fn cert_table(rows: &[CertRow]) -> String {
    table(&CERT_HEADER, rows, 5)
}
/// `zc connections`.
pub fn connection_table(rows: &[ConnectionRow]) -> String {
    table(&CONNECTION_HEADER, rows, 1)
}

/// `zc all`: a blank line, then every table, blank-line separated, each with
/// a `------ TITLE ------` header when `with_headers`.
pub fn all_text(d: &ZtunnelDump, with_headers: bool, now: i64) -> String {
    let sections = [
        (
            "WORKLOAD INFO",
            workload_table(&d.workload_rows(&WorkloadFilter::default())),
        ),
        ("SERVICE INFO", service_table(&d.service_rows(""))),
        ("POLICY INFO", policy_table(&d.policy_rows(""))),
        ("SECRET INFO", cert_table(&d.cert_rows(now))),
        (
            "CONNECTIONS INFO",
            connection_table(&d.connection_rows(&ConnectionsFilter::default())),
        ),
    ];
    let mut out = String::new();
    for (title, body) in sections {
        out.push('\n');
        if with_headers {
            out.push_str("------ ");
            out.push_str(title);
            out.push_str(" ------\n\n");
        }
        out.push_str(&body);
    }
    out
}
