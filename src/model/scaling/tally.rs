//! The scaling and cost records of one replication: integrals of demand,
//! served requests, replicas, pending pods and nodes over the measured
//! window, kept exact between events (the state is constant between them;
//! only the demand moves, and it is integrated in closed form).

use crate::engine::SimTime;
use crate::load::Load;
use crate::outcome::{NodeOutcome, ScalingOutcome};

/// What a workload's tally integrates, as of the last event.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct WorkloadState {
    /// Ready pods that serve.
    pub serving: usize,
    /// Desired replicas.
    pub replicas: usize,
    /// Pods waiting for a node.
    pub pending: usize,
    /// Requests/s of the spikes in progress, on top of the profile.
    pub extra: f64,
}

/// One workload's running totals.
#[derive(Clone)]
pub(crate) struct WorkloadTally {
    warmup: SimTime,
    last: SimTime,
    state: WorkloadState,
    capacity: f64,
    started: bool,
    /// Start times of the spikes not absorbed yet.
    open_spikes: Vec<SimTime>,
    /// The totals so far.
    pub out: ScalingOutcome,
}

impl WorkloadTally {
    /// A tally measuring from `warmup`, for pods serving `capacity` each.
    pub fn new(warmup: SimTime, capacity: f64) -> Self {
        WorkloadTally {
            warmup,
            last: SimTime::ZERO,
            state: WorkloadState::default(),
            capacity,
            started: false,
            open_spikes: Vec::new(),
            out: ScalingOutcome::default(),
        }
    }

    /// Integrates up to `now` with the state since the last call.
    pub fn advance(&mut self, now: SimTime, load: &Load) {
        let a = self.last.max(self.warmup);
        self.last = now;
        if now <= a {
            return;
        }
        let (a, b) = (a.as_secs_f64(), now.as_secs_f64());
        let dt = b - a;
        let s = self.state;
        let level = s.serving as f64 * self.capacity;
        self.out.offered_requests += load.integral(a, b) + s.extra * dt;
        self.out.served_requests += if level >= s.extra {
            s.extra * dt + load.integral_capped(a, b, level - s.extra)
        } else {
            level * dt
        };
        self.out.replica_secs += s.replicas as f64 * dt;
        self.out.ready_secs += s.serving as f64 * dt;
        self.out.pending_secs += s.pending as f64 * dt;
    }

    /// The state from `now` on (call [`WorkloadTally::advance`] first);
    /// `absorbed` says whether the ready pods serve all the demand now.
    pub fn set(&mut self, now: SimTime, state: WorkloadState, absorbed: bool) {
        self.state = state;
        if now >= self.warmup {
            let r = state.replicas as u32;
            if self.started {
                self.out.max_replicas = self.out.max_replicas.max(r);
                self.out.min_replicas = self.out.min_replicas.min(r);
            } else {
                self.started = true;
                self.out.max_replicas = r;
                self.out.min_replicas = r;
            }
        }
        if absorbed {
            for start in self.open_spikes.drain(..) {
                self.out
                    .spike_absorb_secs
                    .push(now.saturating_since(start).as_secs_f64());
            }
        }
    }

    /// A spike began at `now` (only spikes in the window are measured).
    pub fn spike_started(&mut self, now: SimTime) {
        if now >= self.warmup {
            self.open_spikes.push(now);
        }
    }

    /// Whether a spike is waiting to be absorbed.
    pub fn spike_open(&self) -> bool {
        !self.open_spikes.is_empty()
    }

    /// A scaling decision at `now`.
    pub fn decided(&mut self, now: SimTime, up: bool, flap: bool) {
        if now < self.warmup {
            return;
        }
        if up {
            self.out.scale_ups += 1;
        } else {
            self.out.scale_downs += 1;
        }
        if flap {
            self.out.flaps += 1;
        }
    }

    /// The totals at `horizon` (advanced to it first).
    pub fn finish(mut self, horizon: SimTime, load: &Load) -> ScalingOutcome {
        self.advance(horizon, load);
        for start in self.open_spikes.drain(..) {
            self.out
                .spike_absorb_secs
                .push(horizon.saturating_since(start).as_secs_f64());
        }
        self.out
    }
}

/// Worker nodes over time.
#[derive(Clone)]
pub(crate) struct NodeTally {
    warmup: SimTime,
    last: SimTime,
    nodes: usize,
    /// The totals so far.
    pub out: NodeOutcome,
}

impl NodeTally {
    /// A tally measuring from `warmup`.
    pub fn new(warmup: SimTime, nodes: usize) -> Self {
        NodeTally {
            warmup,
            last: SimTime::ZERO,
            nodes,
            out: NodeOutcome {
                max_nodes: nodes as u32,
                ..NodeOutcome::default()
            },
        }
    }

    /// The worker count changes to `nodes` at `now`.
    pub fn set(&mut self, now: SimTime, nodes: usize) {
        let a = self.last.max(self.warmup);
        if now > a {
            self.out.node_secs += self.nodes as f64 * (now - a).as_secs_f64();
        }
        self.last = now;
        self.nodes = nodes;
        if now >= self.warmup {
            self.out.max_nodes = self.out.max_nodes.max(nodes as u32);
        }
    }

    /// The totals at `horizon`.
    pub fn finish(mut self, horizon: SimTime) -> NodeOutcome {
        let nodes = self.nodes;
        self.set(horizon, nodes);
        self.out
    }
}
