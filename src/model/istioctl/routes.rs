//! `istioctl proxy-config routes`: a port of `PrintRouteSummary` in istio's
//! `istioctl/pkg/writer/envoy/configdump/route.go`.
//!
//! Also home to what the listener table shares with it: `describeMatch`. The
//! fields are read through the borrowed views in [`super::proto`]; sorting is
//! [`go_sort`], an exact port of Go's `sort.Slice` (istioctl's sorts are unstable,
//! so tie order must follow Go's algorithm to be byte-for-byte).

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use super::describe_management;
use super::go_sort;
use super::proto::{Metadata, Route, RouteConfig, RouteMatch};
use super::tabwriter;

/// Which route configs `istioctl proxy-config routes` prints (`--name`, `--verbose`).
#[derive(Debug, Clone, Default)]
pub struct RouteFilter {
    /// Exact route config name (`--name`); `None` or empty prints all.
    pub name: Option<String>,
    /// One row per virtual-host route (istioctl's default) instead of a count per config.
    pub verbose: bool,
}

/// The routes table istioctl prints, byte for byte (tabwriter padding 5).
///
/// `route_configs` are the `route_config` objects of the routes dump in the order
/// istioctl iterates them: **`dynamic_route_configs` first, then `static_route_configs`**
/// (each in dump order). Order matters: istioctl sorts with Go's unstable
/// `sort.Slice` by numeric name, and names that are not integers compare as equal.
/// `include_config_type` is the `proxy-config all` layout (`route/` prefix on NAME).
/// istioctl fails with "no routes found" when the dump has no route config at all;
/// here that case yields the header line only.
pub fn route_table(
    route_configs: &[Value],
    filter: &RouteFilter,
    include_config_type: bool,
) -> String {
    route_table_of(&typed(route_configs), filter, include_config_type)
}

/// [`route_table`] on route configurations already read into [`RouteConfig`]s.
pub fn route_table_of(
    route_configs: &[RouteConfig<'_>],
    filter: &RouteFilter,
    include_config_type: bool,
) -> String {
    let mut out = String::from(if filter.verbose {
        "NAME\tVHOST NAME\tDOMAINS\tMATCH\tVIRTUAL SERVICE\n"
    } else {
        "NAME\tVIRTUAL HOSTS\n"
    });
    for rc in route_rows_of(route_configs, filter) {
        let prefix = if include_config_type { "route/" } else { "" };
        if !filter.verbose {
            let _ = writeln!(out, "{prefix}{}\t{}", rc.name, rc.virtual_hosts);
            continue;
        }
        for r in &rc.routes {
            let _ = writeln!(
                out,
                "{prefix}{}\t{}\t{}\t{}\t{}",
                rc.name, r.vhost, r.domains, r.matcher, r.virtual_service
            );
        }
    }
    tabwriter::format(&out, 5)
}

/// Reads `Value`s into the typed views (a `Value` cannot fail to read).
fn typed(values: &[Value]) -> Vec<RouteConfig<'_>> {
    values
        .iter()
        .map(|v| RouteConfig::deserialize(v).unwrap_or_default())
        .collect()
}

/// A route configuration as istioctl describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfigRow {
    /// Route configuration name (`80`, `http.8080`, `inbound|9080||`…).
    pub name: String,
    /// Number of virtual hosts.
    pub virtual_hosts: usize,
    /// One entry per non-passthrough route (or `/*` `404` for an empty virtual host).
    pub routes: Vec<RouteRow>,
}

/// One route of a virtual host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRow {
    /// Virtual host name.
    pub vhost: String,
    /// Domains, shortened like istioctl.
    pub domains: String,
    /// The match (`/*`, `PathPrefix:/get`…).
    pub matcher: String,
    /// `name.namespace` of the VirtualService, `404` for an empty virtual host.
    pub virtual_service: String,
    /// Clusters the route sends to (weighted clusters included).
    pub clusters: Vec<String>,
}

/// The route configurations that pass `filter`, in istioctl's order.
pub fn route_rows(route_configs: &[Value], filter: &RouteFilter) -> Vec<RouteConfigRow> {
    route_rows_of(&typed(route_configs), filter)
}

