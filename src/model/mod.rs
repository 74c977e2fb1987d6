//! Kubernetes HA semantics on top of the engine: the cluster as the parts
//! Kubernetes is made of, each in its own module, wired together here.
//!
//! - `faults` (hub): machines, zones and shared failure domains
//!   failing and being repaired, common causes, repair crews;
//! - `chaos` (hub): injected faults and planned work;
//! - `control_plane/`: etcd, the apiservers, the API endpoint, the leader
//!   leases, active/standby failover;
//! - `dataplane/`: worker nodes and their lifecycle, pods and their probes,
//!   placement;
//! - `scaling/`: demand and load spikes, the HPA and the workload
//!   autoscaler loop, the Cluster Autoscaler, the scaling tallies;
//! - `record` (hub): the SLIs, from one table, and the causes outages are
//!   charged to; `trace` (hub): the event timeline in words;
//! - [`event`]: [`ClusterEvent`], one family of events per part;
//!   [`ids`]: the typed indices the parts and events use.
//!
//! The parts under `control_plane/`, `dataplane/` and `scaling/` never
//! name this hub: each declares its own event family and schedules it
//! into any engine event type that converts from it, and receives its
//! slice of the scenario once, at construction.
//!
//! May import: `engine`, `dist`, `load`, `scenario`, `outcome`. Never
//! statistics, threads, files or output formats.
//!
//! After every event the model re-derives everything that depends on
//! component state (network, etcd, apiservers, endpoint, leases, data
//! plane, autoscalers, SLIs) in one pass, in that order; a part schedules a
//! timer only when its state calls for one, so timers that cannot fire are
//! never simulated. Every draw comes from the replication's one random
//! stream, so the order of draws and schedules within an event is part of
//! the model's behaviour.

mod branching;
mod chaos;
mod control_plane;
mod dataplane;
pub mod estimate;
pub mod event;
mod faults;
pub mod ids;
mod processes;
mod record;
mod scaling;
mod trace;

pub use branching::splittable;
pub use event::ClusterEvent;
pub use record::{NO_FAULT, ReplicationOutcome, cause_labels, sli_names, zone_mode_label};
pub use scaling::hpa;
pub use scaling::timeseries::TimeseriesRow;
pub use trace::TraceEntry;

use chaos::Chaos;
use control_plane::etcd::{CrewCall, EtcdEvent};
use control_plane::{ControlPlane, Net, StaticPods};
use dataplane::{ControlPlaneView, DataPlane, WorkerSlot};
use faults::{FaultEffect, Faults};
use ids::{MachineId, ZoneId};
use processes::Processes;
use record::{Attribution, Slis};
use scaling::{Cluster, Note, Scaling};
use trace::ScenarioNames;

use crate::engine::{Ctx, Handler, SimDuration, SimTime};
use crate::scenario::{Process, Role, Scenario};

/// Which machines run and which side of any partition each is on, as of
/// the last refresh: events are handled against it.
#[derive(Clone)]
struct Network {
    /// `up[m]`: machine m runs.
    up: Vec<bool>,
    /// `side[m]`: machine m's side of any partition (0 unless partitioned).
    side: Vec<u64>,
    /// The clients' side (and a cloud load balancer's).
    client_side: u64,
    /// `kubelet_connected[m]`: machine m's kubelet reaches a writable
    /// apiserver (kept here so refreshes reuse the buffer).
    kubelet_connected: Vec<bool>,
    /// `etcd_up[m]`: machine m runs and so does its etcd process.
    etcd_up: Vec<bool>,
    /// Per control-plane machine: its kube-apiserver,
    /// kube-controller-manager and kube-scheduler serve.
    apiserver: Vec<bool>,
    controller_manager: Vec<bool>,
    scheduler: Vec<bool>,
    /// `zone_side[z]`: zone z's side (every machine there is on it).
    zone_side: Vec<u64>,
    /// `zone_writable[z]`: a writable apiserver is on zone z's side.
    zone_writable: Vec<bool>,
    /// The faults' change count `up` was last found at.
    faults_seen: Option<u64>,
}

/// The simulated cluster.
#[derive(Clone)]
pub struct ClusterModel<'s> {
    faults: Faults<'s>,
    processes: Processes<'s>,
    chaos: Chaos<'s>,
    network: Network,
    clients_zone: ZoneId,
    control_plane: ControlPlane,
    data: DataPlane,
    scaling: Scaling<'s>,
    attribution: Attribution,
    slis: Slis,
    warmup: SimTime,
    names: ScenarioNames<'s>,
    trace: Option<Vec<TraceEntry>>,
    /// What the scaling loops did while handling the current event.
    notes: Vec<Note>,
    /// The weight of this branch of a split replication (1 unsplit).
    weight: f64,
    /// The weight each etcd disaster happened at, in order.
    loss_weights: Vec<f64>,
    /// Events handled, by family ([`ClusterEvent::family`]): what a
    /// replication that ran out of events spent them on.
    by_family: [u64; ClusterEvent::FAMILIES.len()],
}

