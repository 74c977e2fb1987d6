//! The problem collector every topic validator writes to, and the checks
//! they share: distributions, counts in a range, positive durations.

use serde_saphyr::{Location, Spanned};

use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::Problem;
use crate::scenario::files::FileAccess;
use crate::scenario::schema::{Duration, RawDistribution};

/// Collects located problems.
pub(super) struct Checker<'a> {
    /// The scenario file (or `<built-in>`), for locations and for paths
    /// relative to it.
    pub(super) file: &'a str,
    /// Every problem found so far, in the order found.
    pub(super) problems: Vec<Problem>,
    /// Which files the scenario may name (load traces).
    pub(super) files: FileAccess,
}

impl Checker<'_> {
    /// Records that the value at `location` (the field `field`) is wrong:
    /// `message` says why and what would be valid.
    pub(super) fn at(
        &mut self,
        location: &Location,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: location.line(),
            column: location.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// The distribution a `{kind: {parameters}}` block describes; an
    /// impossible one is reported and stands in as zero, so checking goes on.
    pub(super) fn distribution(
        &mut self,
        raw: &Spanned<RawDistribution>,
        field: &str,
    ) -> Distribution {
        let built = match &raw.value {
            RawDistribution::Exponential { mean } => Distribution::exponential(mean.0),
            RawDistribution::Weibull { shape, mean, scale } => {
                Distribution::weibull(*shape, mean.map(|d| d.0), scale.map(|d| d.0))
            }
            RawDistribution::Lognormal { median, p99 } => Distribution::log_normal(median.0, p99.0),
            RawDistribution::Gamma { shape, mean } => Distribution::gamma(*shape, mean.0),
            RawDistribution::Deterministic(value) => Ok(Distribution::deterministic(value.0)),
            RawDistribution::Uniform { min, max } => Distribution::uniform(min.0, max.0),
            RawDistribution::Empirical { samples } => {
                Distribution::empirical(&samples.iter().map(|d| d.0).collect::<Vec<_>>())
            }
        };
        built.unwrap_or_else(|message| {
            self.at(&raw.referenced, field, message);
            Distribution::deterministic(SimDuration::ZERO)
        })
    }

    /// An optional duration that must be longer than zero when given.
    pub(super) fn positive_duration(
        &mut self,
        raw: Option<&Spanned<Duration>>,
        field: &str,
        default: SimDuration,
    ) -> SimDuration {
        let Some(raw) = raw else {
            return default;
        };
        if raw.value.0.is_zero() {
            self.at(
                &raw.referenced,
                field,
                format!("must be longer than zero (default {default})"),
            );
        }
        raw.value.0
    }

    /// A name the user gave (`field` at `at`): at most [`MAX_NAME_CHARS`]
    /// characters and no control characters, so every table, chart and
    /// CI log can print it. The name itself is not quoted: it may be long.
    pub(super) fn name(&mut self, at: &Location, field: impl Into<String>, name: &str) {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            self.at(
                at,
                field,
                format!(
                    "the name has {chars} characters; use at most {MAX_NAME_CHARS} (the Kubernetes object-name limit)"
                ),
            );
        } else if let Some(c) = name.chars().find(|c| c.is_control()) {
            self.at(
                at,
                field,
                format!(
                    "the name holds the control character {}; use printable characters",
                    c.escape_default()
                ),
            );
        }
    }

    /// A count in [min, max], with a hint of what is valid.
    pub(super) fn count(&mut self, raw: &Spanned<u64>, field: &str, min: u64, max: u64) -> u32 {
        if raw.value < min || raw.value > max {
            self.at(
                &raw.referenced,
                field,
                format!(
                    "{} is out of range; use a whole number from {min} to {max}",
                    raw.value
                ),
            );
        }
        raw.value.clamp(min, max) as u32
    }
}

/// The longest name (scenario, zone, machine group, failure mode, domain,
/// workload, chaos step): 253 characters, the longest Kubernetes object
/// name (a DNS subdomain, RFC 1123).
pub const MAX_NAME_CHARS: usize = 253;

/// An optional duration, or `default` when absent.
pub(super) fn duration_or(raw: &Option<Spanned<Duration>>, default: SimDuration) -> SimDuration {
    raw.as_ref().map_or(default, |d| d.value.0)
}
