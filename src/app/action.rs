//! The vocabulary of the app: every state change is an [`Action`], and
//! `update` answers with [`Effect`]s for the task runner. Key bindings and the
//! help overlay are generated from the keymap in `keys.rs`, which maps keys
//! to these actions.

use std::time::Instant;

use crossterm::event::KeyEvent;

use super::data::Data;
use super::state::{SlotKey, ViewState};
use crate::sources::logs::LogError;

/// Everything that can happen.
#[derive(Debug, Clone)]
pub enum Action {
    /// Leave meshscope.
    Quit,
    /// Time passes (drives polling and "age" labels).
    Tick(Instant),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// Cursor up one row.
    Up,
    /// Cursor down one row.
    Down,
    /// Cursor up one page.
    PageUp,
    /// Cursor down one page.
    PageDown,
    /// Cursor to the first row.
    Home,
    /// Cursor to the last row.
    End,
    /// Open the row under the cursor: a sidecar, or what a resource points to
    /// (listener → route config or cluster, cluster → endpoints, route → clusters).
    Enter,
    /// Back to the previous view (or clear the filter, or leave an overlay).
    Back,
    /// Start typing a filter for the focused view.
    StartFilter,
    /// Open the `:` command palette.
    OpenPalette,
    /// Show or hide the help overlay.
    ToggleHelp,
    /// Sort by the next column (ascending, then descending, then natural order).
    SortNext,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// Zoom the focused pane to the whole screen and back.
    ToggleZoom,
    /// Show tab N (1-based) in the focused pane.
    Tab(usize),
    /// Show the application container's log beside the sidecar's.
    ShowAppLog,
    /// Open the raw JSON of the resource under the cursor.
    ShowRaw,
    /// Fetch the focused view's data again now.
    Refresh,
    /// Fold or unfold the JSON node under the cursor.
    ToggleFold,
    /// Jump to the next search match in the JSON view.
    NextMatch,
    /// Jump to the previous search match in the JSON view.
    PrevMatch,
    /// Copy the JSON path under the cursor (OSC 52) and show it.
    CopyPath,
    /// Stats: remember every value now and show each stat's change since
    /// (never calls `/reset_counters`).
    MarkStats,
    /// Stats: hide or show zero-valued stats.
    ToggleUsedOnly,
    /// Stats: list all types, then counters, gauges, histograms.
    CycleStatKind,
    /// Answer to a confirmation: `true` applies the change.
    Confirm(bool),
    /// In a confirmation of a log-level change: propose the next level.
    CycleProposal,
    /// Offer to put back the level changed last (asks for confirmation).
    RestoreLogLevel,
    /// The levels of a logger across sidecars were read: confirm the change.
    FleetLevelsRead(Box<super::loglevels::state::FleetProposal>),
    /// A change across sidecars finished; `failed` lists (pod, why).
    FleetLevelsSet {
        /// The change that was confirmed.
        proposal: Box<super::loglevels::state::FleetProposal>,
        /// The sidecars it failed on, and why.
        failed: Vec<(String, String)>,
    },
    /// Scroll the confirmation's list by this many lines.
    ScrollConfirm(i32),
    /// A log-level change finished.
    LogLevelSet {
        /// The change that was asked for.
        proposal: super::loglevels::state::Proposal,
        /// Error message when it failed.
        error: Option<String>,
    },
    /// A key typed into the filter or palette input.
    InputKey(KeyEvent),
    /// A warning from a task for the status line (e.g. the config file could not be written).
    Notice(String),
    /// Run a `:` command (`clusters`, `layout clusters stats logs`, `theme light`…).
    Command(String),
    /// Mouse wheel at (column, row); `down` scrolls toward later rows.
    Scroll {
        /// Column.
        col: u16,
        /// Row.
        row: u16,
        /// Toward later rows.
        down: bool,
    },
    /// Mouse click at (column, row): focus that pane and select that row.
    Click {
        /// Column.
        col: u16,
        /// Row.
        row: u16,
    },
    /// A fetch finished (stale ids are dropped).
    Fetched {
        /// Which slot.
        key: SlotKey,
        /// The request id it answers.
        request: u64,
        /// Parsed data or a message for the pane.
        result: Result<Data, String>,
    },
    /// Log lines arrived for a sidecar (batched).
    LogLines {
        /// `namespace/pod` (stable when the mesh changes).
        pod: String,
        /// The lines.
        lines: Vec<String>,
    },
    /// The set of sidecars changed (Kubernetes watch): pods added, gone or
    /// changed. Indices are remapped by `namespace/pod`.
    MeshChanged(crate::sources::target::MeshInfo),
    /// A comparison of istiod's and Envoy's config for a target finished.
    Compared {
        /// Target index.
        target: usize,
        /// Data versions compared.
        versions: (u64, u64),
        /// The result.
        diff: std::sync::Arc<crate::model::istiod::ConfigDiff>,
    },
    /// A diagnosis of a target finished.
    Diagnosed {
        /// Target index.
        target: usize,
        /// Data versions of the evidence it read.
        versions: super::overview::state::Versions,
        /// Findings, worst first.
        report: std::sync::Arc<crate::model::findings::Report>,
    },
    /// The state of the port-forwards (Kubernetes sources), for the UI.
    Forwards(Vec<super::state::ForwardLine>),
    /// On a Routes row: fill the palette with `:route` for its domain and path.
    ExplainRow,
    /// A `:diff` finished.
    Diffed {
        /// The open sidecar's index.
        target: usize,
        /// The other side's label.
        b: String,
        /// The diff, or why there is none.
        result: Result<std::sync::Arc<crate::model::diff::ConfigDiff>, String>,
    },
    /// A route walk finished.
    RouteExplained {
        /// Target index.
        target: usize,
        /// The decision, step by step.
        decision: Box<crate::model::route_explain::RouteDecision>,
    },
    /// Show the fleet's findings, grouped by rule (scanning first if needed).
    ShowFindings,
    /// A sidecar of a fleet scan is done.
    FleetProgress {
        /// The scan's id.
        scan: u64,
        /// How far it got.
        progress: crate::sources::fleet::Progress,
    },
    /// A fleet scan finished (or was superseded: stale ids are dropped).
    FleetScanned {
        /// The scan's id.
        scan: u64,
        /// The report and its tables.
        scanned: Box<super::fleet::state::Scanned>,
    },
    /// Log lines of every sidecar that mention one request id arrived.
    Traced {
        /// The x-request-id.
        request_id: String,
        /// `(namespace/pod, raw line)` for each line found.
        found: Vec<(String, String)>,
    },
    /// A log stream ended.
    LogEnded {
        /// `namespace/pod`.
        pod: String,
        /// Why, when it was an error.
        error: Option<LogError>,
    },
}

