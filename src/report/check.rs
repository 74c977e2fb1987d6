//! `nines check`: a scenario's `expect:` targets judged against a report,
//! and an optional comparison with a saved baseline report. The result is
//! one [`CheckReport`] value; the terminal text, the Markdown summary and
//! the JUnit XML are views of it.
//!
//! **Targets are judged on the confidence interval**, not the point
//! estimate: a target passes only when the whole interval clears it, fails
//! when the whole interval misses it, and is *inconclusive* otherwise. An
//! inconclusive verdict comes with an estimate of the replications that
//! would likely decide it: an interval's half-width shrinks as `1/sqrt(n)`,
//! so deciding needs about `n · (half-width / distance to target)²`.
//!
//! When nothing failed the report holds a one-sided bound instead of an
//! interval (`unavailability_upper`, `outages_per_year_upper`,
//! `mttf_seconds_lower`, `events_per_year_upper`). A bound that clears the
//! target passes; a bound that already contradicts it (a target on the
//! other side, e.g. `mttf <= 1y` against a 50-year lower bound) fails; any
//! other case is inconclusive. Such bounds shrink as `1/n`.
//!
//! **Baseline**: each SLI's mean availability is compared with the
//! baseline's by Welch's t-test, one-sided (H1: the current mean is lower)
//! at the run's confidence level: `t = (A_base - A_now) / sqrt(se_base² +
//! se_now²)`, degrees of freedom by Welch–Satterthwaite from the standard
//! errors and replication counts. A side where nothing failed has standard
//! error 0 and drops out of the degrees of freedom (the other side's `n - 1`
//! remain); with no spread on either side nothing can be tested and only an
//! outright drop counts as a regression.

use std::fmt::Write as _;
use std::path::Path;

use super::units::{duration, percent};
use super::{Report, ReportError};
use crate::scenario::{Comparison, DATA_LOSS, Expectation, Metric, Problem};
use crate::stats::student_t_critical;

/// Seconds in a 365-day year (the report's "per year").
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// The marker written into Markdown and JUnit files: a file that has it may
/// be overwritten by the next check, any other file is left alone.
pub const MARKER: &str = "<!-- nines check report -->";

/// A judgement, ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// The target is met (the baseline shows no regression).
    Pass,
    /// The interval straddles the target (or no estimate exists).
    Inconclusive,
    /// The target is missed (a significant regression).
    Fail,
}

impl Verdict {
    /// The process exit code of `nines check`: 0 pass, 1 fail, 3
    /// inconclusive (2 is for usage and input errors).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Inconclusive => 3,
        }
    }

    /// Upper-case label for the terminal.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// What the report says about one metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Observed {
    /// A point estimate with its confidence interval (an unknown end is
    /// infinite).
    Interval {
        /// Point estimate.
        point: f64,
        /// Lower end.
        lower: f64,
        /// Upper end.
        upper: f64,
    },
    /// Only a lower bound is known (nothing failed).
    AtLeast(f64),
    /// Only an upper bound is known (nothing failed).
    AtMost(f64),
    /// No estimate exists (e.g. MTTR with no outage).
    Missing,
}

/// One target's judgement.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectationResult {
    /// The target as written.
    pub expectation: String,
    /// SLI name (or `data_loss`).
    pub sli: String,
    /// What was measured.
    pub metric: Metric,
    /// The comparison.
    pub comparison: Comparison,
    /// The target in canonical units.
    pub target: f64,
    /// What the report says.
    pub observed: Observed,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words (with a hint when inconclusive).
    pub reason: String,
    /// For an inconclusive verdict: replications that would likely decide it.
    pub replications_needed: Option<u64>,
}

impl ExpectationResult {
    /// The measured value for a table: the point estimate or the bound.
    pub fn value_text(&self) -> String {
        match self.observed {
            Observed::Interval { point, .. } => format_value(self.metric, point),
            Observed::AtLeast(b) => format!(">= {}", format_value(self.metric, b)),
            Observed::AtMost(b) => format!("<= {}", format_value(self.metric, b)),
            Observed::Missing => "-".into(),
        }
    }

    /// The interval for a table, `[lower, upper]`, or what stands in for it.
    pub fn interval_text(&self) -> String {
        match self.observed {
            Observed::Interval { lower, upper, .. } => format!(
                "[{}, {}]",
                format_value(self.metric, lower),
                format_value(self.metric, upper)
            ),
            Observed::AtLeast(_) | Observed::AtMost(_) => "one-sided bound".into(),
            Observed::Missing => "-".into(),
        }
    }

