//! Machines in the scenario file, validated: groups, their roles and
//! failure modes, shared failure domains and the people who repair by hand.

use super::autoscaling::NodeGroupScaling;
use super::workload::Resources;
use crate::dist::Distribution;
use crate::engine::SimDuration;

/// A group of identical machines.
#[derive(Clone, Debug)]
pub struct MachineGroup {
    /// Group name.
    pub name: String,
    /// What runs on the machines.
    pub role: Role,
    /// Zone index of each machine; its length is the machine count.
    pub zones: Vec<usize>,
    /// Failure-domain index of each machine, if assigned.
    pub domains: Vec<Option<usize>>,
    /// Workers: allocatable resources of each node.
    pub allocatable: Resources,
    /// Failure modes, each with its own clocks.
    pub failures: Vec<FailureMode>,
    /// Failures of the processes on each machine, each with its own clock.
    pub process_failures: Vec<ProcessFailure>,
    /// Workers the Cluster Autoscaler resizes: `zones` and `domains` then
    /// list `max` machine slots, of which the first `initial` exist at the
    /// start.
    pub autoscaling: Option<NodeGroupScaling>,
}

/// What a machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// apiserver, controller-manager, scheduler (and etcd when stacked).
    ControlPlane,
    /// An external etcd member.
    Etcd,
    /// HAProxy + keepalived.
    LoadBalancer,
    /// A worker node running pods.
    Worker,
}

/// One way a machine (or zone) fails.
#[derive(Clone, Debug)]
pub struct FailureMode {
    /// Name for reports.
    pub name: String,
    /// Time from a repair (or the start) to the next failure.
    pub time_to_failure: Distribution,
    /// Time until the machine is back.
    pub time_to_repair: Distribution,
    /// Whether the failure destroys the disk (etcd data).
    pub loses_disk: bool,
    /// Whether repair waits for detection, response and a free crew.
    pub manual_repair: bool,
    /// For zone failures: cut the zone off instead of stopping it.
    pub partitions: bool,
    /// Share of failures that hit several machines of the group, and how many.
    pub common_cause: Option<CommonCause>,
}

/// Common-cause failures of a mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommonCause {
    /// Share of the mode's failures that are common-cause.
    pub fraction: f64,
    /// Machines hit together (including the one whose clock fired).
    pub size: usize,
}

/// A shared failure domain (rack, power feed, hypervisor host).
#[derive(Clone, Debug)]
pub struct FailureDomain {
    /// Name.
    pub name: String,
    /// How it fails; every machine assigned to it stops.
    pub failures: Vec<FailureMode>,
}

/// People who repair machines by hand.
#[derive(Clone, Debug)]
pub struct People {
    /// Parallel repairs; `None` is unlimited.
    pub crews: Option<usize>,
    /// Time from failure to the alert.
    pub alert_delay: SimDuration,
    /// On-call response time after the alert.
    pub response: Distribution,
}

/// A process of a Kubernetes machine that can fail while the machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// The kube-apiserver static pod.
    KubeApiserver,
    /// The etcd static pod (stacked members, or an external etcd host).
    Etcd,
    /// The kube-controller-manager static pod.
    KubeControllerManager,
    /// The kube-scheduler static pod.
    KubeScheduler,
    /// The kubelet, restarted by systemd.
    Kubelet,
    /// The container runtime, restarted by systemd.
    ContainerRuntime,
}

impl Process {
    /// The static pods, in the order the model keeps their state.
    pub const STATIC_PODS: [Process; 4] = [
        Process::KubeApiserver,
        Process::Etcd,
        Process::KubeControllerManager,
        Process::KubeScheduler,
    ];

    /// Its name, as written in the scenario and the reports.
    pub fn name(self) -> &'static str {
        match self {
            Process::KubeApiserver => "kube-apiserver",
            Process::Etcd => "etcd",
            Process::KubeControllerManager => "kube-controller-manager",
            Process::KubeScheduler => "kube-scheduler",
            Process::Kubelet => "kubelet",
            Process::ContainerRuntime => "container-runtime",
        }
    }

    /// Whether the kubelet runs it (a static pod) rather than systemd.
    pub fn is_static_pod(self) -> bool {
        !matches!(self, Process::Kubelet | Process::ContainerRuntime)
    }
}

/// How a process fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessFailureKind {
    /// It exits and is restarted by its supervisor.
    Crash,
    /// It stops serving; the kubelet's liveness probe notices and restarts it.
    Hang,
}

/// One way a process fails on every machine of a group.
#[derive(Clone, Debug)]
pub struct ProcessFailure {
    /// Name for reports (and the cause label).
    pub name: String,
    /// The process.
    pub process: Process,
    /// Crash or hang.
    pub kind: ProcessFailureKind,
    /// Time from the process's start to this failure.
    pub time_to_failure: Distribution,
    /// Time from a (re)start to serving again.
    pub startup: Distribution,
}
