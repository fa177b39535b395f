//! The command line, exactly the contract in DESIGN.md.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// meshscope: see what an Istio sidecar believes and does.
#[derive(Debug, Parser)]
#[command(name = "meshscope", version, about, long_about = None)]
pub struct Cli {
    /// Admin endpoints forwarded by hand (without a command: open the TUI on them).
    #[command(flatten)]
    pub source: SourceArgs,
    /// Which cluster and namespace (without a command: discover and open the TUI).
    #[command(flatten)]
    pub kube: KubeArgs,
    /// Open this sidecar right away (`NAME` or `NAMESPACE/NAME`).
    #[arg(value_name = "POD")]
    pub pod: Option<String>,
    /// With --admin: the sidecar's log from a file (followed as it grows) or `-` for
    /// standard input, e.g. an Envoy access-log file or saved `kubectl logs` output.
    #[arg(long, value_name = "FILE", requires = "admin")]
    pub log_file: Option<String>,
    /// Colour theme: dark, light, high-contrast, or a path to a theme TOML file.
    #[arg(long, global = true, value_name = "THEME")]
    pub theme: Option<String>,
    /// What to do; without a command the TUI opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where a sidecar's admin endpoints are, when reached by URL.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Envoy admin URL (port 15000), e.g. http://127.0.0.1:15000.
    #[arg(long, value_name = "URL")]
    pub admin: Option<String>,
    /// pilot-agent URL (port 15020).
    #[arg(long, value_name = "URL")]
    pub agent: Option<String>,
    /// istiod URL (port 15014).
    #[arg(long, value_name = "URL")]
    pub istiod: Option<String>,
}

/// kubectl-style selection of the cluster and namespaces.
#[derive(Debug, Clone, Default, Args)]
pub struct KubeArgs {
    /// kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace (default: the context's namespace).
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print istioctl-identical proxy-config tables from a config dump.
    #[command(name = "pc", alias = "proxy-config")]
    Pc(PcArgs),
    /// Envoy stats: list, highlight overflows and rejections, or find high-cardinality labels.
    Stats(StatsArgs),
    /// The built-in simulated mesh: the TUI on it, or headless with --serve.
    Demo(DemoArgs),
    /// Open anything saved in the TUI, offline: a bundle, a /config_dump, a folder of
    /// admin bodies, or an `istioctl bug-report` archive (.tar.gz, .tar or extracted).
    Open {
        /// The capture; told by its content, not its name.
        bundle: PathBuf,
        /// Print what was recognised and the sidecars, without the TUI.
        #[arg(long)]
        list: bool,
    },
    /// Compare two proxies' configuration per resource and field; exit 1 when they differ.
    Diff(DiffArgs),
    /// Control-plane health: rejected configs, xDS rejects, conflicts, pushes, latency.
    Istiod(IstiodArgs),
    /// Print istioctl-identical ztunnel-config tables from a ztunnel config dump.
    #[command(name = "zc", alias = "ztunnel-config")]
    Zc(ZcArgs),
    /// Proxy sync status per xDS type, like `istioctl proxy-status`.
    Ps(IstiodArgs),
    /// Parsed istio-proxy access logs, filtered, with response flags explained.
    Logs(LogsArgs),
    /// The doctor: findings from one sidecar's evidence, with proof and fix; exit 1 at --fail-on.
    Check(CheckArgs),
    /// Which route a request takes through the sidecar, and why: every step of Envoy's decision.
    Route(RouteArgs),
    /// Capture every read-only endpoint into one bundle file (atomically, secrets redacted).
    Snapshot {
        /// Where the sidecar is.
        #[command(flatten)]
        source: SourceArgs,
        /// Pod label for the bundle (`namespace/name`).
        #[arg(long, default_value = "default/sidecar")]
        pod: String,
        /// Output bundle file.
        #[arg(short = 'o', long = "output", value_name = "BUNDLE")]
        output: PathBuf,
        /// Overall deadline for the whole capture, in seconds; endpoints still
        /// unanswered then are recorded as failed.
        #[arg(long, value_name = "SECS", default_value_t = 30.0, value_parser = parse_timeout)]
        timeout: f64,
    },
}

