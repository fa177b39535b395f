//! What istiod would send a sidecar versus what its Envoy holds: computed off
//! the UI thread whenever either side's dump changes.

use std::sync::Arc;

use crate::app::action::Effect;
use crate::app::data::Data;
use crate::app::dump::DumpData;
use crate::app::state::AppState;
use crate::model::config_dump::{Kind, State};
use crate::model::istiod::{diff_configs, ConfigDiff, ConfigItem};
use crate::sources::target::Endpoint;

fn kind_name(k: Kind) -> Option<&'static str> {
    Some(match k {
        Kind::Cluster => "cluster",
        Kind::Listener => "listener",
        Kind::Route => "route",
        _ => return None,
    })
}

/// The active clusters, listeners and routes of a dump, as diff items.
fn items(d: &DumpData) -> Vec<ConfigItem<'_>> {
    d.resources
        .iter()
        .filter(|r| matches!(r.state, State::Active))
        .filter_map(|r| {
            let kind = kind_name(r.kind)?;
            let json = d.text.get(r.raw.clone()?)?;
            Some(ConfigItem {
                kind,
                name: &r.name,
                json,
            })
        })
        .collect()
}

/// Compares the two dumps (CPU work: runs in a blocking task).
pub fn compare(istiod: &DumpData, envoy: &DumpData) -> ConfigDiff {
    diff_configs(&items(istiod), &items(envoy))
}

fn dump(state: &AppState, target: usize, ep: Endpoint) -> Option<(Arc<DumpData>, u64)> {
    let slot = state.slot(Some(target), ep)?;
    match slot.data() {
        Some(Data::Dump(d)) => Some((d.clone(), slot.version)),
        _ => None,
    }
}

/// After either dump of a target arrives: ask for a new comparison when both exist.
pub fn maybe_compare(state: &mut AppState, target: usize, fx: &mut Vec<Effect>) {
    let (Some((istiod, vi)), Some((envoy, ve))) = (
        dump(state, target, Endpoint::IstiodConfigDump),
        dump(state, target, Endpoint::ConfigDump),
    ) else {
        return;
    };
    let versions = (vi, ve);
    if state.drift.get(&target).is_some_and(|d| d.0 == versions) {
        return;
    }
    fx.push(Effect::Compare {
        target,
        versions,
        istiod,
        envoy,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::dump::build_dump;

    const ENVOY: &str = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
      "dynamic_active_clusters":[
        {"version_info":"v1","cluster":{"name":"outbound|80||a.ns.svc.cluster.local","type":"EDS","connect_timeout":"10s"},"last_updated":"t1"},
        {"cluster":{"name":"outbound|80||b.ns.svc.cluster.local","type":"EDS"}}]}]}"#;
    const ISTIOD: &str = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
      "dynamic_active_clusters":[
        {"version_info":"v2","cluster":{"name":"outbound|80||a.ns.svc.cluster.local","type":"EDS","connect_timeout":"10s"},"last_updated":"t9"},
        {"cluster":{"name":"outbound|80|v4|b.ns.svc.cluster.local","type":"EDS"}},
        {"cluster":{"name":"outbound|80||b.ns.svc.cluster.local","type":"EDS","connect_timeout":"1s"}}]}]}"#;

    #[test]
    fn finds_missing_extra_and_changed_resources() {
        let e = build_dump(ENVOY.into(), 0).unwrap();
        let i = build_dump(ISTIOD.into(), 0).unwrap();
        let d = compare(&i, &e);
        assert_eq!(d.same, 1, "versions and timestamps are not differences");
        assert_eq!(d.only_istiod.len(), 1);
        assert_eq!(
            d.only_istiod[0].name,
            "outbound|80|v4|b.ns.svc.cluster.local"
        );
        assert!(d.only_envoy.is_empty());
        assert_eq!(d.differing.len(), 1);
        assert_eq!(
            d.differing[0].key.name,
            "outbound|80||b.ns.svc.cluster.local"
        );
    }
}
