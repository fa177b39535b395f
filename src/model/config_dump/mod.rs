//! Envoy v3 admin `/config_dump`, parsed without building one giant JSON tree.
//!
//! The whole document is borrowed: every resource keeps a `&RawValue` slice of
//! the input, so the raw JSON stays reachable for drill-down at no cost, and
//! the typed summaries (cluster type, listener address, …) are parsed lazily
//! from those slices. Unknown `@type`s and unknown section fields are counted,
//! never fatal. Both proto-JSON spellings (`dynamic_active_clusters` and
//! `dynamicActiveClusters`) are accepted.

mod cluster;
mod error;
mod section;

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

pub use cluster::{ClusterInfo, SubsetKey};
pub use error::ParseError;
use section::{Entry, Section};

/// What kind of xDS resource a [`Resource`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A `Cluster` (CDS or static).
    Cluster,
    /// A `Listener` (LDS or static).
    Listener,
    /// A `RouteConfiguration` (RDS or static).
    Route,
    /// A `ScopedRouteConfiguration` (SRDS).
    ScopedRoute,
    /// A `ClusterLoadAssignment` (EDS, only with `?include_eds`).
    Endpoint,
    /// An SDS `Secret`.
    Secret,
    /// A `TypedExtensionConfig` delivered by ECDS.
    Ecds,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::Cluster,
        Kind::Listener,
        Kind::Route,
        Kind::ScopedRoute,
        Kind::Endpoint,
        Kind::Secret,
        Kind::Ecds,
    ];
}

/// Where a resource stands in Envoy's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// From the bootstrap; never changes.
    Static,
    /// Delivered by xDS and in use.
    Active,
    /// Delivered, waiting for its dependencies (endpoints, secrets) before use.
    Warming,
    /// Being replaced; in-flight connections still use it.
    Draining,
    /// The last update of this resource was rejected by Envoy (`error_state`).
    Error,
}

impl State {
    /// Upper-case label as istioctl and Envoy print it.
    pub fn label(self) -> &'static str {
        match self {
            State::Static => "STATIC",
            State::Active => "ACTIVE",
            State::Warming => "WARMING",
            State::Draining => "DRAINING",
            State::Error => "ERROR",
        }
    }
}

/// One xDS resource with its raw JSON kept for drill-down.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// What it is.
    pub kind: Kind,
    /// Its name (`cluster_name` for endpoints). Empty if absent.
    pub name: Cow<'a, str>,
    /// Lifecycle state.
    pub state: State,
    /// `version_info` of the xDS response that delivered it.
    pub version_info: Option<Cow<'a, str>>,
    /// `last_updated` timestamp (RFC 3339) if present.
    pub last_updated: Option<Cow<'a, str>>,
    /// The resource itself (the `cluster`, `listener`, `route_config`… object).
    /// `None` for entries that carry only an error state.
    pub raw: Option<&'a RawValue>,
    /// `error_state` (failed_configuration, details) when Envoy rejected an update.
    pub error: Option<&'a RawValue>,
}

/// The bootstrap section.
#[derive(Debug, Clone)]
pub struct Bootstrap<'a> {
    /// The `bootstrap` object.
    pub raw: &'a RawValue,
    /// `last_updated` if present.
    pub last_updated: Option<Cow<'a, str>>,
}

/// A config section whose `@type` we do not know, kept and counted.
#[derive(Debug, Clone)]
pub struct UnknownSection<'a> {
    /// Its `@type` URL (empty if absent).
    pub type_url: Cow<'a, str>,
    /// How many fields it had.
    pub fields: usize,
}

/// A parsed `/config_dump`, borrowing from the input text.
#[derive(Debug, Default)]
pub struct ConfigDump<'a> {
    /// The bootstrap, when the dump has one.
    pub bootstrap: Option<Bootstrap<'a>>,
    /// Every resource, in dump order, grouped by section.
    pub resources: Vec<Resource<'a>>,
    /// Sections with an `@type` we do not know.
    pub unknown_sections: Vec<UnknownSection<'a>>,
    /// Fields we did not recognise inside known sections (tolerated, counted).
    pub unknown_fields: usize,
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    configs: Vec<Section<'a>>,
}

impl<'a> ConfigDump<'a> {
    /// Parses a `/config_dump` body in one pass over the input (each
    /// resource is then only sliced, not parsed). Errors carry the byte
    /// offset of the fault.
    pub fn parse(input: &'a str) -> Result<Self, ParseError> {
        Self::parse_kinds(input, &Kind::ALL)
    }

    /// [`ConfigDump::parse`] keeping the resources of `kinds` only (the
    /// bootstrap and the count of unknown sections always): the sections of
    /// other kinds are still checked as JSON, but their entries are not
    /// looked into (a listener's nested states are a second pass over a
    /// third of a large dump, wasted on `pc clusters`).
    pub fn parse_kinds(input: &'a str, kinds: &[Kind]) -> Result<Self, ParseError> {
        let top: Top<'a> =
            serde_json::from_str(input).map_err(|e| ParseError::from_json(input, &e))?;
        let mut dump = ConfigDump::default();
        for section in top.configs {
            dump.add_section(section, kinds)
                .map_err(|(part, e)| ParseError::from_json_at(input, part, &e))?;
        }
        Ok(dump)
    }

