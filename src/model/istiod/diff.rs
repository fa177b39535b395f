//! "What istiod would send vs what Envoy holds": compare two sets of named
//! xDS resources (clusters, listeners, routes) after dropping the fields that
//! differ on every push (`last_updated`, `version_info`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Keys removed at every depth before comparing.
pub const VOLATILE_KEYS: &[&str] = &["last_updated", "version_info", "lastUpdated", "versionInfo"];

/// Most differing paths reported per resource.
const MAX_PATHS: usize = 8;

/// One resource from either side, borrowed from its dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigItem<'a> {
    /// Resource kind (`cluster`, `listener`, `route`...).
    pub kind: &'a str,
    /// Resource name.
    pub name: &'a str,
    /// The resource as raw JSON.
    pub json: &'a str,
}

/// A resource identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ItemKey {
    /// Resource kind.
    pub kind: String,
    /// Resource name.
    pub name: String,
}

/// A resource present on both sides with different content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Differing {
    /// Which resource.
    pub key: ItemKey,
    /// JSON pointers of the first differing places (at most a few).
    pub paths: Vec<String>,
}

/// Which side a resource came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    /// istiod's `/debug/config_dump?proxyID=`.
    Istiod,
    /// Envoy's own `/config_dump`.
    Envoy,
}

/// A resource whose JSON could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Which resource.
    pub key: ItemKey,
    /// Which side.
    pub side: Side,
    /// The parse error.
    pub error: String,
}

/// The outcome of [`diff_configs`], each list sorted by kind then name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigDiff {
    /// Resources istiod would send that Envoy does not hold.
    pub only_istiod: Vec<ItemKey>,
    /// Resources Envoy holds that istiod would not send (stale or static).
    pub only_envoy: Vec<ItemKey>,
    /// Resources on both sides with different content.
    pub differing: Vec<Differing>,
    /// Resources on both sides with equal content (count only).
    pub same: usize,
    /// Resources whose JSON could not be read; not compared.
    pub unreadable: Vec<Unreadable>,
}

impl ConfigDiff {
    /// True when both sides hold exactly the same resources.
    pub fn is_in_sync(&self) -> bool {
        self.only_istiod.is_empty()
            && self.only_envoy.is_empty()
            && self.differing.is_empty()
            && self.unreadable.is_empty()
    }
}

/// Compares istiod's intended resources with Envoy's.
pub fn diff_configs(istiod: &[ConfigItem<'_>], envoy: &[ConfigItem<'_>]) -> ConfigDiff {
    let mut diff = ConfigDiff::default();
    let left = index(istiod, Side::Istiod, &mut diff.unreadable);
    let mut right = index(envoy, Side::Envoy, &mut diff.unreadable);
    for (key, l) in left {
        match right.remove(&key) {
            None => diff.only_istiod.push(key),
            Some(r) if l == r => diff.same += 1,
            Some(r) => {
                let mut paths = Vec::new();
                differing_paths(&l, &r, &mut String::new(), &mut paths);
                diff.differing.push(Differing { key, paths });
            }
        }
    }
    diff.only_envoy = right.into_keys().collect();
    diff.unreadable.sort_by(|a, b| a.key.cmp(&b.key));
    diff
}

fn index(
    items: &[ConfigItem<'_>],
    side: Side,
    unreadable: &mut Vec<Unreadable>,
) -> BTreeMap<ItemKey, Value> {
    let mut out = BTreeMap::new();
    for item in items {
        let key = ItemKey {
            kind: item.kind.to_string(),
            name: item.name.to_string(),
        };
        match serde_json::from_str::<Value>(item.json) {
            Ok(v) => {
                out.insert(key, canonical(v));
            }
            Err(e) => unreadable.push(Unreadable {
                key,
                side,
                error: e.to_string(),
            }),
        }
    }
    out
}

/// Removes [`VOLATILE_KEYS`] at every depth.
pub fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !VOLATILE_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k, canonical(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn differing_paths(a: &Value, b: &Value, at: &mut String, out: &mut Vec<String>) {
    if out.len() >= MAX_PATHS || a == b {
        return;
    }
    let len = at.len();
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                at.push('/');
                at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differing_paths(p, q, at, out),
                    _ => push_path(at, out),
                }
                at.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                at.push_str(&format!("/{i}"));
                differing_paths(p, q, at, out);
                at.truncate(len);
            }
        }
        _ => push_path(at, out),
    }
}

fn push_path(at: &str, out: &mut Vec<String>) {
    if out.len() < MAX_PATHS {
        out.push(if at.is_empty() {
            "/".to_string()
        } else {
            at.to_string()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(kind: &'a str, name: &'a str, json: &'a str) -> ConfigItem<'a> {
        ConfigItem { kind, name, json }
    }

    #[test]
    fn classifies_only_istiod_only_envoy_differing_and_same() {
        let istiod = [
            item("cluster", "a", r#"{"name":"a","connect_timeout":"10s"}"#),
            item("cluster", "b", r#"{"name":"b","lb_policy":"ROUND_ROBIN"}"#),
            item("listener", "l", r#"{"name":"l","port":80}"#),
        ];
        let envoy = [
            item("cluster", "a", r#"{"name":"a","connect_timeout":"1s"}"#),
            item("listener", "l", r#"{"port":80,"name":"l"}"#),
            item("route", "r", r#"{"name":"r"}"#),
        ];
        let d = diff_configs(&istiod, &envoy);
        let names = |v: &[ItemKey]| v.iter().map(|k| k.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&d.only_istiod), ["b"]);
        assert_eq!(names(&d.only_envoy), ["r"]);
        assert_eq!(d.differing.len(), 1);
        assert_eq!(d.differing[0].key.name, "a");
        assert_eq!(d.differing[0].paths, ["/connect_timeout"]);
        assert_eq!(d.same, 1);
        assert!(!d.is_in_sync());
    }

    #[test]
    fn volatile_fields_are_ignored_at_any_depth() {
        let istiod = [item(
            "cluster",
            "a",
            r#"{"version_info":"1","cluster":{"name":"a","last_updated":"x"}}"#,
        )];
        let envoy = [item(
            "cluster",
            "a",
            r#"{"version_info":"2","cluster":{"name":"a","last_updated":"y"},"last_updated":"z"}"#,
        )];
        let d = diff_configs(&istiod, &envoy);
        assert!(d.is_in_sync(), "{d:?}");
        assert_eq!(d.same, 1);
    }

    #[test]
    fn same_name_different_kind_is_not_the_same_resource() {
        let d = diff_configs(&[item("cluster", "x", "{}")], &[item("route", "x", "{}")]);
        assert_eq!(d.only_istiod.len(), 1);
        assert_eq!(d.only_envoy.len(), 1);
    }

    #[test]
    fn unreadable_json_is_reported_not_compared() {
        let d = diff_configs(&[item("cluster", "x", "{")], &[item("cluster", "x", "{}")]);
        assert_eq!(d.unreadable.len(), 1);
        assert_eq!(d.unreadable[0].side, Side::Istiod);
        assert_eq!(d.only_envoy.len(), 1);
    }

    #[test]
    fn array_and_missing_key_paths() {
        let istiod = [item(
            "listener",
            "l",
            r#"{"chains":[{"a":1},{"a":2}],"x":1}"#,
        )];
        let envoy = [item("listener", "l", r#"{"chains":[{"a":1},{"a":3}]}"#)];
        let d = diff_configs(&istiod, &envoy);
        assert_eq!(d.differing[0].paths, ["/chains/1/a", "/x"]);
    }
}
