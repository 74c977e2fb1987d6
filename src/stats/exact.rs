//! Exact floating-point sums.
//!
//! Replications finish in any order on any number of threads and machines,
//! yet a report must be byte-identical however they were split. Plain `f64`
//! addition is not associative, so a sum would depend on the merge order.
//! [`ExactSum`] keeps the exact value of a sum of `f64`s as a short list of
//! non-overlapping partials (Shewchuk's algorithm, the one behind Python's
//! `math.fsum`): adding and merging are exact, so any order of additions
//! and merges gives the same partials' value, and [`ExactSum::value`]
//! rounds it once, correctly.

use serde::{Deserialize, Serialize};

/// The exact sum of a multiset of finite `f64`s.
///
/// Non-finite inputs are kept apart (a NaN or an infinity makes the value
/// NaN or infinite, as a plain sum would) so they cannot corrupt the
/// partials.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactSum {
    /// Non-overlapping partials, increasing in magnitude; their exact sum
    /// is the value.
    partials: Vec<f64>,
    /// Sum of the non-finite inputs (0 when there were none).
    #[serde(default, skip_serializing_if = "is_zero")]
    special: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl ExactSum {
    /// An empty sum (zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `x` exactly.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            self.special += x;
            return;
        }
        let mut x = x;
        let mut kept = 0;
        for i in 0..self.partials.len() {
            let y = self.partials[i];
            // Two-sum: hi + lo == x + y exactly.
            let (a, b) = if x.abs() < y.abs() { (y, x) } else { (x, y) };
            let hi = a + b;
            let lo = b - (hi - a);
            if !hi.is_finite() {
                // The partials overflowed: give up on exactness, keep the
                // overflow visible.
                self.special += hi;
                x = 0.0;
                continue;
            }
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        if x != 0.0 {
            self.partials.push(x);
        }
    }

    /// Adds the product `a * b` exactly (as the two halves of an
    /// error-free product).
    pub fn add_product(&mut self, a: f64, b: f64) {
        let hi = a * b;
        if !hi.is_finite() {
            self.add(hi);
            return;
        }
        let lo = a.mul_add(b, -hi);
        self.add(hi);
        self.add(lo);
    }

    /// The non-overlapping partials whose exact sum is the value.
    pub fn partials(&self) -> &[f64] {
        &self.partials
    }

    /// Adds every partial of `other`: the result is the exact sum of both.
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in &other.partials {
            self.add(p);
        }
        self.special += other.special;
    }

    /// The sum, correctly rounded to the nearest `f64`.
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let p = &self.partials;
        let Some(mut n) = p.len().checked_sub(1) else {
            return 0.0;
        };
        // Sum from the largest partial down until the rounding is settled,
        // then correct a half-way case using the next partial's sign.
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            n -= 1;
            let x = hi;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }

    /// Whether nothing but zeros was added.
    pub fn is_zero(&self) -> bool {
        self.partials.is_empty() && self.special == 0.0
    }
}

impl FromIterator<f64> for ExactSum {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        let mut sum = ExactSum::new();
        for x in iter {
            sum.add(x);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_that_a_plain_sum_gets_wrong() {
        let values = [1e100, 1.0, -1e100, 1e-3, 3.0];
        let naive: f64 = values.iter().sum();
        let exact: ExactSum = values.iter().copied().collect();
        assert_ne!(naive, 4.001);
        assert_eq!(exact.value(), 4.001);
    }

    #[test]
    fn any_order_and_any_split_give_the_same_bits() {
        // Deterministic pseudo-random values over many magnitudes.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let values: Vec<f64> = (0..2_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let exponent = (state % 40) as i32 - 20;
                mantissa * 10f64.powi(exponent)
            })
            .collect();
        let forward: ExactSum = values.iter().copied().collect();
        let backward: ExactSum = values.iter().rev().copied().collect();
        assert_eq!(forward.value().to_bits(), backward.value().to_bits());
        for split in [1, 7, 500, 1999] {
            let mut left: ExactSum = values[..split].iter().copied().collect();
            let right: ExactSum = values[split..].iter().copied().collect();
            left.merge(&right);
            assert_eq!(left.value().to_bits(), forward.value().to_bits());
        }
        // And close to the plain sum, which is only a few roundings off.
        let naive: f64 = values.iter().sum();
        assert!((forward.value() - naive).abs() <= 1e-12 * naive.abs().max(1.0));
    }

    #[test]
    fn integers_sum_exactly_and_zero_is_zero() {
        let mut sum = ExactSum::new();
        assert!(sum.is_zero());
        assert_eq!(sum.value(), 0.0);
        for i in 1..=1000 {
            sum.add(f64::from(i));
        }
        assert_eq!(sum.value(), 500_500.0);
        sum.add(-500_500.0);
        assert_eq!(sum.value(), 0.0);
    }

    #[test]
    fn tenths_sum_to_the_correctly_rounded_value() {
        let sum: ExactSum = std::iter::repeat_n(0.1, 10).collect();
        assert_eq!(sum.value(), 1.0);
        let naive: f64 = std::iter::repeat_n(0.1, 10).sum();
        assert_ne!(naive, 1.0);
    }

    #[test]
    fn non_finite_values_stay_visible() {
        let mut sum: ExactSum = [1.0, 2.0].into_iter().collect();
        sum.add(f64::INFINITY);
        assert_eq!(sum.value(), f64::INFINITY);
        sum.add(f64::NEG_INFINITY);
        assert!(sum.value().is_nan());
    }

    #[test]
    fn survives_a_json_round_trip() {
        let sum: ExactSum = [1e16, 1.0, -1e16, 0.25].into_iter().collect();
        let text = serde_json::to_string(&sum).unwrap();
        let back: ExactSum = serde_json::from_str(&text).unwrap();
        assert_eq!(back.value(), 1.25);
        assert_eq!(back, sum);
    }
}
