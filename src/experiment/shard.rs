//! One run split over machines, and the parts merged back.
//!
//! `nines run FILE --shard I/N` runs the `I`-th of `N` contiguous blocks of
//! replication indices (block `I` is `[(I-1)·R/N, I·R/N)`, rounded down, for
//! `R` replications) and keeps their exact running [`Sums`] in a
//! [`PartialRun`]. Replication `i` still draws only from its own streams
//! (`Streams::new(seed, i)`), so it is the same lifetime whichever machine
//! runs it. [`merge`] checks that the parts belong together and cover every
//! shard exactly once, then merges their sums (exact, so in any order)
//! and summarizes them through [`from_sums`], the same entry point a single
//! run ends in: the merged result is exactly the single run's.
//!
//! A part carries the scenario text, so merging needs nothing but the
//! parts, and aggregation sees exactly the scenario the parts simulated
//! (its digest is checked again).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::split::SplitPlan;
use super::{
    ExperimentResult, ProgressUpdate, RunConfig, Stopping, Sums, run_range, summarize,
    summarize_scaling,
};
use crate::scenario::Scenario;

/// What a partial file says it is, so it is never mistaken for a report.
pub const PARTIAL_KIND: &str = "nines-partial-run";
/// Version of the partial-file layout; bumped on any incompatible change.
pub const PARTIAL_SCHEMA_VERSION: u32 = 2;

