//! A bug-report's `cluster/` resources as pod metadata: `cluster/pods` (the
//! Istio namespace) and `cluster/k8s-resources` (`kubectl get all … -o yaml`,
//! every pod in scope) give each captured proxy its `app` label, version,
//! readiness, restarts, node and ambient role, read with the same functions
//! as a live cluster's pods; `cluster/k8s-cluster-resources` gives the
//! namespaces' labels (ambient enrollment, `istio.io/use-waypoint`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde_json::Value;

use super::layout::Layout;
use super::tree::Tree;
use crate::sources::kube::ambient::{ambient_pods, NamespaceLabels};
use crate::sources::kube::pods::proxy_pod;

/// The `cluster/` files that list pods or namespaces.
const POD_FILES: [&str; 3] = ["pods", "k8s-resources", "k8s-cluster-resources"];

/// What the `cluster/` files said, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterMeta {
    /// Pod objects read.
    pub pods: usize,
    /// Captured proxies that matched one of them.
    pub matched: usize,
    /// Files that could not be read as YAML (name: why).
    pub errors: Vec<String>,
}

/// The items of a `kind: List` document (or the one object it is).
fn items(doc: Value) -> Vec<Value> {
    match doc {
        Value::Object(mut m) if m.get("kind").and_then(Value::as_str) == Some("List") => {
            match m.remove("items") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            }
        }
        Value::Object(m) => vec![Value::Object(m)],
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

/// Pods and namespace labels in one `cluster/` body. Every YAML document of
/// the body is read (`kubectl get … -o yaml` writes one List; hand-made
/// files may hold several documents).
fn read_objects(body: &str) -> Result<(Vec<Pod>, NamespaceLabels), String> {
    // The parser's budgets stop alias bombs; its event cap (a million by
    // default) is raised with the size, since a large cluster's
    // `kubectl get all -o yaml` has more. The body itself is capped by the
    // capture's member limit.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = budget.max_events.max(body.len() / 2);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let docs: Vec<Value> =
        serde_saphyr::from_multiple_with_options(body, options).map_err(|e| e.to_string())?;
    let mut pods = Vec::new();
    let mut namespaces = NamespaceLabels::new();
    for item in docs.into_iter().flat_map(items) {
        match item.get("kind").and_then(Value::as_str) {
            Some("Pod") => {
                // A pod whose fields do not fit the API types is skipped,
                // not fatal: the rest still give metadata.
                if let Ok(p) = serde_json::from_value::<Pod>(item) {
                    pods.push(p);
                }
            }
            Some("Namespace") => {
                let meta = &item["metadata"];
                let name = meta["name"].as_str().unwrap_or_default().to_string();
                let labels: BTreeMap<String, String> = meta["labels"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                namespaces.insert(name, labels);
            }
            _ => {}
        }
    }
    Ok((pods, namespaces))
}

/// Gives the layout's proxies what the `cluster/` files know of their pods.
pub fn apply(tree: &Tree, root: &str, layout: &mut Layout) -> ClusterMeta {
    let mut meta = ClusterMeta::default();
    let mut pods: BTreeMap<(String, String), Pod> = BTreeMap::new();
    let mut namespaces = NamespaceLabels::new();
    for file in POD_FILES {
        let name = format!("{root}cluster/{file}");
        if !layout.cluster.contains(&name) {
            continue;
        }
        let body = match tree.read(&name) {
            Ok(b) => b,
            Err(e) => {
                meta.errors.push(e);
                continue;
            }
        };
        match read_objects(&String::from_utf8_lossy(&body)) {
            Ok((ps, ns)) => {
                for p in ps {
                    let key = (
                        p.metadata.namespace.clone().unwrap_or_default(),
                        p.metadata.name.clone().unwrap_or_default(),
                    );
                    pods.entry(key).or_insert(p);
                }
                namespaces.extend(ns);
            }
            Err(e) => meta.errors.push(format!("cluster/{file}: {e}")),
        }
    }
    meta.pods = pods.len();
    if pods.is_empty() {
        return meta;
    }
    let all: Vec<Pod> = pods.values().cloned().collect();
    let ambient: BTreeMap<String, _> = ambient_pods(&all, &namespaces)
        .into_iter()
        .map(|a| (a.key(), a))
        .collect();
    for proxy in &mut layout.proxies {
        let t = &mut proxy.target;
        let Some(pod) = pods.get(&(t.namespace.clone(), t.name.clone())) else {
            continue;
        };
        meta.matched += 1;
        if let Some(p) = proxy_pod(pod) {
            if !p.app.is_empty() {
                t.app = p.app;
            }
            t.version = p.version;
            t.ready = Some(p.ready);
            t.restarts = Some(p.restarts);
        }
        t.node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        if let Some(a) = ambient.get(&t.key()) {
            if !a.app.is_empty() && t.app.is_empty() {
                t.app = a.app.clone();
            }
            t.kind = Some(a.kind);
            t.ztunnel = a.ztunnel.clone();
            t.waypoint = a.waypoint.clone();
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_documents_give_pods_and_namespaces() {
        let body = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: default, labels: {app: reviews}}
  spec: {nodeName: n1, containers: [{name: istio-proxy, image: 'proxyv2:1.28.0'}]}
- apiVersion: v1
  kind: Service
  metadata: {name: reviews, namespace: default}
  spec: {ports: [{port: 9080}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {istio.io/dataplane-mode: ambient}}
";
        let (pods, ns) = read_objects(body).unwrap();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].metadata.name.as_deref(), Some("a"));
        assert_eq!(ns["apps"]["istio.io/dataplane-mode"], "ambient");
        let e = read_objects("items: [unclosed\n").unwrap_err();
        assert!(!e.is_empty());
    }
}
