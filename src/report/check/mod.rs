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
//! **Baseline**: each SLI present in both reports is tested for a
//! regression, one-sided (H1: the current run loses more) at the run's
//! confidence level. When both reports have the same seed and hold
//! per-replication figures (`replication_unavailability`, the first
//! 2,000 replications), replication *i* of the two runs drew from the same
//! random streams, so the test is a **paired t-test** on the differences
//! `d_i = u_now,i - u_base,i` of the per-replication unavailabilities over
//! the replications both hold: `t = mean(d) / (sd(d) / sqrt(n))`, `n - 1`
//! degrees of freedom. Everything the runs share cancels in `d_i`, so a
//! change far smaller than either run's spread is seen. When every pair is
//! identical the difference is known to be zero and nothing is tested.
//! Otherwise (the seeds differ, or a report has no per-replication figures,
//! said in a note) the test falls back to **Welch's t-test** on the mean
//! availabilities: `t = (A_base - A_now) / sqrt(se_base² + se_now²)`,
//! degrees of freedom by Welch–Satterthwaite; a side where nothing failed
//! has standard error 0 and drops out of the degrees of freedom, and with
//! no spread on either side only an outright drop counts as a regression.
//!
//! Several SLIs are tested at once, so their p-values go through
//! **Holm–Bonferroni** (`stats::holm_adjusted`): a regression is declared
//! when the adjusted p-value is at most `alpha = 1 - confidence`, which
//! keeps the chance of any false regression across the SLIs at most
//! `alpha`, whatever their dependence. SLIs decided exactly (identical in
//! every pair, or no spread in either run) are not in the family.
//!
//! A baseline of another scenario (its digest differs) is refused unless
//! allowed ([`Baseline::allow_other_scenario`]), and so is one that shares
//! no SLI with the run ([`admit_baseline`]); SLIs in only one of the two
//! reports are listed.
//!
//! The verdicts live in `verdict.rs`, the baseline test in `baseline.rs`,
//! and each view in its own file (`text.rs`, `markdown.rs`, `junit.rs`),
//! sharing the number formats of `format.rs`.

mod baseline;
mod format;
mod json;
mod junit;
mod markdown;
mod text;
mod verdict;

use std::fmt::Write as _;

pub use baseline::{
    BaselineComparison, SliComparison, TestMethod, admit_baseline, signed_duration,
};
pub use format::format_value;
pub use json::{
    BaselineJson, CHECK_KIND, CHECK_SCHEMA_VERSION, CheckJson, ExpectationJson, ObservedJson,
    render_check_json, write_check_json,
};
pub use junit::{render_junit, write_junit};
pub use markdown::{render_markdown, write_markdown};
pub use text::render_text;
pub use verdict::{ExpectationResult, Observed, Verdict};

use super::output::{Kind, Output};
use super::{Report, ReportError};
use crate::scenario::{DATA_LOSS, Expectation, Problem};

/// The marker written into Markdown and JUnit files: a file that has it may
/// be overwritten by the next check, any other file is left alone.
pub const MARKER: &str = "<!-- nines check report -->";

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

    /// How many targets passed, failed and were inconclusive, and the
    /// baseline's regressions, in words.
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
    /// The baseline is a report of another scenario, and that was not
    /// allowed.
    #[error("baseline {file}: {message}")]
    OtherScenario {
        /// The baseline file.
        file: String,
        /// What differs, and the flag that allows it.
        message: String,
    },
    /// The baseline has none of the run's SLIs.
    #[error("baseline {file}: {message}")]
    NoCommonSli {
        /// The baseline file.
        file: String,
        /// Both lists of SLIs.
        message: String,
    },
}

/// A saved report to compare the run with.
#[derive(Clone, Copy, Debug)]
pub struct Baseline<'a> {
    /// Where it came from (its file), for messages.
    pub source: &'a str,
    /// The report.
    pub report: &'a Report,
    /// Compare even when it is a report of another scenario (its digest
    /// differs): for gating a change to the scenario itself.
    pub allow_other_scenario: bool,
}

/// Judges `expectations` (parsed from `file`) against `report`, and
/// compares with `baseline` if given (refused as [`admit_baseline`] says).
pub fn check(
    report: &Report,
    expectations: &[Expectation],
    file: &str,
    baseline: Option<Baseline<'_>>,
) -> Result<CheckReport, CheckError> {
    if let Some(b) = &baseline {
        let slis: Vec<String> = report.slis.iter().map(|s| s.name.clone()).collect();
        admit_baseline(&report.scenario.name, &report.scenario.digest, &slis, b)?;
    }
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
        expectations: expectations
            .iter()
            .map(|e| verdict::evaluate(report, e))
            .collect(),
        baseline: baseline.map(|b| baseline::compare(report, &b)),
    })
}

/// Writes `text`, replacing an existing file only if it carries
/// [`MARKER`] near its start (an earlier check output) or is empty, as
/// `--json` does for reports; an appending output (the GitHub job
/// summary) is appended to.
fn write_marked(text: &str, out: impl Into<Output>) -> Result<(), ReportError> {
    out.into()
        .write_bytes(Kind::Marked(MARKER), text.as_bytes())
}
