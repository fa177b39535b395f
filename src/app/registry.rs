//! The one place that names every view: for each [`ViewKind`] the feature
//! that owns it says its title, the endpoints it needs, its table, what Enter
//! and `x` do on a row, and which keys apply. The core (update, fetch, views,
//! keys, the palette) and the ui ask here; features never do, so a feature
//! depends on the core's vocabulary and never on the router.

use super::action::Drill;
use super::spec::ViewSpec;
use super::state::{focused_view, AppState};
use super::table::{Row, Table};
use super::view::ViewKind;
use super::{
    cardinality, clusters, diff, endpoints, fleet, istiod, json, listeners, loglevels, logs,
    memory, overview, route, routes, secrets, sidecars, stats, trace, ztunnel,
};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// The registry: every view and the feature that owns it.
pub fn spec(kind: ViewKind) -> ViewSpec {
    match kind {
        ViewKind::Targets => sidecars::SPEC,
        ViewKind::Overview => overview::SPEC,
        ViewKind::Listeners => listeners::SPEC,
        ViewKind::Clusters => clusters::SPEC,
        ViewKind::Routes => routes::SPEC,
        ViewKind::Endpoints => endpoints::SPEC,
        ViewKind::Secrets => secrets::SPEC,
        ViewKind::Stats => stats::SPEC,
        ViewKind::Logs => logs::SPEC,
        ViewKind::AppLogs => logs::APP_SPEC,
        ViewKind::Memory => memory::SPEC,
        ViewKind::Cardinality => cardinality::SPEC,
        ViewKind::Istiod => istiod::SPEC,
        ViewKind::Json => json::SPEC,
        ViewKind::Trace => trace::SPEC,
        ViewKind::Logging => loglevels::SPEC,
        ViewKind::Findings => fleet::SPEC,
        ViewKind::FleetPods => fleet::PODS_SPEC,
        ViewKind::Route => route::SPEC,
        ViewKind::Diff => diff::SPEC,
        ViewKind::DiffFields => diff::FIELDS_SPEC,
        ViewKind::ZWorkloads => ztunnel::WORKLOADS,
        ViewKind::ZServices => ztunnel::SERVICES,
        ViewKind::ZPolicies => ztunnel::POLICIES,
        ViewKind::ZCertificates => ztunnel::CERTIFICATES,
        ViewKind::ZConnections => ztunnel::CONNECTIONS,
    }
}

impl ViewKind {
    /// Lower-case name used by `:` commands and the config file.
    pub fn name(self) -> &'static str {
        spec(self).name
    }

    /// From a name (`pods`, `clusters`…); also accepts singular forms.
    pub fn from_name(name: &str) -> Option<ViewKind> {
        let n = name.trim().to_ascii_lowercase();
        let n = n.trim_end_matches('s');
        ViewKind::NAMED.into_iter().find(|k| {
            k.name().trim_end_matches('s') == n || (n == "pod" && *k == ViewKind::Targets)
        })
    }

    /// Title shown in the pane border.
    pub fn title(self) -> &'static str {
        spec(self).title
    }

    /// The endpoints a view needs, sidecar-level.
    pub fn needs(self) -> &'static [Endpoint] {
        spec(self).needs
    }

    /// Whether this view is a table of rows.
    pub fn is_table(self) -> bool {
        spec(self).table.is_some()
    }
}

/// The table a view kind shows for a target, with its data version.
pub fn table_of(state: &AppState, kind: ViewKind, target: Option<usize>) -> Option<(&Table, u64)> {
    spec(kind).table.and_then(|f| f(state, target))
}

/// The row under the focused view's cursor, and the view's kind.
pub fn focused_row(state: &AppState) -> Option<(ViewKind, Row)> {
    let view = focused_view(state)?;
    let &row = view.visible.get(view.cursor)?;
    let (table, _) = table_of(state, view.kind, state.selected)?;
    table.rows.get(row).map(|r| (view.kind, r.clone()))
}

/// The tabs of the open target, in number-key order: a ztunnel's own views,
/// Envoy's otherwise.
pub fn tabs(state: &AppState) -> [ViewKind; 9] {
    match state.selected {
        Some(t) if ztunnel::is_ztunnel(state, t) => ztunnel::TABS,
        _ => ViewKind::TABS,
    }
}

/// The layout's views from the config (unknown names skipped, at least one);
/// a ztunnel opens on its workloads, connections and log.
pub fn layout(state: &AppState) -> Vec<ViewKind> {
    if let Some(t) = state.selected {
        if ztunnel::is_ztunnel(state, t) {
            return ztunnel::LAYOUT.to_vec();
        }
    }
    let v: Vec<ViewKind> = state
        .config
        .layout
        .iter()
        .filter_map(|n| ViewKind::from_name(n))
        .take(3)
        .collect();
    if v.is_empty() {
        vec![ViewKind::Clusters]
    } else {
        v
    }
}

/// Enter on a resource row: what the owning feature makes of it (the view of
/// what the row points to, a sidecar, effects), else its raw JSON.
pub fn enter(state: &mut AppState) -> Drill {
    let Some((kind, row)) = focused_row(state) else {
        return Drill::Done;
    };
    match spec(kind).enter.map(|f| f(state, &row)) {
        Some(Drill::Raw) | None => {
            open_raw(state);
            Drill::Done
        }
        Some(d) => d,
    }
}

/// Opens the raw JSON of the row under the cursor in the focused pane.
pub fn open_raw(state: &mut AppState) {
    let Some((kind, row)) = focused_row(state) else {
        return;
    };
    let Some(raw) = spec(kind).raw else { return };
    match raw(state, &row) {
        Ok((text, title)) => json::open(state, &text, title),
        Err(message) => state.say(message, Severity::Warn),
    }
}
