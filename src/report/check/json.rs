//! The verdicts of `nines check` as JSON (`nines check --json FILE`), for
//! CI tools and dashboards; its JSON Schema is `schemas/check.schema.json`,
//! generated from [`CheckJson`].
//!
//! Layout (check schema version 1): one object with `kind` (always
//! `"nines-check"`), `schema_version`, `nines_version`, `scenario` {`name`,
//! `digest`}, `seed`, `replications`, `horizon_seconds`, `confidence`, and:
//!
//! - `verdict`: `pass`, `fail` or `inconclusive`, the worst of every
//!   target and baseline comparison; `exit_code` (0, 1 or 3: what `nines
//!   check` exits with) and `exit_code_meaning` in words;
//! - `counts`: targets `passed`, `failed`, `inconclusive`, and the
//!   baseline's `regressions` and `untestable` SLIs;
//! - `expectations`: one object per `expect:` target, in file order (see
//!   [`ExpectationJson`]): the target as written, its SLI, metric,
//!   comparison and value in canonical units (`unit`), what the run
//!   observed (an interval, a one-sided bound, or nothing), the verdict,
//!   the reason in words and, for an inconclusive one, the replications
//!   that would likely decide it;
//! - `baseline`: `null` without `--baseline`, else the comparison (see
//!   [`BaselineJson`]): per SLI, the two mean availabilities, the test
//!   (`paired`, `welch`, `exact` or `none`), the change in unavailability
//!   with its interval, the t statistic, p-values and the verdict (`pass`:
//!   no significant regression, `fail`: a regression, `inconclusive`: not
//!   testable).
//!
//! Numbers that are not finite (an unbounded end of an interval) are
//! `null`. Versioning as for the run report: adding a field keeps the
//! version; renaming, removing or changing the meaning of one bumps it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BaselineComparison, CheckReport, ExpectationResult, Observed, TestMethod, Verdict};
use crate::report::output::{Kind, Output};
use crate::report::{Interval, ReportError, ScenarioInfo};
use crate::scenario::Metric;

/// Version of the check JSON layout.
pub const CHECK_SCHEMA_VERSION: u32 = 1;

/// The `kind` of a check JSON file.
pub const CHECK_KIND: &str = "nines-check";

/// A judgement in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictJson {
    /// The target is met (no baseline regression).
    Pass,
    /// The target is missed (a significant regression).
    Fail,
    /// Undecided: the interval straddles the target, or no test could be
    /// made.
    Inconclusive,
}

impl From<Verdict> for VerdictJson {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Pass => VerdictJson::Pass,
            Verdict::Fail => VerdictJson::Fail,
            Verdict::Inconclusive => VerdictJson::Inconclusive,
        }
    }
}

/// Everything `nines check` decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckJson {
    /// Always `nines-check`.
    #[schemars(extend("const" = "nines-check"))]
    pub kind: String,
    /// Version of this layout.
    pub schema_version: u32,
    /// Version of nines that produced it.
    pub nines_version: String,
    /// The scenario checked.
    pub scenario: ScenarioInfo,
    /// Master seed of the run.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Length of each replication, seconds.
    pub horizon_seconds: f64,
    /// Confidence level of every interval and of the baseline tests.
    pub confidence: f64,
    /// The overall verdict: any failure or regression fails; otherwise any
    /// inconclusive result is inconclusive.
    pub verdict: VerdictJson,
    /// What `nines check` exits with: 0 pass, 1 fail, 3 inconclusive.
    pub exit_code: u8,
    /// The exit code in words.
    pub exit_code_meaning: String,
    /// How many targets and baseline SLIs came out which way.
    pub counts: CountsJson,
    /// One entry per `expect:` target, in file order.
    pub expectations: Vec<ExpectationJson>,
    /// The baseline comparison; `null` without `--baseline`.
    pub baseline: Option<BaselineJson>,
}

/// How many targets and baseline SLIs came out which way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CountsJson {
    /// Targets passed.
    pub passed: usize,
    /// Targets failed.
    pub failed: usize,
    /// Targets undecided.
    pub inconclusive: usize,
    /// Baseline SLIs with a significant regression.
    pub regressions: usize,
    /// Baseline SLIs that could not be tested.
    pub untestable: usize,
}

