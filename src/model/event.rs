//! The closed set of things that happen in a cluster model. Every event is a
//! past-tense fact, dispatched by an exhaustive `match`.

/// An event of the cluster model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A machine failed in one of its failure modes.
    MachineFailed {
        /// Machine index.
        machine: u32,
        /// Failure-mode index within the machine's group.
        mode: u16,
    },
    /// A failed machine is back.
    MachineRepaired {
        /// Machine index.
        machine: u32,
    },
    /// A whole zone went down in one of the zone failure modes.
    ZoneFailed {
        /// Zone index.
        zone: u16,
        /// Zone failure-mode index.
        mode: u16,
    },
    /// A zone is back.
    ZoneRepaired {
        /// Zone index.
        zone: u16,
    },
    /// A shared failure domain (rack, power feed, host) failed.
    DomainFailed {
        /// Domain index.
        domain: u16,
        /// Failure-mode index within the domain.
        mode: u16,
    },
    /// A failure domain is back.
    DomainRepaired {
        /// Domain index.
        domain: u16,
    },
    /// The node lifecycle controller marked a silent node NotReady.
    NodeMarkedNotReady {
        /// Worker node index.
        node: u32,
    },
    /// The node got its NoExecute taint (through the zone rate limiter).
    NodeTainted {
        /// Worker node index.
        node: u32,
    },
    /// A pod's toleration of the taint ran out.
    PodEvicted {
        /// Pod slot.
        pod: u32,
    },
    /// A pod's containers started and its readiness probe passed.
    PodStarted {
        /// Pod slot.
        pod: u32,
    },
    /// An etcd election finished.
    EtcdLeaderElected,
    /// A re-added (empty) etcd member caught up.
    EtcdMemberSynced {
        /// Member index.
        member: u16,
    },
    /// The etcd cluster was restored from the last snapshot.
    EtcdRestored,
    /// A balancer's health checks flipped a backend's state.
    BackendMarked {
        /// Balancer instance index.
        balancer: u16,
        /// Backend (control-plane machine) index.
        backend: u16,
        /// The new state: true = marked up.
        up: bool,
    },
    /// A keepalived backup took over the virtual IP.
    VipTakenOver,
    /// A candidate acquired a leader lease.
    LeaseAcquired {
        /// Which lease (controller-manager or scheduler).
        lease: u8,
        /// Candidate (control-plane machine) index.
        candidate: u16,
    },
    /// A leader that could not renew gave up its lease (and restarted).
    LeaderSteppedDown {
        /// Which lease.
        lease: u8,
    },
    /// A standby control-plane machine was promoted.
    StandbyPromoted,
    /// A manual repair was requested (the alert fired and on-call responded).
    RepairRequested {
        /// Machine index.
        machine: u32,
    },
    /// A chaos step was injected.
    ChaosStarted {
        /// Step index.
        step: u16,
    },
    /// A chaos step's fault ended.
    ChaosEnded {
        /// Step index.
        step: u16,
    },
    /// A pod-level fault: a container crashed, hung, or stopped being ready.
    PodFailed {
        /// Pod slot.
        pod: u32,
        /// Pod failure-mode index of its workload.
        mode: u16,
    },
    /// The probes noticed a hung or unready pod.
    PodProbeFailed {
        /// Pod slot.
        pod: u32,
    },
    /// A crashed or killed container's CrashLoopBackOff delay is over.
    PodRestarted {
        /// Pod slot.
        pod: u32,
    },
    /// A readiness flap ended.
    PodFlapEnded {
        /// Pod slot.
        pod: u32,
    },
    /// A workload's offered load crossed what its ready pods can serve.
    LoadCrossed {
        /// Workload index.
        workload: u16,
    },
    /// A workload's autoscaler syncs (HPA sync period or threshold period).
    ScalerSynced {
        /// Workload index.
        workload: u16,
    },
    /// A random load spike begins.
    SpikeStarted {
        /// Workload index.
        workload: u16,
    },
    /// A load spike is over.
    SpikeEnded {
        /// Workload index.
        workload: u16,
        /// Spike serial number within the workload.
        spike: u32,
    },
    /// The Cluster Autoscaler's main loop runs.
    AutoscalerScanned,
    /// A node the Cluster Autoscaler asked for has booted.
    NodeProvisioned {
        /// Machine slot.
        machine: u32,
    },
    /// A requested node did not register within the provisioning timeout.
    NodeProvisionTimedOut {
        /// Machine slot.
        machine: u32,
    },
    /// A drain retries evictions a PodDisruptionBudget refused.
    DrainRetried {
        /// Step index.
        step: u16,
    },
    /// A drained node's maintenance is over; the next node is drained.
    DrainAdvanced {
        /// Step index.
        step: u16,
    },
    /// A rolling upgrade moves to the next control-plane machine.
    UpgradeAdvanced {
        /// Step index.
        step: u16,
        /// Control-plane index to take down next (the previous comes back).
        next: u16,
    },
}