/// Output format of non-interactive commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    /// The istioctl table.
    #[default]
    Table,
    /// Stable, documented JSON (see docs/json-output.md).
    Json,
}

/// Which resource `pc` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PcKind {
    /// Clusters (CDS and static).
    #[value(alias = "cluster", alias = "c")]
    Clusters,
    /// Listeners (LDS and static).
    #[value(alias = "listener", alias = "l")]
    Listeners,
    /// Route configurations.
    #[value(alias = "route", alias = "r")]
    Routes,
    /// Endpoints (EDS in a dump taken with include_eds, or a /clusters?format=json file).
    #[value(alias = "endpoint", alias = "ep")]
    Endpoints,
    /// SDS secrets with certificate validity.
    #[value(alias = "secret", alias = "s")]
    Secrets,
    /// Bootstrap version summary.
    #[value(alias = "b")]
    Bootstrap,
    /// Extension configs delivered by ECDS.
    Ecds,
    /// Everything, like `istioctl proxy-config all`.
    All,
}

/// `meshscope pc`.
#[derive(Debug, Args)]
pub struct PcArgs {
    /// What to list.
    pub kind: PcKind,
    /// A saved `/config_dump` (or `/clusters?format=json` for endpoints).
    #[arg(short = 'f', long = "file", value_name = "DUMP", conflicts_with_all = ["admin", "bundle"])]
    pub file: Option<PathBuf>,
    /// Read from a live Envoy admin URL instead (e.g. a port-forward).
    #[arg(long, value_name = "URL", conflicts_with = "bundle")]
    pub admin: Option<String>,
    /// Read from a snapshot bundle instead.
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: which pod (`namespace/name`; default: the first).
    #[arg(long, value_name = "NS/NAME")]
    pub pod: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
    /// Clusters: substring of the service FQDN.
    #[arg(long)]
    pub fqdn: Option<String>,
    /// Clusters/listeners/endpoints: port.
    #[arg(long)]
    pub port: Option<u32>,
    /// Clusters: subset.
    #[arg(long)]
    pub subset: Option<String>,
    /// Clusters: direction (inbound, outbound).
    #[arg(long)]
    pub direction: Option<String>,
    /// Listeners and endpoints: address.
    #[arg(long)]
    pub address: Option<String>,
    /// Listeners: type (HTTP, TCP, HTTP+TCP).
    #[arg(long = "type")]
    pub listener_type: Option<String>,
    /// Routes: route configuration name.
    #[arg(long)]
    pub name: Option<String>,
    /// Endpoints: cluster name.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Endpoints: health status (healthy, unhealthy, ...).
    #[arg(long)]
    pub status: Option<String>,
    /// `all`: print a `------ X INFO ------` header above each table.
    #[arg(long)]
    pub with_headers: bool,
}

/// Which table `zc` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ZcKind {
    /// Workloads ztunnel knows.
    #[value(alias = "w", alias = "workloads")]
    Workload,
    /// Services and their healthy endpoints.
    #[value(alias = "services", alias = "s", alias = "svc")]
    Service,
    /// Authorization policies ztunnel enforces.
    #[value(alias = "policies", alias = "p", alias = "pol")]
    Policy,
    /// Workload certificates and their state.
    #[value(alias = "certificates", alias = "certs", alias = "cert")]
    Certificate,
    /// Live connections per proxied workload (`workloadState`).
    #[value(alias = "cons")]
    Connections,
    /// Every table, like `istioctl ztunnel-config all`.
    All,
}