    /// The target for a table, e.g. `>= 99.95%`.
    pub fn target_text(&self) -> String {
        format!(
            "{} {}",
            self.comparison.symbol(),
            format_target(self.metric, self.target)
        )
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

/// Everything `nines check` decided.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// Scenario name.
    pub scenario: String,
    /// Scenario digest.
    pub digest: String,
    /// Master seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Length of each replication, seconds.
    pub horizon_seconds: f64,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// One result per target, in file order.
    pub expectations: Vec<ExpectationResult>,
    /// The baseline comparison, if asked for.
    pub baseline: Option<BaselineComparison>,
}

impl CheckReport {
    /// The overall verdict: any failure or regression fails; otherwise any
    /// inconclusive result is inconclusive.
    pub fn verdict(&self) -> Verdict {
        self.expectations
            .iter()
            .map(|e| e.verdict)
            .chain(
                self.baseline
                    .iter()
                    .flat_map(|b| b.slis.iter().map(|s| s.verdict)),
            )
            .max()
            .unwrap_or(Verdict::Pass)
    }

    fn counts(&self) -> String {
        let count = |v: Verdict| self.expectations.iter().filter(|e| e.verdict == v).count();
        let mut text = if self.expectations.is_empty() {
            "no targets".to_string()
        } else {
            format!(
                "{} passed, {} failed, {} inconclusive",
                count(Verdict::Pass),
                count(Verdict::Fail),
                count(Verdict::Inconclusive)
            )
        };
        if let Some(b) = &self.baseline {
            let regressions = b.slis.iter().filter(|s| s.verdict == Verdict::Fail).count();
            let untested = b
                .slis
                .iter()
                .filter(|s| s.verdict == Verdict::Inconclusive)
                .count();
            let _ = write!(
                text,
                "; baseline: {regressions} regression{}",
                if regressions == 1 { "" } else { "s" }
            );
            if untested > 0 {
                let _ = write!(text, ", {untested} not testable");
            }
        }
        text
    }
}

/// Why a check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Targets name SLIs the report does not have.
    #[error("{}", problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))]
    UnknownSli {
        /// One located problem per target.
        problems: Vec<Problem>,
    },
}

/// Judges `expectations` (parsed from `file`) against `report`, and
/// compares with `baseline` (its source name and report) if given.
pub fn check(
    report: &Report,
    expectations: &[Expectation],
    file: &str,
    baseline: Option<(&str, &Report)>,
) -> Result<CheckReport, CheckError> {
    let known: Vec<&str> = report.slis.iter().map(|s| s.name.as_str()).collect();
    let problems: Vec<Problem> = expectations
        .iter()
        .filter(|e| e.sli != DATA_LOSS && report.sli(&e.sli).is_none())
        .map(|e| Problem {
            file: file.to_string(),
            line: e.line,
            column: e.column,
            field: format!("expect[{}]", e.index),
            message: format!(
                "unknown SLI `{}`; this scenario's SLIs are {} (and data_loss)",
                e.sli,
                known.join(", ")
            ),
        })
        .collect();
    if !problems.is_empty() {
        return Err(CheckError::UnknownSli { problems });
    }
    Ok(CheckReport {
        scenario: report.scenario.name.clone(),
        digest: report.scenario.digest.clone(),
        seed: report.seed,
        replications: report.replications,
        horizon_seconds: report.horizon_seconds,
        confidence: report.confidence,
        expectations: expectations.iter().map(|e| evaluate(report, e)).collect(),
        baseline: baseline.map(|(source, old)| compare(report, source, old)),
    })
}

