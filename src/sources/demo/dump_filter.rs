//! `/config_dump` query handling on a parsed dump (`include_eds`,
//! `resource=`, `mask=`, `name_regex=`), and the scenario changes injected
//! into a generated dump (a listener update the gateway rejected).

use serde_json::{json, Map, Value};

use super::pattern::Pattern;
use super::scenario::Scenario;

/// Adds scenario evidence the dump writer does not produce; true if changed.
pub(crate) fn inject(dump: &mut Value, scenarios: &[Scenario], push_unix: i64) -> bool {
    if !scenarios.contains(&Scenario::RejectedGateway) {
        return false;
    }
    let Some(lds) = section_mut(dump, ".ListenersConfigDump") else {
        return false;
    };
    let entry = json!({
        "name": "0.0.0.0_8443",
        "error_state": {
            "failed_configuration": {
                "@type": "type.googleapis.com/envoy.config.listener.v3.Listener",
                "name": "0.0.0.0_8443",
                "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8443}},
            },
            "last_update_attempt": crate::model::x509::rfc3339(push_unix + 4).replace('Z', ".311Z"),
            "details": "Error adding/updating listener(s) 0.0.0.0_8443: duplicate filter chain match: server_names: \"*.example.com\" (Gateway default/test1 and default/test2)",
        }
    });
    match lds["dynamic_listeners"].as_array_mut() {
        Some(list) => list.push(entry),
        None => lds["dynamic_listeners"] = json!([entry]),
    }
    true
}

fn section_mut<'a>(dump: &'a mut Value, suffix: &str) -> Option<&'a mut Value> {
    dump["configs"]
        .as_array_mut()?
        .iter_mut()
        .find(|c| c["@type"].as_str().is_some_and(|t| t.ends_with(suffix)))
}

/// The message type of one element of a repeated config-dump field.
fn item_type(section_type: &str, field: &str) -> Option<String> {
    let item = match field {
        "static_clusters" => "StaticCluster",
        "dynamic_active_clusters" | "dynamic_warming_clusters" => "DynamicCluster",
        "static_listeners" => "StaticListener",
        "dynamic_listeners" => "DynamicListener",
        "static_route_configs" => "StaticRouteConfig",
        "dynamic_route_configs" => "DynamicRouteConfig",
        "static_endpoint_configs" => "StaticEndpointConfig",
        "dynamic_endpoint_configs" => "DynamicEndpointConfig",
        "static_secrets" => "StaticSecret",
        "dynamic_active_secrets" | "dynamic_warming_secrets" => "DynamicSecret",
        _ => return None,
    };
    Some(format!("{section_type}.{item}"))
}

/// The name of one resource entry, wherever Envoy keeps it.
fn entry_name(entry: &Value) -> Option<&str> {
    entry["name"]
        .as_str()
        .or_else(|| entry.pointer("/cluster/name").and_then(Value::as_str))
        .or_else(|| entry.pointer("/listener/name").and_then(Value::as_str))
        .or_else(|| entry.pointer("/route_config/name").and_then(Value::as_str))
        .or_else(|| {
            entry
                .pointer("/endpoint_config/cluster_name")
                .and_then(Value::as_str)
        })
}

