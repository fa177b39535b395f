//! The app on a capture: an extracted bug-report built here in istioctl's
//! layout, one proxy saved with text `/clusters` and no `/stats`.

mod support;

use std::time::{Duration, Instant};

use meshscope::app::headless::Headless;
use meshscope::app::state::{AppState, Loadable, ViewKind};
use meshscope::config::Config;
use meshscope::sources::target::Endpoint;
use meshscope::theme::Theme;

const DUMP: &str = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"version_info":"1","cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"outbound|80||a.default.svc.cluster.local"},"last_updated":"2026-01-01T00:00:00Z"}]}]}"#;

/// The Clusters view reads the text `/clusters`; the Stats view, which has no
/// `/stats` to read, asks once, says what the capture holds instead, and is
/// not asked again however often it polls.
#[test]
fn the_app_on_a_bug_report_asks_each_body_once() {
    let root = support::temp_dir("capture-app").join("bug-report");
    let base = root.join("proxies/default/reviews-v1-5b4f9c7d8-x7k2p");
    std::fs::create_dir_all(base.join("stats")).expect("dirs");
    std::fs::write(base.join("config_dump?include_eds"), DUMP).expect("dump");
    std::fs::write(
        base.join("clusters"),
        "outbound|80||a::observability_name::outbound|80||a\n\
         outbound|80||a::default_priority::max_connections::7\n\
         outbound|80||a::10.0.0.1:80::cx_active::3\n\
         outbound|80||a::10.0.0.1:80::health_flags::healthy\n",
    )
    .expect("clusters");
    std::fs::write(
        base.join("stats/prometheus"),
        "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n",
    )
    .expect("prometheus");
    let o = meshscope::sources::capture::open(&root).expect("opens");
    let config = Config {
        poll_interval_ms: 20,
        ..Config::default()
    };
    let mut state = AppState::new(o.mesh.clone(), "t", config, Theme::dark(), Instant::now());
    state.snapshot = true;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut h = Headless::new(state, o.fetcher.clone(), o.logs.clone());
        h.open(0);
        meshscope::app::nav::show_view(&mut h.state, ViewKind::Stats);
        let answered = |s: &AppState| {
            s.slot(Some(0), Endpoint::Stats)
                .is_some_and(|slot| !matches!(slot.state, Loadable::Loading { .. }))
        };
        assert!(h.settle(Duration::from_secs(5), answered).await);
        let first = h
            .state
            .slot(Some(0), Endpoint::Stats)
            .expect("slot")
            .request;
        // 25 poll intervals and more.
        h.settle(Duration::from_millis(600), |_| false).await;
        let slot = h.state.slot(Some(0), Endpoint::Stats).expect("slot");
        assert_eq!(slot.request, first, "asked again");
        match &slot.state {
            Loadable::Failed { error, .. } => {
                assert!(error.contains("stats/prometheus"), "{error}")
            }
            other => panic!("{other:?}"),
        }
        meshscope::app::nav::show_view(&mut h.state, ViewKind::Clusters);
        let runtime = |s: &AppState| {
            s.slot(Some(0), Endpoint::ClustersJson)
                .and_then(|slot| slot.data())
                .is_some()
        };
        assert!(h.settle(Duration::from_secs(5), runtime).await);
    });
}
