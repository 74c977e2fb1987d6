//! Point estimates with confidence intervals, and exact bounds for rare or
//! absent events.
//!
//! Every `level` is a two-sided (or, where stated, one-sided) confidence
//! level in `(0, 1)`, e.g. `0.95`. Functions return NaN (or NaN bounds)
//! instead of panicking on an invalid level, because a bad level must not
//! crash a long simulation run at its reporting step.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// A confidence interval that carries its own level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfidenceInterval {
    /// Confidence level in `(0, 1)`, e.g. `0.95`.
    pub level: f64,
    /// Lower bound (may be `-inf` when nothing is known).
    pub lower: f64,
    /// Upper bound (may be `+inf` when nothing is known).
    pub upper: f64,
}

/// A point estimate with its standard error and interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub point: f64,
    /// Standard error of the point estimate; NaN after a nonlinear mapping.
    pub std_error: f64,
    /// Confidence interval around `point`.
    pub ci: ConfidenceInterval,
}

impl Estimate {
    /// Student-t interval for the mean of i.i.d. samples.
    ///
    /// `None` for an empty sample. A single sample gives the sample value
    /// as the point with `std_error = +inf` and interval `(-inf, +inf)`:
    /// one observation says nothing about spread.
    pub fn mean(samples: &[f64], level: f64) -> Option<Estimate> {
        let n = samples.len();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let point = samples.iter().sum::<f64>() / nf;
        if n == 1 {
            return Some(unbounded(point, level));
        }
        // Two-pass variance avoids cancellation in sum-of-squares.
        let ss: f64 = samples.iter().map(|x| (x - point) * (x - point)).sum();
        let std_error = (ss / (nf - 1.0) / nf).sqrt();
        Some(t_estimate(point, std_error, nf - 1.0, level))
    }

    /// Ratio estimator `sum(y) / sum(x)` over replications with a
    /// delta-method standard error
    /// (`SE^2 = sum((y_i - R x_i)^2) / (n (n-1) xbar^2)`) and a Student-t
    /// interval with `n - 1` degrees of freedom.
    ///
    /// Used for MTTR = total downtime / total outages and MTBF = total time /
    /// total outages across replications, where averaging per-replication
    /// ratios would overweight replications with few outages.
    ///
    /// Returns `None` when `n == 0`, when `sum(x) == 0`, or when the slices
    /// differ in length. With `n == 1` the interval is `(-inf, +inf)`, as in
    /// [`Estimate::mean`].
    pub fn ratio(numerators: &[f64], denominators: &[f64], level: f64) -> Option<Estimate> {
        let n = numerators.len();
        if n == 0 || n != denominators.len() {
            return None;
        }
        let sum_x: f64 = denominators.iter().sum();
        if sum_x == 0.0 {
            return None;
        }
        let sum_y: f64 = numerators.iter().sum();
        let r = sum_y / sum_x;
        if n == 1 {
            return Some(unbounded(r, level));
        }
        let nf = n as f64;
        let x_bar = sum_x / nf;
        let ss: f64 = numerators
            .iter()
            .zip(denominators)
            .map(|(y, x)| (y - r * x) * (y - r * x))
            .sum();
        let std_error = (ss / (nf * (nf - 1.0) * x_bar * x_bar)).sqrt();
        Some(t_estimate(r, std_error, nf - 1.0, level))
    }

    /// Maps point and interval through a monotone function (e.g. nines =
    /// `-log10(1 - A)`).
    ///
    /// `increasing = false` swaps the bounds so that `lower <= upper` still
    /// holds. `std_error` becomes NaN because a standard error does not
    /// transform through a nonlinear map; the interval does.
    pub fn map_monotone(&self, f: impl Fn(f64) -> f64, increasing: bool) -> Estimate {
        let (a, b) = (f(self.ci.lower), f(self.ci.upper));
        let (lower, upper) = if increasing { (a, b) } else { (b, a) };
        Estimate {
            point: f(self.point),
            std_error: f64::NAN,
            ci: ConfidenceInterval {
                level: self.ci.level,
                lower,
                upper,
            },
        }
    }

    /// Clamps point and interval bounds into `[lo, hi]` (for availabilities
    /// in `[0, 1]`).
    ///
    /// `std_error` is kept: it describes the estimator, not the clamped
    /// report. NaN values stay NaN rather than silently becoming a bound.
    pub fn clamped(&self, lo: f64, hi: f64) -> Estimate {
        // Not `f64::clamp`: it panics when `lo > hi` or either is NaN.
        let c = |x: f64| if x.is_nan() { x } else { x.max(lo).min(hi) };
        Estimate {
            point: c(self.point),
            std_error: self.std_error,
            ci: ConfidenceInterval {
                level: self.ci.level,
                lower: c(self.ci.lower),
                upper: c(self.ci.upper),
            },
        }
    }