/// `meshscope zc`.
#[derive(Debug, Args)]
pub struct ZcArgs {
    /// What to list.
    pub kind: ZcKind,
    /// A ztunnel pod, or an ambient workload pod whose node's ztunnel is read
    /// (`NAME`, `NS/NAME` or `NAME.NS`; kube flags select the cluster).
    #[arg(value_name = "POD", conflicts_with_all = ["file", "admin", "bundle"])]
    pub pod_arg: Option<String>,
    /// A saved ztunnel `/config_dump` (`-` for standard input).
    #[arg(short = 'f', long = "file", value_name = "DUMP", conflicts_with_all = ["admin", "bundle"])]
    pub file: Option<PathBuf>,
    /// Read from a live ztunnel admin URL (port 15000, e.g. a port-forward).
    #[arg(long, value_name = "URL", conflicts_with = "bundle")]
    pub admin: Option<String>,
    /// Read from a snapshot bundle instead.
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: which pod (`namespace/name`; default: the first).
    #[arg(long, value_name = "NS/NAME", requires = "bundle")]
    pub pod: Option<String>,
    /// With a cluster: read the ztunnel on this node.
    #[arg(long, value_name = "NODE", conflicts_with_all = ["file", "admin", "bundle", "pod_arg"])]
    pub node: Option<String>,
    /// Output format (`json`: istioctl's `-o json`).
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
    /// workload, connections: only this namespace.
    #[arg(long, value_name = "NS")]
    pub workload_namespace: Option<String>,
    /// workload: only workloads with this IP.
    #[arg(long, value_name = "IP")]
    pub address: Option<String>,
    /// workload: only workloads on this node.
    #[arg(long, value_name = "NODE")]
    pub workload_node: Option<String>,
    /// service: only this namespace.
    #[arg(long, value_name = "NS")]
    pub service_namespace: Option<String>,
    /// policy: only this namespace.
    #[arg(long, value_name = "NS")]
    pub policy_namespace: Option<String>,
    /// connections: only `inbound` or `outbound`.
    #[arg(long, value_name = "DIR")]
    pub direction: Option<String>,
    /// connections: IP addresses instead of names.
    #[arg(long)]
    pub raw: bool,
    /// `all`: print a `------ X INFO ------` header above each table.
    #[arg(long)]
    pub with_headers: bool,
}

/// `meshscope stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A saved `/stats` (Envoy text or `?format=json`) or `/stats/prometheus` body.
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with_all = ["admin", "agent", "bundle"])]
    pub file: Option<PathBuf>,
    /// Read from a live Envoy admin URL (port 15000).
    #[arg(long, value_name = "URL", conflicts_with = "bundle")]
    pub admin: Option<String>,
    /// With --cardinality or --highlights: read pilot-agent's merged `/stats/prometheus` (port 15020).
    #[arg(long, value_name = "URL", conflicts_with = "bundle")]
    pub agent: Option<String>,
    /// Read from a snapshot bundle.
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: which pod (`namespace/name`; default: the first).
    #[arg(long, value_name = "NS/NAME")]
    pub pod: Option<String>,
    /// Only stats (or, with --cardinality, families) whose name matches this regex.
    #[arg(long, value_name = "RE")]
    pub filter: Option<String>,
    /// Only the highlighted counters: overflows, open breakers, rejected updates, ejections.
    #[arg(long, conflicts_with = "cardinality")]
    pub highlights: bool,
    /// Series per metric family and label, worst offenders first.
    #[arg(long)]
    pub cardinality: bool,
    /// With --file --highlights: a saved `/clusters?format=json` for breaker thresholds.
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// With --admin --highlights: seconds between the two reads that give rates (0: one read).
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub interval: f64,
    /// With --cardinality: distinct values above which a label is flagged.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub threshold: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
}

/// Where `istiod` and `ps` read istiod's data.
#[derive(Debug, Args)]
pub struct IstiodArgs {
    /// istiod URL (port 15014); non-local callers need a port-forward.
    #[arg(long, value_name = "URL")]
    pub istiod: Option<String>,
    /// A saved body instead (`/metrics` for `istiod`, `/debug/syncz` for `ps`).
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "istiod"
    )]
    pub file: Option<PathBuf>,
    /// istiod's captures in a snapshot bundle instead.
    #[arg(long, value_name = "BUNDLE", conflicts_with_all = ["istiod", "file"])]
    pub bundle: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
}

