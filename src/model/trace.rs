//! A replication's event timeline (`--trace`): every event in words, one
//! `Display` per event family, plus what the scaling loops did and the
//! SLIs' changes.

use std::fmt;

use super::ClusterEvent;
use super::ClusterModel;
use super::chaos::ChaosEvent;
use super::control_plane::active_standby::StandbyEvent;
use super::control_plane::certificates::CertEvent;
use super::control_plane::endpoint::EndpointEvent;
use super::control_plane::etcd::EtcdEvent;
use super::control_plane::lease::LeaseEvent;
use super::dataplane::{DataEvent, DataPlane};
use super::faults::FaultEvent;
use super::ids::{ControlPlaneId, MachineId, WorkloadId};
use super::processes::ProcessEvent;
use super::scaling::{Note, ScalingEvent};
use crate::engine::SimTime;
use crate::scenario::{ChaosStep, FailureDomain, FailureMode, MachineGroup, Scenario, Workload};

/// One line of a replication's timeline.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceEntry {
    /// Seconds since the start.
    pub time_seconds: f64,
    /// What happened, e.g. `machine-failed`, `sli`.
    pub kind: String,
    /// Details in words, e.g. `cp[0] (crash)`, `api.write 1 -> 0.667`.
    pub detail: String,
    /// The initiating fault the model charges outages to at this moment.
    pub cause: String,
}

/// The scenario's names of what events refer to.
#[derive(Clone)]
pub(super) struct ScenarioNames<'s> {
    groups: &'s [MachineGroup],
    zones: &'s [String],
    zone_failures: &'s [FailureMode],
    domains: &'s [FailureDomain],
    workloads: &'s [Workload],
    chaos: &'s [ChaosStep],
}

impl<'s> ScenarioNames<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        ScenarioNames {
            groups: &scenario.groups,
            zones: &scenario.zones,
            zone_failures: &scenario.zone_failures,
            domains: &scenario.failure_domains,
            workloads: &scenario.workloads,
            chaos: &scenario.chaos,
        }
    }
}

/// Everything a description looks up: the scenario's names, the
/// control-plane machines, and the pods' workloads.
pub(super) struct Names<'a> {
    pub scenario: &'a ScenarioNames<'a>,
    pub control_plane: &'a [MachineId],
    pub data: &'a DataPlane,
}

/// `group[i]`: the `i`-th machine of its group.
struct MachineName<'a> {
    group: &'a MachineGroup,
    slot: usize,
}

impl fmt::Display for MachineName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.group.name, self.slot)
    }
}

impl Names<'_> {
    fn machine(&self, machine: MachineId) -> MachineName<'_> {
        let mut slot = machine.index();
        for (g, group) in self.scenario.groups.iter().enumerate() {
            if slot < group.zones.len() {
                return MachineName {
                    group: &self.scenario.groups[g],
                    slot,
                };
            }
            slot -= group.zones.len();
        }
        panic!("machine {machine} is in no group")
    }

    fn machine_group(&self, machine: MachineId) -> &MachineGroup {
        self.machine(machine).group
    }

    fn control_plane(&self, i: ControlPlaneId) -> MachineName<'_> {
        self.machine(self.control_plane[i.index()])
    }

    fn workload(&self, w: WorkloadId) -> &Workload {
        &self.scenario.workloads[w.index()]
    }

    fn step(&self, step: super::ids::StepId) -> &str {
        &self.scenario.chaos[step.index()].name
    }
}

/// An event (or note) with the names it refers to: its `kind()` and, as
/// `Display`, its detail.
pub(super) struct Described<'a, E> {
    pub event: E,
    pub names: &'a Names<'a>,
}

impl Described<'_, FaultEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            FaultEvent::MachineFailed { .. } => "machine-failed",
            FaultEvent::MachineRepaired { .. } => "machine-repaired",
            FaultEvent::RepairRequested { .. } => "repair-requested",
            FaultEvent::ZoneFailed { mode, .. } => {
                if self.names.scenario.zone_failures[mode.index()].partitions {
                    "zone-partitioned"
                } else {
                    "zone-failed"
                }
            }
            FaultEvent::ZoneRepaired { .. } => "zone-repaired",
            FaultEvent::DomainFailed { .. } => "domain-failed",
            FaultEvent::DomainRepaired { .. } => "domain-repaired",
        }
    }
}

