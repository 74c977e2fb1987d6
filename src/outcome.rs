//! Outage accounting, shared by every SLI: a [`Recorder`] turns a stream of
//! "share of requests that succeed" values into one replication's plain-data
//! [`SliOutcome`].
//!
//! May import: `engine::time` only.
//!
//! Rules, in one place:
//! - Availability is the time average of the success share over the
//!   measured window `[warmup, horizon]`: time-weighted for yes/no SLIs,
//!   request-weighted for SLIs behind a balancer.
//! - An outage is a maximal interval in which the share is below 1 (some
//!   requests fail). Only its part inside the measured window counts. Outages
//!   shorter than `min_outage` are not counted as outages (their lost
//!   requests still lower availability). An outage still open at the horizon
//!   is counted with its duration cut at the horizon.
//! - Time to first failure is measured from the end of the warmup to the
//!   start (within the window) of the first counted outage, and censored at
//!   the horizon. Its restricted mean over replications (the mean of
//!   `min(T, window)`) needs no assumption about the lifetime distribution.
//! - An outage's lost requests are charged to the condition that kept the
//!   SLI down: the last fault recovery before it ended (the repair that let
//!   it end; several recoveries at that same instant share it), or, when it
//!   ended without one (a failover, an election), the fault that started it.
//!
//! Weights: a replication may be split into several branches that each
//! carry a weight (multilevel splitting, see `experiment`). Every figure is
//! recorded with the weight of the branch at the moment it is settled; a
//! figure still unsettled (an open outage's charge, the up time before a
//! failure whose outage may prove too short to count) is kept unweighted
//! and weighted when it settles, and dropped if the branch is abandoned.
//! Without splitting every weight is 1.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};

/// One SLI over one replication: plain data for aggregation. Sums are
/// weighted (see the module docs); with no splitting, weights are 1.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SliOutcome {
    /// Length of the measured window, seconds.
    pub observed_secs: f64,
    /// Integral of the failed share over the window, seconds
    /// (availability = 1 - lost / observed).
    pub lost_secs: f64,
    /// Duration of each counted outage inside the window, seconds.
    pub outage_secs: Vec<f64>,
    /// The weight of each outage in `outage_secs`; empty when every weight
    /// is 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outage_weights: Vec<f64>,
    /// Weighted time from the end of the warmup to the first counted
    /// outage, censored at the horizon (`min(T, window)`), seconds.
    pub up_before_first_failure_secs: f64,
    /// Weighted number of first failures inside the window (0 or 1 without
    /// splitting).
    pub first_failures: f64,
    /// Time from the end of the warmup to the first counted outage, if one
    /// happened (unsplit replications only).
    pub first_failure_secs: Option<f64>,
    /// `lost_secs` split by the cause each outage was charged to (indexed
    /// by the model's cause list).
    #[serde(default)]
    pub lost_by_cause_secs: Vec<f64>,
}

impl SliOutcome {
    /// Time-average availability in the window.
    pub fn availability(&self) -> f64 {
        if self.observed_secs > 0.0 {
            1.0 - self.lost_secs / self.observed_secs
        } else {
            1.0
        }
    }

    /// Each counted outage with its weight.
    pub fn weighted_outages(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.outage_secs
            .iter()
            .enumerate()
            .map(|(i, &d)| (d, self.outage_weights.get(i).copied().unwrap_or(1.0)))
    }

    /// Weighted number of counted outages.
    pub fn outages(&self) -> f64 {
        if self.outage_weights.is_empty() {
            self.outage_secs.len() as f64
        } else {
            self.outage_weights.iter().sum()
        }
    }

    /// Weighted total time in counted outages, seconds.
    pub fn downtime_secs(&self) -> f64 {
        self.weighted_outages().map(|(d, w)| d * w).sum()
    }

