//! Istio's TEXT access log. The current default (Istio ≥ 1.9) is
//!
//! ```text
//! [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
//! %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
//! "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
//! %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
//! "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW%
//! %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
//! %REQUESTED_SERVER_NAME% %ROUTE_NAME%
//! ```
//!
//! Older Istio put `"%DYNAMIC_METADATA(istio.mixer:status)%"` (and later also
//! the quoted transport failure reason) right after the flags, and Envoy's
//! own default stops after `"%UPSTREAM_HOST%"`. The parser tells these apart
//! by the shape of the tokens after the flags, so all of them read.

use super::{field, flags::parse_flags, AccessEntry, AccessLogFormat};

/// A token of the line: bare word, `"quoted"` or `[bracketed]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Bare(&'a str),
    Quoted(&'a str),
}

impl<'a> Tok<'a> {
    fn bare(self) -> Option<&'a str> {
        match self {
            Tok::Bare(s) => Some(s),
            Tok::Quoted(_) => None,
        }
    }

    fn quoted(self) -> Option<&'a str> {
        match self {
            Tok::Quoted(s) => Some(s),
            Tok::Bare(_) => None,
        }
    }
}

/// Splits after the leading `[time]`: bare words end at a space; quoted
/// strings end at a `"` followed by a space or the end of the line, so a
/// stray quote inside a user agent does not derail the rest.
fn tokenize(mut s: &str) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::with_capacity(24);
    loop {
        s = s.trim_start_matches(' ');
        if s.is_empty() {
            return Some(out);
        }
        if let Some(body) = s.strip_prefix('"') {
            let bytes = body.as_bytes();
            let end = (0..bytes.len())
                .find(|&i| bytes[i] == b'"' && (i + 1 == bytes.len() || bytes[i + 1] == b' '))?;
            out.push(Tok::Quoted(&body[..end]));
            s = &body[end + 1..];
        } else {
            let end = s.find(' ').unwrap_or(s.len());
            out.push(Tok::Bare(&s[..end]));
            s = &s[end..];
        }
    }
}

fn number<T: std::str::FromStr>(s: &str) -> Result<Option<T>, ()> {
    match s {
        "-" => Ok(None),
        s => s.parse().map(Some).map_err(|_| ()),
    }
}