/// `meshscope logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A sidecar pod in the cluster (`NAME` or `NS/NAME`; kube flags select the cluster).
    #[arg(value_name = "POD", conflicts_with = "demo")]
    pub pod: Option<String>,
    /// A pod of the built-in demo mesh (name, name prefix or app) instead.
    #[arg(long, value_name = "POD", conflicts_with = "file")]
    pub demo: Option<String>,
    /// A saved or growing log file instead (`-f` follows it), or `-` for standard
    /// input (`kubectl logs POD -c istio-proxy | meshscope logs --file -`).
    #[arg(long, value_name = "FILE", conflicts_with = "pod")]
    pub file: Option<String>,
    /// Only entries with one of these response flags (e.g. UH,NR,UO).
    #[arg(long, value_name = "FLAGS")]
    pub flags: Option<String>,
    /// Only entries with this status (`503`) or class (`5xx`).
    #[arg(long, value_name = "CODE")]
    pub status: Option<String>,
    /// Only the entries of one request (x-request-id).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// Only entries whose upstream cluster contains this.
    #[arg(long, value_name = "TEXT")]
    pub cluster: Option<String>,
    /// Only entries whose authority contains this.
    #[arg(long, value_name = "TEXT")]
    pub authority: Option<String>,
    /// ztunnel entries: source or destination workload contains this.
    #[arg(long, value_name = "TEXT")]
    pub workload: Option<String>,
    /// ztunnel entries: source or destination namespace is this.
    #[arg(long, value_name = "NS")]
    pub workload_namespace: Option<String>,
    /// ztunnel entries: destination address, service or workload contains this.
    #[arg(long, value_name = "TEXT")]
    pub dst: Option<String>,
    /// ztunnel entries: only failed connections (with TEXT: whose error contains it).
    #[arg(long, value_name = "TEXT", num_args = 0..=1, default_missing_value = "")]
    pub error: Option<String>,
    /// Start with this many recent lines.
    #[arg(long, default_value_t = 200)]
    pub tail: usize,
    /// Keep following new lines.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// The demo writes JSON-encoded access logs.
    #[arg(long)]
    pub json_logs: bool,
    /// Output: parsed lines with flags explained, or one JSON object per line.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
}

/// `meshscope demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Demo tools.
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
    /// Run only these scenarios (repeatable); default: a realistic mix.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Run the mesh headless until Ctrl-C and print its manifest.
    #[arg(long)]
    pub serve: bool,
    /// With --serve: write the manifest JSON here too (and bind the ports it lists, if any).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Inject a fault into every response: slow, reset, garbage, truncate, 500.
    #[arg(long, value_name = "KIND")]
    pub fault: Option<String>,
    /// Access logs in Istio's JSON encoding instead of text.
    #[arg(long)]
    pub json_logs: bool,
    /// At least N sidecars: more replicas of the bookinfo deployments (a large
    /// fleet for the fleet doctor and its benchmark).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=5000))]
    pub pods: Option<u16>,
}

/// `meshscope demo ...` subcommands.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Write a large, realistic synthetic config dump (for benchmarks).
    GenerateDump {
        /// Number of services in the synthetic mesh.
        #[arg(long, default_value_t = 100)]
        services: usize,
        /// PRNG seed; the same seed gives the same dump.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// `shared-ports` (default: a few big route configs shared by port) or
        /// `mesh` (a large real mesh: one small listener and route config per service).
        #[arg(long, value_enum, default_value_t = DumpShape::SharedPorts)]
        shape: DumpShape,
        /// Where to write it (`-` for stdout).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

/// Layout of `demo generate-dump` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DumpShape {
    /// 1-3 ports per service; services share `0.0.0.0_<port>` listeners and route configs.
    #[default]
    SharedPorts,
    /// One port per service; each HTTP service has its own listener and route config.
    Mesh,
}

/// How bad a finding must be for `check` to exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FailOn {
    /// Warnings and errors.
    Warn,
    /// Errors only.
    #[default]
    Error,
}

