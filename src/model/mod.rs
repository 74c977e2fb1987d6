//! Kubernetes HA semantics on top of the engine: machines and zones that
//! fail and get repaired, etcd quorum and elections, apiservers, the API
//! endpoint, leader-elected controllers, and the SLIs derived from them.
//!
//! May import: `engine`, `dist`, `scenario`, `outcome`. Never statistics,
//! threads, files or output formats.
//!
//! After every event the model re-derives everything that depends on
//! component state (etcd, apiservers, endpoint, leases, SLIs) in one pass,
//! in that order; a part schedules a timer only when its state calls for
//! one, so timers that cannot fire are never simulated.

mod endpoint;
mod etcd;
mod event;
mod lease;
mod sli;

pub use event::ClusterEvent;
pub use sli::{SLI_NAMES, Sli};

use endpoint::{BackendHealth, Endpoint};
use etcd::EtcdCluster;
use lease::Lease;

use crate::engine::{Ctx, EventKey, Handler, SimDuration, SimTime};
use crate::outcome::{Recorder, SliOutcome};
use crate::scenario::{FailureMode, Role, Scenario, Topology};

use rand::RngExt;

/// One replication's results, as plain data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// One entry per SLI, in the order of [`SLI_NAMES`].
    pub slis: Vec<SliOutcome>,
    /// Write time lost (seconds) in each etcd disaster inside the measured
    /// window (a majority of members lost their disks).
    pub data_losses_secs: Vec<f64>,
    /// Events handled.
    pub events: u64,
}

/// A machine's failure state.
struct Machine {
    zone: usize,
    group: usize,
    broken: bool,
    failure_timers: Vec<Option<EventKey>>,
}

/// A zone's failure state.
struct Zone {
    down: bool,
    failure_timers: Vec<Option<EventKey>>,
}

/// The simulated cluster.
pub struct ClusterModel<'s> {
    scenario: &'s Scenario,
    machines: Vec<Machine>,
    zones: Vec<Zone>,
    /// `machine_up[m]`: running (not broken, zone not down). Derived.
    machine_up: Vec<bool>,
    /// Control-plane machines, in order; apiserver i runs on `cp[i]`.
    cp: Vec<usize>,
    /// For stacked/single topologies, the etcd member on `cp[i]`.
    local_member: Vec<Option<usize>>,
    etcd: EtcdCluster,
    /// Active/standby: the control-plane index that serves.
    active: usize,
    promotion: Option<EventKey>,
    /// Built in `start` (health-check phases come from the random stream).
    endpoint: Option<Endpoint>,
    lb_hosts: Vec<usize>,
    leases: [Lease; 2],
    // Derived per control-plane machine, rebuilt on every refresh.
    alive: Vec<bool>,
    serving: Vec<bool>,
    write_ok: Vec<bool>,
    read_ok: Vec<bool>,
    recorders: Vec<Recorder>,
}

impl<'s> ClusterModel<'s> {
    /// Builds the cluster of `scenario`, all up.
    pub fn new(scenario: &'s Scenario) -> Self {
        let mut machines = Vec::new();
        let mut cp = Vec::new();
        let mut etcd_hosts = Vec::new();
        let mut lb_hosts = Vec::new();
        for (g, group) in scenario.groups.iter().enumerate() {
            for &zone in &group.zones {
                let id = machines.len();
                match group.role {
                    Role::ControlPlane => cp.push(id),
                    Role::Etcd => etcd_hosts.push(id),
                    Role::LoadBalancer => lb_hosts.push(id),
                }
                machines.push(Machine {
                    zone,
                    group: g,
                    broken: false,
                    failure_timers: vec![None; group.failures.len()],
                });
            }
        }
        let topology = scenario.control_plane.topology;
        let stacked = matches!(topology, Topology::Single | Topology::Stacked);
        let members = if stacked { cp.clone() } else { etcd_hosts };
        let local_member = cp
            .iter()
            .map(|m| {
                if stacked {
                    members.iter().position(|x| x == m)
                } else {
                    None
                }
            })
            .collect();
        if lb_hosts.is_empty() {
            // HAProxy + keepalived as static pods on the control plane.
            lb_hosts = cp.clone();
        }
        let n_cp = cp.len();
        let timers = scenario.control_plane.leader_election;
        let recorders = SLI_NAMES
            .iter()
            .map(|_| Recorder::new(scenario.warmup, scenario.min_outage))
            .collect();
        ClusterModel {
            scenario,
            machine_up: vec![true; machines.len()],
            zones: scenario
                .zones
                .iter()
                .map(|_| Zone {
                    down: false,
                    failure_timers: vec![None; scenario.zone_failures.len()],
                })
                .collect(),
            machines,
            local_member,
            etcd: EtcdCluster::new(members, &scenario.control_plane.etcd, SimDuration::ZERO),
            active: 0,
            promotion: None,
            endpoint: None,
            leases: [
                Lease::new(0, timers, n_cp, Some(0)),
                Lease::new(1, timers, n_cp, Some(0)),
            ],
            alive: vec![true; n_cp],
            serving: vec![true; n_cp],
            write_ok: vec![true; n_cp],
            read_ok: vec![true; n_cp],
            recorders,
            cp,
            lb_hosts,
        }
    }
}

