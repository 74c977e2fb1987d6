//! Descriptive summaries of a sample.

/// Summary of a sample: count, mean, standard deviation, min, max, and quantiles.
///
/// `std_dev` is the sample standard deviation (divisor `n - 1`); it is 0 for a
/// single observation, because no spread was observed and a NaN would poison
/// downstream reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Number of observations.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`; 0 when `n == 1`).
    pub std_dev: f64,
    /// Smallest observation.
    pub min: f64,
    /// Largest observation.
    pub max: f64,
    /// Median (type-7 quantile at 0.5).
    pub p50: f64,
    /// 90th percentile (type-7 quantile at 0.9).
    pub p90: f64,
    /// 99th percentile (type-7 quantile at 0.99).
    pub p99: f64,
}

impl Summary {
    /// Summarises `sample`; `None` for an empty sample.
    ///
    /// Quantiles use linear interpolation between order statistics (type 7,
    /// like numpy's default). A copy is sorted with `total_cmp`, so this never
    /// panics, even on NaN input (NaNs then sort to the ends).
    pub fn of(sample: &[f64]) -> Option<Summary> {
        if sample.is_empty() {
            return None;
        }
        let n = sample.len();
        let nf = n as f64;
        let mean = sample.iter().sum::<f64>() / nf;
        // Two passes: summing squared deviations from the mean avoids the
        // cancellation of the one-pass sum-of-squares formula.
        let std_dev = if n > 1 {
            let ss: f64 = sample.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (nf - 1.0)).sqrt()
        } else {
            0.0
        };
        let mut sorted = sample.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            n,
            mean,
            std_dev,
            min: sorted[0],
            max: sorted[n - 1],
            p50: quantile_sorted(&sorted, 0.5),
            p90: quantile_sorted(&sorted, 0.9),
            p99: quantile_sorted(&sorted, 0.99),
        })
    }
}

/// Quantile of an already sorted slice, type 7; `q` in `[0, 1]`.
///
/// `q` outside `[0, 1]` is clamped into it; an empty slice or a NaN `q`
/// gives NaN rather than a panic.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    let q = q.clamp(0.0, 1.0);
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    // Exact order statistics skip the interpolation so that infinite values
    // do not turn into `inf - inf = NaN`.
    if frac == 0.0 || lo + 1 >= sorted.len() {
        return sorted[lo];
    }
    sorted[lo] + frac * (sorted[lo + 1] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sample_has_no_summary() {
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn quantiles_of_one_to_hundred_match_numpy() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&v).unwrap();
        assert_eq!(s.n, 100);
        assert!((s.mean - 50.5).abs() < 1e-12);
        assert!((s.p50 - 50.5).abs() < 1e-12);
        assert!((s.p90 - 90.1).abs() < 1e-9);
        assert!((s.p99 - 99.01).abs() < 1e-9);
        assert_eq!(s.min, 1.0);
        assert_eq!(s.max, 100.0);
        // Sample std dev of 1..=100 is sqrt(100*101/12).
        assert!((s.std_dev - (100.0f64 * 101.0 / 12.0).sqrt()).abs() < 1e-9);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 100.0);
    }

    #[test]
    fn unsorted_input_is_sorted_and_single_value_has_zero_spread() {
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.min, s.p50, s.max), (1.0, 2.0, 3.0));
        let one = Summary::of(&[7.0]).unwrap();
        assert_eq!((one.std_dev, one.p99), (0.0, 7.0));
    }

    #[test]
    fn quantile_of_empty_is_nan() {
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }
}
