//! A config dump as the config views hold it: parsed once in the fetch task,
//! indexed (each resource's raw JSON is a range of the text) and turned into
//! every table the Listeners, Clusters, Routes, Secrets and Endpoints views show.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use super::clusters::table::cluster_table;
use super::endpoints::table::eds_table;
use super::listeners::table::listener_table;
use super::routes::table::route_table;
use super::secrets::table::secret_table;
use super::table::Table;
use crate::model::config_dump::{ClusterInfo, ConfigDump, Kind, State};
use crate::model::istioctl::{bootstrap, endpoints, listeners, routes, secrets};

/// One resource of the dump, owned: where its raw JSON sits in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedResource {
    /// Kind.
    pub kind: Kind,
    /// Name.
    pub name: String,
    /// Lifecycle state.
    pub state: State,
    /// Byte range of the raw JSON in [`DumpData::text`].
    pub raw: Option<Range<usize>>,
    /// Byte range of `error_state`, when Envoy rejected an update.
    pub error: Option<Range<usize>>,
}

/// A parsed config dump with every table the views need.
#[derive(Debug, Clone, Default)]
pub struct DumpData {
    /// The dump text (raw JSON of any resource is a slice of it).
    pub text: Arc<str>,
    /// Every resource.
    pub resources: Vec<IndexedResource>,
    /// Versions from the bootstrap.
    pub version: Option<bootstrap::VersionSummary>,
    /// Clusters table.
    pub clusters: Table,
    /// Listeners table (one row per filter chain).
    pub listeners: Table,
    /// Routes table (one row per route).
    pub routes: Table,
    /// Secrets table.
    pub secrets: Table,
    /// EDS endpoints table (when the dump has them).
    pub eds: Table,
    /// Route config name → clusters its routes use.
    pub route_clusters: BTreeMap<String, Vec<String>>,
    /// Clusters of discovery type EDS (active and warming). `dynamic_endpoint_configs`
    /// is no count of them: a real Envoy lists there the endpoints of every
    /// CDS-delivered cluster, STATIC ones included.
    pub eds_clusters: usize,
}

impl DumpData {
    /// The raw JSON of a resource by kind and name (active/static preferred).
    pub fn raw(&self, kind: Kind, name: &str) -> Option<&str> {
        let mut best: Option<&IndexedResource> = None;
        for r in self
            .resources
            .iter()
            .filter(|r| r.kind == kind && r.name == name)
        {
            if matches!(r.state, State::Active | State::Static) {
                best = Some(r);
                break;
            }
            best.get_or_insert(r);
        }
        best.and_then(|r| r.raw.clone().or(r.error.clone()))
            .and_then(|range| self.text.get(range))
    }

    /// Resources of a kind in a state.
    pub fn count(&self, kind: Kind, state: State) -> usize {
        self.resources
            .iter()
            .filter(|r| r.kind == kind && r.state == state)
            .count()
    }
}

fn range_of(text: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    start..start + part.len()
}

/// Parses and indexes a dump and builds every table.
pub fn build_dump(text: Arc<str>, now_unix: i64) -> Result<DumpData, String> {
    let dump = ConfigDump::parse(&text).map_err(|e| format!("config_dump: {e}"))?;
    let resources = dump
        .resources
        .iter()
        .map(|r| IndexedResource {
            kind: r.kind,
            name: r.name.to_string(),
            state: r.state,
            raw: r.raw.map(|raw| range_of(&text, raw.get())),
            error: r.error.map(|raw| range_of(&text, raw.get())),
        })
        .collect();
    let version = bootstrap::version_summary(&dump).and_then(Result::ok);
    let eds_clusters = dump
        .of(Kind::Cluster)
        .filter(|r| matches!(r.state, State::Active | State::Static | State::Warming))
        .filter_map(|r| r.raw.and_then(|raw| ClusterInfo::parse(raw.get()).ok()))
        .filter(|c| c.discovery_type.as_deref() == Some("EDS"))
        .count();
    let clusters = cluster_table(&dump);
    let values = |kind: Kind| -> Vec<Value> {
        dump.listed_raw(kind)
            .filter_map(|raw| serde_json::from_str(raw).ok())
            .collect()
    };
    let listener_rows = listeners::listener_rows(
        &values(Kind::Listener),
        &listeners::ListenerFilter::default(),
    );
    let route_rows = routes::route_rows(&values(Kind::Route), &routes::RouteFilter::default());
    let mut route_clusters = BTreeMap::new();
    for rc in &route_rows {
        let mut cs: Vec<String> = rc
            .routes
            .iter()
            .flat_map(|r| r.clusters.iter().cloned())
            .collect();
        cs.sort();
        cs.dedup();
        route_clusters.insert(rc.name.clone(), cs);
    }
    let eds =
        endpoints::eds_endpoints(&dump, &endpoints::EndpointFilter::default()).unwrap_or_default();
    // Indexed here, in the fetch task: filtering 100k+ rows streams memory.
    Ok(DumpData {
        version,
        clusters: clusters.indexed(),
        listeners: listener_table(&dump, &listener_rows).indexed(),
        routes: route_table(&route_rows).indexed(),
        secrets: secret_table(&secrets::all_secret_items(&dump, now_unix), now_unix),
        eds: eds_table(&eds).indexed(),
        route_clusters,
        eds_clusters,
        resources,
        text: text.clone(),
    })
}

/// The raw JSON of a config resource for `x`, titled `{view title} {name}`.
pub fn raw_of(
    dump: Option<&DumpData>,
    kind: Kind,
    title: &str,
    key: &str,
) -> Result<(String, String), String> {
    dump.and_then(|d| d.raw(kind, key))
        .map(|raw| (raw.to_string(), format!("{title} {key}")))
        .ok_or_else(|| format!("no raw JSON for {key} in the config dump"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::demo::{write_config_dump, DumpOptions, Mesh};

    fn bookinfo_dump(app: &str) -> String {
        let mesh = Mesh::bookinfo();
        let pod = mesh.pod_by_app(app).unwrap();
        let mut out = Vec::new();
        let opts = DumpOptions {
            include_eds: true,
            blackhole_port: Some(7000),
            extra_warming_clusters: vec!["outbound|9999||warm.default.svc.cluster.local".into()],
        };
        write_config_dump(&mesh, pod, &opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn demo_dump_builds_every_table() {
        let d = build_dump(bookinfo_dump("productpage").into(), 1_700_000_000).unwrap();
        assert!(d.clusters.rows.len() > 10);
        assert!(d
            .listeners
            .rows
            .iter()
            .any(|r| r.cells[3].contains("BlackHoleCluster")));
        assert!(
            d.routes.rows.iter().any(|r| r.cells[5].contains("reviews")),
            "route clusters column"
        );
        assert!(!d.eds.rows.is_empty());
        assert!(!d.secrets.rows.is_empty());
        let warming = d
            .clusters
            .rows
            .iter()
            .find(|r| r.key.contains("warm.default"))
            .unwrap();
        assert_eq!(warming.severity, crate::model::severity::Severity::Warn);
        assert_eq!(warming.cells[7], "WARMING");
        let name = &d.clusters.rows[0].key;
        assert!(d.raw(Kind::Cluster, name).unwrap().contains(name.as_str()));
        assert!(d
            .route_clusters
            .values()
            .any(|cs| cs.iter().any(|c| c.contains("reviews"))));
    }
}
