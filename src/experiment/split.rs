//! Rare-event acceleration: multilevel splitting (RESTART) of a
//! replication on how close the control plane is to an outage.
//!
//! In a highly available cluster the downtime comes from rare combinations
//! (a second failure while the first is in repair, a majority of etcd
//! disks lost). Plain Monte Carlo sees them so seldom that its estimate is
//! mostly luck. Splitting makes them common without biasing the answer:
//!
//! - The *importance* of a state is the most units down in one redundancy
//!   group of the control plane (etcd members down or without data,
//!   apiserver machines, balancer hosts; `ClusterModel::importance`).
//!   Levels `1..=L` go up to the first level at which a group is out.
//! - When a replication enters level `ℓ` it splits into `R_ℓ` branches: the
//!   original and `R_ℓ - 1` copies, each weighing `1/R_ℓ` of what it
//!   weighed. A copy starts from the same state on streams of its own and
//!   draws every pending failure and repair clock afresh from its
//!   conditional law given its age (`dist::Distribution::sample_residual`),
//!   so its future is an independent sample of the same future.
//! - A copy born at level `ℓ` is abandoned when the importance falls below
//!   `ℓ`; the original goes on and takes back the weight of its copies
//!   (RESTART). What a copy settled before it was abandoned counts; what it
//!   left open does not (see `outcome`).
//!
//! Every branch follows the model's own law, and the weights make each
//! figure an unbiased estimate of the plain replication's, for any
//! distributions and fixed timers: no likelihood ratio is involved. A
//! replication with all its branches is still one independent sample (its
//! weighted sums), so the intervals of `aggregate` are the intervals of the
//! estimator actually used. The splitting factors only change how precise
//! the result is per unit of work; they come from the scenario's failure
//! and repair rates (`R_ℓ ≈ 1 / (4 P(reaching ℓ+1 from ℓ))`, capped), so
//! that about one split in four sends a branch to the next level.

use serde::{Deserialize, Serialize};

use super::budget::{Budget, EventBudgetExceeded};
use crate::engine::{SimTime, Simulation, Streams};
use crate::model::{ClusterModel, ReplicationOutcome, splittable};
use crate::scenario::{FailureMode, Role, Scenario, Topology};

/// The expected branches of one split that reach the next level: the
/// factor is `BRANCHES_PER_CLIMB / P(climb)`. The classical choice is 1,
/// but a copy costs more than the events it simulates (the model is cloned
/// and every pending clock redrawn); on external-etcd-5-vms a quarter
/// halved the wall time to a given precision of `etcd.quorum` (0.1 and 1
/// were both worse).
pub const BRANCHES_PER_CLIMB: f64 = 0.25;

/// The largest splitting factor used: bounds the work one split can cause.
pub const MAX_FACTOR: u32 = 10_000;

/// How a replication is split: the factor on entering each level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitPlan {
    /// `factors[ℓ - 1]` is the number of branches on entering level `ℓ`
    /// (1: no split); there are `L` levels.
    pub factors: Vec<u32>,
    /// Expected entries into level 1 per replication (from the rates).
    pub entries_per_replication: f64,
    /// Estimated chance that a replication reaches level `L` unsplit.
    pub top_level_probability: f64,
}

/// One redundancy group of the control plane, as the rates describe it.
struct Group {
    /// Units.
    units: usize,
    /// Units down at which the group is out.
    outage_at: usize,
    /// Failure rate of one unit, per second (all its modes).
    rate: f64,
    /// Mean time a failed unit stays down, seconds (rate-weighted over its
    /// modes, with the people's delays for manual repairs).
    mean_down: f64,
}

impl SplitPlan {
    /// The plan for `scenario`, or `None` when its replications cannot be
    /// split (loads or autoscaling, see `model::splittable`) or nothing in
    /// its control plane is redundant.
    pub fn for_scenario(scenario: &Scenario) -> Option<SplitPlan> {
        if !splittable(scenario) {
            return None;
        }
        let groups = groups(scenario);
        let levels = groups.iter().map(|g| g.outage_at).max()?;
        if levels < 2 {
            return None;
        }
        let window = scenario
            .horizon
            .saturating_sub(scenario.warmup)
            .as_secs_f64();
        let entries: f64 = groups
            .iter()
            .map(|g| g.units as f64 * g.rate * window)
            .sum();
        // P(reach ℓ+1 from ℓ): another unit of a group fails before one of
        // the ℓ down comes back (exponential approximation), for the group
        // that makes it likeliest.
        let climb = |level: usize| -> f64 {
            groups
                .iter()
                .filter(|g| level < g.outage_at)
                .map(|g| {
                    let up = (g.units - level) as f64;
                    let x = up * g.rate * g.mean_down / level as f64;
                    -(-x).exp_m1()
                })
                .fold(0.0, f64::max)
        };
        let factors: Vec<u32> = (1..=levels)
            .map(|level| {
                let p = climb(level);
                if level == levels || p <= 0.0 {
                    1
                } else {
                    (BRANCHES_PER_CLIMB / p)
                        .round()
                        .clamp(1.0, f64::from(MAX_FACTOR)) as u32
                }
            })
            .collect();
        let top: f64 = (1..levels).map(climb).product();
        Some(SplitPlan {
            factors,
            entries_per_replication: entries,
            top_level_probability: (entries * top).min(1.0),
        })
    }

