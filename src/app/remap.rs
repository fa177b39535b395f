//! When the set of sidecars changes (a Kubernetes watch event), everything
//! keyed by target index is carried over by `namespace/pod`, so data, logs
//! and the open sidecar follow their pod; a pod that went away takes its
//! data with it.

use std::collections::HashMap;

use super::state::AppState;
use crate::model::severity::Severity;
use crate::sources::target::MeshInfo;

/// Replaces the mesh and remaps every per-target map and the selection.
pub fn mesh_changed(state: &mut AppState, mesh: MeshInfo) {
    if mesh == state.mesh {
        return;
    }
    let new_index: HashMap<String, usize> = mesh
        .pods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.key(), i))
        .collect();
    let old_keys: Vec<String> = state.mesh.pods.iter().map(|p| p.key()).collect();
    let map = |old: usize| old_keys.get(old).and_then(|k| new_index.get(k)).copied();
    state.slots = std::mem::take(&mut state.slots)
        .into_iter()
        .filter_map(|((t, ep), slot)| match t {
            None => Some(((None, ep), slot)),
            Some(old) => map(old).map(|new| ((Some(new), ep), slot)),
        })
        .collect();
    state.logs = std::mem::take(&mut state.logs)
        .into_iter()
        .filter_map(|(old, b)| map(old).map(|n| (n, b)))
        .collect();
    state.app_logs = std::mem::take(&mut state.app_logs)
        .into_iter()
        .filter_map(|(old, b)| map(old).map(|n| (n, b)))
        .collect();
    state.series = std::mem::take(&mut state.series)
        .into_iter()
        .filter_map(|(old, s)| map(old).map(|n| (n, s)))
        .collect();
    state.doctor = std::mem::take(&mut state.doctor)
        .into_iter()
        .filter_map(|(old, d)| map(old).map(|n| (n, d)))
        .collect();
    state.drift = std::mem::take(&mut state.drift)
        .into_iter()
        .filter_map(|(old, d)| map(old).map(|n| (n, d)))
        .collect();
    if let Some(c) = state.last_log_change.as_mut() {
        match map(c.target) {
            Some(n) => c.target = n,
            None => state.last_log_change = None,
        }
    }
    let added = mesh
        .pods
        .iter()
        .filter(|p| !old_keys.contains(&p.key()))
        .count();
    let gone = old_keys
        .iter()
        .filter(|k| !new_index.contains_key(*k))
        .count();
    if let Some(sel) = state.selected {
        match map(sel) {
            Some(n) => state.selected = Some(n),
            None => {
                let name = old_keys.get(sel).cloned().unwrap_or_default();
                state.selected = None;
                state.say(
                    format!("{name} is gone (deleted or rescheduled)"),
                    Severity::Warn,
                );
            }
        }
    }
    state.mesh = mesh;
    // Cached row lists of the sidecar list are indices too: recompute them.
    state.targets.computed_for = None;
    super::sidecars::update::rebuild(state);
    if added + gone > 0 && state.status.is_none() {
        state.say(format!("sidecars: {added} new, {gone} gone"), Severity::Ok);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::app::state::{Loadable, Slot};
    use crate::config::Config;
    use crate::sources::target::{Endpoint, TargetInfo};
    use crate::theme::Theme;

    fn pod(name: &str) -> TargetInfo {
        TargetInfo {
            namespace: "ns".into(),
            name: name.into(),
            app: name.into(),
            admin: None,
            agent: None,
            scenarios: vec![],
            ..Default::default()
        }
    }

    #[test]
    fn data_follows_its_pod_and_gone_pods_drop_theirs() {
        let now = Instant::now();
        let mesh = MeshInfo {
            istiod: None,
            pods: vec![pod("a"), pod("b"), pod("c")],
        };
        let mut s = AppState::new(mesh, "t", Config::default(), Theme::monochrome(), now);
        let slot = Slot {
            state: Loadable::Loading { since: now },
            request: 7,
            in_flight: true,
            version: 0,
            oversize: 0,
        };
        for i in 0..3 {
            s.slots.insert(
                (Some(i), Endpoint::ServerInfo),
                Slot {
                    request: i as u64,
                    ..slot.clone()
                },
            );
        }
        s.selected = Some(2);
        // "a" is deleted, "d" added in front.
        mesh_changed(
            &mut s,
            MeshInfo {
                istiod: None,
                pods: vec![pod("d"), pod("b"), pod("c")],
            },
        );
        assert_eq!(s.selected, Some(2), "c stays selected");
        assert_eq!(
            s.slots
                .get(&(Some(1), Endpoint::ServerInfo))
                .map(|x| x.request),
            Some(1),
            "b's data moved with b"
        );
        assert_eq!(
            s.slots
                .get(&(Some(2), Endpoint::ServerInfo))
                .map(|x| x.request),
            Some(2)
        );
        assert!(
            !s.slots.contains_key(&(Some(0), Endpoint::ServerInfo)),
            "d has no data yet; a's is gone"
        );
        assert_eq!(s.targets_table.rows.len(), 3);
        // The open pod disappears.
        mesh_changed(
            &mut s,
            MeshInfo {
                istiod: None,
                pods: vec![pod("d")],
            },
        );
        assert_eq!(s.selected, None);
        assert!(s
            .status
            .as_ref()
            .is_some_and(|m| m.0.contains("ns/c is gone")));
    }
}
