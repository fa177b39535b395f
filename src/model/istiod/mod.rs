//! The control plane, as istiod (port 15014) reports it: `/metrics` turned
//! into troubleshooting signals ([`parse_metrics`], [`istiod_text`]),
//! `/debug/syncz` turned into the proxy-status table ([`parse_syncz`]),
//! the comparison of what istiod would send with what Envoy holds
//! ([`diff_configs`]), and the Rejected panel ([`rejections`]).

mod diff;
mod histogram;
mod metrics;
pub(crate) mod prom;
mod rates;
mod rejections;
mod syncz;
mod text;

pub use diff::{
    canonical, diff_configs, ConfigDiff, ConfigItem, Differing, ItemKey, Side, Unreadable,
    VOLATILE_KEYS,
};
pub use histogram::Quantiles;
pub use metrics::{
    parse_metrics, ConfigSize, IstiodReport, LineError, NamedValue, RejectedConfig, TypedCount,
    VersionCount, XdsReject, EXPECTED_METRICS, GRPC_DEFAULT_LIMIT_BYTES, STRAIN_BYTES,
};
pub use rates::{push_rates, TypedRate};
pub use rejections::{rejections, Rejection, RejectionSource};
pub use syncz::{parse_syncz, proxy_status_table, ProxyStatus, SyncState, SynczError};
pub use text::istiod_text;

#[cfg(test)]
mod tests;