impl ClusterModel<'_> {
    /// Starts the failure clock of every mode of a unit (machine or zone).
    fn arm(
        modes: &[FailureMode],
        timers: &mut [Option<EventKey>],
        ctx: &mut Ctx<'_, ClusterEvent>,
        failed: impl Fn(u16) -> ClusterEvent,
    ) {
        for (mode, spec) in modes.iter().enumerate() {
            let delay = spec.time_to_failure.sample(ctx.rng());
            timers[mode] = Some(ctx.schedule(delay, failed(mode as u16)));
        }
    }

    fn arm_machine(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let modes = &self.scenario.groups[self.machines[machine].group].failures;
        let timers = &mut self.machines[machine].failure_timers;
        Self::arm(modes, timers, ctx, |mode| ClusterEvent::MachineFailed {
            machine: machine as u32,
            mode,
        });
    }

    fn arm_zone(&mut self, zone: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let timers = &mut self.zones[zone].failure_timers;
        Self::arm(&self.scenario.zone_failures, timers, ctx, |mode| {
            ClusterEvent::ZoneFailed {
                zone: zone as u16,
                mode,
            }
        });
    }

    /// Cancels every pending failure of a failed unit: one failure at a
    /// time; all modes are re-armed, as good as new, on repair.
    fn disarm(timers: &mut [Option<EventKey>], ctx: &mut Ctx<'_, ClusterEvent>) {
        for timer in timers.iter_mut() {
            if let Some(key) = timer.take() {
                ctx.cancel(key);
            }
        }
    }

    fn failure_mode(&self, machine: usize, mode: usize) -> &FailureMode {
        &self.scenario.groups[self.machines[machine].group].failures[mode]
    }

    /// Re-derives everything from component state, then records the SLIs.
    fn refresh(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        for (m, machine) in self.machines.iter().enumerate() {
            self.machine_up[m] = !machine.broken && !self.zones[machine.zone].down;
        }
        let backup = self.scenario.control_plane.etcd.backup.as_ref();
        self.etcd.refresh(&self.machine_up, backup, ctx);
        self.refresh_active_standby(ctx);

        let etcd_writable = self.etcd.writable();
        for i in 0..self.cp.len() {
            let alive = self.machine_up[self.cp[i]];
            let local_ok = self.local_member[i]
                .is_none_or(|member| self.etcd.member_available(member, &self.machine_up));
            self.alive[i] = alive;
            self.read_ok[i] = alive && self.serving[i];
            self.write_ok[i] = self.read_ok[i] && etcd_writable && local_ok;
        }

        if let Some(endpoint) = &mut self.endpoint {
            let health = BackendHealth {
                healthy: &self.write_ok,
                write_ok: &self.write_ok,
                read_ok: &self.read_ok,
                direct_target: self.active,
            };
            endpoint.refresh(&self.machine_up, &health, ctx);
        }
        let candidates_alive: Vec<bool> = (0..self.cp.len())
            .map(|i| self.alive[i] && self.serving[i])
            .collect();
        for lease in &mut self.leases {
            lease.refresh(&candidates_alive, &self.write_ok, ctx);
        }
        self.record(ctx.now());
    }

    /// Active/standby: only the active machine serves; when it is down, a
    /// standby is promoted after detection plus the promotion delay.
    fn refresh_active_standby(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        let Topology::ActiveStandby {
            detection,
            promotion_delay,
        } = self.scenario.control_plane.topology
        else {
            return;
        };
        let active_up = self.machine_up[self.cp[self.active]];
        match (active_up, self.promotion) {
            (false, None) => {
                self.promotion =
                    Some(ctx.schedule(detection + promotion_delay, ClusterEvent::StandbyPromoted));
            }
            (true, Some(key)) => {
                ctx.cancel(key);
                self.promotion = None;
            }
            _ => {}
        }
        for (i, serving) in self.serving.iter_mut().enumerate() {
            *serving = i == self.active;
        }
    }

    fn on_promotion(&mut self) {
        self.promotion = None;
        if let Some(standby) = (0..self.cp.len()).find(|&i| self.machine_up[self.cp[i]]) {
            self.active = standby;
        }
        // If no standby is up, the next refresh starts another attempt.
    }

    fn record(&mut self, now: SimTime) {
        let (write, read) = match &self.endpoint {
            Some(endpoint) => endpoint.success_shares(&BackendHealth {
                healthy: &self.write_ok,
                write_ok: &self.write_ok,
                read_ok: &self.read_ok,
                direct_target: self.active,
            }),
            None => (1.0, 1.0),
        };
        let values = sli::values(&sli::State {
            api_write: write,
            api_read: read,
            etcd_writable: self.etcd.writable(),
            controllers: self.leases[0].leading(&self.write_ok),
            scheduler: self.leases[1].leading(&self.write_ok),
        });
        for (recorder, value) in self.recorders.iter_mut().zip(values) {
            recorder.set(now, value);
        }
    }

    /// Closes the books at `horizon` (the simulation must have run to it).
    pub fn finish(self, horizon: SimTime, events: u64) -> Outcome {
        let warmup = SimTime::ZERO + self.scenario.warmup;
        Outcome {
            slis: self
                .recorders
                .into_iter()
                .map(|r| r.finish(horizon))
                .collect(),
            data_losses_secs: self
                .etcd
                .data_losses
                .iter()
                .filter(|(at, _)| *at >= warmup && *at <= horizon)
                .map(|(_, lost)| *lost)
                .collect(),
            events,
        }
    }
}