/// What the report says about the metric of `e`.
fn observe(report: &Report, e: &Expectation) -> Observed {
    let interval = |i: &super::Interval| Observed::Interval {
        point: i.point,
        lower: if i.lower.is_nan() {
            f64::NEG_INFINITY
        } else {
            i.lower
        },
        upper: if i.upper.is_nan() {
            f64::INFINITY
        } else {
            i.upper
        },
    };
    if e.sli == DATA_LOSS {
        let loss = &report.data_loss;
        return match loss.events_per_year_upper {
            Some(u) => Observed::AtMost(u),
            None => interval(&loss.events_per_year),
        };
    }
    let s = report.sli(&e.sli).expect("SLIs are checked first");
    let bound = s.unavailability_upper;
    match e.metric {
        Metric::Availability => {
            bound.map_or(interval(&s.availability), |u| Observed::AtLeast(1.0 - u))
        }
        Metric::Nines => bound.map_or(interval(&s.nines), |u| Observed::AtLeast(-u.log10())),
        Metric::DowntimePerYear => bound.map_or(interval(&s.downtime_seconds_per_year), |u| {
            Observed::AtMost(u * YEAR_SECS)
        }),
        Metric::OutagesPerYear => s
            .outages_per_year_upper
            .map_or(interval(&s.outages_per_year), Observed::AtMost),
        Metric::Mttf => match (&s.mttf_seconds, s.mttf_seconds_lower) {
            (Some(i), _) => interval(i),
            (None, Some(l)) => Observed::AtLeast(l),
            (None, None) => Observed::Missing,
        },
        Metric::Mttr => s.mttr_seconds.as_ref().map_or(Observed::Missing, interval),
        // With no outage, MTBF >= a year over the upper bound on the rate.
        Metric::Mtbf => match (&s.mtbf_seconds, s.outages_per_year_upper) {
            (Some(i), _) => interval(i),
            (None, Some(r)) if r > 0.0 => Observed::AtLeast(YEAR_SECS / r),
            _ => Observed::Missing,
        },
        Metric::DataLossEventsPerYear => Observed::Missing,
    }
}

fn evaluate(report: &Report, e: &Expectation) -> ExpectationResult {
    let observed = observe(report, e);
    let n = report.replications;
    let level = level_text(report.confidence);
    let (op, target) = (e.comparison, e.target);
    let target_text = format!("{} {}", op.symbol(), format_target(e.metric, target));
    let fmt = |x: f64| format_value(e.metric, x);
    let (verdict, reason, needed) = match observed {
        Observed::Interval {
            point,
            lower,
            upper,
        } => {
            let shown = format!("the {level} interval [{}, {}]", fmt(lower), fmt(upper));
            let (lo_ok, hi_ok) = (op.holds(lower, target), op.holds(upper, target));
            if lo_ok && hi_ok {
                (
                    Verdict::Pass,
                    format!("{shown} clears the target {target_text}"),
                    None,
                )
            } else if !lo_ok && !hi_ok {
                (
                    Verdict::Fail,
                    format!("{shown} misses the target {target_text} entirely"),
                    None,
                )
            } else {
                let side = if target < point {
                    point - lower
                } else {
                    upper - point
                };
                let distance = (point - target).abs();
                let needed = (distance > 0.0 && side.is_finite())
                    .then(|| needed(n, (side / distance).powi(2)));
                let hint = match needed {
                    Some(m) => format!(
                        "; about {m} replications (now {n}) would likely decide it: rerun with --replications {m}"
                    ),
                    None if distance == 0.0 => {
                        "; the estimate sits on the target, so no number of replications will decide it".into()
                    }
                    None => "; add replications".into(),
                };
                (
                    Verdict::Inconclusive,
                    format!("{shown} contains the target {target_text}{hint}"),
                    needed,
                )
            }
        }
        Observed::AtLeast(b) | Observed::AtMost(b) => {
            let lower_bound = matches!(observed, Observed::AtLeast(_));
            let sign = if lower_bound { ">=" } else { "<=" };
            let nothing = match e.metric {
                _ if e.sli == DATA_LOSS => "no etcd data loss",
                Metric::Availability | Metric::Nines | Metric::DowntimePerYear => {
                    "no failed request"
                }
                _ => "no outage",
            };
            let shown = format!(
                "{nothing} in {n} replications; the {level} bound {sign} {}",
                fmt(b)
            );
            if lower_bound == op.wants_high() {
                if op.holds(b, target) {
                    (
                        Verdict::Pass,
                        format!("{shown} clears the target {target_text}"),
                        None,
                    )
                } else {
                    let needed = bound_ratio(e.metric, b, target).map(|r| needed(n, r));
                    let hint = match needed {
                        Some(m) => format!(
                            "; about {m} replications without a failure (now {n}) would clear it: rerun with --replications {m}"
                        ),
                        None => "; no finite run can show this target".into(),
                    };
                    (
                        Verdict::Inconclusive,
                        format!("{shown} does not clear the target {target_text}{hint}"),
                        needed,
                    )
                }
            } else if !op.holds(b, target) {
                (
                    Verdict::Fail,
                    format!("{shown} rules out the target {target_text}"),
                    None,
                )
            } else {
                (
                    Verdict::Inconclusive,
                    format!(
                        "{shown} says nothing about the target {target_text}; add replications"
                    ),
                    None,
                )
            }
        }
        Observed::Missing => (
            Verdict::Inconclusive,
            format!(
                "no {} was measured: no outage in {n} replications; add replications or a longer horizon",
                e.metric.name()
            ),
            None,
        ),
    };
    ExpectationResult {
        expectation: e.text.clone(),
        sli: e.sli.clone(),
        metric: e.metric,
        comparison: e.comparison,
        target: e.target,
        observed,
        verdict,
        reason,
        replications_needed: needed,
    }
}

