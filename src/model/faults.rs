//! Random faults and their repair: machines failing in their groups'
//! failure modes (some sharing a common cause), whole zones going down or
//! being cut off, shared failure domains (racks, power feeds, hosts), and
//! the crews that repair machines by hand and recover etcd after a
//! disaster.
//!
//! Every unit keeps one failure clock per mode while it works; a failure
//! stops all of them, and a repair re-arms them all, as good as new.

use std::collections::VecDeque;

use rand::RngExt;

use super::ids::{DomainId, MachineId, ModeId, ZoneId};
use super::record::Attribution;
use super::scaling::MachineSlots;
use crate::engine::{Ctx, EventKey, SimTime, StreamLabel};
use crate::scenario::{FailureDomain, FailureMode, MachineGroup, People, Role};

/// A random fault or repair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEvent {
    /// A machine failed in one of its group's failure modes.
    MachineFailed {
        /// The machine.
        machine: MachineId,
        /// The failure mode within the machine's group.
        mode: ModeId,
    },
    /// A failed machine is back.
    MachineRepaired {
        /// The machine.
        machine: MachineId,
    },
    /// A manual repair was requested (the alert fired and on-call responded).
    RepairRequested {
        /// The machine.
        machine: MachineId,
    },
    /// A whole zone went down (or was cut off) in a zone failure mode.
    ZoneFailed {
        /// The zone.
        zone: ZoneId,
        /// The zone failure mode.
        mode: ModeId,
    },
    /// A zone is back.
    ZoneRepaired {
        /// The zone.
        zone: ZoneId,
    },
    /// A shared failure domain (rack, power feed, host) failed.
    DomainFailed {
        /// The domain.
        domain: DomainId,
        /// The failure mode within the domain.
        mode: ModeId,
    },
    /// A failure domain is back.
    DomainRepaired {
        /// The domain.
        domain: DomainId,
    },
}

/// What a fault (or a crew) asks of the rest of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FaultEffect {
    /// A failure destroyed this machine's disk.
    DiskLost(MachineId),
    /// A crew starts the etcd disaster recovery that was waiting for one.
    EtcdRecoveryCrewed,
}

/// The random sources of one unit (machine, zone or failure domain):
/// one per failure mode, and one for its repairs (and for the machine's
/// on-call response and common-cause picks). Named after the unit and the
/// mode, so adding or changing another unit leaves these draws alone.
#[derive(Clone)]
struct UnitStreams {
    fail: Vec<StreamLabel>,
    repair: StreamLabel,
    response: StreamLabel,
    common_cause: StreamLabel,
}

impl UnitStreams {
    fn new(kind: &str, name: &str, slot: &str, modes: &[FailureMode]) -> Self {
        let label = |what: &str, mode: &str| StreamLabel::new(&[kind, what, name, slot, mode]);
        UnitStreams {
            fail: modes.iter().map(|m| label("fail", &m.name)).collect(),
            repair: label("repair", ""),
            response: label("response", ""),
            common_cause: label("common-cause", ""),
        }
    }
}

/// A machine's failure state.
#[derive(Clone)]
struct Machine {
    zone: ZoneId,
    domain: Option<DomainId>,
    /// Its scenario group.
    group: usize,
    broken: bool,
    /// Chaos steps holding it down.
    held: u16,
    /// The mode it failed in, while broken.
    failed_mode: Option<ModeId>,
    failure_timers: Vec<Option<Timer>>,
    /// The pending repair, once a repair (not the alert or the response)
    /// is under way.
    repair: Option<Timer>,
    streams: UnitStreams,
    /// Exists: a slot of a resizable worker group is absent until the
    /// cluster autoscaler provisions it.
    present: bool,
}

/// A pending random timer (a failure or a repair) and when its clock
/// started: what a re-draw of its remaining time needs.
#[derive(Clone, Copy, Debug)]
struct Timer {
    key: EventKey,
    since: SimTime,
}

/// A zone's (or a shared failure domain's) failure state.
#[derive(Clone)]
struct Zone {
    /// Down by a random outage.
    down: bool,
    /// Cut off by a random partition.
    cut: bool,
    /// Chaos steps holding it down.
    held: u16,
    /// The mode it failed in, while down or cut off.
    failed_mode: Option<ModeId>,
    failure_timers: Vec<Option<Timer>>,
    /// The pending repair, while down or cut off.
    repair: Option<Timer>,
    streams: UnitStreams,
}