/// Parses a TEXT access log line; `None` when it does not have the shape.
pub(crate) fn parse(line: &str) -> Option<AccessEntry> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let start_time = &rest[..close];
    let toks = tokenize(&rest[close + 1..])?;
    let mut e = AccessEntry {
        start_time: field(start_time),
        ..AccessEntry::default()
    };
    let request = toks.first()?.quoted()?;
    let mut words = request.split(' ');
    e.method = words.next().and_then(field);
    let mut remaining: Vec<&str> = words.collect();
    e.protocol = if remaining.is_empty() {
        None
    } else {
        field(remaining.remove(remaining.len() - 1))
    };
    e.path = field(&remaining.join(" "));
    e.response_code = number(toks.get(1)?.bare()?).ok()?;
    e.response_flags = parse_flags(toks.get(2)?.bare()?);

    // What sits between the flags and the byte counters tells the layout.
    let mut i = 3;
    let shape = (
        toks.get(3).copied(),
        toks.get(4).copied(),
        toks.get(5).copied(),
    );
    e.format = Some(match shape {
        (Some(Tok::Bare(details)), Some(Tok::Bare(term)), Some(Tok::Quoted(tfr))) => {
            e.response_code_details = field(details);
            e.connection_termination_details = field(term);
            e.upstream_transport_failure_reason = field(tfr);
            i += 3;
            AccessLogFormat::IstioText
        }
        (Some(Tok::Quoted(_mixer)), Some(Tok::Quoted(tfr)), _) => {
            e.upstream_transport_failure_reason = field(tfr);
            i += 2;
            AccessLogFormat::IstioTextMixer
        }
        (Some(Tok::Quoted(_mixer)), _, _) => {
            i += 1;
            AccessLogFormat::IstioTextLegacy
        }
        _ => AccessLogFormat::EnvoyDefault,
    });

    let bare_at = |k: usize| toks.get(k).and_then(|t| t.bare());
    e.bytes_received = number(bare_at(i)?).ok()?;
    e.bytes_sent = number(bare_at(i + 1)?).ok()?;
    e.duration_ms = number(bare_at(i + 2)?).ok()?;
    e.upstream_service_time_ms = number(bare_at(i + 3)?).unwrap_or(None);
    i += 4;
    let quoted: Vec<&str> = toks
        .get(i..i + 5)?
        .iter()
        .map(|t| t.quoted())
        .collect::<Option<_>>()?;
    e.x_forwarded_for = field(quoted[0]);
    e.user_agent = field(quoted[1]);
    e.request_id = field(quoted[2]);
    e.authority = field(quoted[3]);
    e.upstream_host = field(quoted[4]);
    i += 5;
    let tail: Vec<&str> = toks.get(i..)?.iter().filter_map(|t| t.bare()).collect();
    // Envoy's default ends at the upstream host; Istio's layouts carry at
    // least cluster, upstream local, downstream local/remote and SNI (the
    // oldest has no route name). Fewer means a truncated or foreign line.
    match e.format {
        Some(AccessLogFormat::EnvoyDefault) if !tail.is_empty() => return None,
        Some(AccessLogFormat::EnvoyDefault) => {}
        _ if tail.len() < 5 => return None,
        _ => {}
    }
    let at = |k: usize| tail.get(k).and_then(|s| field(s));
    e.upstream_cluster = at(0);
    e.upstream_local_address = at(1);
    e.downstream_local_address = at(2);
    e.downstream_remote_address = at(3);
    e.requested_server_name = at(4);
    e.route_name = at(5);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access_log::ResponseFlag;

    const CURRENT: &str = r#"[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default"#;

    #[test]
    fn current_format_every_field() {
        let e = parse(CURRENT).expect("access entry");
        assert_eq!(e.format, Some(AccessLogFormat::IstioText));
        assert_eq!(e.start_time.as_deref(), Some("2020-11-25T21:26:18.409Z"));
        assert_eq!(
            (
                e.method.as_deref(),
                e.path.as_deref(),
                e.protocol.as_deref()
            ),
            (Some("GET"), Some("/status/418"), Some("HTTP/1.1"))
        );
        assert_eq!(e.response_code, Some(418));
        assert!(e.response_flags.is_empty());
        assert_eq!(e.response_code_details.as_deref(), Some("via_upstream"));
        assert_eq!(e.connection_termination_details, None);
        assert_eq!(e.upstream_transport_failure_reason, None);
        assert_eq!((e.bytes_received, e.bytes_sent), (Some(0), Some(135)));
        assert_eq!(
            (e.duration_ms, e.upstream_service_time_ms),
            (Some(4), Some(4))
        );
        assert_eq!(e.user_agent.as_deref(), Some("curl/7.73.0-DEV"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("84961386-6d84-929d-98bd-c5aee93b5c88")
        );
        assert_eq!(e.authority.as_deref(), Some("httpbin:8000"));
        assert_eq!(e.upstream_host.as_deref(), Some("10.44.1.27:80"));
        assert_eq!(
            e.upstream_cluster.as_deref(),
            Some("outbound|8000||httpbin.foo.svc.cluster.local")
        );
        assert_eq!(
            e.upstream_local_address.as_deref(),
            Some("10.44.1.23:37652")
        );
        assert_eq!(
            e.downstream_local_address.as_deref(),
            Some("10.0.45.184:8000")
        );
        assert_eq!(
            e.downstream_remote_address.as_deref(),
            Some("10.44.1.23:46520")
        );
        assert_eq!(e.requested_server_name, None);
        assert_eq!(e.route_name.as_deref(), Some("default"));
    }

    #[test]
    fn mixer_era_format_with_transport_failure_reason() {
        let line = r#"[2020-03-01T10:00:00.000Z] "GET /productpage HTTP/1.1" 503 UF,URX "-" "TLS error: 268435581:SSL routines" 0 91 30 - "-" "curl/7.64.0" "id-1" "productpage:9080" "10.1.2.3:9080" outbound|9080||productpage.default.svc.cluster.local - 10.0.0.9:9080 10.1.2.4:51000 - default"#;
        let e = parse(line).expect("access entry");
        assert_eq!(e.format, Some(AccessLogFormat::IstioTextMixer));
        assert_eq!(
            e.response_flags,
            [
                ResponseFlag::UpstreamConnectionFailure,
                ResponseFlag::UpstreamRetryLimitExceeded
            ]
        );
        assert_eq!(
            e.upstream_transport_failure_reason.as_deref(),
            Some("TLS error: 268435581:SSL routines")
        );
        assert_eq!(e.upstream_service_time_ms, None);
        assert_eq!(e.upstream_local_address, None);
        assert_eq!(e.route_name.as_deref(), Some("default"));
    }

    #[test]
    fn legacy_mixer_only_and_envoy_default_and_tcp() {
        let legacy = r#"[2019-05-01T10:00:00.000Z] "GET / HTTP/1.1" 404 NR "-" 0 0 0 - "-" "curl" "id-2" "a:80" "-" - - 10.0.0.1:80 10.0.0.2:4000 -"#;
        let e = parse(legacy).expect("legacy");
        assert_eq!(e.format, Some(AccessLogFormat::IstioTextLegacy));
        assert_eq!(e.response_flags, [ResponseFlag::NoRouteFound]);
        assert_eq!(
            e.downstream_remote_address.as_deref(),
            Some("10.0.0.2:4000")
        );

        let envoy = r#"[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80""#;
        let e = parse(envoy).expect("envoy default");
        assert_eq!(e.format, Some(AccessLogFormat::EnvoyDefault));
        assert_eq!(e.x_forwarded_for.as_deref(), Some("10.0.35.28"));
        assert_eq!(e.upstream_host.as_deref(), Some("tcp://10.0.2.1:80"));

        let tcp = r#"[2024-01-01T00:00:00.000Z] "- - -" 0 - - - "-" 1200 3400 5000 - "-" "-" "-" "-" "10.0.0.6:7000" BlackHoleCluster - 10.0.0.6:7000 10.1.1.1:40000 - -"#;
        let e = parse(tcp).expect("tcp");
        assert_eq!(
            (
                e.method.as_deref(),
                e.path.as_deref(),
                e.protocol.as_deref()
            ),
            (None, None, None)
        );
        assert_eq!(e.response_code, Some(0));
        assert_eq!(e.upstream_cluster.as_deref(), Some("BlackHoleCluster"));
        assert_eq!(e.duration_ms, Some(5000));
    }

    #[test]
    fn stray_quote_in_user_agent_is_kept() {
        let line = CURRENT.replace("curl/7.73.0-DEV", "evil\"agent");
        let e = parse(&line).expect("access entry");
        assert_eq!(e.user_agent.as_deref(), Some("evil\"agent"));
        assert_eq!(e.route_name.as_deref(), Some("default"));
    }

    #[test]
    fn not_access_logs() {
        assert!(parse("[2024-01-01 00:00:00.000][12][warning][config] hello").is_none());
        assert!(parse("[x] \"GET / HTTP/1.1\" abc - - - \"-\"").is_none());
        assert!(
            parse("[x] \"GET / HTTP/1.1\" 200 - x 0 0 - \"-\" \"-\" \"-\" \"-\" \"-\"").is_none()
        );
        assert!(parse("[unterminated \"GET").is_none());
        assert!(parse(&CURRENT[..120]).is_none());
        let cut = CURRENT.find(" 10.44.1.23:46520").unwrap_or(0);
        assert!(
            parse(&CURRENT[..cut]).is_none(),
            "a line cut before the tail"
        );
    }
}
