//! Turning fetched bytes into what views show. Runs inside the fetch task
//! (never on the UI thread): parse with `model`, then build owned tables so
//! drawing only slices them.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use super::table::Table;
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ClusterInfo, ConfigDump, Kind, State};
use crate::model::istioctl::{bootstrap, endpoints, listeners, routes, secrets};
use crate::sources::target::{Endpoint, Fetched};

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

/// Data a view can show, by endpoint.
#[derive(Debug, Clone)]
pub enum Data {
    /// `/config_dump`.
    Dump(Arc<DumpData>),
    /// `/clusters?format=json`, with the runtime endpoints table.
    Runtime(Arc<(ClusterStatuses, Table)>),
    /// `/logging`: logger levels.
    Loggers(Arc<Table>),
    /// istiod `/metrics`, summarised.
    Istiod(Arc<crate::model::istiod::IstiodReport>),
    /// istiod `/debug/syncz` as the proxy-status table.
    Syncz(Arc<Table>),
    /// `/stats`, parsed (see `stats_data`).
    Stats(Arc<super::stats_data::StatsData>),
    /// `/memory`, parsed.
    Memory(super::stats_data::MemoryData),
    /// `/stats/prometheus` (15000) or the merged 15020 one, analysed for cardinality.
    Cardinality(Arc<super::stats_data::CardinalityData>),
    /// Anything else: status and text (readiness, server_info…).
    Text {
        /// HTTP status.
        status: u16,
        /// Body as text (lossy).
        body: Arc<String>,
    },
}

/// Parses a fetched body for an endpoint into view data.
pub fn process(endpoint: Endpoint, fetched: &Fetched, now_unix: i64) -> Result<Data, String> {
    let text = || String::from_utf8_lossy(&fetched.body).into_owned();
    match endpoint {
        Endpoint::ConfigDump | Endpoint::IstiodConfigDump => {
            let t = String::from_utf8(fetched.body.to_vec()).map_err(|e| {
                format!(
                    "config_dump is not UTF-8 at byte {}",
                    e.utf8_error().valid_up_to()
                )
            })?;
            build_dump(t.into(), now_unix).map(|d| Data::Dump(Arc::new(d)))
        }
        Endpoint::ClustersJson => {
            let t = text();
            let cs =
                ClusterStatuses::parse(&t).map_err(|e| format!("/clusters?format=json: {e}"))?;
            let table = runtime_table(&cs);
            Ok(Data::Runtime(Arc::new((cs, table))))
        }
        Endpoint::Logging => Ok(super::loglevels::logging_data(&text())),
        Endpoint::IstiodMetrics => Ok(Data::Istiod(Arc::new(crate::model::istiod::parse_metrics(
            &text(),
        )))),
        Endpoint::Syncz => super::istiod::syncz_table(&text()).map(|t| Data::Syncz(Arc::new(t))),
        Endpoint::Stats => {
            super::stats_data::process_stats(&text()).map(|d| Data::Stats(Arc::new(d)))
        }
        Endpoint::Memory => super::stats_data::process_memory(&text()).map(Data::Memory),
        Endpoint::Prometheus | Endpoint::AgentPrometheus => Ok(Data::Cardinality(Arc::new(
            super::stats_data::process_cardinality(&text()),
        ))),
        _ => Ok(Data::Text {
            status: fetched.status,
            body: Arc::new(text()),
        }),
    }
}

fn range_of(text: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    start..start + part.len()
}

pub use super::dump_tables::cluster_columns;
use super::dump_tables::{
    cluster_table, eds_table, listener_table, route_table, runtime_table, secret_table,
};

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
        [State::Active, State::Static]
            .iter()
            .flat_map(|st| dump.of(kind).filter(move |r| r.state == *st))
            .filter_map(|r| r.raw.and_then(|raw| serde_json::from_str(raw.get()).ok()))
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
    Ok(DumpData {
        version,
        clusters,
        listeners: listener_table(&dump, &listener_rows),
        routes: route_table(&route_rows),
        secrets: secret_table(&secrets::all_secret_items(&dump, now_unix), now_unix),
        eds: eds_table(&eds),
        route_clusters,
        eds_clusters,
        resources,
        text: text.clone(),
    })
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

    #[test]
    fn bad_bodies_give_messages_not_panics() {
        let f = Fetched {
            status: 200,
            body: Arc::new(b"{\"configs\": [".to_vec()),
        };
        let e = process(Endpoint::ConfigDump, &f, 0).unwrap_err();
        assert!(
            e.starts_with("config_dump: truncated JSON at byte 13"),
            "{e}"
        );
        let f = Fetched {
            status: 200,
            body: Arc::new(b"<html>".to_vec()),
        };
        assert!(process(Endpoint::ClustersJson, &f, 0)
            .unwrap_err()
            .starts_with("/clusters?format=json: invalid JSON"));
    }
}