/// Replications for a factor `ratio` of the current count, at least one more.
fn needed(n: u64, ratio: f64) -> u64 {
    let m = (n as f64 * ratio).ceil();
    if m.is_finite() && m < 1e12 {
        (m as u64).max(n + 1)
    } else {
        u64::MAX
    }
}

/// By what factor replications must grow for a zero-failure bound `b` to
/// reach `target`: such bounds shrink (or, for lifetimes, grow) as `1/n`.
fn bound_ratio(metric: Metric, b: f64, target: f64) -> Option<f64> {
    let ratio = match metric {
        Metric::Availability => (1.0 - b) / (1.0 - target),
        Metric::Nines => 10f64.powf(target - b),
        Metric::Mttf | Metric::Mtbf => target / b,
        Metric::DowntimePerYear
        | Metric::OutagesPerYear
        | Metric::DataLossEventsPerYear
        | Metric::Mttr => b / target,
    };
    (ratio.is_finite() && ratio > 0.0).then_some(ratio)
}

/// Compares every SLI present in both reports.
fn compare(current: &Report, source: &str, baseline: &Report) -> BaselineComparison {
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

/// A value of a metric for people.
pub fn format_value(metric: Metric, x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    match metric {
        Metric::Availability => percent(x),
        Metric::Nines => format!("{x:.2}"),
        Metric::DowntimePerYear | Metric::Mttf | Metric::Mttr | Metric::Mtbf => duration(x),
        Metric::OutagesPerYear | Metric::DataLossEventsPerYear => significant(x),
    }
}

/// A target for people, close to how it was written.
fn format_target(metric: Metric, x: f64) -> String {
    match metric {
        Metric::Availability => format!("{}%", trim_float(x * 100.0, 8)),
        Metric::Nines | Metric::OutagesPerYear | Metric::DataLossEventsPerYear => trim_float(x, 8),
        _ => duration(x),
    }
}

/// Three significant digits, no exponent for ordinary rates.
fn significant(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.digits$}")
}

/// `x` with at most `decimals` decimals and no trailing zeros.
fn trim_float(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn level_text(confidence: f64) -> String {
    format!("{}%", trim_float(confidence * 100.0, 2))
}

// ---------------------------------------------------------------- views

/// The verdict for the terminal.
pub fn render_text(check: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "nines check: {}, {} replications x {}, seed {}, {} confidence",
        check.scenario,
        check.replications,
        duration(check.horizon_seconds),
        check.seed,
        level_text(check.confidence)
    );
    if !check.expectations.is_empty() {
        out.push('\n');
        let width = check
            .expectations
            .iter()
            .map(|e| e.expectation.chars().count())
            .max()
            .unwrap_or(0);
        for e in &check.expectations {
            let _ = writeln!(
                out,
                "{:<12}  {:<width$}  {}  {}",
                e.verdict.label(),
                e.expectation,
                e.value_text(),
                e.interval_text()
            );
            let _ = writeln!(out, "{:<12}  {}", "", e.reason);
        }
    }
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "\nbaseline {} ({}, {} replications)\ntest: {}",
            b.source,
            b.scenario,
            b.replications,
            b.test_description()
        );
        let width = b.slis.iter().map(|s| s.sli.len()).max().unwrap_or(0);
        for s in &b.slis {
            let label = match s.verdict {
                Verdict::Pass => "ok",
                Verdict::Fail => "REGRESSION",
                Verdict::Inconclusive => "UNTESTED",
            };
            let _ = writeln!(
                out,
                "{:<12}  {:<width$}  {} -> {}  {}",
                label,
                s.sli,
                percent(s.baseline_mean),
                percent(s.current_mean),
                s.reason
            );
        }
        for u in &b.unmatched {
            let _ = writeln!(out, "{:<12}  {u}", "not compared");
        }
    }
    let _ = writeln!(
        out,
        "\nverdict: {} ({})",
        check.verdict().label(),
        check.counts()
    );
    out
}