/// The most shards a run may be split into: the most completions of a
/// Kubernetes Indexed Job (100,000), far more than machines to run them.
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based position, `1..=count`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Shard `index` of `count`; `index` counts from 1 and `count` is at
    /// most [`MAX_SHARDS`].
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1, e.g. 1/4".into());
        }
        if count > MAX_SHARDS {
            return Err(format!(
                "{count} shards: at most {MAX_SHARDS} (the most completions of a Kubernetes Indexed Job), e.g. 1/1000"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "shard {index}/{count} does not exist; shards count from 1 to {count} (in a Kubernetes Indexed Job: $((JOB_COMPLETION_INDEX+1))/{count})"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The contiguous block of replication indices this shard runs, out of
    /// `total`; the blocks of all shards tile `0..total`.
    pub fn replications(&self, total: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Reads `I/N`, e.g. `2/8`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}`: write the shard as I/N, e.g. 2/8"))?;
        let number = |part: &str| {
            part.trim().parse::<u64>().map_err(|_| {
                format!("`{text}`: write the shard as I/N with whole numbers, e.g. 2/8")
            })
        };
        Shard::new(number(index)?, number(count)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The raw results of one shard, with everything needed to merge them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialRun {
    /// Always [`PARTIAL_KIND`].
    pub kind: String,
    /// [`PARTIAL_SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Version of nines that simulated it (parts must agree: results are a
    /// function of the version too).
    pub nines_version: String,
    /// Scenario label.
    pub scenario: String,
    /// SHA-256 of the scenario text.
    pub digest: String,
    /// The scenario text itself, so merging needs no other file.
    pub scenario_text: String,
    /// Master seed.
    pub seed: u64,
    /// Replications of the whole run (all shards).
    pub replications: u64,
    /// This shard, 1-based.
    pub shard: u64,
    /// Number of shards.
    pub shards: u64,
    /// Length of each replication, seconds (informational).
    pub horizon_seconds: f64,
    /// Unmeasured start of each replication, seconds (informational).
    pub warmup_seconds: f64,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// How its replications were split (`None`: plain Monte Carlo); every
    /// part of a run must agree.
    #[serde(default)]
    pub split: Option<SplitPlan>,
    /// The running sums of this shard's replications.
    pub sums: Sums,
}

/// Runs one shard of the experiment. `scenario_text` is the text the
/// scenario was parsed from (its digest must match). A precision target
/// needs every result to decide when to stop, so a sharded run is always
/// a fixed count: `replications`, or the scenario's.
pub fn run_shard(
    scenario: &Scenario,
    scenario_text: &str,
    config: &RunConfig,
    shard: Shard,
    progress: &(dyn Fn(ProgressUpdate) + Sync),
) -> Result<PartialRun, super::EventBudgetExceeded> {
    let seed = config.seed.unwrap_or(scenario.seed);
    let confidence = config.confidence.unwrap_or(super::DEFAULT_CONFIDENCE);
    let total = config.replications.unwrap_or(scenario.replications).max(2);
    let range = shard.replications(total);
    progress(ProgressUpdate::Planned(range.end - range.start));
    let tick = |done| progress(ProgressUpdate::Done(done));
    let split = super::split_plan(scenario, config);
    let budget = config
        .replication_budget
        .unwrap_or(super::DEFAULT_REPLICATION_BUDGET);
    let sums = run_range(scenario, seed, range.clone(), split.as_ref(), budget, &tick)?;
    Ok(PartialRun {
        kind: PARTIAL_KIND.to_string(),
        schema_version: PARTIAL_SCHEMA_VERSION,
        nines_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: scenario.name.clone(),
        digest: scenario.digest.clone(),
        scenario_text: scenario_text.to_string(),
        seed,
        replications: total,
        shard: shard.index,
        shards: shard.count,
        horizon_seconds: scenario.horizon.as_secs_f64(),
        warmup_seconds: scenario.warmup.as_secs_f64(),
        confidence,
        split,
        sums,
    })
}

/// The result of an experiment from its sums. Every run ends here,
/// sharded or not, so both give the same bytes. `stopping` says how the
/// run was driven ([`Stopping::fixed`] for a count).
pub fn from_sums(
    scenario: &Scenario,
    seed: u64,
    confidence: f64,
    stopping: Stopping,
    split: Option<SplitPlan>,
    sums: Sums,
) -> ExperimentResult {
    let (slis, data_loss) = summarize(scenario, &sums, confidence);
    let scaling = summarize_scaling(scenario, &sums, confidence);
    let mut warnings = super::warnings::warnings(scenario, sums.replications, sums.events);
    if split.is_some() {
        // Splitting climbs toward members without data, so disasters are
        // visited far more often than the plain rate says; single failure
        // modes are not boosted and keep their warnings.
        warnings.retain(|w| !matches!(w.exposure, super::warnings::Exposure::EtcdDisaster { .. }));
    }
    ExperimentResult {
        scenario: scenario.name.clone(),
        digest: scenario.digest.clone(),
        seed,
        replications: sums.replications,
        horizon_secs: scenario.horizon.as_secs_f64(),
        warmup_secs: scenario.warmup.as_secs_f64(),
        confidence,
        precision_reached: stopping.precision_reached(),
        stopping,
        warnings,
        slis,
        data_loss,
        scaling,
        events: sums.events,
        sample: sums.sample.clone(),
        sums,
        split,
    }
}

/// Why parts cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error(
        "no parts to merge; pass the part files written by `nines run --shard I/N --json FILE`"
    )]
    NoParts,
    /// A part is not usable by this version.
    #[error("{file}: {message}")]
    Unusable {
        /// The part.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Two parts come from different runs.
    #[error(
        "{file} does not belong with {reference}: {field} differs ({value} vs {expected}); merge only the parts of one `nines run --shard` job"
    )]
    Mismatch {
        /// The part that differs.
        file: String,
        /// The first part, which the others are compared with.
        reference: String,
        /// What differs.
        field: &'static str,
        /// Its value in `file`.
        value: String,
        /// Its value in `reference`.
        expected: String,
    },
    /// A shard appears twice.
    #[error(
        "shard {shard} appears in both {first} and {second}; was a part passed twice or a shard run twice?"
    )]
    Duplicate {
        /// The shard, e.g. `2/4`.
        shard: String,
        /// Where it was first seen.
        first: String,
        /// Where it was seen again.
        second: String,
    },
    /// Replications are missing.
    #[error("{missing} of {total} replications are missing ({ranges}); missing shards: {shards}")]
    Missing {
        /// How many.
        missing: u64,
        /// Replications in the run.
        total: u64,
        /// The missing indices as ranges, e.g. `67-133`.
        ranges: String,
        /// The shards that would hold them, e.g. `2/3`.
        shards: String,
    },
}