impl Zone {
    fn new(kind: &str, name: &str, modes: &[FailureMode]) -> Self {
        Zone {
            down: false,
            cut: false,
            held: 0,
            failed_mode: None,
            failure_timers: vec![None; modes.len()],
            repair: None,
            streams: UnitStreams::new(kind, name, "", modes),
        }
    }
}

/// Work for a crew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CrewJob {
    /// A manual machine repair.
    Repair(MachineId),
    /// The recovery of etcd after a disaster (restore or rebuild).
    EtcdRecovery,
}

/// Who repairs manual failures and recovers etcd after a disaster: one
/// first-come, first-served queue in front of the crews, shared by both
/// kinds of work.
#[derive(Clone, Default)]
struct Crews {
    busy: usize,
    queue: VecDeque<CrewJob>,
}

/// Machines, zones and failure domains, and their faults.
#[derive(Clone)]
pub(super) struct Faults<'s> {
    groups: &'s [MachineGroup],
    zone_failures: &'s [FailureMode],
    domain_specs: &'s [FailureDomain],
    people: Option<&'s People>,
    machines: Vec<Machine>,
    zones: Vec<Zone>,
    /// Shared failure domains (only `down` and the timers are used).
    domains: Vec<Zone>,
    crews: Crews,
    /// Automatic repairs that can run at once (None: unlimited), and the
    /// running ones and the machines waiting for one, first come first
    /// served.
    automatic_crews: Option<usize>,
    automatic_busy: usize,
    automatic_queue: VecDeque<MachineId>,
    /// Bumped on entry to every method that may change machines, zones
    /// or domains: an unchanged count means `runs` answers as before.
    changes: u64,
}

