//! Tests of the ambient rules on generated dumps, metrics and log lines.

use super::*;

fn dump(json: &str) -> ZtunnelDump {
    ZtunnelDump::parse(json).expect("dump")
}

fn entries(lines: &[&str]) -> Vec<AccessEntry> {
    crate::model::access_log::access_entries(lines.iter().copied())
}

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn rule_subject_severity(r: &Report) -> Vec<(&str, &str, Severity)> {
    r.findings
        .iter()
        .map(|f| (f.rule, f.subject.as_str(), f.severity))
        .collect()
}

fn ids(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn certificates_not_available_or_expiring_are_found() {
    let d = dump(
        r#"{"certificates": [
        {"identity": "spiffe://td/ns/a/sa/ok", "state": "Available",
         "certChain": [{"expirationTime": "2026-01-05T00:00:00Z", "validFrom": "2025-12-31T00:00:00Z"}]},
        {"identity": "spiffe://td/ns/a/sa/soon", "state": "Available",
         "certChain": [{"expirationTime": "2026-01-01T05:00:00Z", "validFrom": "2025-12-31T00:00:00Z"}]},
        {"identity": "spiffe://td/ns/a/sa/old", "state": "Available",
         "certChain": [{"expirationTime": "2025-12-01T00:00:00Z", "validFrom": "2025-11-30T00:00:00Z"}]},
        {"identity": "spiffe://td/ns/a/sa/bad", "state": "Unavailable: the CA said no"},
        {"identity": "spiffe://td/ns/a/sa/init", "state": "Initializing"}
    ]}"#,
    );
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&d),
        now_unix: NOW,
        ..AmbientEvidence::default()
    });
    let got = rule_subject_severity(&r);
    assert_eq!(
        got,
        [
            ("MS3001", "spiffe://td/ns/a/sa/bad", Severity::Error),
            ("MS3002", "spiffe://td/ns/a/sa/old", Severity::Error),
            ("MS3001", "spiffe://td/ns/a/sa/init", Severity::Warn),
            ("MS3002", "spiffe://td/ns/a/sa/soon", Severity::Warn),
        ]
    );
    assert!(r.findings[0].evidence[0].value.contains("the CA said no"));
    // No logs, no metrics: the rules that need them say so.
    let nc: Vec<&str> = r.not_checked.iter().map(|n| n.rule).collect();
    assert_eq!(nc, ["MS3004", "MS3005", "MS3006", "MS3007"]);
}

#[test]
fn pending_and_unhealthy_workloads_are_found() {
    let d = dump(
        r#"{"workloads": [{"name": "a", "namespace": "n", "status": "Unhealthy"},
                          {"name": "b", "namespace": "n", "status": "Healthy"}],
            "workloadState": {"x": {"state": "Pending", "info": {"name": "c", "namespace": "n"}},
                              "y": {"state": "Up", "info": {"name": "b", "namespace": "n"}}}}"#,
    );
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&d),
        ..AmbientEvidence::default()
    });
    let subjects: Vec<&str> = r.findings.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(ids(&r), ["MS3003", "MS3003"]);
    assert_eq!(subjects, ["n/a", "n/c"]);
}

const DENIED: &str = "2026-01-01T00:00:00.000000Z\terror\taccess\tconnection complete\tsrc.addr=10.0.0.1:4000 src.workload=client src.namespace=shop dst.addr=10.0.0.2:15008 dst.workload=api-0 dst.namespace=shop direction=\"inbound\" error=\"connection closed due to policy rejection: allow policies exist, but none allowed\"";

