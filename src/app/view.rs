//! The names of the views: what a pane can show. Everything else about a view
//! (title, endpoints, table, Enter, keys) is looked up in [`super::registry`].

/// The kinds of view a pane can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// The sidecars to pick from.
    Targets,
    /// Health, versions and counts of one sidecar.
    Overview,
    /// Listeners and their filter chains.
    Listeners,
    /// Clusters with circuit-breaker limits.
    Clusters,
    /// Route configurations, virtual hosts and routes.
    Routes,
    /// Endpoints with health and outlier state.
    Endpoints,
    /// SDS secrets and certificate expiry.
    Secrets,
    /// Envoy stats.
    Stats,
    /// The `istio-proxy` log.
    Logs,
    /// `/memory`.
    Memory,
    /// Metric series per family and label (`/stats/prometheus`).
    Cardinality,
    /// The control plane.
    Istiod,
    /// The raw JSON of one resource.
    Json,
    /// One request followed across sidecars.
    Trace,
    /// Envoy's logger levels (`/logging`), changeable after confirmation.
    Logging,
    /// The application container's log, beside the sidecar's.
    AppLogs,
    /// The fleet's findings, grouped by rule (the list screen).
    Findings,
    /// The sidecars one rule fired on (the list screen).
    FleetPods,
    /// Which route a request takes through the sidecar, and why.
    Route,
    /// The open sidecar's config against another's: the resources that differ.
    Diff,
    /// One resource's field differences.
    DiffFields,
    /// ztunnel: its workloads (`zc workload`).
    ZWorkloads,
    /// ztunnel: its services (`zc service`).
    ZServices,
    /// ztunnel: its authorization policies (`zc policy`).
    ZPolicies,
    /// ztunnel: its certificates (`zc certificate`).
    ZCertificates,
    /// ztunnel: its connections (`zc connections`).
    ZConnections,
}

impl ViewKind {
    /// The tabs, in number-key order (1..9).
    pub const TABS: [ViewKind; 9] = [
        ViewKind::Overview,
        ViewKind::Listeners,
        ViewKind::Clusters,
        ViewKind::Routes,
        ViewKind::Endpoints,
        ViewKind::Secrets,
        ViewKind::Stats,
        ViewKind::Logs,
        ViewKind::Istiod,
    ];

    /// The views a `:` command or the config file can name, in that order.
    pub const NAMED: [ViewKind; 18] = [
        ViewKind::Targets,
        ViewKind::Overview,
        ViewKind::Listeners,
        ViewKind::Clusters,
        ViewKind::Routes,
        ViewKind::Endpoints,
        ViewKind::Secrets,
        ViewKind::Stats,
        ViewKind::Logs,
        ViewKind::Memory,
        ViewKind::Cardinality,
        ViewKind::Istiod,
        ViewKind::Logging,
        ViewKind::ZWorkloads,
        ViewKind::ZServices,
        ViewKind::ZPolicies,
        ViewKind::ZCertificates,
        ViewKind::ZConnections,
    ];
}

/// Which key bindings apply to a view, besides the global ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere in normal mode.
    Global,
    /// Table views (sidecars, listeners, clusters, routes, endpoints, secrets).
    Table,
    /// The raw JSON view.
    Json,
    /// The Stats view.
    Stats,
}
