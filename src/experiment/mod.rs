//! Monte Carlo over independent replications. The only place that knows
//! about replications and threads.
//!
//! May import: `model`, `scenario`, `outcome`, `stats`, `engine`.
//!
//! Replication `i` draws only from `Streams::new(seed, i)`. Each
//! replication is folded into exact running sums on the thread that ran it
//! ([`sums`]); sums merge in any order to the same bits, so a result is
//! identical for any thread count and any split into shards, and memory
//! does not grow with the number of replications.

mod aggregate;
pub mod shard;
pub mod split;
pub mod sums;
pub mod sweep;

/// The step of `--timeseries` ([`Recording::timeseries_step`]).
pub use crate::engine::SimDuration;
/// The SLIs a scenario reports, in report order (known before running).
pub use crate::model::sli_names;
pub use crate::model::{TimeseriesRow, TraceEntry};
pub use aggregate::{
    CauseShare, DataLossSummary, NodeSummary, ScalingSummary, SliSummary, WorkloadScalingSummary,
    summarize, summarize_scaling,
};
pub use sums::{SAMPLE_REPLICATIONS, SampledReplication, SampledSli, Sums};

use rayon::prelude::*;

use crate::engine::{SimTime, Simulation, Streams};
use crate::model::{ClusterModel, ReplicationOutcome};
use crate::scenario::Scenario;
use split::{SplitPlan, replicate_split};

/// How to run an experiment; `None` fields take the scenario's values.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// Replications to run (or to start with, under a precision target).
    pub replications: Option<u64>,
    /// Master seed.
    pub seed: Option<u64>,
    /// Confidence level of every interval (default 0.95).
    pub confidence: Option<f64>,
    /// Stop once the relative half-width of every SLI's unavailability
    /// interval is below this (e.g. 0.1), adding replications in rounds.
    pub precision: Option<f64>,
    /// Upper limit on replications under a precision target.
    pub max_replications: Option<u64>,
    /// Whether to split replications to see rare outages (see [`split`]).
    pub acceleration: Acceleration,
}

/// Rare-event acceleration (multilevel splitting, see [`split`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Acceleration {
    /// Under a precision target, split when it applies (the scenario has no
    /// load or autoscaling and a redundant control plane) and pays off
    /// (plain Monte Carlo would see a control-plane group out fewer than
    /// [`AUTO_SPLIT_BELOW`] times in the first round); a fixed number of
    /// replications runs plain.
    #[default]
    Auto,
    /// Never split: plain Monte Carlo.
    Off,
    /// Split whenever it applies.
    On,
}

/// Under [`Acceleration::Auto`], splitting is used when plain Monte Carlo
/// would expect fewer than this many visits to the top level in the
/// replications planned.
pub const AUTO_SPLIT_BELOW: f64 = 30.0;

/// The splitting plan `config` asks for with `replications` planned.
pub fn split_plan(scenario: &Scenario, config: &RunConfig, replications: u64) -> Option<SplitPlan> {
    let plan = SplitPlan::for_scenario(scenario)?;
    match config.acceleration {
        Acceleration::Off => None,
        Acceleration::On => Some(plan),
        Acceleration::Auto => (config.precision.is_some()
            && plan.pays_off(replications, AUTO_SPLIT_BELOW))
        .then_some(plan),
    }
}

/// Default confidence level.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// Default cap on replications under a precision target.
pub const DEFAULT_MAX_REPLICATIONS: u64 = 100_000;

/// Everything an experiment produced, as plain data.
#[derive(Clone, Debug)]
pub struct ExperimentResult {
    /// Scenario label.
    pub scenario: String,
    /// SHA-256 of the scenario text.
    pub digest: String,
    /// Master seed used.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Simulated length of each replication, seconds.
    pub horizon_secs: f64,
    /// Unmeasured start of each replication, seconds.
    pub warmup_secs: f64,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Whether a precision target was given and reached.
    pub precision_reached: Option<bool>,
    /// One summary per SLI, in model order.
    pub slis: Vec<SliSummary>,
    /// etcd disasters and lost writes.
    pub data_loss: DataLossSummary,
    /// Load, autoscaling and worker nodes; `None` when the scenario has no
    /// workload with a `load` and no node was added or removed.
    pub scaling: Option<ScalingSummary>,
    /// Events simulated in all.
    pub events: u64,
    /// The individual figures of the first [`SAMPLE_REPLICATIONS`]
    /// replications, by index (for per-replication exports and paired
    /// comparisons).
    pub sample: Vec<SampledReplication>,
    /// The running sums everything above was computed from.
    pub sums: Sums,
    /// How replications were split (`None`: plain Monte Carlo).
    pub split: Option<SplitPlan>,
}

