//! Client tests against the hand-written server in `test_server`.

use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use super::test_server::{ok, Reply, TestServer};
use super::*;

fn fast() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(800),
        max_body_bytes: 1024 * 1024,
        retries: 2,
        retry_backoff: Duration::from_millis(10),
    }
}

fn client(server: &TestServer, opts: ClientOptions) -> AdminClient {
    AdminClient::new(server.base(), opts).unwrap()
}

#[tokio::test]
async fn get_with_encoded_query_sends_exact_request_line() {
    let server = TestServer::start(|_, _| ok("application/json", " {\"configs\":[]}")).await;
    let c = client(&server, fast());
    let query = ConfigDumpQuery {
        mask: None,
        resource: Some("dynamic_active_clusters".into()),
        name_regex: Some("outbound|9080||reviews a+b".into()),
        include_eds: true,
    };
    let r = c.config_dump(&query).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b" {\"configs\":[]}");
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        server.request_lines(),
        vec![
            "GET /config_dump?resource=dynamic_active_clusters\
             &name_regex=outbound%7C9080%7C%7Creviews%20a%2Bb&include_eds HTTP/1.1"
        ]
    );
    let line = &server.request_lines()[0];
    let target = line
        .trim_start_matches("GET ")
        .trim_end_matches(" HTTP/1.1");
    assert_eq!(r.url, format!("{}{target}", server.base()));
}

#[tokio::test]
async fn typed_calls_hit_their_endpoints() {
    let server = TestServer::start(|_, _| ok("application/json", "{}")).await;
    let c = client(&server, fast());
    c.clusters_json().await.unwrap();
    c.listeners().await.unwrap();
    let stats = StatsQuery {
        format: StatsFormat::Json,
        filter: Some("cluster.outbound|80".into()),
        used_only: true,
    };
    c.stats(&stats).await.unwrap();
    c.server_info().await.unwrap();
    c.istiod_config_dump("reviews-v1-7d8f.default")
        .await
        .unwrap();
    c.agent_ready().await.unwrap();
    let lines = server.request_lines();
    assert_eq!(
        lines,
        vec![
            "GET /clusters?format=json HTTP/1.1",
            "GET /listeners?format=json HTTP/1.1",
            "GET /stats?format=json&usedonly&filter=cluster.outbound%7C80 HTTP/1.1",
            "GET /server_info HTTP/1.1",
            "GET /debug/config_dump?proxyID=reviews-v1-7d8f.default HTTP/1.1",
            "GET /healthz/ready HTTP/1.1",
        ]
    );
}

