//! One simulated request through both sidecars (client outbound, server
//! inbound) and the TCP flows of the port scenarios: counters, Istio metrics
//! and access-log lines that share one `x-request-id`.

use super::access_log::LogEntry;
use super::istio_metrics::{Labels, Peer};
use super::scenario::Scenario;
use super::sim::{now_ms, SimState, EXTERNALNAME_HOST, EXTERNAL_CLIENT};
use super::topology::ProxyKind;
use super::traffic::{Call, Fate, LOGGED_PER_FLOW};

impl SimState {
    pub(super) fn http(&mut self, call: Call, log: bool, out: &mut Vec<(usize, String)>) {
        let Some(svc) = self.mesh.services.get(call.service).cloned() else {
            return;
        };
        let Some(port) = svc.ports.iter().find(|p| p.port == call.port).cloned() else {
            return;
        };
        let candidates: Vec<_> = svc
            .endpoints
            .iter()
            .filter(|e| {
                call.subset.is_empty() || e.version.as_deref() == Some(call.subset.as_str())
            })
            .map(|e| e.ip)
            .collect();
        let server_ip = self.rng.pick(&candidates).copied();
        let server = server_ip.and_then(|ip| self.pods.iter().position(|p| p.pod.ip == ip));
        let fate = if server.is_none() && call.fate == Fate::Ok {
            Fate::NoHealthy
        } else {
            call.fate
        };
        let rid = self.request_id();
        let start = now_ms();
        let duration = match fate {
            Fate::Ok | Fate::ConnectFail => self.rng.range(2, 40) as u64,
            Fate::Reset => self.rng.range(1, 8) as u64,
            _ => 0,
        };
        let (code, flags, details) = fate.client();
        let cluster = format!("outbound|{}|{}|{}", port.port, call.subset, svc.host);
        let client_port = self.ephemeral();
        let upstream_port = self.ephemeral();
        let unknown = Peer::unknown();
        let server_peer = server.map_or(unknown.clone(), |s| self.pods[s].peer.clone());
        let server_ip_s = server_ip.map(|ip| ip.to_string()).unwrap_or_default();
        let hc_server = server.is_some_and(|s| self.pods[s].has(Scenario::HighCardinality));
        let worker = self.rng.below(64);
        let bytes = 300 + self.rng.below(4_000) as u64;
        // Client side.
        let c = &mut self.pods[call.client];
        let gateway = c.pod.proxy == ProxyKind::Gateway;
        let client_ip = c.pod.ip.to_string();
        let http_prefix = if gateway {
            "outbound_0.0.0.0_8080".to_string()
        } else {
            format!("outbound_0.0.0.0_{}", port.port)
        };
        let class = if code < 300 { "2xx" } else { "5xx" };
        c.add(&format!("http.{http_prefix}.downstream_rq_total"), 1);
        c.add(&format!("http.{http_prefix}.downstream_rq_{class}"), 1);
        let listener = if gateway {
            "0.0.0.0_8080"
        } else {
            "0.0.0.0_15001"
        };
        c.add(&format!("listener.{listener}.downstream_cx_total"), 1);
        c.add(
            &format!(
                "listener.{listener}.worker_{}.downstream_cx_total",
                worker % c.workers
            ),
            1,
        );
        match fate {
            Fate::NoRoute => c.add(&format!("http.{http_prefix}.no_route"), 1),
            Fate::Overflow => {
                c.cluster_add(&cluster, "upstream_rq_pending_overflow", 1);
                c.cluster_add(
                    &cluster,
                    "upstream_cx_overflow",
                    u64::from(!worker.is_multiple_of(3)),
                );
                c.cluster_add(
                    &cluster,
                    "upstream_rq_retry_overflow",
                    u64::from(worker.is_multiple_of(7)),
                );
                c.cluster_add(&cluster, "upstream_rq_pending_total", 1);
            }
            Fate::NoHealthy => c.cluster_add(&cluster, "upstream_cx_none_healthy", 1),
            Fate::Ok | Fate::ConnectFail | Fate::Reset => {
                for s in [
                    "upstream_rq_total",
                    "upstream_rq_completed",
                    "upstream_rq_pending_total",
                ] {
                    c.cluster_add(&cluster, s, 1);
                }
                let codes: &[&str] = if code == 200 {
                    &["upstream_rq_200", "upstream_rq_2xx"]
                } else {
                    &["upstream_rq_503", "upstream_rq_5xx"]
                };
                for s in codes {
                    c.cluster_add(&cluster, s, 1);
                }
                c.cluster_add(
                    &cluster,
                    "upstream_cx_total",
                    u64::from(worker.is_multiple_of(5)),
                );
                c.cluster_add(&cluster, "upstream_cx_tx_bytes_total", 180);
                c.cluster_add(&cluster, "upstream_cx_rx_bytes_total", bytes);
                if fate == Fate::Reset {
                    c.cluster_add(&cluster, "upstream_cx_destroy_remote_with_active_rq", 1);
                    c.cluster_add(&cluster, "upstream_rq_retry", 1);
                }
            }
        }
        let service = (svc.host.as_str(), svc.name.as_str(), svc.namespace.as_str());
        let source_peer = c.peer.clone();
        let dest_for_client = if fate.reaches_server() || fate == Fate::Reset {
            &server_peer
        } else {
            &unknown
        };
        c.istio.request(
            &Labels {
                reporter: "source",
                source: &source_peer,
                dest: dest_for_client,
                service,
                protocol: "http",
                code,
                flags,
                mtls: true,
            },
            duration,
            None,
        );
        let authority = if gateway {
            "bookinfo.example.com".to_string()
        } else {
            format!("{}:{}", svc.name, port.port)
        };
        let (downstream_local, downstream_remote, xff) = if gateway {
            (
                format!("{client_ip}:8080"),
                format!("{EXTERNAL_CLIENT}:{client_port}"),
                Some(EXTERNAL_CLIENT.to_string()),
            )
        } else {
            (
                format!("{}:{}", svc.vip, port.port),
                format!("{client_ip}:{client_port}"),
                None,
            )
        };
        let reached = fate.reaches_server() || fate == Fate::Reset;
        let entry = LogEntry {
            start_ms: start,
            method: Some("GET".into()),
            path: Some(call.path.clone()),
            protocol: Some("HTTP/1.1".into()),
            code,
            flags: flags.into(),
            details: Some(details.into()),
            bytes_received: 0,
            bytes_sent: if code == 200 { bytes } else { 19 },
            duration,
            upstream_service_time: (fate == Fate::Ok || fate == Fate::ConnectFail)
                .then_some(duration.saturating_sub(1)),
            xff,
            user_agent: Some(call.user_agent.into()),
            request_id: Some(rid.clone()),
            authority: Some(authority.clone()),
            upstream_host: reached.then(|| format!("{server_ip_s}:{}", port.target_port)),
            upstream_cluster: (fate != Fate::NoRoute).then(|| cluster.clone()),
            upstream_local: reached.then(|| format!("{client_ip}:{upstream_port}")),
            downstream_local,
            downstream_remote,
            sni: None,
            route: (fate != Fate::NoRoute).then(|| call.route.to_string()),
            ..LogEntry::default()
        };
        if log {
            out.push((call.client, self.render(&entry)));
        }
        // Server side.
        let Some(s) = server.filter(|_| fate.reaches_server()) else {
            return;
        };
        let tp = port.target_port;
        let inbound = format!("inbound|{tp}||");
        let (scode, sflags, sdetails, failure) = if fate == Fate::ConnectFail {
            (
                503,
                "UF",
                "upstream_reset_before_response_started{connection_failure}",
                Some("delayed_connect_error:_Connection_refused"),
            )
        } else {
            (200, "-", "via_upstream", None)
        };
        let source = self.pods[call.client].peer.clone();
        let sp = &mut self.pods[s];
        let w = if sp.has(Scenario::UnbalancedWorkers) && !worker.is_multiple_of(10) {
            0
        } else {
            worker % sp.workers
        };
        sp.add("listener.0.0.0.0_15006.downstream_cx_total", 1);
        sp.add(
            &format!("listener.0.0.0.0_15006.worker_{w}.downstream_cx_total"),
            1,
        );
        let prefix = format!("inbound_0.0.0.0_{tp}");
        sp.add(&format!("http.{prefix}.downstream_rq_total"), 1);
        sp.add(
            &format!(
                "http.{prefix}.downstream_rq_{}",
                if scode == 200 { "2xx" } else { "5xx" }
            ),
            1,
        );
        sp.cluster_add(&inbound, "upstream_rq_total", 1);
        if fate == Fate::ConnectFail {
            sp.cluster_add(&inbound, "upstream_cx_connect_fail", 1);
            sp.cluster_add(&inbound, "upstream_rq_503", 1);
            sp.cluster_add(&inbound, "upstream_rq_5xx", 1);
        } else {
            sp.cluster_add(&inbound, "upstream_rq_200", 1);
            sp.cluster_add(&inbound, "upstream_rq_2xx", 1);
            sp.cluster_add(
                &inbound,
                "upstream_cx_total",
                u64::from(worker.is_multiple_of(4)),
            );
        }
        let dest = sp.peer.clone();
        let path = hc_server.then_some(call.path.as_str());
        sp.istio.request(
            &Labels {
                reporter: "destination",
                source: &source,
                dest: &dest,
                service,
                protocol: "http",
                code: scode,
                flags: sflags,
                mtls: true,
            },
            duration,
            path,
        );
        let entry = LogEntry {
            code: scode,
            flags: sflags.into(),
            details: Some(sdetails.into()),
            transport_failure: failure.map(str::to_string),
            upstream_service_time: (scode == 200).then_some(duration.saturating_sub(2)),
            upstream_host: Some(format!("{server_ip_s}:{tp}")),
            upstream_cluster: Some(inbound),
            upstream_local: Some(format!(
                "127.0.0.6:{}",
                40_000 + (worker as u64 * 97) % 20_000
            )),
            downstream_local: format!("{server_ip_s}:{tp}"),
            downstream_remote: format!("{client_ip}:{upstream_port}"),
            sni: Some(format!("outbound_.{}_._.{}", port.port, svc.host)),
            route: Some("default".into()),
            ..entry
        };
        if log {
            out.push((s, self.render(&entry)));
        }
    }

