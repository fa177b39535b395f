//! Everything the UI shows, owned by the app loop alone. Tasks never touch
//! it: they send actions, and `update` changes it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tui_input::Input;

use super::data::Data;
use super::dump::DumpData;
use super::json_tree::JsonTree;
use super::table::{Filter, Sort, Table};
pub use super::view::ViewKind;
use crate::config::Config;
use crate::model::severity::Severity;
use crate::sources::target::{Endpoint, MeshInfo};
use crate::theme::Theme;

/// The data behind one endpoint of one target.
#[derive(Debug, Clone)]
pub enum Loadable {
    /// Requested, nothing yet.
    Loading {
        /// When the request left.
        since: Instant,
    },
    /// Parsed data.
    Ready {
        /// The data.
        data: Data,
        /// When it arrived.
        at: Instant,
    },
    /// The last request failed; older data is kept when there was some.
    Failed {
        /// What went wrong, for the pane.
        error: String,
        /// When.
        at: Instant,
        /// The last good data, still shown under the error.
        stale: Option<Data>,
    },
}

/// One endpoint's slot: its state, the id of the newest request, and a version
/// that grows with every new data so views know when to re-filter.
#[derive(Debug, Clone)]
pub struct Slot {
    /// Current state.
    pub state: Loadable,
    /// Id of the newest request; older results are dropped.
    pub request: u64,
    /// A request is on its way.
    pub in_flight: bool,
    /// Grows with every successful load.
    pub version: u64,
    /// Failures in a row because the body was over the size cap; each one
    /// doubles the wait before the next automatic poll.
    pub oversize: u32,
}

impl Slot {
    /// The newest data, fresh or stale.
    pub fn data(&self) -> Option<&Data> {
        match &self.state {
            Loadable::Ready { data, .. } => Some(data),
            Loadable::Failed { stale, .. } => stale.as_ref(),
            Loadable::Loading { .. } => None,
        }
    }
}

/// A new cluster selection asked for with `:ctx` or `:ns`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Relaunch {
    /// kubeconfig context (None: keep the current one).
    pub context: Option<String>,
    /// Namespace (None with `all_namespaces` false: the context's namespace).
    pub namespace: Option<String>,
    /// Every namespace.
    pub all_namespaces: bool,
}

/// One in-process port-forward and how it is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardLine {
    /// `namespace/pod:port`.
    pub name: String,
    /// `ready http://127.0.0.1:PORT`, `connecting`, `failed: …, retry in 2s`.
    pub state: String,
    /// Ready.
    pub healthy: bool,
}

/// Key of a data slot: the target (None = istiod) and the endpoint.
pub type SlotKey = (Option<usize>, Endpoint);

/// One view inside a pane, with its own filter, cursor and sort.
#[derive(Debug, Clone)]
pub struct ViewState {
    /// What it shows.
    pub kind: ViewKind,
    /// Filter text (`/`).
    pub filter: String,
    /// Parsed filter.
    pub parsed: Filter,
    /// Cursor position among the visible rows.
    pub cursor: usize,
    /// First visible row.
    pub offset: usize,
    /// Sort order.
    pub sort: Option<Sort>,
    /// Indices of visible rows, and the (data version) they were computed for.
    /// Shared with the view's [`FilterMemo`](super::memo::FilterMemo), so a
    /// remembered filter's rows are not copied back and forth.
    pub visible: super::table::Visible,
    /// Data version `visible` was computed for.
    pub computed_for: Option<u64>,
    /// Recent filters' rows, so typing narrows instead of rescanning.
    pub memo: super::memo::FilterMemo,
    /// Only rows with these keys (set by drilling down, shown in the title).
    pub keys: Option<Vec<String>>,
    /// For [`ViewKind::Json`]: the tree and what it shows.
    pub json: Option<Box<JsonTree>>,
    /// For [`ViewKind::Trace`]: the request followed across sidecars.
    pub trace: Option<Box<super::trace::state::Trace>>,
    /// For [`ViewKind::Route`]: the route a request takes, step by step.
    pub route: Option<Box<crate::model::route_explain::RouteDecision>>,
    /// For [`ViewKind::Json`]: the title (resource kind and name).
    pub json_title: String,
    /// Shown full width when a sidecar was opened; leaving it shows the panes.
    pub landing: bool,
}

impl ViewState {
    /// A fresh view.
    pub fn new(kind: ViewKind) -> Self {
        ViewState {
            kind,
            filter: String::new(),
            parsed: Filter::parse(""),
            cursor: 0,
            offset: 0,
            sort: None,
            visible: std::sync::Arc::default(),
            computed_for: None,
            memo: super::memo::FilterMemo::default(),
            keys: None,
            json: None,
            trace: None,
            route: None,
            json_title: String::new(),
            landing: false,
        }
    }

