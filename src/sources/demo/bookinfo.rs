//! The bookinfo-like demo mesh: the Istio sample app plus httpbin, a fortio
//! load client, the ingress gateway, istiod and an external Redis.

use std::net::Ipv4Addr;

use super::builder::{MeshBuilder, PodSpec, ServiceSpec};
use super::topology::{
    ConnectionPool, DestinationRule, Egress, HttpRoute, IngressRoutes, Mesh, ProxyKind,
    RouteDestination, VirtualService,
};

/// Istio version the demo proxies report.
pub const DEMO_ISTIO_VERSION: &str = "1.22.3";
/// Address of the external Redis (a ServiceEntry), as in the BlackHole story.
pub const EXTERNAL_REDIS: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 6), 7000);

/// `(namespace, app, version, deployment, replicas, service account, proxy)`.
type PodRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    usize,
    &'static str,
    ProxyKind,
);
/// `(name, VIP octets, DestinationRule, VirtualService)` of a bookinfo service.
type BookinfoService = (
    &'static str,
    [u8; 4],
    Option<DestinationRule>,
    Option<VirtualService>,
);

fn dr(name: &str, subsets: &[&str], pool: Option<ConnectionPool>) -> Option<DestinationRule> {
    Some(DestinationRule {
        name: name.to_string(),
        subsets: subsets.iter().map(|s| (*s).to_string()).collect(),
        connection_pool: pool,
    })
}

fn dest(subset: &str, weight: u32) -> RouteDestination {
    RouteDestination {
        subset: Some(subset.to_string()),
        weight,
    }
}

fn reviews_vs() -> VirtualService {
    VirtualService {
        name: "reviews".to_string(),
        routes: vec![
            HttpRoute {
                name: "jason".to_string(),
                header: Some(("end-user".to_string(), "jason".to_string())),
                destinations: vec![dest("v2", 100)],
            },
            HttpRoute {
                name: "default".to_string(),
                header: None,
                destinations: vec![dest("v1", 50), dest("v3", 50)],
            },
        ],
    }
}

impl Mesh {
    /// The bookinfo demo mesh. Namespaces `default` (productpage, details,
    /// reviews v1-v3, ratings, httpbin, fortio, the `redis-external`
    /// ServiceEntry at 10.0.0.6:7000), `istio-system` (istiod,
    /// istio-ingressgateway) and `kube-system` (kube-dns).
    pub fn bookinfo() -> Self {
        Mesh::bookinfo_sized(0)
    }