impl<'s> ClusterModel<'s> {
    /// Builds the cluster of `scenario`, all up.
    pub fn new(scenario: &'s Scenario) -> Self {
        // Machines are numbered across the groups in order; each plays its
        // group's part.
        let mut control_plane = Vec::new();
        let mut etcd_hosts = Vec::new();
        let mut lb_hosts = Vec::new();
        let mut workers = Vec::new();
        let mut next = 0;
        for (g, group) in scenario.groups.iter().enumerate() {
            let initial = group.autoscaling.map_or(group.zones.len(), |a| a.initial);
            for (slot, (&zone, _)) in group.zones.iter().zip(&group.domains).enumerate() {
                let machine = MachineId::new(next);
                next += 1;
                match group.role {
                    Role::ControlPlane => control_plane.push(machine),
                    Role::Etcd => etcd_hosts.push(machine),
                    Role::LoadBalancer => lb_hosts.push(machine),
                    Role::Worker => workers.push(WorkerSlot {
                        machine,
                        zone: ZoneId::new(zone),
                        group: g,
                        allocatable: group.allocatable,
                        present: slot < initial,
                    }),
                }
            }
        }
        let faults = Faults::new(
            &scenario.groups,
            &scenario.zones,
            &scenario.zone_failures,
            &scenario.failure_domains,
            scenario.people.as_ref(),
            scenario.automatic_repair_crews,
        );
        let warmup = SimTime::ZERO + scenario.warmup;
        let present_workers = workers.iter().filter(|w| w.present).count();
        let machines = faults.machine_count();
        let control_plane_count = control_plane.len();
        ClusterModel {
            chaos: Chaos::new(&scenario.chaos),
            processes: Processes::new(&scenario.groups),
            network: Network {
                up: vec![true; machines],
                side: vec![0; machines],
                client_side: 0,
                kubelet_connected: vec![false; machines],
                etcd_up: vec![true; machines],
                apiserver: vec![true; control_plane_count],
                controller_manager: vec![true; control_plane_count],
                scheduler: vec![true; control_plane_count],
                zone_side: vec![0; scenario.zones.len()],
                zone_writable: vec![false; scenario.zones.len()],
                faults_seen: None,
            },
            clients_zone: ZoneId::new(scenario.clients_zone),
            control_plane: ControlPlane::new(
                &scenario.control_plane,
                control_plane,
                etcd_hosts,
                lb_hosts,
            ),
            data: DataPlane::new(
                workers,
                scenario.zones.len(),
                scenario.workloads.clone(),
                scenario.node_lifecycle,
            ),
            scaling: Scaling::new(
                &scenario.workloads,
                scenario.hpa_controller,
                scenario.cluster_autoscaler.as_ref(),
                &scenario.groups,
                warmup,
                present_workers,
            ),
            attribution: Attribution::new(scenario),
            slis: Slis::new(scenario),
            warmup,
            names: ScenarioNames::new(scenario),
            trace: None,
            notes: Vec::new(),
            weight: 1.0,
            loss_weights: Vec::new(),
            by_family: [0; ClusterEvent::FAMILIES.len()],
            faults,
        }
    }

    /// Samples demand, service, replicas and nodes every `step` (for
    /// `--timeseries`).
    pub fn with_timeseries(mut self, step: SimDuration) -> Self {
        self.scaling.sample_every(step);
        self
    }

    /// Records the event timeline (for `--trace`).
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    /// Events handled so far by family, most first, as (what they are,
    /// how many).
    pub fn events_by_family(&self) -> Vec<(&'static str, u64)> {
        let mut counts: Vec<_> = ClusterEvent::FAMILIES
            .iter()
            .copied()
            .zip(self.by_family)
            .filter(|&(_, n)| n > 0)
            .collect();
        counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        counts
    }

    /// Closes the books at `horizon` (the simulation must have run to it).
    pub fn finish(self, horizon: SimTime, events: u64) -> ReplicationOutcome {
        let (data_losses_secs, data_loss_weights) = self.weighted_losses(horizon);
        let (scaling, nodes, timeseries) = self.scaling.finish(horizon);
        ReplicationOutcome {
            slis: self.slis.finish(horizon),
            data_losses_secs,
            data_loss_weights,
            scaling,
            nodes,
            events,
            timeseries,
            trace: self.trace.unwrap_or_default(),
        }
    }