/// Escapes text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn md_verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅ pass",
        Verdict::Fail => "❌ fail",
        Verdict::Inconclusive => "⚠️ inconclusive",
    }
}

/// A Markdown summary for a CI job page (e.g. `$GITHUB_STEP_SUMMARY`).
pub fn render_markdown(check: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(
        out,
        "## nines check: {} — {}\n",
        md_cell(&check.scenario),
        md_verdict(check.verdict())
    );
    let _ = writeln!(
        out,
        "{} replications × {}, seed {}, {} confidence; {}.\n",
        check.replications,
        duration(check.horizon_seconds),
        check.seed,
        level_text(check.confidence),
        check.counts()
    );
    if !check.expectations.is_empty() {
        let level = level_text(check.confidence);
        let _ = writeln!(
            out,
            "| expectation | value | {level} interval | target | verdict |\n|---|---|---|---|---|"
        );
        for e in &check.expectations {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                md_cell(&e.expectation),
                md_cell(&e.value_text()),
                md_cell(&e.interval_text()),
                md_cell(&e.target_text()),
                md_verdict(e.verdict)
            );
        }
        let notes: Vec<&ExpectationResult> = check
            .expectations
            .iter()
            .filter(|e| e.verdict != Verdict::Pass)
            .collect();
        if !notes.is_empty() {
            out.push('\n');
            for e in notes {
                let _ = writeln!(out, "- `{}`: {}", md_cell(&e.expectation), e.reason);
            }
        }
    }
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "\n### Baseline: {} ({}, {} replications)\n\n{}.\n",
            md_cell(&b.source),
            md_cell(&b.scenario),
            b.replications,
            b.test_description()
        );
        let _ = writeln!(
            out,
            "| SLI | baseline | current | t | df | critical t | verdict |\n|---|---|---|---|---|---|---|"
        );
        let num = |x: Option<f64>, digits: usize| x.map_or("-".into(), |v| format!("{v:.digits$}"));
        for s in &b.slis {
            let verdict = match s.verdict {
                Verdict::Pass => "✅ no regression",
                Verdict::Fail => "❌ regression",
                Verdict::Inconclusive => "⚠️ not testable",
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                md_cell(&s.sli),
                percent(s.baseline_mean),
                percent(s.current_mean),
                num(s.t, 3),
                num(s.df, 1),
                num(s.critical, 3),
                verdict
            );
        }
        if !b.unmatched.is_empty() {
            let _ = writeln!(out, "\nNot compared: {}.", md_cell(&b.unmatched.join(", ")));
        }
    }
    out
}

/// Escapes text for XML content and attributes; drops characters XML 1.0
/// cannot hold.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Case {
    name: String,
    classname: String,
    verdict: Verdict,
    message: String,
    detail: String,
}

fn junit_suite(out: &mut String, name: &str, properties: &[(&str, String)], cases: &[Case]) {
    let count = |v: Verdict| cases.iter().filter(|c| c.verdict == v).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
        xml(name),
        cases.len(),
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    );
    if !properties.is_empty() {
        out.push_str("    <properties>\n");
        for (k, v) in properties {
            let _ = writeln!(
                out,
                "      <property name=\"{}\" value=\"{}\"/>",
                xml(k),
                xml(v)
            );
        }
        out.push_str("    </properties>\n");
    }
    for c in cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
            xml(&c.name),
            xml(&c.classname)
        );
        match c.verdict {
            Verdict::Pass => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&c.detail)
                );
            }
            Verdict::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml(&c.message),
                    if c.classname.ends_with("baseline") {
                        "regression"
                    } else {
                        "expectation"
                    },
                    xml(&c.detail)
                );
            }
            Verdict::Inconclusive => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(&format!("inconclusive: {}", c.message))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// JUnit XML: one test case per target and per baseline comparison;
