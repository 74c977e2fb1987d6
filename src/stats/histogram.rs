//! A mergeable, weighted histogram of durations on a fixed log scale: the
//! streaming stand-in for "every outage's duration", whose size does not
//! grow with the number of replications.
//!
//! Bins are fixed (`BINS_PER_DECADE` per factor of ten, the same for every
//! run), so histograms of different threads, shards and runs merge by
//! adding bin weights; weights are exact sums, so merging in any order
//! gives the same bits. Quantiles interpolate geometrically inside a bin:
//! their relative error is below one bin width, about 6 %. The minimum,
//! maximum, total weight and weighted mean are exact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ExactSum;

/// Bins per factor of ten.
pub const BINS_PER_DECADE: i32 = 40;

/// Weighted durations (seconds, ≥ 0) in fixed log-scale bins.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationHistogram {
    /// Weight of each non-empty bin; bin `k` holds `[10^(k/B), 10^((k+1)/B))`.
    bins: BTreeMap<i32, ExactSum>,
    /// Weight of zero durations.
    zero: ExactSum,
    /// Total weight.
    total: ExactSum,
    /// Σ weight × duration.
    weighted_sum: ExactSum,
    /// Smallest and largest duration seen.
    min: Option<f64>,
    max: Option<f64>,
}

/// The bin holding `x > 0`.
fn bin_of(x: f64) -> i32 {
    let k = (x.log10() * f64::from(BINS_PER_DECADE)).floor();
    let k = k.clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32;
    // log10 may round across an edge: settle it against the edges.
    if x < lower_edge(k) {
        k - 1
    } else if x >= lower_edge(k + 1) {
        k + 1
    } else {
        k
    }
}

fn lower_edge(k: i32) -> f64 {
    10f64.powf(f64::from(k) / f64::from(BINS_PER_DECADE))
}

impl DurationHistogram {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a duration `x` (seconds) with weight `w` (> 0); non-finite or
    /// negative durations and non-positive weights are ignored.
    pub fn add(&mut self, x: f64, w: f64) {
        if !(x.is_finite() && x >= 0.0 && w > 0.0 && w.is_finite()) {
            return;
        }
        if x == 0.0 {
            self.zero.add(w);
        } else {
            self.bins.entry(bin_of(x)).or_default().add(w);
        }
        self.total.add(w);
        self.weighted_sum.add_product(w, x);
        self.min = Some(self.min.map_or(x, |m| m.min(x)));
        self.max = Some(self.max.map_or(x, |m| m.max(x)));
    }

    /// Adds every weight of `other`.
    pub fn merge(&mut self, other: &DurationHistogram) {
        for (k, w) in &other.bins {
            self.bins.entry(*k).or_default().merge(w);
        }
        self.zero.merge(&other.zero);
        self.total.merge(&other.total);
        self.weighted_sum.merge(&other.weighted_sum);
        for (mine, theirs, pick) in [
            (&mut self.min, other.min, f64::min as fn(f64, f64) -> f64),
            (&mut self.max, other.max, f64::max),
        ] {
            if let Some(t) = theirs {
                *mine = Some(mine.map_or(t, |m| pick(m, t)));
            }
        }
    }

    /// Total weight (the number of durations when every weight is 1).
    pub fn total_weight(&self) -> f64 {
        self.total.value()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.total.is_zero()
    }

