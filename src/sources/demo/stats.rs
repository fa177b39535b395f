//! The Envoy stat store of one simulated proxy and its three renderings:
//! `/stats` text, `/stats?format=json` and `/stats/prometheus` (Envoy's tag
//! extraction for `cluster.<name>.`, `listener.<addr>.`, `http.<prefix>.`
//! and `worker_<n>.` scopes).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::pattern::Pattern;

/// One counter or gauge.
#[derive(Debug, Clone)]
pub(crate) struct Stat {
    pub value: u64,
    pub gauge: bool,
    /// Ever written (what `?usedonly` keeps).
    pub used: bool,
    /// Prometheus metric name and label text (`envoy_cluster_x`, `cluster_name="..."`).
    prom: (String, String),
}

/// Where a stat lives, which decides its Prometheus tags.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// `cluster.<name>.<stat>`.
    Cluster(&'a str),
    /// `listener.<address>.<stat>`.
    Listener(&'a str),
    /// `listener.<address>.worker_<n>.<stat>`.
    Worker(&'a str, usize),
    /// `http.<stat_prefix>.<stat>`.
    Http(&'a str),
    /// `<prefix>.<stat>` without tags (`server`, `listener_manager`...).
    Plain(&'a str),
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl Scope<'_> {
    fn names(self, stat: &str) -> (String, (String, String)) {
        let s = sanitize(stat);
        match self {
            Scope::Cluster(c) => (
                format!("cluster.{c}.{stat}"),
                (
                    format!("envoy_cluster_{s}"),
                    format!("cluster_name=\"{c}\""),
                ),
            ),
            Scope::Listener(a) => (
                format!("listener.{a}.{stat}"),
                (
                    format!("envoy_listener_{s}"),
                    format!("listener_address=\"{a}\""),
                ),
            ),
            Scope::Worker(a, n) => (
                format!("listener.{a}.worker_{n}.{stat}"),
                (
                    format!("envoy_listener_worker_{s}"),
                    format!("listener_address=\"{a}\",worker_id=\"{n}\""),
                ),
            ),
            Scope::Http(p) => (
                format!("http.{p}.{stat}"),
                (
                    format!("envoy_http_{s}"),
                    format!("http_conn_manager_prefix=\"{p}\""),
                ),
            ),
            Scope::Plain(p) => (
                format!("{p}.{stat}"),
                (format!("envoy_{}_{s}", sanitize(p)), String::new()),
            ),
        }
    }
}

/// Every stat of one proxy, sorted by name like Envoy prints them.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatStore {
    stats: BTreeMap<String, Stat>,
}

impl StatStore {
    /// Declares a counter (value 0, unused) and returns its full name.
    pub fn counter(&mut self, scope: Scope<'_>, stat: &str) -> String {
        self.declare(scope, stat, false)
    }

    /// Declares a gauge and returns its full name.
    pub fn gauge(&mut self, scope: Scope<'_>, stat: &str) -> String {
        self.declare(scope, stat, true)
    }

    fn declare(&mut self, scope: Scope<'_>, stat: &str, gauge: bool) -> String {
        let (name, prom) = scope.names(stat);
        self.stats.entry(name.clone()).or_insert(Stat {
            value: 0,
            gauge,
            used: false,
            prom,
        });
        name
    }

    /// Adds `n` to a declared stat (ignored when unknown).
    pub fn add(&mut self, name: &str, n: u64) {
        if let Some(s) = self.stats.get_mut(name) {
            s.value = s.value.saturating_add(n);
            s.used |= n > 0 || s.gauge;
        }
    }

    /// Sets a declared stat (gauges; counters only go up).
    pub fn set(&mut self, name: &str, v: u64) {
        if let Some(s) = self.stats.get_mut(name) {
            s.value = v;
            s.used = true;
        }
    }

    /// The value of a stat (0 when unknown).
    pub fn get(&self, name: &str) -> u64 {
        self.stats.get(name).map_or(0, |s| s.value)
    }

    /// Number of stats.
    pub fn len(&self) -> usize {
        self.stats.len()
    }

    /// `POST /reset_counters`: every counter back to zero.
    pub fn reset_counters(&mut self) {
        for s in self.stats.values_mut().filter(|s| !s.gauge) {
            s.value = 0;
        }
    }

    fn selected<'a>(
        &'a self,
        filter: Option<&'a Pattern>,
        used_only: bool,
    ) -> impl Iterator<Item = (&'a String, &'a Stat)> + 'a {
        self.stats
            .iter()
            .filter(move |(_, s)| !used_only || s.used)
            .filter(move |(n, _)| filter.is_none_or(|f| f.is_match(n)))
    }

    /// `/stats`: `name: value` lines.
    pub fn text(&self, filter: Option<&Pattern>, used_only: bool) -> String {
        let mut out = String::with_capacity(self.stats.len() * 64);
        for (name, s) in self.selected(filter, used_only) {
            let _ = writeln!(out, "{name}: {}", s.value);
        }
        out
    }

    /// `/stats?format=json`: `{"stats":[{"name":..,"value":..}, ..., {"histograms":..}]}`.
    pub fn json(&self, filter: Option<&Pattern>, used_only: bool) -> String {
        let mut items: Vec<serde_json::Value> = self
            .selected(filter, used_only)
            .map(|(name, s)| serde_json::json!({"name": name, "value": s.value}))
            .collect();
        items.push(serde_json::json!({"histograms": {
            "supported_quantiles": [0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 100.0],
            "computed_quantiles": []
        }}));
        serde_json::to_string_pretty(&serde_json::json!({ "stats": items }))
            .unwrap_or_else(|_| "{}".to_string())
    }

    /// Envoy's `/stats/prometheus` body for these stats.
    pub fn prometheus(&self, filter: Option<&Pattern>, used_only: bool, out: &mut String) {
        let mut by_metric: BTreeMap<&str, Vec<&Stat>> = BTreeMap::new();
        for (_, s) in self.selected(filter, used_only) {
            by_metric.entry(s.prom.0.as_str()).or_default().push(s);
        }
        for (metric, stats) in by_metric {
            let kind = if stats.first().is_some_and(|s| s.gauge) {
                "gauge"
            } else {
                "counter"
            };
            let _ = writeln!(out, "# TYPE {metric} {kind}");
            for s in stats {
                let _ = writeln!(out, "{metric}{{{}}} {}", s.prom.1, s.value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_three_formats() {
        let mut st = StatStore::default();
        let c = st.counter(
            Scope::Cluster("outbound|8000||httpbin.default.svc.cluster.local"),
            "upstream_rq_pending_overflow",
        );
        let g = st.gauge(Scope::Worker("0.0.0.0_15006", 1), "downstream_cx_active");
        st.counter(Scope::Plain("listener_manager"), "lds.update_rejected");
        st.add(&c, 3);
        st.set(&g, 7);
        let text = st.text(None, false);
        assert!(text.contains(
            "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: 3"
        ));
        assert!(text.contains("listener.0.0.0.0_15006.worker_1.downstream_cx_active: 7"));
        assert_eq!(st.text(None, true).lines().count(), 2);
        let f = Pattern::new("update_rejected");
        assert_eq!(
            st.text(Some(&f), false),
            "listener_manager.lds.update_rejected: 0\n"
        );
        let mut prom = String::new();
        st.prometheus(None, false, &mut prom);
        assert!(prom.contains("# TYPE envoy_cluster_upstream_rq_pending_overflow counter"));
        assert!(prom.contains(
            "envoy_listener_worker_downstream_cx_active{listener_address=\"0.0.0.0_15006\",worker_id=\"1\"} 7"
        ));
        assert!(prom.contains("envoy_listener_manager_lds_update_rejected{} 0"));
        let v: serde_json::Value = serde_json::from_str(&st.json(None, false)).unwrap();
        assert_eq!(v["stats"].as_array().unwrap().len(), 4);
        st.reset_counters();
        assert_eq!(st.get(&c), 0);
        assert_eq!(st.get(&g), 7);
    }
}