impl fmt::Display for Described<'_, FaultEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names;
        match self.event {
            FaultEvent::MachineFailed { machine, mode } => {
                let group = names.machine_group(machine);
                let mode = &group.failures[mode.index()].name;
                write!(f, "{} ({mode})", names.machine(machine))
            }
            FaultEvent::MachineRepaired { machine } | FaultEvent::RepairRequested { machine } => {
                write!(f, "{}", names.machine(machine))
            }
            FaultEvent::ZoneFailed { zone, .. } | FaultEvent::ZoneRepaired { zone } => {
                f.write_str(&names.scenario.zones[zone.index()])
            }
            FaultEvent::DomainFailed { domain, mode } => {
                let domain = &names.scenario.domains[domain.index()];
                write!(
                    f,
                    "{} ({})",
                    domain.name,
                    domain.failures[mode.index()].name
                )
            }
            FaultEvent::DomainRepaired { domain } => {
                f.write_str(&names.scenario.domains[domain.index()].name)
            }
        }
    }
}

impl Described<'_, EtcdEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            EtcdEvent::LeaderElected => "etcd-leader-elected",
            EtcdEvent::MemberSynced { .. } => "etcd-member-synced",
            EtcdEvent::DisasterAlerted => "etcd-disaster-alerted",
            EtcdEvent::RecoveryRequested => "etcd-recovery-requested",
            EtcdEvent::Restored => "etcd-restored",
            EtcdEvent::Rebuilt => "etcd-rebuilt",
            EtcdEvent::QuotaExceeded => "etcd-nospace",
            EtcdEvent::SpaceReclaimed => "etcd-space-reclaimed",
            EtcdEvent::DiskStalled { .. } => "etcd-disk-stalled",
            EtcdEvent::DiskRecovered { .. } => "etcd-disk-recovered",
        }
    }
}

impl fmt::Display for Described<'_, EtcdEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            EtcdEvent::LeaderElected => Ok(()),
            EtcdEvent::MemberSynced { member } => write!(f, "member {member}"),
            EtcdEvent::DisasterAlerted => f.write_str("on-call paged"),
            EtcdEvent::RecoveryRequested => f.write_str("on-call responded; waiting for a crew"),
            EtcdEvent::Restored => f.write_str("from the last snapshot"),
            EtcdEvent::Rebuilt => {
                f.write_str("new etcd, control plane re-created, workloads redeployed")
            }
            EtcdEvent::QuotaExceeded => f.write_str("database at its quota; writes refused"),
            EtcdEvent::SpaceReclaimed => f.write_str("compacted, defragmented, alarm disarmed"),
            EtcdEvent::DiskStalled { member } | EtcdEvent::DiskRecovered { member } => {
                write!(f, "member {member}")
            }
        }
    }
}

impl Described<'_, EndpointEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            EndpointEvent::BackendMarked { .. } => "backend-marked",
            EndpointEvent::VipTakenOver => "vip-taken-over",
        }
    }
}

impl fmt::Display for Described<'_, EndpointEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            EndpointEvent::BackendMarked {
                balancer,
                backend,
                up,
            } => write!(
                f,
                "balancer {balancer}: {} {}",
                self.names.control_plane(backend),
                if up { "up" } else { "down" }
            ),
            EndpointEvent::VipTakenOver => Ok(()),
        }
    }
}

impl Described<'_, LeaseEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            LeaseEvent::Acquired { .. } => "lease-acquired",
            LeaseEvent::SteppedDown { .. } => "leader-stepped-down",
        }
    }
}

impl fmt::Display for Described<'_, LeaseEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            LeaseEvent::Acquired { lease, candidate } => {
                write!(f, "{lease} by {}", self.names.control_plane(candidate))
            }
            LeaseEvent::SteppedDown { lease } => write!(f, "{lease}"),
        }
    }
}

impl Described<'_, StandbyEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            StandbyEvent::Promoted => "standby-promoted",
        }
    }
}

impl fmt::Display for Described<'_, StandbyEvent> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            StandbyEvent::Promoted => Ok(()),
        }
    }
}

impl Described<'_, CertEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            CertEvent::Expired => "certificates-expired",
            CertEvent::Renewed => "certificates-renewed",
        }
    }
}

impl fmt::Display for Described<'_, CertEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            CertEvent::Expired => f.write_str("the API refuses every client"),
            CertEvent::Renewed => f.write_str("renewed by hand; control plane restarted"),
        }
    }
}