    /// Bookinfo with at least `sidecars` sidecars: the extra ones are more
    /// replicas of the bookinfo deployments (productpage, details, reviews
    /// v1-v3, ratings), dealt out in turn, behind the same services. For
    /// fleet benchmarks (`demo --serve --pods N`).
    pub fn bookinfo_sized(sidecars: usize) -> Self {
        let nodes = ["a", "b", "c"]
            .iter()
            .map(|z| format!("gke-demo-default-pool-{z}8f3c2d1-{z}x7q"))
            .collect();
        let mut b = MeshBuilder::new(DEMO_ISTIO_VERSION, nodes);
        let all = Egress::All;
        let mut pods: Vec<PodRow> = vec![
            (
                "default",
                "productpage",
                "v1",
                None,
                1,
                "bookinfo-productpage",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "details",
                "v1",
                None,
                1,
                "bookinfo-details",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "reviews",
                "v1",
                None,
                1,
                "bookinfo-reviews",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "reviews",
                "v2",
                None,
                1,
                "bookinfo-reviews",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "reviews",
                "v3",
                None,
                1,
                "bookinfo-reviews",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "ratings",
                "v1",
                None,
                1,
                "bookinfo-ratings",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "httpbin",
                "v1",
                Some("httpbin"),
                1,
                "httpbin",
                ProxyKind::Sidecar,
            ),
            (
                "default",
                "fortio",
                "v1",
                Some("fortio-deploy"),
                1,
                "default",
                ProxyKind::Sidecar,
            ),
            (
                "istio-system",
                "istiod",
                "1-22",
                Some("istiod"),
                1,
                "istiod",
                ProxyKind::None,
            ),
            (
                "istio-system",
                "istio-ingressgateway",
                "1-22",
                Some("istio-ingressgateway"),
                1,
                "istio-ingressgateway-service-account",
                ProxyKind::Gateway,
            ),
            (
                "kube-system",
                "kube-dns",
                "v1",
                Some("coredns"),
                2,
                "coredns",
                ProxyKind::None,
            ),
        ];
        let have: usize = pods
            .iter()
            .filter(|p| p.6 != ProxyKind::None)
            .map(|p| p.4)
            .sum();
        let scalable: Vec<usize> = (0..pods.len())
            .filter(|&i| pods[i].5.starts_with("bookinfo-"))
            .collect();
        for k in 0..sidecars.saturating_sub(have) {
            let row = scalable.get(k % scalable.len().max(1)).copied();
            if let Some(p) = row.and_then(|i| pods.get_mut(i)) {
                p.4 += 1;
            }
        }
        for &(namespace, app, version, deployment, replicas, sa, proxy) in &pods {
            b.add_pods(PodSpec {
                namespace,
                app,
                version,
                deployment,
                replicas,
                service_account: sa,
                proxy,
                egress: &all,
            });
        }
        let http = [("http", 9080, 9080)];
        let bookinfo: [BookinfoService; 4] = [
            ("productpage", [10, 96, 43, 82], None, None),
            ("details", [10, 96, 65, 38], None, None),
            (
                "reviews",
                [10, 96, 95, 172],
                dr("reviews", &["v1", "v2", "v3"], None),
                Some(reviews_vs()),
            ),
            (
                "ratings",
                [10, 96, 17, 231],
                dr("ratings", &["v1"], None),
                None,
            ),
        ];
        let mut productpage = 0;
        for (name, [a, b2, c, d], rule, vs) in bookinfo {
            let ix = b.add_service(ServiceSpec {
                namespace: "default",
                name,
                vip: Ipv4Addr::new(a, b2, c, d),
                ports: &http,
                service_account: &format!("bookinfo-{name}"),
                destination_rule: rule,
                virtual_service: vs,
            });
            if name == "productpage" {
                productpage = ix;
            }
        }
        b.add_service(ServiceSpec {
            namespace: "default",
            name: "httpbin",
            vip: Ipv4Addr::new(10, 96, 120, 14),
            ports: &[("http", 8000, 80)],
            service_account: "httpbin",
            // The circuit-breaker task: one connection, one pending request.
            destination_rule: dr(
                "httpbin",
                &[],
                Some(ConnectionPool {
                    max_connections: 1,
                    max_pending_requests: 1,
                    max_requests: 1024,
                }),
            ),
            virtual_service: None,
        });
        b.add_service(ServiceSpec {
            namespace: "default",
            name: "fortio",
            vip: Ipv4Addr::new(10, 96, 201, 7),
            ports: &[("http", 8080, 8080), ("grpc-ping", 8079, 8079)],
            service_account: "default",
            destination_rule: None,
            virtual_service: None,
        });
        let (redis_ip, redis_port) = EXTERNAL_REDIS;
        b.add_service_entry(
            ServiceSpec {
                namespace: "default",
                name: "redis-external",
                vip: redis_ip,
                ports: &[("tcp-redis", redis_port, redis_port)],
                service_account: "",
                destination_rule: None,
                virtual_service: None,
            },
            "redis.cache.example.com",
            redis_ip,
        );
        b.add_service(ServiceSpec {
            namespace: "istio-system",
            name: "istiod",
            vip: Ipv4Addr::new(10, 96, 12, 201),
            ports: &[
                ("grpc-xds", 15010, 15010),
                ("https-dns", 15012, 15012),
                ("https-webhook", 443, 15017),
                ("http-monitoring", 15014, 15014),
            ],
            service_account: "istiod",
            destination_rule: None,
            virtual_service: None,
        });
        b.add_service(ServiceSpec {
            namespace: "istio-system",
            name: "istio-ingressgateway",
            vip: Ipv4Addr::new(10, 96, 158, 90),
            ports: &[
                ("status-port", 15021, 15021),
                ("http2", 80, 8080),
                ("https", 443, 8443),
            ],
            service_account: "istio-ingressgateway-service-account",
            destination_rule: None,
            virtual_service: None,
        });
        b.add_service(ServiceSpec {
            namespace: "kube-system",
            name: "kube-dns",
            vip: Ipv4Addr::new(10, 96, 0, 10),
            ports: &[("dns-tcp", 53, 53), ("http-metrics", 9153, 9153)],
            service_account: "coredns",
            destination_rule: None,
            virtual_service: None,
        });
        let page = [
            "/productpage",
            "/static",
            "/login",
            "/logout",
            "/api/v1/products",
        ];
        b.set_ingress(IngressRoutes {
            gateway: "default/bookinfo-gateway".to_string(),
            virtual_service: "default/bookinfo".to_string(),
            port: 80,
            target_port: 8080,
            routes: page
                .iter()
                .map(|p| ((*p).to_string(), productpage, 9080))
                .collect(),
        });
        b.finish(|_| false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::demo::topology::ServiceKind;

    #[test]
    fn bookinfo_has_the_expected_cast() {
        let m = Mesh::bookinfo();
        for app in [
            "productpage",
            "details",
            "ratings",
            "httpbin",
            "fortio",
            "istiod",
        ] {
            assert!(m.pod_by_app(app).is_some(), "{app}");
        }
        let reviews: Vec<_> = m.pods.iter().filter(|p| p.app == "reviews").collect();
        assert_eq!(reviews.len(), 3);
        let gw = m.pod_by_app("istio-ingressgateway").unwrap();
        assert_eq!(gw.namespace, "istio-system");
        assert_eq!(gw.proxy, ProxyKind::Gateway);
        let redis = m
            .services
            .iter()
            .find(|s| s.kind == ServiceKind::ServiceEntry);
        let redis = redis.unwrap();
        assert_eq!(redis.endpoints[0].ip, EXTERNAL_REDIS.0);
        assert_eq!(redis.ports[0].port, 7000);
        assert_eq!(m.client_pod().unwrap().app, "fortio");
    }

    #[test]
    fn endpoints_are_the_pods_ips() {
        let m = Mesh::bookinfo();
        let svc = m.services.iter().find(|s| s.name == "reviews").unwrap();
        let mut ips: Vec<_> = svc.endpoints.iter().map(|e| e.ip).collect();
        let mut pods: Vec<_> = m
            .pods
            .iter()
            .filter(|p| p.app == "reviews")
            .map(|p| p.ip)
            .collect();
        ips.sort();
        pods.sort();
        assert_eq!(ips, pods);
        let mut all: Vec<_> = m.pods.iter().map(|p| p.ip).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), m.pods.len(), "pod IPs must be unique");
    }
}
