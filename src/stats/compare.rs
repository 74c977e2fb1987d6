//! Comparing two runs: paired differences over common replications (the
//! runs used common random numbers), one-sided t tests for a regression
//! gate, and Holm–Bonferroni control of the family-wise error rate when
//! several quantities are tested at once.
//!
//! **Paired differences.** When replication *i* of two runs drew from the
//! same random streams, `d_i = current_i - reference_i` removes everything
//! the two runs share, and the mean of the `d_i` with its Student-t
//! interval (`n - 1` degrees of freedom over the `n` pairs) is far more
//! precise than the difference of the two means with their own intervals.
//! The pairs are independent across *i* whatever the runs share, so the
//! interval is valid for any two runs; pairing only makes it narrow.
//!
//! **Holm–Bonferroni.** With `m` one-sided tests at level `alpha`, sort the
//! p-values `p_(1) <= … <= p_(m)` and reject `H_(1), …, H_(k)` for the
//! largest `k` such that `p_(j) <= alpha / (m - j + 1)` for every `j <= k`.
//! The chance of any false rejection stays at most `alpha` for any
//! dependence between the tests (Holm 1979). [`holm_adjusted`] gives the
//! equivalent adjusted p-values: reject exactly those `<= alpha`.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::{Estimate, Moments, student_t_critical};

/// Above this many degrees of freedom Student's t is taken as normal for
/// tail probabilities (relative error in the tail below 1e-3).
const NORMAL_DF: f64 = 1e6;

/// The mean of paired differences over the replications two runs share.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedDifference {
    /// Pairs used: the common replications.
    pub pairs: u64,
    /// Mean of `current_i - reference_i`, with its standard error and
    /// two-sided Student-t interval (`pairs - 1` degrees of freedom). With
    /// no spread in the differences the standard error is 0 and the
    /// interval a point.
    pub estimate: Estimate,
    /// Every pair was equal (bit for bit): the difference is exactly zero,
    /// known rather than estimated.
    pub identical: bool,
}

impl PairedDifference {
    /// The paired t statistic `mean / se` (positive when `current` is
    /// larger); `None` when the differences have no spread, where no t
    /// exists and the sign of the mean says everything.
    pub fn t(&self) -> Option<f64> {
        let se = self.estimate.std_error;
        (se > 0.0 && se.is_finite()).then(|| self.estimate.point / se)
    }

    /// Degrees of freedom of the t statistic, `pairs - 1`.
    pub fn df(&self) -> f64 {
        self.pairs.saturating_sub(1) as f64
    }

    /// One-sided p-value of "current is larger" (H0: the mean difference
    /// is at most 0): `P(T > t)`. With no spread: 0 when every difference
    /// is positive, 1 otherwise.
    pub fn p_larger(&self) -> f64 {
        match self.t() {
            Some(t) => student_t_upper_tail(t, self.df()),
            None if self.estimate.point > 0.0 => 0.0,
            None => 1.0,
        }
    }
}

/// The paired difference of `current` and `reference` over their common
/// indices (`0..min(len)`), at confidence `level`. `None` with fewer than
/// two pairs or a non-finite value among them.
pub fn paired_difference(
    current: &[f64],
    reference: &[f64],
    level: f64,
) -> Option<PairedDifference> {
    let pairs = current.len().min(reference.len());
    if pairs < 2 {
        return None;
    }
    let (current, reference) = (&current[..pairs], &reference[..pairs]);
    if current.iter().chain(reference).any(|x| !x.is_finite()) {
        return None;
    }
    let identical = current.iter().zip(reference).all(|(a, b)| a == b);
    let mut moments = Moments::new();
    for (a, b) in current.iter().zip(reference) {
        moments.add(a - b);
    }
    // The sums are exact, so identical pairs give exactly 0 ± 0.
    let estimate = moments.estimate(level)?;
    Some(PairedDifference {
        pairs: pairs as u64,
        estimate,
        identical,
    })
}

/// The upper tail `P(T > t)` of Student's t with `df` degrees of freedom
/// (the normal distribution for infinite or very large `df`). NaN for a
/// NaN `t` or a `df` that is not positive.
pub fn student_t_upper_tail(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df > NORMAL_DF {
        return Normal::standard().sf(t);
    }
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.sf(t))
}

/// The one-sided Student-t critical value `t_{level, df}`: `P(T > t) = 1 -
/// level`.
pub fn one_sided_t_critical(level: f64, df: f64) -> f64 {
    if level > 0.5 {
        student_t_critical(2.0 * level - 1.0, df)
    } else if level < 0.5 {
        -student_t_critical(1.0 - 2.0 * level, df)
    } else {
        0.0
    }
}

