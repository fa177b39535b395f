//! Borrowed, typed views of the listener and route-configuration fields the
//! istioctl tables read, deserialized straight from a resource's JSON text
//! (or from a `serde_json::Value`) without building a JSON tree.
//!
//! They read proto-JSON the way the `Value` helpers in `routes` did
//! (`field`, `str_field`, `arr_field`, `strings`): both snake_case and
//! camelCase spellings, `null` as absent, a value of the wrong JSON type as
//! the proto3 default (an empty string, object or list), and every field the
//! tables do not read skipped by serde without being kept. One difference: an
//! object that spells one field both ways is an error ("duplicate field")
//! instead of the snake_case spelling winning; Envoy never writes both.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::lenient::otherwise;
pub use super::lenient::{List, Obj, Port, Str, Strings};

const BLACK_HOLE_CLUSTER: &str = "BlackHoleCluster";

/// A listener: address, additional addresses and filter chains.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Listener<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow)]
    pub address: Obj<Address<'a>>,
    #[serde(borrow, alias = "additionalAddresses")]
    pub additional_addresses: List<AdditionalAddress<'a>>,
    #[serde(borrow, alias = "filterChains")]
    pub filter_chains: List<FilterChain<'a>>,
    #[serde(borrow, alias = "defaultFilterChain")]
    pub default_filter_chain: Obj<FilterChain<'a>>,
}

/// `address`: a socket address or a pipe.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Address<'a> {
    #[serde(borrow, alias = "socketAddress")]
    pub socket_address: Obj<SocketAddress<'a>>,
    #[serde(borrow)]
    pub pipe: Obj<Pipe<'a>>,
}

/// `socket_address`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SocketAddress<'a> {
    #[serde(borrow)]
    pub address: Str<'a>,
    #[serde(alias = "portValue")]
    pub port_value: Port,
}

/// `pipe`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pipe<'a> {
    #[serde(borrow)]
    pub path: Str<'a>,
}

/// One of `additional_addresses`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdditionalAddress<'a> {
    #[serde(borrow)]
    pub address: Obj<Address<'a>>,
}

/// A filter chain: its match and its network filters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilterChain<'a> {
    #[serde(borrow, alias = "filterChainMatch")]
    pub filter_chain_match: Obj<FilterChainMatch<'a>>,
    #[serde(borrow)]
    pub filters: List<Filter<'a>>,
}

/// `filter_chain_match`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilterChainMatch<'a> {
    #[serde(borrow, alias = "serverNames")]
    pub server_names: Strings<'a>,
    #[serde(borrow, alias = "transportProtocol")]
    pub transport_protocol: Str<'a>,
    #[serde(borrow, alias = "applicationProtocols")]
    pub application_protocols: Strings<'a>,
    #[serde(alias = "destinationPort")]
    pub destination_port: Option<Port>,
    #[serde(borrow, alias = "prefixRanges")]
    pub prefix_ranges: List<CidrRange<'a>>,
}

/// One of `prefix_ranges`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CidrRange<'a> {
    #[serde(borrow, alias = "addressPrefix")]
    pub address_prefix: Str<'a>,
    #[serde(alias = "prefixLen")]
    pub prefix_len: Port,
}

/// A network filter: its name and what istioctl reads of its `typed_config`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filter<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow, alias = "typedConfig")]
    pub typed_config: Option<FilterConfig<'a>>,
}

/// A network filter's `typed_config`: an HTTP connection manager's inline
/// `route_config` or `rds` name, a TCP proxy's `cluster`, and whether any
/// value in it (`@type` aside) mentions `BlackHoleCluster`. The scan skips
/// `route_config` and `rds`, which only connection managers have; it serves
/// TCP proxies.
#[derive(Debug, Default)]
pub struct FilterConfig<'a> {
    pub route_config: Obj<RouteConfig<'a>>,
    /// `rds.route_config_name`, empty when absent.
    pub rds_route_config_name: Cow<'a, str>,
    pub cluster: Str<'a>,
    pub mentions_black_hole: bool,
}