    pub(super) fn tcp_flows(&mut self, emit: bool, out: &mut Vec<(usize, String)>) {
        let blackhole = self
            .find("ratings", None)
            .filter(|&i| self.pods[i].has(Scenario::BlackholePort));
        let hijack = self
            .find("reviews", Some("v1"))
            .filter(|&i| self.pods[i].has(Scenario::ExternalnameHijack));
        let (redis_ip, redis_port) = super::EXTERNAL_REDIS;
        let flows = [
            (
                blackhole,
                "BlackHoleCluster".to_string(),
                format!("{redis_ip}:{redis_port}"),
                None,
                None,
                0u64,
            ),
            (
                hijack,
                format!("outbound|443||{EXTERNALNAME_HOST}"),
                "140.82.112.6:443".to_string(),
                Some("203.0.113.10:443".to_string()),
                Some("api.github.com".to_string()),
                517,
            ),
        ];
        for (pod, cluster, dest, upstream, sni, sent) in flows {
            let Some(p) = pod else { continue };
            for i in 0..self.rng.range(1, 3) {
                let eph = self.ephemeral();
                let eph2 = self.ephemeral();
                let duration = self.rng.range(0, 12) as u64;
                let pod = &mut self.pods[p];
                pod.cluster_add(&cluster, "upstream_cx_total", 1);
                pod.add("listener.0.0.0.0_15001.downstream_cx_total", 1);
                let ip = pod.pod.ip;
                let peer = pod.peer.clone();
                let host = cluster.rsplit('|').next().unwrap_or("unknown").to_string();
                pod.istio.tcp(
                    &Labels {
                        reporter: "source",
                        source: &peer,
                        dest: &Peer::unknown(),
                        service: (&host, "unknown", "unknown"),
                        protocol: "tcp",
                        code: 0,
                        flags: "-",
                        mtls: false,
                    },
                    sent,
                );
                if !emit || i >= LOGGED_PER_FLOW {
                    continue;
                }
                let entry = LogEntry {
                    start_ms: now_ms(),
                    flags: "-".into(),
                    bytes_received: 0,
                    bytes_sent: sent,
                    duration,
                    upstream_host: upstream.clone(),
                    upstream_cluster: Some(cluster.clone()),
                    upstream_local: upstream.as_ref().map(|_| format!("{ip}:{eph2}")),
                    downstream_local: dest.clone(),
                    downstream_remote: format!("{ip}:{eph}"),
                    sni: sni.clone(),
                    ..LogEntry::default()
                };
                out.push((p, self.render(&entry)));
            }
        }
    }
}
