//! The Rejected panel: configuration refused somewhere between istiod and
//! Envoy, from istiod's metrics and from Envoy's `update_rejected` counters,
//! each with what it means and what to fix (KNOWLEDGE.md scenario 8).

use serde::Serialize;

use super::metrics::IstiodReport;
use super::text::num;

/// Who refused the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RejectionSource {
    /// istiod rejected or ignored a config object, or recorded a proxy NACK.
    Istiod,
    /// Envoy refused an xDS update (its own `update_rejected` counter).
    Envoy,
}

/// One rejected item, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Who refused it.
    pub source: RejectionSource,
    /// What kind of thing (`gateway`, `CDS`, `LDS`, `RDS`...).
    pub kind: String,
    /// The object to fix (`default/test2`, a node id, a route config name).
    pub object: String,
    /// How many times.
    pub count: f64,
    /// What it means, in a sentence.
    pub meaning: String,
    /// What to do about it.
    pub fix: String,
}

/// Builds the list from an istiod report (if any) and Envoy counters given
/// as `(stat name, value)`; zero counts are left out. Istiod's entries come
/// first, then Envoy's, each by descending count.
pub fn rejections(istiod: Option<&IstiodReport>, envoy_stats: &[(&str, f64)]) -> Vec<Rejection> {
    let mut out = Vec::new();
    if let Some(r) = istiod {
        from_istiod(r, &mut out);
    }
    for (stat, value) in envoy_stats {
        if *value > 0.0 {
            if let Some(rej) = from_envoy_stat(stat, *value) {
                out.push(rej);
            }
        }
    }
    out.sort_by(|a, b| {
        a.source
            .cmp(&b.source)
            .then(b.count.total_cmp(&a.count))
            .then_with(|| a.object.cmp(&b.object))
    });
    out
}

fn from_istiod(r: &IstiodReport, out: &mut Vec<Rejection>) {
    for c in r.rejected_configs.iter().filter(|c| c.count > 0.0) {
        let (meaning, fix) = if c.kind == "gateway" {
            (
                format!(
                    "istiod skipped a server of gateway {}: another Gateway already claims the \
                     same host on the same port (e.g. a duplicate TLS host on 443), so requests \
                     for that host through this server are reset",
                    c.name
                ),
                format!(
                    "make each host/port pair unique across Gateways (merge the servers or drop \
                     the duplicate host from {}); istiod logs say `skipping server on gateway \
                     {}, duplicate host names`",
                    c.name, c.name
                ),
            )
        } else {
            (
                format!("istiod rejected or ignored {} {}", c.kind, c.name),
                "check istiod's logs for this object and `istioctl analyze` its namespace"
                    .to_string(),
            )
        };
        out.push(Rejection {
            source: RejectionSource::Istiod,
            kind: c.kind.clone(),
            object: c.name.clone(),
            count: c.count,
            meaning,
            fix,
        });
    }
    let per_node: Vec<_> = r.xds_rejects.iter().filter(|x| x.count > 0.0).collect();
    for x in &per_node {
        let xds = x.xds.to_uppercase();
        let error = x.error.as_deref().unwrap_or("no error recorded");
        out.push(Rejection {
            source: RejectionSource::Istiod,
            kind: xds.clone(),
            object: x
                .node
                .clone()
                .unwrap_or_else(|| "(unknown proxy)".to_string()),
            count: x.count,
            meaning: format!(
                "the proxy NACKed istiod's {xds} push ({error}); it keeps serving its last \
                 accepted config, so recent changes do not apply to it"
            ),
            fix: nack_fix(&xds),
        });
    }
    // Old and new istiods report totals only; show them when nothing finer exists.
    if per_node.is_empty() {
        for t in r.xds_rejects_by_type.iter().filter(|t| t.count > 0.0) {
            let xds = if t.kind.is_empty() {
                "xDS".to_string()
            } else {
                t.kind.to_uppercase()
            };
            out.push(Rejection {
                source: RejectionSource::Istiod,
                kind: xds.clone(),
                object: "(all proxies)".to_string(),
                count: t.count,
                meaning: format!(
                    "proxies NACKed {} {xds} pushes from istiod (pilot_total_xds_rejects)",
                    num(t.count)
                ),
                fix: nack_fix(&xds),
            });
        }
    }
}

fn nack_fix(xds: &str) -> String {
    format!(
        "read the rejection in the proxy's log (`gRPC config for ... rejected`) and istiod's; \
         the usual cause is an EnvoyFilter or a resource that renders invalid {xds} config: \
         fix or remove it, then check `meshscope ps` shows SYNCED"
    )
}

