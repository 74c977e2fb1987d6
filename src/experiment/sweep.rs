//! Sweeps: one experiment per point of a [`SweepPlan`].
//!
//! # Seeds: common random numbers
//!
//! Every point runs with the same master seed (the `--seed` flag, or else
//! the point's scenario `seed`). Each random source of the model draws from
//! its own stream, named after the component (see `engine::Streams`), so
//! at two points replication *i* sees the same failures, repairs and
//! elections everywhere the swept parameter does not reach: the points are
//! paired, and their differences are far more precise than either figure.
//! A point's result does not depend on the other points, the grid's size
//! or the order they run in, and `nines run` with the point's overrides
//! and the same seed reproduces it exactly. Points run one after another;
//! each point's replications run in parallel as in [`run`].

use serde_json::Value;

use super::{EventBudgetExceeded, ExperimentResult, ProgressUpdate, RunConfig, run};
use crate::scenario::overrides::Override;
use crate::scenario::sweep::SweepPlan;

/// Everything a sweep produced, as plain data.
#[derive(Clone, Debug)]
pub struct SweepResult {
    /// Name of the swept scenario.
    pub scenario: String,
    /// SHA-256 of the swept scenario's text (before overrides).
    pub digest: String,
    /// The `--seed` flag, or the scenario's seed.
    pub seed: u64,
    /// The swept paths, in axis order.
    pub parameters: Vec<String>,
    /// One result per point, in grid order.
    pub points: Vec<SweepPointResult>,
}

/// One point's result.
#[derive(Clone, Debug)]
pub struct SweepPointResult {
    /// Position in the grid, from 0.
    pub index: usize,
    /// Each swept path with its value at this point, in axis order.
    pub values: Vec<(String, Value)>,
    /// The seed the point ran with (the master seed: see the module docs).
    pub seed: u64,
    /// Machines at this point, all roles (a cost measure).
    pub machines: usize,
    /// The experiment at this point.
    pub result: ExperimentResult,
}

/// Progress of a sweep: which point, and that point's progress.
#[derive(Clone, Copy, Debug)]
pub struct SweepProgress {
    /// The point running, from 0.
    pub point: usize,
    /// Points in all.
    pub points: usize,
    /// Progress within the point.
    pub update: ProgressUpdate,
}

/// Runs every point of `plan` with `config` (its seed as the master seed).
pub fn run_sweep(
    plan: &SweepPlan,
    config: &RunConfig,
    progress: &(dyn Fn(SweepProgress) + Sync),
) -> Result<SweepResult, EventBudgetExceeded> {
    let total = plan.points.len();
    let points = plan
        .points
        .iter()
        .map(|point| {
            let seed = config.seed.unwrap_or(point.scenario.seed);
            let point_config = RunConfig {
                seed: Some(seed),
                ..config.clone()
            };
            let result = run(&point.scenario, &point_config, &|update| {
                progress(SweepProgress {
                    point: point.index,
                    points: total,
                    update,
                })
            })?;
            Ok(SweepPointResult {
                index: point.index,
                values: values(&point.overrides),
                seed,
                machines: point.scenario.groups.iter().map(|g| g.zones.len()).sum(),
                result,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SweepResult {
        scenario: plan.base.name.clone(),
        digest: plan.base.digest.clone(),
        seed: config.seed.unwrap_or(plan.base.seed),
        parameters: plan.axes.iter().map(|a| a.path.clone()).collect(),
        points,
    })
}

fn values(overrides: &[Override]) -> Vec<(String, Value)> {
    overrides
        .iter()
        .map(|o| (o.path.clone(), o.value.clone()))
        .collect()
}
