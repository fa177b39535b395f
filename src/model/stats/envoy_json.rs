//! Envoy's `/stats?format=json`:
//! `{"stats":[{"name":..,"value":..}, .., {"histograms":{"supported_quantiles":[..],
//! "computed_quantiles":[{"name":..,"values":[{"interval":..,"cumulative":..}]}]}}]}`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::envoy_text::guess_kind;
use super::{Quantile, Stat, StatKind, StatValue};

/// Why a `/stats?format=json` body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvoyJsonError {
    /// The body is not the JSON shape Envoy produces.
    #[error("not an Envoy /stats?format=json document: {0}")]
    Json(#[from] serde_json::Error),
    /// A stat's value is neither a number nor a string.
    #[error("stat {name}: unsupported value {value}")]
    Value {
        /// The stat's name.
        name: String,
        /// The value as it appeared, clipped.
        value: String,
    },
}

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow, default)]
    stats: Vec<Entry<'a>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
    #[serde(borrow, default)]
    histograms: Option<Histograms<'a>>,
}

#[derive(Deserialize)]
struct Histograms<'a> {
    #[serde(default)]
    supported_quantiles: Vec<f64>,
    #[serde(borrow, default)]
    computed_quantiles: Vec<Computed<'a>>,
}

#[derive(Deserialize)]
struct Computed<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    values: Vec<Pair>,
}

#[derive(Deserialize)]
struct Pair {
    #[serde(default)]
    interval: Option<f64>,
    #[serde(default)]
    cumulative: Option<f64>,
}

/// Parses an Envoy `/stats?format=json` body. Names borrow from `text`
/// unless they contain JSON escapes.
pub fn parse_envoy_json(text: &str) -> Result<Vec<Stat<'_>>, EnvoyJsonError> {
    let doc: Document<'_> = serde_json::from_str(text)?;
    let mut out = Vec::with_capacity(doc.stats.len());
    for entry in doc.stats {
        if let Some(h) = entry.histograms {
            for c in h.computed_quantiles {
                let quantiles = c
                    .values
                    .iter()
                    .zip(&h.supported_quantiles)
                    .map(|(p, q)| Quantile {
                        quantile: *q,
                        interval: p.interval,
                        cumulative: p.cumulative,
                    })
                    .collect();
                out.push(Stat {
                    name: c.name,
                    value: StatValue::Quantiles(quantiles),
                    kind: StatKind::Histogram,
                });
            }
        }
        let (name, Some(raw)) = (entry.name, entry.value) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let raw = raw.get();
        let stat = if let Ok(n) = raw.parse::<u64>() {
            let kind = guess_kind(&name);
            Stat {
                name,
                value: StatValue::Number(n),
                kind,
            }
        } else if raw.starts_with('"') {
            let text: Cow<'_, str> = serde_json::from_str(raw)?;
            Stat {
                name,
                value: StatValue::Text(Cow::Owned(text.into_owned())),
                kind: StatKind::TextReadout,
            }
        } else {
            return Err(EnvoyJsonError::Value {
                name: name.into_owned(),
                value: raw.chars().take(80).collect(),
            });
        };
        out.push(stat);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"stats":[
      {"name":"cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow","value":59},
      {"name":"cluster.a.upstream_cx_active","value":2},
      {"name":"server.version_string","value":"1.2\"8"},
      {"histograms":{"supported_quantiles":[0,25,50,99.9],
        "computed_quantiles":[{"name":"cluster.a.upstream_rq_time",
          "values":[{"interval":null,"cumulative":1},{"interval":2,"cumulative":2.5},
                    {"interval":null,"cumulative":null},{"interval":9,"cumulative":10}]}]}}]}"#;

    #[test]
    fn counters_gauges_text_and_histograms() -> Result<(), EnvoyJsonError> {
        let stats = parse_envoy_json(DOC)?;
        assert_eq!(stats.len(), 4);
        assert_eq!(stats[3].name, "cluster.a.upstream_rq_time");
        let StatValue::Quantiles(q) = &stats[3].value else {
            panic!("expected quantiles");
        };
        assert_eq!(q.len(), 4);
        assert_eq!(q[3].quantile, 99.9);
        assert_eq!(q[1].interval, Some(2.0));
        assert_eq!(q[0].interval, None);
        assert_eq!(stats[0].value, StatValue::Number(59));
        assert!(matches!(stats[0].name, Cow::Borrowed(_)));
        assert_eq!(stats[1].kind, StatKind::Gauge);
        assert_eq!(stats[2].value, StatValue::Text(Cow::Borrowed("1.2\"8")));
        Ok(())
    }

    #[test]
    fn rejects_non_envoy_json() {
        assert!(parse_envoy_json("[1,2]").is_err());
        assert!(parse_envoy_json(r#"{"stats":[{"name":"a","value":[1]}]}"#).is_err());
    }
}