/// Maps one Envoy counter to a rejection, if it is an `update_rejected` one.
fn from_envoy_stat(stat: &str, value: f64) -> Option<Rejection> {
    let (kind, object, what) = if stat == "cluster_manager.cds.update_rejected" {
        ("CDS", "clusters".to_string(), "a cluster update (CDS)")
    } else if stat == "listener_manager.lds.update_rejected" {
        ("LDS", "listeners".to_string(), "a listener update (LDS)")
    } else if let Some(route) = rds_route_config(stat) {
        (
            "RDS",
            route.to_string(),
            "a route configuration update (RDS)",
        )
    } else {
        return None;
    };
    Some(Rejection {
        source: RejectionSource::Envoy,
        kind: kind.to_string(),
        object,
        count: value,
        meaning: format!(
            "Envoy refused {what} {} time(s) and kept its previous config, so it differs from \
             what istiod intends",
            num(value)
        ),
        fix: format!(
            "find `gRPC config for ... rejected` in the istio-proxy log for the reason; look at \
             istiod's pilot_xds_{}_reject for the same node, and at EnvoyFilters touching {}",
            kind.to_lowercase(),
            match kind {
                "CDS" => "clusters",
                "LDS" => "listeners",
                _ => "routes",
            }
        ),
    })
}

/// `http.<stat_prefix>.rds.<route_config>.update_rejected` → route config.
fn rds_route_config(stat: &str) -> Option<&str> {
    let rest = stat
        .strip_prefix("http.")?
        .strip_suffix(".update_rejected")?;
    let at = rest.find(".rds.")?;
    let route = &rest[at + ".rds.".len()..];
    (!route.is_empty()).then_some(route)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::istiod::parse_metrics;

    #[test]
    fn rejected_gateway_reads_like_scenario_8() {
        let report = parse_metrics(
            "pilot_total_rejected_configs{type=\"gateway\",name=\"default/test2\"} 3\n",
        );
        let list = rejections(Some(&report), &[]);
        assert_eq!(list.len(), 1);
        let r = &list[0];
        assert_eq!(r.source, RejectionSource::Istiod);
        assert_eq!(
            (r.kind.as_str(), r.object.as_str()),
            ("gateway", "default/test2")
        );
        assert_eq!(r.count, 3.0);
        assert!(
            r.meaning.contains("same host on the same port"),
            "{}",
            r.meaning
        );
        assert!(r.fix.contains("duplicate host names"), "{}", r.fix);
    }

    #[test]
    fn envoy_counters_map_to_cds_lds_rds_and_zeros_are_dropped() {
        let stats = [
            ("cluster_manager.cds.update_rejected", 2.0),
            ("listener_manager.lds.update_rejected", 0.0),
            ("http.outbound_0.0.0.0_8080.rds.8080.update_rejected", 5.0),
            (
                "http.inbound_0.0.0.0_9080.rds.inbound.9080.update_success",
                9.0,
            ),
            ("cluster_manager.cds.update_success", 7.0),
        ];
        let list = rejections(None, &stats);
        let got: Vec<_> = list
            .iter()
            .map(|r| (r.kind.as_str(), r.object.as_str(), r.count))
            .collect();
        assert_eq!(got, [("RDS", "8080", 5.0), ("CDS", "clusters", 2.0)]);
        assert!(list.iter().all(|r| r.source == RejectionSource::Envoy));
    }

    #[test]
    fn per_node_nacks_win_over_totals_and_istiod_comes_first() {
        let report = parse_metrics(
            "pilot_total_xds_rejects{type=\"lds\"} 4\n\
             pilot_xds_lds_reject{node=\"sidecar~10.0.0.1~a.default~default.svc.cluster.local\",err=\"bad filter\"} 4\n",
        );
        let list = rejections(
            Some(&report),
            &[("cluster_manager.cds.update_rejected", 9.0)],
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].source, RejectionSource::Istiod);
        assert_eq!(list[0].kind, "LDS");
        assert!(list[0].meaning.contains("bad filter"));
        assert_eq!(list[1].source, RejectionSource::Envoy);
    }

    #[test]
    fn totals_are_shown_when_no_per_node_detail() {
        let report = parse_metrics("pilot_total_xds_rejects 2\n");
        let list = rejections(Some(&report), &[]);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].kind, "xDS");
        assert_eq!(list[0].object, "(all proxies)");
    }
}