/// What the run says about a target's metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ObservedJson {
    /// A point estimate with its confidence interval (`null` for an
    /// unbounded end).
    Interval {
        /// Point estimate.
        point: Option<f64>,
        /// Lower end.
        lower: Option<f64>,
        /// Upper end.
        upper: Option<f64>,
    },
    /// Nothing failed: only a one-sided lower bound is known.
    AtLeast {
        /// The bound.
        bound: Option<f64>,
    },
    /// Nothing failed: only a one-sided upper bound is known.
    AtMost {
        /// The bound.
        bound: Option<f64>,
    },
    /// No estimate exists (e.g. MTTR with no outage).
    Missing,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl From<Observed> for ObservedJson {
    fn from(o: Observed) -> Self {
        match o {
            Observed::Interval {
                point,
                lower,
                upper,
            } => ObservedJson::Interval {
                point: finite(point),
                lower: finite(lower),
                upper: finite(upper),
            },
            Observed::AtLeast(b) => ObservedJson::AtLeast { bound: finite(b) },
            Observed::AtMost(b) => ObservedJson::AtMost { bound: finite(b) },
            Observed::Missing => ObservedJson::Missing,
        }
    }
}

/// One `expect:` target's judgement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExpectationJson {
    /// The target as written, e.g. `api.write.availability >= 99.95%`.
    pub expectation: String,
    /// SLI name, or `data_loss`.
    pub sli: String,
    /// `availability`, `nines`, `downtime_per_year`, `outages_per_year`,
    /// `mttf`, `mttr`, `mtbf` or `events_per_year`.
    pub metric: String,
    /// `>=`, `<=`, `>` or `<`.
    pub comparison: String,
    /// The target in `unit`.
    pub target: f64,
    /// Unit of `target` and `observed`: `fraction`, `nines`,
    /// `seconds/year`, `1/year` or `seconds`.
    pub unit: String,
    /// What the run says.
    pub observed: ObservedJson,
    /// The judgement.
    pub verdict: VerdictJson,
    /// Why, in words (with a hint when inconclusive).
    pub reason: String,
    /// For an inconclusive verdict: replications that would likely decide
    /// it.
    pub replications_needed: Option<u64>,
}

/// The unit a metric is judged in.
pub fn metric_unit(metric: Metric) -> &'static str {
    match metric {
        Metric::Availability => "fraction",
        Metric::Nines => "nines",
        Metric::DowntimePerYear => "seconds/year",
        Metric::OutagesPerYear | Metric::DataLossEventsPerYear => "1/year",
        Metric::Mttf | Metric::Mttr | Metric::Mtbf => "seconds",
    }
}

impl From<&ExpectationResult> for ExpectationJson {
    fn from(e: &ExpectationResult) -> Self {
        ExpectationJson {
            expectation: e.expectation.clone(),
            sli: e.sli.clone(),
            metric: e.metric.name().to_string(),
            comparison: e.comparison.symbol().to_string(),
            target: e.target,
            unit: metric_unit(e.metric).to_string(),
            observed: e.observed.into(),
            verdict: e.verdict.into(),
            reason: e.reason.clone(),
            replications_needed: e.replications_needed,
        }
    }
}

/// A mean with its standard error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeanJson {
    /// Mean availability, a fraction.
    pub mean: Option<f64>,
    /// Its standard error.
    pub std_error: Option<f64>,
}

/// How an SLI was compared with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TestMethodJson {
    /// Paired t-test over the replications both reports hold (same seed).
    Paired,
    /// Welch's unpaired t-test on the means.
    Welch,
    /// Decided outright (identical in every pair, or no spread in either
    /// run); outside the Holm family.
    Exact,
    /// A figure is missing: no test.
    None,
}

impl From<TestMethod> for TestMethodJson {
    fn from(m: TestMethod) -> Self {
        match m {
            TestMethod::Paired => TestMethodJson::Paired,
            TestMethod::Welch => TestMethodJson::Welch,
            TestMethod::Exact => TestMethodJson::Exact,
            TestMethod::None => TestMethodJson::None,
        }
    }
}

/// One SLI compared with the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SliComparisonJson {
    /// SLI name.
    pub sli: String,
    /// The baseline's mean availability.
    pub baseline: MeanJson,
    /// This run's mean availability.
    pub current: MeanJson,
    /// The test.
    pub method: TestMethodJson,
    /// Replications paired (paired test only).
    pub pairs: Option<u64>,
    /// Change in unavailability, current minus baseline (positive: worse),
    /// a fraction, with its two-sided interval at the run's level.
    pub unavailability_change: Option<Interval>,
    /// The t statistic (positive when this run loses more).
    pub t: Option<f64>,
    /// Its degrees of freedom.
    pub df: Option<f64>,
    /// One-sided p-value of the test on its own.
    pub p_value: Option<f64>,
    /// Holm–Bonferroni adjusted p-value: a regression when at most
    /// `1 - confidence`.
    pub adjusted_p: Option<f64>,
    /// `pass` (no significant regression), `fail` (a regression) or
    /// `inconclusive` (not testable).
    pub verdict: VerdictJson,
    /// Why, in words.
    pub reason: String,
}