/// A route configuration (RDS resource or inline `route_config`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteConfig<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow, alias = "virtualHosts")]
    pub virtual_hosts: List<VirtualHost<'a>>,
}

/// A virtual host.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VirtualHost<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow)]
    pub domains: Strings<'a>,
    #[serde(borrow)]
    pub routes: List<Route<'a>>,
}

/// A route: its match, action and Istio metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Route<'a> {
    #[serde(borrow, rename = "match")]
    pub matcher: Obj<RouteMatch<'a>>,
    #[serde(borrow)]
    pub route: Obj<RouteAction<'a>>,
    #[serde(borrow)]
    pub metadata: Obj<Metadata<'a>>,
}

/// A route's `match`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteMatch<'a> {
    #[serde(borrow)]
    pub prefix: Str<'a>,
    #[serde(borrow, alias = "pathSeparatedPrefix")]
    pub path_separated_prefix: Str<'a>,
    #[serde(borrow)]
    pub path: Str<'a>,
    #[serde(borrow, alias = "safeRegex")]
    pub safe_regex: Obj<SafeRegex<'a>>,
}

/// `safe_regex`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SafeRegex<'a> {
    #[serde(borrow)]
    pub regex: Str<'a>,
}

/// A route's `route` action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RouteAction<'a> {
    #[serde(borrow)]
    pub cluster: Str<'a>,
    #[serde(borrow, alias = "weightedClusters")]
    pub weighted_clusters: Obj<WeightedClusters<'a>>,
}

/// `weighted_clusters`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeightedClusters<'a> {
    #[serde(borrow)]
    pub clusters: List<Named<'a>>,
}

/// Anything with a `name`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Named<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
}

/// A route's `metadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Metadata<'a> {
    #[serde(borrow, alias = "filterMetadata")]
    pub filter_metadata: Obj<FilterMetadata<'a>>,
}

/// `filter_metadata` (only the `istio` key is read, spelled exactly).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilterMetadata<'a> {
    #[serde(borrow)]
    pub istio: Obj<IstioMetadata<'a>>,
}

/// `filter_metadata.istio`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IstioMetadata<'a> {
    /// Present even when `null` (istioctl then prints `<unknown>`).
    #[serde(borrow)]
    pub config: Str<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for FilterConfig<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FilterConfig<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a typed_config object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<FilterConfig<'a>, M::Error> {
                let mut c = FilterConfig::default();
                while let Some(key) = m.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "@type" => {
                            m.next_value::<IgnoredAny>()?;
                        }
                        "route_config" | "routeConfig" => c.route_config = m.next_value()?,
                        "rds" => {
                            let rds: Obj<Rds<'a>> = m.next_value()?;
                            if let Some(r) = rds.0 {
                                c.rds_route_config_name = r.route_config_name.into_cow();
                            }
                        }
                        "cluster" => {
                            c.cluster = m.next_value()?;
                            c.mentions_black_hole |= c.cluster.get().contains(BLACK_HOLE_CLUSTER);
                        }
                        _ => c.mentions_black_hole |= m.next_value_seed(Mentions)?,
                    }
                }
                Ok(c)
            }
            fn visit_seq<S: SeqAccess<'de>>(self, s: S) -> Result<FilterConfig<'a>, S::Error> {
                Ok(FilterConfig {
                    mentions_black_hole: Mentions.visit_seq(s)?,
                    ..FilterConfig::default()
                })
            }
            fn visit_str<E>(self, s: &str) -> Result<FilterConfig<'a>, E> {
                Ok(FilterConfig {
                    mentions_black_hole: s.contains(BLACK_HOLE_CLUSTER),
                    ..FilterConfig::default()
                })
            }
            otherwise!(FilterConfig::default(); bool, i64, u64, f64, unit);
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Rds<'a> {
    #[serde(borrow, alias = "routeConfigName")]
    route_config_name: Str<'a>,
}