impl Described<'_, DataEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            DataEvent::NodeMarkedNotReady { .. } => "node-not-ready",
            DataEvent::NodeTainted { .. } => "node-tainted",
            DataEvent::PodEvicted { .. } => "pod-evicted",
            DataEvent::PodStarted { .. } => "pod-ready",
            DataEvent::PodFailed { .. } => "pod-failed",
            DataEvent::PodProbeFailed { .. } => "pod-probe-failed",
            DataEvent::PodRestarted { .. } => "pod-restarting",
            DataEvent::PodFlapEnded { .. } => "pod-flap-ended",
        }
    }
}

impl fmt::Display for Described<'_, DataEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            DataEvent::NodeMarkedNotReady { node } | DataEvent::NodeTainted { node } => {
                write!(f, "worker node {node}")
            }
            DataEvent::PodFailed { pod, mode } => {
                let workload = self.names.workload(self.names.data.workload_of(pod));
                write!(
                    f,
                    "pod {pod} ({})",
                    workload.pod_failures[mode.index()].name
                )
            }
            DataEvent::PodEvicted { pod }
            | DataEvent::PodStarted { pod }
            | DataEvent::PodProbeFailed { pod }
            | DataEvent::PodRestarted { pod }
            | DataEvent::PodFlapEnded { pod } => write!(f, "pod {pod}"),
        }
    }
}

impl Described<'_, ScalingEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            ScalingEvent::LoadCrossed { .. } => "load-crossed-capacity",
            ScalingEvent::AutoscalerSynced { .. } => "autoscaler-synced",
            ScalingEvent::SpikeStarted { .. } => "load-spike-started",
            ScalingEvent::SpikeEnded { .. } => "load-spike-ended",
            ScalingEvent::ClusterAutoscalerScanned => "cluster-autoscaler-scan",
            ScalingEvent::NodeProvisioned { .. } => "node-booted",
            ScalingEvent::NodeProvisionTimedOut { .. } => "node-provision-timed-out",
        }
    }
}

impl fmt::Display for Described<'_, ScalingEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names;
        match self.event {
            ScalingEvent::LoadCrossed { workload }
            | ScalingEvent::AutoscalerSynced { workload }
            | ScalingEvent::SpikeStarted { workload } => {
                f.write_str(&names.workload(workload).name)
            }
            ScalingEvent::SpikeEnded { workload, spike } => {
                write!(f, "{} #{spike}", names.workload(workload).name)
            }
            ScalingEvent::ClusterAutoscalerScanned => Ok(()),
            ScalingEvent::NodeProvisioned { machine }
            | ScalingEvent::NodeProvisionTimedOut { machine } => {
                write!(f, "{}", names.machine(machine))
            }
        }
    }
}

impl Described<'_, ChaosEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            ChaosEvent::Started { .. } => "chaos-started",
            ChaosEvent::Ended { .. } => "chaos-ended",
            ChaosEvent::DrainRetried { .. } => "drain-attempted",
            ChaosEvent::DrainAdvanced { .. } => "drain-maintenance-done",
            ChaosEvent::UpgradeAdvanced { next, .. } => {
                if next.index() >= self.names.control_plane.len() {
                    "upgrade-finished"
                } else {
                    "upgrade-advanced"
                }
            }
        }
    }
}

impl fmt::Display for Described<'_, ChaosEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names;
        match self.event {
            ChaosEvent::UpgradeAdvanced { step, next }
                if next.index() < names.control_plane.len() =>
            {
                write!(f, "{}: control-plane machine {next}", names.step(step))
            }
            ChaosEvent::Started { step }
            | ChaosEvent::Ended { step }
            | ChaosEvent::DrainRetried { step }
            | ChaosEvent::DrainAdvanced { step }
            | ChaosEvent::UpgradeAdvanced { step, .. } => f.write_str(names.step(step)),
        }
    }
}

impl Described<'_, ProcessEvent> {
    fn kind(&self) -> &'static str {
        match self.event {
            ProcessEvent::Failed { .. } => "process-failed",
            ProcessEvent::LivenessFailed { .. } => "liveness-failed",
            ProcessEvent::Restarted { .. } => "process-restarted",
            ProcessEvent::Started { .. } => "process-started",
        }
    }
}

