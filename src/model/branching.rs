//! What it takes to split a replication into branches (multilevel
//! splitting, driven by `experiment`): how close the cluster is to its rare
//! outages, the branch's weight, a copy that forgets what its original has
//! settled and draws its pending clocks afresh, and the books of a branch
//! abandoned early.
//!
//! The model stays a plain simulation: nothing here changes what happens in
//! a branch, only what its figures weigh.

use super::faults::FaultEvent;
use super::{ClusterModel, ReplicationOutcome};
use crate::engine::{Ctx, SimTime};
use crate::scenario::Scenario;

impl ClusterModel<'_> {
    /// How close the cluster is to a control-plane outage: the most units
    /// down in any of its redundancy groups (etcd members down or without
    /// their data, apiserver machines, balancer hosts), as of the last
    /// event.
    pub fn importance(&self) -> usize {
        self.control_plane.units_down(&self.network.up)
    }

    /// This branch's figures weigh `weight` from `now` on.
    pub fn set_weight(&mut self, now: SimTime, weight: f64) {
        self.weight = weight;
        self.slis.set_weight(now, weight);
    }

    /// The weight of this branch.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Makes this copy of a branch a branch of its own from `now`: what its
    /// original has settled (outages, lost time, disasters, the trace)
    /// stays with the original.
    pub fn begin_branch(&mut self, now: SimTime) {
        self.slis.fork(now);
        self.control_plane.forget_data_losses();
        self.loss_weights.clear();
        if let Some(trace) = &mut self.trace {
            trace.clear();
        }
    }

    /// Draws afresh the remaining time of every pending failure and repair
    /// (see `Faults::redraw_pending`), so that this copy's future differs
    /// from its original's.
    pub fn redraw_pending<E: From<FaultEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.faults.redraw_pending(ctx);
    }

    /// The books of a branch abandoned at `now`: what it settled counts,
    /// what it left open is dropped.
    pub fn abandon(self, now: SimTime, horizon: SimTime, events: u64) -> ReplicationOutcome {
        let (data_losses_secs, data_loss_weights) = self.weighted_losses(now);
        ReplicationOutcome {
            slis: self.slis.abandon(now, horizon),
            data_losses_secs,
            data_loss_weights,
            scaling: Vec::new(),
            nodes: Default::default(),
            events,
            timeseries: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// Each disaster inside the window and up to `until`, with its weight
    /// (the weights left out when all are 1).
    pub(super) fn weighted_losses(&self, until: SimTime) -> (Vec<f64>, Vec<f64>) {
        let mut lost = Vec::new();
        let mut weights = Vec::new();
        for (i, &(at, secs)) in self.control_plane.data_losses().iter().enumerate() {
            if at >= self.warmup && at <= until {
                lost.push(secs);
                weights.push(self.loss_weights.get(i).copied().unwrap_or(1.0));
            }
        }
        if weights.iter().all(|w| *w == 1.0) {
            weights.clear();
        }
        (lost, weights)
    }
}

/// Whether replications of `scenario` can be split: every figure a split
/// replication reports must be weighted, and the load and autoscaling
/// tallies are not, so scenarios with a workload `load` or autoscaling run
/// unsplit; so do scenarios with process failures, whose clocks a branch
/// does not draw afresh.
pub fn splittable(scenario: &Scenario) -> bool {
    scenario
        .groups
        .iter()
        .all(|g| g.process_failures.is_empty())
        && scenario
            .workloads
            .iter()
            .all(|w| w.load.is_none() && w.autoscaling.is_none())
        && scenario.cluster_autoscaler.is_none()
}

impl ReplicationOutcome {
    /// Adds the figures of another branch of the same replication: sums
    /// add, outages and disasters join, events add up (the work done).
    pub fn absorb(&mut self, other: ReplicationOutcome) {
        for (mine, theirs) in self.slis.iter_mut().zip(other.slis) {
            mine.absorb(theirs);
        }
        let weights = |lost: &[f64], w: Vec<f64>| {
            if w.is_empty() {
                vec![1.0; lost.len()]
            } else {
                w
            }
        };
        let mut own = weights(
            &self.data_losses_secs,
            std::mem::take(&mut self.data_loss_weights),
        );
        own.extend(weights(&other.data_losses_secs, other.data_loss_weights));
        self.data_losses_secs.extend(other.data_losses_secs);
        self.data_loss_weights = if own.iter().all(|w| *w == 1.0) {
            Vec::new()
        } else {
            own
        };
        self.events += other.events;
    }
}
