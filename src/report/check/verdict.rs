//! Targets judged on their confidence intervals, or on one-sided bounds
//! when nothing failed, with the replications that would likely decide an
//! inconclusive one (the rules are in the [module docs](super)).

use super::format::{format_target, format_value, level_text};
use crate::report::{Interval, Report};
use crate::scenario::{Comparison, DATA_LOSS, Expectation, Metric};

/// Seconds in a 365-day year (the report's "per year").
const YEAR_SECS: f64 = 365.0 * 86_400.0;

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

/// What the report says about the metric of `e`.
fn observe(report: &Report, e: &Expectation) -> Observed {
    let interval = |i: &Interval| Observed::Interval {
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
        // Censored lifetimes bound the MTTF from below only.
        Metric::Mttf => match (&s.mttf_seconds, &s.mttf_restricted_seconds) {
            (Some(i), _) => interval(i),
            (None, Some(r)) => Observed::AtLeast(r.lower.max(0.0)),
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

/// Judges one target against the report, saying why.
pub(super) fn evaluate(report: &Report, e: &Expectation) -> ExpectationResult {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_estimates_grow_with_the_gap() {
        assert_eq!(needed(100, 4.0), 400);
        assert_eq!(needed(100, 0.5), 101);
        assert_eq!(bound_ratio(Metric::OutagesPerYear, 2.0, 1.0), Some(2.0));
        assert_eq!(bound_ratio(Metric::OutagesPerYear, 2.0, 0.0), None);
    }
}
