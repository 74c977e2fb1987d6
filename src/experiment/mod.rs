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
pub mod budget;
pub mod precision;
pub mod shard;
pub mod split;
pub mod sums;
pub mod sweep;
pub mod warnings;

/// The step of `--timeseries` ([`Recording::timeseries_step`]).
pub use crate::engine::SimDuration;
/// The SLIs a scenario reports, in report order (known before running).
pub use crate::model::sli_names;
pub use crate::model::{TimeseriesRow, TraceEntry};
pub use aggregate::{
    CauseShare, DataLossSummary, NodeSummary, ScalingSummary, SliSummary, WorkloadScalingSummary,
    summarize, summarize_scaling,
};
pub use budget::{
    Budget, DEFAULT_BUDGET, DEFAULT_REPLICATION_BUDGET, EventBudgetExceeded,
    NOMINAL_EVENTS_PER_SECOND, check_event_estimate,
};
pub use precision::{
    DEFAULT_PRECISION, PrecisionStatus, SliPrecision, StopRule, Stopping, is_headline,
};
pub use sums::{SAMPLE_REPLICATIONS, SampledReplication, SampledSli, Sums};
pub use warnings::Warning;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::{SimTime, Simulation, Streams};
use crate::model::{ClusterModel, ReplicationOutcome};
use crate::scenario::{DATA_LOSS, Problem, Scenario};
use split::{SplitPlan, replicate_split};

/// The `expect:` targets of `scenario` (read from `file`) that name an SLI
/// it does not report, each located, with the valid names. Known before
/// running, so `nines validate` and `nines check` refuse them at once.
pub fn unknown_expectation_slis(scenario: &Scenario, file: &str) -> Vec<Problem> {
    let known = sli_names(scenario);
    scenario
        .expect
        .iter()
        .filter(|e| e.sli != DATA_LOSS && !known.contains(&e.sli))
        .map(|e| Problem {
            file: file.to_string(),
            line: e.line,
            column: e.column,
            field: format!("expect[{}]", e.index),
            message: format!(
                "unknown SLI `{}`; this scenario's SLIs are {} (and {DATA_LOSS})",
                e.sli,
                known.join(", ")
            ),
        })
        .collect()
}

/// How to run an experiment; `None` fields take the scenario's values.
///
/// Without a `precision` target a run is exactly `replications` (or the
/// scenario's) replications. With one, it is precision-driven: rounds of
/// replications, growing from `replications` (or the scenario's) toward
/// what the widest SLI is estimated to need (at most doubling), until
/// every headline SLI reaches the target, the `budget` is spent or
/// `max_replications` are run (see [`precision`] and [`budget`]).
/// [`RunConfig::resolve`] applies the commands' default: precision-driven
/// unless a count is given.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// Replications to run (or to start with, under a precision target).
    pub replications: Option<u64>,
    /// Master seed.
    pub seed: Option<u64>,
    /// Confidence level of every interval (default 0.95).
    pub confidence: Option<f64>,
    /// Stop once the relative half-width of every headline SLI's
    /// unavailability interval is at most this (e.g. 0.2), adding
    /// replications in rounds.
    pub precision: Option<f64>,
    /// Upper limit on replications under a precision target
    /// ([`DEFAULT_MAX_REPLICATIONS`]).
    pub max_replications: Option<u64>,
    /// Work a precision-driven run may spend ([`DEFAULT_BUDGET`]).
    pub budget: Option<Budget>,
    /// Whether to split replications to see rare outages (see [`split`]).
    pub acceleration: Acceleration,
    /// Events one replication may simulate
    /// ([`DEFAULT_REPLICATION_BUDGET`]).
    pub replication_budget: Option<Budget>,
}

/// Rare-event acceleration (multilevel splitting, see [`split`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Acceleration {
    /// In a precision-driven run, split when it applies (the scenario has
    /// no load or autoscaling and a redundant control plane) and pays off
    /// (plain Monte Carlo would see a control-plane group out fewer than
    /// [`AUTO_SPLIT_BELOW`] times in the replications its budget affords,
    /// judged from a plain first round); a fixed number of replications
    /// runs plain.
    #[default]
    Auto,
    /// Never split: plain Monte Carlo.
    Off,
    /// Split whenever it applies.
    On,
}