    /// Levels `L`.
    pub fn levels(&self) -> usize {
        self.factors.len()
    }

    /// Branches on entering `level` (1 for levels outside the plan).
    pub fn factor(&self, level: usize) -> u32 {
        level
            .checked_sub(1)
            .and_then(|i| self.factors.get(i))
            .copied()
            .unwrap_or(1)
    }

    /// Whether plain Monte Carlo would see the top level fewer than
    /// `enough` times in `replications` replications, so splitting pays.
    pub fn pays_off(&self, replications: u64, enough: f64) -> bool {
        self.factors.iter().any(|&r| r > 1)
            && self.top_level_probability * (replications as f64) < enough
    }

    /// In words, for reports: `RESTART splitting: x2000 at 1, x6000 at 2`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .factors
            .iter()
            .enumerate()
            .filter(|(_, r)| **r > 1)
            .map(|(i, r)| format!("x{r} at level {}", i + 1))
            .collect();
        format!("multilevel splitting (RESTART): {}", parts.join(", "))
    }
}

/// Rates of a set of failure modes: (per-second rate, mean time down).
fn rates(modes: &[FailureMode], scenario: &Scenario) -> (f64, f64) {
    let mut rate = 0.0;
    let mut down = 0.0;
    for m in modes {
        let r = 1.0 / m.time_to_failure.mean_secs().max(1e-9);
        let mut d = m.time_to_repair.mean_secs();
        if m.manual_repair
            && let Some(people) = &scenario.people
        {
            d += people.alert_delay.as_secs_f64() + people.response.mean_secs();
        }
        rate += r;
        down += r * d;
    }
    (rate, if rate > 0.0 { down / rate } else { 0.0 })
}

/// The control plane's redundancy groups: etcd members, apiserver
/// machines, balancer hosts.
fn groups(scenario: &Scenario) -> Vec<Group> {
    let of_role = |role: Role| -> (usize, f64, f64) {
        let mut units = 0;
        let (mut rate, mut down) = (0.0, 0.0);
        for g in scenario.groups.iter().filter(|g| g.role == role) {
            let n = g.zones.len();
            let (r, d) = rates(&g.failures, scenario);
            units += n;
            rate += r * n as f64;
            down += r * d * n as f64;
        }
        let mean_down = if rate > 0.0 { down / rate } else { 0.0 };
        let per_unit = if units > 0 { rate / units as f64 } else { 0.0 };
        (units, per_unit, mean_down)
    };
    let mut out = Vec::new();
    let stacked = matches!(
        scenario.control_plane.topology,
        Topology::Single | Topology::Stacked
    );
    let (cp, cp_rate, cp_down) = of_role(Role::ControlPlane);
    let (units, rate, mean_down) = if stacked {
        (cp, cp_rate, cp_down)
    } else {
        of_role(Role::Etcd)
    };
    if units > 0 {
        out.push(Group {
            units,
            outage_at: units - units / 2,
            rate,
            mean_down,
        });
    }
    // Stacked apiservers run on the etcd machines, whose majority is lost
    // first: their group adds levels past the outage, and splitting there
    // only costs work.
    if cp > 0 && !stacked {
        out.push(Group {
            units: cp,
            outage_at: cp,
            rate: cp_rate,
            mean_down: cp_down,
        });
    }
    let (lb, lb_rate, lb_down) = of_role(Role::LoadBalancer);
    if lb > 0 {
        out.push(Group {
            units: lb,
            outage_at: lb,
            rate: lb_rate,
            mean_down: lb_down,
        });
    }
    out.retain(|g| g.rate > 0.0);
    out
}

/// A branch being simulated.
struct Branch<'s> {
    sim: Simulation<ClusterModel<'s>>,
    /// Its current level.
    level: usize,
    /// The level it was born at (0 for the replication itself): it is
    /// abandoned below it.
    birth: usize,
    /// The splits it made as the original, innermost last: (level,
    /// factor); falling below the level gives the weight back.
    splits: Vec<(usize, u32)>,
    /// Events handled before it was born (its copy's history).
    events_before: u64,
}

/// Copies of a branch still to be simulated, from one snapshot.
struct Copies<'s> {
    snapshot: Simulation<ClusterModel<'s>>,
    left: u32,
    birth: usize,
    split: u64,
}

