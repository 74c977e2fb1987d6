//! One replication's demand, service, replicas and nodes sampled on a grid
//! (`--timeseries`).

use super::tally::WorkloadState;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Workload;

/// One workload at one sampled instant of a replication.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeseriesRow {
    /// Seconds since the start.
    pub time_seconds: f64,
    /// Workload name.
    pub workload: String,
    /// Offered requests/s.
    pub demand: f64,
    /// Requests/s served: min(demand, ready pods × capacity).
    pub served: f64,
    /// Desired replicas.
    pub replicas: usize,
    /// Ready pods that serve.
    pub ready: usize,
    /// Worker nodes that exist.
    pub nodes: usize,
    /// Pods waiting for a node.
    pub pending: usize,
}

/// Samples the state on a grid: between events it is constant but for the
/// demand, so the rows due before an event are written from the state
/// left by the previous one.
#[derive(Clone)]
pub(crate) struct Sampler {
    step: SimDuration,
    next: SimTime,
    /// Per workload with a load: its state after the last event.
    pub states: Vec<Option<WorkloadState>>,
    /// Worker nodes after the last event.
    pub nodes: usize,
    rows: Vec<TimeseriesRow>,
}

impl Sampler {
    /// Samples every `step` (at least a microsecond) from time zero.
    pub fn new(step: SimDuration, workloads: usize) -> Self {
        Sampler {
            step: step.max(SimDuration::from_micros(1)),
            next: SimTime::ZERO,
            states: vec![None; workloads],
            nodes: 0,
            rows: Vec::new(),
        }
    }

    /// Writes the rows due before `until` (through `until` when
    /// `inclusive`).
    pub fn sample_until(&mut self, until: SimTime, inclusive: bool, workloads: &[Workload]) {
        while self.next < until || (inclusive && self.next == until) {
            let t = self.next.as_secs_f64();
            for (w, state) in self.states.iter().enumerate() {
                let (Some(state), Some(load)) = (state, &workloads[w].load) else {
                    continue;
                };
                let demand = load.profile.at(t) + state.extra;
                self.rows.push(TimeseriesRow {
                    time_seconds: t,
                    workload: workloads[w].name.clone(),
                    demand,
                    served: demand.min(state.serving as f64 * load.capacity),
                    replicas: state.replicas,
                    ready: state.serving,
                    nodes: self.nodes,
                    pending: state.pending,
                });
            }
            self.next += self.step;
        }
    }

    /// The rows written.
    pub fn into_rows(self) -> Vec<TimeseriesRow> {
        self.rows
    }
}