/// Under [`Acceleration::Auto`], splitting is used when plain Monte Carlo
/// would expect fewer than this many visits to the top level in the
/// replications its budget affords: about what a ±20 % interval on the
/// downtime needs when outage durations spread with a coefficient of
/// variation near 3 (a short election beside an hours-long restore),
/// `(1.96 / 0.2)² × (1 + 3²)`.
pub const AUTO_SPLIT_BELOW: f64 = 1_000.0;

/// What an event of a split replication costs the budget, in plain
/// events: copies clone the model and redraw every pending clock, so a
/// split run simulates about six times fewer events per second of one core
/// (measured on external-etcd-5 and external-etcd-5-vms).
pub const SPLIT_EVENT_COST: u64 = 6;

/// Replications in the first round of a split precision-driven run: a
/// split replication costs many plain ones, and its spread is judged from
/// these. The round starts with [`SPLIT_FIRST_CHUNK`] replications and
/// doubles, ending sooner once a quarter of the budget is spent.
pub const SPLIT_FIRST_ROUND: u64 = 40;

/// The replications a split first round starts with (the fewest that show
/// a spread): one split replication of a scenario whose rare states are
/// frequent can cost millions of events, so the round grows by doubling
/// and stops within about twice the quarter budget.
pub const SPLIT_FIRST_CHUNK: u64 = 2;

/// The splitting plan of a run of a fixed number of `replications`: `On`
/// splits where it applies; `Auto` and `Off` run plain (a precision-driven
/// run decides in [`run`]).
pub fn split_plan(scenario: &Scenario, config: &RunConfig) -> Option<SplitPlan> {
    match config.acceleration {
        Acceleration::On => SplitPlan::for_scenario(scenario),
        Acceleration::Auto | Acceleration::Off => None,
    }
}

impl RunConfig {
    /// The run `nines run`, `check` and `sweep` make of their flags: with
    /// `replications` and no `precision`, exactly that many replications;
    /// otherwise precision-driven, with the target `precision` (default
    /// [`DEFAULT_PRECISION`]), under `budget` and `max_replications`.
    /// A budget or a cap beside a fixed count is refused: they would be
    /// silently ignored.
    pub fn resolve(mut self) -> Result<RunConfig, String> {
        if self.precision.is_none() {
            if self.replications.is_none() {
                self.precision = Some(DEFAULT_PRECISION);
            } else if self.budget.is_some() || self.max_replications.is_some() {
                return Err(
                    "--budget and --max-replications limit a precision-driven run, but --replications fixes the count; \
                     drop --replications (the run then stops when every headline SLI is within ±20 %), \
                     or add --precision P to start the rounds from that count"
                        .into(),
                );
            }
        }
        Ok(self)
    }
}

/// Default confidence level.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// Default cap on replications under a precision target: a sanity limit;
/// the budget usually ends a run first.
pub const DEFAULT_MAX_REPLICATIONS: u64 = 1_000_000;

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
    /// How the run was driven and what ended it; its target is the one
    /// every SLI is labelled against ([`SliSummary::precision`]).
    pub stopping: Stopping,
    /// Failure sources expected fewer than a few times in this run
    /// ([`warnings`]).
    pub warnings: Vec<Warning>,
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

/// The most samples a `--timeseries` may take (horizon / step + 1), per
/// workload: a million rows of a few dozen bytes each.
pub const MAX_TIMESERIES_SAMPLES: u64 = 1_000_000;

/// Checks that `--timeseries-step` samples the scenario's horizon at most
/// [`MAX_TIMESERIES_SAMPLES`] times, else says the shortest step allowed.
pub fn check_timeseries_step(scenario: &Scenario, step: SimDuration) -> Result<(), String> {
    let horizon = scenario.horizon.as_micros();
    let samples = horizon / step.as_micros().max(1) + 1;
    if samples <= MAX_TIMESERIES_SAMPLES {
        return Ok(());
    }
    let shortest = SimDuration::from_micros(horizon.div_ceil(MAX_TIMESERIES_SAMPLES - 1));
    Err(format!(
        "a step of {step} samples the {} horizon {samples:.1e} times, more than the {MAX_TIMESERIES_SAMPLES} \
         samples a time series may hold; use a step of at least {shortest}",
        scenario.horizon,
        samples = samples as f64
    ))
}

