//! Kubernetes HA semantics on top of the engine: machines and zones that
//! fail and get repaired, partitions, etcd quorum and elections, apiservers,
//! the API endpoint, leader-elected controllers, injected faults, and the
//! SLIs derived from them.
//!
//! May import: `engine`, `dist`, `scenario`, `outcome`. Never statistics,
//! threads, files or output formats.
//!
//! After every event the model re-derives everything that depends on
//! component state (network, etcd, apiservers, endpoint, leases, SLIs) in
//! one pass, in that order; a part schedules a timer only when its state
//! calls for one, so timers that cannot fire are never simulated.
//!
//! Attribution: every outage of every SLI is charged, with all its lost
//! requests, to the most recent initiating fault before it began (a machine
//! failure mode, a zone outage or partition, a chaos step, an etcd
//! disaster). Recoveries never start outages, so the last fault is the one
//! that tipped the SLI over.

mod control_plane;
mod dataplane;
mod event;
mod record;
mod scaling;

pub use event::ClusterEvent;
pub use record::SLI_NAMES;
pub use scaling::hpa;

use std::collections::VecDeque;

use control_plane::endpoint::{BackendHealth, Endpoint};
use control_plane::etcd::{EtcdCluster, Net};
use control_plane::lease::Lease;
use dataplane::{ControlPlaneView, DataPlane, PodView};
use scaling::cluster_autoscaler::{self, ClusterAutoscaler};
use scaling::tally::{NodeTally, WorkloadState, WorkloadTally};
use scaling::workload_autoscaler::{Observed, WorkloadAutoscaler};

use record::{CauseId, Causes};

use crate::engine::{Ctx, EventKey, Handler, SimDuration, SimTime};
use crate::outcome::{NodeOutcome, Recorder, ScalingOutcome, SliOutcome};

use crate::scenario::{
    ChaosAction, Endpoint as EndpointConfig, FailureMode, Role, Scenario, Topology,
};

use rand::RngExt;

/// Moves a pending timer to `wake` (or drops it): kept as is when the time
/// is the same, so re-planning on every event costs no queue traffic.
fn reschedule(
    ctx: &mut Ctx<'_, ClusterEvent>,
    current: Option<(EventKey, SimTime)>,
    wake: Option<SimTime>,
    event: ClusterEvent,
) -> Option<(EventKey, SimTime)> {
    match (current, wake) {
        (Some((key, at)), Some(wake)) if at == wake => Some((key, at)),
        (current, wake) => {
            if let Some((key, _)) = current {
                ctx.cancel(key);
            }
            wake.map(|at| (ctx.schedule_at(at, event), at))
        }
    }
}

/// Every SLI of a scenario, in outcome order: the control-plane ones
/// ([`SLI_NAMES`]), then for each workload `workload.<name>.ready` (ready
/// replicas meet the rule), `.requests` (share of requests that reach a
/// ready pod), `.full` (every replica ready; its outage length is the time
/// to restore the full replica count) and `.scheduled` (no pod Pending; its
/// lost time is pending-pod time over the replica count), and with a load,
/// `.capacity` (the ready pods serve at least `capacity_threshold` of the
/// offered load).
pub fn sli_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = SLI_NAMES.iter().map(|s| s.to_string()).collect();
    for w in &scenario.workloads {
        for metric in ["ready", "requests", "full", "scheduled"] {
            names.push(format!("workload.{}.{metric}", w.name));
        }
        if w.load.is_some() {
            names.push(format!("workload.{}.capacity", w.name));
        }
    }
    names
}

/// The labels outages are charged to, indexed like
/// [`SliOutcome::lost_by_cause_secs`]; index 0 is "none". Built from the
/// scenario alone.
pub fn cause_labels(scenario: &Scenario) -> Vec<String> {
    Causes::new(scenario).labels
}

/// One replication's results, as plain data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplicationOutcome {
    /// One entry per SLI, in the order of [`sli_names`].
    pub slis: Vec<SliOutcome>,
    /// Write time lost (seconds) in each etcd disaster inside the measured
    /// window (a majority of members lost their disks).
    pub data_losses_secs: Vec<f64>,
    /// Load and autoscaling per workload, in workload order.
    #[serde(default)]
    pub scaling: Vec<ScalingOutcome>,
    /// Worker nodes over time (cost).
    #[serde(default)]
    pub nodes: NodeOutcome,
    /// Events handled.
    pub events: u64,
    /// Demand, service, replicas and nodes sampled on a grid, when asked
    /// for (`--timeseries`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeseries: Vec<TimeseriesRow>,
    /// The event timeline, when tracing was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceEntry>,
}

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
struct Sampler {
    step: SimDuration,
    next: SimTime,
    states: Vec<Option<WorkloadState>>,
    nodes: usize,
    rows: Vec<TimeseriesRow>,
}

/// A machine's failure state.
struct Machine {
    zone: usize,
    domain: Option<usize>,
    group: usize,
    name: String,
    broken: bool,
    /// Chaos steps holding it down.
    held: u16,
    /// The mode it failed in, while broken.
    failed_mode: Option<usize>,
    failure_timers: Vec<Option<EventKey>>,
    /// Exists: a slot of a resizable worker group is absent until the
    /// cluster autoscaler provisions it.
    present: bool,
}

/// A workload's offered demand beyond its profile: the load spikes in
/// progress, with their recent history (a sync reads the demand of the
/// last scrape, which may predate the latest change).
#[derive(Default)]
struct SpikeState {
    /// Requests/s the spikes in progress add now.
    extra: f64,
    /// Recent changes: (time, extra from then on).
    changes: VecDeque<(SimTime, f64)>,
    /// The extra before the oldest change kept.
    before: f64,
    /// Spikes started so far (serial numbers).
    started: u32,
}

impl SpikeState {
    fn extra_at(&self, t: SimTime) -> f64 {
        self.changes
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(self.before, |&(_, v)| v)
    }

    /// The extra becomes `extra` at `now`; history older than `keep` that
    /// no lookup can need is dropped.
    fn set(&mut self, now: SimTime, extra: f64, keep: SimDuration) {
        self.extra = extra;
        self.changes.push_back((now, extra));
        while self.changes.len() > 1 && self.changes[1].0 + keep <= now {
            if let Some((_, v)) = self.changes.pop_front() {
                self.before = v;
            }
        }
    }
}

/// A zone's failure state.
struct Zone {
    /// Down by a random outage.
    down: bool,
    /// Cut off by a random partition.
    cut: bool,
    /// Chaos steps holding it down.
    held: u16,
    failure_timers: Vec<Option<EventKey>>,
}

/// Who repairs manual failures: a FIFO queue in front of the crews.
#[derive(Default)]
struct Crews {
    busy: usize,
    queue: VecDeque<usize>,
}

/// What each chaos step currently holds, so it can release it.
#[derive(Default, Clone)]
struct ChaosHold {
    machines: Vec<usize>,
    zone: Option<usize>,
    partition: bool,
    cloud_lb: bool,
}

