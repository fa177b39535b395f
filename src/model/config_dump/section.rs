//! The serde layer: one `configs[]` section and one entry inside it, borrowed.

use std::borrow::Cow;
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{short_type, Kind, State};

/// One element of `configs[]`: its `@type` and its resource lists by state.
pub(super) struct Section<'a> {
    pub type_url: Option<Cow<'a, str>>,
    pub bootstrap: Option<&'a RawValue>,
    pub last_updated: Option<Cow<'a, str>>,
    pub lists: Vec<(State, Vec<Entry<'a>>)>,
    pub unknown_fields: usize,
}

impl Section<'_> {
    fn short(&self) -> &str {
        self.type_url.as_deref().map(short_type).unwrap_or("")
    }

    /// The resource kind this section holds, by `@type`.
    pub fn kind(&self) -> Option<Kind> {
        Some(match self.short() {
            "envoy.admin.v3.ClustersConfigDump" | "envoy.admin.v2alpha.ClustersConfigDump" => {
                Kind::Cluster
            }
            "envoy.admin.v3.ListenersConfigDump" | "envoy.admin.v2alpha.ListenersConfigDump" => {
                Kind::Listener
            }
            "envoy.admin.v3.RoutesConfigDump" | "envoy.admin.v2alpha.RoutesConfigDump" => {
                Kind::Route
            }
            "envoy.admin.v3.ScopedRoutesConfigDump"
            | "envoy.admin.v2alpha.ScopedRoutesConfigDump" => Kind::ScopedRoute,
            "envoy.admin.v3.EndpointsConfigDump" | "envoy.admin.v2alpha.EndpointsConfigDump" => {
                Kind::Endpoint
            }
            "envoy.admin.v3.SecretsConfigDump" | "envoy.admin.v2alpha.SecretsConfigDump" => {
                Kind::Secret
            }
            "envoy.admin.v3.EcdsConfigDump" => Kind::Ecds,
            _ => return None,
        })
    }

    pub fn is_bootstrap(&self) -> bool {
        self.short().ends_with(".BootstrapConfigDump")
    }
}

/// Maps a section key (either proto-JSON spelling) to the state of its entries.
fn list_state(key: &str) -> Option<State> {
    Some(match key {
        "static_clusters"
        | "staticClusters"
        | "static_listeners"
        | "staticListeners"
        | "static_route_configs"
        | "staticRouteConfigs"
        | "inline_scoped_route_configs"
        | "inlineScopedRouteConfigs"
        | "static_endpoint_configs"
        | "staticEndpointConfigs"
        | "static_secrets"
        | "staticSecrets" => State::Static,
        "dynamic_active_clusters"
        | "dynamicActiveClusters"
        | "dynamic_listeners"
        | "dynamicListeners"
        | "dynamic_route_configs"
        | "dynamicRouteConfigs"
        | "dynamic_scoped_route_configs"
        | "dynamicScopedRouteConfigs"
        | "dynamic_endpoint_configs"
        | "dynamicEndpointConfigs"
        | "dynamic_active_secrets"
        | "dynamicActiveSecrets"
        | "ecds_filters"
        | "ecdsFilters" => State::Active,
        "dynamic_warming_clusters"
        | "dynamicWarmingClusters"
        | "dynamic_warming_secrets"
        | "dynamicWarmingSecrets" => State::Warming,
        _ => return None,
    })
}

impl<'de: 'a, 'a> Deserialize<'de> for Section<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Section<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a config_dump section object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Section<'a>, M::Error> {
                let mut s = Section {
                    type_url: None,
                    bootstrap: None,
                    last_updated: None,
                    lists: Vec::new(),
                    unknown_fields: 0,
                };
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "@type" => s.type_url = Some(map.next_value()?),
                        "bootstrap" => s.bootstrap = Some(map.next_value()?),
                        "last_updated" | "lastUpdated" => s.last_updated = map.next_value()?,
                        "version_info" | "versionInfo" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        k => match list_state(k) {
                            Some(state) => {
                                let list: Option<Vec<Entry<'a>>> = map.next_value()?;
                                s.lists.push((state, list.unwrap_or_default()));
                            }
                            None => {
                                map.next_value::<IgnoredAny>()?;
                                s.unknown_fields += 1;
                            }
                        },
                    }
                }
                Ok(s)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// One entry of a section list, e.g. an element of `dynamic_active_clusters`.
#[derive(Deserialize, Default)]
pub(super) struct Entry<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "versionInfo")]
    pub version_info: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "lastUpdated")]
    pub last_updated: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cluster: Option<&'a RawValue>,
    #[serde(borrow, default)]
    listener: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "routeConfig")]
    route_config: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "endpointConfig")]
    endpoint_config: Option<&'a RawValue>,
    #[serde(borrow, default)]
    secret: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "ecdsFilter")]
    ecds_filter: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "scopedRouteConfigs")]
    scoped_route_configs: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "activeState")]
    pub active_state: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "warmingState")]
    pub warming_state: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "drainingState")]
    pub draining_state: Option<&'a RawValue>,
    #[serde(borrow, default, alias = "errorState")]
    pub error_state: Option<&'a RawValue>,
}

impl<'a> Entry<'a> {
    /// The resource object this entry wraps, whichever key holds it.
    pub fn payload(&self) -> Option<&'a RawValue> {
        self.cluster
            .or(self.listener)
            .or(self.route_config)
            .or(self.endpoint_config)
            .or(self.secret)
            .or(self.ecds_filter)
            .or(self.scoped_route_configs)
    }
}