/// Scans a JSON value for a string containing `BlackHoleCluster`, skipping
/// the values of `@type` keys, keeping nothing.
struct Mentions;

impl<'de> DeserializeSeed<'de> for Mentions {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Mentions {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, s: &str) -> Result<bool, E> {
        Ok(s.contains(BLACK_HOLE_CLUSTER))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<bool, S::Error> {
        let mut any = false;
        while let Some(found) = s.next_element_seed(Mentions)? {
            any |= found;
        }
        Ok(any)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<bool, M::Error> {
        let mut any = false;
        while let Some(key) = m.next_key::<Cow<'de, str>>()? {
            if key == "@type" {
                m.next_value::<IgnoredAny>()?;
            } else {
                any |= m.next_value_seed(Mentions)?;
            }
        }
        Ok(any)
    }
    otherwise!(false; bool, i64, u64, f64, unit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_json_types_read_as_proto_defaults() {
        let l: Listener = serde_json::from_str(
            r#"{"name": 5, "address": "x", "additionalAddresses": {"a": 1},
                "filter_chains": [1, null, {"filters": {"a": [1]}, "filterChainMatch": {"destinationPort": "8080",
                "server_names": ["a", 3, null, "b"]}}], "default_filter_chain": 7}"#,
        )
        .unwrap();
        assert_eq!(l.name.get(), "");
        assert!(l.name.present());
        let addr = l.address.get().unwrap();
        assert!(addr.socket_address.get().is_none());
        assert!(l.additional_addresses.is_empty());
        assert_eq!(l.filter_chains.len(), 3);
        let m = l.filter_chains[2].filter_chain_match.get().unwrap();
        assert_eq!(m.destination_port, Some(Port(8080)));
        assert_eq!(m.server_names.to_strs(), ["a", "b"]);
        assert!(l.filter_chains[2].filters.is_empty());
        assert!(l.default_filter_chain.get().is_some());
        let absent: Listener = serde_json::from_str(r#"{"default_filter_chain": null}"#).unwrap();
        assert!(absent.default_filter_chain.get().is_none());
        assert!(!absent.name.present());
    }

    #[test]
    fn black_hole_mentions_skip_type_urls_and_look_everywhere_else() {
        fn config(json: &str) -> FilterConfig<'_> {
            serde_json::from_str(json).unwrap()
        }
        let hole = config(r#"{"@type": "x", "cluster": "BlackHoleCluster"}"#);
        assert!(hole.mentions_black_hole);
        assert_eq!(hole.cluster.get(), "BlackHoleCluster");
        assert!(
            config(r#"{"stat_prefix": {"deep": ["a", "to-BlackHoleCluster"]}}"#)
                .mentions_black_hole
        );
        assert!(
            !config(r#"{"@type": "BlackHoleCluster", "x": {"@type": "BlackHoleCluster"}}"#)
                .mentions_black_hole
        );
        assert!(config(r#""BlackHoleCluster""#).mentions_black_hole);
        let hcm = config(r#"{"rds": {"routeConfigName": "80"}, "route_config": {"name": "r"}}"#);
        assert_eq!(hcm.rds_route_config_name, "80");
        assert_eq!(hcm.route_config.get().unwrap().name.get(), "r");
    }

    #[test]
    fn strings_borrow_the_input_unless_escaped() {
        let rc: RouteConfig =
            serde_json::from_str(r#"{"name": "plain", "virtual_hosts": [{"name": "a\"b"}]}"#)
                .unwrap();
        assert!(matches!(rc.name.value, Some(Cow::Borrowed("plain"))));
        assert_eq!(rc.virtual_hosts[0].name.get(), "a\"b");
        let v: serde_json::Value = serde_json::from_str(r#"{"name": "plain"}"#).unwrap();
        let from_value = RouteConfig::deserialize(&v).unwrap();
        assert!(matches!(
            from_value.name.value,
            Some(Cow::Borrowed("plain"))
        ));
    }
}