/// Keeps only the fields named by `paths` (dotted, e.g. `cluster.name`);
/// `@type` always stays. Arrays are masked element by element.
fn mask(v: &Value, paths: &[Vec<&str>]) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| mask(i, paths)).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, val) in map {
                if k == "@type" {
                    out.insert(k.clone(), val.clone());
                    continue;
                }
                let sub: Vec<Vec<&str>> = paths
                    .iter()
                    .filter(|p| p.first() == Some(&k.as_str()))
                    .map(|p| p[1..].to_vec())
                    .collect();
                if sub.iter().any(Vec::is_empty) {
                    out.insert(k.clone(), val.clone());
                } else if !sub.is_empty() {
                    out.insert(k.clone(), mask(val, &sub));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The query of one `/config_dump` request.
#[derive(Debug, Default)]
pub(crate) struct DumpQuery<'a> {
    pub resource: Option<&'a str>,
    pub mask: Option<&'a str>,
    pub name_regex: Option<&'a str>,
    pub include_eds: bool,
}

/// Applies `q` to `dump`; `Err` is the 404 text for an unknown resource.
pub(crate) fn filter(dump: &Value, q: &DumpQuery<'_>) -> Result<Value, String> {
    let regex = q.name_regex.filter(|r| !r.is_empty()).map(Pattern::new);
    let paths: Option<Vec<Vec<&str>>> = q.mask.filter(|m| !m.is_empty()).map(|m| {
        m.split(',')
            .map(|p| p.trim().split('.').collect())
            .collect()
    });
    let keep = |e: &Value| {
        regex
            .as_ref()
            .is_none_or(|r| entry_name(e).is_some_and(|n| r.is_match(n)))
    };
    let sections = dump["configs"].as_array().map_or(&[][..], Vec::as_slice);
    let sections = sections.iter().filter(|c| {
        q.include_eds
            || !c["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with("EndpointsConfigDump"))
    });
    let mut out = Vec::new();
    if let Some(resource) = q.resource.filter(|r| !r.is_empty()) {
        let mut found = false;
        for section in sections {
            let ty = section["@type"].as_str().unwrap_or("");
            let (Some(items), Some(item_ty)) =
                (section[resource].as_array(), item_type(ty, resource))
            else {
                continue;
            };
            found = true;
            for item in items.iter().filter(|e| keep(e)) {
                let mut item = item.clone();
                if let Value::Object(m) = &mut item {
                    m.insert("@type".into(), Value::String(item_ty.clone()));
                }
                out.push(match &paths {
                    Some(p) => mask(&item, p),
                    None => item,
                });
            }
        }
        if !found {
            return Err(format!(
                "The resource {resource} in the config dump was not found\n"
            ));
        }
    } else {
        for section in sections {
            let mut s = section.clone();
            if let (Some(_), Value::Object(m)) = (&regex, &mut s) {
                for (k, v) in m.iter_mut() {
                    if let (Value::Array(items), true) = (&mut *v, item_type("", k).is_some()) {
                        items.retain(|e| keep(e));
                    }
                }
            }
            out.push(match &paths {
                Some(p) => mask(&s, p),
                None => s,
            });
        }
    }
    Ok(json!({ "configs": out }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump() -> Value {
        json!({"configs": [
            {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "version_info": "1",
             "static_clusters": [{"cluster": {"name": "agent"}}],
             "dynamic_active_clusters": [{"cluster": {"name": "outbound|8000||httpbin", "type": "EDS"}},
                                         {"cluster": {"name": "outbound|9080||reviews", "type": "EDS"}}]},
            {"@type": "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump", "dynamic_endpoint_configs": []}
        ]})
    }

    #[test]
    fn resource_mask_and_regex() {
        let q = DumpQuery {
            resource: Some("dynamic_active_clusters"),
            name_regex: Some("httpbin"),
            ..Default::default()
        };
        let v = filter(&dump(), &q).unwrap();
        assert_eq!(v["configs"].as_array().unwrap().len(), 1);
        assert!(v["configs"][0]["@type"]
            .as_str()
            .unwrap()
            .ends_with("ClustersConfigDump.DynamicCluster"));
        let q = DumpQuery {
            mask: Some("dynamic_active_clusters"),
            ..Default::default()
        };
        let v = filter(&dump(), &q).unwrap();
        assert_eq!(
            v["configs"].as_array().unwrap().len(),
            1,
            "EDS dropped without include_eds"
        );
        assert!(v["configs"][0].get("static_clusters").is_none());
        assert!(v["configs"][0].get("@type").is_some());
        let q = DumpQuery {
            mask: Some("cluster.name"),
            resource: Some("dynamic_active_clusters"),
            ..Default::default()
        };
        let v = filter(&dump(), &q).unwrap();
        assert!(v["configs"][0]["cluster"].get("type").is_none());
        assert!(filter(
            &dump(),
            &DumpQuery {
                resource: Some("nope"),
                ..Default::default()
            }
        )
        .is_err());
        let v = filter(
            &dump(),
            &DumpQuery {
                include_eds: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(v["configs"].as_array().unwrap().len(), 2);
    }
}
