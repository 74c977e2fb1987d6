//! Injected faults and planned work, as the scenario's chaos steps
//! schedule them: crashes, zone outages, partitions, a failed load
//! balancer, rolling upgrades of the control plane, node drains, and
//! workload rollouts.

use super::ClusterModel;
use super::ids::{ControlPlaneId, MachineId, StepId, WorkloadId, ZoneId};
use crate::engine::{Ctx, SimDuration};
use crate::scenario::{ChaosAction, ChaosStep};

/// `kubectl drain` retries evictions a PodDisruptionBudget refused every
/// 5 s (kubectl's own retry delay; not a cluster default).
const DRAIN_RETRY: SimDuration = SimDuration::from_secs(5);

/// What a chaos step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChaosEvent {
    /// A chaos step was injected.
    Started {
        /// The step.
        step: StepId,
    },
    /// A chaos step's fault ended.
    Ended {
        /// The step.
        step: StepId,
    },
    /// A rolling upgrade moves to the next control-plane machine.
    UpgradeAdvanced {
        /// The step.
        step: StepId,
        /// Control-plane machine to take down next (the previous comes
        /// back); past the last one the upgrade is finished.
        next: ControlPlaneId,
    },
    /// A drain retries evictions a PodDisruptionBudget refused.
    DrainRetried {
        /// The step.
        step: StepId,
    },
    /// A drained node's maintenance is over; the next node is drained.
    DrainAdvanced {
        /// The step.
        step: StepId,
    },
}

/// What a chaos step currently holds, so it can release it.
#[derive(Default, Clone)]
struct Hold {
    machines: Vec<MachineId>,
    zone: Option<ZoneId>,
    partition: bool,
    cloud_lb: bool,
}

/// Where a drain step is: the next machine of its list and whether it is
/// in maintenance (drained and down).
#[derive(Default, Clone, Copy)]
struct DrainProgress {
    next: usize,
    in_maintenance: bool,
}

/// The chaos steps and what each holds.
#[derive(Clone)]
pub(super) struct Chaos<'s> {
    steps: &'s [ChaosStep],
    holds: Vec<Hold>,
    drains: Vec<DrainProgress>,
}

impl<'s> Chaos<'s> {
    /// The scenario's chaos steps, none started.
    pub fn new(steps: &'s [ChaosStep]) -> Self {
        Chaos {
            steps,
            holds: vec![Hold::default(); steps.len()],
            drains: vec![DrainProgress::default(); steps.len()],
        }
    }

    /// The steps (borrowed from the scenario, not from `self`).
    fn steps(&self) -> &'s [ChaosStep] {
        self.steps
    }

    /// Schedules every step's first injection.
    pub fn start<E: From<ChaosEvent>>(&self, ctx: &mut Ctx<'_, E>) {
        for (step, spec) in self.steps.iter().enumerate() {
            let started = ChaosEvent::Started {
                step: StepId::new(step),
            };
            ctx.schedule(spec.at, started.into());
        }
    }

    /// The partition sides chaos puts `zone` on: an active chaos partition
    /// puts its zones together on one side (bit = 32 + step index).
    pub fn partition_side(&self, zone: ZoneId) -> u64 {
        let mut side = 0;
        for (step, hold) in self.holds.iter().enumerate() {
            if hold.partition
                && let ChaosAction::Partition(zones) = &self.steps[step].action
                && zones.contains(&zone.index())
            {
                side |= 1u64 << (32 + step % 32);
            }
        }
        side
    }
}