/// Runs replication `index` of `scenario`, recording what `recording`
/// asks for, without a limit on its events (see [`try_replicate`]).
pub fn replicate(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    recording: Recording,
) -> ReplicationOutcome {
    let unlimited = Budget { events: u64::MAX };
    try_replicate(scenario, seed, index, recording, unlimited)
        .expect("an unlimited replication never runs out of events")
}

/// Runs replication `index` of `scenario`, recording what `recording`
/// asks for; an error, naming what the events went to, once it has
/// simulated `budget` events before its horizon.
pub fn try_replicate(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    recording: Recording,
    budget: Budget,
) -> Result<ReplicationOutcome, EventBudgetExceeded> {
    let horizon = SimTime::ZERO + scenario.horizon;
    let mut model = ClusterModel::new(scenario);
    if recording.trace {
        model = model.with_trace();
    }
    if let Some(step) = recording.timeseries_step {
        model = model.with_timeseries(step);
    }
    let mut sim = Simulation::new(model, Streams::new(seed, index));
    if !sim.run_until_capped(horizon, budget.events) {
        return Err(EventBudgetExceeded::new(
            scenario,
            index,
            budget,
            sim.now(),
            sim.handler(),
        ));
    }
    let events = sim.events_handled();
    Ok(sim.into_handler().finish(horizon, events))
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
/// same bits in any order. The first replication to exceed `budget` stops
/// the others (the lowest index among those that did is reported).
fn run_range(
    scenario: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    plan: Option<&SplitPlan>,
    budget: Budget,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sums, EventBudgetExceeded> {
    let window = window_secs(scenario);
    let exceeded = AtomicBool::new(false);
    range
        .into_par_iter()
        .fold(
            || Ok(empty_sums(scenario)),
            |sums: Result<Sums, EventBudgetExceeded>, index| {
                let mut sums = sums?;
                if exceeded.load(Ordering::Relaxed) {
                    return Ok(sums);
                }
                let outcome = match plan {
                    Some(plan) => replicate_split(scenario, seed, index, plan, budget),
                    None => try_replicate(scenario, seed, index, Recording::default(), budget),
                };
                let outcome = outcome.inspect_err(|_| exceeded.store(true, Ordering::Relaxed))?;
                sums.add(index, &outcome, window);
                progress(1);
                Ok(sums)
            },
        )
        .reduce(
            || Ok(empty_sums(scenario)),
            |a, b| match (a, b) {
                (Ok(mut a), Ok(b)) => {
                    a.merge(b);
                    Ok(a)
                }
                (Err(a), Err(b)) => Err(if a.replication <= b.replication { a } else { b }),
                (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
            },
        )
}

/// Runs the experiment. `progress` is told of every round, of every
/// finished replication (from any thread) and of the planned total.
///
/// A precision-driven run decides after each round from its sums alone
/// (never from a clock), and round `k` runs the next indices, so its
/// figures are those of a fixed run with the final count.
pub fn run(
    scenario: &Scenario,
    config: &RunConfig,
    progress: &(dyn Fn(ProgressUpdate) + Sync),
) -> Result<ExperimentResult, EventBudgetExceeded> {
    let seed = config.seed.unwrap_or(scenario.seed);
    let per_replication = config
        .replication_budget
        .unwrap_or(DEFAULT_REPLICATION_BUDGET);
    let confidence = config.confidence.unwrap_or(DEFAULT_CONFIDENCE);
    let first = config.replications.unwrap_or(scenario.replications).max(2);
    let tick = |done| progress(ProgressUpdate::Done(done));
    let Some(target) = config.precision else {
        progress(ProgressUpdate::Planned(first));
        let plan = split_plan(scenario, config);
        let sums = run_range(
            scenario,
            seed,
            0..first,
            plan.as_ref(),
            per_replication,
            &tick,
        )?;
        let stopping = Stopping::fixed(first);
        return Ok(shard::from_sums(
            scenario, seed, confidence, stopping, plan, sums,
        ));
    };
    let budget = config.budget.unwrap_or(DEFAULT_BUDGET);
    let cap = config
        .max_replications
        .unwrap_or(DEFAULT_MAX_REPLICATIONS)
        .max(first);
    // Under `Auto` a first round runs plain: it tells what a plain
    // replication costs, hence how many the budget affords, and splitting
    // is chosen only if even those would see the top level too seldom.
    // The plain round is then discarded (its work still charged): a split
    // run starts afresh from replication 0 with a smaller first round.
    let mut plan = match config.acceleration {
        Acceleration::Off => None,
        Acceleration::On | Acceleration::Auto => SplitPlan::for_scenario(scenario),
    };
    let mut rounds = 1;
    progress(ProgressUpdate::Round(rounds));
    progress(ProgressUpdate::Planned(first));
    let mut discarded = 0;
    let mut pilot = None;
    if config.acceleration == Acceleration::Auto && plan.is_some() {
        let sums = run_range(scenario, seed, 0..first, None, per_replication, &tick)?;
        let spent = budget::work(sums.replications, sums.events);
        let per_replication = spent as f64 / first as f64;
        let affordable = (budget.events as f64 / per_replication).min(cap as f64) as u64;
        if plan
            .as_ref()
            .is_some_and(|p| p.pays_off(affordable, AUTO_SPLIT_BELOW))
        {
            discarded = spent;
        } else {
            plan = None;
            pilot = Some(sums);
        }
    }
    // The progress bar counts the discarded plain round too.
    let piloted = if discarded > 0 { first } else { 0 };
    // What the budget is charged: events, scaled for split replications,
    // plus the discarded plain round.
    let cost = if plan.is_some() { SPLIT_EVENT_COST } else { 1 };
    let charged =
        |sums: &Sums| budget::work(sums.replications, sums.events).saturating_mul(cost) + discarded;
    // Runs the next replications `range` into `sums`.
    let extend = |sums: &mut Sums, range: std::ops::Range<u64>| {
        progress(ProgressUpdate::Planned(piloted + range.end));
        sums.merge(run_range(
            scenario,
            seed,
            range,
            plan.as_ref(),
            per_replication,
            &tick,
        )?);
        Ok::<(), EventBudgetExceeded>(())
    };
    let (mut sums, mut planned) = match pilot {
        Some(sums) => (sums, first),
        None if plan.is_none() => (
            run_range(scenario, seed, 0..first, None, per_replication, &tick)?,
            first,
        ),
        None => {
            // A split replication may cost thousands of plain ones: the
            // first round doubles from two and stops early once it has
            // spent a quarter of the budget (counted in events, so the
            // same options stop it at the same replication anywhere).
            let last = first.min(SPLIT_FIRST_ROUND);
            let mut sums = empty_sums(scenario);
            let mut planned = 0;
            while planned < last {
                let next = (planned * 2).max(SPLIT_FIRST_CHUNK).min(last);
                extend(&mut sums, planned..next)?;
                planned = next;
                if charged(&sums) >= budget.events / 4 {
                    break;
                }
            }
            (sums, planned)
        }
    };
    let first_round = planned;
    let rule = loop {
        let (slis, _) = summarize(scenario, &sums, confidence);
        if precision::headline_reached(&slis, target, planned) {
            break StopRule::Precision;
        }
        if planned >= cap {
            break StopRule::MaxReplications;
        }
        let spent = charged(&sums);
        let needed = precision::headline_needed(&slis, target, planned);
        let Some(next) = precision::next_round(planned, spent, budget, cap, needed) else {
            break StopRule::Budget;
        };
        rounds += 1;
        progress(ProgressUpdate::Round(rounds));
        extend(&mut sums, planned..next)?;
        planned = next;
    };
    let stopping = Stopping {
        rule,
        target,
        rounds,
        first_round,
        budget: Some(budget),
        max_replications: Some(cap),
        spent: Some(charged(&sums)),
    };
    Ok(shard::from_sums(
        scenario, seed, confidence, stopping, plan, sums,
    ))
}

/// Progress of a running experiment.
#[derive(Clone, Copy, Debug)]
pub enum ProgressUpdate {
    /// A precision-driven run starts round this (from 1).
    Round(u32),
    /// The total number of replications is now this.
    Planned(u64),
    /// This many more replications finished.
    Done(u64),
}