    /// Adds the figures of another branch of the same replication (same
    /// window): sums add, outages join.
    pub fn absorb(&mut self, other: SliOutcome) {
        debug_assert_eq!(self.observed_secs, other.observed_secs);
        let own_weights = if self.outage_weights.is_empty() {
            vec![1.0; self.outage_secs.len()]
        } else {
            std::mem::take(&mut self.outage_weights)
        };
        let their_weights: Vec<f64> = other.weighted_outages().map(|(_, w)| w).collect();
        self.outage_weights = own_weights;
        self.outage_weights.extend(their_weights);
        self.outage_secs.extend(other.outage_secs);
        if self.outage_weights.iter().all(|w| *w == 1.0) {
            self.outage_weights.clear();
        }
        self.lost_secs += other.lost_secs;
        self.up_before_first_failure_secs += other.up_before_first_failure_secs;
        self.first_failures += other.first_failures;
        self.first_failure_secs = None;
        if self.lost_by_cause_secs.len() < other.lost_by_cause_secs.len() {
            self.lost_by_cause_secs
                .resize(other.lost_by_cause_secs.len(), 0.0);
        }
        for (mine, theirs) in self
            .lost_by_cause_secs
            .iter_mut()
            .zip(other.lost_by_cause_secs)
        {
            *mine += theirs;
        }
    }
}

/// The outage in progress.
#[derive(Clone, Debug)]
struct OpenOutage {
    start: SimTime,
    /// The fault that started it.
    initiating: usize,
    /// The last fault recovery seen while it lasted, and when.
    recovery: Option<(SimTime, Vec<usize>)>,
    /// Its lost time so far, unweighted microseconds (charged to a cause
    /// when it ends).
    lost_micros: f64,
    /// Up time before it (inside the window) that counts toward the time to
    /// first failure unless this outage proves to be that failure;
    /// unweighted microseconds.
    up_pending_micros: f64,
}

/// Integrates one SLI's success share over time.
#[derive(Clone, Debug)]
pub struct Recorder {
    warmup: SimTime,
    min_outage: SimDuration,
    value: f64,
    since: SimTime,
    weight: f64,
    open: Option<OpenOutage>,
    failed: bool,
    lost_micros: f64,
    outages: Vec<f64>,
    outage_weights: Vec<f64>,
    up_micros: f64,
    first_failures: f64,
    first_failure: Option<SimTime>,
    lost_by_cause: Vec<f64>,
}

impl Recorder {
    /// A recorder that starts fully up at time zero, with weight 1.
    pub fn new(warmup: SimDuration, min_outage: SimDuration) -> Self {
        Recorder {
            warmup: SimTime::ZERO + warmup,
            min_outage,
            value: 1.0,
            since: SimTime::ZERO,
            weight: 1.0,
            open: None,
            failed: false,
            lost_micros: 0.0,
            outages: Vec::new(),
            outage_weights: Vec::new(),
            up_micros: 0.0,
            first_failures: 0.0,
            first_failure: None,
            lost_by_cause: Vec::new(),
        }
    }

    /// The current success share.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Whether an outage is in progress.
    pub fn is_down(&self) -> bool {
        self.open.is_some()
    }

