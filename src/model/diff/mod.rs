//! Diff of two Envoy config dumps: resources added, removed and changed per
//! kind (listeners, clusters, routes and their virtual hosts, endpoints,
//! secrets, extension configs, bootstrap), then a field diff per changed
//! resource. Pure: both dumps are already parsed; resources whose raw JSON is
//! byte-identical are never parsed further, so memory stays near the inputs.
//!
//! A view draws [`ConfigDiff::resources`] as the list and
//! [`ResourceDiff::fields`] as the drill-down.

mod fields;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

pub use fields::{diff_values, short_value, strip_volatile, FieldDiff, VOLATILE};

use crate::model::config_dump::{ConfigDump, Kind, Resource, State};

/// What a diffed resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// The bootstrap (one per dump).
    Bootstrap,
    /// Listeners.
    Listener,
    /// Route configurations (their virtual hosts are diffed on their own).
    Route,
    /// Virtual hosts, named `route/virtual_host`.
    VirtualHost,
    /// Clusters.
    Cluster,
    /// Cluster load assignments (EDS), named by cluster.
    Endpoint,
    /// SDS secrets.
    Secret,
    /// Scoped route configurations.
    ScopedRoute,
    /// ECDS extension configs.
    Ecds,
}

impl DiffKind {
    /// Every kind, in report order.
    pub const ALL: &'static [DiffKind] = &[
        DiffKind::Bootstrap,
        DiffKind::Listener,
        DiffKind::Route,
        DiffKind::VirtualHost,
        DiffKind::Cluster,
        DiffKind::Endpoint,
        DiffKind::Secret,
        DiffKind::ScopedRoute,
        DiffKind::Ecds,
    ];

    /// Plural label for tables.
    pub fn label(self) -> &'static str {
        match self {
            DiffKind::Bootstrap => "bootstrap",
            DiffKind::Listener => "listeners",
            DiffKind::Route => "routes",
            DiffKind::VirtualHost => "virtual hosts",
            DiffKind::Cluster => "clusters",
            DiffKind::Endpoint => "endpoints",
            DiffKind::Secret => "secrets",
            DiffKind::ScopedRoute => "scoped routes",
            DiffKind::Ecds => "extension configs",
        }
    }

    /// Singular label for one resource (`cluster`, `virtual host`).
    pub fn singular(self) -> &'static str {
        match self {
            DiffKind::Bootstrap => "bootstrap",
            DiffKind::Listener => "listener",
            DiffKind::Route => "route",
            DiffKind::VirtualHost => "virtual host",
            DiffKind::Cluster => "cluster",
            DiffKind::Endpoint => "endpoint",
            DiffKind::Secret => "secret",
            DiffKind::ScopedRoute => "scoped route",
            DiffKind::Ecds => "extension config",
        }
    }

    fn of(kind: Kind) -> DiffKind {
        match kind {
            Kind::Cluster => DiffKind::Cluster,
            Kind::Listener => DiffKind::Listener,
            Kind::Route => DiffKind::Route,
            Kind::ScopedRoute => DiffKind::ScopedRoute,
            Kind::Endpoint => DiffKind::Endpoint,
            Kind::Secret => DiffKind::Secret,
            Kind::Ecds => DiffKind::Ecds,
        }
    }
}

/// How a resource differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only on side B.
    Added,
    /// Only on side A.
    Removed,
    /// On both, with field differences.
    Changed,
}

/// One resource that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDiff {
    /// Its kind.
    pub kind: DiffKind,
    /// Its name.
    pub name: String,
    /// Added, removed or changed.
    pub change: Change,
    /// The field differences (changed resources only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDiff>,
}

/// Counts per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Only on B.
    pub added: usize,
    /// Only on A.
    pub removed: usize,
    /// On both, different.
    pub changed: usize,
    /// On both, the same.
    pub unchanged: usize,
}

/// The whole diff.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConfigDiff {
    /// Counts per kind (every kind that either side has).
    pub summary: BTreeMap<DiffKind, Counts>,
    /// The resources that differ, by kind then name.
    pub resources: Vec<ResourceDiff>,
}

impl ConfigDiff {
    /// Whether the two sides differ at all.
    pub fn differs(&self) -> bool {
        !self.resources.is_empty()
    }
}

/// Diff options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Compare volatile fields too (update times, versions, nonces).
    pub all_fields: bool,
}

/// One side's resource, before it is parsed.
struct Side<'a> {
    state: State,
    raw: Option<&'a RawValue>,
    error: Option<&'a RawValue>,
    version_info: Option<&'a str>,
    last_updated: Option<&'a str>,
}

/// The live entry wins over warming, draining and error ones of the same name.
fn rank(s: State) -> u8 {
    match s {
        State::Static | State::Active => 0,
        State::Warming => 1,
        State::Error => 2,
        State::Draining => 3,
    }
}

fn index<'a>(dump: &'a ConfigDump<'a>) -> HashMap<(DiffKind, &'a str), Side<'a>> {
    let mut out: HashMap<(DiffKind, &'a str), Side<'a>> = HashMap::new();
    for r in &dump.resources {
        let r: &'a Resource<'a> = r;
        let key = (DiffKind::of(r.kind), r.name.as_ref());
        let side = Side {
            state: r.state,
            raw: r.raw,
            error: r.error,
            version_info: r.version_info.as_deref(),
            last_updated: r.last_updated.as_deref(),
        };
        match out.get(&key) {
            Some(old) if rank(old.state) <= rank(side.state) => {}
            _ => {
                out.insert(key, side);
            }
        }
    }
    if let Some(b) = &dump.bootstrap {
        out.insert(
            (DiffKind::Bootstrap, "bootstrap"),
            Side {
                state: State::Static,
                raw: Some(b.raw),
                error: None,
                version_info: None,
                last_updated: b.last_updated.as_deref(),
            },
        );
    }
    out
}

