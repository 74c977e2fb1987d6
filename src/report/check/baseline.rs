//! The comparison with a saved baseline report: Welch's t-test on each
//! SLI's mean availability, one-sided (the test is stated in the
//! [module docs](super)).

use super::Verdict;
use super::format::{level_text, trim_float};
use crate::report::Report;
use crate::report::units::percent;
use crate::stats::student_t_critical;

/// One SLI's availability compared with the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct SliComparison {
    /// SLI name.
    pub sli: String,
    /// Baseline mean availability.
    pub baseline_mean: f64,
    /// Its standard error.
    pub baseline_std_error: f64,
    /// Current mean availability.
    pub current_mean: f64,
    /// Its standard error.
    pub current_std_error: f64,
    /// Welch's t statistic (positive when the current mean is lower).
    pub t: Option<f64>,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: Option<f64>,
    /// One-sided critical value at the confidence level.
    pub critical: Option<f64>,
    /// Pass: no significant regression; Fail: a significant regression;
    /// Inconclusive: the test could not be made.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
}

/// The baseline comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineComparison {
    /// Where the baseline came from (its file).
    pub source: String,
    /// The baseline's scenario name.
    pub scenario: String,
    /// The baseline's replications.
    pub replications: u64,
    /// The current run's replications.
    pub current_replications: u64,
    /// The level of the one-sided test (the current run's confidence).
    pub confidence: f64,
    /// One comparison per SLI present in both reports.
    pub slis: Vec<SliComparison>,
    /// SLIs in only one of the two reports (not compared).
    pub unmatched: Vec<String>,
}

impl BaselineComparison {
    /// The test, stated for the reader.
    pub fn test_description(&self) -> String {
        format!(
            "Welch's t-test on each SLI's mean availability, one-sided (regression if the current mean is lower) \
             at the {} level (alpha = {}), degrees of freedom by Welch-Satterthwaite; \
             baseline n = {}, current n = {}. Each SLI is tested on its own, so with {} SLIs \
             a false alarm somewhere is up to {} times as likely; raise --confidence to guard against it",
            level_text(self.confidence),
            trim_float(1.0 - self.confidence, 4),
            self.replications,
            self.current_replications,
            self.slis.len(),
            self.slis.len()
        )
    }
}

/// Compares every SLI present in both reports.
pub(super) fn compare(current: &Report, source: &str, baseline: &Report) -> BaselineComparison {
    let level = current.confidence;
    let (n_old, n_new) = (baseline.replications as f64, current.replications as f64);
    let mut slis = Vec::new();
    let mut unmatched = Vec::new();
    for now in &current.slis {
        let Some(old) = baseline.sli(&now.name) else {
            unmatched.push(format!("{} (not in the baseline)", now.name));
            continue;
        };
        let (a_old, s_old) = (old.availability.point, old.availability.std_error);
        let (a_new, s_new) = (now.availability.point, now.availability.std_error);
        let mut c = SliComparison {
            sli: now.name.clone(),
            baseline_mean: a_old,
            baseline_std_error: s_old,
            current_mean: a_new,
            current_std_error: s_new,
            t: None,
            df: None,
            critical: None,
            verdict: Verdict::Pass,
            reason: String::new(),
        };
        let drop = a_old - a_new;
        if !(a_old.is_finite() && a_new.is_finite() && s_old.is_finite() && s_new.is_finite()) {
            c.verdict = Verdict::Inconclusive;
            c.reason = "a mean or standard error is missing, so no test is possible".into();
        } else if s_old == 0.0 && s_new == 0.0 {
            // No spread on either side (nothing failed in both): nothing to test.
            if drop > 0.0 {
                c.verdict = Verdict::Fail;
                c.reason = "neither run varies, and availability dropped".into();
            } else {
                c.reason = "nothing to test: neither run varies (no failure in either)".into();
            }
        } else {
            let (v_old, v_new) = (s_old * s_old, s_new * s_new);
            let t = drop / (v_old + v_new).sqrt();
            // A zero-variance side drops out: df is then the other's n - 1.
            let term = |v: f64, n: f64| if v > 0.0 { v * v / (n - 1.0) } else { 0.0 };
            let df = (v_old + v_new).powi(2) / (term(v_old, n_old) + term(v_new, n_new));
            let critical = one_sided_critical(level, df);
            c.t = Some(t);
            c.df = Some(df);
            c.critical = Some(critical);
            if t > critical {
                c.verdict = Verdict::Fail;
                c.reason = format!(
                    "regression: t = {t:.3} > {critical:.3} (df = {df:.1}); availability fell from {} to {}",
                    percent(a_old),
                    percent(a_new)
                );
            } else {
                c.reason = format!(
                    "no significant regression: t = {t:.3} <= {critical:.3} (df = {df:.1})"
                );
            }
        }
        slis.push(c);
    }
    for old in &baseline.slis {
        if current.sli(&old.name).is_none() {
            unmatched.push(format!("{} (only in the baseline)", old.name));
        }
    }
    BaselineComparison {
        source: source.to_string(),
        scenario: baseline.scenario.name.clone(),
        replications: baseline.replications,
        current_replications: current.replications,
        confidence: level,
        slis,
        unmatched,
    }
}

/// The one-sided Student-t critical value `t_{level, df}`.
fn one_sided_critical(level: f64, df: f64) -> f64 {
    if level > 0.5 {
        student_t_critical(2.0 * level - 1.0, df)
    } else if level < 0.5 {
        -student_t_critical(1.0 - 2.0 * level, df)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sided_critical_values() {
        // t_{0.95, inf} = 1.645; t_{0.95, 10} = 1.812.
        assert!((one_sided_critical(0.95, 1e9) - 1.6449).abs() < 1e-3);
        assert!((one_sided_critical(0.95, 10.0) - 1.8125).abs() < 1e-3);
    }
}