impl<'s> Faults<'s> {
    /// The machines of `groups` (a slot of a resizable group is present up
    /// to its initial size), the zones named `zones` failing in
    /// `zone_failures`,
    /// the shared failure domains, the people who repair by hand and the
    /// automatic repairs that can run at once (None: unlimited); all up.
    pub fn new(
        groups: &'s [MachineGroup],
        zones: &[String],
        zone_failures: &'s [FailureMode],
        domains: &'s [FailureDomain],
        people: Option<&'s People>,
        automatic_crews: Option<usize>,
    ) -> Self {
        let mut machines = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let initial = group.autoscaling.map_or(group.zones.len(), |a| a.initial);
            for (i, (&zone, &domain)) in group.zones.iter().zip(&group.domains).enumerate() {
                machines.push(Machine {
                    zone: ZoneId::new(zone),
                    domain: domain.map(DomainId::new),
                    group: g,
                    broken: false,
                    held: 0,
                    failed_mode: None,
                    failure_timers: vec![None; group.failures.len()],
                    repair: None,
                    streams: UnitStreams::new(
                        "machine",
                        &group.name,
                        &i.to_string(),
                        &group.failures,
                    ),
                    present: i < initial,
                });
            }
        }
        Faults {
            groups,
            zone_failures,
            domain_specs: domains,
            people,
            machines,
            zones: zones
                .iter()
                .map(|z| Zone::new("zone", z, zone_failures))
                .collect(),
            domains: domains
                .iter()
                .map(|d| Zone::new("domain", &d.name, &d.failures))
                .collect(),
            crews: Crews::default(),
            automatic_crews,
            automatic_busy: 0,
            automatic_queue: VecDeque::new(),
            changes: 0,
        }
    }

    /// A count that moves whenever machines, zones or domains may have
    /// changed (see `runs`).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Number of machine slots.
    pub fn machine_count(&self) -> usize {
        self.machines.len()
    }

    /// Whether `machine` runs: it exists, is not broken or held down, and
    /// neither its zone nor its failure domain is down.
    pub fn runs(&self, machine: MachineId) -> bool {
        let m = &self.machines[machine.index()];
        let zone = &self.zones[m.zone.index()];
        m.present
            && !m.broken
            && m.held == 0
            && !zone.down
            && zone.held == 0
            && !self.domain_down(m)
    }

    fn domain_down(&self, m: &Machine) -> bool {
        m.domain.is_some_and(|d| self.domains[d.index()].down)
    }

    /// The zone `machine` is in.
    pub fn zone_of(&self, machine: MachineId) -> ZoneId {
        self.machines[machine.index()].zone
    }

    /// The scenario group of `machine`.
    pub fn group_of(&self, machine: MachineId) -> usize {
        self.machines[machine.index()].group
    }

    /// What `machine` runs.
    pub fn role_of(&self, machine: MachineId) -> Role {
        self.groups[self.machines[machine.index()].group].role
    }

    /// Whether a random partition cuts `zone` off.
    pub fn cut(&self, zone: ZoneId) -> bool {
        self.zones[zone.index()].cut
    }

    /// A chaos step holds `machine` down (`hold`) or lets it go.
    pub fn hold_machine(&mut self, machine: MachineId, hold: bool) {
        self.changes += 1;
        bump(&mut self.machines[machine.index()].held, hold);
    }

    /// A chaos step holds `zone` down (`hold`) or lets it go.
    pub fn hold_zone(&mut self, zone: ZoneId, hold: bool) {
        self.changes += 1;
        bump(&mut self.zones[zone.index()].held, hold);
    }

    /// Starts the failure clocks of the machines that exist.
    pub fn arm_machines<E: From<FaultEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.changes += 1;
        for machine in (0..self.machines.len()).map(MachineId::new) {
            if self.machines[machine.index()].present {
                self.arm_machine(machine, ctx);
            }
        }
    }

    /// Starts the failure clocks of every zone, then every failure domain.
    pub fn arm_zones_and_domains<E: From<FaultEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.changes += 1;
        for zone in (0..self.zones.len()).map(ZoneId::new) {
            self.arm_zone(zone, ctx);
        }
        for domain in (0..self.domains.len()).map(DomainId::new) {
            self.arm_domain(domain, ctx);
        }
    }

    /// Starts the failure clock of every mode of a unit (machine or zone).
    fn arm<E>(
        modes: &[FailureMode],
        timers: &mut [Option<Timer>],
        streams: &UnitStreams,
        ctx: &mut Ctx<'_, E>,
        failed: impl Fn(ModeId) -> FaultEvent,
    ) where
        E: From<FaultEvent>,
    {
        for (mode, spec) in modes.iter().enumerate() {
            let delay = spec.time_to_failure.sample(ctx.rng(streams.fail[mode]));
            timers[mode] = Some(Timer {
                key: ctx.schedule(delay, failed(ModeId::new(mode)).into()),
                since: ctx.now(),
            });
        }
    }

    fn arm_machine<E: From<FaultEvent>>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        let m = &mut self.machines[machine.index()];
        let modes = &self.groups[m.group].failures;
        Self::arm(modes, &mut m.failure_timers, &m.streams, ctx, |mode| {
            FaultEvent::MachineFailed { machine, mode }
        });
    }

    fn arm_zone<E: From<FaultEvent>>(&mut self, zone: ZoneId, ctx: &mut Ctx<'_, E>) {
        let z = &mut self.zones[zone.index()];
        Self::arm(
            self.zone_failures,
            &mut z.failure_timers,
            &z.streams,
            ctx,
            |mode| FaultEvent::ZoneFailed { zone, mode },
        );
    }

    fn arm_domain<E: From<FaultEvent>>(&mut self, domain: DomainId, ctx: &mut Ctx<'_, E>) {
        let d = &mut self.domains[domain.index()];
        let modes = &self.domain_specs[domain.index()].failures;
        Self::arm(modes, &mut d.failure_timers, &d.streams, ctx, |mode| {
            FaultEvent::DomainFailed { domain, mode }
        });
    }

    /// Cancels every pending failure of a failed unit: one failure at a
    /// time; all modes are re-armed, as good as new, on repair.
    fn disarm<E>(timers: &mut [Option<Timer>], ctx: &mut Ctx<'_, E>) {
        for timer in timers.iter_mut() {
            if let Some(t) = timer.take() {
                ctx.cancel(t.key);
            }
        }
    }

    fn failure_mode(&self, machine: MachineId, mode: ModeId) -> &'s FailureMode {
        &self.groups[self.machines[machine.index()].group].failures[mode.index()]
    }

    /// Reacts to one of its events, charging what fails to `attribution`;
    /// `effect` hears of every machine whose disk a failure destroyed, and
    /// of a crew freed by a repair taking up the etcd recovery.
    pub fn on<E: From<FaultEvent>>(
        &mut self,
        event: FaultEvent,
        attribution: &mut Attribution,
        ctx: &mut Ctx<'_, E>,
        mut effect: impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.changes += 1;
        match event {
            FaultEvent::MachineFailed { machine, mode } => {
                self.machines[machine.index()].failure_timers[mode.index()] = None;
                self.fail_machine(machine, mode, attribution, ctx, &mut effect);
            }
            FaultEvent::DomainFailed { domain, mode } => {
                let d = &mut self.domains[domain.index()];
                d.failure_timers[mode.index()] = None;
                Self::disarm(&mut d.failure_timers, ctx);
                d.down = true;
                d.failed_mode = Some(mode);
                attribution.domain_failure(domain, mode);
                let repair = self.domain_specs[domain.index()].failures[mode.index()]
                    .time_to_repair
                    .sample(ctx.rng(d.streams.repair));
                d.repair = Some(Timer {
                    key: ctx.schedule(repair, FaultEvent::DomainRepaired { domain }.into()),
                    since: ctx.now(),
                });
            }
            FaultEvent::DomainRepaired { domain } => {
                let d = &mut self.domains[domain.index()];
                d.down = false;
                d.repair = None;
                if let Some(mode) = d.failed_mode.take() {
                    attribution.domain_recovered(domain, mode);
                }
                self.arm_domain(domain, ctx);
            }
            FaultEvent::RepairRequested { machine } => {
                self.assign_crew(CrewJob::Repair(machine), ctx, &mut effect);
            }
            FaultEvent::MachineRepaired { machine } => {
                let m = &self.machines[machine.index()];
                if let Some(mode) = m.failed_mode {
                    attribution.machine_recovered(m.group, mode);
                }
                self.on_machine_repaired(machine, ctx, &mut effect);
            }
            FaultEvent::ZoneFailed { zone, mode } => {
                let z = &mut self.zones[zone.index()];
                z.failure_timers[mode.index()] = None;
                Self::disarm(&mut z.failure_timers, ctx);
                let spec = &self.zone_failures[mode.index()];
                if spec.partitions {
                    z.cut = true;
                } else {
                    z.down = true;
                }
                z.failed_mode = Some(mode);
                attribution.zone_failure(mode);
                let repair = spec.time_to_repair.sample(ctx.rng(z.streams.repair));
                z.repair = Some(Timer {
                    key: ctx.schedule(repair, FaultEvent::ZoneRepaired { zone }.into()),
                    since: ctx.now(),
                });
            }
            FaultEvent::ZoneRepaired { zone } => {
                let z = &mut self.zones[zone.index()];
                z.down = false;
                z.cut = false;
                z.repair = None;
                if let Some(mode) = z.failed_mode.take() {
                    attribution.zone_recovered(mode);
                }
                self.arm_zone(zone, ctx);
            }
        }
    }

    /// A machine fails in `mode`; a common-cause share of such failures
    /// takes down further running machines of the group at the same time.
    fn fail_machine<E: From<FaultEvent>>(
        &mut self,
        machine: MachineId,
        mode: ModeId,
        attribution: &mut Attribution,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.break_machine(machine, mode, attribution, ctx, effect);
        let Some(common) = self.failure_mode(machine, mode).common_cause else {
            return;
        };
        let stream = self.machines[machine.index()].streams.common_cause;
        if ctx.rng(stream).random::<f64>() >= common.fraction {
            return;
        }
        let group = self.group_of(machine);
        let mut others: Vec<MachineId> = (0..self.machines.len())
            .map(MachineId::new)
            .filter(|&m| {
                let other = &self.machines[m.index()];
                m != machine && other.group == group && !other.broken
            })
            .collect();
        for _ in 1..common.size {
            if others.is_empty() {
                break;
            }
            let pick = ctx.rng(stream).random_range(0..others.len());
            let other = others.swap_remove(pick);
            self.break_machine(other, mode, attribution, ctx, effect);
        }
    }

    fn break_machine<E: From<FaultEvent>>(
        &mut self,
        machine: MachineId,
        mode: ModeId,
        attribution: &mut Attribution,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        let m = &mut self.machines[machine.index()];
        Self::disarm(&mut m.failure_timers, ctx);
        m.broken = true;
        m.failed_mode = Some(mode);
        attribution.machine_failure(m.group, mode);
        if self.failure_mode(machine, mode).loses_disk {
            effect(FaultEffect::DiskLost(machine), ctx);
        }
        self.request_repair(machine, mode, ctx);
    }

    /// A failed machine's repair: automatic at once (or, with
    /// `automatic_repair.crews`, once one of them is free), manual after
    /// detection and response, then a crew.
    fn request_repair<E: From<FaultEvent>>(
        &mut self,
        machine: MachineId,
        mode: ModeId,
        ctx: &mut Ctx<'_, E>,
    ) {
        let spec = self.failure_mode(machine, mode);
        let streams = &self.machines[machine.index()].streams;
        match (self.people, spec.manual_repair) {
            (Some(people), true) => {
                let delay = people.alert_delay + people.response.sample(ctx.rng(streams.response));
                ctx.schedule(delay, FaultEvent::RepairRequested { machine }.into());
            }
            _ => {
                if self.automatic_crews.is_none_or(|c| self.automatic_busy < c) {
                    self.automatic_busy += 1;
                    self.start_repair(machine, ctx);
                } else {
                    self.automatic_queue.push_back(machine);
                }
            }
        }
    }

    /// An automatic repair finished: its capacity takes up the first
    /// machine waiting, if any.
    fn automatic_done<E: From<FaultEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.automatic_busy -= 1;
        if let Some(next) = self.automatic_queue.pop_front() {
            self.automatic_busy += 1;
            self.start_repair(next, ctx);
        }
    }

    /// The etcd disaster recovery was requested: it takes a free crew, or
    /// queues behind the work already waiting. `effect` hears when a crew
    /// takes it up (at once when one is free).
    pub fn request_etcd_recovery<E: From<FaultEvent>>(
        &mut self,
        ctx: &mut Ctx<'_, E>,
        mut effect: impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.changes += 1;
        self.assign_crew(CrewJob::EtcdRecovery, ctx, &mut effect);
    }

    /// The etcd disaster recovery is done: its crew takes up the next job
    /// waiting, if any.
    pub fn release_etcd_recovery<E: From<FaultEvent>>(
        &mut self,
        ctx: &mut Ctx<'_, E>,
        mut effect: impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.changes += 1;
        self.crew_done(ctx, &mut effect);
    }

    /// `job` starts when a crew is free (`people.crews`; unlimited without
    /// it), otherwise it waits its turn in the queue.
    fn assign_crew<E: From<FaultEvent>>(
        &mut self,
        job: CrewJob,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        let crews = self.people.and_then(|p| p.crews);
        if crews.is_none_or(|c| self.crews.busy < c) {
            self.start_job(job, ctx, effect);
        } else {
            self.crews.queue.push_back(job);
        }
    }

    /// A crew finished a job and takes up the first one waiting.
    fn crew_done<E: From<FaultEvent>>(
        &mut self,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.crews.busy -= 1;
        if let Some(next) = self.crews.queue.pop_front() {
            self.start_job(next, ctx, effect);
        }
    }

    fn start_job<E: From<FaultEvent>>(
        &mut self,
        job: CrewJob,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        self.crews.busy += 1;
        match job {
            CrewJob::Repair(machine) => self.start_repair(machine, ctx),
            CrewJob::EtcdRecovery => effect(FaultEffect::EtcdRecoveryCrewed, ctx),
        }
    }

    /// `time_to_repair` of the machine's failure mode starts now.
    fn start_repair<E: From<FaultEvent>>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        let mode = self.machines[machine.index()]
            .failed_mode
            .expect("a broken machine has a mode");
        let stream = self.machines[machine.index()].streams.repair;
        let repair = self
            .failure_mode(machine, mode)
            .time_to_repair
            .sample(ctx.rng(stream));
        self.machines[machine.index()].repair = Some(Timer {
            key: ctx.schedule(repair, FaultEvent::MachineRepaired { machine }.into()),
            since: ctx.now(),
        });
    }

    fn on_machine_repaired<E: From<FaultEvent>>(
        &mut self,
        machine: MachineId,
        ctx: &mut Ctx<'_, E>,
        effect: &mut impl FnMut(FaultEffect, &mut Ctx<'_, E>),
    ) {
        let mode = self.machines[machine.index()].failed_mode.take();
        self.machines[machine.index()].broken = false;
        self.machines[machine.index()].repair = None;
        let manual = self.people.is_some()
            && mode.is_some_and(|m| self.failure_mode(machine, m).manual_repair);
        if manual {
            self.crew_done(ctx, effect);
        } else {
            self.automatic_done(ctx);
        }
        // A node the cluster autoscaler removed meanwhile stays gone.
        if self.machines[machine.index()].present {
            self.arm_machine(machine, ctx);
        }
    }
}

