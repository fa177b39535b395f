//! Helpers for the demo-mesh end-to-end tests: options, clients, stats and
//! logs read through the real admin client and log source.
#![allow(dead_code)]

use std::time::Duration;

use futures::StreamExt;
use meshscope::model::config_dump::{ConfigDump, Kind, State};
use meshscope::sources::admin::{AdminClient, ClientOptions, ConfigDumpQuery, StatsQuery};
use meshscope::sources::demo::{Manifest, ManifestPod, RunningDemo, Scenario, ServeOptions};
use meshscope::sources::logs::LogQuery;

pub fn opts(scenarios: Vec<Scenario>) -> ServeOptions {
    ServeOptions {
        scenarios,
        tick: Duration::from_millis(40),
        slow_delay: Duration::from_secs(3),
        ..ServeOptions::default()
    }
}

pub fn client(url: &str) -> AdminClient {
    let o = ClientOptions {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_millis(2_000),
        retries: 0,
        ..ClientOptions::default()
    };
    AdminClient::new(url, o).unwrap()
}

pub fn pod<'a>(m: &'a Manifest, app: &str, name_part: &str) -> &'a ManifestPod {
    m.pods
        .iter()
        .find(|p| p.app == app && p.name.contains(name_part))
        .unwrap_or_else(|| panic!("no pod {app} {name_part}"))
}

pub fn text(body: Vec<u8>) -> String {
    String::from_utf8(body).unwrap()
}

pub async fn stat(c: &AdminClient, name: &str) -> u64 {
    let q = StatsQuery {
        filter: Some(regex_escape(name)),
        ..StatsQuery::default()
    };
    let body = text(c.stats(&q).await.unwrap().body);
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": ")?.parse().ok())
        .unwrap_or_else(|| panic!("stat {name} missing in {body}"))
}

pub fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '.' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '*' | '+' | '?' | '^' | '$' => {
                vec!['\\', c]
            }
            c => vec![c],
        })
        .collect()
}

pub async fn logs(demo: &RunningDemo, p: &ManifestPod) -> Vec<String> {
    let mut q = LogQuery::sidecar(&p.namespace, &p.name, 2_000);
    q.follow = false;
    demo.log_source()
        .lines(&q)
        .map(|l| l.unwrap())
        .collect()
        .await
}

pub async fn dump(c: &AdminClient, include_eds: bool) -> String {
    let q = ConfigDumpQuery {
        include_eds,
        ..ConfigDumpQuery::default()
    };
    let body = text(c.config_dump(&q).await.unwrap().body);
    ConfigDump::parse(&body).unwrap();
    body
}

pub fn count_warming(d: &ConfigDump<'_>) -> usize {
    d.of(Kind::Cluster)
        .filter(|r| r.state == State::Warming)
        .count()
}

pub fn check_prometheus(body: &str) {
    assert!(!body.is_empty());
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(
            series.chars().next().unwrap().is_ascii_alphabetic(),
            "{line}"
        );
        assert_eq!(series.contains('{'), series.ends_with('}'), "{line}");
    }
}