enum Work<'s> {
    Run(Branch<'s>),
    Copies(Copies<'s>),
}

/// The stream branch of copy `copy` of split `split`.
fn branch_id(split: u64, copy: u32) -> u64 {
    (split << 32) | u64::from(copy)
}

/// Runs replication `index` of `scenario` split by `plan`: the sum of all
/// its branches' weighted figures.
pub fn replicate_split(
    scenario: &Scenario,
    seed: u64,
    index: u64,
    plan: &SplitPlan,
    budget: Budget,
) -> Result<ReplicationOutcome, EventBudgetExceeded> {
    let horizon = SimTime::ZERO + scenario.horizon;
    // Events of all its branches.
    let mut spent = 0u64;
    let top = plan.levels();
    let sim = Simulation::new(ClusterModel::new(scenario), Streams::new(seed, index));
    let level = sim.handler().importance().min(top);
    let mut stack = vec![Work::Run(Branch {
        sim,
        level,
        birth: 0,
        splits: Vec::new(),
        events_before: 0,
    })];
    let mut total: Option<ReplicationOutcome> = None;
    let mut next_split = 1u64;
    while let Some(work) = stack.pop() {
        let mut branch = match work {
            Work::Run(branch) => branch,
            Work::Copies(mut copies) => {
                copies.left -= 1;
                let copy = copies.left;
                let (mut sim, birth, split) = if copies.left == 0 {
                    (copies.snapshot, copies.birth, copies.split)
                } else {
                    let sim = copies.snapshot.fork(branch_id(copies.split, copy));
                    let (birth, split) = (copies.birth, copies.split);
                    stack.push(Work::Copies(copies));
                    (sim, birth, split)
                };
                let now = sim.now();
                let events_before = sim.events_handled();
                sim.fork_streams(branch_id(split, copy));
                sim.handler_mut().begin_branch(now);
                sim.act(|model, ctx| model.redraw_pending(ctx));
                Branch {
                    sim,
                    level: birth,
                    birth,
                    splits: Vec::new(),
                    events_before,
                }
            }
        };
        let outcome = loop {
            match adjust(&mut branch, plan, &mut next_split) {
                Adjusted::Abandon => {
                    let now = branch.sim.now();
                    let events = branch.sim.events_handled() - branch.events_before;
                    break Some(branch.sim.into_handler().abandon(now, horizon, events));
                }
                Adjusted::Split(copies) => {
                    stack.push(Work::Run(branch));
                    stack.extend(copies.into_iter().map(Work::Copies));
                    break None;
                }
                Adjusted::Go => {}
            }
            match branch.sim.next_event_time() {
                Some(t) if t <= horizon => {
                    if spent >= budget.events {
                        let now = branch.sim.now();
                        let model = branch.sim.handler();
                        return Err(EventBudgetExceeded::new(
                            scenario, index, budget, now, model,
                        ));
                    }
                    spent += 1;
                    branch.sim.step();
                }
                _ => {
                    branch.sim.run_until(horizon);
                    let events = branch.sim.events_handled() - branch.events_before;
                    break Some(branch.sim.into_handler().finish(horizon, events));
                }
            }
        };
        if let Some(outcome) = outcome {
            match &mut total {
                Some(t) => t.absorb(outcome),
                None => total = Some(outcome),
            }
        }
    }
    Ok(total.expect("the replication itself always finishes"))
}

/// What a branch does after an event.
enum Adjusted<'s> {
    /// Go on.
    Go,
    /// It fell below the level it was born at.
    Abandon,
    /// It climbed: these copies are due first.
    Split(Vec<Copies<'s>>),
}

/// Brings a branch's level, weight and splits in line with its importance.
fn adjust<'s>(branch: &mut Branch<'s>, plan: &SplitPlan, next_split: &mut u64) -> Adjusted<'s> {
    let now = branch.sim.now();
    let level = branch.sim.handler().importance().min(plan.levels());
    if level < branch.level {
        if level < branch.birth {
            return Adjusted::Abandon;
        }
        let mut weight = branch.sim.handler().weight();
        while let Some(&(at, factor)) = branch.splits.last() {
            if at <= level {
                break;
            }
            weight *= f64::from(factor);
            branch.splits.pop();
        }
        branch.sim.handler_mut().set_weight(now, weight);
        branch.level = level;
        return Adjusted::Go;
    }
    if level == branch.level {
        return Adjusted::Go;
    }
    let mut copies = Vec::new();
    for at in branch.level + 1..=level {
        let factor = plan.factor(at);
        if factor <= 1 {
            continue;
        }
        let weight = branch.sim.handler().weight() / f64::from(factor);
        branch.sim.handler_mut().set_weight(now, weight);
        copies.push(Copies {
            // Its streams are never drawn from: each copy forks its own.
            snapshot: branch.sim.fork(branch_id(*next_split, 0)),
            left: factor - 1,
            birth: at,
            split: *next_split,
        });
        *next_split += 1;
        branch.splits.push((at, factor));
    }
    branch.level = level;
    if copies.is_empty() {
        Adjusted::Go
    } else {
        Adjusted::Split(copies)
    }
}
