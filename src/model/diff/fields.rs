//! Field-level diff of two JSON values: every leaf that differs, as a path
//! (`filter_chains[name=x].filters[0].name`) with its old and new value.
//! Lists of objects that each carry a distinct `name` are matched by name,
//! other lists by position. Volatile fields are dropped first unless asked.

use serde_json::Value;

/// One difference between two resources.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldDiff {
    /// Where, from the resource's root (`""` for the root itself).
    pub path: String,
    /// The value on side A; `None` when the field is only on side B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The value on side B; `None` when the field is only on side A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// Fields that change without the configuration changing: update times,
/// xDS versions and nonces, counters.
pub const VOLATILE: &[&str] = &[
    "last_updated",
    "lastUpdated",
    "version_info",
    "versionInfo",
    "nonce",
    "response_nonce",
    "last_update_attempt",
    "lastUpdateAttempt",
    "timestamp",
    "update_time",
];

/// One side of a field difference as compact JSON, cut at `max` characters
/// (`(absent)` when the field is only on the other side).
pub fn short_value(v: Option<&Value>, max: usize) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > max {
                let cut: String = s.chars().take(max.saturating_sub(3)).collect();
                format!("{cut}...")
            } else {
                s
            }
        }
    }
}

/// Removes the [`VOLATILE`] fields everywhere in `v`.
pub fn strip_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            for x in m.values_mut() {
                strip_volatile(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

/// Every difference between `a` and `b`, in document order.
pub fn diff_values(a: &Value, b: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk(a, b, &mut String::new(), &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@()".contains(c));
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

fn walk(a: &Value, b: &Value, path: &mut String, out: &mut Vec<FieldDiff>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                let p = join(path, k);
                match mb.get(k) {
                    Some(vb) => walk(va, vb, &mut p.clone(), out),
                    None => out.push(FieldDiff {
                        path: p,
                        old: Some(va.clone()),
                        new: None,
                    }),
                }
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    out.push(FieldDiff {
                        path: join(path, k),
                        old: None,
                        new: Some(vb.clone()),
                    });
                }
            }
        }
        (Value::Array(la), Value::Array(lb)) => match (names(la), names(lb)) {
            (Some(na), Some(nb)) => {
                for (i, n) in na.iter().enumerate() {
                    let p = format!("{path}[name={n}]");
                    match nb.iter().position(|m| m == n) {
                        Some(j) => walk(&la[i], &lb[j], &mut p.clone(), out),
                        None => out.push(FieldDiff {
                            path: p,
                            old: Some(la[i].clone()),
                            new: None,
                        }),
                    }
                }
                for (j, n) in nb.iter().enumerate() {
                    if !na.contains(n) {
                        out.push(FieldDiff {
                            path: format!("{path}[name={n}]"),
                            old: None,
                            new: Some(lb[j].clone()),
                        });
                    }
                }
            }
            _ => {
                for i in 0..la.len().max(lb.len()) {
                    let p = format!("{path}[{i}]");
                    match (la.get(i), lb.get(i)) {
                        (Some(x), Some(y)) => walk(x, y, &mut p.clone(), out),
                        (x, y) => out.push(FieldDiff {
                            path: p,
                            old: x.cloned(),
                            new: y.cloned(),
                        }),
                    }
                }
            }
        },
        _ => out.push(FieldDiff {
            path: path.clone(),
            old: Some(a.clone()),
            new: Some(b.clone()),
        }),
    }
}

/// The `name` of every element, when each is an object with a distinct one.
fn names(list: &[Value]) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        let n = v.get("name")?.as_str()?;
        if out.contains(&n) {
            return None;
        }
        out.push(n);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_are_paths_with_old_and_new() {
        let a = json!({"name": "l", "port": 80, "filter_chains": [{"name": "a", "x": 1}, {"name": "b", "x": 2}], "tags": [1, 2]});
        let b = json!({"name": "l", "port": 81, "filter_chains": [{"name": "b", "x": 3}, {"name": "c"}], "tags": [1], "new": true});
        let d = diff_values(&a, &b);
        let paths: Vec<&str> = d.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "filter_chains[name=a]",
                "filter_chains[name=b].x",
                "filter_chains[name=c]",
                "port",
                "tags[1]",
                "new"
            ]
        );
        assert_eq!(d[3].old, Some(json!(80)));
        assert_eq!(d[3].new, Some(json!(81)));
        assert_eq!(d[0].new, None);
        assert_eq!(d[4].new, None);
    }

    #[test]
    fn odd_keys_are_quoted_and_volatile_fields_go() {
        let a = json!({"a.b": 1, "last_updated": "x", "in": {"version_info": "1", "k": 1}});
        let mut b = json!({"a.b": 2, "last_updated": "y", "in": {"version_info": "2", "k": 1}});
        assert_eq!(diff_values(&a, &b).len(), 3);
        let mut a2 = a.clone();
        strip_volatile(&mut a2);
        strip_volatile(&mut b);
        let d = diff_values(&a2, &b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "[\"a.b\"]");
    }
}