/// [`route_rows`] on route configurations already read into [`RouteConfig`]s.
pub fn route_rows_of(
    route_configs: &[RouteConfig<'_>],
    filter: &RouteFilter,
) -> Vec<RouteConfigRow> {
    let mut routes: Vec<(&RouteConfig<'_>, Option<i64>)> = route_configs
        .iter()
        .map(|r| (r, r.name.get().parse::<i64>().ok()))
        .collect();
    // Go: Atoi(i) fails -> false; Atoi(j) fails -> false; else i < j.
    go_sort::sort_slice(
        &mut routes,
        |a, b| matches!((a.1, b.1), (Some(x), Some(y)) if x < y),
    );
    let wanted = filter.name.as_deref().unwrap_or("");
    let mut out = Vec::new();
    for (route, _) in routes {
        let name = route.name.get();
        if !wanted.is_empty() && wanted != name {
            continue;
        }
        let vhosts = &route.virtual_hosts;
        let mut rows = Vec::new();
        for vhost in vhosts.iter() {
            let vhost_name = vhost.name.get().to_string();
            let domains = describe_route_domains(&vhost.domains.to_strs());
            let vroutes = &vhost.routes;
            for r in vroutes.iter().filter(|r| !is_passthrough(r)) {
                rows.push(RouteRow {
                    vhost: vhost_name.clone(),
                    domains: domains.clone(),
                    matcher: r.matcher.get().map(describe_match).unwrap_or_default(),
                    virtual_service: route_management(r.metadata.get()),
                    clusters: route_clusters(r),
                });
            }
            if vroutes.is_empty() {
                rows.push(RouteRow {
                    vhost: vhost_name,
                    domains,
                    matcher: "/*".to_string(),
                    virtual_service: "404".to_string(),
                    clusters: Vec::new(),
                });
            }
        }
        out.push(RouteConfigRow {
            name: name.to_string(),
            virtual_hosts: vhosts.len(),
            routes: rows,
        });
    }
    out
}

/// The clusters a route's action sends to.
fn route_clusters(route: &Route<'_>) -> Vec<String> {
    let Some(action) = route.route.get() else {
        return Vec::new();
    };
    let single = action.cluster.get();
    if !single.is_empty() {
        return vec![single.to_string()];
    }
    action
        .weighted_clusters
        .get()
        .map(|w| {
            w.clusters
                .iter()
                .map(|c| c.name.get().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Go `describeMatch`: prefix, path-separated prefix, path and regex; headers ignored.
pub(super) fn describe_match(m: &RouteMatch<'_>) -> String {
    let mut conds = Vec::new();
    let prefix = m.prefix.get();
    if !prefix.is_empty() {
        conds.push(format!("{prefix}*"));
    }
    let psp = m.path_separated_prefix.get();
    if !psp.is_empty() {
        conds.push(format!("PathPrefix:{psp}"));
    }
    let path = m.path.get();
    if !path.is_empty() {
        conds.push(path.to_string());
    }
    if let Some(re) = m.safe_regex.get() {
        conds.push(format!("regex {}", re.regex.get()));
    }
    conds.join(" ")
}

fn is_passthrough(r: &Route<'_>) -> bool {
    r.route.get().map(|a| a.cluster.get()) == Some("PassthroughCluster")
}

/// Go `describeRouteDomains`: the domains without ports, short forms only, at most two.
fn describe_route_domains(domains: &[&str]) -> String {
    match domains {
        [] => return String::new(),
        [one] => return (*one).to_string(),
        _ => {}
    }
    let without_port: Vec<&str> = domains
        .iter()
        .copied()
        .filter(|d| !d.contains(':') || (d.matches(':').count() > 2 && d.ends_with(']')))
        .collect();
    let kept = unexpand_domains(&without_port);
    if kept.len() > 2 {
        return format!("{} + {} more...", kept[..2].join(", "), kept.len() - 2);
    }
    kept.join(", ")
}

/// Go `unexpandDomains`: drop `x.svc.cluster.local` / `x.svc` when `x` is also listed.
fn unexpand_domains<'a>(domains: &[&'a str]) -> Vec<&'a str> {
    let redundant = |h: &str| {
        [".svc.cluster.local", ".svc"].iter().any(|suffix| {
            h.strip_suffix(suffix)
                .is_some_and(|short| domains.contains(&short))
        })
    };
    domains.iter().copied().filter(|h| !redundant(h)).collect()
}

/// Go `describeManagement`: the VirtualService behind a route, from `filter_metadata.istio.config`.
fn route_management(metadata: Option<&Metadata<'_>>) -> String {
    let config = metadata
        .and_then(|m| m.filter_metadata.get())
        .and_then(|f| f.istio.get())
        .map(|istio| &istio.config)
        .filter(|c| c.present());
    match config {
        Some(c) => describe_management(Some(c.get())),
        None => String::new(),
    }
}

/// Reads the shared golden fixtures (`$MESHSCOPE_FIXTURES`, else `../shared/fixtures`).
#[cfg(test)]
pub(super) mod fixtures {
    use serde_json::Value;

    /// The fixture's text, or `None` (after saying so) when the folder is absent.
    pub fn read(name: &str) -> Option<String> {
        crate::model::fixture(name)
    }

    /// `dynamic[].<dynamic_key>` then `static[].<static_key>` of the dump section whose `@type` ends with `kind`.
    pub fn objects(dump: &str, kind: &str, dynamic: [&str; 2], statik: [&str; 2]) -> Vec<Value> {
        let dump: Value = serde_json::from_str(dump).expect("config dump json");
        let section = dump["configs"]
            .as_array()
            .expect("configs")
            .iter()
            .find(|c| {
                c["@type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with(&format!(".{kind}")))
            })
            .expect("section");
        let pick = |[list, path]: [&str; 2]| -> Vec<Value> {
            let items = section[list].as_array().cloned().unwrap_or_default();
            items
                .iter()
                .map(|i| i.pointer(path).cloned().unwrap_or(Value::Null))
                .filter(|v| !v.is_null())
                .collect()
        };
        let mut out = pick(dynamic);
        out.extend(pick(statik));
        out
    }

    /// Section `n` (0-based) of a `proxy-config all` golden, with its final newline.
    pub fn section(golden: &str, n: usize) -> String {
        format!("{}\n", golden.split("\n\n").nth(n).expect("section"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn http_route(prefix: &str, cluster: &str, vs: Option<&str>) -> Value {
        let mut r = json!({"match": {"prefix": prefix}, "route": {"cluster": cluster}});
        if let Some(vs) = vs {
            r["metadata"] = json!({"filter_metadata": {"istio": {"config": vs}}});
        }
        r
    }

    fn sample() -> Vec<Value> {
        vec![
            json!({"name": "9080", "virtual_hosts": [{"name": "reviews:9080",
                "domains": ["reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080",
                            "reviews", "reviews:9080", "reviews.default.svc", "reviews.default", "10.0.0.1"],
                "routes": [http_route("/", "outbound|9080||reviews", Some("/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews"))]},
                {"name": "allow_any", "domains": ["*"], "routes": [http_route("/", "PassthroughCluster", None)]}]}),
            json!({"name": "80", "virtualHosts": [{"name": "empty", "domains": ["a.example"], "routes": []}]}),
            json!({"virtual_hosts": [{"name": "backend", "domains": ["*"],
                "routes": [{"match": {"safeRegex": {"regex": "/x.*"}}, "directResponse": {"status": 200}}]}]}),
        ]
    }

    #[test]
    fn verbose_table_sorts_numeric_names_and_describes_rows() {
        let got = route_table(
            &sample(),
            &RouteFilter {
                name: None,
                verbose: true,
            },
            false,
        );
        let rows: Vec<&str> = got.lines().collect();
        assert_eq!(rows.len(), 4, "{got}");
        assert_eq!(rows[0], "NAME     VHOST NAME       DOMAINS                                  MATCH          VIRTUAL SERVICE");
        assert_eq!(
            rows[1],
            "80       empty            a.example                                /*             404"
        );
        assert_eq!(
            rows[2],
            "9080     reviews:9080     reviews, reviews.default + 1 more...     /*             reviews.default"
        );
        assert_eq!(
            rows[3],
            "         backend          *                                        regex /x.*     "
        );
    }

    #[test]
    fn name_filter_summary_and_config_type_prefix() {
        let filter = RouteFilter {
            name: Some("9080".into()),
            verbose: false,
        };
        assert_eq!(
            route_table(&sample(), &filter, false),
            "NAME     VIRTUAL HOSTS\n9080     2\n"
        );
        assert_eq!(
            route_table(&sample(), &filter, true),
            "NAME           VIRTUAL HOSTS\nroute/9080     2\n"
        );
        let all = route_table(&sample(), &RouteFilter::default(), true);
        assert_eq!(
            all,
            "NAME           VIRTUAL HOSTS\nroute/80       1\nroute/9080     2\nroute/         1\n"
        );
    }

    #[test]
    fn virtual_service_names_and_domains() {
        assert_eq!(
            describe_management(Some(
                "/apis/networking.istio.io/v1/namespaces/ns/virtual-service/vs"
            )),
            "vs.ns"
        );
        assert_eq!(
            describe_management(Some(
                "/apis/networking.istio.io/v1/namespaces/ns/virtual-service"
            )),
            ""
        );
        assert_eq!(describe_management(Some("/apis/other/x")), "<unknown>");
        assert_eq!(describe_route_domains(&["a", "a:80"]), "a");
        assert_eq!(
            describe_route_domains(&["[fd00:10::1]", "[fd00:10::1]:80", "b"]),
            "[fd00:10::1], b"
        );
        assert_eq!(
            describe_match(
                &serde_json::from_str(r#"{"pathSeparatedPrefix": "/get", "path": "/p"}"#).unwrap()
            ),
            "PathPrefix:/get /p"
        );
    }

    fn golden_routes(dump: &str) -> Vec<Value> {
        fixtures::objects(
            dump,
            "RoutesConfigDump",
            ["dynamic_route_configs", "/route_config"],
            ["static_route_configs", "/route_config"],
        )
    }

    #[test]
    fn matches_istioctl_route_goldens() {
        for case in ["empty-gateway", "istio-gateway-http-route-prefix"] {
            let prefix = format!("istio-gateway-configdump-routes-{case}");
            let Some(dump) = fixtures::read(&format!("{prefix}.json")) else {
                return;
            };
            let Some(want) = fixtures::read(&format!("{prefix}.istioctl-routes.golden.txt")) else {
                return;
            };
            let filter = RouteFilter {
                name: None,
                verbose: true,
            };
            assert_eq!(
                route_table(&golden_routes(&dump), &filter, false),
                want,
                "{case}"
            );
        }
    }

    #[test]
    fn matches_istioctl_all_route_section() {
        let Some(dump) = fixtures::read("istio-sidecar-configdump-httpbin.json") else {
            return;
        };
        let Some(golden) =
            fixtures::read("istio-sidecar-configdump-httpbin.istioctl-all.golden.txt")
        else {
            return;
        };
        let filter = RouteFilter {
            name: None,
            verbose: true,
        };
        assert_eq!(
            route_table(&golden_routes(&dump), &filter, true),
            fixtures::section(&golden, 3)
        );
    }

    #[test]
    fn go_sort_leaves_ties_where_go_does() {
        let keys = [1, 0, 2, 2, 0, 1, 1, 1, 0, 1, 2, 2, 0, 0, 0];
        let mut items: Vec<(i32, usize)> = keys.iter().copied().zip(0..).collect();
        go_sort::sort_slice(&mut items, |a, b| a.0 < b.0);
        let order: Vec<usize> = items.iter().map(|i| i.1).collect();
        // What Go's sort.Slice returns for the same input (unstable: 8 before 1).
        assert_eq!(order, [8, 1, 14, 13, 4, 12, 9, 7, 6, 0, 5, 10, 11, 3, 2]);
    }
}