    /// Adds one section (its entries when its kind is one of `kinds`); an
    /// error names the JSON slice it happened in.
    fn add_section(
        &mut self,
        section: Section<'a>,
        kinds: &[Kind],
    ) -> Result<(), (&'a str, serde_json::Error)> {
        let Some(kind) = section.kind() else {
            if section.is_bootstrap() {
                if let Some(b) = section.bootstrap {
                    self.bootstrap = Some(Bootstrap {
                        raw: b,
                        last_updated: section.last_updated,
                    });
                }
                self.unknown_fields += section.unknown_fields;
            } else {
                self.unknown_sections.push(UnknownSection {
                    type_url: section.type_url.unwrap_or_default(),
                    fields: section.unknown_fields + section.lists.len(),
                });
            }
            return Ok(());
        };
        self.unknown_fields += section.unknown_fields;
        if !kinds.contains(&kind) {
            return Ok(());
        }
        for (state, entries) in section.lists {
            for entry in entries {
                self.push_entry(kind, state, entry)?;
            }
        }
        Ok(())
    }

    fn push_entry(
        &mut self,
        kind: Kind,
        state: State,
        entry: Entry<'a>,
    ) -> Result<(), (&'a str, serde_json::Error)> {
        // Listeners nest their states: active_state, warming_state, draining_state.
        if kind == Kind::Listener && state == State::Active {
            let mut any = false;
            for (st, nested) in [
                (State::Active, entry.active_state),
                (State::Warming, entry.warming_state),
                (State::Draining, entry.draining_state),
            ] {
                if let Some(n) = nested {
                    let inner: Entry<'a> =
                        serde_json::from_str(n.get()).map_err(|e| (n.get(), e))?;
                    let payload = inner.payload();
                    let name = match &entry.name {
                        Some(n) => n.clone(),
                        None => resource_name(kind, payload)?,
                    };
                    self.resources.push(Resource {
                        kind,
                        name,
                        state: st,
                        version_info: inner.version_info,
                        last_updated: inner.last_updated,
                        raw: payload,
                        error: entry.error_state,
                    });
                    any = true;
                }
            }
            if !any && entry.error_state.is_some() {
                self.resources.push(Resource {
                    kind,
                    name: entry.name.unwrap_or_default(),
                    state: State::Error,
                    version_info: None,
                    last_updated: None,
                    raw: None,
                    error: entry.error_state,
                });
            }
            return Ok(());
        }
        let raw = entry.payload();
        let name = match entry.name {
            Some(n) if kind != Kind::Endpoint => n,
            _ => resource_name(kind, raw)?,
        };
        let state = if raw.is_none() && entry.error_state.is_some() {
            State::Error
        } else {
            state
        };
        self.resources.push(Resource {
            kind,
            name,
            state,
            version_info: entry.version_info,
            last_updated: entry.last_updated,
            raw,
            error: entry.error_state,
        });
        Ok(())
    }

    /// Resources of one kind, in dump order.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Resource<'a>> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }

    /// The raw JSON of the resources of `kind` that istioctl lists: dynamic
    /// active first, then static (warming, draining and errored ones, and
    /// those without a body, left out), in dump order within each.
    pub fn listed_raw(&self, kind: Kind) -> impl Iterator<Item = &'a str> + '_ {
        [State::Active, State::Static]
            .into_iter()
            .flat_map(move |state| self.of(kind).filter(move |r| r.state == state))
            .filter_map(|r| r.raw.map(RawValue::get))
    }

    /// Number of resources of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.of(kind).count()
    }

    /// Finds a resource by kind and name, preferring the active version.
    pub fn find(&self, kind: Kind, name: &str) -> Option<&Resource<'a>> {
        let mut found = None;
        for r in self.of(kind).filter(|r| r.name == name) {
            if matches!(r.state, State::Active | State::Static) {
                return Some(r);
            }
            found.get_or_insert(r);
        }
        found
    }
}

#[derive(Deserialize)]
struct NameProbe<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "clusterName")]
    cluster_name: Option<Cow<'a, str>>,
}

/// The name of a resource from its own JSON (`cluster_name` for endpoints).
/// Envoy writes the name first (after `@type`), so a cheap look at the head
/// of the object usually answers without parsing the rest.
fn resource_name<'a>(
    kind: Kind,
    raw: Option<&'a RawValue>,
) -> Result<Cow<'a, str>, (&'a str, serde_json::Error)> {
    let Some(raw) = raw else {
        return Ok(Cow::Borrowed(""));
    };
    let key = if kind == Kind::Endpoint {
        "cluster_name"
    } else {
        "name"
    };
    if let Some(name) = leading_string_field(raw.get(), key) {
        return Ok(Cow::Borrowed(name));
    }
    let probe: NameProbe<'a> = serde_json::from_str(raw.get()).map_err(|e| (raw.get(), e))?;
    let name = if kind == Kind::Endpoint {
        probe.cluster_name.or(probe.name)
    } else {
        probe.name
    };
    Ok(name.unwrap_or_default())
}

/// Finds `"key": "value"` among the first two members of an object when the
/// value has no escapes; `None` means "ask serde".
fn leading_string_field<'a>(obj: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = obj.trim_start().strip_prefix('{')?;
    for _ in 0..2 {
        rest = rest.trim_start().strip_prefix('"')?;
        let end = rest.find('"')?;
        let (k, after) = (&rest[..end], &rest[end + 1..]);
        if k.contains('\\') {
            return None;
        }
        let after = after.trim_start().strip_prefix(':')?.trim_start();
        let value = after.strip_prefix('"')?;
        let vend = value.find(['"', '\\'])?;
        if value.as_bytes()[vend] == b'\\' {
            return None;
        }
        if k == key {
            return Some(&value[..vend]);
        }
        rest = value[vend + 1..].trim_start().strip_prefix(',')?;
    }
    None
}

/// Strips `type.googleapis.com/` from an `@type` URL.
pub fn short_type(type_url: &str) -> &str {
    type_url.rsplit('/').next().unwrap_or(type_url)
}

#[cfg(test)]
mod tests;