#[test]
fn policy_denials_to_a_workload_without_waypoint_are_found() {
    let logs = entries(&[DENIED, DENIED]);
    let no_wp = dump(
        r#"{"workloads": [{"name": "api-0", "namespace": "shop", "status": "Healthy"}],
            "policies": [{"name": "l7-allow", "namespace": "shop", "action": "Allow", "scope": "WorkloadSelector"}]}"#,
    );
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&no_wp),
        logs: Some(&logs),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3004"]);
    let f = &r.findings[0];
    assert!(f.evidence[0].value.starts_with("2 connections"));
    assert_eq!(f.evidence[2].value, "l7-allow");
    // The same denials with a waypoint in place are the policy working: no finding.
    let with_wp = dump(
        r#"{"workloads": [{"name": "api-0", "namespace": "shop", "status": "Healthy",
              "waypoint": {"destination": "shop/waypoint.shop.svc.cluster.local"}}]}"#,
    );
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&with_wp),
        logs: Some(&logs),
        ..AmbientEvidence::default()
    });
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn hbone_failures_come_from_logs_or_metrics() {
    let failed = "2026-01-01T00:00:00.000000Z\twarn\taccess\tconnection complete\tsrc.addr=10.0.0.1:4000 dst.addr=10.0.0.9:15008 dst.service=pay.shop.svc.cluster.local error=\"io error: Connection refused (os error 111)\"";
    let logs = entries(&[failed]);
    let r = diagnose_ambient(&AmbientEvidence {
        logs: Some(&logs),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3005"]);
    assert_eq!(r.findings[0].subject, "pay.shop.svc.cluster.local");
    let metrics = "# TYPE istio_tcp_connections_failed counter\nistio_tcp_connections_failed_total{reporter=\"source\"} 3\nistio_tcp_connections_failed_total{reporter=\"destination\"} 2\n";
    let r = diagnose_ambient(&AmbientEvidence {
        metrics: Some(metrics),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3005"]);
    assert_eq!(r.findings[0].evidence[0].value, "5");
    let quiet = diagnose_ambient(&AmbientEvidence {
        metrics: Some("istio_tcp_connections_opened_total 9\n"),
        ..AmbientEvidence::default()
    });
    assert!(quiet.findings.is_empty());
}

#[test]
fn dns_failures_come_from_metrics_or_logs() {
    let metrics =
        "istio_dns_requests_total{x=\"1\"} 40\nistio_dns_upstream_failures_total{x=\"1\"} 7\n";
    let r = diagnose_ambient(&AmbientEvidence {
        metrics: Some(metrics),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3006"]);
    assert_eq!(r.findings[0].evidence[0].value, "7");
    let line = "2026-01-01T00:00:00.000000Z\twarn\taccess\tconnection complete\tsrc.addr=10.0.0.1:4000 dst.addr=10.0.0.9:80 error=\"dns error: no record found for api.example.com\"";
    let logs = entries(&[line]);
    let r = diagnose_ambient(&AmbientEvidence {
        logs: Some(&logs),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3006"], "a DNS error is not an HBONE failure");
}

#[test]
fn the_real_fixtures_raise_only_what_they_show() {
    let Some(text) = crate::model::fixture("ambient/istio-ztunnel-configdump-bookinfo.json") else {
        return;
    };
    let d = dump(&text);
    let r = diagnose_ambient(&AmbientEvidence {
        dump: Some(&d),
        now_unix: NOW,
        ..AmbientEvidence::default()
    });
    // One Initializing and two Unavailable certificates.
    assert_eq!(r.findings.iter().filter(|f| f.rule == "MS3001").count(), 3);
    let Some(metrics) =
        crate::model::fixture("ambient/ztunnel-1.24-metrics-openmetrics-datadog.txt")
    else {
        return;
    };
    let r = diagnose_ambient(&AmbientEvidence {
        metrics: Some(&metrics),
        ..AmbientEvidence::default()
    });
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn xds_rejects_and_a_dead_stream_are_found_from_the_log() {
    let log = XdsLog::from_lines([
        "2026-01-01T00:00:01.000000Z  INFO xds{id=1}: ztunnel::xds::client: Stream established",
        "2026-01-01T00:00:02.000000Z ERROR xds{id=1}: ztunnel::xds::client: sending response type_url=\"type.googleapis.com/istio.workload.Address\" nonce=\"a\" type=Nack error=\"shop/cart: unknown network\"",
        "2026-01-01T00:00:03.000000Z ERROR xds{id=1}: ztunnel::xds::client: sending response type_url=\"type.googleapis.com/istio.workload.Address\" nonce=\"b\" type=Nack error=\"shop/cart: unknown network\"",
        "2026-01-01T00:00:09.000000Z  WARN xds{id=2}: ztunnel::xds::client: XDS client connection error: gRPC connection error: connection refused, retrying in 20ms",
    ]);
    let r = diagnose_ambient(&AmbientEvidence {
        xds_log: Some(&log),
        ..AmbientEvidence::default()
    });
    let got = rule_subject_severity(&r);
    assert_eq!(
        got,
        [
            ("MS3007", "istio.workload.Address", Severity::Error),
            ("MS3007", "xds", Severity::Error),
        ]
    );
    assert!(r.findings[0].title.contains("rejected 2"));
    assert!(r.findings[0].evidence[0].value.contains("unknown network"));
    assert!(r.findings[1].evidence[0]
        .value
        .contains("connection refused"));
    assert!(!r.not_checked.iter().any(|n| n.rule == "MS3007"));
}

#[test]
fn xds_terminations_in_metrics_warn_without_a_log() {
    let metrics = "istio_xds_connection_terminations_total{reason=\"ConnectionError\"} 4\n\
        istio_xds_connection_terminations_total{reason=\"Reconnect\"} 9\n\
        istio_xds_connection_terminations_total{reason=\"Error\"} 1\n";
    let r = diagnose_ambient(&AmbientEvidence {
        metrics: Some(metrics),
        ..AmbientEvidence::default()
    });
    assert_eq!(ids(&r), ["MS3007"]);
    assert_eq!(r.findings[0].severity, Severity::Warn);
    assert!(
        r.findings[0].title.contains("broke 5 time(s)"),
        "{}",
        r.findings[0].title
    );
    assert_eq!(
        r.findings[0].evidence.len(),
        2,
        "Reconnect is a normal stream end"
    );
    let calm = "istio_xds_connection_terminations_total{reason=\"Reconnect\"} 9\n";
    let r = diagnose_ambient(&AmbientEvidence {
        metrics: Some(calm),
        ..AmbientEvidence::default()
    });
    assert!(r.findings.is_empty());
}

#[test]
fn the_real_startup_log_recovers_after_its_dns_errors() {
    let Some(text) = crate::model::fixture("ambient/ztunnel-1.18-alpha-log-startup.log") else {
        return;
    };
    let log = XdsLog::from_lines(text.lines());
    assert_eq!((log.connection_errors, log.recovered), (10, true));
    let r = diagnose_ambient(&AmbientEvidence {
        xds_log: Some(&log),
        ..AmbientEvidence::default()
    });
    let f: Vec<(&str, Severity)> = r.findings.iter().map(|f| (f.rule, f.severity)).collect();
    assert_eq!(f, [("MS3007", Severity::Info)]);
    assert!(r.findings[0].evidence[0].value.contains("dns error"));
}
