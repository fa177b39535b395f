//! The Diff view: the open sidecar's config against another sidecar of the
//! list, a saved capture or an admin URL (`:diff TARGET`; bare `:diff` takes
//! the other replica of the same app). Resources that differ come first,
//! Enter shows a resource's field differences; volatile fields (update
//! times, versions, nonces) are left out, as `meshscope diff` does. The other
//! side is fetched and both are diffed off the UI thread.

pub mod state;

use std::sync::Arc;

use self::state::{DiffState, DiffWith};
use super::action::{Drill, Effect};
use super::data::Data;
use super::spec::ViewSpec;
use super::state::{AppState, ViewKind, ViewState};
use super::table::{Row, Table};
use super::view::Context;
use crate::model::diff::ConfigDiff;
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// The resources that differ.
pub const SPEC: ViewSpec = ViewSpec {
    table: Some(resources_table),
    enter: Some(enter_resource),
    context: Context::Table,
    ..ViewSpec::named("diff", "Diff")
};

/// One resource's field differences.
pub const FIELDS_SPEC: ViewSpec = ViewSpec {
    table: Some(fields_table),
    context: Context::Table,
    ..ViewSpec::named("diff", "Diff")
};

/// The usage line of `:diff`.
pub const USAGE: &str = "diff [SIDECAR | PATH[#ns/pod] | URL]";

fn resources_table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    state.diff.as_ref().map(|d| (&d.resources, d.version))
}

fn fields_table(state: &AppState, _target: Option<usize>) -> Option<(&Table, u64)> {
    state.diff.as_ref().map(|d| (&d.fields, d.version))
}

/// Enter on a resource: its field differences (nothing to show for one that
/// only one side has).
fn enter_resource(state: &mut AppState, row: &Row) -> Drill {
    let Some(d) = &state.diff else {
        return Drill::Done;
    };
    let Some(r) = d
        .diff
        .resources
        .iter()
        .find(|r| state::resource_key(r) == row.key)
    else {
        return Drill::Done;
    };
    if r.fields.is_empty() {
        let side = if r.change == crate::model::diff::Change::Added {
            &d.b
        } else {
            &d.a
        };
        let msg = format!("{} {} is only in {side}", r.kind.singular(), r.name);
        state.say(msg, Severity::Info);
        return Drill::Done;
    }
    let mut v = ViewState::only(ViewKind::DiffFields, vec![row.key.clone()]);
    v.json_title = "field diff".into();
    Drill::Push(Box::new(v))
}

/// Which sidecar or source `args` names, or why none.
fn other_side(state: &AppState, target: usize, args: &[&str]) -> Result<DiffWith, String> {
    let pods = &state.mesh.pods;
    let me = &pods[target];
    match args {
        [] => {
            let siblings: Vec<usize> = (0..pods.len())
                .filter(|&i| {
                    i != target
                        && !me.app.is_empty()
                        && pods[i].app == me.app
                        && pods[i].namespace == me.namespace
                })
                .collect();
            match siblings.as_slice() {
                [only] => Ok(DiffWith::Sidecar(*only)),
                [] => Err(format!(
                    "{} has no other replica in the list: usage: :{USAGE}",
                    me.key()
                )),
                many => {
                    let names: Vec<String> =
                        many.iter().take(6).map(|&i| pods[i].name.clone()).collect();
                    Err(format!(
                        "{} replicas of {}: name one (:diff {})",
                        many.len(),
                        me.app,
                        names.join(" | ")
                    ))
                }
            }
        }
        [one] => match pods.iter().position(|p| p.key() == *one || p.name == *one) {
            Some(i) if i == target => Err(format!("{one} is the open sidecar")),
            Some(i) => Ok(DiffWith::Sidecar(i)),
            None => Ok(DiffWith::Source(one.to_string())),
        },
        _ => Err(format!("usage: :{USAGE} (a path may not hold spaces)")),
    }
}

/// `:diff …` on the open sidecar: asks for the other side and the diff.
pub fn command(state: &mut AppState, args: &[&str], fx: &mut Vec<Effect>) {
    let Some(target) = state.selected else {
        state.say("open a sidecar first (Enter on a row)", Severity::Warn);
        return;
    };
    let with = match other_side(state, target, args) {
        Ok(w) => w,
        Err(e) => {
            state.say(e, Severity::Warn);
            return;
        }
    };
    let Some(dump) = state.loaded_dump(target) else {
        return;
    };
    let a = state.mesh.pods[target].key();
    let b = match &with {
        DiffWith::Sidecar(i) => state.mesh.pods[*i].key(),
        DiffWith::Source(s) => s.clone(),
    };
    // The other sidecar's dump when it is already here; else the task fetches it.
    let b_dump = match &with {
        DiffWith::Sidecar(i) => match state.data(Some(*i), Endpoint::ConfigDump) {
            Some((Data::Dump(d), _)) => Some(d.text.clone()),
            _ => None,
        },
        DiffWith::Source(_) => None,
    };
    state.say(format!("comparing {a} with {b}…"), Severity::Ok);
    fx.push(Effect::Diff {
        target,
        a: dump.text.clone(),
        with,
        b_dump,
    });
}

/// The diff came back: shown full width over the focused pane (the sidecar
/// still open); Esc goes back to the panes.
pub fn diffed(
    state: &mut AppState,
    target: usize,
    b: String,
    result: Result<Arc<ConfigDiff>, String>,
) {
    if state.selected != Some(target) {
        return;
    }
    let diff = match result {
        Ok(d) => d,
        Err(e) => {
            state.say(format!("diff: {e}"), Severity::Error);
            return;
        }
    };
    let a = state
        .mesh
        .pods
        .get(target)
        .map(|t| t.key())
        .unwrap_or_default();
    let version = state.diff.as_ref().map_or(1, |d| d.version + 1);
    let d = DiffState::new(a, b, diff, version);
    let summary = d.summary();
    let mut v = ViewState::new(ViewKind::Diff);
    v.json_title = format!("diff with {}: {summary}", d.b);
    state.say(
        summary,
        if d.diff.differs() {
            Severity::Warn
        } else {
            Severity::Ok
        },
    );
    state.diff = Some(d);
    let (focus, zoomed) = (state.focus, state.zoom);
    if let Some(p) = state.panes.get_mut(focus) {
        // A newer diff replaces the one shown (and unzooms where it would have).
        let is_diff = |v: &ViewState| matches!(v.kind, ViewKind::Diff | ViewKind::DiffFields);
        v.landing = !zoomed || p.stack.iter().any(|old| is_diff(old) && old.landing);
        p.stack.retain(|old| !is_diff(old));
        p.stack.push(v);
        state.zoom = true;
    }
}
