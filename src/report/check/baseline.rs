//! The comparison with a saved baseline report: per SLI, a one-sided test
//! of "the current run loses more", paired over common replications when
//! the runs share their seed, Welch's otherwise, with Holm–Bonferroni
//! control across the SLIs (the tests are stated in the
//! [module docs](super)).

use super::Verdict;
use super::format::{level_text, p_text, significant, trim_float};
use super::{Baseline, CheckError};
use crate::report::units::duration;
use crate::report::{Interval, Report, SliReport};
use crate::stats::{holm_adjusted, paired_difference, student_t_critical, student_t_upper_tail};

/// Seconds in a 365-day year (the report's "per year").
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// How one SLI was compared with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestMethod {
    /// Paired t-test on the per-replication differences in unavailability
    /// over the replications both reports hold (same seed).
    Paired,
    /// Welch's unpaired t-test on the two mean availabilities.
    Welch,
    /// Nothing to estimate: identical in every paired replication, or no
    /// spread on either side; decided outright, outside the Holm family.
    Exact,
    /// A figure is missing: no test.
    None,
}

impl TestMethod {
    /// The method in a few words, for tables.
    pub fn label(self) -> &'static str {
        match self {
            TestMethod::Paired => "paired t",
            TestMethod::Welch => "Welch t",
            TestMethod::Exact => "exact",
            TestMethod::None => "-",
        }
    }
}

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
    /// How it was compared.
    pub method: TestMethod,
    /// Replications paired (the paired test only).
    pub pairs: Option<u64>,
    /// The change in unavailability, current minus baseline (positive:
    /// worse), with its two-sided interval at the run's level: the mean
    /// paired difference, or Welch's difference of the means.
    pub change: Option<Interval>,
    /// The t statistic (positive when the current run loses more).
    pub t: Option<f64>,
    /// Its degrees of freedom (pairs - 1, or Welch–Satterthwaite).
    pub df: Option<f64>,
    /// One-sided p-value of the test on its own.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted p-value across the SLIs tested: a
    /// regression when at most `1 - confidence`.
    pub adjusted_p: Option<f64>,
    /// Pass: no significant regression; Fail: a significant regression;
    /// Inconclusive: the test could not be made.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
}

impl SliComparison {
    /// The change in downtime per year, `+1m 2s ± 30s`, or `identical`;
    /// `-` without one.
    pub fn change_text(&self) -> String {
        match (self.method, self.change) {
            (TestMethod::Exact, Some(c)) if c.point == 0.0 && c.upper == c.lower => {
                "identical".into()
            }
            (_, Some(c)) => {
                let half = (c.upper - c.lower) / 2.0 * YEAR_SECS;
                if half > 0.0 && half.is_finite() {
                    format!(
                        "{} ± {}",
                        signed_duration(c.point * YEAR_SECS),
                        duration(half)
                    )
                } else {
                    signed_duration(c.point * YEAR_SECS)
                }
            }
            (_, None) => "-".into(),
        }
    }
}

/// A duration with its sign, `+1m 2s`, `-850ms`, `0ms`.
pub fn signed_duration(secs: f64) -> String {
    if secs > 0.0 {
        format!("+{}", duration(secs))
    } else if secs < 0.0 {
        format!("-{}", duration(-secs))
    } else {
        duration(0.0)
    }
}

/// The baseline comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineComparison {
    /// Where the baseline came from (its file).
    pub source: String,
    /// The baseline's scenario name.
    pub scenario: String,
    /// The baseline's seed.
    pub seed: u64,
    /// The baseline's replications.
    pub replications: u64,
    /// The current run's seed.
    pub current_seed: u64,
    /// The current run's replications.
    pub current_replications: u64,
    /// The level of the one-sided tests (the current run's confidence);
    /// the family-wise error rate is at most `1 - confidence`.
    pub confidence: f64,
    /// One comparison per SLI present in both reports.
    pub slis: Vec<SliComparison>,
    /// SLIs only in the current run (not compared).
    pub only_current: Vec<String>,
    /// SLIs only in the baseline (not compared).
    pub only_baseline: Vec<String>,
    /// Why a test fell back to Welch's, or that the baseline is of another
    /// scenario (allowed by a flag).
    pub notes: Vec<String>,
}