impl ClusterModel<'_> {
    /// Reacts to a chaos event.
    pub(super) fn on_chaos(&mut self, event: ChaosEvent, ctx: &mut Ctx<'_, super::ClusterEvent>) {
        match event {
            ChaosEvent::Started { step } => self.on_chaos_started(step, ctx),
            ChaosEvent::Ended { step } => self.release(step),
            ChaosEvent::UpgradeAdvanced { step, next } => {
                self.on_upgrade_advanced(step, next, ctx);
            }
            ChaosEvent::DrainRetried { step } => self.on_drain_retried(step, ctx),
            ChaosEvent::DrainAdvanced { step } => self.on_drain_advanced(step, ctx),
        }
    }

    fn on_chaos_started(&mut self, step: StepId, ctx: &mut Ctx<'_, super::ClusterEvent>) {
        let spec = &self.chaos.steps()[step.index()];
        self.attribution.chaos_step(step);
        if let Some(every) = spec.every {
            ctx.schedule(every, ChaosEvent::Started { step }.into());
        }
        let mut hold = Hold::default();
        match &spec.action {
            ChaosAction::Crash(machines) => {
                hold.machines = machines.iter().copied().map(MachineId::new).collect();
            }
            ChaosAction::CrashEtcdLeader => {
                hold.machines
                    .extend(self.control_plane.etcd.leader_machine());
            }
            ChaosAction::ZoneOutage(zone) => hold.zone = Some(ZoneId::new(*zone)),
            ChaosAction::Partition(_) => hold.partition = true,
            ChaosAction::FailLoadBalancer => {
                let endpoint = &self.control_plane.endpoint;
                if endpoint.is_cloud_lb() {
                    hold.cloud_lb = true;
                } else {
                    // HAProxy + keepalived: the instance holding the VIP
                    // (a direct endpoint has none).
                    hold.machines.extend(endpoint.vip_host());
                }
            }
            ChaosAction::Rollout(workload) => {
                self.data.start_rollout(WorkloadId::new(*workload));
            }
            ChaosAction::Drain(machines) => {
                self.chaos.drains[step.index()] = DrainProgress::default();
                if let Some(&first) = machines.first() {
                    self.data.set_cordoned(MachineId::new(first), true);
                    ctx.schedule(SimDuration::ZERO, ChaosEvent::DrainRetried { step }.into());
                }
            }
            ChaosAction::RollingUpgrade => {
                self.control_plane.certificates.upgraded(ctx);
                hold.machines
                    .extend(self.control_plane.machines().first().copied());
                let advanced = ChaosEvent::UpgradeAdvanced {
                    step,
                    next: ControlPlaneId::new(1),
                };
                ctx.schedule(spec.duration, advanced.into());
            }
        }
        if !matches!(
            spec.action,
            ChaosAction::RollingUpgrade | ChaosAction::Drain(_) | ChaosAction::Rollout(_)
        ) {
            ctx.schedule(spec.duration, ChaosEvent::Ended { step }.into());
        }
        self.hold(step, hold);
    }

    /// Step `step` now holds `hold` down.
    fn hold(&mut self, step: StepId, hold: Hold) {
        self.apply(&hold, true);
        self.chaos.holds[step.index()] = hold;
    }

    /// Step `step` lets go of what it holds.
    fn release(&mut self, step: StepId) {
        self.attribution.chaos_released(step);
        let hold = std::mem::take(&mut self.chaos.holds[step.index()]);
        self.apply(&hold, false);
    }

    fn apply(&mut self, hold: &Hold, on: bool) {
        for &m in &hold.machines {
            self.faults.hold_machine(m, on);
        }
        if let Some(zone) = hold.zone {
            self.faults.hold_zone(zone, on);
        }
        if hold.cloud_lb {
            self.control_plane.endpoint.set_cloud_failed(on);
        }
    }

    /// Tries to empty the node being drained; once empty it goes down for
    /// the step's duration. Refused evictions are retried every
    /// [`DRAIN_RETRY`], as `kubectl drain` does.
    fn on_drain_retried(&mut self, step: StepId, ctx: &mut Ctx<'_, super::ClusterEvent>) {
        let spec = &self.chaos.steps()[step.index()];
        let ChaosAction::Drain(machines) = &spec.action else {
            return;
        };
        let progress = self.chaos.drains[step.index()];
        if progress.in_maintenance || progress.next >= machines.len() {
            return;
        }
        let machine = MachineId::new(machines[progress.next]);
        self.attribution.chaos_step(step);
        let api = self.control_plane.api_writable();
        if self.data.drain(machine, api, &self.network.up, ctx) {
            self.chaos.drains[step.index()].in_maintenance = true;
            let hold = Hold {
                machines: vec![machine],
                ..Hold::default()
            };
            self.hold(step, hold);
            ctx.schedule(spec.duration, ChaosEvent::DrainAdvanced { step }.into());
        } else {
            ctx.schedule(DRAIN_RETRY, ChaosEvent::DrainRetried { step }.into());
        }
    }

    fn on_drain_advanced(&mut self, step: StepId, ctx: &mut Ctx<'_, super::ClusterEvent>) {
        let ChaosAction::Drain(machines) = &self.chaos.steps()[step.index()].action else {
            return;
        };
        self.release(step);
        let index = self.chaos.drains[step.index()].next;
        self.data
            .set_cordoned(MachineId::new(machines[index]), false);
        self.chaos.drains[step.index()] = DrainProgress {
            next: index + 1,
            in_maintenance: false,
        };
        if let Some(&next) = machines.get(index + 1) {
            self.data.set_cordoned(MachineId::new(next), true);
            self.on_drain_retried(step, ctx);
        }
    }

    fn on_upgrade_advanced(
        &mut self,
        step: StepId,
        next: ControlPlaneId,
        ctx: &mut Ctx<'_, super::ClusterEvent>,
    ) {
        self.release(step);
        if next.index() < self.control_plane.machines().len() {
            self.attribution.chaos_step(step);
            let hold = Hold {
                machines: vec![self.control_plane.machine(next)],
                ..Hold::default()
            };
            self.hold(step, hold);
            let advanced = ChaosEvent::UpgradeAdvanced {
                step,
                next: ControlPlaneId::new(next.index() + 1),
            };
            ctx.schedule(self.chaos.steps()[step.index()].duration, advanced.into());
        }
    }
}