    /// Records that from `now` on the success share is `value` (in [0, 1]).
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.set_caused(now, value, 0);
    }

    /// Like [`set`](Self::set); an outage that starts now was started by
    /// `cause` (the initiating fault).
    pub fn set_caused(&mut self, now: SimTime, value: f64, cause: usize) {
        let value = value.clamp(0.0, 1.0);
        if value == self.value {
            return;
        }
        self.accumulate(now);
        let was_down = self.value < 1.0;
        let is_down = value < 1.0;
        if !was_down && is_down {
            self.open = Some(OpenOutage {
                start: now,
                initiating: cause,
                recovery: None,
                lost_micros: 0.0,
                up_pending_micros: 0.0,
            });
        } else if was_down && !is_down {
            self.close_outage(now);
        }
        self.value = value;
    }

    /// A fault recovered at `now` (a repair, a zone back, a restore): if
    /// the SLI is down, the outage is charged to it should it end before
    /// another recovery.
    pub fn note_recovery(&mut self, now: SimTime, cause: usize) {
        if let Some(open) = &mut self.open {
            match &mut open.recovery {
                Some((at, causes)) if *at == now => {
                    if !causes.contains(&cause) {
                        causes.push(cause);
                    }
                }
                recovery => *recovery = Some((now, vec![cause])),
            }
        }
    }

    /// The branch's weight from `now` on (figures settled later count with
    /// it).
    pub fn set_weight(&mut self, now: SimTime, weight: f64) {
        self.accumulate(now);
        self.weight = weight;
    }

    /// A copy that goes on from `now` as a new branch: the same state,
    /// nothing settled yet (what was settled belongs to the original).
    pub fn fork(&mut self, now: SimTime) -> Recorder {
        self.accumulate(now);
        Recorder {
            warmup: self.warmup,
            min_outage: self.min_outage,
            value: self.value,
            since: self.since,
            weight: self.weight,
            open: self.open.clone(),
            failed: self.failed,
            lost_micros: 0.0,
            outages: Vec::new(),
            outage_weights: Vec::new(),
            up_micros: 0.0,
            first_failures: 0.0,
            first_failure: None,
            lost_by_cause: Vec::new(),
        }
    }

    fn accumulate(&mut self, now: SimTime) {
        let from = self.since.max(self.warmup);
        if now > from {
            let span = (now - from).as_micros() as f64;
            if self.value < 1.0 {
                let lost = (1.0 - self.value) * span;
                self.lost_micros += self.weight * lost;
                if let Some(open) = &mut self.open {
                    open.lost_micros += lost;
                }
            }
            if !self.failed {
                match &mut self.open {
                    // Up until this outage's start, unless it is the first
                    // failure: settled when it ends.
                    Some(open) => open.up_pending_micros += span,
                    None => self.up_micros += self.weight * span,
                }
            }
        }
        self.since = self.since.max(now);
    }

    fn close_outage(&mut self, end: SimTime) {
        let Some(open) = self.open.take() else {
            return;
        };
        let charged = match &open.recovery {
            Some((_, causes)) => causes.clone(),
            None => vec![open.initiating],
        };
        for cause in &charged {
            if self.lost_by_cause.len() <= *cause {
                self.lost_by_cause.resize(cause + 1, 0.0);
            }
            self.lost_by_cause[*cause] += self.weight * open.lost_micros / charged.len() as f64;
        }
        let measured_from = open.start.max(self.warmup);
        let counted = end > measured_from && end - measured_from >= self.min_outage;
        if !counted {
            if !self.failed {
                self.up_micros += self.weight * open.up_pending_micros;
            }
            return;
        }
        if !self.failed {
            self.failed = true;
            self.first_failures += self.weight;
            self.first_failure = Some(measured_from);
        }
        self.outages.push((end - measured_from).as_secs_f64());
        self.outage_weights.push(self.weight);
    }

    /// Closes the books at the horizon.
    pub fn finish(mut self, horizon: SimTime) -> SliOutcome {
        self.accumulate(horizon);
        if self.open.is_some() {
            self.close_outage(horizon);
        }
        self.outcome(horizon)
    }

    /// Closes the books of an abandoned branch at `now`: what it settled
    /// counts, what it left unsettled (an open outage) is dropped.
    pub fn abandon(mut self, now: SimTime, horizon: SimTime) -> SliOutcome {
        self.accumulate(now);
        self.open = None;
        self.outcome(horizon)
    }

    fn outcome(self, horizon: SimTime) -> SliOutcome {
        let all_one = self.outage_weights.iter().all(|w| *w == 1.0);
        SliOutcome {
            observed_secs: horizon.saturating_since(self.warmup).as_secs_f64(),
            lost_secs: self.lost_micros / 1e6,
            outage_secs: self.outages,
            outage_weights: if all_one {
                Vec::new()
            } else {
                self.outage_weights
            },
            up_before_first_failure_secs: self.up_micros / 1e6,
            first_failures: self.first_failures,
            first_failure_secs: self
                .first_failure
                .map(|t| t.saturating_since(self.warmup).as_secs_f64()),
            lost_by_cause_secs: self.lost_by_cause.iter().map(|l| l / 1e6).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn integrates_downtime_and_outages() {
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set(at(10), 0.0);
        r.set(at(15), 1.0);
        r.set(at(50), 0.5);
        r.set(at(60), 1.0);
        let out = r.finish(at(100));
        assert_eq!(out.observed_secs, 100.0);
        assert!((out.lost_secs - 10.0).abs() < 1e-9);
        assert_eq!(out.outage_secs, vec![5.0, 10.0]);
        assert_eq!(out.first_failure_secs, Some(10.0));
        assert!((out.availability() - 0.9).abs() < 1e-12);
    }

    #[test]
    fn partial_values_inside_one_outage_do_not_split_it() {
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set(at(10), 0.0);
        r.set(at(12), 0.5);
        r.set(at(20), 1.0);
        let out = r.finish(at(30));
        assert_eq!(out.outage_secs, vec![10.0]);
        assert!((out.lost_secs - 6.0).abs() < 1e-9);
    }

    #[test]
    fn warmup_is_not_measured_and_cuts_outages() {
        let mut r = Recorder::new(SimDuration::from_secs(20), SimDuration::ZERO);
        r.set(at(5), 0.0);
        r.set(at(10), 1.0);
        r.set(at(15), 0.0);
        r.set(at(30), 1.0);
        let out = r.finish(at(120));
        assert_eq!(out.observed_secs, 100.0);
        assert!((out.lost_secs - 10.0).abs() < 1e-9);
        assert_eq!(out.outage_secs, vec![10.0]);
        // Time to first failure counts from the end of the warmup; the
        // outage in [5, 10] lies wholly in the warmup, the one from 15 was
        // already on when the window opened.
        assert_eq!(out.first_failure_secs, Some(0.0));
        assert_eq!(out.up_before_first_failure_secs, 0.0);
        assert_eq!(out.first_failures, 1.0);
    }

    #[test]
    fn short_outages_are_not_counted_but_still_cost_availability() {
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::from_secs(3));
        r.set(at(10), 0.0);
        r.set(at(12), 1.0);
        r.set(at(20), 0.0);
        r.set(at(30), 1.0);
        let out = r.finish(at(100));
        assert_eq!(out.outage_secs, vec![10.0]);
        assert_eq!(out.first_failure_secs, Some(20.0));
        // The 2 s outage did not count: its time is up time before the
        // first failure.
        assert_eq!(out.up_before_first_failure_secs, 20.0);
        assert!((out.lost_secs - 12.0).abs() < 1e-9);
    }

    #[test]
    fn open_outage_is_cut_at_the_horizon() {
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set(at(90), 0.0);
        let out = r.finish(at(100));
        assert_eq!(out.outage_secs, vec![10.0]);
        assert!((out.lost_secs - 10.0).abs() < 1e-9);
    }

    #[test]
    fn without_a_recovery_an_outage_is_charged_to_the_fault_that_started_it() {
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set_caused(at(10), 0.0, 2);
        r.set_caused(at(14), 0.5, 0); // still the same outage: cause 2
        r.set_caused(at(20), 1.0, 0);
        r.set_caused(at(30), 0.0, 1);
        r.set_caused(at(31), 1.0, 1);
        let out = r.finish(at(100));
        assert_eq!(out.lost_by_cause_secs, vec![0.0, 1.0, 7.0]);
    }

    #[test]
    fn an_outage_is_charged_to_the_recovery_that_let_it_end() {
        // A disaster (cause 1) holds the SLI down; a balancer crash (cause 2)
        // during it and its repair do not end it; the restore (cause 1)
        // does. Then a zone outage (3) during a machine repair (4): the
        // machine's repair ends it, so the machine is charged.
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set_caused(at(10), 0.0, 1);
        r.set_caused(at(20), 0.0, 2);
        r.note_recovery(at(30), 2);
        r.note_recovery(at(50), 1);
        r.set_caused(at(51), 1.0, 0);
        r.set_caused(at(60), 0.0, 3);
        r.note_recovery(at(70), 4);
        r.note_recovery(at(70), 3);
        r.set_caused(at(72), 1.0, 0);
        let out = r.finish(at(100));
        assert_eq!(out.lost_by_cause_secs, vec![0.0, 41.0, 0.0, 6.0, 6.0]);
        assert!((out.lost_by_cause_secs.iter().sum::<f64>() - out.lost_secs).abs() < 1e-9);
    }

    #[test]
    fn no_outage_means_censored_first_failure() {
        let out = Recorder::new(SimDuration::from_secs(10), SimDuration::ZERO).finish(at(50));
        assert_eq!(out.first_failure_secs, None);
        assert_eq!(out.first_failures, 0.0);
        assert_eq!(out.up_before_first_failure_secs, 40.0);
        assert_eq!(out.observed_secs, 40.0);
        assert_eq!(out.availability(), 1.0);
    }

    #[test]
    fn weights_scale_what_settles_and_branches_add_up() {
        // One branch at weight 1/4 from t=20 on, as if split in four.
        let mut r = Recorder::new(SimDuration::ZERO, SimDuration::ZERO);
        r.set(at(10), 0.0);
        r.set_weight(at(20), 0.25);
        let mut copy = r.fork(at(20));
        r.set(at(30), 1.0);
        // The copy's outage lasts longer, and it is abandoned while down
        // later: its open outage is dropped, its settled figures count.
        copy.set(at(40), 1.0);
        copy.set(at(80), 0.0);
        let main = r.finish(at(100));
        let other = copy.abandon(at(90), at(100));
        // Lost: 10 s at weight 1 before the split, then 10 s at 1/4 (main)
        // and 20 + 10 s at 1/4 (copy).
        assert!((main.lost_secs - 12.5).abs() < 1e-9);
        assert!((other.lost_secs - 7.5).abs() < 1e-9);
        assert_eq!(main.outage_secs, vec![20.0]);
        assert_eq!(main.outage_weights, vec![0.25]);
        assert_eq!(other.outage_secs, vec![30.0]);
        // Up before the first failure: the 10 s before the outage, settled
        // before the split; the copy starts with nothing settled.
        assert_eq!(main.up_before_first_failure_secs, 10.0);
        assert_eq!(other.up_before_first_failure_secs, 0.0);
        let mut merged = main.clone();
        merged.absorb(other);
        assert_eq!(merged.outages(), 0.5);
        assert!((merged.downtime_secs() - 12.5).abs() < 1e-9);
        assert_eq!(merged.first_failures, 0.5);
    }
}