/// failures as `<failure>`, inconclusive results as `<skipped>`.
pub fn render_junit(check: &CheckReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "{MARKER}");
    let expectation_cases: Vec<Case> = check
        .expectations
        .iter()
        .map(|e| Case {
            name: e.expectation.clone(),
            classname: format!("nines.{}.expect", check.scenario),
            verdict: e.verdict,
            message: e.reason.clone(),
            detail: format!(
                "value {}, {} interval {}, target {}: {}",
                e.value_text(),
                level_text(check.confidence),
                e.interval_text(),
                e.target_text(),
                e.reason
            ),
        })
        .collect();
    let baseline_cases: Vec<Case> = check
        .baseline
        .iter()
        .flat_map(|b| {
            b.slis.iter().map(move |s| Case {
                name: format!("{} availability vs baseline", s.sli),
                classname: format!("nines.{}.baseline", check.scenario),
                verdict: s.verdict,
                message: s.reason.clone(),
                detail: format!(
                    "{} -> {}: {}. Test: {}.",
                    percent(s.baseline_mean),
                    percent(s.current_mean),
                    s.reason,
                    b.test_description()
                ),
            })
        })
        .collect();
    let all = expectation_cases.len() + baseline_cases.len();
    let count = |v: Verdict| {
        expectation_cases
            .iter()
            .chain(&baseline_cases)
            .filter(|c| c.verdict == v)
            .count()
    };
    let _ = writeln!(
        out,
        "<testsuites name=\"nines check\" tests=\"{all}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    );
    let properties = [
        ("scenario", check.scenario.clone()),
        ("scenario_digest", check.digest.clone()),
        ("seed", check.seed.to_string()),
        ("replications", check.replications.to_string()),
        ("confidence", check.confidence.to_string()),
    ];
    junit_suite(
        &mut out,
        &format!("{} expectations", check.scenario),
        &properties,
        &expectation_cases,
    );
    if let Some(b) = &check.baseline {
        let properties = [
            ("baseline", b.source.clone()),
            ("baseline_scenario", b.scenario.clone()),
            ("test", b.test_description()),
        ];
        junit_suite(
            &mut out,
            &format!("{} baseline", check.scenario),
            &properties,
            &baseline_cases,
        );
    }
    out.push_str("</testsuites>\n");
    out
}

/// Writes the Markdown summary. An existing file is replaced only if it is
/// empty or carries [`MARKER`] (an earlier check wrote it).
pub fn write_markdown(check: &CheckReport, path: &Path) -> Result<(), ReportError> {
    write_marked(&render_markdown(check), path)
}

/// Writes the JUnit XML, with the same overwrite rule as [`write_markdown`].
pub fn write_junit(check: &CheckReport, path: &Path) -> Result<(), ReportError> {
    write_marked(&render_junit(check), path)
}

/// Writes `text`, replacing an existing file only if it carries
/// [`MARKER`] near its start (an earlier check output), as `--json` does
/// for reports.
fn write_marked(text: &str, path: &Path) -> Result<(), ReportError> {
    let shown = path.display().to_string();
    if path.exists() {
        let existing = std::fs::read(path).unwrap_or_default();
        let head = String::from_utf8_lossy(&existing[..existing.len().min(512)]);
        // An empty file (e.g. a fresh `$GITHUB_STEP_SUMMARY`) holds nothing to lose.
        if !existing.is_empty() && !head.contains(MARKER) {
            return Err(ReportError::WouldOverwrite { path: shown });
        }
    }
    std::fs::write(path, text).map_err(|e| ReportError::Io {
        path: shown,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }

    #[test]
    fn one_sided_critical_values() {
        // t_{0.95, inf} = 1.645; t_{0.95, 10} = 1.812.
        assert!((one_sided_critical(0.95, 1e9) - 1.6449).abs() < 1e-3);
        assert!((one_sided_critical(0.95, 10.0) - 1.8125).abs() < 1e-3);
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(significant(0.01234), "0.0123");
        assert_eq!(significant(2.5), "2.50");
        assert_eq!(significant(123.4), "123");
        assert_eq!(format_target(Metric::Availability, 0.9995), "99.95%");
        assert_eq!(trim_float(4.0, 8), "4");
    }

    #[test]
    fn replication_estimates_grow_with_the_gap() {
        assert_eq!(needed(100, 4.0), 400);
        assert_eq!(needed(100, 0.5), 101);
        assert_eq!(bound_ratio(Metric::OutagesPerYear, 2.0, 1.0), Some(2.0));
        assert_eq!(bound_ratio(Metric::OutagesPerYear, 2.0, 0.0), None);
    }
}
