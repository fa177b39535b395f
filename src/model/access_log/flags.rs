//! Envoy's `%RESPONSE_FLAGS%`: every flag Envoy emits (short and long
//! names, as in Envoy's `ResponseFlagUtils`), what it means and what an SRE
//! should look at. Flags we do not know are kept as written.

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! response_flags {
    ($( $variant:ident, $short:literal, $long:literal, $meaning:literal, $advice:literal; )*) => {
        /// One Envoy response flag.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ResponseFlag {
            $(
                #[doc = concat!("`", $short, "` (", $long, "): ", $meaning, ".")]
                $variant,
            )*
            /// A flag this version of meshscope does not know, as written.
            Unknown(String),
        }

        /// Every known flag, in Envoy's order.
        pub const ALL_FLAGS: &[ResponseFlag] = &[$(ResponseFlag::$variant),*];

        impl ResponseFlag {
            /// The short name used by `%RESPONSE_FLAGS%` (`UH`).
            pub fn short(&self) -> &str {
                match self {
                    $(ResponseFlag::$variant => $short,)*
                    ResponseFlag::Unknown(s) => s,
                }
            }

            /// The long name used by `%RESPONSE_FLAGS_LONG%` (`NoHealthyUpstream`).
            pub fn long(&self) -> &str {
                match self {
                    $(ResponseFlag::$variant => $long,)*
                    ResponseFlag::Unknown(s) => s,
                }
            }

            /// One line: what happened.
            pub fn meaning(&self) -> &'static str {
                match self {
                    $(ResponseFlag::$variant => $meaning,)*
                    ResponseFlag::Unknown(_) => "a response flag this version of meshscope does not know",
                }
            }

            /// One line: what to check or change.
            pub fn advice(&self) -> &'static str {
                match self {
                    $(ResponseFlag::$variant => $advice,)*
                    ResponseFlag::Unknown(_) => "look it up in Envoy's access log documentation for the proxy's version",
                }
            }

            /// Reads one flag by short or long name; anything else is `Unknown`.
            pub fn parse(s: &str) -> ResponseFlag {
                match s {
                    $($short | $long => ResponseFlag::$variant,)*
                    other => ResponseFlag::Unknown(other.to_string()),
                }
            }
        }
    };
}

response_flags! {
    FailedLocalHealthCheck, "LH", "FailedLocalHealthCheck",
        "the local service failed its health check",
        "check the app's health endpoint and the outlier/health-check settings of the inbound cluster";
    NoHealthyUpstream, "UH", "NoHealthyUpstream",
        "no healthy upstream host in the cluster",
        "the target has no ready endpoints: check its pods' readiness, the Service selector, and /clusters health flags";
    UpstreamRequestTimeout, "UT", "UpstreamRequestTimeout",
        "the upstream did not answer within the route timeout",
        "the upstream is slow or stuck: compare duration with the VirtualService timeout and the app's latency";
    LocalReset, "LR", "LocalReset",
        "Envoy reset the connection locally",
        "look at response_code_details and Envoy's logs for the local reason (overload, timeout, codec)";
    UpstreamRemoteReset, "UR", "UpstreamRemoteReset",
        "the upstream reset the connection",
        "the upstream app or its sidecar closed the stream: check its logs, restarts and mTLS settings";
    UpstreamConnectionFailure, "UF", "UpstreamConnectionFailure",
        "Envoy could not connect to the upstream",
        "the app is not listening on that port (or only on the pod IP), or mTLS modes disagree: check the port and PeerAuthentication/DestinationRule TLS";
    UpstreamConnectionTermination, "UC", "UpstreamConnectionTermination",
        "the upstream connection closed before the response",
        "often the app closes idle keep-alive connections Envoy reuses: raise the server keep-alive timeout, retry on `reset`";
    UpstreamOverflow, "UO", "UpstreamOverflow",
        "circuit breaker open: connection or pending-request limit reached",
        "a DestinationRule connectionPool limit tripped: compare the limits with load and *_overflow counters";
    NoRouteFound, "NR", "NoRouteFound",
        "no route (or no filter chain) configured for the request",
        "check the VirtualService hosts/matches and that DestinationRule subsets exist; apply make-before-break (subset before the VS uses it)";
    DelayInjected, "DI", "DelayInjected",
        "the request was delayed by fault injection",
        "a VirtualService fault.delay applies: expected only during chaos tests";
    FaultInjected, "FI", "FaultInjected",
        "the request was aborted by fault injection",
        "a VirtualService fault.abort applies: expected only during chaos tests";
    RateLimited, "RL", "RateLimited",
        "the request was rate-limited locally",
        "a local rate limit (EnvoyFilter/ratelimit) rejected it: check the limit against traffic";
    UnauthorizedExternalService, "UAEX", "UnauthorizedExternalService",
        "the external authorization service denied the request",
        "check the ext_authz provider's decision and the AuthorizationPolicy CUSTOM action";
    RateLimitServiceError, "RLSE", "RateLimitServiceError",
        "the rate limit service failed to answer",
        "check the rate limit service's health and the failure_mode_deny setting";
    DownstreamConnectionTermination, "DC", "DownstreamConnectionTermination",
        "the downstream (client) connection closed",
        "the client gave up or timed out first: compare its timeout with this request's duration";
    UpstreamRetryLimitExceeded, "URX", "UpstreamRetryLimitExceeded",
        "retries or connect attempts exhausted",
        "every retry failed: look at the underlying failure on the upstream and the VirtualService retry policy";
    StreamIdleTimeout, "SI", "StreamIdleTimeout",
        "the stream idle timeout fired",
        "nothing flowed for the idle timeout: raise idleTimeout for long streams or fix the stalled peer";
    InvalidEnvoyRequestHeaders, "IH", "InvalidEnvoyRequestHeaders",
        "a strictly checked x-envoy-* request header was invalid",
        "the client sent a malformed x-envoy-* header: fix the client or stop forwarding that header";
    DownstreamProtocolError, "DPE", "DownstreamProtocolError",
        "the downstream request had an HTTP protocol error",
        "the client spoke bad HTTP (or TLS/plaintext to an HTTP port): check the port's protocol and the client";
    UpstreamMaxStreamDurationReached, "UMSDR", "UpstreamMaxStreamDurationReached",
        "the upstream request hit its max stream duration",
        "raise max_stream_duration or make the upstream finish sooner";
    ResponseFromCacheFilter, "RFCF", "ResponseFromCacheFilter",
        "the response came from the cache filter",
        "not an error: served from Envoy's HTTP cache";
    NoFilterConfigFound, "NFCF", "NoFilterConfigFound",
        "a filter config (ECDS) did not arrive in time",
        "the extension config (e.g. a Wasm plugin) is missing: check ECDS sync in `meshscope ps` and the plugin's fetch";
    DurationTimeout, "DT", "DurationTimeout",
        "the request or connection exceeded max_connection_duration/max_duration",
        "a configured maximum duration cut it: raise it for long-lived connections";
    UpstreamProtocolError, "UPE", "UpstreamProtocolError",
        "the upstream response had an HTTP protocol error",
        "the upstream spoke bad HTTP or the port protocol is wrong: check the Service port name/appProtocol";
    NoClusterFound, "NC", "NoClusterFound",
        "the route's cluster does not exist",
        "the route points at a cluster Envoy lacks: check the destination host/subset and CDS sync";
    OverloadManagerTerminated, "OM", "OverloadManagerTerminated",
        "Envoy's overload manager terminated the request",
        "the proxy is out of memory or connections: raise its resources or cut load";
    DnsResolutionFailed, "DF", "DnsResolutionFailed",
        "DNS resolution failed for the upstream",
        "check the ServiceEntry host resolves (resolution: DNS) and DNS proxying";
    DropOverload, "DO", "DropOverload",
        "dropped by the cluster's drop_overload setting",
        "traffic is shed on purpose by drop_overload: check the endpoint config that sets it";
    DownstreamRemoteReset, "DR", "DownstreamRemoteReset",
        "the downstream reset the stream (HTTP/2 or HTTP/3 RST)",
        "the client cancelled the stream: usually a client timeout or cancellation";
    UnconditionalDropOverload, "UDO", "UnconditionalDropOverload",
        "dropped unconditionally because drop_overload is 100%",
        "all traffic to this cluster is shed by drop_overload: check the endpoint config";
}

