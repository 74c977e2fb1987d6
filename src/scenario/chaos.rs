//! Injected faults in the scenario file, validated.

use crate::engine::SimDuration;

/// One injected fault, repeated every `every` if given.
#[derive(Clone, Debug)]
pub struct ChaosStep {
    /// Name for reports and attribution.
    pub name: String,
    /// What it does.
    pub action: ChaosAction,
    /// First injection.
    pub at: SimDuration,
    /// Repeat period.
    pub every: Option<SimDuration>,
    /// How long it lasts (per machine for a rolling upgrade).
    pub duration: SimDuration,
}

/// What a chaos step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChaosAction {
    /// Stop these machines (global indices, in group order).
    Crash(Vec<usize>),
    /// Stop the machine of the current etcd leader.
    CrashEtcdLeader,
    /// Stop every machine of a zone.
    ZoneOutage(usize),
    /// Cut these zones off from the others.
    Partition(Vec<usize>),
    /// Fail the load balancer (cloud LB, or the VIP holder's machine).
    FailLoadBalancer,
    /// Control-plane machines down one after another (planned work).
    RollingUpgrade,
    /// Drain these worker machines one after another (planned work).
    Drain(Vec<usize>),
    /// A rolling update of this workload (planned work).
    Rollout(usize),
}