impl BaselineComparison {
    /// SLIs with a t test (the Holm family).
    pub fn tested(&self) -> usize {
        self.slis
            .iter()
            .filter(|s| matches!(s.method, TestMethod::Paired | TestMethod::Welch))
            .count()
    }

    /// The test, stated for the reader.
    pub fn test_description(&self) -> String {
        let used = |m: TestMethod| self.slis.iter().any(|s| s.method == m);
        let pairs = self.slis.iter().filter_map(|s| s.pairs).max().unwrap_or(0);
        let paired = format!(
            "paired t-test on the per-replication differences in unavailability over the {pairs} replications \
             both reports hold (same seed {}: replication i saw the same failures wherever the change does not reach)",
            self.seed
        );
        let welch = format!(
            "Welch's unpaired t-test on the mean availabilities (baseline n = {}, current n = {})",
            self.replications, self.current_replications
        );
        let tested = self.tested();
        let exact = self
            .slis
            .iter()
            .filter(|s| s.method == TestMethod::Exact)
            .count();
        let method = match (used(TestMethod::Paired), used(TestMethod::Welch)) {
            (true, true) => format!("{paired} where both hold them, else {welch}"),
            (true, false) => paired,
            (false, true) => welch,
            (false, false) if exact > 0 => {
                return format!(
                    "no test needed: every SLI is decided exactly (identical in every one of {pairs} paired replications, \
                     same seed {}, or no spread in either run)",
                    self.seed
                );
            }
            (false, false) => return "no test possible".into(),
        };
        let mut text = format!(
            "{method}; one-sided (regression if the current run loses more); Holm-Bonferroni across the {tested} SLI{} \
             tested, so the chance of any false regression is at most alpha = {} ({} level)",
            if tested == 1 { "" } else { "s" },
            trim_float(1.0 - self.confidence, 4),
            level_text(self.confidence),
        );
        if exact > 0 {
            text.push_str(&format!(
                "; {exact} SLI{} decided exactly (identical in every pair, or no spread in either run) need{} no test",
                if exact == 1 { "" } else { "s" },
                if exact == 1 { "s" } else { "" }
            ));
        }
        text
    }

