//! `istioctl proxy-config clusters`.

use std::fmt::Write;

use super::{describe_management, tabwriter};
use crate::model::config_dump::{ClusterInfo, ConfigDump, Kind, SubsetKey};

/// istioctl's cluster filters (`--fqdn --port --subset --direction`): each is a
/// substring test on the cluster name, exactly as istioctl does it.
#[derive(Debug, Clone, Default)]
pub struct ClusterFilter {
    /// `--fqdn`.
    pub fqdn: Option<String>,
    /// `--port`: matches `|PORT|` in the name.
    pub port: Option<u32>,
    /// `--subset`.
    pub subset: Option<String>,
    /// `--direction`.
    pub direction: Option<String>,
}

impl ClusterFilter {
    /// Whether a cluster name passes the filter.
    pub fn matches(&self, name: &str) -> bool {
        let contains = |f: &Option<String>| f.as_deref().is_none_or(|s| name.contains(s));
        contains(&self.fqdn)
            && contains(&self.direction)
            && contains(&self.subset)
            && self.port.is_none_or(|p| name.contains(&format!("|{p}|")))
    }
}

/// One row of the cluster table, with the sort key istioctl uses.
pub struct ClusterRow<'a> {
    /// Parsed summary fields.
    pub info: ClusterInfo<'a>,
}

/// The clusters istioctl lists (dynamic active, then static), parsed and
/// sorted by FQDN, subset, port, direction. Warming clusters are not listed
/// by istioctl; the TUI shows them.
pub fn sorted_clusters<'a>(
    dump: &ConfigDump<'a>,
) -> Result<Vec<ClusterInfo<'a>>, serde_json::Error> {
    let raws: Vec<&'a str> = dump.listed_raw(Kind::Cluster).collect();
    // Tens of thousands of clusters: each is tokenized again for its few
    // fields, so the work is split across the cores (the order is kept).
    let out = par_map(&raws, ClusterInfo::parse)?;
    // Each name's key is parsed once, not at every comparison (stable, as sort_by).
    let mut order: Vec<usize> = (0..out.len()).collect();
    {
        let keys: Vec<_> = out.iter().map(|c| sort_key(&c.name)).collect();
        order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    }
    let mut slots: Vec<Option<ClusterInfo<'a>>> = out.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// `f` over `items` on every core when there are many, in order; the first
/// error (in item order) wins.
pub fn par_map<'a, T: Send, E: Send>(
    items: &[&'a str],
    f: fn(&'a str) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    const PARALLEL_MIN: usize = 2_000;
    let parts = crate::model::par::ranges(items.len(), PARALLEL_MIN, |lo, hi| {
        items[lo..hi]
            .iter()
            .map(|s| f(s))
            .collect::<Result<Vec<T>, E>>()
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn sort_key(name: &str) -> (&str, &str, u32, &str) {
    match SubsetKey::parse(name) {
        Some(k) => (k.fqdn, k.subset, k.port, k.direction),
        None => (name, "", 0, ""),
    }
}

/// The table, byte-for-byte as istioctl prints it. `include_config_type` is the
/// `proxy-config all` layout (a NAME column with `cluster/` prefixes).
pub fn cluster_table(
    clusters: &[ClusterInfo<'_>],
    filter: &ClusterFilter,
    include_config_type: bool,
) -> String {
    let mut t = String::with_capacity(clusters.len() * 96 + 64);
    if include_config_type {
        t.push_str("NAME\t");
    }
    t.push_str("SERVICE FQDN\tPORT\tSUBSET\tDIRECTION\tTYPE\tDESTINATION RULE\n");
    for c in clusters.iter().filter(|c| filter.matches(&c.name)) {
        let dr = describe_management(c.istio_config());
        let prefixed = format!("cluster/{}", c.name);
        if include_config_type {
            let _ = write!(t, "{prefixed}\t");
        }
        let _ = match SubsetKey::parse(&c.name) {
            Some(k) => {
                let subset = if k.subset.is_empty() { "-" } else { k.subset };
                writeln!(
                    t,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    k.fqdn,
                    k.port,
                    subset,
                    k.direction,
                    c.type_label(),
                    dr
                )
            }
            None => {
                let name = if include_config_type {
                    prefixed.as_str()
                } else {
                    &c.name
                };
                writeln!(t, "{name}\t-\t-\t-\t{}\t{dr}", c.type_label())
            }
        };
    }
    tabwriter::format(&t, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(json: &str) -> String {
        json.to_string()
    }

    #[test]
    fn sorts_and_filters_like_istioctl() {
        let text = dump(
            r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
            "static_clusters":[{"cluster":{"name":"xds-grpc","type":"STRICT_DNS"}}],
            "dynamic_active_clusters":[
              {"cluster":{"name":"outbound|9080|v2|reviews.default.svc.cluster.local","type":"EDS",
                "metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"}}}}},
              {"cluster":{"name":"outbound|9080|v1|reviews.default.svc.cluster.local","type":"EDS"}},
              {"cluster":{"name":"BlackHoleCluster"}},
              {"cluster":{"name":"inbound|9080||","type":"STATIC"}}],
            "dynamic_warming_clusters":[{"cluster":{"name":"outbound|1|w|warm.x","type":"EDS"}}]}]}"#,
        );
        let d = ConfigDump::parse(&text).unwrap();
        let cs = sorted_clusters(&d).unwrap();
        let all = cluster_table(&cs, &ClusterFilter::default(), false);
        assert_eq!(
            all,
            "SERVICE FQDN                          PORT     SUBSET     DIRECTION     TYPE           DESTINATION RULE\n\
             \x20                                     9080     -          inbound       STATIC         \n\
             BlackHoleCluster                      -        -          -             STATIC         \n\
             reviews.default.svc.cluster.local     9080     v1         outbound      EDS            \n\
             reviews.default.svc.cluster.local     9080     v2         outbound      EDS            reviews.default\n\
             xds-grpc                              -        -          -             STRICT_DNS     \n"
        );
        let f = ClusterFilter {
            subset: Some("v2".into()),
            port: Some(9080),
            ..Default::default()
        };
        let one = cluster_table(&cs, &f, true);
        assert_eq!(one.lines().count(), 2, "{one}");
        assert!(one.starts_with("NAME  "));
        assert!(
            one.contains("cluster/outbound|9080|v2|reviews.default.svc.cluster.local     reviews")
        );
    }
}