fn parse(raw: Option<&RawValue>, opts: Options) -> Value {
    let mut v = raw
        .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        .unwrap_or(Value::Null);
    if !opts.all_fields {
        strip_volatile(&mut v);
    }
    v
}

/// The resource as compared: its JSON, plus state, error and (with
/// `all_fields`) its version and update time.
fn whole(s: &Side<'_>, opts: Options) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("(state)".into(), Value::String(s.state.label().into()));
    if let Some(e) = s.error {
        m.insert("(error_state)".into(), parse(Some(e), opts));
    }
    if opts.all_fields {
        if let Some(v) = s.version_info {
            m.insert("(version_info)".into(), Value::String(v.into()));
        }
        if let Some(v) = s.last_updated {
            m.insert("(last_updated)".into(), Value::String(v.into()));
        }
    }
    let body = parse(s.raw, opts);
    match body {
        Value::Object(b) => m.extend(b),
        other => {
            m.insert("(value)".into(), other);
        }
    }
    Value::Object(m)
}

fn same_fast(a: &Side<'_>, b: &Side<'_>, opts: Options) -> bool {
    a.raw.map(RawValue::get) == b.raw.map(RawValue::get)
        && a.error.map(RawValue::get) == b.error.map(RawValue::get)
        && a.state == b.state
        && (!opts.all_fields
            || (a.version_info == b.version_info && a.last_updated == b.last_updated))
}

/// Diffs dump `a` against dump `b`.
pub fn diff_dumps(a: &ConfigDump<'_>, b: &ConfigDump<'_>, opts: Options) -> ConfigDiff {
    let ia = index(a);
    let ib = index(b);
    let mut diff = ConfigDiff::default();
    let mut keys: Vec<&(DiffKind, &str)> = ia
        .keys()
        .chain(ib.keys().filter(|k| !ia.contains_key(k)))
        .collect();
    keys.sort();
    for key in keys {
        let (kind, name) = *key;
        let counts = diff.summary.entry(kind).or_default();
        match (ia.get(key), ib.get(key)) {
            (Some(_), None) => {
                counts.removed += 1;
                diff.resources.push(ResourceDiff {
                    kind,
                    name: name.to_string(),
                    change: Change::Removed,
                    fields: Vec::new(),
                });
            }
            (None, Some(_)) => {
                counts.added += 1;
                diff.resources.push(ResourceDiff {
                    kind,
                    name: name.to_string(),
                    change: Change::Added,
                    fields: Vec::new(),
                });
            }
            (Some(sa), Some(sb)) => {
                if same_fast(sa, sb, opts) {
                    counts.unchanged += 1;
                    continue;
                }
                let (mut va, mut vb) = (whole(sa, opts), whole(sb, opts));
                let mut hosts = Vec::new();
                if kind == DiffKind::Route {
                    hosts = virtual_hosts(name, &mut va, &mut vb);
                }
                let fields = diff_values(&va, &vb);
                let counts = diff.summary.entry(kind).or_default();
                if fields.is_empty() {
                    counts.unchanged += 1;
                } else {
                    counts.changed += 1;
                    diff.resources.push(ResourceDiff {
                        kind,
                        name: name.to_string(),
                        change: Change::Changed,
                        fields,
                    });
                }
                if !hosts.is_empty() {
                    let vh = diff.summary.entry(DiffKind::VirtualHost).or_default();
                    for h in &hosts {
                        match h.change {
                            Change::Added => vh.added += 1,
                            Change::Removed => vh.removed += 1,
                            Change::Changed => vh.changed += 1,
                        }
                    }
                    diff.resources.extend(hosts);
                }
            }
            (None, None) => {}
        }
    }
    diff.resources
        .sort_by(|x, y| (x.kind, &x.name).cmp(&(y.kind, &y.name)));
    diff
}

/// Takes the virtual hosts out of two route configurations and diffs them
/// by name, so a route's own diff shows only its other fields.
fn virtual_hosts(route: &str, a: &mut Value, b: &mut Value) -> Vec<ResourceDiff> {
    let take = |v: &mut Value| -> Vec<Value> {
        match v.as_object_mut().and_then(|m| m.remove("virtual_hosts")) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        }
    };
    let (ha, hb) = (take(a), take(b));
    let name = |v: &Value| {
        v.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut out = Vec::new();
    for x in &ha {
        let n = name(x);
        let full = format!("{route}/{n}");
        match hb.iter().find(|y| name(y) == n) {
            None => out.push(ResourceDiff {
                kind: DiffKind::VirtualHost,
                name: full,
                change: Change::Removed,
                fields: Vec::new(),
            }),
            Some(y) => {
                let fields = diff_values(x, y);
                if !fields.is_empty() {
                    out.push(ResourceDiff {
                        kind: DiffKind::VirtualHost,
                        name: full,
                        change: Change::Changed,
                        fields,
                    });
                }
            }
        }
    }
    for y in &hb {
        let n = name(y);
        if !ha.iter().any(|x| name(x) == n) {
            out.push(ResourceDiff {
                kind: DiffKind::VirtualHost,
                name: format!("{route}/{n}"),
                change: Change::Added,
                fields: Vec::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
