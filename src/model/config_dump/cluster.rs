//! The fields of a `Cluster` that tables, drill-down and findings need,
//! parsed from the borrowed raw JSON without building a tree.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

use crate::model::clusters::CircuitBreakers;

/// A cluster's summary fields.
#[derive(Debug, Deserialize, Default)]
pub struct ClusterInfo<'a> {
    /// Cluster name.
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    /// Discovery type enum (`EDS`, `STATIC`, `STRICT_DNS`, `ORIGINAL_DST`…); absent means STATIC.
    #[serde(default, rename = "type", deserialize_with = "discovery_type")]
    pub discovery_type: Option<String>,
    /// A custom cluster type (e.g. `envoy.clusters.aggregate`), if any.
    #[serde(borrow, default, alias = "clusterType")]
    pub cluster_type: Option<CustomClusterType<'a>>,
    /// Metadata; Istio puts the DestinationRule path under `filter_metadata.istio.config`.
    #[serde(borrow, default)]
    pub metadata: Option<Metadata<'a>>,
    /// Circuit breaker thresholds.
    #[serde(default, alias = "circuitBreakers")]
    pub circuit_breakers: Option<CircuitBreakers>,
    /// EDS settings (service name).
    #[serde(borrow, default, alias = "edsClusterConfig")]
    pub eds_cluster_config: Option<EdsClusterConfig<'a>>,
    /// Connect timeout, e.g. `10s`.
    #[serde(borrow, default, alias = "connectTimeout")]
    pub connect_timeout: Option<Cow<'a, str>>,
}

/// `cluster_type` of a cluster.
#[derive(Debug, Deserialize, Default)]
pub struct CustomClusterType<'a> {
    /// Extension name.
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
}

/// `eds_cluster_config` of a cluster.
#[derive(Debug, Deserialize, Default)]
pub struct EdsClusterConfig<'a> {
    /// The EDS service name, when it differs from the cluster name.
    #[serde(borrow, default, alias = "serviceName")]
    pub service_name: Option<Cow<'a, str>>,
}

/// Envoy metadata, only the Istio part.
#[derive(Debug, Deserialize, Default)]
pub struct Metadata<'a> {
    /// Per-filter metadata.
    #[serde(borrow, default, alias = "filterMetadata")]
    pub filter_metadata: Option<FilterMetadata<'a>>,
}

/// `filter_metadata`, only the `istio` key.
#[derive(Debug, Deserialize, Default)]
pub struct FilterMetadata<'a> {
    /// Istio's metadata.
    #[serde(borrow, default)]
    pub istio: Option<IstioMetadata<'a>>,
}

/// `filter_metadata.istio`.
#[derive(Debug, Deserialize, Default)]
pub struct IstioMetadata<'a> {
    /// The Istio config that produced this resource,
    /// e.g. `/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews`.
    #[serde(borrow, default)]
    pub config: Option<Cow<'a, str>>,
}

impl<'a> ClusterInfo<'a> {
    /// Parses the summary fields from a cluster's raw JSON.
    pub fn parse(raw: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(raw)
    }

    /// The enum type as istioctl prints it (`GetType()`): STATIC when unset,
    /// including clusters that use a custom `cluster_type`.
    pub fn type_label(&self) -> &str {
        self.discovery_type.as_deref().unwrap_or("STATIC")
    }

    /// The Istio config path in the metadata, if any.
    pub fn istio_config(&self) -> Option<&str> {
        self.metadata
            .as_ref()?
            .filter_metadata
            .as_ref()?
            .istio
            .as_ref()?
            .config
            .as_deref()
    }
}

/// The `type` enum may come as a name or as its number.
fn discovery_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    const NAMES: [&str; 5] = ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"];
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .and_then(|i| NAMES.get(usize::try_from(i).ok()?))
            .map(|s| s.to_string()),
        _ => None,
    })
}

/// The parts of an Istio cluster name `direction|port|subset|fqdn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetKey<'a> {
    /// `outbound`, `inbound`, `inbound-vip`…
    pub direction: &'a str,
    /// Service port (0 if not numeric).
    pub port: u32,
    /// DestinationRule subset, empty for none.
    pub subset: &'a str,
    /// Service FQDN.
    pub fqdn: &'a str,
}

impl<'a> SubsetKey<'a> {
    /// Parses like Istio's `model.ParseSubsetKey` (only for names with 4+ `|` parts;
    /// a fifth part leaves the FQDN empty, as Istio does).
    pub fn parse(name: &'a str) -> Option<Self> {
        if name.split('|').count() <= 3 {
            return None;
        }
        let mut it = name.splitn(4, '|');
        let direction = it.next()?;
        let port = it.next()?.parse().unwrap_or(0);
        let subset = it.next()?;
        let rest = it.next()?;
        let fqdn = if rest.contains('|') { "" } else { rest };
        Some(SubsetKey {
            direction,
            port,
            subset,
            fqdn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_fields() {
        let raw = r#"{"name":"outbound|9080|v1|reviews.default.svc.cluster.local","type":"EDS",
          "circuit_breakers":{"thresholds":[{"max_connections":1,"max_pending_requests":1}]},
          "metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"}}}}"#;
        let c = ClusterInfo::parse(raw).unwrap();
        assert_eq!(c.type_label(), "EDS");
        assert!(c.istio_config().unwrap().ends_with("/reviews"));
        let k = SubsetKey::parse(&c.name).unwrap();
        assert_eq!((k.direction, k.port, k.subset), ("outbound", 9080, "v1"));
        assert_eq!(k.fqdn, "reviews.default.svc.cluster.local");
    }

    #[test]
    fn numeric_type_and_custom_types() {
        let c = ClusterInfo::parse(r#"{"name":"a","type":3}"#).unwrap();
        assert_eq!(c.type_label(), "EDS");
        let c = ClusterInfo::parse(
            r#"{"name":"a","cluster_type":{"name":"envoy.clusters.aggregate"}}"#,
        )
        .unwrap();
        assert_eq!(c.type_label(), "STATIC");
        assert_eq!(c.cluster_type.unwrap().name, "envoy.clusters.aggregate");
    }

    #[test]
    fn subset_keys() {
        assert_eq!(SubsetKey::parse("xds-grpc"), None);
        assert_eq!(SubsetKey::parse("a|b|c"), None);
        let k = SubsetKey::parse("outbound|x|s|a|b").unwrap();
        assert_eq!((k.port, k.fqdn), (0, ""));
    }
}