/// What `update` asks the runner to do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Run the doctor over a target's evidence (off the UI thread).
    Diagnose {
        /// Target index.
        target: usize,
        /// Data versions of the evidence.
        versions: super::overview::state::Versions,
        /// The evidence.
        input: Box<super::overview::state::DiagnoseInput>,
    },
    /// Compare what istiod would send a target with what its Envoy holds.
    Compare {
        /// Target index.
        target: usize,
        /// Data versions (istiod's, Envoy's) being compared.
        versions: (u64, u64),
        /// istiod's dump for the proxy.
        istiod: std::sync::Arc<super::dump::DumpData>,
        /// Envoy's own dump.
        envoy: std::sync::Arc<super::dump::DumpData>,
    },
    /// Diff the open sidecar's dump with another side's (fetched first when
    /// `b_dump` is not given), off the UI thread.
    Diff {
        /// The open sidecar's index.
        target: usize,
        /// Its dump text.
        a: std::sync::Arc<str>,
        /// The other side.
        with: super::diff::state::DiffWith,
        /// The other sidecar's dump text, when it is already loaded.
        b_dump: Option<std::sync::Arc<str>>,
    },
    /// Walk a request through a target's config dump (off the UI thread).
    ExplainRoute {
        /// Target index.
        target: usize,
        /// The request.
        request: Box<crate::model::route_explain::RouteRequest>,
        /// The parsed dump (its text is parsed again for the walk).
        dump: std::sync::Arc<super::dump::DumpData>,
        /// `/clusters?format=json`, for endpoint health.
        clusters: Option<std::sync::Arc<crate::model::clusters::ClusterStatuses>>,
    },
    /// Diagnose every sidecar of the list (bounded concurrency, read-only
    /// endpoints only); a newer scan cancels an older one.
    ScanFleet {
        /// The scan's id.
        scan: u64,
        /// The sidecars.
        targets: Vec<crate::sources::target::TargetInfo>,
        /// Probes at once.
        concurrency: usize,
    },
    /// Fetch an endpoint into a slot, tagged with a request id.
    Fetch {
        /// Which slot.
        key: SlotKey,
        /// Request id.
        request: u64,
    },
    /// Follow the `istio-proxy` log of a target.
    FollowLogs {
        /// Target index.
        target: usize,
        /// The application container instead of `istio-proxy`.
        app: bool,
    },
    /// Search every sidecar's recent log for one request id.
    TraceRequest {
        /// The x-request-id.
        request_id: String,
    },
    /// Change a logger's level on a sidecar (confirmed by the user).
    SetLogLevel(super::loglevels::state::Proposal),
    /// Read a logger's level on these sidecars (read-only), then ask.
    ReadFleetLevels(Box<super::loglevels::state::FleetProposal>),
    /// Apply a confirmed change across sidecars, a few at a time.
    SetFleetLevels(Box<super::loglevels::state::FleetProposal>),
    /// Write the config file (layout or theme changed).
    SaveConfig,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
}

/// What Enter on a row leads to, as the view that owns the row decides.
#[derive(Debug)]
pub enum Drill {
    /// Push this view (what the row points to) on the focused pane.
    Push(Box<ViewState>),
    /// Open this sidecar.
    Open(usize),
    /// Start these effects.
    Effects(Vec<Effect>),
    /// Show the row's raw JSON.
    Raw,
    /// Nothing more to do.
    Done,
}