impl Handler for ClusterModel<'_> {
    type Event = ClusterEvent;

    fn start(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        if let Some(backup) = &self.scenario.control_plane.etcd.backup {
            let phase = backup.interval.as_micros() as f64 * ctx.rng().random::<f64>();
            self.etcd
                .set_snapshot_phase(SimDuration::from_micros(phase as u64));
        }
        let endpoint = Endpoint::new(
            self.scenario.control_plane.endpoint,
            self.cp.len(),
            std::mem::take(&mut self.lb_hosts),
            ctx,
        );
        self.endpoint = Some(endpoint);
        for machine in 0..self.machines.len() {
            self.arm_machine(machine, ctx);
        }
        for zone in 0..self.zones.len() {
            self.arm_zone(zone, ctx);
        }
        self.refresh(ctx);
    }

    fn on(&mut self, event: ClusterEvent, ctx: &mut Ctx<'_, ClusterEvent>) {
        match event {
            ClusterEvent::MachineFailed { machine, mode } => {
                let (machine, mode) = (machine as usize, mode as usize);
                self.machines[machine].failure_timers[mode] = None;
                Self::disarm(&mut self.machines[machine].failure_timers, ctx);
                self.machines[machine].broken = true;
                let spec = self.failure_mode(machine, mode);
                let repair = spec.time_to_repair.sample(ctx.rng());
                if spec.loses_disk {
                    self.etcd.disk_lost(machine, ctx);
                }
                ctx.schedule(
                    repair,
                    ClusterEvent::MachineRepaired {
                        machine: machine as u32,
                    },
                );
            }
            ClusterEvent::MachineRepaired { machine } => {
                let machine = machine as usize;
                self.machines[machine].broken = false;
                self.arm_machine(machine, ctx);
            }
            ClusterEvent::ZoneFailed { zone, mode } => {
                let (zone, mode) = (zone as usize, mode as usize);
                self.zones[zone].failure_timers[mode] = None;
                Self::disarm(&mut self.zones[zone].failure_timers, ctx);
                self.zones[zone].down = true;
                let repair = self.scenario.zone_failures[mode]
                    .time_to_repair
                    .sample(ctx.rng());
                ctx.schedule(repair, ClusterEvent::ZoneRepaired { zone: zone as u16 });
            }
            ClusterEvent::ZoneRepaired { zone } => {
                let zone = zone as usize;
                self.zones[zone].down = false;
                self.arm_zone(zone, ctx);
            }
            ClusterEvent::EtcdLeaderElected => self.etcd.on_elected(&self.machine_up, ctx),
            ClusterEvent::EtcdMemberSynced { member } => self.etcd.on_synced(member as usize),
            ClusterEvent::EtcdRestored => self.etcd.on_restored(),
            ClusterEvent::BackendMarked {
                balancer,
                backend,
                up,
            } => {
                if let Some(endpoint) = &mut self.endpoint {
                    endpoint.on_marked(balancer as usize, backend as usize, up);
                }
            }
            ClusterEvent::VipTakenOver => {
                if let Some(endpoint) = &mut self.endpoint {
                    endpoint.on_vip_taken_over(&self.machine_up);
                }
            }
            ClusterEvent::LeaseAcquired { lease, candidate } => {
                let now = ctx.now();
                self.leases[lease as usize].on_acquired(candidate as usize, now, ctx);
            }
            ClusterEvent::LeaderSteppedDown { lease } => {
                self.leases[lease as usize].on_stepped_down();
            }
            ClusterEvent::StandbyPromoted => self.on_promotion(),
        }
        self.refresh(ctx);
    }
}