/// The comparison with a baseline report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineJson {
    /// The baseline file.
    pub source: String,
    /// The baseline's scenario name.
    pub scenario: String,
    /// The baseline's seed.
    pub seed: u64,
    /// The baseline's replications.
    pub replications: u64,
    /// The test in words (paired or Welch's, Holm–Bonferroni).
    pub test: String,
    /// One entry per SLI present in both reports.
    pub slis: Vec<SliComparisonJson>,
    /// SLIs only in this run (not compared).
    pub only_current: Vec<String>,
    /// SLIs only in the baseline (not compared).
    pub only_baseline: Vec<String>,
    /// Why a test fell back to Welch's, or that the baseline is of
    /// another scenario.
    pub notes: Vec<String>,
}

impl From<&BaselineComparison> for BaselineJson {
    fn from(b: &BaselineComparison) -> Self {
        BaselineJson {
            source: b.source.clone(),
            scenario: b.scenario.clone(),
            seed: b.seed,
            replications: b.replications,
            test: b.test_description(),
            slis: b
                .slis
                .iter()
                .map(|s| SliComparisonJson {
                    sli: s.sli.clone(),
                    baseline: MeanJson {
                        mean: finite(s.baseline_mean),
                        std_error: finite(s.baseline_std_error),
                    },
                    current: MeanJson {
                        mean: finite(s.current_mean),
                        std_error: finite(s.current_std_error),
                    },
                    method: s.method.into(),
                    pairs: s.pairs,
                    unavailability_change: s.change,
                    t: s.t.and_then(finite),
                    df: s.df.and_then(finite),
                    p_value: s.p_value.and_then(finite),
                    adjusted_p: s.adjusted_p.and_then(finite),
                    verdict: s.verdict.into(),
                    reason: s.reason.clone(),
                })
                .collect(),
            only_current: b.only_current.clone(),
            only_baseline: b.only_baseline.clone(),
            notes: b.notes.clone(),
        }
    }
}

impl From<&CheckReport> for CheckJson {
    fn from(c: &CheckReport) -> Self {
        let verdict = c.verdict();
        let count = |v: Verdict| c.expectations.iter().filter(|e| e.verdict == v).count();
        let baseline_count = |v: Verdict| {
            c.baseline
                .as_ref()
                .map_or(0, |b| b.slis.iter().filter(|s| s.verdict == v).count())
        };
        CheckJson {
            kind: CHECK_KIND.to_string(),
            schema_version: CHECK_SCHEMA_VERSION,
            nines_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: c.scenario.clone(),
                digest: c.digest.clone(),
            },
            seed: c.seed,
            replications: c.replications,
            horizon_seconds: c.horizon_seconds,
            confidence: c.confidence,
            verdict: verdict.into(),
            exit_code: verdict.exit_code(),
            exit_code_meaning: exit_code_meaning(verdict).to_string(),
            counts: CountsJson {
                passed: count(Verdict::Pass),
                failed: count(Verdict::Fail),
                inconclusive: count(Verdict::Inconclusive),
                regressions: baseline_count(Verdict::Fail),
                untestable: baseline_count(Verdict::Inconclusive),
            },
            expectations: c.expectations.iter().map(Into::into).collect(),
            baseline: c.baseline.as_ref().map(Into::into),
        }
    }
}

/// What the exit code of a verdict means.
pub fn exit_code_meaning(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass: every target met, no baseline regression",
        Verdict::Fail => {
            "fail: an interval misses a target entirely, or the baseline comparison found a significant regression"
        }
        Verdict::Inconclusive => {
            "inconclusive: an interval straddles a target (or a comparison could not be made); add replications"
        }
    }
}

/// The verdicts as pretty JSON, ending with a newline.
pub fn render_check_json(check: &CheckReport) -> String {
    let mut text = serde_json::to_string_pretty(&CheckJson::from(check))
        .expect("check JSON has only string keys");
    text.push('\n');
    text
}

/// Writes the verdicts as JSON. An existing file is replaced only if it is
/// itself a nines output (it has `schema_version` and `nines_version`), so
/// nothing else a user wrote is lost.
pub fn write_check_json(check: &CheckReport, out: impl Into<Output>) -> Result<(), ReportError> {
    out.into()
        .write_bytes(Kind::Json, render_check_json(check).as_bytes())
}
