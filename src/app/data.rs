//! Turning fetched bytes into what views show. Runs inside the fetch task
//! (never on the UI thread): each endpoint's body goes to the parser of the
//! feature that shows it, which builds owned tables so drawing only slices them.

use std::sync::Arc;

use super::cardinality::data::{process_cardinality, CardinalityData};
use super::dump::{build_dump, DumpData};
use super::endpoints::table::runtime_table;
use super::istiod::data::syncz_table;
use super::loglevels::data::logging_data;
use super::memory::data::{process_memory, MemoryData};
use super::stats::data::{process_stats, StatsData};
use super::table::Table;
use crate::model::clusters::ClusterStatuses;
use crate::sources::target::{Endpoint, Fetched};

/// Data a view can show, by endpoint.
#[derive(Debug, Clone)]
pub enum Data {
    /// `/config_dump`.
    Dump(Arc<DumpData>),
    /// A ztunnel's `/config_dump`, with its tables.
    Ztunnel(Arc<super::ztunnel::data::ZtunnelData>),
    /// `/clusters?format=json`, with the runtime endpoints table.
    Runtime(Arc<(ClusterStatuses, Table)>),
    /// `/logging`: logger levels.
    Loggers(Arc<Table>),
    /// istiod `/metrics`, summarised.
    Istiod(Arc<crate::model::istiod::IstiodReport>),
    /// istiod `/debug/syncz` as the proxy-status table.
    Syncz(Arc<Table>),
    /// `/stats`, parsed (see `stats_data`).
    Stats(Arc<StatsData>),
    /// `/memory`, parsed.
    Memory(MemoryData),
    /// `/stats/prometheus` (15000) or the merged 15020 one, analysed for cardinality.
    Cardinality(Arc<CardinalityData>),
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
            if endpoint == Endpoint::ConfigDump
                && crate::model::ztunnel::ZtunnelDump::looks_like(&t)
            {
                return super::ztunnel::data::process_ztunnel(&t, now_unix)
                    .map(|z| Data::Ztunnel(Arc::new(z)));
            }
            build_dump(t.into(), now_unix).map(|d| Data::Dump(Arc::new(d)))
        }
        Endpoint::ClustersJson => {
            let t = text();
            let cs =
                ClusterStatuses::parse(&t).map_err(|e| format!("/clusters?format=json: {e}"))?;
            let table = runtime_table(&cs).indexed();
            Ok(Data::Runtime(Arc::new((cs, table))))
        }
        Endpoint::Logging => Ok(Data::Loggers(Arc::new(logging_data(&text())))),
        Endpoint::IstiodMetrics => Ok(Data::Istiod(Arc::new(crate::model::istiod::parse_metrics(
            &text(),
        )))),
        Endpoint::Syncz => syncz_table(&text()).map(|t| Data::Syncz(Arc::new(t))),
        Endpoint::Stats => process_stats(&text()).map(|d| Data::Stats(Arc::new(d))),
        Endpoint::Memory => process_memory(&text()).map(Data::Memory),
        Endpoint::Prometheus | Endpoint::AgentPrometheus => {
            Ok(Data::Cardinality(Arc::new(process_cardinality(&text()))))
        }
        _ => Ok(Data::Text {
            status: fetched.status,
            body: Arc::new(text()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
