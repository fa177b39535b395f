//! The parts of Envoy's v3 route protos that route explain reads, as serde types.
//!
//! Config dumps spell fields in snake_case (Envoy's admin) or camelCase
//! (`istioctl … -o json` of older releases); [`snake_keys`] turns the second
//! into the first before these types see it. Unknown fields are ignored.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Rewrites every object key from camelCase to snake_case, in place.
pub fn snake_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut val) in old {
                snake_keys(&mut val);
                let key = if k.bytes().any(|b| b.is_ascii_uppercase()) && !k.starts_with('@') {
                    to_snake(&k)
                } else {
                    k
                };
                map.insert(key, val);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(snake_keys),
        _ => {}
    }
}

fn to_snake(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 4);
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A proto-JSON integer: a number or (for 64-bit fields) a string.
fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("not an integer")),
        Value::String(s) => s.parse().map_err(serde::de::Error::custom),
        Value::Null => Ok(0),
        other => Err(serde::de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// `RouteConfiguration`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteConfiguration {
    pub name: String,
    pub virtual_hosts: Vec<VirtualHost>,
    pub ignore_port_in_host_matching: bool,
}

/// `VirtualHost`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VirtualHost {
    pub name: String,
    pub domains: Vec<String>,
    pub routes: Vec<Route>,
    pub retry_policy: Option<RetryPolicy>,
    pub require_tls: Option<String>,
}

/// `Route`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Route {
    pub name: String,
    #[serde(rename = "match")]
    pub matcher: RouteMatch,
    pub route: Option<RouteAction>,
    pub redirect: Option<Redirect>,
    pub direct_response: Option<DirectResponse>,
    pub filter_action: Option<Value>,
    pub non_forwarding_action: Option<Value>,
}

/// `RouteMatch`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteMatch {
    pub prefix: Option<String>,
    pub path: Option<String>,
    pub safe_regex: Option<RegexMatcher>,
    pub path_separated_prefix: Option<String>,
    pub connect_matcher: Option<Value>,
    pub path_match_policy: Option<Value>,
    pub case_sensitive: Option<bool>,
    pub runtime_fraction: Option<RuntimeFraction>,
    pub headers: Vec<HeaderMatcher>,
    pub query_parameters: Vec<QueryParameterMatcher>,
    pub grpc: Option<Value>,
    pub tls_context: Option<Value>,
    pub dynamic_metadata: Vec<Value>,
}

/// `RegexMatcher` (RE2; Envoy matches the whole input).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RegexMatcher {
    pub regex: String,
}

/// `HeaderMatcher`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HeaderMatcher {
    pub name: String,
    pub exact_match: Option<String>,
    pub safe_regex_match: Option<RegexMatcher>,
    pub range_match: Option<Int64Range>,
    pub present_match: Option<bool>,
    pub prefix_match: Option<String>,
    pub suffix_match: Option<String>,
    pub contains_match: Option<String>,
    pub string_match: Option<StringMatcher>,
    pub invert_match: bool,
    pub treat_missing_header_as_empty: bool,
}

/// `Int64Range`: `[start, end)`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Int64Range {
    #[serde(deserialize_with = "int64")]
    pub start: i64,
    #[serde(deserialize_with = "int64")]
    pub end: i64,
}

/// `StringMatcher`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StringMatcher {
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub contains: Option<String>,
    pub safe_regex: Option<RegexMatcher>,
    pub ignore_case: bool,
}

/// `QueryParameterMatcher`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueryParameterMatcher {
    pub name: String,
    pub string_match: Option<StringMatcher>,
    pub present_match: Option<bool>,
}

/// `RuntimeFractionalPercent`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuntimeFraction {
    pub default_value: FractionalPercent,
    pub runtime_key: String,
}

/// `FractionalPercent`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FractionalPercent {
    pub numerator: u64,
    pub denominator: Option<String>,
}

impl FractionalPercent {
    /// The denominator as a number (HUNDRED when unset).
    pub fn denominator_value(&self) -> u64 {
        match self.denominator.as_deref() {
            Some("TEN_THOUSAND") => 10_000,
            Some("MILLION") => 1_000_000,
            _ => 100,
        }
    }
}

/// `RouteAction`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteAction {
    pub cluster: Option<String>,
    pub cluster_header: Option<String>,
    pub weighted_clusters: Option<WeightedClusters>,
    pub cluster_specifier_plugin: Option<String>,
    pub inline_cluster_specifier_plugin: Option<Value>,
    pub prefix_rewrite: Option<String>,
    pub regex_rewrite: Option<RegexRewrite>,
    pub path_rewrite_policy: Option<Value>,
    pub host_rewrite_literal: Option<String>,
    pub auto_host_rewrite: Option<bool>,
    pub host_rewrite_header: Option<String>,
    pub host_rewrite_path_regex: Option<RegexRewrite>,
    pub timeout: Option<String>,
    pub idle_timeout: Option<String>,
    pub retry_policy: Option<RetryPolicy>,
    pub max_stream_duration: Option<Value>,
    pub request_mirror_policies: Vec<Value>,
}

/// `WeightedCluster`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeightedClusters {
    pub clusters: Vec<ClusterWeight>,
    pub total_weight: Option<u64>,
    pub header_name: Option<String>,
}

/// `WeightedCluster.ClusterWeight`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClusterWeight {
    pub name: String,
    pub cluster_header: Option<String>,
    pub weight: Option<u64>,
}

/// `RegexMatchAndSubstitute`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegexRewrite {
    pub pattern: RegexMatcher,
    pub substitution: String,
}

/// `RetryPolicy`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    pub retry_on: String,
    pub num_retries: Option<u64>,
    pub per_try_timeout: Option<String>,
    pub retriable_status_codes: Vec<u32>,
}

/// `RedirectAction`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Redirect {
    pub https_redirect: bool,
    pub scheme_redirect: Option<String>,
    pub host_redirect: Option<String>,
    pub port_redirect: Option<u32>,
    pub path_redirect: Option<String>,
    pub prefix_rewrite: Option<String>,
    pub regex_rewrite: Option<RegexRewrite>,
    pub response_code: Option<Value>,
    pub strip_query: bool,
}

/// `DirectResponseAction`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DirectResponse {
    pub status: u32,
    pub body: Option<DataSource>,
}

/// `DataSource`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DataSource {
    pub inline_string: Option<String>,
    pub inline_bytes: Option<String>,
    pub filename: Option<String>,
    pub environment_variable: Option<String>,
}