impl fmt::Display for Described<'_, ProcessEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names;
        match self.event {
            ProcessEvent::Failed { machine, mode } => {
                let group = names.machine_group(machine);
                let mode = &group.process_failures[mode.index()];
                write!(f, "{} ({})", names.machine(machine), mode.name)
            }
            ProcessEvent::LivenessFailed { machine, process }
            | ProcessEvent::Restarted { machine, process }
            | ProcessEvent::Started { machine, process } => write!(
                f,
                "{} {}",
                names.machine(machine),
                ProcessEvent::process(process).name()
            ),
        }
    }
}

impl Described<'_, ClusterEvent> {
    /// What happened, e.g. `machine-failed`.
    pub fn kind(&self) -> &'static str {
        let names = self.names;
        match self.event {
            ClusterEvent::Fault(event) => Described { event, names }.kind(),
            ClusterEvent::Etcd(event) => Described { event, names }.kind(),
            ClusterEvent::Endpoint(event) => Described { event, names }.kind(),
            ClusterEvent::Lease(event) => Described { event, names }.kind(),
            ClusterEvent::Standby(event) => Described { event, names }.kind(),
            ClusterEvent::Cert(event) => Described { event, names }.kind(),
            ClusterEvent::Data(event) => Described { event, names }.kind(),
            ClusterEvent::Scaling(event) => Described { event, names }.kind(),
            ClusterEvent::Chaos(event) => Described { event, names }.kind(),
            ClusterEvent::Process(event) => Described { event, names }.kind(),
        }
    }
}

impl fmt::Display for Described<'_, ClusterEvent> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names;
        match self.event {
            ClusterEvent::Fault(event) => Described { event, names }.fmt(f),
            ClusterEvent::Etcd(event) => Described { event, names }.fmt(f),
            ClusterEvent::Endpoint(event) => Described { event, names }.fmt(f),
            ClusterEvent::Lease(event) => Described { event, names }.fmt(f),
            ClusterEvent::Standby(event) => Described { event, names }.fmt(f),
            ClusterEvent::Cert(event) => Described { event, names }.fmt(f),
            ClusterEvent::Data(event) => Described { event, names }.fmt(f),
            ClusterEvent::Scaling(event) => Described { event, names }.fmt(f),
            ClusterEvent::Chaos(event) => Described { event, names }.fmt(f),
            ClusterEvent::Process(event) => Described { event, names }.fmt(f),
        }
    }
}

impl Described<'_, Note> {
    fn kind(&self) -> &'static str {
        match self.event {
            Note::Scaled { .. } => "scaled",
            Note::NodeRequested(_) => "node-requested",
            Note::NodeRemoved(_) => "node-removed",
        }
    }
}

impl fmt::Display for Described<'_, Note> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            Note::Scaled { workload, from, to } => {
                let name = &self.names.workload(workload).name;
                write!(f, "{name} {from} -> {to} replicas")
            }
            Note::NodeRequested(machine) | Note::NodeRemoved(machine) => {
                write!(f, "{}", self.names.machine(machine))
            }
        }
    }
}