/// `meshscope check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A pod in the cluster (`NAME` or `NS/NAME`); with -n NS or -A and no
    /// pod, every Istio proxy in scope (read through port-forwards).
    #[arg(value_name = "POD", conflicts_with_all = ["file", "admin", "bundle"])]
    pub target: Option<String>,
    /// Pods probed at once in a cluster scan.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Seconds one pod's probe may take in a cluster scan.
    #[arg(long, default_value_t = 20.0, value_parser = parse_timeout)]
    pub probe_timeout: f64,
    /// A saved `/config_dump` (config rules only).
    #[arg(short = 'f', long = "file", value_name = "DUMP", conflicts_with_all = ["admin", "bundle"])]
    pub file: Option<PathBuf>,
    /// A live Envoy admin URL (port 15000): every rule, rates from two `/stats` reads.
    #[arg(long, value_name = "URL")]
    pub admin: Option<String>,
    /// With --admin: pilot-agent URL (port 15020) for readiness.
    #[arg(long, value_name = "URL", requires = "admin")]
    pub agent: Option<String>,
    /// With --admin: istiod URL (port 15014) for its view of the proxy
    /// (syncz, config drift).
    #[arg(long, value_name = "URL", requires = "admin")]
    pub istiod: Option<String>,
    /// A snapshot bundle.
    #[arg(long, value_name = "BUNDLE", conflicts_with = "admin")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: which pod (`namespace/name`; default the first).
    #[arg(long, value_name = "NS/NAME", requires = "bundle")]
    pub pod: Option<String>,
    /// The sidecar's access log (a file), for response-flag counts.
    #[arg(long, value_name = "FILE")]
    pub logs: Option<PathBuf>,
    /// With --admin: seconds between the two `/stats` reads (0: one read, no rates).
    #[arg(long, default_value_t = 1.0)]
    pub interval: f64,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Output: the findings as text, or JSON (docs/json-output.md).
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
}

/// `meshscope route`.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// A sidecar pod in the cluster (`NAME` or `NS/NAME`; kube flags select the cluster).
    #[arg(value_name = "POD", conflicts_with_all = ["file", "admin", "bundle"])]
    pub pod_name: Option<String>,
    /// A saved `/config_dump` (take it with `?include_eds` for endpoints).
    #[arg(short = 'f', long = "file", value_name = "DUMP", conflicts_with_all = ["admin", "bundle"])]
    pub file: Option<PathBuf>,
    /// A live Envoy admin URL (port 15000): `/config_dump?include_eds` and `/clusters` for health.
    #[arg(long, value_name = "URL", conflicts_with = "bundle")]
    pub admin: Option<String>,
    /// A snapshot bundle.
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// With --bundle: which pod (`namespace/name`; default: the first).
    #[arg(long, value_name = "NS/NAME", requires = "bundle")]
    pub pod: Option<String>,
    /// With --file: a saved `/clusters?format=json` for live endpoint health.
    #[arg(long, value_name = "FILE", requires = "file")]
    pub clusters: Option<PathBuf>,
    /// The Host header, as the client sends it (with `:port` if it sends one).
    #[arg(long, value_name = "HOST")]
    pub host: String,
    /// The request path, query string included.
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub path: String,
    /// The request method.
    #[arg(long, short = 'X', value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// A request header, `name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The destination port (picks the listener); default: the host's port, else 80.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Output: the decision trail as text, or JSON (docs/json-output.md).
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Output,
}

/// A positive, finite number of seconds.
fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 86_400.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds between 0 and 86400"
        )),
    }
}

/// `meshscope diff A B`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// Side A: an admin URL, a file or folder (`PATH#ns/pod` picks a sidecar of a
    /// bundle or bug-report), or a POD in the cluster (`NAME` or `NS/NAME`).
    pub a: String,
    /// Side B, in the same forms.
    pub b: String,
    /// The sidecar to take from a multi-sidecar file side that has no `#ns/pod`.
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Compare volatile fields too (last_updated, version_info, nonces, timestamps).
    #[arg(long)]
    pub all_fields: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Table)]
    pub output: Output,
}
