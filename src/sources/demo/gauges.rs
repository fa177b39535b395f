//! Gauges recomputed after every tick: uptime, memory, active connections
//! (skewed per worker under `unbalanced-workers`), open circuit breakers, and
//! the gateway's periodic rejected listener updates.

use super::scenario::Scenario;
use super::sim::{now_ms, SimState};
use super::topology::ProxyKind;

impl SimState {
    /// Refreshes every pod's gauges.
    pub(crate) fn update_gauges(&mut self) {
        let now = now_ms();
        let ticks = self.ticks;
        for p in &mut self.pods {
            let uptime = now.saturating_sub(p.started_ms) / 1000;
            p.stats.set("server.uptime", uptime);
            let [allocated, heap, _, _, _, physical] = p.memory();
            p.stats.set("server.memory_allocated", allocated);
            p.stats.set("server.memory_heap_size", heap);
            p.stats.set("server.memory_physical_size", physical);
            let listener = if p.pod.proxy == ProxyKind::Gateway {
                "0.0.0.0_8080"
            } else {
                "0.0.0.0_15006"
            };
            let unbalanced = p.has(Scenario::UnbalancedWorkers);
            let mut total = 0;
            for w in 0..p.workers {
                let n = match (unbalanced, w) {
                    (true, 0) => 180 + (ticks % 23),
                    (true, _) => (ticks + w as u64) % 3,
                    (false, _) => 6 + (ticks + 3 * w as u64) % 5,
                };
                total += n;
                p.stats.set(
                    &format!("listener.{listener}.worker_{w}.downstream_cx_active"),
                    n,
                );
            }
            p.stats
                .set(&format!("listener.{listener}.downstream_cx_active"), total);
            p.stats.set("server.total_connections", total);
            if p.has(Scenario::CircuitBreaker) {
                let c = "cluster.outbound|8000||httpbin.default.svc.cluster.local";
                p.stats
                    .set(&format!("{c}.circuit_breakers.default.cx_open"), 1);
                p.stats
                    .set(&format!("{c}.circuit_breakers.default.rq_pending_open"), 1);
                p.stats
                    .set(&format!("{c}.circuit_breakers.default.remaining_cx"), 0);
                p.stats.set(
                    &format!("{c}.circuit_breakers.default.remaining_pending"),
                    0,
                );
                p.stats.set(&format!("{c}.upstream_cx_active"), 1);
                p.stats.set(&format!("{c}.upstream_rq_pending_active"), 1);
            }
            if p.has(Scenario::RejectedGateway) && ticks.is_multiple_of(8) {
                p.stats.add("listener_manager.lds.update_rejected", 1);
                p.stats.add("listener_manager.lds.update_attempt", 1);
            }
        }
    }
}