/// How one workload's load and autoscaling went in one replication, over
/// the measured window. Integrals are in request·seconds or pod·seconds;
/// rates follow by dividing by `observed_secs` of any SLI.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScalingOutcome {
    /// Requests offered: the integral of the demand (requests/s) over time.
    pub offered_requests: f64,
    /// Requests served: the integral of min(demand, ready pods × capacity).
    pub served_requests: f64,
    /// Integral of the desired replicas (what the autoscaler asked for).
    pub replica_secs: f64,
    /// Integral of the ready (serving) replicas.
    pub ready_secs: f64,
    /// Integral of the pods waiting for a node.
    pub pending_secs: f64,
    /// Most replicas desired at any time.
    pub max_replicas: u32,
    /// Fewest replicas desired at any time.
    pub min_replicas: u32,
    /// Autoscaler decisions that raised the replicas.
    pub scale_ups: u32,
    /// Autoscaler decisions that lowered the replicas.
    pub scale_downs: u32,
    /// Direction changes (up after down or down after up) within the
    /// flapping window of the previous decision.
    pub flaps: u32,
    /// Per load spike that started in the window: seconds from its start
    /// until the served demand was back to the offered demand (a spike
    /// still unabsorbed at the horizon counts until the horizon).
    pub spike_absorb_secs: Vec<f64>,
}

/// Worker nodes over one replication's measured window: the cost side.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeOutcome {
    /// Integral of the worker nodes that exist (provisioned, not removed),
    /// node·seconds.
    pub node_secs: f64,
    /// Most worker nodes at any time.
    pub max_nodes: u32,
    /// Nodes the cluster autoscaler added (registered).
    pub nodes_added: u32,
    /// Nodes the cluster autoscaler removed.
    pub nodes_removed: u32,
    /// Node requests that did not register within the provisioning
    /// timeout (e.g. into a failed zone).
    pub failed_provisions: u32,
}
