//! Cumulative histogram buckets summed across label sets, and quantiles
//! estimated from them the way Prometheus' `histogram_quantile` does.

use serde::Serialize;

/// p50/p90/p99 of a histogram, with its count and sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantiles {
    /// Observations (`_count`, else the `+Inf` bucket).
    pub count: f64,
    /// Sum of observations (`_sum`).
    pub sum: f64,
    /// Median estimate; `None` without observations.
    pub p50: Option<f64>,
    /// 90th percentile estimate.
    pub p90: Option<f64>,
    /// 99th percentile estimate.
    pub p99: Option<f64>,
}

/// A histogram family's series summed over every label set but `le`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HistogramAcc {
    /// `(le, cumulative count)`, kept sorted by `le`.
    buckets: Vec<(f64, f64)>,
    sum: f64,
    count: Option<f64>,
}

impl HistogramAcc {
    /// Adds one `_bucket` sample.
    pub fn add_bucket(&mut self, le: f64, count: f64) {
        match self.buckets.iter_mut().find(|(b, _)| *b == le) {
            Some((_, c)) => *c += count,
            None => {
                let at = self.buckets.partition_point(|(b, _)| *b < le);
                self.buckets.insert(at, (le, count));
            }
        }
    }

    /// Adds one `_sum` sample.
    pub fn add_sum(&mut self, sum: f64) {
        self.sum += sum;
    }

    /// Adds one `_count` sample.
    pub fn add_count(&mut self, count: f64) {
        *self.count.get_or_insert(0.0) += count;
    }

    /// Total observations: `_count`, else the `+Inf` bucket, else 0.
    pub fn total(&self) -> f64 {
        self.count
            .or_else(|| self.buckets.last().map(|(_, c)| *c))
            .unwrap_or(0.0)
    }

    /// Observations strictly above `threshold`: total minus the cumulative
    /// count of the largest bucket bound `<= threshold` (an upper bound when
    /// no bucket sits exactly on the threshold).
    pub fn count_above(&self, threshold: f64) -> f64 {
        let below = self
            .buckets
            .iter()
            .rev()
            .find(|(le, _)| *le <= threshold)
            .map_or(0.0, |(_, c)| *c);
        (self.total() - below).max(0.0)
    }

    /// The `q` quantile (0..=1) by linear interpolation inside the bucket
    /// holding the rank, exactly like Prometheus' `histogram_quantile`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        quantile(q, &self.buckets)
    }

    /// p50, p90 and p99 with count and sum.
    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            count: self.total(),
            sum: self.sum,
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
        }
    }
}

/// `histogram_quantile(q, buckets)` over sorted cumulative `(le, count)`.
fn quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) || buckets.len() < 2 {
        return None;
    }
    let (last_le, observations) = *buckets.last()?;
    if last_le != f64::INFINITY || observations <= 0.0 {
        return None;
    }
    let rank = q * observations;
    let b = buckets.iter().position(|(_, c)| *c >= rank)?;
    if b == buckets.len() - 1 {
        // The rank falls in the +Inf bucket: the best estimate is the
        // highest finite bound.
        return Some(buckets[b - 1].0);
    }
    let (end, cumulative) = buckets[b];
    if b == 0 && end <= 0.0 {
        return Some(end);
    }
    let (start, before) = if b == 0 { (0.0, 0.0) } else { buckets[b - 1] };
    let in_bucket = cumulative - before;
    if in_bucket <= 0.0 {
        return Some(end);
    }
    Some(start + (end - start) * ((rank - before) / in_bucket))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(buckets: &[(f64, f64)]) -> HistogramAcc {
        let mut h = HistogramAcc::default();
        for (le, c) in buckets {
            h.add_bucket(*le, *c);
        }
        h
    }

    #[test]
    fn interpolates_like_prometheus() {
        // 10 observations in (0,1], 10 in (1,2]: median at the top of the first.
        let h = acc(&[(1.0, 10.0), (2.0, 20.0), (f64::INFINITY, 20.0)]);
        assert_eq!(h.quantile(0.5), Some(1.0));
        assert_eq!(h.quantile(0.75), Some(1.5));
        assert_eq!(h.quantile(0.25), Some(0.5));
    }

    #[test]
    fn rank_in_inf_bucket_returns_highest_finite_bound() {
        let h = acc(&[(1.0, 1.0), (5.0, 2.0), (f64::INFINITY, 10.0)]);
        assert_eq!(h.quantile(0.99), Some(5.0));
    }

    #[test]
    fn empty_or_without_inf_bucket_has_no_quantile() {
        assert_eq!(acc(&[(1.0, 0.0), (f64::INFINITY, 0.0)]).quantile(0.5), None);
        assert_eq!(acc(&[(1.0, 3.0), (2.0, 3.0)]).quantile(0.5), None);
        assert_eq!(acc(&[]).quantiles().p99, None);
    }

    #[test]
    fn label_sets_are_summed_per_bound_in_any_order() {
        let mut h = acc(&[(f64::INFINITY, 4.0), (1.0, 2.0)]);
        h.add_bucket(1.0, 2.0);
        h.add_bucket(f64::INFINITY, 4.0);
        h.add_count(4.0);
        h.add_count(4.0);
        h.add_sum(1.5);
        assert_eq!(h.total(), 8.0);
        assert_eq!(h.quantile(0.5), Some(1.0));
        assert_eq!(h.quantiles().sum, 1.5);
    }

    #[test]
    fn counts_observations_above_a_threshold() {
        let h = acc(&[(1e6, 5.0), (4e6, 8.0), (1e7, 9.0), (f64::INFINITY, 10.0)]);
        assert_eq!(h.count_above(4e6), 2.0);
        assert_eq!(h.count_above(1e7), 1.0);
        assert_eq!(h.count_above(5e6), 2.0);
        assert_eq!(h.count_above(1.0), 10.0);
    }
}