impl ClusterModel<'_> {
    fn names(&self) -> Names<'_> {
        Names {
            scenario: &self.names,
            control_plane: self.control_plane.machines(),
            data: &self.data,
        }
    }

    /// Adds a line to the timeline, when tracing, charged to the current
    /// cause.
    pub(super) fn note(&mut self, now: SimTime, kind: &str, detail: impl FnOnce(&Self) -> String) {
        if self.trace.is_some() {
            let entry = TraceEntry {
                time_seconds: now.as_secs_f64(),
                kind: kind.to_string(),
                detail: detail(self),
                cause: self.attribution.label().to_string(),
            };
            if let Some(trace) = &mut self.trace {
                trace.push(entry);
            }
        }
    }

    /// Adds `event` to the timeline, when tracing.
    pub(super) fn note_event(&mut self, now: SimTime, event: ClusterEvent) {
        if self.trace.is_some() {
            let names = self.names();
            let described = Described {
                event,
                names: &names,
            };
            let (kind, detail) = (described.kind(), described.to_string());
            self.note(now, kind, |_| detail);
        }
    }

    /// Adds an etcd disaster to the timeline, when tracing: how many
    /// members still hold data, and what happens next.
    pub(super) fn note_disaster(&mut self, now: SimTime) {
        self.note(now, "etcd-disaster", |model| {
            let etcd = &model.control_plane.etcd;
            let next = match (etcd.recovers_unattended(), etcd.restores_from_backup()) {
                (true, true) => "restore from the last snapshot starts now (recovery: none)",
                (true, false) => "no backup and recovery: none: down for good",
                (false, true) => "alerting; then restore from the last snapshot",
                (false, false) => "alerting; no backup: rebuild",
            };
            format!(
                "{} of {} members hold data; {next}",
                etcd.members_with_data(),
                etcd.members.len()
            )
        });
    }

    /// Adds the start of a crew's work on an etcd disaster to the
    /// timeline, when tracing.
    pub(super) fn note_recovery_started(&mut self, now: SimTime) {
        self.note(now, "etcd-recovery-started", |model| {
            if model.control_plane.etcd.restores_from_backup() {
                "restore from the last snapshot".to_string()
            } else {
                "rebuild".to_string()
            }
        });
    }

    /// Adds what the scaling loops did to the timeline (when tracing) and
    /// forgets it.
    pub(super) fn note_scaling(&mut self, now: SimTime) {
        let mut notes = std::mem::take(&mut self.notes);
        for &event in &notes {
            if self.trace.is_some() {
                let names = self.names();
                let described = Described {
                    event,
                    names: &names,
                };
                let (kind, detail) = (described.kind(), described.to_string());
                self.note(now, kind, |_| detail);
            }
        }
        notes.clear();
        self.notes = notes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::{MemberId, ModeId, PodId, SpikeSerial, StepId};
    use crate::scenario::Scenario;

    fn describe(scenario: &Scenario, event: ClusterEvent) -> (String, String) {
        let model = ClusterModel::new(scenario);
        let names = model.names();
        let described = Described {
            event,
            names: &names,
        };
        (described.kind().to_string(), described.to_string())
    }

    #[test]
    fn events_read_as_the_timeline_prints_them() {
        let scenario = Scenario::parse(
            include_str!("../../scenarios/chaos-leader-kill.yaml"),
            "chaos-leader-kill",
            "chaos-leader-kill",
        )
        .expect("a shipped scenario parses");
        let cases = [
            (
                FaultEvent::MachineFailed {
                    machine: MachineId::new(1),
                    mode: ModeId::new(1),
                }
                .into(),
                ("machine-failed", "cp[1] (hardware)"),
            ),
            (
                EtcdEvent::MemberSynced {
                    member: MemberId::new(2),
                }
                .into(),
                ("etcd-member-synced", "member 2"),
            ),
            (
                LeaseEvent::Acquired {
                    lease: super::super::control_plane::lease::LeaderLease::Scheduler,
                    candidate: ControlPlaneId::new(2),
                }
                .into(),
                ("lease-acquired", "kube-scheduler by cp[2]"),
            ),
            (
                ChaosEvent::UpgradeAdvanced {
                    step: StepId::new(1),
                    next: ControlPlaneId::new(1),
                }
                .into(),
                (
                    "upgrade-advanced",
                    "monthly-upgrade: control-plane machine 1",
                ),
            ),
            (
                ChaosEvent::UpgradeAdvanced {
                    step: StepId::new(1),
                    next: ControlPlaneId::new(3),
                }
                .into(),
                ("upgrade-finished", "monthly-upgrade"),
            ),
            (StandbyEvent::Promoted.into(), ("standby-promoted", "")),
            (
                DataEvent::PodRestarted { pod: PodId::new(7) }.into(),
                ("pod-restarting", "pod 7"),
            ),
        ];
        for (event, (kind, detail)) in cases {
            assert_eq!(
                describe(&scenario, event),
                (kind.to_string(), detail.to_string())
            );
        }
    }

    #[test]
    fn scaling_events_name_their_workload_and_machine() {
        let scenario = Scenario::parse(
            include_str!("../../scenarios/hpa-diurnal.yaml"),
            "hpa-diurnal",
            "hpa-diurnal",
        )
        .expect("a shipped scenario parses");
        let ended = ScalingEvent::SpikeEnded {
            workload: WorkloadId::new(0),
            spike: SpikeSerial::new(3),
        };
        assert_eq!(
            describe(&scenario, ended.into()),
            ("load-spike-ended".to_string(), "web #3".to_string())
        );
        let booted = ScalingEvent::NodeProvisioned {
            machine: MachineId::new(4),
        };
        assert_eq!(
            describe(&scenario, booted.into()),
            ("node-booted".to_string(), "workers-a[1]".to_string())
        );
    }
}