    /// The SLIs only in one of the two reports, in words; `None` when both
    /// have the same.
    pub fn unmatched_text(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.only_current.is_empty() {
            parts.push(format!(
                "{} (only in this run)",
                self.only_current.join(", ")
            ));
        }
        if !self.only_baseline.is_empty() {
            parts.push(format!(
                "{} (only in the baseline)",
                self.only_baseline.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The first 12 hex digits of a digest.
fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Whether `baseline` may be compared with a run of the scenario `name`
/// (SHA-256 `digest`) whose SLIs are `slis`: it must be of the same
/// scenario (unless allowed) and share at least one SLI. `nines check`
/// asks before simulating, so a wrong baseline costs no run.
pub fn admit_baseline(
    name: &str,
    digest: &str,
    slis: &[String],
    baseline: &Baseline<'_>,
) -> Result<(), CheckError> {
    let old = baseline.report;
    if old.scenario.digest != digest && !baseline.allow_other_scenario {
        return Err(CheckError::OtherScenario {
            file: baseline.source.to_string(),
            message: format!(
                "a report of another scenario: `{}` (digest {}…), where this run is `{name}` (digest {}…); \
                 a baseline is compared with runs of the same scenario file. To gate a change to the \
                 scenario itself against it, pass --allow-other-scenario",
                old.scenario.name,
                short(&old.scenario.digest),
                short(digest)
            ),
        });
    }
    if !slis.iter().any(|s| old.sli(s).is_some()) {
        let names = |v: Vec<&str>| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        return Err(CheckError::NoCommonSli {
            file: baseline.source.to_string(),
            message: format!(
                "shares no SLI with this run, so nothing can be compared; this run has {}, the baseline has {}",
                names(slis.iter().map(String::as_str).collect()),
                names(old.slis.iter().map(|s| s.name.as_str()).collect())
            ),
        });
    }
    Ok(())
}

/// Compares every SLI present in both reports (admitted by
/// [`admit_baseline`]).
pub(super) fn compare(current: &Report, baseline: &Baseline<'_>) -> BaselineComparison {
    let old = baseline.report;
    let level = current.confidence;
    let same_seed = old.seed == current.seed;
    let mut notes = Vec::new();
    if old.scenario.digest != current.scenario.digest {
        notes.push(format!(
            "the baseline is a report of another scenario (`{}`, digest {}…), compared as --allow-other-scenario asks",
            old.scenario.name,
            short(&old.scenario.digest)
        ));
    }
    let mut slis: Vec<SliComparison> = current
        .slis
        .iter()
        .filter_map(|now| {
            let was = old.sli(&now.name)?;
            Some(compare_sli(now, was, old, current, same_seed, &mut notes))
        })
        .collect();
    judge(&mut slis, level);
    BaselineComparison {
        source: baseline.source.to_string(),
        scenario: old.scenario.name.clone(),
        seed: old.seed,
        replications: old.replications,
        current_seed: current.seed,
        current_replications: current.replications,
        confidence: level,
        slis,
        only_current: current
            .slis
            .iter()
            .filter(|s| old.sli(&s.name).is_none())
            .map(|s| s.name.clone())
            .collect(),
        only_baseline: old
            .slis
            .iter()
            .filter(|s| current.sli(&s.name).is_none())
            .map(|s| s.name.clone())
            .collect(),
        notes,
    }
}

/// One SLI's test, before the Holm step (`judge`).
fn compare_sli(
    now: &SliReport,
    was: &SliReport,
    old: &Report,
    current: &Report,
    same_seed: bool,
    notes: &mut Vec<String>,
) -> SliComparison {
    let level = current.confidence;
    let mut c = SliComparison {
        sli: now.name.clone(),
        baseline_mean: was.availability.point,
        baseline_std_error: was.availability.std_error,
        current_mean: now.availability.point,
        current_std_error: now.availability.std_error,
        method: TestMethod::None,
        pairs: None,
        change: None,
        t: None,
        df: None,
        p_value: None,
        adjusted_p: None,
        verdict: Verdict::Pass,
        reason: String::new(),
    };
    let sampled =
        !now.replication_unavailability.is_empty() && !was.replication_unavailability.is_empty();
    let paired = if same_seed && sampled {
        paired_difference(
            &now.replication_unavailability,
            &was.replication_unavailability,
            level,
        )
    } else {
        None
    };
    if let Some(d) = paired {
        c.pairs = Some(d.pairs);
        c.change = Some(d.estimate.into());
        if d.identical {
            c.method = TestMethod::Exact;
            c.reason = format!("identical in all {} paired replications", d.pairs);
        } else if let Some(t) = d.t() {
            c.method = TestMethod::Paired;
            c.t = Some(t);
            c.df = Some(d.df());
            c.p_value = Some(d.p_larger());
        } else {
            c.method = TestMethod::Exact;
            if d.estimate.point > 0.0 {
                c.verdict = Verdict::Fail;
                c.reason = format!(
                    "regression: worse by the same amount in every one of {} paired replications",
                    d.pairs
                );
            } else {
                c.reason = format!(
                    "no regression: the same difference in all {} paired replications, and not a loss",
                    d.pairs
                );
            }
        }
        return c;
    }
    let note = if !same_seed {
        format!(
            "the seeds differ (baseline {}, this run {}), so replications are not paired: Welch's unpaired test is used",
            old.seed, current.seed
        )
    } else if sampled {
        "the per-replication figures cannot be paired (fewer than two in common, or one not finite): \
         Welch's unpaired test is used"
            .to_string()
    } else {
        let missing = if was.replication_unavailability.is_empty() {
            "the baseline holds"
        } else {
            "this run holds"
        };
        format!(
            "{missing} no per-replication figures (a report from an older nines), so replications cannot be paired: \
             Welch's unpaired test is used"
        )
    };
    if !notes.contains(&note) {
        notes.push(note);
    }
    welch(
        &mut c,
        old.replications as f64,
        current.replications as f64,
        level,
    );
    c
}

/// Welch's test on the two mean availabilities.
fn welch(c: &mut SliComparison, n_old: f64, n_new: f64, level: f64) {
    let (a_old, s_old) = (c.baseline_mean, c.baseline_std_error);
    let (a_new, s_new) = (c.current_mean, c.current_std_error);
    let drop = a_old - a_new;
    if !(a_old.is_finite() && a_new.is_finite() && s_old.is_finite() && s_new.is_finite()) {
        c.verdict = Verdict::Inconclusive;
        c.reason = "a mean or standard error is missing, so no test is possible".into();
        return;
    }
    if s_old == 0.0 && s_new == 0.0 {
        // No spread on either side (nothing failed in both): nothing to test.
        c.method = TestMethod::Exact;
        c.change = Some(Interval {
            point: drop,
            lower: drop,
            upper: drop,
            std_error: 0.0,
        });
        if drop > 0.0 {
            c.verdict = Verdict::Fail;
            c.reason = "regression: neither run varies, and availability dropped".into();
        } else {
            c.reason = "nothing to test: neither run varies (no failure in either)".into();
        }
        return;
    }
    let (v_old, v_new) = (s_old * s_old, s_new * s_new);
    let se = (v_old + v_new).sqrt();
    let t = drop / se;
    // A zero-variance side drops out: df is then the other's n - 1.
    let term = |v: f64, n: f64| if v > 0.0 { v * v / (n - 1.0) } else { 0.0 };
    let df = (v_old + v_new).powi(2) / (term(v_old, n_old) + term(v_new, n_new));
    let half = student_t_critical(level, df) * se;
    c.method = TestMethod::Welch;
    c.change = Some(Interval {
        point: drop,
        lower: drop - half,
        upper: drop + half,
        std_error: se,
    });
    c.t = Some(t);
    c.df = Some(df);
    c.p_value = Some(student_t_upper_tail(t, df));
}

/// Holm–Bonferroni across the SLIs with a t test, then each verdict and
/// reason.
fn judge(slis: &mut [SliComparison], level: f64) {
    let alpha = 1.0 - level;
    let tested: Vec<usize> = (0..slis.len())
        .filter(|&i| slis[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested
        .iter()
        .map(|&i| slis[i].p_value.unwrap_or(1.0))
        .collect();
    let adjusted = holm_adjusted(&p);
    for (&i, &adj) in tested.iter().zip(&adjusted) {
        let c = &mut slis[i];
        c.adjusted_p = Some(adj);
        let (t, df, p) = (
            c.t.unwrap_or(f64::NAN),
            c.df.unwrap_or(f64::NAN),
            c.p_value.unwrap_or(f64::NAN),
        );
        let name = match c.method {
            TestMethod::Paired => "paired t",
            _ => "Welch t",
        };
        let stats = format!(
            "{name} = {t:.3} (df = {}), p = {}, Holm-adjusted p = {}",
            significant(df),
            p_text(p),
            p_text(adj)
        );
        if adj <= alpha {
            c.verdict = Verdict::Fail;
            c.reason = format!("regression: {stats} <= {}", trim_float(alpha, 4));
        } else {
            c.verdict = Verdict::Pass;
            c.reason = format!(
                "no significant regression: {stats} > {}",
                trim_float(alpha, 4)
            );
        }
    }
}