impl Faults<'_> {
    /// Draws afresh the remaining time of every pending failure and repair
    /// clock, given how long each has run (its exact conditional law: the
    /// drawn values were never seen by the rest of the model). A copy of a
    /// replication that must diverge from its original does this on its
    /// own streams.
    pub fn redraw_pending<E: From<FaultEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.changes += 1;
        let now = ctx.now();
        let redraw = |timer: &mut Option<Timer>,
                      dist: &crate::dist::Distribution,
                      stream: StreamLabel,
                      event: FaultEvent,
                      ctx: &mut Ctx<'_, E>| {
            if let Some(t) = timer {
                ctx.cancel(t.key);
                let rest = dist.sample_residual(now.saturating_since(t.since), ctx.rng(stream));
                t.key = ctx.schedule(rest, event.into());
            }
        };
        for (i, m) in self.machines.iter_mut().enumerate() {
            let machine = MachineId::new(i);
            let modes = &self.groups[m.group].failures;
            for (mode, spec) in modes.iter().enumerate() {
                let failed = FaultEvent::MachineFailed {
                    machine,
                    mode: ModeId::new(mode),
                };
                let stream = m.streams.fail[mode];
                redraw(
                    &mut m.failure_timers[mode],
                    &spec.time_to_failure,
                    stream,
                    failed,
                    ctx,
                );
            }
            if let Some(mode) = m.failed_mode {
                let repaired = FaultEvent::MachineRepaired { machine };
                let dist = &modes[mode.index()].time_to_repair;
                redraw(&mut m.repair, dist, m.streams.repair, repaired, ctx);
            }
        }
        for (i, z) in self.zones.iter_mut().enumerate() {
            let zone = ZoneId::new(i);
            for (mode, spec) in self.zone_failures.iter().enumerate() {
                let failed = FaultEvent::ZoneFailed {
                    zone,
                    mode: ModeId::new(mode),
                };
                let stream = z.streams.fail[mode];
                redraw(
                    &mut z.failure_timers[mode],
                    &spec.time_to_failure,
                    stream,
                    failed,
                    ctx,
                );
            }
            if let Some(mode) = z.failed_mode {
                let dist = &self.zone_failures[mode.index()].time_to_repair;
                let repaired = FaultEvent::ZoneRepaired { zone };
                redraw(&mut z.repair, dist, z.streams.repair, repaired, ctx);
            }
        }
        for (i, d) in self.domains.iter_mut().enumerate() {
            let domain = DomainId::new(i);
            let modes = &self.domain_specs[i].failures;
            for (mode, spec) in modes.iter().enumerate() {
                let failed = FaultEvent::DomainFailed {
                    domain,
                    mode: ModeId::new(mode),
                };
                let stream = d.streams.fail[mode];
                redraw(
                    &mut d.failure_timers[mode],
                    &spec.time_to_failure,
                    stream,
                    failed,
                    ctx,
                );
            }
            if let Some(mode) = d.failed_mode {
                let dist = &modes[mode.index()].time_to_repair;
                let repaired = FaultEvent::DomainRepaired { domain };
                redraw(&mut d.repair, dist, d.streams.repair, repaired, ctx);
            }
        }
    }
}

/// One more (or one fewer) chaos step holding a unit down.
fn bump(held: &mut u16, hold: bool) {
    *held = if hold {
        held.saturating_add(1)
    } else {
        held.saturating_sub(1)
    };
}

impl<E: From<FaultEvent>> MachineSlots<E> for Faults<'_> {
    fn free_slots(&self, group: usize) -> Vec<MachineId> {
        (0..self.machines.len())
            .map(MachineId::new)
            .filter(|m| {
                let machine = &self.machines[m.index()];
                machine.group == group && !machine.present && !machine.broken
            })
            .collect()
    }

    fn can_register(&self, machine: MachineId) -> bool {
        let m = &self.machines[machine.index()];
        let zone = &self.zones[m.zone.index()];
        !(zone.down || zone.held > 0 || self.domain_down(m))
    }

    fn register(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        self.changes += 1;
        self.machines[machine.index()].present = true;
        self.arm_machine(machine, ctx);
    }

    fn retire(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        self.changes += 1;
        let m = &mut self.machines[machine.index()];
        Self::disarm(&mut m.failure_timers, ctx);
        m.present = false;
    }
}