/// The simulated cluster.
pub struct ClusterModel<'s> {
    scenario: &'s Scenario,
    machines: Vec<Machine>,
    zones: Vec<Zone>,
    /// Shared failure domains (only `down` and the timers are used).
    domains: Vec<Zone>,
    /// `machine_up[m]`: running. Derived.
    machine_up: Vec<bool>,
    /// `machine_side[m]`: network side (0 unless partitioned). Derived.
    machine_side: Vec<u64>,
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
    crews: Crews,
    chaos: Vec<ChaosHold>,
    /// Per workload: the pending load-crossing event and what it was
    /// computed for: the capacity SLI's level, the full-service level while
    /// a spike waits to be absorbed (NaN otherwise), and the spikes' extra
    /// demand.
    load_timers: Vec<Option<(EventKey, [f64; 3])>>,
    /// Per drain step: the next machine of its list and whether it is in
    /// maintenance (drained and down).
    drains: Vec<(usize, bool)>,
    data: DataPlane,
    /// Workload autoscalers, and the index of each workload's.
    scalers: Vec<WorkloadAutoscaler>,
    scaler_of: Vec<Option<usize>>,
    cluster_autoscaler: Option<ClusterAutoscaler>,
    /// metrics-server's scrape grid phase.
    scrape_phase: SimDuration,
    spikes: Vec<SpikeState>,
    /// Per workload with a load: its scaling record.
    tallies: Vec<Option<WorkloadTally>>,
    node_tally: NodeTally,
    /// Worker nodes that exist (provisioned, not removed).
    workers: usize,
    sampler: Option<Sampler>,
    // Derived per control-plane machine, rebuilt on every refresh.
    alive: Vec<bool>,
    serving: Vec<bool>,
    write_ok: Vec<bool>,
    read_ok: Vec<bool>,
    cp_side: Vec<u64>,
    recorders: Vec<Recorder>,
    causes: Causes,
    last_cause: CauseId,
    disasters_seen: usize,
    trace: Option<Vec<TraceEntry>>,
}

impl<'s> ClusterModel<'s> {
    /// Builds the cluster of `scenario`, all up.
    pub fn new(scenario: &'s Scenario) -> Self {
        let mut machines = Vec::new();
        let mut cp = Vec::new();
        let mut etcd_hosts = Vec::new();
        let mut lb_hosts = Vec::new();
        let mut workers = Vec::new();
        for (g, group) in scenario.groups.iter().enumerate() {
            let initial = group.autoscaling.map_or(group.zones.len(), |a| a.initial);
            for (i, (&zone, &domain)) in group.zones.iter().zip(&group.domains).enumerate() {
                let id = machines.len();
                match group.role {
                    Role::ControlPlane => cp.push(id),
                    Role::Etcd => etcd_hosts.push(id),
                    Role::LoadBalancer => lb_hosts.push(id),
                    Role::Worker => workers.push(id),
                }
                machines.push(Machine {
                    zone,
                    domain,
                    group: g,
                    name: format!("{}[{i}]", group.name),
                    broken: false,
                    held: 0,
                    failed_mode: None,
                    failure_timers: vec![None; group.failures.len()],
                    present: i < initial,
                });
            }
        }
        let topology = scenario.control_plane.topology;
        let stacked = matches!(topology, Topology::Single | Topology::Stacked);
        let members = if stacked { cp.clone() } else { etcd_hosts };
        let local_member = cp
            .iter()
            .map(|m| {
                stacked
                    .then(|| members.iter().position(|x| x == m))
                    .flatten()
            })
            .collect();
        if lb_hosts.is_empty() {
            // HAProxy + keepalived as static pods on the control plane.
            lb_hosts = cp.clone();
        }
        let n_cp = cp.len();
        let timers = scenario.control_plane.leader_election;
        let recorders = sli_names(scenario)
            .iter()
            .map(|_| Recorder::new(scenario.warmup, scenario.min_outage))
            .collect();

        let causes = Causes::new(scenario);

        let warmup = SimTime::ZERO + scenario.warmup;
        let workers = machines
            .iter()
            .filter(|m| m.present && scenario.groups[m.group].role == Role::Worker)
            .count();
        let data = DataPlane::new(scenario);
        ClusterModel {
            scalers: Vec::new(),
            scaler_of: vec![None; scenario.workloads.len()],
            cluster_autoscaler: None,
            scrape_phase: SimDuration::ZERO,
            spikes: (0..scenario.workloads.len())
                .map(|_| SpikeState::default())
                .collect(),
            tallies: scenario
                .workloads
                .iter()
                .map(|w| {
                    w.load
                        .as_ref()
                        .map(|load| WorkloadTally::new(warmup, load.capacity))
                })
                .collect(),
            node_tally: NodeTally::new(warmup, workers),
            workers,
            sampler: None,
            scenario,
            machine_up: vec![true; machines.len()],
            machine_side: vec![0; machines.len()],
            zones: scenario
                .zones
                .iter()
                .map(|_| Zone {
                    down: false,
                    cut: false,
                    held: 0,
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
            crews: Crews::default(),
            load_timers: vec![None; scenario.workloads.len()],
            drains: vec![(0, false); scenario.chaos.len()],
            data,
            chaos: vec![ChaosHold::default(); scenario.chaos.len()],
            alive: vec![true; n_cp],
            serving: vec![true; n_cp],
            write_ok: vec![true; n_cp],
            read_ok: vec![true; n_cp],
            cp_side: vec![0; n_cp],
            recorders,
            cp,
            lb_hosts,
            causes,
            domains: scenario
                .failure_domains
                .iter()
                .map(|d| Zone {
                    down: false,
                    cut: false,
                    held: 0,
                    failure_timers: vec![None; d.failures.len()],
                })
                .collect(),
            last_cause: 0,
            disasters_seen: 0,
            trace: None,
        }
    }

    /// Samples demand, service, replicas and nodes every `step` (for
    /// `--timeseries`).
    pub fn with_timeseries(mut self, step: SimDuration) -> Self {
        self.sampler = Some(Sampler {
            step: step.max(SimDuration::from_micros(1)),
            next: SimTime::ZERO,
            states: vec![None; self.scenario.workloads.len()],
            nodes: 0,
            rows: Vec::new(),
        });
        self
    }

    /// Writes the sampled rows due before `until` (through `until` when
    /// `inclusive`).
    fn sample_until(&mut self, until: SimTime, inclusive: bool) {
        let Some(sampler) = &mut self.sampler else {
            return;
        };
        while sampler.next < until || (inclusive && sampler.next == until) {
            let t = sampler.next.as_secs_f64();
            for (w, state) in sampler.states.iter().enumerate() {
                let (Some(state), Some(load)) = (state, &self.scenario.workloads[w].load) else {
                    continue;
                };
                let demand = load.profile.at(t) + state.extra;
                sampler.rows.push(TimeseriesRow {
                    time_seconds: t,
                    workload: self.scenario.workloads[w].name.clone(),
                    demand,
                    served: demand.min(state.serving as f64 * load.capacity),
                    replicas: state.replicas,
                    ready: state.serving,
                    nodes: sampler.nodes,
                    pending: state.pending,
                });
            }
            sampler.next += sampler.step;
        }
    }

    /// Records the event timeline (for `--trace`).
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }
}

impl ClusterModel<'_> {
    fn note(&mut self, now: SimTime, kind: &str, detail: impl FnOnce(&Self) -> String) {
        if self.trace.is_some() {
            let entry = TraceEntry {
                time_seconds: now.as_secs_f64(),
                kind: kind.to_string(),
                detail: detail(self),
                cause: self.causes.labels[self.last_cause].clone(),
            };
            if let Some(trace) = &mut self.trace {
                trace.push(entry);
            }
        }
    }

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