/// What one replication records besides the summaries every replication
/// keeps. The default records nothing more, as in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    /// Keep the event timeline (the outcome's `trace`), for `--trace`.
    pub trace: bool,
    /// Sample demand, served load, replicas, ready pods, nodes and pending
    /// pods on a grid of this step (the outcome's `timeseries`), for
    /// `--timeseries`.
    pub timeseries_step: Option<SimDuration>,
}

impl Recording {
    /// The event timeline as well.
    pub const TRACE: Recording = Recording {
        trace: true,
        timeseries_step: None,
    };
}

/// Runs replication `index` of `scenario`, recording what `recording`
/// asks for.
pub fn replicate(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    recording: Recording,
) -> ReplicationOutcome {
    let horizon = SimTime::ZERO + scenario.horizon;
    let mut model = ClusterModel::new(scenario);
    if recording.trace {
        model = model.with_trace();
    }
    if let Some(step) = recording.timeseries_step {
        model = model.with_timeseries(step);
    }
    let mut sim = Simulation::new(model, Streams::new(seed, index));
    sim.run_until(horizon);
    let events = sim.events_handled();
    sim.into_handler().finish(horizon, events)
}

/// Empty sums for the SLIs and loaded workloads of `scenario`.
fn empty_sums(scenario: &Scenario) -> Sums {
    let loaded = scenario
        .workloads
        .iter()
        .filter(|w| w.load.is_some())
        .count();
    Sums::new(crate::model::sli_names(scenario).len(), loaded)
}

/// The measured window of each replication, seconds.
fn window_secs(scenario: &Scenario) -> f64 {
    scenario
        .horizon
        .saturating_sub(scenario.warmup)
        .as_secs_f64()
}

/// Runs replications `range` in parallel (split by `plan`, if any), each
/// folded into the sums of the thread that ran it; the sums merge to the
/// same bits in any order.
fn run_range(
    scenario: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    plan: Option<&SplitPlan>,
    progress: &(dyn Fn(u64) + Sync),
) -> Sums {
    let window = window_secs(scenario);
    range
        .into_par_iter()
        .fold(
            || empty_sums(scenario),
            |mut sums, index| {
                let outcome = match plan {
                    Some(plan) => replicate_split(scenario, seed, index, plan),
                    None => replicate(scenario, seed, index, Recording::default()),
                };
                sums.add(index, &outcome, window);
                progress(1);
                sums
            },
        )
        .reduce(
            || empty_sums(scenario),
            |mut a, b| {
                a.merge(b);
                a
            },
        )
}

/// Runs the experiment. `progress` is told of every finished replication
/// (from any thread) and of the planned total.
pub fn run(
    scenario: &Scenario,
    config: &RunConfig,
    progress: &(dyn Fn(ProgressUpdate) + Sync),
) -> ExperimentResult {
    let seed = config.seed.unwrap_or(scenario.seed);
    let confidence = config.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    let mut planned = config.replications.unwrap_or(scenario.replications).max(2);
    let cap = config
        .max_replications
        .unwrap_or(DEFAULT_MAX_REPLICATIONS)
        .max(planned);
    let tick = |done| progress(ProgressUpdate::Done(done));
    progress(ProgressUpdate::Planned(planned));
    let plan = split_plan(scenario, config, planned);
    let mut sums = run_range(scenario, seed, 0..planned, plan.as_ref(), &tick);
    let mut precision_reached = None;
    if let Some(target) = config.precision {
        loop {
            let summaries = summarize(scenario, &sums, confidence);
            let worst = summaries
                .0
                .iter()
                .map(|s| s.unavailability_relative_half_width())
                .fold(0.0, f64::max);
            if worst <= target || planned >= cap {
                precision_reached = Some(worst <= target);
                break;
            }
            // Double, so the number of rounds stays logarithmic.
            let next = (planned * 2).min(cap);
            progress(ProgressUpdate::Planned(next));
            sums.merge(run_range(
                scenario,
                seed,
                planned..next,
                plan.as_ref(),
                &tick,
            ));
            planned = next;
        }
    }
    shard::from_sums(scenario, seed, confidence, precision_reached, plan, sums)
}

/// Progress of a running experiment.
#[derive(Clone, Copy, Debug)]
pub enum ProgressUpdate {
    /// The total number of replications is now this.
    Planned(u64),
    /// This many more replications finished.
    Done(u64),
}