    /// A view restricted to rows with these keys.
    pub fn only(kind: ViewKind, keys: Vec<String>) -> Self {
        let mut v = ViewState::new(kind);
        v.keys = Some(keys);
        v
    }
}

/// A pane: a stack of views (Enter pushes, Esc pops).
#[derive(Debug, Clone)]
pub struct Pane {
    /// Views, the last is shown.
    pub stack: Vec<ViewState>,
}

impl Pane {
    /// A pane showing one view.
    pub fn new(kind: ViewKind) -> Self {
        Pane {
            stack: vec![ViewState::new(kind)],
        }
    }

    /// The view on top.
    pub fn top(&self) -> Option<&ViewState> {
        self.stack.last()
    }

    /// The view on top, mutably.
    pub fn top_mut(&mut self) -> Option<&mut ViewState> {
        self.stack.last_mut()
    }
}

/// What keys go to.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Navigation.
    Normal,
    /// Typing a filter for the focused view.
    Filter(Input),
    /// Typing a `:` command.
    Palette(Input),
    /// The help overlay.
    Help,
    /// A change to a sidecar waits for the user's yes.
    Confirm(super::loglevels::state::Proposal),
    /// One logger on many sidecars, the confirmation listing each.
    ConfirmFleet(Box<super::loglevels::state::FleetProposal>),
}

/// The application state.
#[derive(Debug)]
pub struct AppState {
    /// Where the data comes from, for the title bar (`demo`, `bundle x.json`…).
    pub source_label: String,
    /// The targets and istiod.
    pub mesh: MeshInfo,
    /// The target list view.
    pub targets: ViewState,
    /// The target list table (rebuilt when health data arrives).
    pub targets_table: Table,
    /// Version of `targets_table`.
    pub targets_version: u64,
    /// The sidecar being inspected (None: the target list is shown).
    pub selected: Option<usize>,
    /// The side-by-side panes for the selected sidecar.
    pub panes: Vec<Pane>,
    /// Focused pane.
    pub focus: usize,
    /// Only the focused pane is drawn.
    pub zoom: bool,
    /// Fetched data.
    pub slots: HashMap<SlotKey, Slot>,
    /// Input mode.
    pub mode: Mode,
    /// Colours by role.
    pub theme: Theme,
    /// A message for the status line, with its severity and when it was set.
    pub status: Option<(String, Severity, Instant)>,
    /// The app clock (set by ticks; tests set it by hand).
    pub now: Instant,
    /// Next request id.
    pub next_request: u64,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// Leave the loop.
    pub quit: bool,
    /// Settings.
    pub config: Config,
    /// Where settings are saved (None: never written, e.g. in tests).
    pub config_path: Option<PathBuf>,
    /// Terminal size (columns, rows) for paging.
    pub size: (u16, u16),
    /// When each target's visible data was last polled.
    pub last_poll: Option<Instant>,
    /// Log lines per target.
    pub logs: HashMap<usize, super::logs::state::LogBuffer>,
    /// The cluster whose stats the Stats panes show (set by the Clusters pane's cursor).
    pub linked_cluster: Option<String>,
    /// Application-container log lines per target (followed on demand).
    pub app_logs: HashMap<usize, super::logs::state::LogBuffer>,
    /// Stats and memory history per target (rates, sparklines, mark).
    pub series: HashMap<usize, super::stats::state::TargetSeries>,
    /// The last log-level change made, so it can be undone.
    pub last_log_change: Option<super::loglevels::state::Proposal>,
    /// The last change made across sidecars (the ones that took), so `R`
    /// puts each back; set, it is what `R` undoes.
    pub last_fleet_change: Option<super::loglevels::state::FleetProposal>,
    /// Port-forwards through the API server (empty for other sources).
    pub forwards: Vec<ForwardLine>,
    /// Whether `:ctx` and `:ns` apply (the session reads a Kubernetes cluster).
    pub kube: bool,
    /// The source is a capture (`open`): a saved body never changes, so each
    /// is read once and a missing one is not asked for again.
    pub snapshot: bool,
    /// Set by `:ctx`/`:ns`: leave the loop and reconnect with this selection.
    pub relaunch: Option<Relaunch>,
    /// The doctor on every sidecar of the list.
    pub fleet: super::fleet::state::FleetState,
    /// Views over the sidecar list, the last shown (the fleet's findings by
    /// rule, then one rule's sidecars); empty: the list itself.
    pub list: Vec<ViewState>,
    /// The last `:diff` of the open sidecar.
    pub diff: Option<super::diff::state::DiffState>,
    /// The doctor's findings per target.
    pub doctor: HashMap<usize, super::overview::state::Diagnosis>,
    /// istiod's intent versus Envoy's config, per target, with the data versions compared.
    pub drift: HashMap<usize, ((u64, u64), std::sync::Arc<crate::model::istiod::ConfigDiff>)>,
}