    /// Which side of the active partitions a zone is on: random partitions
    /// cut one zone off alone (bit = zone index), a chaos partition puts its
    /// zones together on one side.
    fn zone_side(&self, zone: ZoneId) -> u64 {
        let cut = if self.faults.cut(zone) {
            1u64 << (zone.index() % 32)
        } else {
            0
        };
        cut | self.chaos.partition_side(zone)
    }

    /// Re-derives everything from component state, then records the SLIs.
    fn refresh(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        // Sides are per zone: found once per zone, not per machine. The
        // machines are walked only when a side or a fault moved.
        // Process failures change what a machine serves without a fault:
        // with any, every event walks the machines.
        let mut machines_changed =
            self.processes.can_fail() || self.network.faults_seen != Some(self.faults.changes());
        for z in 0..self.network.zone_side.len() {
            let side = self.zone_side(ZoneId::new(z));
            machines_changed |= side != self.network.zone_side[z];
            self.network.zone_side[z] = side;
        }
        if machines_changed {
            self.network.faults_seen = Some(self.faults.changes());
            for m in 0..self.network.up.len() {
                let machine = MachineId::new(m);
                self.network.up[m] = self.faults.runs(machine);
                self.network.side[m] = self.network.zone_side[self.faults.zone_of(machine).index()];
            }
        }
        self.processes.follow_machines(&self.network.up, ctx);
        if machines_changed {
            self.follow_processes();
        }
        self.network.client_side = self.zone_side(self.clients_zone);
        let net = Net::new(&self.network.up, &self.network.side);
        let etcd_net = Net::new(&self.network.etcd_up, &self.network.side);
        let pods = StaticPods {
            apiserver: &self.network.apiserver,
            controller_manager: &self.network.controller_manager,
            scheduler: &self.network.scheduler,
        };
        if self
            .control_plane
            .refresh(&net, &etcd_net, &pods, self.network.client_side, ctx)
        {
            self.attribution.etcd_disaster();
            self.loss_weights.push(self.weight);
            self.note_disaster(ctx.now());
        }
        // Kubelets heartbeat through any writable apiserver on their side.
        let mut connectivity_changed = machines_changed;
        for z in 0..self.network.zone_side.len() {
            let writable = self.control_plane.writable_from(self.network.zone_side[z]);
            connectivity_changed |= writable != self.network.zone_writable[z];
            self.network.zone_writable[z] = writable;
        }
        if connectivity_changed {
            for m in 0..self.network.up.len() {
                let machine = MachineId::new(m);
                let zone = self.faults.zone_of(machine).index();
                self.network.kubelet_connected[m] = self.network.up[m]
                    && self.processes.serves(machine, Process::Kubelet)
                    && self.network.zone_writable[zone];
            }
        }
        let view = ControlPlaneView {
            machines_changed: connectivity_changed,
            machine_up: &self.network.up,
            kubelet_connected: &self.network.kubelet_connected,
            controllers: self.control_plane.controllers_lead(),
            scheduler: self.control_plane.scheduler_leads(),
        };
        self.data.refresh(&view, ctx);
        self.scaling.plan(
            view.controllers,
            self.control_plane.api_writable(),
            &self.data,
            &self.network.up,
            ctx,
        );
        self.record(ctx);
    }
}

impl ClusterModel<'_> {
    /// Brings what the control plane sees of its processes in line with
    /// them. A worker whose container runtime is down runs no containers:
    /// to the data plane its machine is as good as down.
    fn follow_processes(&mut self) {
        let processes = &self.processes;
        for m in 0..self.network.up.len() {
            let machine = MachineId::new(m);
            self.network.etcd_up[m] =
                self.network.up[m] && processes.serves(machine, Process::Etcd);
            if self.faults.role_of(machine) == Role::Worker {
                self.network.up[m] &= processes.serves(machine, Process::ContainerRuntime);
            }
        }
        for (i, &machine) in self.control_plane.machines().iter().enumerate() {
            self.network.apiserver[i] = processes.serves(machine, Process::KubeApiserver);
            self.network.controller_manager[i] =
                processes.serves(machine, Process::KubeControllerManager);
            self.network.scheduler[i] = processes.serves(machine, Process::KubeScheduler);
        }
    }
}