impl ResponseFlag {
    /// Whether this flag signals a failure: all but a cache hit and an
    /// injected delay.
    pub fn is_failure(&self) -> bool {
        !matches!(
            self,
            ResponseFlag::ResponseFromCacheFilter | ResponseFlag::DelayInjected
        )
    }
}

impl fmt::Display for ResponseFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

impl Serialize for ResponseFlag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.short())
    }
}

/// Parses a `%RESPONSE_FLAGS%` field: comma-separated names, `-` or empty
/// for none. Each name may be short or long.
pub fn parse_flags(field: &str) -> Vec<ResponseFlag> {
    let field = field.trim();
    if field.is_empty() || field == "-" {
        return Vec::new();
    }
    field
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "-")
        .map(ResponseFlag::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_thirty_flags_round_trip_short_and_long() {
        assert_eq!(ALL_FLAGS.len(), 30);
        for f in ALL_FLAGS {
            assert_eq!(&ResponseFlag::parse(f.short()), f);
            assert_eq!(&ResponseFlag::parse(f.long()), f);
            assert!(!f.meaning().is_empty() && !f.advice().is_empty());
        }
        let shorts: std::collections::HashSet<_> = ALL_FLAGS.iter().map(|f| f.short()).collect();
        assert_eq!(shorts.len(), 30, "short names are unique");
    }

    #[test]
    fn parses_field_with_several_flags_and_unknowns() {
        assert_eq!(parse_flags("-"), Vec::new());
        assert_eq!(parse_flags(""), Vec::new());
        assert_eq!(
            parse_flags("UH,NR"),
            [ResponseFlag::NoHealthyUpstream, ResponseFlag::NoRouteFound]
        );
        assert_eq!(
            parse_flags("URX, ZZ"),
            [
                ResponseFlag::UpstreamRetryLimitExceeded,
                ResponseFlag::Unknown("ZZ".into())
            ]
        );
        assert_eq!(ResponseFlag::Unknown("ZZ".into()).to_string(), "ZZ");
    }

    #[test]
    fn nr_advice_mentions_subsets_and_make_before_break() {
        let nr = ResponseFlag::parse("NR");
        assert!(nr.advice().contains("subset"));
        assert!(nr.advice().contains("make-before-break"));
        assert_eq!(nr.long(), "NoRouteFound");
        assert_eq!(serde_json::to_string(&nr).ok().as_deref(), Some("\"NR\""));
    }
}
