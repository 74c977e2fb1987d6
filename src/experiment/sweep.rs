//! Sweeps: one experiment per point of a [`SweepPlan`].
//!
//! # Seeds
//!
//! Point *i* runs with its own seed, derived from the master seed *S* (the
//! `--seed` flag, or else the point's scenario `seed`) and *i* alone:
//! the (*i*+1)-th output of SplitMix64 started at *S*,
//!
//! ```text
//! z = S + (i + 1) * 0x9E3779B97F4A7C15        (wrapping)
//! z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//! z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//! seed_i = z ^ (z >> 31)
//! ```
//!
//! so a point's result does not depend on the other points, the grid's
//! size or the order they run in, and `nines run` with the point's
//! overrides and `--seed seed_i` reproduces it exactly. Points run one
//! after another; each point's replications run in parallel as in
//! [`run`].

use serde_json::Value;

use super::{ExperimentResult, ProgressUpdate, RunConfig, run};
use crate::scenario::overrides::Override;
use crate::scenario::sweep::SweepPlan;

/// The seed of point `index` under `master` (see the module docs).
pub fn point_seed(master: u64, index: u64) -> u64 {
    let mut z = master.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

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
    /// The seed the point ran with.
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
) -> SweepResult {
    let total = plan.points.len();
    let points = plan
        .points
        .iter()
        .map(|point| {
            let master = config.seed.unwrap_or(point.scenario.seed);
            let seed = point_seed(master, point.index as u64);
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
            });
            SweepPointResult {
                index: point.index,
                values: values(&point.overrides),
                seed,
                machines: point.scenario.groups.iter().map(|g| g.zones.len()).sum(),
                result,
            }
        })
        .collect();
    SweepResult {
        scenario: plan.base.name.clone(),
        digest: plan.base.digest.clone(),
        seed: config.seed.unwrap_or(plan.base.seed),
        parameters: plan.axes.iter().map(|a| a.path.clone()).collect(),
        points,
    }
}

fn values(overrides: &[Override]) -> Vec<(String, Value)> {
    overrides
        .iter()
        .map(|o| (o.path.clone(), o.value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_seeds_are_splitmix64_outputs() {
        // SplitMix64 from state 0: the published first outputs.
        assert_eq!(point_seed(0, 0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(point_seed(0, 1), 0x6E78_9E6A_A1B9_65F4);
        assert_ne!(point_seed(1, 0), point_seed(2, 0));
    }
}