    /// Weighted mean duration.
    pub fn mean(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.weighted_sum.value() / self.total.value())
    }

    /// Smallest duration.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// Largest duration.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// The weighted `q`-quantile (`q` in [0, 1]), interpolated
    /// geometrically inside its bin and clamped to [min, max].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let (min, max) = (self.min?, self.max?);
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let target = q * self.total.value();
        let mut below = self.zero.value();
        if target <= below {
            return Some(min);
        }
        for (&k, w) in &self.bins {
            let w = w.value();
            if below + w >= target {
                let f = ((target - below) / w).clamp(0.0, 1.0);
                let (lo, hi) = (lower_edge(k), lower_edge(k + 1));
                return Some((lo * (hi / lo).powf(f)).clamp(min, max));
            }
            below += w;
        }
        Some(max)
    }

    /// The cumulative distribution at each non-empty bin's upper edge:
    /// `(duration, share of the weight at or below it)`, ascending; the
    /// first point is `(min, share of zero durations)` when there are any.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let total = self.total.value();
        if total <= 0.0 {
            return Vec::new();
        }
        let mut points = Vec::with_capacity(self.bins.len() + 1);
        let mut below = self.zero.value();
        if below > 0.0 {
            points.push((0.0, below / total));
        }
        let max = self.max.unwrap_or(0.0);
        for (&k, w) in &self.bins {
            below += w.value();
            points.push((lower_edge(k + 1).min(max), (below / total).min(1.0)));
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_stable_at_their_edges() {
        for k in -200..200 {
            let edge = lower_edge(k);
            assert_eq!(bin_of(edge), k, "edge of bin {k}");
            assert_eq!(bin_of(edge * (1.0 + 1e-12)), k);
        }
    }

    #[test]
    fn quantiles_are_within_a_bin_of_the_exact_ones() {
        let xs: Vec<f64> = (1..=1000).map(|i| f64::from(i) * 0.37).collect();
        let mut h = DurationHistogram::new();
        xs.iter().for_each(|&x| h.add(x, 1.0));
        assert_eq!(h.total_weight(), 1000.0);
        assert_eq!(h.min(), Some(0.37));
        assert_eq!(h.max(), Some(370.0));
        let exact_mean = xs.iter().sum::<f64>() / 1000.0;
        assert!((h.mean().unwrap() - exact_mean).abs() < 1e-12 * exact_mean);
        let width = 10f64.powf(1.0 / f64::from(BINS_PER_DECADE));
        for q in [0.1, 0.5, 0.9, 0.99] {
            let exact = crate::stats::quantile_sorted(&xs, q);
            let approx = h.quantile(q).unwrap();
            assert!(
                approx / exact < width && exact / approx < width,
                "q {q}: {approx} vs {exact}"
            );
        }
        assert_eq!(h.quantile(1.0), Some(370.0));
        assert_eq!(h.quantile(0.0), Some(0.37));
    }

    #[test]
    fn weights_count_like_repeated_values() {
        let mut weighted = DurationHistogram::new();
        weighted.add(10.0, 3.0);
        weighted.add(100.0, 1.0);
        let mut repeated = DurationHistogram::new();
        for x in [10.0, 10.0, 10.0, 100.0] {
            repeated.add(x, 1.0);
        }
        assert_eq!(weighted, repeated);
        assert_eq!(weighted.mean(), Some(32.5));
    }

    #[test]
    fn merge_is_order_free_and_zero_durations_count() {
        let mut a = DurationHistogram::new();
        let mut b = DurationHistogram::new();
        a.add(0.0, 1.0);
        a.add(5.0, 0.1);
        b.add(50.0, 0.2);
        b.add(5.0, 0.3);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab.quantile(0.7), ba.quantile(0.7));
        assert_eq!(ab.total_weight(), ba.total_weight());
        assert_eq!(ab.quantile(0.2), Some(0.0));
        let cdf = ab.cdf();
        assert_eq!(cdf.first(), Some(&(0.0, 1.0 / 1.6)));
        assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-15);
        assert_eq!(cdf.last().unwrap().0, 50.0);
    }

    #[test]
    fn ignores_what_is_not_a_duration() {
        let mut h = DurationHistogram::new();
        h.add(f64::NAN, 1.0);
        h.add(-1.0, 1.0);
        h.add(1.0, 0.0);
        h.add(f64::INFINITY, 1.0);
        assert!(h.is_empty());
        assert_eq!(h.quantile(0.5), None);
        assert!(h.cdf().is_empty());
    }
}
