//! What the Stats view remembers of each target over time: each `/stats`
//! poll adds a sample per stat (rates, sparklines, "recently changed" marks,
//! deltas since a user's mark), each `/memory` poll a memory sample.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::data::{breaker_thresholds, StatsData};
use crate::app::data::Data;
use crate::app::memory::data::MemoryData;
use crate::app::table::Table;
use crate::model::stats::{apply_rates, highlights, rate_per_second, Highlight, Stat, StatValue};

/// Samples kept per stat (and per memory field) for sparklines.
pub const HISTORY: usize = 24;
/// A stat that changed within this many polls is marked as recently changed.
pub const RECENT_POLLS: u64 = 5;
/// A stat absent from this many polls in a row is forgotten (with its
/// history): series come and go with churn (pods, clusters, paths), and the
/// history must not grow with every name ever seen.
pub const GONE_AFTER_POLLS: u64 = 3;
/// Offset that keeps the merged clusters table's version apart from the dump's.
pub const MERGED_VERSION: u64 = 1 << 40;

/// Which kinds of stat the Stats view lists (`t` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KindFilter {
    /// Everything.
    #[default]
    All,
    /// Counters only.
    Counters,
    /// Gauges only.
    Gauges,
    /// Histograms only.
    Histograms,
}

impl KindFilter {
    /// The next filter in the cycle.
    pub fn next(self) -> KindFilter {
        match self {
            KindFilter::All => KindFilter::Counters,
            KindFilter::Counters => KindFilter::Gauges,
            KindFilter::Gauges => KindFilter::Histograms,
            KindFilter::Histograms => KindFilter::All,
        }
    }

    /// Label for the view's header line.
    pub fn label(self) -> &'static str {
        match self {
            KindFilter::All => "all types",
            KindFilter::Counters => "counters",
            KindFilter::Gauges => "gauges",
            KindFilter::Histograms => "histograms",
        }
    }
}

/// One stat's recent history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    /// The last [`HISTORY`] values, oldest first.
    pub samples: VecDeque<u64>,
    /// Per-second rate over the last poll (counters going up only).
    pub rate: Option<f64>,
    /// Poll number of the last change, and whether it went up.
    pub changed: Option<(u64, bool)>,
    /// Poll number of the last snapshot that had this stat.
    pub seen: u64,
}

/// One `/memory` poll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemorySample {
    /// When it arrived.
    pub at: Instant,
    /// The fields.
    pub memory: MemoryData,
    /// The number of Envoy stats at the time, when `/stats` was loaded.
    pub stats: Option<usize>,
}

/// Everything remembered about one target's stats and memory.
#[derive(Debug, Clone, Default)]
pub struct TargetSeries {
    /// Slot versions already taken into account: stats, clusters JSON, dump, memory.
    pub(super) seen: [u64; 4],
    /// Polls of `/stats` recorded.
    pub polls: u64,
    /// When the last `/stats` sample was recorded.
    pub last_at: Option<Instant>,
    /// Seconds between the last two `/stats` samples.
    pub elapsed: Option<f64>,
    /// History per stat name.
    pub tracks: HashMap<String, Track>,
    /// The user's mark: when, and every value at that moment.
    pub mark: Option<(Instant, HashMap<String, u64>)>,
    /// Hide zero-valued stats.
    pub used_only: bool,
    /// Which kinds are listed.
    pub kind: KindFilter,
    /// Highlights with thresholds (from `/clusters`) and rates, worst first.
    pub highlights: Vec<Highlight>,
    /// The Stats view's table.
    pub table: Table,
    /// Grows with every rebuild of [`TargetSeries::table`].
    pub version: u64,
    /// The Clusters table with its HIGHLIGHT column, once stats are loaded.
    pub clusters: Option<Table>,
    /// Grows with every rebuild of [`TargetSeries::clusters`].
    pub clusters_version: u64,
    /// The last [`HISTORY`] `/memory` polls, oldest first.
    pub memory: VecDeque<MemorySample>,
    /// Options changed: rebuild the table on the next [`sync`].
    pub(super) dirty: bool,
}

impl TargetSeries {
    /// Records one `/stats` snapshot taken at `now`.
    pub fn record(&mut self, data: &StatsData, now: Instant) {
        self.elapsed = self
            .last_at
            .map(|last| now.saturating_duration_since(last).as_secs_f64());
        self.polls += 1;
        let poll = self.polls;
        for e in &data.entries {
            let Some(value) = e.value else { continue };
            let track = match self.tracks.get_mut(&e.name) {
                Some(t) => t,
                None => self.tracks.entry(e.name.clone()).or_default(),
            };
            track.seen = poll;
            let prev = track.samples.back().copied();
            track.rate = match (prev, self.elapsed) {
                (Some(p), Some(el)) => rate_per_second(p, value, el),
                _ => None,
            };
            if let Some(p) = prev.filter(|p| *p != value) {
                track.changed = Some((poll, value > p));
            }
            if track.samples.len() == HISTORY {
                track.samples.pop_front();
            }
            track.samples.push_back(value);
        }
        self.tracks
            .retain(|_, t| poll.saturating_sub(t.seen) < GONE_AFTER_POLLS);
        if let Some((_, values)) = &mut self.mark {
            let tracks = &self.tracks;
            values.retain(|k, _| tracks.contains_key(k));
        }
        self.last_at = Some(now);
    }

