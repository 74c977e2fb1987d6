//! The closed set of things that happen in a cluster model, one family per
//! part of the cluster. Every event is a past-tense fact, dispatched by an
//! exhaustive `match`; each family is declared beside the part it
//! belongs to, which schedules it through `From` without knowing this
//! enum.

pub use super::chaos::ChaosEvent;
pub use super::control_plane::active_standby::StandbyEvent;
pub use super::control_plane::certificates::CertEvent;
pub use super::control_plane::endpoint::EndpointEvent;
pub use super::control_plane::etcd::EtcdEvent;
pub use super::control_plane::lease::{LeaderLease, LeaseEvent};
pub use super::dataplane::DataEvent;
pub use super::faults::FaultEvent;
pub use super::processes::ProcessEvent;
pub use super::scaling::ScalingEvent;

/// An event of the cluster model: a small `Copy` value (8 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterEvent {
    /// Machines, zones and failure domains fail and get repaired.
    Fault(FaultEvent),
    /// etcd elects, syncs and restores.
    Etcd(EtcdEvent),
    /// The API endpoint's health checks and virtual IP.
    Endpoint(EndpointEvent),
    /// kube-controller-manager's and kube-scheduler's leader leases.
    Lease(LeaseEvent),
    /// Active/standby failover.
    Standby(StandbyEvent),
    /// The control plane's certificates expire and are renewed.
    Cert(CertEvent),
    /// Worker nodes and pods.
    Data(DataEvent),
    /// Load and autoscaling.
    Scaling(ScalingEvent),
    /// Chaos steps and planned work.
    Chaos(ChaosEvent),
    /// Control-plane static pods, kubelets and container runtimes fail and
    /// are restarted.
    Process(ProcessEvent),
}

impl ClusterEvent {
    /// What each family of events is, in the order of [`ClusterEvent::family`].
    pub const FAMILIES: [&'static str; 10] = [
        "machine, zone and domain failures and repairs",
        "etcd elections, syncs and restores",
        "API endpoint health checks",
        "leader-lease takeovers",
        "active/standby failovers",
        "certificate expiries and renewals",
        "worker-node and pod events (failures, evictions, restarts, starts)",
        "load and autoscaling events",
        "chaos steps and planned work",
        "control-plane process, kubelet and container-runtime failures and restarts",
    ];

    /// The index of this event's family in [`ClusterEvent::FAMILIES`].
    pub fn family(&self) -> usize {
        match self {
            ClusterEvent::Fault(_) => 0,
            ClusterEvent::Etcd(_) => 1,
            ClusterEvent::Endpoint(_) => 2,
            ClusterEvent::Lease(_) => 3,
            ClusterEvent::Standby(_) => 4,
            ClusterEvent::Cert(_) => 5,
            ClusterEvent::Data(_) => 6,
            ClusterEvent::Scaling(_) => 7,
            ClusterEvent::Chaos(_) => 8,
            ClusterEvent::Process(_) => 9,
        }
    }
}

macro_rules! family {
    ($variant:ident($family:ty)) => {
        impl From<$family> for ClusterEvent {
            fn from(event: $family) -> Self {
                ClusterEvent::$variant(event)
            }
        }
    };
}

family!(Fault(FaultEvent));
family!(Etcd(EtcdEvent));
family!(Endpoint(EndpointEvent));
family!(Lease(LeaseEvent));
family!(Standby(StandbyEvent));
family!(Cert(CertEvent));
family!(Data(DataEvent));
family!(Scaling(ScalingEvent));
family!(Chaos(ChaosEvent));
family!(Process(ProcessEvent));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_stay_eight_bytes() {
        // The flat enum of 34 variants this replaced was 8 bytes; the
        // event queue holds millions of them.
        assert_eq!(size_of::<ClusterEvent>(), 8);
    }
}