/// Merges the parts of one sharded run (each with a name for messages, e.g.
/// its file) into the result a single run would have produced.
pub fn merge(parts: Vec<(String, PartialRun)>) -> Result<ExperimentResult, MergeError> {
    let Some((reference, first)) = parts.first() else {
        return Err(MergeError::NoParts);
    };
    for (file, part) in &parts {
        check_usable(file, part)?;
        let mismatch = |field: &'static str, value: String, expected: String| {
            Err(MergeError::Mismatch {
                file: file.clone(),
                reference: reference.clone(),
                field,
                value,
                expected,
            })
        };
        if part.digest != first.digest {
            return mismatch(
                "the scenario (digest)",
                short(&part.digest),
                short(&first.digest),
            );
        }
        if part.scenario != first.scenario {
            return mismatch(
                "the scenario name",
                part.scenario.clone(),
                first.scenario.clone(),
            );
        }
        if part.nines_version != first.nines_version {
            return mismatch(
                "the nines version",
                part.nines_version.clone(),
                first.nines_version.clone(),
            );
        }
        if part.seed != first.seed {
            return mismatch("the seed", part.seed.to_string(), first.seed.to_string());
        }
        if part.replications != first.replications {
            return mismatch(
                "the number of replications",
                part.replications.to_string(),
                first.replications.to_string(),
            );
        }
        if part.shards != first.shards {
            return mismatch(
                "the number of shards",
                part.shards.to_string(),
                first.shards.to_string(),
            );
        }
        if part.split != first.split {
            return mismatch(
                "the splitting plan",
                format!("{:?}", part.split.as_ref().map(|p| &p.factors)),
                format!("{:?}", first.split.as_ref().map(|p| &p.factors)),
            );
        }
        if part.confidence.to_bits() != first.confidence.to_bits() {
            return mismatch(
                "the confidence level",
                part.confidence.to_string(),
                first.confidence.to_string(),
            );
        }
    }

    let total = first.replications;
    let mut owner: Vec<Option<usize>> = vec![None; first.shards as usize];
    for (p, (file, part)) in parts.iter().enumerate() {
        let slot = &mut owner[(part.shard - 1) as usize];
        if let Some(q) = *slot {
            return Err(MergeError::Duplicate {
                shard: format!("{}/{}", part.shard, part.shards),
                first: parts[q].0.clone(),
                second: file.clone(),
            });
        }
        *slot = Some(p);
        let expected = Shard {
            index: part.shard,
            count: part.shards,
        }
        .replications(total);
        let held = part.sums.replications;
        if held != expected.end - expected.start {
            return Err(MergeError::Unusable {
                file: file.clone(),
                message: format!(
                    "shard {}/{} of {total} replications must hold {} of them, but it holds {held}; the file was edited or cut short",
                    part.shard,
                    part.shards,
                    expected.end - expected.start
                ),
            });
        }
    }
    let missing_shards: Vec<Shard> = (1..=first.shards)
        .filter(|k| owner[(*k - 1) as usize].is_none())
        .map(|index| Shard {
            index,
            count: first.shards,
        })
        .collect();
    if !missing_shards.is_empty() {
        let missing: Vec<u64> = missing_shards
            .iter()
            .flat_map(|s| s.replications(total))
            .collect();
        return Err(MergeError::Missing {
            missing: missing.len() as u64,
            total,
            ranges: ranges(&missing),
            shards: missing_shards
                .iter()
                .map(Shard::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    let (seed, confidence, text) = (first.seed, first.confidence, first.scenario_text.clone());
    let split = first.split.clone();
    let scenario =
        Scenario::parse(&text, reference, &first.scenario).map_err(|e| MergeError::Unusable {
            file: reference.clone(),
            message: format!("its scenario text no longer validates: {e}"),
        })?;
    let mut sums = super::empty_sums(&scenario);
    for (file, part) in parts {
        let range = Shard {
            index: part.shard,
            count: part.shards,
        }
        .replications(total);
        if part.sums.slis.len() == sums.slis.len() {
            check_consistent(&file, &part, &scenario, sums.slis.len(), range)?;
        }
        if part.sums.slis.len() != sums.slis.len()
            || part.sums.workloads.len() != sums.workloads.len()
        {
            return Err(MergeError::Unusable {
                file,
                message: format!(
                    "it holds {} SLIs and {} loaded workloads, but its scenario has {} and {}; the file was edited",
                    part.sums.slis.len(),
                    part.sums.workloads.len(),
                    sums.slis.len(),
                    sums.workloads.len()
                ),
            });
        }
        sums.merge(part.sums);
    }
    let stopping = Stopping::fixed(total);
    Ok(from_sums(
        &scenario, seed, confidence, stopping, split, sums,
    ))
}

fn check_usable(file: &str, part: &PartialRun) -> Result<(), MergeError> {
    let unusable = |message: String| {
        Err(MergeError::Unusable {
            file: file.to_string(),
            message,
        })
    };
    if part.kind != PARTIAL_KIND {
        return unusable(format!(
            "not a nines partial run (kind `{}`); write one with `nines run FILE --shard I/N --json FILE`",
            part.kind
        ));
    }
    if part.schema_version != PARTIAL_SCHEMA_VERSION {
        return unusable(format!(
            "partial-run schema version {}, but this nines reads version {PARTIAL_SCHEMA_VERSION}; rerun the shards with this version",
            part.schema_version
        ));
    }
    if part.shard == 0 || part.shard > part.shards {
        return unusable(format!(
            "shard {}/{} does not exist",
            part.shard, part.shards
        ));
    }
    let max = crate::scenario::MAX_REPLICATIONS;
    if part.replications < 2 || part.replications > max {
        return unusable(format!(
            "a run of {} replications; a run has 2 to {max}; the file was edited",
            part.replications
        ));
    }
    if part.shards > MAX_SHARDS {
        return unusable(format!(
            "{} shards, but a run has at most {MAX_SHARDS}; the file was edited",
            part.shards
        ));
    }
    if !(part.confidence > 0.0 && part.confidence < 1.0) {
        return unusable(format!(
            "confidence {}, but a confidence level lies between 0 and 1; the file was edited",
            part.confidence
        ));
    }
    // The text is what gets aggregated: it must be the text that was run.
    let digest = Scenario::parse(&part.scenario_text, file, &part.scenario)
        .map(|s| s.digest)
        .unwrap_or_default();
    if digest != part.digest {
        return unusable("its scenario text does not match its digest; the file was edited".into());
    }
    Ok(())
}

/// What a part's figures must agree with: its scenario's horizon and
/// warmup, one entry per SLI in every sampled replication, sampled
/// replications inside the shard, and per-SLI sums over the shard's
/// replications with an unavailability between 0 and 1.
fn check_consistent(
    file: &str,
    part: &PartialRun,
    scenario: &Scenario,
    slis: usize,
    range: std::ops::Range<u64>,
) -> Result<(), MergeError> {
    let unusable = |message: String| {
        Err(MergeError::Unusable {
            file: file.to_string(),
            message: format!("{message}; the file was edited or damaged"),
        })
    };
    let (horizon, warmup) = (
        scenario.horizon.as_secs_f64(),
        scenario.warmup.as_secs_f64(),
    );
    if part.horizon_seconds.to_bits() != horizon.to_bits() {
        return unusable(format!(
            "its horizon is {} s, but its scenario's is {horizon} s",
            part.horizon_seconds
        ));
    }
    if part.warmup_seconds.to_bits() != warmup.to_bits() {
        return unusable(format!(
            "its warmup is {} s, but its scenario's is {warmup} s",
            part.warmup_seconds
        ));
    }
    let sums = &part.sums;
    for (i, sli) in sums.slis.iter().enumerate() {
        let n = sli.unavailability.count();
        let mean = sli.unavailability.mean();
        if n != sums.replications {
            return unusable(format!(
                "SLI {i} sums {n} replications, but the part holds {}",
                sums.replications
            ));
        }
        if n > 0 && !(0.0..=1.0).contains(&mean) {
            return unusable(format!(
                "SLI {i} has a mean unavailability of {mean}, not a fraction between 0 and 1"
            ));
        }
    }
    let mut previous = None;
    for sample in &sums.sample {
        if !range.contains(&sample.replication) || previous >= Some(sample.replication) {
            return unusable(format!(
                "it keeps the figures of replication {}, which is not one of its replications {}-{} in order",
                sample.replication,
                range.start,
                range.end.saturating_sub(1)
            ));
        }
        previous = Some(sample.replication);
        if sample.slis.len() != slis {
            return unusable(format!(
                "replication {} holds figures for {} SLIs, but the scenario has {slis}",
                sample.replication,
                sample.slis.len()
            ));
        }
        if let Some(bad) = sample
            .slis
            .iter()
            .find(|s| !(0.0..=1.0).contains(&s.availability))
        {
            return unusable(format!(
                "replication {} has an availability of {}, not a fraction between 0 and 1",
                sample.replication, bad.availability
            ));
        }
    }
    Ok(())
}

/// The first 12 hex digits of a digest.
fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

/// Sorted indices as compact ranges: `0-4, 9, 12-13`.
fn ranges(sorted: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    if out.len() > 8 {
        let more = out.len() - 8;
        out.truncate(8);
        out.push(format!("and {more} more"));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_replications() {
        for total in [2, 3, 10, 199, 1000] {
            for count in [1, 2, 3, 7, 16] {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard::new(index, count).unwrap().replications(total);
                    assert_eq!(r.start, next, "{index}/{count} of {total}");
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        assert!("0/8".parse::<Shard>().unwrap_err().contains("count from 1"));
        assert!("9/8".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("2".parse::<Shard>().unwrap_err().contains("I/N"));
        assert!("a/b".parse::<Shard>().is_err());
    }

    #[test]
    fn missing_indices_read_as_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
    }
}
