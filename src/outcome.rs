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
//! - Time to first failure is measured from time zero (a healthy start) to
//!   the start of the first counted outage, or censored at the horizon.

use serde::{Deserialize, Serialize};

use crate::engine::{SimDuration, SimTime};

/// One SLI over one replication: plain data for aggregation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SliOutcome {
    /// Length of the measured window, seconds.
    pub observed_secs: f64,
    /// Integral of the failed share over the window, seconds
    /// (availability = 1 - lost / observed).
    pub lost_secs: f64,
    /// Duration of each counted outage inside the window, seconds.
    pub outage_secs: Vec<f64>,
    /// Time from zero to the first counted outage, if one happened.
    pub first_failure_secs: Option<f64>,
    /// The horizon in seconds (the censoring time of `first_failure_secs`).
    pub horizon_secs: f64,
    /// `lost_secs` split by the cause each outage was attributed to
    /// (indexed by the model's cause list).
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

    /// Total time in counted outages, seconds.
    pub fn downtime_secs(&self) -> f64 {
        self.outage_secs.iter().sum()
    }
}

/// Integrates one SLI's success share over time.
#[derive(Clone, Debug)]
pub struct Recorder {
    warmup: SimTime,
    min_outage: SimDuration,
    value: f64,
    since: SimTime,
    outage_start: Option<SimTime>,
    lost_micros: f64,
    outages: Vec<f64>,
    first_failure: Option<SimTime>,
    cause: usize,
    lost_by_cause: Vec<f64>,
}

impl Recorder {
    /// A recorder that starts fully up at time zero.
    pub fn new(warmup: SimDuration, min_outage: SimDuration) -> Self {
        Recorder {
            warmup: SimTime::ZERO + warmup,
            min_outage,
            value: 1.0,
            since: SimTime::ZERO,
            outage_start: None,
            lost_micros: 0.0,
            outages: Vec::new(),
            first_failure: None,
            cause: 0,
            lost_by_cause: Vec::new(),
        }
    }

    /// The current success share.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Whether an outage is in progress.
    pub fn is_down(&self) -> bool {
        self.outage_start.is_some()
    }

    /// Records that from `now` on the success share is `value` (in [0, 1]).
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.set_caused(now, value, 0);
    }

    /// Like [`set`](Self::set); an outage that starts now is attributed to
    /// `cause` (the initiating fault), with all of its lost requests.
    pub fn set_caused(&mut self, now: SimTime, value: f64, cause: usize) {
        let value = value.clamp(0.0, 1.0);
        if value == self.value {
            return;
        }
        self.accumulate(now);
        let was_down = self.value < 1.0;
        let is_down = value < 1.0;
        if !was_down && is_down {
            self.outage_start = Some(now);
            self.cause = cause;
        } else if was_down && !is_down {
            self.close_outage(now);
        }
        self.value = value;
    }

    fn accumulate(&mut self, now: SimTime) {
        let from = self.since.max(self.warmup);
        if now > from && self.value < 1.0 {
            let lost = (1.0 - self.value) * (now - from).as_micros() as f64;
            self.lost_micros += lost;
            if self.lost_by_cause.len() <= self.cause {
                self.lost_by_cause.resize(self.cause + 1, 0.0);
            }
            self.lost_by_cause[self.cause] += lost;
        }
        self.since = now;
    }

    fn close_outage(&mut self, end: SimTime) {
        let Some(start) = self.outage_start.take() else {
            return;
        };
        let measured_from = start.max(self.warmup);
        if end <= measured_from {
            return;
        }
        let measured = end - measured_from;
        if measured < self.min_outage {
            return;
        }
        if self.first_failure.is_none() {
            self.first_failure = Some(start);
        }
        self.outages.push(measured.as_secs_f64());
    }

    /// Closes the books at the horizon.
    pub fn finish(mut self, horizon: SimTime) -> SliOutcome {
        self.accumulate(horizon);
        if self.outage_start.is_some() {
            self.close_outage(horizon);
        }
        SliOutcome {
            observed_secs: horizon.saturating_since(self.warmup).as_secs_f64(),
            lost_secs: self.lost_micros / 1e6,
            outage_secs: self.outages,
            first_failure_secs: self.first_failure.map(|t| t.as_secs_f64()),
            horizon_secs: horizon.as_secs_f64(),
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
        // Time to first failure counts from the healthy start, not the
        // warmup; the outage in [5, 10] lies wholly in the warmup.
        assert_eq!(out.first_failure_secs, Some(15.0));
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
    fn lost_time_is_split_by_the_cause_of_each_outage() {
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
    fn no_outage_means_censored_first_failure() {
        let out = Recorder::new(SimDuration::ZERO, SimDuration::ZERO).finish(at(50));
        assert_eq!(out.first_failure_secs, None);
        assert_eq!(out.horizon_secs, 50.0);
        assert_eq!(out.availability(), 1.0);
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