impl AppState {
    /// A fresh state for a mesh.
    pub fn new(
        mesh: MeshInfo,
        source_label: &str,
        config: Config,
        theme: Theme,
        now: Instant,
    ) -> Self {
        AppState {
            source_label: source_label.to_string(),
            mesh,
            targets: ViewState::new(ViewKind::Targets),
            targets_table: Table::default(),
            targets_version: 0,
            selected: None,
            panes: Vec::new(),
            focus: 0,
            zoom: false,
            slots: HashMap::new(),
            mode: Mode::Normal,
            theme,
            status: None,
            now,
            next_request: 1,
            dirty: true,
            quit: false,
            config,
            config_path: None,
            size: (120, 40),
            last_poll: None,
            logs: HashMap::new(),
            app_logs: HashMap::new(),
            linked_cluster: None,
            series: HashMap::new(),
            last_log_change: None,
            last_fleet_change: None,
            forwards: Vec::new(),
            drift: HashMap::new(),
            doctor: HashMap::new(),
            diff: None,
            fleet: Default::default(),
            list: Vec::new(),
            kube: false,
            snapshot: false,
            relaunch: None,
        }
    }

    /// Poll interval for visible data.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.config.poll_interval_ms)
    }

    /// Whether `endpoint` of `target` can be asked at all: pilot-agent
    /// endpoints need an agent URL (`--agent`, or a cluster source).
    pub fn reachable(&self, target: Option<usize>, endpoint: Endpoint) -> bool {
        let Some(pod) = target.and_then(|t| self.mesh.pods.get(t)) else {
            return true;
        };
        if endpoint.is_agent() {
            return pod.agent.is_some();
        }
        // A ztunnel's admin port answers /config_dump and /logging only.
        let ztunnel = pod.kind == Some(crate::sources::target::TargetKind::Ztunnel)
            || matches!(
                self.slots
                    .get(&(target, Endpoint::ConfigDump))
                    .and_then(Slot::data),
                Some(Data::Ztunnel(_))
            );
        !ztunnel
            || matches!(
                endpoint,
                Endpoint::ConfigDump
                    | Endpoint::Logging
                    | Endpoint::IstiodMetrics
                    | Endpoint::Syncz
            )
    }

    /// The slot of an endpoint of the selected target.
    pub fn slot(&self, target: Option<usize>, endpoint: Endpoint) -> Option<&Slot> {
        self.slots.get(&(target, endpoint))
    }

    /// The data of an endpoint of a target (fresh or stale), with its version.
    pub fn data(&self, target: Option<usize>, endpoint: Endpoint) -> Option<(&Data, u64)> {
        let slot = self.slot(target, endpoint)?;
        slot.data().map(|d| (d, slot.version))
    }

    /// The parsed config dump of a target, with its version.
    pub fn dump(&self, target: Option<usize>) -> Option<(&DumpData, u64)> {
        match self.data(target, Endpoint::ConfigDump)? {
            (Data::Dump(d), v) => Some((d.as_ref(), v)),
            _ => None,
        }
    }

    /// The target's parsed config dump for a command that walks it, or `None`
    /// with a word in the status line that it has not loaded yet.
    pub fn loaded_dump(&mut self, target: usize) -> Option<std::sync::Arc<DumpData>> {
        match self.data(Some(target), Endpoint::ConfigDump) {
            Some((Data::Dump(d), _)) => Some(d.clone()),
            _ => {
                self.say(
                    "the config dump is not here yet: try again when it has loaded",
                    Severity::Warn,
                );
                None
            }
        }
    }

    /// Sets the status line.
    pub fn say(&mut self, message: impl Into<String>, severity: Severity) {
        self.status = Some((message.into(), severity, self.now));
        self.dirty = true;
    }

    /// Rows of a page for paging keys.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }
}

/// The focused view (the sidecar list, or the fleet's findings, when no
/// sidecar is open).
pub fn focused_view(state: &AppState) -> Option<&ViewState> {
    if state.selected.is_none() {
        return Some(state.list.last().unwrap_or(&state.targets));
    }
    state.panes.get(state.focus).and_then(Pane::top)
}

/// The focused view, mutably.
pub fn focused_view_mut(state: &mut AppState) -> Option<&mut ViewState> {
    if state.selected.is_none() {
        return Some(match state.list.last_mut() {
            Some(v) => v,
            None => &mut state.targets,
        });
    }
    state.panes.get_mut(state.focus).and_then(Pane::top_mut)
}

/// The kind of the focused view.
pub fn focused_kind(state: &AppState) -> Option<ViewKind> {
    focused_view(state).map(|v| v.kind)
}