/// Passes what a fault (or a crew) asks for on to etcd; `crewed` notes
/// that a crew took up the disaster recovery.
fn on_fault_effect<E: From<EtcdEvent>>(
    etcd: &mut control_plane::etcd::EtcdCluster,
    effect: FaultEffect,
    crewed: &mut bool,
    ctx: &mut Ctx<'_, E>,
) {
    match effect {
        FaultEffect::DiskLost(machine) => etcd.disk_lost(machine, ctx),
        FaultEffect::EtcdRecoveryCrewed => {
            etcd.start_recovery(ctx);
            *crewed = true;
        }
    }
}

impl ClusterModel<'_> {
    /// An etcd event; a disaster's recovery takes a crew from, and gives
    /// it back to, the crews that repair machines (one FIFO queue).
    fn on_etcd(&mut self, event: EtcdEvent, ctx: &mut Ctx<'_, ClusterEvent>) {
        match event {
            EtcdEvent::Restored | EtcdEvent::Rebuilt => self.attribution.disaster_recovered(),
            EtcdEvent::QuotaExceeded => self.attribution.out_of_space(),
            EtcdEvent::SpaceReclaimed => self.attribution.space_reclaimed(),
            EtcdEvent::DiskStalled { member }
                if self.control_plane.etcd.leader == Some(member.index()) =>
            {
                self.attribution.leader_disk_stalled();
            }
            EtcdEvent::DiskRecovered { .. } => self.attribution.disk_recovered(),
            _ => {}
        }
        let net = Net::new(&self.network.etcd_up, &self.network.side);
        let call = self.control_plane.etcd.on(event, &net, ctx);
        let etcd = &mut self.control_plane.etcd;
        let mut crewed = false;
        let effect = |effect, ctx: &mut Ctx<'_, ClusterEvent>| {
            on_fault_effect(etcd, effect, &mut crewed, ctx);
        };
        match call {
            Some(CrewCall::Request) => self.faults.request_etcd_recovery(ctx, effect),
            Some(CrewCall::Release) => self.faults.release_etcd_recovery(ctx, effect),
            None => {}
        }
        if crewed {
            self.note_recovery_started(ctx.now());
        }
    }
}

impl Handler for ClusterModel<'_> {
    type Event = ClusterEvent;

    fn start(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        // The order of the parts' first draws is the random stream's order.
        self.control_plane.start(ctx);
        self.data.start(ctx);
        self.faults.arm_machines(ctx);
        let nodes = self.data.node_views().count();
        self.scaling.start(nodes, ctx);
        self.faults.arm_zones_and_domains(ctx);
        self.chaos.start(ctx);
        self.refresh(ctx);
    }

    fn on(&mut self, event: ClusterEvent, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        self.by_family[event.family()] += 1;
        self.note_event(now, event);
        let net = Net::new(&self.network.up, &self.network.side);
        match event {
            ClusterEvent::Fault(event) => {
                let etcd = &mut self.control_plane.etcd;
                let mut crewed = false;
                self.faults
                    .on(event, &mut self.attribution, ctx, |effect, ctx| {
                        on_fault_effect(etcd, effect, &mut crewed, ctx);
                    });
                if crewed {
                    self.note_recovery_started(now);
                }
            }
            ClusterEvent::Etcd(event) => self.on_etcd(event, ctx),
            ClusterEvent::Endpoint(event) => {
                self.control_plane
                    .endpoint
                    .on(event, &net, self.network.client_side, now);
            }
            ClusterEvent::Lease(event) => self.control_plane.on_lease(event, ctx),
            ClusterEvent::Standby(event) => self.control_plane.on_standby(event, &net),
            ClusterEvent::Cert(event) => {
                match event {
                    event::CertEvent::Expired => self.attribution.certificates_expired(),
                    event::CertEvent::Renewed => self.attribution.certificates_renewed(),
                }
                self.control_plane.certificates.on(event, ctx);
            }
            ClusterEvent::Data(event) => {
                if let dataplane::DataEvent::PodFailed { pod, mode } = event {
                    self.attribution
                        .pod_failure(self.data.workload_of(pod), mode);
                }
                let controllers = self.control_plane.controllers_lead();
                self.data.on(event, controllers, ctx);
            }
            ClusterEvent::Scaling(event) => {
                let cluster = Cluster {
                    data: &mut self.data,
                    machine_up: &self.network.up,
                    controllers: self.control_plane.controllers_lead(),
                    slots: &mut self.faults,
                    notes: &mut self.notes,
                };
                let changed = self.scaling.on(event, cluster, ctx);
                self.note_scaling(now);
                if !changed {
                    return;
                }
            }
            ClusterEvent::Chaos(event) => self.on_chaos(event, ctx),
            ClusterEvent::Process(event) => {
                self.processes.on(event, &mut self.attribution, ctx);
            }
        }
        self.refresh(ctx);
    }
}
