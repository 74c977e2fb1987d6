//! Streaming estimators: the sums a mean or a ratio estimator needs, kept
//! exactly, so that memory does not grow with the number of replications
//! and a result does not depend on how replications were split or merged.
//!
//! The sample variance comes from exact sums too: `n Σx² - (Σx)²` is
//! evaluated without rounding (error-free products of the partials) and
//! rounded once, so the one-pass formula has none of its usual
//! cancellation, even for values with a tiny spread around a large mean.

use serde::{Deserialize, Serialize};

use super::ExactSum;
use super::ci::{Estimate, t_estimate, unbounded};

/// Sums of one quantity over replications: mean and Student-t interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    n: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
}

impl Moments {
    /// No observations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum.add(x);
        self.sum_sq.add_product(x, x);
    }

    /// Adds every observation of `other`.
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
    }

    /// Observations.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Exact sum of the observations, rounded once.
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// Sample mean (NaN with no observation).
    pub fn mean(&self) -> f64 {
        self.sum.value() / self.n as f64
    }

    /// Sample variance (divisor `n - 1`); 0 with fewer than two
    /// observations.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        // n Σx² - (Σx)², exactly.
        let mut acc = ExactSum::new();
        for &p in self.sum_sq.partials() {
            acc.add_product(n, p);
        }
        for &p in self.sum.partials() {
            for &q in self.sum.partials() {
                acc.add_product(-p, q);
            }
        }
        (acc.value() / (n * (n - 1.0))).max(0.0)
    }

    /// Student-t interval for the mean, as [`Estimate::mean`] gives from
    /// the whole sample; `None` with no observation.
    pub fn estimate(&self, level: f64) -> Option<Estimate> {
        match self.n {
            0 => None,
            1 => Some(unbounded(self.mean(), level)),
            n => {
                let n = n as f64;
                let std_error = (self.variance() / n).sqrt();
                Some(t_estimate(self.mean(), std_error, n - 1.0, level))
            }
        }
    }
}

/// Sums of a pair `(y, x)` over replications: the ratio estimator
/// `Σy / Σx` with its delta-method interval, as [`Estimate::ratio`] gives
/// from the whole sample.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RatioMoments {
    n: u64,
    y: ExactSum,
    x: ExactSum,
    yy: ExactSum,
    xy: ExactSum,
    xx: ExactSum,
}

impl RatioMoments {
    /// No observations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one replication's numerator `y` and denominator `x`.
    pub fn add(&mut self, y: f64, x: f64) {
        self.n += 1;
        self.y.add(y);
        self.x.add(x);
        self.yy.add_product(y, y);
        self.xy.add_product(x, y);
        self.xx.add_product(x, x);
    }

    /// Adds every pair of `other`.
    pub fn merge(&mut self, other: &RatioMoments) {
        self.n += other.n;
        self.y.merge(&other.y);
        self.x.merge(&other.x);
        self.yy.merge(&other.yy);
        self.xy.merge(&other.xy);
        self.xx.merge(&other.xx);
    }

    /// Replications.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Σy, rounded once.
    pub fn numerator(&self) -> f64 {
        self.y.value()
    }

    /// Σx, rounded once.
    pub fn denominator(&self) -> f64 {
        self.x.value()
    }

    /// `Σy / Σx` with the delta-method standard error
    /// `SE² = Σ(y - R x)² / (n (n-1) x̄²)` and a Student-t interval with
    /// `n - 1` degrees of freedom. `None` with no replication or `Σx = 0`.
    pub fn estimate(&self, level: f64) -> Option<Estimate> {
        let sum_x = self.x.value();
        if self.n == 0 || sum_x == 0.0 {
            return None;
        }
        let r = self.y.value() / sum_x;
        if self.n == 1 {
            return Some(unbounded(r, level));
        }
        // Σ(y - r x)² = Σy² - 2 r Σxy + r² Σx², exactly for this r.
        let mut ss = self.yy.clone();
        for &p in self.xy.partials() {
            ss.add_product(-2.0 * r, p);
        }
        let r2_hi = r * r;
        let r2_lo = r.mul_add(r, -r2_hi);
        for &p in self.xx.partials() {
            ss.add_product(r2_hi, p);
            ss.add_product(r2_lo, p);
        }
        let n = self.n as f64;
        let x_bar = sum_x / n;
        let std_error = (ss.value().max(0.0) / (n * (n - 1.0) * x_bar * x_bar)).sqrt();
        Some(t_estimate(r, std_error, n - 1.0, level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<f64> {
        let mut state = 12345_u64;
        (0..500)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 3.0 + 1.0
            })
            .collect()
    }

    #[test]
    fn streaming_mean_matches_the_two_pass_estimate() {
        let xs = sample();
        let mut m = Moments::new();
        xs.iter().for_each(|&x| m.add(x));
        let streamed = m.estimate(0.95).unwrap();
        let batch = Estimate::mean(&xs, 0.95).unwrap();
        assert!((streamed.point - batch.point).abs() <= 1e-15 * batch.point);
        assert!((streamed.std_error - batch.std_error).abs() <= 1e-12 * batch.std_error);
        assert!((streamed.ci.lower - batch.ci.lower).abs() <= 1e-12);
    }

    #[test]
    fn no_cancellation_for_a_tiny_spread_around_a_large_mean() {
        // 1e9 + {0, 1, 2}: variance exactly 1.
        let mut m = Moments::new();
        for d in [0.0, 1.0, 2.0] {
            m.add(1e9 + d);
        }
        assert_eq!(m.variance(), 1.0);
        let mut m = Moments::new();
        for d in [0.0, 1e-6, 2e-6] {
            m.add(0.999_999 + d);
        }
        assert!((m.variance() - 1e-12).abs() < 1e-20, "{}", m.variance());
    }

    #[test]
    fn merging_in_any_split_gives_the_same_bits() {
        let xs = sample();
        let mut whole = Moments::new();
        xs.iter().for_each(|&x| whole.add(x));
        let mut left = Moments::new();
        let mut right = Moments::new();
        xs[..123].iter().for_each(|&x| left.add(x));
        xs[123..].iter().for_each(|&x| right.add(x));
        right.merge(&left);
        let (a, b) = (whole.estimate(0.9).unwrap(), right.estimate(0.9).unwrap());
        assert_eq!(a.point.to_bits(), b.point.to_bits());
        assert_eq!(a.std_error.to_bits(), b.std_error.to_bits());
    }

    #[test]
    fn streaming_ratio_matches_the_batch_ratio() {
        let ys = sample();
        let xs: Vec<f64> = ys.iter().map(|y| (y * 7.0).floor()).collect();
        let mut r = RatioMoments::new();
        ys.iter().zip(&xs).for_each(|(&y, &x)| r.add(y, x));
        let streamed = r.estimate(0.95).unwrap();
        let batch = Estimate::ratio(&ys, &xs, 0.95).unwrap();
        assert!((streamed.point - batch.point).abs() <= 1e-15 * batch.point);
        assert!((streamed.std_error - batch.std_error).abs() <= 1e-9 * batch.std_error);
    }

    #[test]
    fn degenerate_cases() {
        assert!(Moments::new().estimate(0.95).is_none());
        let mut one = Moments::new();
        one.add(3.0);
        assert_eq!(one.estimate(0.95).unwrap().point, 3.0);
        assert!(one.estimate(0.95).unwrap().ci.upper.is_infinite());
        let mut zero_x = RatioMoments::new();
        zero_x.add(1.0, 0.0);
        zero_x.add(2.0, 0.0);
        assert!(zero_x.estimate(0.95).is_none());
    }
}