    fn arm_domain(&mut self, domain: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let timers = &mut self.domains[domain].failure_timers;
        let modes = &self.scenario.failure_domains[domain].failures;
        Self::arm(modes, timers, ctx, |mode| ClusterEvent::DomainFailed {
            domain: domain as u16,
            mode,
        });
    }

    /// A machine fails in `mode`; a common-cause share of such failures
    /// takes down further running machines of the group at the same time.
    fn fail_machine(&mut self, machine: usize, mode: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.break_machine(machine, mode, ctx);
        let Some(common) = self.failure_mode(machine, mode).common_cause else {
            return;
        };
        if ctx.rng().random::<f64>() >= common.fraction {
            return;
        }
        let group = self.machines[machine].group;
        let mut others: Vec<usize> = (0..self.machines.len())
            .filter(|&m| {
                m != machine && self.machines[m].group == group && !self.machines[m].broken
            })
            .collect();
        for _ in 1..common.size {
            if others.is_empty() {
                break;
            }
            let pick = ctx.rng().random_range(0..others.len());
            let other = others.swap_remove(pick);
            self.break_machine(other, mode, ctx);
        }
    }

    fn break_machine(&mut self, machine: usize, mode: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        Self::disarm(&mut self.machines[machine].failure_timers, ctx);
        self.machines[machine].broken = true;
        self.machines[machine].failed_mode = Some(mode);
        self.last_cause = self.causes.machine[self.machines[machine].group][mode];
        if self.failure_mode(machine, mode).loses_disk {
            self.etcd.disk_lost(machine, ctx);
        }
        self.request_repair(machine, mode, ctx);
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

    /// Which side of the active partitions a zone is on: random partitions
    /// cut one zone off alone (bit = zone index), a chaos partition puts its
    /// zones together on one side (bit = 32 + step index).
    fn zone_side(&self, zone: usize) -> u64 {
        let mut side = if self.zones[zone].cut {
            1u64 << (zone % 32)
        } else {
            0
        };
        for (step, hold) in self.chaos.iter().enumerate() {
            if hold.partition
                && let ChaosAction::Partition(zones) = &self.scenario.chaos[step].action
                && zones.contains(&zone)
            {
                side |= 1u64 << (32 + step % 32);
            }
        }
        side
    }

    fn client_side(&self) -> u64 {
        self.zone_side(self.scenario.clients_zone)
    }

    /// Re-derives everything from component state, then records the SLIs.
    fn refresh(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        for m in 0..self.machines.len() {
            let machine = &self.machines[m];
            let zone = &self.zones[machine.zone];
            let domain_down = machine.domain.is_some_and(|d| self.domains[d].down);
            self.machine_up[m] = machine.present
                && !machine.broken
                && machine.held == 0
                && !zone.down
                && zone.held == 0
                && !domain_down;
            self.machine_side[m] = self.zone_side(machine.zone);
        }
        let net = Net {
            up: &self.machine_up,
            side: &self.machine_side,
        };
        let backup = self.scenario.control_plane.etcd.backup.as_ref();
        self.etcd.refresh(&net, backup, ctx);
        if self.etcd.data_losses.len() > self.disasters_seen {
            self.disasters_seen = self.etcd.data_losses.len();
            self.last_cause = self.causes.disaster;
        }
        self.refresh_active_standby(ctx);

        let net = Net {
            up: &self.machine_up,
            side: &self.machine_side,
        };
        let etcd_writable = self.etcd.writable();
        for i in 0..self.cp.len() {
            let machine = self.cp[i];
            let alive = self.machine_up[machine];
            let side = self.machine_side[machine];
            // Stacked apiservers use only their local member; external ones
            // any member, but they must reach the quorum's side.
            let etcd_ok = match self.local_member[i] {
                Some(member) => self.etcd.member_available(member, &net),
                None => self.etcd.reaches_quorum(side, &net),
            };
            self.alive[i] = alive;
            self.cp_side[i] = side;
            self.read_ok[i] = alive && self.serving[i];
            self.write_ok[i] = self.read_ok[i] && etcd_writable && etcd_ok;
        }

        let client_side = self.client_side();
        if let Some(endpoint) = &mut self.endpoint {
            let health = BackendHealth {
                healthy: &self.write_ok,
                write_ok: &self.write_ok,
                read_ok: &self.read_ok,
                direct_target: self.active,
                side: &self.cp_side,
                client_side,
            };
            endpoint.refresh(&net, &health, ctx);
        }
        let candidates_alive: Vec<bool> = (0..self.cp.len())
            .map(|i| self.alive[i] && self.serving[i])
            .collect();
        for lease in &mut self.leases {
            lease.refresh(&candidates_alive, &self.write_ok, ctx);
        }
        // Kubelets heartbeat through any writable apiserver on their side.
        let kubelet_connected: Vec<bool> = (0..self.machines.len())
            .map(|m| {
                self.machine_up[m]
                    && (0..self.cp.len())
                        .any(|i| self.write_ok[i] && self.cp_side[i] == self.machine_side[m])
            })
            .collect();
        let view = ControlPlaneView {
            machine_up: &self.machine_up,
            kubelet_connected: &kubelet_connected,
            controllers: self.leases[0].leading(&self.write_ok),
            scheduler: self.leases[1].leading(&self.write_ok),
        };
        self.data.refresh(&view, ctx);
        let api = self.write_ok.iter().any(|&ok| ok);
        self.plan_autoscalers(view.controllers, api, ctx);
        self.record(ctx);
    }

    /// The latest metrics-server scrape at or before `t` (time zero before
    /// the first: the metrics of the start are available).
    fn last_scrape(&self, t: SimTime) -> SimTime {
        t.grid_at_or_before(
            self.scrape_phase,
            self.scenario.hpa_controller.metric_resolution,
        )
    }

    /// Offered requests/s of workload `w` at `t` (not after now).
    fn demand_at(&self, w: usize, t: SimTime) -> f64 {
        self.scenario.workloads[w]
            .load
            .as_ref()
            .map_or(0.0, |load| {
                load.profile.at(t.as_secs_f64()) + self.spikes[w].extra_at(t)
            })
    }

    fn observed<'p>(&self, w: usize, now: SimTime, pods: &'p [PodView]) -> Observed<'p> {
        let scrape = self.last_scrape(now);
        let workload = &self.scenario.workloads[w];
        Observed {
            now,
            replicas: self.data.replicas(w) as u32,
            pods,
            scrape,
            demand_at_scrape: self.demand_at(w, scrape),
            capacity: workload.load.as_ref().map_or(1.0, |l| l.capacity),
            request_millis: workload.requests.cpu_millis,
        }
    }

    /// Schedules each autoscaler's next useful sync and the cluster
    /// autoscaler's next useful scan (or none).
    fn plan_autoscalers(&mut self, controllers: bool, api: bool, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        for s in 0..self.scalers.len() {
            if controllers {
                self.plan_scaler(self.scalers[s].workload, ctx);
            } else if let Some((key, _)) = self.scalers[s].tick.take() {
                ctx.cancel(key);
            }
        }
        if let Some(ca) = &mut self.cluster_autoscaler {
            let wake = if api {
                let nodes: Vec<_> = self.data.node_views().collect();
                let pending = self.data.unschedulable();
                ca.plan(now, &nodes, &pending)
            } else {
                None
            };
            let scan = ca.scan;
            ca.scan = reschedule(ctx, scan, wake, ClusterEvent::AutoscalerScanned);
        }
    }

    /// Draws the autoscalers' grid phases and the first load spikes (only
    /// for scenarios that have them, so other scenarios' random streams
    /// stay as they were).
    fn start_autoscaling(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        let scenario = self.scenario;
        if scenario.workloads.iter().any(|w| w.autoscaling.is_some()) {
            let resolution = scenario.hpa_controller.metric_resolution.as_micros() as f64;
            self.scrape_phase =
                SimDuration::from_micros((resolution * ctx.rng().random::<f64>()) as u64);
        }
        for (w, workload) in scenario.workloads.iter().enumerate() {
            if let Some(spec) = &workload.autoscaling {
                let phase = ctx.rng().random::<f64>();
                self.scaler_of[w] = Some(self.scalers.len());
                self.scalers.push(WorkloadAutoscaler::new(
                    w,
                    spec,
                    &scenario.hpa_controller,
                    phase,
                ));
            }
        }
        if scenario.cluster_autoscaler.is_some() {
            let phase = ctx.rng().random::<f64>();
            let nodes = self.data.node_views().count();
            self.cluster_autoscaler = ClusterAutoscaler::new(scenario, nodes, phase);
        }
        for w in 0..scenario.workloads.len() {
            self.schedule_spike(w, ctx);
        }
    }

    /// Schedules workload `w`'s autoscaler's next useful sync (the
    /// controller manager leads).
    fn plan_scaler(&mut self, w: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let Some(s) = self.scaler_of[w] else {
            return;
        };
        let now = ctx.now();
        let controller = self.scenario.hpa_controller;
        let pods: Vec<PodView> = self.data.pod_views(w, &self.machine_up).collect();
        let seen = self.observed(w, now, &pods);
        let extra = self.spikes[w].extra;
        let demand_now = self.demand_at(w, now);
        let load = self.scenario.workloads[w].load.as_ref().map(|l| &l.profile);
        let exit = |lo: f64, hi: f64| {
            let load = load?;
            let t = now.as_secs_f64();
            [lo, hi]
                .into_iter()
                .filter(|level| level.is_finite())
                .filter_map(|level| load.next_crossing(t, level - extra))
                .map(|at| SimTime::from_micros((at * 1e6).ceil() as u64 + 1))
                .min()
        };
        let (phase, resolution) = (self.scrape_phase, controller.metric_resolution);
        let scrape_after = |t: SimTime| t.grid_at_or_after(phase, resolution);
        let wake = self.scalers[s].plan(&seen, demand_now, &controller, exit, scrape_after);
        let tick = self.scalers[s].tick;
        self.scalers[s].tick = reschedule(
            ctx,
            tick,
            wake,
            ClusterEvent::ScalerSynced { workload: w as u16 },
        );
    }

    /// An autoscaler's sync: a decision changes the workload's replicas.
    /// Returns whether anything changed.
    fn on_scaler_synced(&mut self, w: usize, ctx: &mut Ctx<'_, ClusterEvent>) -> bool {
        let Some(s) = self.scaler_of[w] else {
            return false;
        };
        self.scalers[s].tick = None;
        if !self.leases[0].leading(&self.write_ok) {
            return false;
        }
        let now = ctx.now();
        let pods: Vec<PodView> = self.data.pod_views(w, &self.machine_up).collect();
        let seen = self.observed(w, now, &pods);
        let controller = self.scenario.hpa_controller;
        let Some(decision) = self.scalers[s].sync(&seen, &controller) else {
            return false;
        };
        let up = decision.to > decision.from;
        let flap = self.scalers[s].note_change(now, up);
        self.data.set_replicas(w, decision.to as usize);
        if let Some(tally) = &mut self.tallies[w] {
            tally.decided(now, up, flap);
        }
        self.note(now, "scaled", |model| {
            format!(
                "{} {} -> {} replicas",
                model.scenario.workloads[w].name, decision.from, decision.to
            )
        });
        true
    }

    /// The cluster autoscaler's scan: provision or remove nodes.
    fn on_autoscaler_scanned(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        let nodes: Vec<_> = self.data.node_views().collect();
        let pending = self.data.unschedulable();
        let Some(mut ca) = self.cluster_autoscaler.take() else {
            return;
        };
        ca.scan = None;
        let data = &self.data;
        let machine_up = &self.machine_up;
        let actions = ca.scan(
            now,
            &nodes,
            &pending,
            |node| data.pods_on(node),
            |node| data.evictable(node, machine_up),
            ctx.rng(),
        );
        for action in actions {
            match action {
                cluster_autoscaler::Action::ScaleUp {
                    group,
                    nodes: count,
                } => {
                    ca.note_scale_up(now);
                    let busy: Vec<usize> = ca.provisioning.iter().map(|p| p.machine).collect();
                    let free: Vec<usize> = (0..self.machines.len())
                        .filter(|&m| {
                            let machine = &self.machines[m];
                            machine.group == group
                                && !machine.present
                                && !machine.broken
                                && !busy.contains(&m)
                        })
                        .take(count)
                        .collect();
                    for machine in free {
                        let boot = ca.provisioning_time().sample(ctx.rng());
                        let keys = [
                            ctx.schedule(
                                boot,
                                ClusterEvent::NodeProvisioned {
                                    machine: machine as u32,
                                },
                            ),
                            ctx.schedule(
                                ca.max_provision_time(),
                                ClusterEvent::NodeProvisionTimedOut {
                                    machine: machine as u32,
                                },
                            ),
                        ];
                        ca.provisioning.push(cluster_autoscaler::Provision {
                            machine,
                            group,
                            keys,
                        });
                        self.note(now, "node-requested", |model| {
                            model.machines[machine].name.clone()
                        });
                    }
                }
                cluster_autoscaler::Action::Remove { machine } => {
                    self.data.remove_node(machine, ctx);
                    Self::disarm(&mut self.machines[machine].failure_timers, ctx);
                    self.machines[machine].present = false;
                    self.workers -= 1;
                    if now >= SimTime::ZERO + self.scenario.warmup {
                        self.node_tally.out.nodes_removed += 1;
                    }
                    self.note(now, "node-removed", |model| {
                        model.machines[machine].name.clone()
                    });
                }
            }
        }
        self.cluster_autoscaler = Some(ca);
    }

    /// A requested node boots: it registers unless its zone is down.
    fn on_node_provisioned(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let m = &self.machines[machine];
        let zone = &self.zones[m.zone];
        let domain_down = m.domain.is_some_and(|d| self.domains[d].down);
        if zone.down || zone.held > 0 || domain_down {
            // It never registers; the timeout will tell the autoscaler.
            return;
        }
        let Some(ca) = &mut self.cluster_autoscaler else {
            return;
        };
        let Some(at) = ca.provisioning.iter().position(|p| p.machine == machine) else {
            return;
        };
        let provision = ca.provisioning.swap_remove(at);
        ctx.cancel(provision.keys[1]);
        ca.note_registered(provision.group);
        self.machines[machine].present = true;
        self.workers += 1;
        self.data.add_node(machine);
        self.arm_machine(machine, ctx);
        if ctx.now() >= SimTime::ZERO + self.scenario.warmup {
            self.node_tally.out.nodes_added += 1;
        }
    }

    /// A requested node never registered: the scale-up failed.
    fn on_node_provision_timed_out(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        let Some(ca) = &mut self.cluster_autoscaler else {
            return;
        };
        let Some(at) = ca.provisioning.iter().position(|p| p.machine == machine) else {
            return;
        };
        let provision = ca.provisioning.swap_remove(at);
        ctx.cancel(provision.keys[0]);
        ca.note_failed(provision.group, now);
        if now >= SimTime::ZERO + self.scenario.warmup {
            self.node_tally.out.failed_provisions += 1;
        }
    }

    /// A load spike starts: the demand rises for its duration, and the
    /// next spike is drawn.
    fn on_spike_started(&mut self, w: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let Some(spec) = &self.scenario.workloads[w].spikes else {
            return;
        };
        let now = ctx.now();
        let keep = self.scenario.hpa_controller.metric_resolution;
        let extra = self.spikes[w].extra + spec.height;
        self.spikes[w].set(now, extra, keep);
        let spike = self.spikes[w].started;
        self.spikes[w].started += 1;
        if let Some(tally) = &mut self.tallies[w] {
            tally.spike_started(now);
        }
        let length = spec.duration.sample(ctx.rng());
        ctx.schedule(
            length,
            ClusterEvent::SpikeEnded {
                workload: w as u16,
                spike,
            },
        );
        self.schedule_spike(w, ctx);
    }

    fn schedule_spike(&mut self, w: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        if let Some(spec) = &self.scenario.workloads[w].spikes {
            let u: f64 = ctx.rng().random();
            let gap = -(1.0 - u).ln() * spec.mean_interval.as_secs_f64();
            ctx.schedule(
                SimDuration::from_secs_f64(gap),
                ClusterEvent::SpikeStarted { workload: w as u16 },
            );
        }
    }

    fn on_spike_ended(&mut self, w: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let Some(spec) = &self.scenario.workloads[w].spikes else {
            return;
        };
        let keep = self.scenario.hpa_controller.metric_resolution;
        let extra = (self.spikes[w].extra - spec.height).max(0.0);
        self.spikes[w].set(ctx.now(), extra, keep);
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

    fn record(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        self.sample_until(now, false);
        let net = Net {
            up: &self.machine_up,
            side: &self.machine_side,
        };
        let (write, read) = match &self.endpoint {
            Some(endpoint) => endpoint.success_shares(
                &BackendHealth {
                    healthy: &self.write_ok,
                    write_ok: &self.write_ok,
                    read_ok: &self.read_ok,
                    direct_target: self.active,
                    side: &self.cp_side,
                    client_side: self.client_side(),
                },
                &net,
            ),
            None => (1.0, 1.0),
        };
        let mut pending_cancels = Vec::new();
        let mut pending_crossings = Vec::new();
        let mut values = record::values(&record::State {
            api_write: write,
            api_read: read,
            etcd_writable: self.etcd.writable(),
            controllers: self.leases[0].leading(&self.write_ok),
            scheduler: self.leases[1].leading(&self.write_ok),
        })
        .to_vec();
        for w in 0..self.data.workload_count() {
            let (serving, listed) = self.data.serving(w, &self.machine_up);
            let (min_ready, replicas) = self.data.rule(w);
            let yes = |b: bool| if b { 1.0 } else { 0.0 };
            values.push(yes(serving >= min_ready));
            values.push(if listed == 0 {
                0.0
            } else {
                serving as f64 / listed as f64
            });
            values.push(yes(serving >= replicas));
            let pending = self.data.pending(w);
            values.push(1.0 - pending.min(replicas) as f64 / replicas as f64);
            if let Some(spec) = &self.scenario.workloads[w].load {
                let (capacity, load, threshold) = (&spec.capacity, &spec.profile, &spec.threshold);
                // Served demand over offered demand, judged against the
                // threshold; the next crossing of that level is an event,
                // and so is the crossing of full service while a spike waits
                // to be absorbed.
                let extra = self.spikes[w].extra;
                let full = serving as f64 * *capacity;
                let level = full / *threshold;
                // Judged just after now, so a level the load is leaving
                // (or reaching) counts on the side it goes to.
                let t = now.as_secs_f64();
                values.push(yes(!load.above_after(t, level - extra)));
                let absorbed = !load.above_after(t, full - extra);
                let state_now = WorkloadState {
                    serving,
                    replicas,
                    pending,
                    extra,
                };
                if let Some(tally) = &mut self.tallies[w] {
                    tally.advance(now, load);
                    tally.set(now, state_now, absorbed);
                }
                if let Some(sampler) = &mut self.sampler {
                    sampler.states[w] = Some(state_now);
                }
                let watch = self.tallies[w].as_ref().is_some_and(|t| t.spike_open());
                let plan = [level, if watch { full } else { f64::NAN }, extra];
                let stale = self.load_timers[w].is_none_or(|(_, planned)| {
                    planned
                        .iter()
                        .zip(&plan)
                        .any(|(a, b)| a.to_bits() != b.to_bits())
                });
                if stale {
                    if let Some((key, _)) = self.load_timers[w].take() {
                        pending_cancels.push(key);
                    }
                    let t = now.as_secs_f64();
                    let next = [plan[0], plan[1]]
                        .into_iter()
                        .filter(|l| !l.is_nan())
                        .filter_map(|l| load.next_crossing(t, l - extra))
                        .fold(None, |best: Option<f64>, at| {
                            Some(best.map_or(at, |b| b.min(at)))
                        });
                    if let Some(at) = next {
                        pending_crossings.push((w, at, plan));
                    }
                }
            }
        }
        self.node_tally.set(now, self.workers);
        if let Some(sampler) = &mut self.sampler {
            sampler.nodes = self.workers;
        }
        for (s, value) in values.into_iter().enumerate() {
            let before = self.recorders[s].value();
            if before != value {
                self.recorders[s].set_caused(now, value, self.last_cause);
                self.note(now, "sli", |model| {
                    format!("{} {before:.3} -> {value:.3}", sli_names(model.scenario)[s])
                });
            }
        }
        for key in pending_cancels {
            ctx.cancel(key);
        }
        for (w, at, level) in pending_crossings {
            // One microsecond past the crossing, so the demand is past the
            // level (at the crossing itself it equals it).
            let at = SimTime::from_micros((at * 1e6).ceil() as u64 + 1)
                .max(now + SimDuration::from_micros(1));
            let key = ctx.schedule_at(at, ClusterEvent::LoadCrossed { workload: w as u16 });
            self.load_timers[w] = Some((key, level));
        }
    }

    /// Closes the books at `horizon` (the simulation must have run to it).
    pub fn finish(mut self, horizon: SimTime, events: u64) -> ReplicationOutcome {
        self.sample_until(horizon, true);
        let warmup = SimTime::ZERO + self.scenario.warmup;
        ReplicationOutcome {
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
            scaling: self
                .tallies
                .into_iter()
                .zip(&self.scenario.workloads)
                .filter_map(|(tally, w)| {
                    let load = &w.load.as_ref()?.profile;
                    Some(tally?.finish(horizon, load))
                })
                .collect(),
            nodes: self.node_tally.finish(horizon),
            timeseries: self.sampler.map(|s| s.rows).unwrap_or_default(),
            events,
            trace: self.trace.unwrap_or_default(),
        }
    }

    /// A failed machine's repair: automatic at once, manual after detection
    /// and response, then a crew.
    fn request_repair(&mut self, machine: usize, mode: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let spec = self.failure_mode(machine, mode);
        match (&self.scenario.people, spec.manual_repair) {
            (Some(people), true) => {
                let delay = people.alert_delay + people.response.sample(ctx.rng());
                ctx.schedule(
                    delay,
                    ClusterEvent::RepairRequested {
                        machine: machine as u32,
                    },
                );
            }
            _ => {
                let repair = spec.time_to_repair.sample(ctx.rng());
                ctx.schedule(
                    repair,
                    ClusterEvent::MachineRepaired {
                        machine: machine as u32,
                    },
                );
            }
        }
    }

    fn start_manual_repair(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let mode = self.machines[machine]
            .failed_mode
            .expect("a broken machine has a mode");
        self.crews.busy += 1;
        let repair = self
            .failure_mode(machine, mode)
            .time_to_repair
            .sample(ctx.rng());
        ctx.schedule(
            repair,
            ClusterEvent::MachineRepaired {
                machine: machine as u32,
            },
        );
    }

    fn on_repair_requested(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let crews = self.scenario.people.as_ref().and_then(|p| p.crews);
        if crews.is_none_or(|c| self.crews.busy < c) {
            self.start_manual_repair(machine, ctx);
        } else {
            self.crews.queue.push_back(machine);
        }
    }

    fn on_chaos_started(&mut self, step: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let spec = &self.scenario.chaos[step];
        self.last_cause = self.causes.chaos[step];
        if let Some(every) = spec.every {
            ctx.schedule(every, ClusterEvent::ChaosStarted { step: step as u16 });
        }
        let mut hold = ChaosHold::default();
        match &spec.action {
            ChaosAction::Crash(machines) => hold.machines = machines.clone(),
            ChaosAction::CrashEtcdLeader => hold.machines.extend(self.etcd.leader_machine()),
            ChaosAction::ZoneOutage(zone) => hold.zone = Some(*zone),
            ChaosAction::Partition(_) => hold.partition = true,
            ChaosAction::FailLoadBalancer => match self.scenario.control_plane.endpoint {
                EndpointConfig::CloudLb(_) => hold.cloud_lb = true,
                EndpointConfig::HaproxyKeepalived { .. } => {
                    hold.machines
                        .extend(self.endpoint.as_ref().and_then(|e| e.vip_host()));
                }
                EndpointConfig::Direct => {}
            },
            ChaosAction::Rollout(workload) => self.data.start_rollout(*workload),
            ChaosAction::Drain(machines) => {
                self.drains[step] = (0, false);
                if let Some(&first) = machines.first() {
                    self.data.set_cordoned(first, true);
                    ctx.schedule(
                        SimDuration::ZERO,
                        ClusterEvent::DrainRetried { step: step as u16 },
                    );
                }
            }
            ChaosAction::RollingUpgrade => {
                hold.machines.extend(self.cp.first().copied());
                ctx.schedule(
                    spec.duration,
                    ClusterEvent::UpgradeAdvanced {
                        step: step as u16,
                        next: 1,
                    },
                );
            }
        }
        if !matches!(
            spec.action,
            ChaosAction::RollingUpgrade | ChaosAction::Drain(_) | ChaosAction::Rollout(_)
        ) {
            ctx.schedule(
                spec.duration,
                ClusterEvent::ChaosEnded { step: step as u16 },
            );
        }
        self.apply_hold(&hold, 1);
        self.chaos[step] = hold;
    }

    fn apply_hold(&mut self, hold: &ChaosHold, delta: i32) {
        let bump = |held: &mut u16| *held = (i32::from(*held) + delta).max(0) as u16;
        for &m in &hold.machines {
            bump(&mut self.machines[m].held);
        }
        if let Some(zone) = hold.zone {
            bump(&mut self.zones[zone].held);
        }
        if let Some(endpoint) = &mut self.endpoint
            && hold.cloud_lb
        {
            endpoint.cloud_failed = delta > 0;
        }
    }

    fn on_chaos_ended(&mut self, step: usize) {
        let hold = std::mem::take(&mut self.chaos[step]);
        self.apply_hold(&hold, -1);
    }

    /// Tries to empty the node being drained; once empty it goes down for
    /// the step's duration. Refused evictions are retried every 5 s, as
    /// `kubectl drain` does.
    fn on_drain_retried(&mut self, step: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let ChaosAction::Drain(machines) = &self.scenario.chaos[step].action else {
            return;
        };
        let (index, in_maintenance) = self.drains[step];
        if in_maintenance || index >= machines.len() {
            return;
        }
        let machine = machines[index];
        self.last_cause = self.causes.chaos[step];
        let api = self.write_ok.iter().any(|ok| *ok);
        if self.data.drain(machine, api, &self.machine_up, ctx) {
            self.drains[step].1 = true;
            let hold = ChaosHold {
                machines: vec![machine],
                ..ChaosHold::default()
            };
            self.apply_hold(&hold, 1);
            self.chaos[step] = hold;
            ctx.schedule(
                self.scenario.chaos[step].duration,
                ClusterEvent::DrainAdvanced { step: step as u16 },
            );
        } else {
            ctx.schedule(
                SimDuration::from_secs(5),
                ClusterEvent::DrainRetried { step: step as u16 },
            );
        }
    }

    fn on_drain_advanced(&mut self, step: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let ChaosAction::Drain(machines) = &self.scenario.chaos[step].action else {
            return;
        };
        self.on_chaos_ended(step);
        let (index, _) = self.drains[step];
        self.data.set_cordoned(machines[index], false);
        self.drains[step] = (index + 1, false);
        if let Some(&next) = machines.get(index + 1) {
            self.data.set_cordoned(next, true);
            self.on_drain_retried(step, ctx);
        }
    }

    fn on_upgrade_advanced(&mut self, step: usize, next: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.on_chaos_ended(step);
        if next < self.cp.len() {
            self.last_cause = self.causes.chaos[step];
            let hold = ChaosHold {
                machines: vec![self.cp[next]],
                ..ChaosHold::default()
            };
            self.apply_hold(&hold, 1);
            self.chaos[step] = hold;
            ctx.schedule(
                self.scenario.chaos[step].duration,
                ClusterEvent::UpgradeAdvanced {
                    step: step as u16,
                    next: next as u16 + 1,
                },
            );
        }
    }

    fn describe(&self, event: &ClusterEvent) -> (&'static str, String) {
        match *event {
            ClusterEvent::MachineFailed { machine, mode } => (
                "machine-failed",
                format!(
                    "{} ({})",
                    self.machines[machine as usize].name,
                    self.failure_mode(machine as usize, mode as usize).name
                ),
            ),
            ClusterEvent::MachineRepaired { machine } => (
                "machine-repaired",
                self.machines[machine as usize].name.clone(),
            ),
            ClusterEvent::ZoneFailed { zone, mode } => (
                if self.scenario.zone_failures[mode as usize].partitions {
                    "zone-partitioned"
                } else {
                    "zone-failed"
                },
                self.scenario.zones[zone as usize].clone(),
            ),
            ClusterEvent::ZoneRepaired { zone } => {
                ("zone-repaired", self.scenario.zones[zone as usize].clone())
            }
            ClusterEvent::DomainFailed { domain, mode } => (
                "domain-failed",
                format!(
                    "{} ({})",
                    self.scenario.failure_domains[domain as usize].name,
                    self.scenario.failure_domains[domain as usize].failures[mode as usize].name
                ),
            ),
            ClusterEvent::DomainRepaired { domain } => (
                "domain-repaired",
                self.scenario.failure_domains[domain as usize].name.clone(),
            ),
            ClusterEvent::NodeMarkedNotReady { node } => {
                ("node-not-ready", format!("worker node {node}"))
            }
            ClusterEvent::NodeTainted { node } => ("node-tainted", format!("worker node {node}")),
            ClusterEvent::PodEvicted { pod } => ("pod-evicted", format!("pod {pod}")),
            ClusterEvent::PodStarted { pod } => ("pod-ready", format!("pod {pod}")),
            ClusterEvent::LoadCrossed { workload } => (
                "load-crossed-capacity",
                self.scenario.workloads[workload as usize].name.clone(),
            ),
            ClusterEvent::PodFailed { pod, mode } => (
                "pod-failed",
                format!(
                    "pod {pod} ({})",
                    self.scenario.workloads[self.data.workload_of(pod as usize)].pod_failures
                        [mode as usize]
                        .name
                ),
            ),
            ClusterEvent::PodProbeFailed { pod } => ("pod-probe-failed", format!("pod {pod}")),
            ClusterEvent::PodRestarted { pod } => ("pod-restarting", format!("pod {pod}")),
            ClusterEvent::PodFlapEnded { pod } => ("pod-flap-ended", format!("pod {pod}")),
            ClusterEvent::EtcdLeaderElected => ("etcd-leader-elected", String::new()),
            ClusterEvent::EtcdMemberSynced { member } => {
                ("etcd-member-synced", format!("member {member}"))
            }
            ClusterEvent::EtcdRestored => ("etcd-restored", "from the last snapshot".to_string()),
            ClusterEvent::BackendMarked {
                balancer,
                backend,
                up,
            } => (
                "backend-marked",
                format!(
                    "balancer {balancer}: {} {}",
                    self.machines[self.cp[backend as usize]].name,
                    if up { "up" } else { "down" }
                ),
            ),
            ClusterEvent::VipTakenOver => ("vip-taken-over", String::new()),
            ClusterEvent::LeaseAcquired { lease, candidate } => (
                "lease-acquired",
                format!(
                    "{} by {}",
                    ["kube-controller-manager", "kube-scheduler"][lease as usize],
                    self.machines[self.cp[candidate as usize]].name
                ),
            ),
            ClusterEvent::LeaderSteppedDown { lease } => (
                "leader-stepped-down",
                ["kube-controller-manager", "kube-scheduler"][lease as usize].to_string(),
            ),
            ClusterEvent::StandbyPromoted => ("standby-promoted", String::new()),
            ClusterEvent::ScalerSynced { workload } => (
                "autoscaler-synced",
                self.scenario.workloads[workload as usize].name.clone(),
            ),
            ClusterEvent::SpikeStarted { workload } => (
                "load-spike-started",
                self.scenario.workloads[workload as usize].name.clone(),
            ),
            ClusterEvent::SpikeEnded { workload, spike } => (
                "load-spike-ended",
                format!(
                    "{} #{spike}",
                    self.scenario.workloads[workload as usize].name
                ),
            ),
            ClusterEvent::AutoscalerScanned => ("cluster-autoscaler-scan", String::new()),
            ClusterEvent::NodeProvisioned { machine } => {
                ("node-booted", self.machines[machine as usize].name.clone())
            }
            ClusterEvent::NodeProvisionTimedOut { machine } => (
                "node-provision-timed-out",
                self.machines[machine as usize].name.clone(),
            ),
            ClusterEvent::RepairRequested { machine } => (
                "repair-requested",
                self.machines[machine as usize].name.clone(),
            ),
            ClusterEvent::ChaosStarted { step } => (
                "chaos-started",
                self.scenario.chaos[step as usize].name.clone(),
            ),
            ClusterEvent::DrainRetried { step } => (
                "drain-attempted",
                self.scenario.chaos[step as usize].name.clone(),
            ),
            ClusterEvent::DrainAdvanced { step } => (
                "drain-maintenance-done",
                self.scenario.chaos[step as usize].name.clone(),
            ),
            ClusterEvent::ChaosEnded { step } => (
                "chaos-ended",
                self.scenario.chaos[step as usize].name.clone(),
            ),
            ClusterEvent::UpgradeAdvanced { step, next } if next as usize >= self.cp.len() => (
                "upgrade-finished",
                self.scenario.chaos[step as usize].name.clone(),
            ),
            ClusterEvent::UpgradeAdvanced { step, next } => (
                "upgrade-advanced",
                format!(
                    "{}: control-plane machine {next}",
                    self.scenario.chaos[step as usize].name
                ),
            ),
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
        self.data.start(ctx);
        for machine in 0..self.machines.len() {
            if self.machines[machine].present {
                self.arm_machine(machine, ctx);
            }
        }
        self.start_autoscaling(ctx);
        for zone in 0..self.zones.len() {
            self.arm_zone(zone, ctx);
        }
        for domain in 0..self.domains.len() {
            self.arm_domain(domain, ctx);
        }
        for (step, spec) in self.scenario.chaos.iter().enumerate() {
            ctx.schedule(spec.at, ClusterEvent::ChaosStarted { step: step as u16 });
        }
        self.refresh(ctx);
    }

    fn on(&mut self, event: ClusterEvent, ctx: &mut Ctx<'_, ClusterEvent>) {
        if self.trace.is_some() {
            let (kind, detail) = self.describe(&event);
            let now = ctx.now();
            self.note(now, kind, |_| detail);
        }
        match event {
            ClusterEvent::MachineFailed { machine, mode } => {
                let (machine, mode) = (machine as usize, mode as usize);
                self.machines[machine].failure_timers[mode] = None;
                self.fail_machine(machine, mode, ctx);
            }
            ClusterEvent::DomainFailed { domain, mode } => {
                let (domain, mode) = (domain as usize, mode as usize);
                self.domains[domain].failure_timers[mode] = None;
                Self::disarm(&mut self.domains[domain].failure_timers, ctx);
                self.domains[domain].down = true;
                self.last_cause = self.causes.domain[domain][mode];
                let repair = self.scenario.failure_domains[domain].failures[mode]
                    .time_to_repair
                    .sample(ctx.rng());
                ctx.schedule(
                    repair,
                    ClusterEvent::DomainRepaired {
                        domain: domain as u16,
                    },
                );
            }
            ClusterEvent::DomainRepaired { domain } => {
                let domain = domain as usize;
                self.domains[domain].down = false;
                self.arm_domain(domain, ctx);
            }
            ClusterEvent::RepairRequested { machine } => {
                self.on_repair_requested(machine as usize, ctx);
            }
            ClusterEvent::MachineRepaired { machine } => {
                let machine = machine as usize;
                let mode = self.machines[machine].failed_mode.take();
                self.machines[machine].broken = false;
                let manual = self.scenario.people.is_some()
                    && mode.is_some_and(|m| self.failure_mode(machine, m).manual_repair);
                if manual {
                    self.crews.busy -= 1;
                    if let Some(next) = self.crews.queue.pop_front() {
                        self.start_manual_repair(next, ctx);
                    }
                }
                // A node the cluster autoscaler removed meanwhile stays gone.
                if self.machines[machine].present {
                    self.arm_machine(machine, ctx);
                }
            }
            ClusterEvent::ZoneFailed { zone, mode } => {
                let (zone, mode) = (zone as usize, mode as usize);
                self.zones[zone].failure_timers[mode] = None;
                Self::disarm(&mut self.zones[zone].failure_timers, ctx);
                let spec = &self.scenario.zone_failures[mode];
                if spec.partitions {
                    self.zones[zone].cut = true;
                } else {
                    self.zones[zone].down = true;
                }
                self.last_cause = self.causes.zone[mode];
                let repair = spec.time_to_repair.sample(ctx.rng());
                ctx.schedule(repair, ClusterEvent::ZoneRepaired { zone: zone as u16 });
            }
            ClusterEvent::ZoneRepaired { zone } => {
                let zone = zone as usize;
                self.zones[zone].down = false;
                self.zones[zone].cut = false;
                self.arm_zone(zone, ctx);
            }
            ClusterEvent::NodeMarkedNotReady { node } => {
                self.data.on_marked_not_ready(node as usize, ctx.now());
            }
            ClusterEvent::NodeTainted { node } => self.data.on_tainted(node as usize, ctx),
            ClusterEvent::PodEvicted { pod } => {
                let controllers = self.leases[0].leading(&self.write_ok);
                self.data.on_evicted(pod as usize, controllers, ctx);
            }
            ClusterEvent::PodStarted { pod } => self.data.on_started(pod as usize, ctx),
            ClusterEvent::LoadCrossed { workload } => self.load_timers[workload as usize] = None,
            ClusterEvent::PodFailed { pod, mode } => {
                self.last_cause =
                    self.causes.pod[self.data.workload_of(pod as usize)][mode as usize];
                self.data.on_pod_failed(pod as usize, mode as usize, ctx);
            }
            ClusterEvent::PodProbeFailed { pod } => self.data.on_probe_failed(pod as usize, ctx),
            ClusterEvent::PodRestarted { pod } => self.data.on_restarted(pod as usize),
            ClusterEvent::PodFlapEnded { pod } => self.data.on_flap_ended(pod as usize, ctx),
            ClusterEvent::EtcdLeaderElected => {
                let net = Net {
                    up: &self.machine_up,
                    side: &self.machine_side,
                };
                self.etcd.on_elected(&net, ctx);
            }
            ClusterEvent::EtcdMemberSynced { member } => self.etcd.on_synced(member as usize),
            ClusterEvent::EtcdRestored => {
                let net = Net {
                    up: &self.machine_up,
                    side: &self.machine_side,
                };
                self.etcd.on_restored(&net);
            }
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
                let client_side = self.client_side();
                let net = Net {
                    up: &self.machine_up,
                    side: &self.machine_side,
                };
                if let Some(endpoint) = &mut self.endpoint {
                    endpoint.on_vip_taken_over(&net, client_side);
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
            ClusterEvent::ChaosStarted { step } => self.on_chaos_started(step as usize, ctx),
            ClusterEvent::ChaosEnded { step } => self.on_chaos_ended(step as usize),
            ClusterEvent::UpgradeAdvanced { step, next } => {
                self.on_upgrade_advanced(step as usize, next as usize, ctx);
            }
            ClusterEvent::DrainRetried { step } => self.on_drain_retried(step as usize, ctx),
            ClusterEvent::DrainAdvanced { step } => self.on_drain_advanced(step as usize, ctx),
            ClusterEvent::ScalerSynced { workload } => {
                if !self.on_scaler_synced(workload as usize, ctx) {
                    // Nothing changed but the autoscaler's own memory: plan
                    // its next sync without re-deriving the cluster.
                    self.plan_scaler(workload as usize, ctx);
                    return;
                }
            }
            ClusterEvent::SpikeStarted { workload } => {
                self.on_spike_started(workload as usize, ctx);
            }
            ClusterEvent::SpikeEnded { workload, .. } => {
                self.on_spike_ended(workload as usize, ctx)
            }
            ClusterEvent::AutoscalerScanned => self.on_autoscaler_scanned(ctx),
            ClusterEvent::NodeProvisioned { machine } => {
                self.on_node_provisioned(machine as usize, ctx);
            }
            ClusterEvent::NodeProvisionTimedOut { machine } => {
                self.on_node_provision_timed_out(machine as usize, ctx);
            }
        }
        self.refresh(ctx);
    }
}