#[tokio::test]
async fn ready_503_is_data_not_error_and_not_retried() {
    let server =
        TestServer::start(|_, _| Reply::Full(503, "text/plain", b"PRE_INITIALIZING\n".to_vec()))
            .await;
    let c = client(&server, fast());
    let r = c.ready().await.unwrap();
    assert_eq!(r.status, 503);
    assert!(!r.is_success());
    assert_eq!(r.body, b"PRE_INITIALIZING\n");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn unauthorized_names_url_and_port_forward() {
    let server = TestServer::start(|_, _| Reply::Full(401, "text/plain", b"denied".to_vec())).await;
    let c = client(&server, fast());
    let err = c.syncz().await.unwrap_err();
    let expected_url = format!("{}/debug/syncz", server.base());
    assert_eq!(
        err,
        AdminError::Unauthorized {
            url: expected_url.clone()
        }
    );
    let message = err.to_string();
    assert!(message.contains(&expected_url), "{message}");
    assert!(
        message.contains("use a port-forward so the call comes from localhost"),
        "{message}"
    );
    assert_eq!(server.count(), 1, "4xx must not be retried");
}

#[tokio::test]
async fn server_error_is_retried_then_succeeds() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Reply::Full(500, "text/plain", b"boom".to_vec())
        } else {
            ok("text/plain", "cluster.x.upstream_rq_total: 3\n")
        }
    })
    .await;
    let c = client(&server, fast());
    let r = c.stats(&StatsQuery::default()).await.unwrap();
    assert_eq!(r.body, b"cluster.x.upstream_rq_total: 3\n");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retries_give_up_after_the_configured_count() {
    let server =
        TestServer::start(|_, _| Reply::Full(502, "text/plain", b"bad gateway".to_vec())).await;
    let c = client(&server, fast());
    let err = c.memory().await.unwrap_err();
    assert!(
        matches!(&err, AdminError::Status { code: 502, body_snippet, .. } if body_snippet == "bad gateway"),
        "{err:?}"
    );
    assert_eq!(server.count(), 3, "1 attempt + 2 retries");
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let server =
        TestServer::start(|_, _| Reply::Full(404, "text/plain", b"no such".to_vec())).await;
    let c = client(&server, fast());
    let err = c.certs().await.unwrap_err();
    assert!(
        matches!(err, AdminError::Status { code: 404, .. }),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn content_length_over_cap_is_too_large_before_any_body() {
    // The body never comes: only the up-front Content-Length check can answer in time.
    let server = TestServer::start(|_, _| Reply::HeadOnly { declared: 2000 }).await;
    let opts = ClientOptions {
        max_body_bytes: 1000,
        ..fast()
    };
    let started = Instant::now();
    let err = client(&server, opts)
        .config_dump(&ConfigDumpQuery::default())
        .await;
    assert!(
        matches!(err, Err(AdminError::TooLarge { limit: 1000, .. })),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(server.count(), 1, "too large is not retried");
}

#[tokio::test]
async fn streamed_body_over_cap_stops_reading() {
    // 64 MiB without Content-Length: only the streaming check can catch it.
    let server = TestServer::start(|_, _| Reply::Unbounded {
        total: 64 * 1024 * 1024,
    })
    .await;
    let opts = ClientOptions {
        max_body_bytes: 100_000,
        ..fast()
    };
    let started = Instant::now();
    let err = client(&server, opts).istiod_metrics().await;
    assert!(
        matches!(err, Err(AdminError::TooLarge { limit: 100_000, .. })),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(700));
}

#[tokio::test]
async fn body_exactly_at_cap_is_accepted() {
    let server = TestServer::start(|_, _| ok("text/plain", &"y".repeat(1000))).await;
    let opts = ClientOptions {
        max_body_bytes: 1000,
        ..fast()
    };
    let r = client(&server, opts).logging().await.unwrap();
    assert_eq!(r.body.len(), 1000);
}

#[tokio::test]
async fn slow_server_times_out_within_configured_time() {
    let server = TestServer::start(|_, _| {
        Reply::Sleep(Duration::from_secs(3), Box::new(ok("text/plain", "late")))
    })
    .await;
    let opts = ClientOptions {
        request_timeout: Duration::from_millis(200),
        retries: 0,
        ..fast()
    };
    let started = Instant::now();
    let err = client(&server, opts).agent_prometheus().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            AdminError::Timeout {
                phase: TimeoutPhase::Request,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_millis(180), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
    assert!(err.to_string().contains("/stats/prometheus"), "{err}");
}

#[tokio::test]
async fn closed_port_is_refused_and_retried() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let opts = ClientOptions {
        retries: 1,
        retry_backoff: Duration::from_millis(50),
        ..fast()
    };
    let c = AdminClient::new(format!("127.0.0.1:{port}"), opts).unwrap();
    let started = Instant::now();
    let err = c.server_info().await.unwrap_err();
    assert!(matches!(err, AdminError::Refused { .. }), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "one backoff waited"
    );
    assert!(
        err.to_string()
            .contains(&format!("http://127.0.0.1:{port}/server_info")),
        "{err}"
    );
}

#[tokio::test]
async fn connection_closed_mid_body_is_truncated_and_retried() {
    let server = TestServer::start(|_, _| Reply::Truncated {
        declared: 100,
        sent: b"{\"configs\":[".to_vec(),
    })
    .await;
    let opts = ClientOptions {
        retries: 1,
        ..fast()
    };
    let err = client(&server, opts)
        .config_dump(&ConfigDumpQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdminError::Truncated {
                expected: Some(100),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_closed_before_response_is_reported() {
    let server = TestServer::start(|_, _| Reply::Close).await;
    let opts = ClientOptions {
        retries: 0,
        ..fast()
    };
    let err = client(&server, opts).listeners().await.unwrap_err();
    assert!(
        matches!(err, AdminError::ConnectionClosed { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn html_config_dump_is_not_json() {
    let server = TestServer::start(|_, _| ok("text/html", "\n<html>envoy admin</html>")).await;
    let err = client(&server, fast())
        .config_dump(&ConfigDumpQuery::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        AdminError::NotJson {
            url: format!("{}/config_dump", server.base()),
            snippet: "<html>envoy admin</html>".into(),
        }
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn expect_json_checks_first_non_whitespace_byte() {
    assert!(expect_json("u", b" \n\t[1]").is_ok());
    assert!(expect_json("u", b"{}").is_ok());
    assert!(matches!(
        expect_json("u", b"  "),
        Err(AdminError::NotJson { .. })
    ));
    assert!(matches!(
        expect_json("u", b"null"),
        Err(AdminError::NotJson { .. })
    ));
}

#[tokio::test]
async fn posts_are_not_retried() {
    let server = TestServer::start(|_, _| Reply::Full(500, "text/plain", b"nope".to_vec())).await;
    let c = client(&server, fast());
    let m = c.mutator(Confirmed::by_user("test: reset counters"));
    assert_eq!(m.confirmation(), "test: reset counters");
    let err = m.reset_counters().await.unwrap_err();
    assert!(
        matches!(err, AdminError::Status { code: 500, .. }),
        "{err:?}"
    );
    assert_eq!(
        server.request_lines(),
        vec!["POST /reset_counters HTTP/1.1"]
    );
}

#[tokio::test]
async fn set_log_level_posts_paths() {
    let server = TestServer::start(|_, _| ok("text/plain", "active loggers:\n")).await;
    let m = client(&server, fast()).mutator(Confirmed::by_user("test: debug logging"));
    m.set_log_level(Some("upstream,router"), "debug")
        .await
        .unwrap();
    m.set_log_level(None, "warning").await.unwrap();
    let err = m.set_log_level(None, "verbose").await.unwrap_err();
    assert!(matches!(err, AdminError::Invalid { .. }), "{err:?}");
    assert_eq!(
        server.request_lines(),
        vec![
            "POST /logging?paths=upstream:debug,router:debug HTTP/1.1",
            "POST /logging?level=warning HTTP/1.1",
        ]
    );
}

#[test]
fn base_urls() {
    let c = AdminClient::new("http://127.0.0.1:15000/", ClientOptions::default()).unwrap();
    assert_eq!(c.url_for("/ready"), "http://127.0.0.1:15000/ready");
    let c = AdminClient::new("localhost:8001/prefix/", ClientOptions::default()).unwrap();
    assert_eq!(c.url_for("/ready"), "http://localhost:8001/prefix/ready");
    let err = AdminClient::new("https://127.0.0.1:15000", ClientOptions::default()).unwrap_err();
    assert!(err.to_string().contains("plain HTTP"), "{err}");
    assert!(AdminClient::new("http://", ClientOptions::default()).is_err());
}

#[test]
fn defaults_match_the_contract() {
    let o = ClientOptions::default();
    assert_eq!(o.connect_timeout, Duration::from_secs(2));
    assert_eq!(o.request_timeout, Duration::from_secs(10));
    assert_eq!(o.max_body_bytes, 512 * 1024 * 1024);
    assert_eq!(o.retries, 2);
    assert_eq!(o.retry_backoff, Duration::from_millis(100));
}