    /// Remembers every current value as the mark.
    pub fn set_mark(&mut self, now: Instant) {
        let values = self
            .tracks
            .iter()
            .filter_map(|(k, t)| t.samples.back().map(|v| (k.clone(), *v)))
            .collect();
        self.mark = Some((now, values));
        self.dirty = true;
    }

    /// The value of a stat at the mark, when a mark is set.
    pub fn at_mark(&self, name: &str) -> Option<u64> {
        self.mark
            .as_ref()
            .map(|(_, m)| m.get(name).copied().unwrap_or(0))
    }

    /// Whether a stat changed within [`RECENT_POLLS`]; `Some(true)` when it rose.
    pub fn recent_change(&self, track: &Track) -> Option<(bool, bool)> {
        track
            .changed
            .filter(|(poll, _)| self.polls.saturating_sub(*poll) < RECENT_POLLS)
            .map(|(poll, up)| (poll == self.polls, up))
    }

    /// Fills highlights with thresholds and rates from the snapshot.
    pub fn compute_highlights(&mut self, data: &StatsData, clusters: Option<&Data>) {
        let thresholds = match clusters {
            Some(Data::Runtime(r)) => breaker_thresholds(&r.0),
            _ => HashMap::new(),
        };
        let now = data.highlighted_stats();
        let mut hl = highlights(&now, &thresholds);
        if let Some(elapsed) = self.elapsed {
            // The previous value of each highlighted stat, from its track.
            let previous: Vec<Stat<'_>> = now
                .iter()
                .filter_map(|s| {
                    let t = self.tracks.get(s.name.as_ref())?;
                    let prev = t.samples.iter().rev().nth(1)?;
                    Some(Stat {
                        name: s.name.clone(),
                        value: StatValue::Number(*prev),
                        kind: s.kind,
                    })
                })
                .collect();
            apply_rates(&mut hl, &previous, elapsed);
        }
        self.highlights = hl;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::stats::data::process_stats;
    use std::time::Duration;

    fn snap(overflow: u64, total: u64) -> StatsData {
        process_stats(&format!(
            "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow: {overflow}\n\
             cluster.a.upstream_rq_total: {total}\n\
             cluster.a.upstream_cx_active: 2\n"
        ))
        .unwrap()
    }

    #[test]
    fn rates_changes_and_mark_come_from_successive_polls() {
        let t0 = Instant::now();
        let mut s = TargetSeries::default();
        s.record(&snap(50, 10), t0);
        assert_eq!(s.tracks["cluster.a.upstream_rq_total"].rate, None);
        s.set_mark(t0);
        s.record(&snap(56, 10), t0 + Duration::from_secs(2));
        let name =
            "cluster.outbound|8000||httpbin.default.svc.cluster.local.upstream_rq_pending_overflow";
        assert_eq!(s.tracks[name].rate, Some(3.0));
        assert_eq!(s.recent_change(&s.tracks[name]), Some((true, true)));
        assert_eq!(
            s.recent_change(&s.tracks["cluster.a.upstream_rq_total"]),
            None
        );
        assert_eq!(s.at_mark(name), Some(50));
        s.compute_highlights(&snap(56, 10), None);
        assert_eq!(s.highlights[0].rate, Some(3.0));
        for i in 0..RECENT_POLLS {
            s.record(&snap(56, 10), t0 + Duration::from_secs(4 + 2 * i));
        }
        assert_eq!(
            s.recent_change(&s.tracks[name]),
            None,
            "not recent any more"
        );
        assert_eq!(s.tracks[name].samples.len(), 2 + RECENT_POLLS as usize);
    }

    /// Names that churn away are forgotten after a few polls, so the history
    /// stays the size of the live set however many names came and went.
    #[test]
    fn history_of_vanished_stats_is_dropped() {
        let t0 = Instant::now();
        let mut s = TargetSeries::default();
        let poll = |i: u64| {
            let mut text: String = (0..100)
                .map(|j| format!("cluster.pod-{}.upstream_rq_total: {j}\n", i * 100 + j))
                .collect();
            text.push_str(&format!("server.uptime: {i}\n"));
            process_stats(&text).expect("stats")
        };
        s.record(&poll(0), t0);
        s.set_mark(t0);
        for i in 1..50 {
            s.record(&poll(i), t0 + Duration::from_secs(2 * i));
        }
        // This poll's 100, the two before it (not yet gone), and the stayer.
        assert_eq!(s.tracks.len(), 301);
        assert_eq!(s.tracks["server.uptime"].samples.len(), HISTORY);
        let mark = s.mark.as_ref().map_or(0, |(_, v)| v.len());
        assert_eq!(mark, 1, "the mark keeps only names still tracked");
    }

    #[test]
    fn kind_filter_cycles_back_to_all() {
        let mut k = KindFilter::All;
        for _ in 0..4 {
            k = k.next();
        }
        assert_eq!(k, KindFilter::All);
    }
}