    /// Relative half-width `(upper - lower) / 2 / |point|`; `+inf` if
    /// `point == 0`.
    pub fn relative_half_width(&self) -> f64 {
        if self.point == 0.0 {
            return f64::INFINITY;
        }
        (self.ci.upper - self.ci.lower) / 2.0 / self.point.abs()
    }
}

/// Student-t quantile helper: two-sided critical value
/// `t_{(1+level)/2, df}`.
///
/// `df == 0` gives `+inf` (no degrees of freedom, no bound); `df = +inf`
/// gives the normal quantile. A negative or NaN `df`, or a level outside
/// `(0, 1)`, gives NaN.
pub fn student_t_critical(level: f64, df: f64) -> f64 {
    if !valid_level(level) || df.is_nan() || df < 0.0 {
        return f64::NAN;
    }
    if df == 0.0 {
        return f64::INFINITY;
    }
    let p = (1.0 + level) / 2.0;
    if df > LARGE_DF {
        // statrs' t quantile loses accuracy for huge df (about 1e-4 off at
        // 1e6) and rejects infinite df; the Cornish-Fisher expansion in 1/df
        // around the normal quantile is accurate to ~1e-10 here.
        let z = Normal::standard().inverse_cdf(p);
        let (z2, v) = (z * z, 1.0 / df);
        return z
            + z * (z2 + 1.0) / 4.0 * v
            + z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0 * v * v
            + z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0 * v * v * v;
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// Upper confidence bound for a Poisson rate when `events` events were seen
/// in `exposure` time.
///
/// Exact chi-square bound `chi2_{level}(2(events+1)) / (2 exposure)`; with 0
/// events that is `-ln(1-level) / exposure` (the "rule of three" at 95%),
/// computed in closed form. Zero exposure gives `+inf`; a negative exposure
/// or invalid level gives NaN.
pub fn poisson_rate_upper(events: u64, exposure: f64, level: f64) -> f64 {
    if !valid_level(level) || exposure.is_nan() || exposure < 0.0 {
        return f64::NAN;
    }
    if events == 0 {
        return -(-level).ln_1p() / exposure;
    }
    chi2_quantile(level, 2.0 * (events as f64 + 1.0)) / (2.0 * exposure)
}

/// Exact (Clopper-Pearson style) one-sided upper bound on a probability when
/// 0 of `trials` trials succeeded: `1 - (1-level)^(1/trials)`.
///
/// Zero trials give 1 (nothing was learned). Invalid level gives NaN.
pub fn zero_failure_upper(trials: u64, level: f64) -> f64 {
    if !valid_level(level) {
        return f64::NAN;
    }
    if trials == 0 {
        return 1.0;
    }
    // expm1/ln_1p keep precision for large `trials`, where the bound is tiny.
    -((-level).ln_1p() / trials as f64).exp_m1()
}

/// Mean time to failure from right-censored lifetimes under an exponential
/// model.
///
/// The total-time-on-test estimator `T / r` (`T` = sum of all times, failed
/// or censored; `r` = number of failures), with the chi-square interval
/// `[2T / chi2_{(1+level)/2}(2r), 2T / chi2_{(1-level)/2}(2r)]`, exact when
/// observation stops at the r-th failure and a close approximation for
/// time-censored data. The standard error is the asymptotic `(T/r) / sqrt(r)`.
///
/// When nothing is censored prefer [`Estimate::mean`], which does not assume
/// exponential lifetimes; the caller decides. Returns `None` when no failure
/// was seen (see [`zero_failure_mean_lower`]) or the slices differ in length.
pub fn censored_exponential_mean(times: &[f64], failed: &[bool], level: f64) -> Option<Estimate> {
    if times.len() != failed.len() {
        return None;
    }
    let r = failed.iter().filter(|&&f| f).count();
    if r == 0 {
        return None;
    }
    let total: f64 = times.iter().sum();
    let rf = r as f64;
    let point = total / rf;
    let (lower, upper) = if valid_level(level) {
        let df = 2.0 * rf;
        (
            2.0 * total / chi2_quantile((1.0 + level) / 2.0, df),
            2.0 * total / chi2_quantile((1.0 - level) / 2.0, df),
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    Some(Estimate {
        point,
        std_error: point / rf.sqrt(),
        ci: ConfidenceInterval {
            level,
            lower,
            upper,
        },
    })
}

/// One-sided lower bound on the mean lifetime when no failure was seen in
/// total time `total_time`: `T / -ln(1-level)`.
///
/// Invalid level gives NaN.
pub fn zero_failure_mean_lower(total_time: f64, level: f64) -> f64 {
    if !valid_level(level) {
        return f64::NAN;
    }
    total_time / -(-level).ln_1p()
}

/// Above this many degrees of freedom the t quantile comes from an expansion.
const LARGE_DF: f64 = 1e4;

/// statrs quantile functions panic outside `[0, 1]`; levels of exactly 0 or
/// 1 give degenerate bounds, so both are rejected too.
fn valid_level(level: f64) -> bool {
    level > 0.0 && level < 1.0
}

/// Chi-squared quantile; callers guarantee `p` in `(0, 1)` and `df > 0`.
fn chi2_quantile(p: f64, df: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// Symmetric Student-t interval `point ± t * se`.
pub(super) fn t_estimate(point: f64, std_error: f64, df: f64, level: f64) -> Estimate {
    let half = student_t_critical(level, df) * std_error;
    Estimate {
        point,
        std_error,
        ci: ConfidenceInterval {
            level,
            lower: point - half,
            upper: point + half,
        },
    }
}

/// An estimate with no information about its precision (one observation).
pub(super) fn unbounded(point: f64, level: f64) -> Estimate {
    Estimate {
        point,
        std_error: f64::INFINITY,
        ci: ConfidenceInterval {
            level,
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_critical_df9_95() {
        let t = student_t_critical(0.95, 9.0);
        assert!(close(t, 2.262, 5e-4), "{t}");
        assert_eq!(student_t_critical(0.95, 0.0), f64::INFINITY);
        assert!(close(
            student_t_critical(0.95, f64::INFINITY),
            1.959964,
            1e-5
        ));
        assert!(student_t_critical(1.5, 9.0).is_nan());
        // Reference values (R's qt); straddle the switch to the expansion.
        assert!(close(student_t_critical(0.95, 1000.0), 1.962339, 1e-6));
        assert!(close(student_t_critical(0.95, 20000.0), 1.960083, 1e-6));
        assert!(close(student_t_critical(0.95, 1e6), 1.959966, 1e-6));
    }

    #[test]
    fn mean_ci_of_one_to_five() {
        let e = Estimate::mean(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        let half = 2.776 * (2.5f64 / 5.0).sqrt();
        assert_eq!(e.point, 3.0);
        assert!(close(e.std_error, (0.5f64).sqrt(), 1e-12));
        assert!(close(e.ci.lower, 3.0 - half, 1e-3), "{e:?}");
        assert!(close(e.ci.upper, 3.0 + half, 1e-3), "{e:?}");
        assert_eq!(e.ci.level, 0.95);
    }

    #[test]
    fn mean_degenerate_sizes() {
        assert_eq!(Estimate::mean(&[], 0.95), None);
        let one = Estimate::mean(&[4.0], 0.95).unwrap();
        assert_eq!(one.point, 4.0);
        assert_eq!(one.std_error, f64::INFINITY);
        assert_eq!(
            (one.ci.lower, one.ci.upper),
            (f64::NEG_INFINITY, f64::INFINITY)
        );
    }

    #[test]
    fn ratio_matches_hand_computation() {
        // x = [1,2,3], y = [2,3,7]: R = 12/6 = 2; residuals 0,-1,1 -> ss = 2;
        // xbar = 2, so SE^2 = 2 / (3*2*4) = 1/12; t_{0.975,2} = 4.302653.
        let e = Estimate::ratio(&[2.0, 3.0, 7.0], &[1.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!(e.point, 12.0 / 6.0);
        assert!(close(e.std_error, (1.0f64 / 12.0).sqrt(), 1e-12));
        let half = 4.302653 * (1.0f64 / 12.0).sqrt();
        assert!(close(e.ci.lower, 2.0 - half, 1e-5), "{e:?}");
        assert!(close(e.ci.upper, 2.0 + half, 1e-5), "{e:?}");
        assert_eq!(Estimate::ratio(&[1.0], &[0.0], 0.95), None);
        assert_eq!(Estimate::ratio(&[], &[], 0.95), None);
        assert_eq!(Estimate::ratio(&[1.0], &[1.0, 2.0], 0.95), None);
    }

    #[test]
    fn poisson_upper_bounds() {
        assert!(close(poisson_rate_upper(0, 1.0, 0.95), 2.9957, 1e-4));
        // chi2_{0.95}(8) = 15.507.
        assert!(close(
            poisson_rate_upper(3, 10.0, 0.95),
            15.507 / 20.0,
            1e-4
        ));
        // The chi-square path agrees with the closed form at 0 events.
        assert!(close(chi2_quantile(0.95, 2.0) / 2.0, 2.995732, 1e-6));
    }

    #[test]
    fn zero_failure_bounds() {
        assert!(close(zero_failure_upper(100, 0.95), 0.0295, 1e-4));
        assert_eq!(zero_failure_upper(0, 0.95), 1.0);
        assert!(close(
            zero_failure_mean_lower(300.0, 0.95),
            300.0 / 2.995732,
            1e-4
        ));
    }

    #[test]
    fn censored_without_censoring_equals_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let times: Vec<f64> = (0..50)
            .map(|_| -(1.0 - rng.random::<f64>()).ln() * 3.0)
            .collect();
        let failed = vec![true; times.len()];
        let c = censored_exponential_mean(&times, &failed, 0.95).unwrap();
        let m = Estimate::mean(&times, 0.95).unwrap();
        assert!(close(c.point, m.point, 1e-12));
        assert!(c.ci.lower < c.point && c.point < c.ci.upper);
        assert_eq!(censored_exponential_mean(&[1.0], &[false], 0.95), None);
    }

    #[test]
    fn censored_interval_matches_chi_square_table() {
        // r = 2 failures, T = 10: chi2(4) quantiles 0.025 -> 0.4844,
        // 0.975 -> 11.1433.
        let c = censored_exponential_mean(&[3.0, 4.0, 3.0], &[true, false, true], 0.95).unwrap();
        assert_eq!(c.point, 5.0);
        assert!(close(c.ci.lower, 20.0 / 11.1433, 1e-3), "{c:?}");
        assert!(close(c.ci.upper, 20.0 / 0.4844, 1e-1), "{c:?}");
    }

    #[test]
    fn map_monotone_decreasing_swaps_bounds() {
        let e = Estimate::mean(&[0.99, 0.999, 0.9999], 0.9).unwrap();
        let e = e.clamped(0.0, 1.0);
        let unavail = e.map_monotone(|a| 1.0 - a, false);
        assert!(unavail.ci.lower <= unavail.ci.upper);
        assert_eq!(unavail.ci.lower, 1.0 - e.ci.upper);
        assert_eq!(unavail.ci.upper, 1.0 - e.ci.lower);
        assert!(unavail.std_error.is_nan());
        let nines = e.map_monotone(|a| -(1.0 - a).log10(), true);
        assert!(nines.ci.lower <= nines.point && nines.point <= nines.ci.upper);
    }

    #[test]
    fn clamped_and_relative_half_width() {
        let e = Estimate {
            point: 0.5,
            std_error: 0.3,
            ci: ConfidenceInterval {
                level: 0.95,
                lower: -0.1,
                upper: 1.1,
            },
        };
        assert!(close(e.relative_half_width(), 1.2, 1e-12));
        let c = e.clamped(0.0, 1.0);
        assert_eq!((c.ci.lower, c.ci.upper, c.point), (0.0, 1.0, 0.5));
        let zero = Estimate { point: 0.0, ..e };
        assert_eq!(zero.relative_half_width(), f64::INFINITY);
    }

    #[test]
    fn t_interval_coverage_on_normal_data() {
        const SETS: usize = 2000;
        const N: usize = 20;
        let mut rng = ChaCha8Rng::seed_from_u64(20240601);
        let mut covered = 0usize;
        let mut sample = [0.0f64; N];
        for _ in 0..SETS {
            for x in sample.iter_mut() {
                // Box-Muller; 1 - u keeps the log argument in (0, 1].
                let u1 = 1.0 - rng.random::<f64>();
                let u2 = rng.random::<f64>();
                *x = 1.0 + (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            }
            let e = Estimate::mean(&sample, 0.95).unwrap();
            if e.ci.lower <= 1.0 && 1.0 <= e.ci.upper {
                covered += 1;
            }
        }
        let rate = covered as f64 / SETS as f64;
        let band = 4.0 * (0.95f64 * 0.05 / SETS as f64).sqrt();
        assert!((rate - 0.95).abs() <= band, "coverage {rate}");
    }
}
