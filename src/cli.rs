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

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print istioctl-identical proxy-config tables from a config dump.
    #[command(name = "pc", alias = "proxy-config")]
    Pc(PcArgs),
    /// The built-in simulated mesh: the TUI on it, or headless with --serve.
    Demo(DemoArgs),
    /// Open a captured snapshot bundle in the TUI, offline.
    Open {
        /// The bundle written by `meshscope snapshot`.
        bundle: PathBuf,
    },
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
        /// Where to write it (`-` for stdout).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}