/// Holm–Bonferroni adjusted p-values, in the order given: the hypothesis
/// at `i` is rejected at family-wise level `alpha` exactly when
/// `adjusted[i] <= alpha`. `adjusted_(j) = max_{k <= j} min(1, (m - k + 1)
/// p_(k))` over the p-values sorted ascending; a NaN p-value counts as 1.
pub fn holm_adjusted(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let p = |i: usize| {
        let v = p_values[i];
        if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) }
    };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p(a).total_cmp(&p(b)).then(a.cmp(&b)));
    let mut adjusted = vec![1.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * p(i)).min(1.0);
        running = running.max(scaled);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn identical_pairs_give_exactly_zero() {
        let a = [1e-7, 0.0, 3.5e-6, 2e-9];
        let d = paired_difference(&a, &a, 0.95).unwrap();
        assert!(d.identical);
        assert_eq!(d.pairs, 4);
        assert_eq!(d.estimate.point, 0.0);
        assert_eq!(d.estimate.std_error, 0.0);
        assert_eq!((d.estimate.ci.lower, d.estimate.ci.upper), (0.0, 0.0));
        assert_eq!(d.t(), None);
        assert_eq!(d.p_larger(), 1.0);
    }

    #[test]
    fn pairs_are_the_common_prefix_and_need_two() {
        let d = paired_difference(&[3.0, 5.0, 9.0], &[1.0, 2.0], 0.95).unwrap();
        assert_eq!(d.pairs, 2);
        assert_eq!(d.estimate.point, 2.5);
        assert!(!d.identical);
        assert!(paired_difference(&[1.0], &[1.0, 2.0], 0.95).is_none());
        assert!(paired_difference(&[1.0, f64::NAN], &[1.0, 2.0], 0.95).is_none());
        // A constant positive shift: no spread, certainly larger.
        let shifted = paired_difference(&[2.0, 3.0], &[1.0, 2.0], 0.95).unwrap();
        assert_eq!(shifted.p_larger(), 0.0);
    }

    #[test]
    fn paired_t_matches_a_hand_computation() {
        // d = 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), se sqrt(0.5), t = 4.243,
        // df 4; P(T_4 > 4.243) = 0.0066178 (the density integrated numerically).
        let cur = [2.0, 4.0, 6.0, 8.0, 10.0];
        let base = [1.0, 2.0, 3.0, 4.0, 5.0];
        let d = paired_difference(&cur, &base, 0.95).unwrap();
        assert!((d.t().unwrap() - 4.242_640_7).abs() < 1e-6);
        assert_eq!(d.df(), 4.0);
        assert!(
            (d.p_larger() - 0.006_617_8).abs() < 1e-6,
            "{}",
            d.p_larger()
        );
    }

    #[test]
    fn tails_and_critical_values_agree() {
        for df in [3.0, 30.0, 400.0, 5e6] {
            let t = one_sided_t_critical(0.95, df);
            assert!((student_t_upper_tail(t, df) - 0.05).abs() < 1e-6, "df {df}");
        }
        assert!((one_sided_t_critical(0.95, 1e9) - 1.6449).abs() < 1e-3);
        assert!((one_sided_t_critical(0.95, 10.0) - 1.8125).abs() < 1e-3);
        assert!((student_t_upper_tail(0.0, 7.0) - 0.5).abs() < 1e-12);
        assert!(student_t_upper_tail(1.0, 0.0).is_nan());
    }

    #[test]
    fn holm_steps_down() {
        // Sorted 0.01, 0.02, 0.03, 0.5 with m = 4: 0.04, 0.06, 0.06, 0.5.
        let adjusted = holm_adjusted(&[0.03, 0.5, 0.01, 0.02]);
        let expected = [0.06, 0.5, 0.04, 0.06];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm_adjusted(&[f64::NAN, 0.9]), [1.0, 1.0]);
        assert!(holm_adjusted(&[]).is_empty());
        assert_eq!(holm_adjusted(&[0.2]), [0.2]);
    }

    /// The family-wise error rate of 20 true null hypotheses tested
    /// together: about 1 - 0.95^20 = 64 % unadjusted, at most 5 % with
    /// Holm. 4000 families from a fixed seed; the bound allows four
    /// binomial standard errors.
    #[test]
    fn holm_keeps_the_family_wise_error_rate() {
        let (families, m, alpha) = (4000, 20, 0.05);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (mut any_raw, mut any_holm) = (0, 0);
        for _ in 0..families {
            let p: Vec<f64> = (0..m).map(|_| rng.random::<f64>()).collect();
            any_raw += usize::from(p.iter().any(|&x| x <= alpha));
            any_holm += usize::from(holm_adjusted(&p).iter().any(|&x| x <= alpha));
        }
        let rate = |k: usize| k as f64 / families as f64;
        let se = (alpha * (1.0 - alpha) / families as f64).sqrt();
        assert!(rate(any_holm) <= alpha + 4.0 * se, "{}", rate(any_holm));
        assert!(rate(any_raw) > 0.5, "{}", rate(any_raw));
    }

    /// Under common random numbers a small shift that Welch's test cannot
    /// see is plain in the paired differences.
    #[test]
    fn pairing_sees_what_the_unpaired_test_cannot() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 100;
        let base: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0).collect();
        let cur: Vec<f64> = base
            .iter()
            .map(|b| b * 1.03 + 0.01 * rng.random::<f64>())
            .collect();
        let d = paired_difference(&cur, &base, 0.95).unwrap();
        assert!(d.p_larger() < 1e-6, "{}", d.p_larger());
        let a = Estimate::mean(&cur, 0.95).unwrap();
        let b = Estimate::mean(&base, 0.95).unwrap();
        let welch = (a.point - b.point) / (a.std_error.powi(2) + b.std_error.powi(2)).sqrt();
        assert!(
            welch < one_sided_t_critical(0.95, 2.0 * n as f64 - 2.0),
            "{welch}"
        );
    }
}
