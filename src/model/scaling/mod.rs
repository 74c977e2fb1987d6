//! Load and autoscaling: the offered demand with its load spikes, each
//! workload's autoscaler loop (the HorizontalPodAutoscaler's arithmetic in
//! [`hpa`], or the threshold baseline), the Cluster Autoscaler, and the
//! scaling and cost tallies.
//!
//! The Cluster Autoscaler grows node groups on machine slots that the rest
//! of the model keeps (with their failure clocks); it reaches them through
//! [`MachineSlots`], so this module never depends on the model around it.

pub(crate) mod cluster_autoscaler;
mod demand;
pub mod hpa;
pub(crate) mod tally;
pub(crate) mod timeseries;
pub(crate) mod workload_autoscaler;

use cluster_autoscaler::{Action, ClusterAutoscaler, Provision};
use demand::{SpikeState, just_past};
use tally::{NodeTally, WorkloadTally};
use timeseries::{Sampler, TimeseriesRow};
use workload_autoscaler::{Observed, WorkloadAutoscaler};

use std::cell::Cell;

use rand::RngExt;

use crate::engine::{Ctx, EventKey, SimDuration, SimTime, StreamLabel};
use crate::model::dataplane::{DataPlane, PodView};
use crate::model::ids::{MachineId, SpikeSerial, WorkloadId};
use crate::outcome::{NodeOutcome, ScalingOutcome};
use crate::scenario::autoscaling::{ClusterAutoscaler as ClusterAutoscalerSpec, HpaController};
use crate::scenario::{MachineGroup, Workload};

/// The random source of metrics-server's scrape phase.
const SCRAPE_PHASE: StreamLabel = StreamLabel::new(&["metrics-server", "scrape-phase"]);
/// The random source of the Cluster Autoscaler's scan phase and random
/// expander.
const CLUSTER_AUTOSCALER: StreamLabel = StreamLabel::new(&["cluster-autoscaler"]);
/// The random source of node provisioning times.
const NODE_PROVISIONING: StreamLabel = StreamLabel::new(&["cluster-autoscaler", "provisioning"]);

/// What happens to load and scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingEvent {
    /// A workload's offered load crossed what its ready pods can serve.
    LoadCrossed {
        /// The workload.
        workload: WorkloadId,
    },
    /// A workload's autoscaler syncs (HPA sync period or threshold period).
    AutoscalerSynced {
        /// The workload.
        workload: WorkloadId,
    },
    /// A random load spike begins.
    SpikeStarted {
        /// The workload.
        workload: WorkloadId,
    },
    /// A load spike is over.
    SpikeEnded {
        /// The workload.
        workload: WorkloadId,
        /// The spike's serial number within the workload.
        spike: SpikeSerial,
    },
    /// The Cluster Autoscaler's main loop runs.
    ClusterAutoscalerScanned,
    /// A node the Cluster Autoscaler asked for has booted.
    NodeProvisioned {
        /// Its machine slot.
        machine: MachineId,
    },
    /// A requested node did not register within the provisioning timeout.
    NodeProvisionTimedOut {
        /// Its machine slot.
        machine: MachineId,
    },
}

/// The machine slots node groups grow and shrink on, as the model around
/// the Cluster Autoscaler keeps them.
pub(crate) trait MachineSlots<E> {
    /// Absent, unbroken slots of machine group `group`, in machine order.
    fn free_slots(&self, group: usize) -> Vec<MachineId>;
    /// Whether a node booting on `machine` can register (its zone and
    /// failure domain are up).
    fn can_register(&self, machine: MachineId) -> bool;
    /// The node on `machine` registered: it exists, its failure clocks run.
    fn register(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>);
    /// The node on `machine` was deleted: it is absent, its clocks stop.
    fn retire(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>);
}

/// Something the scaling loops did that a trace reports.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Note {
    /// An autoscaler changed a workload's replicas.
    Scaled {
        workload: WorkloadId,
        from: u32,
        to: u32,
    },
    /// The Cluster Autoscaler asked for a node on this slot.
    NodeRequested(MachineId),
    /// The Cluster Autoscaler removed the node on this machine.
    NodeRemoved(MachineId),
}

/// The rest of the cluster as the scaling loops see and act on it.
pub(crate) struct Cluster<'a, S> {
    pub data: &'a mut DataPlane,
    pub machine_up: &'a [bool],
    /// kube-controller-manager leads (autoscalers sync only then).
    pub controllers: bool,
    pub slots: &'a mut S,
    /// What happened, for the trace.
    pub notes: &'a mut Vec<Note>,
}

/// Moves a pending timer to `wake` (or drops it): kept as is when the time
/// is the same, so re-planning on every event costs no queue traffic.
fn reschedule<E>(
    ctx: &mut Ctx<'_, E>,
    current: Option<(EventKey, SimTime)>,
    wake: Option<SimTime>,
    event: E,
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

/// Demand, autoscalers and their records.
#[derive(Clone)]
pub(crate) struct Scaling<'s> {
    workloads: &'s [Workload],
    controller: HpaController,
    cluster_autoscaler_spec: Option<&'s ClusterAutoscalerSpec>,
    groups: &'s [MachineGroup],
    warmup: SimTime,
    /// metrics-server's scrape grid phase.
    scrape_phase: SimDuration,
    spikes: Vec<SpikeState>,
    /// Per workload: the pending load-crossing event and what it was
    /// computed for: the capacity SLI's level, the full-service level while
    /// a spike waits to be absorbed (NaN otherwise), and the spikes' extra
    /// demand.
    crossings: Vec<Option<(EventKey, [f64; 3])>>,
    /// Workload autoscalers, and the index of each workload's.
    autoscalers: Vec<WorkloadAutoscaler>,
    autoscaler_of: Vec<Option<usize>>,
    cluster_autoscaler: Option<ClusterAutoscaler>,
    /// Per workload with a load: its scaling record.
    tallies: Vec<Option<WorkloadTally>>,
    node_tally: NodeTally,
    /// Worker nodes that exist (provisioned, not removed).
    workers: usize,
    sampler: Option<Sampler>,
    /// Per workload: the last scrape's sample asked for, with the scrape
    /// and the serving pods it was computed for (every plan between two
    /// scrapes asks for the same one).
    scrape_demand: Vec<Cell<Option<(SimTime, usize, f64)>>>,
    /// A reusable buffer for a workload's pod views.
    pod_buffer: Vec<PodView>,
    /// Per workload: the pods version at which the time from which all
    /// its pods count as ready with a sample was last found, and that
    /// time (see `counted_from`).
    counted_from: Vec<Option<(u64, SimTime)>>,
}

impl<'s> Scaling<'s> {
    /// The demand and autoscalers of `workloads` (HPAs run by
    /// `controller`), and of the Cluster Autoscaler over the resizable
    /// `groups`, measured from `warmup`, with `workers` worker nodes at
    /// the start.
    pub fn new(
        workloads: &'s [Workload],
        controller: HpaController,
        cluster_autoscaler: Option<&'s ClusterAutoscalerSpec>,
        groups: &'s [MachineGroup],
        warmup: SimTime,
        workers: usize,
    ) -> Self {
        Scaling {
            workloads,
            controller,
            cluster_autoscaler_spec: cluster_autoscaler,
            groups,
            warmup,
            scrape_phase: SimDuration::ZERO,
            spikes: workloads.iter().map(|_| SpikeState::default()).collect(),
            crossings: vec![None; workloads.len()],
            autoscalers: Vec::new(),
            autoscaler_of: vec![None; workloads.len()],
            cluster_autoscaler: None,
            tallies: workloads
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
            scrape_demand: vec![Cell::new(None); workloads.len()],
            pod_buffer: Vec::new(),
            counted_from: vec![None; workloads.len()],
        }
    }

    /// Samples demand, service, replicas and nodes every `step`.
    pub fn sample_every(&mut self, step: SimDuration) {
        self.sampler = Some(Sampler::new(step, self.workloads.len()));
    }

    /// Draws the autoscalers' grid phases and the first load spikes (only
    /// for scenarios that have them, so other scenarios' random streams
    /// stay as they were); `nodes`: worker node slots.
    pub fn start<E: From<ScalingEvent>>(&mut self, nodes: usize, ctx: &mut Ctx<'_, E>) {
        if self.workloads.iter().any(|w| w.autoscaling.is_some()) {
            let resolution = self.controller.metric_resolution.as_micros() as f64;
            self.scrape_phase = SimDuration::from_micros(
                (resolution * ctx.rng(SCRAPE_PHASE).random::<f64>()) as u64,
            );
        }
        for (w, workload) in self.workloads.iter().enumerate() {
            if let Some(spec) = &workload.autoscaling {
                let stream = StreamLabel::new(&["autoscaler", "sync-phase", &workload.name]);
                let phase = ctx.rng(stream).random::<f64>();
                self.autoscaler_of[w] = Some(self.autoscalers.len());
                self.autoscalers.push(WorkloadAutoscaler::new(
                    WorkloadId::new(w),
                    spec,
                    &self.controller,
                    phase,
                ));
            }
        }
        if let Some(spec) = self.cluster_autoscaler_spec {
            let phase = ctx.rng(CLUSTER_AUTOSCALER).random::<f64>();
            self.cluster_autoscaler = Some(ClusterAutoscaler::new(spec, self.groups, nodes, phase));
        }
        for w in 0..self.workloads.len() {
            self.schedule_spike(w, ctx);
        }
    }

    /// The latest metrics-server scrape at or before `t` (time zero before
    /// the first: the metrics of the start are available).
    fn last_scrape(&self, t: SimTime) -> SimTime {
        t.grid_at_or_before(self.scrape_phase, self.controller.metric_resolution)
    }

    fn observed<'p>(
        &self,
        w: WorkloadId,
        now: SimTime,
        replicas: usize,
        pods: &'p [PodView],
        serving: usize,
    ) -> Observed<'p> {
        let scrape = self.last_scrape(now);
        let workload = &self.workloads[w.index()];
        Observed {
            now,
            replicas: u32::try_from(replicas).expect("replicas fit a u32"),
            pods,
            scrape,
            demand_at_scrape: self.demand_at_scrape(w.index(), scrape, serving),
            capacity: workload.load.as_ref().map_or(1.0, |l| l.capacity),
            request_millis: workload.requests.cpu_millis,
            pods_version: 0,
            counted: None,
        }
    }

    /// The sample of the scrape at `scrape` with `serving` pods serving:
    /// metrics-server reports the average over the window since its
    /// previous scrape (none before time zero), see `window_demand`.
    /// Remembered per workload: every plan between two scrapes asks for the
    /// same one, and the window lies wholly in the past, so the value
    /// cannot change.
    fn demand_at_scrape(&self, w: usize, scrape: SimTime, serving: usize) -> f64 {
        let cache = &self.scrape_demand[w];
        match cache.get() {
            Some((at, n, value)) if at == scrape && n == serving => value,
            _ => {
                let window_start = SimTime::from_micros(
                    scrape
                        .as_micros()
                        .saturating_sub(self.controller.metric_resolution.as_micros()),
                );
                let value = self.window_demand(w, window_start, scrape, serving);
                cache.set(Some((scrape, serving, value)));
                value
            }
        }
    }

    /// Schedules each autoscaler's next useful sync (while the controller
    /// manager leads) and the cluster autoscaler's next useful scan (while
    /// an apiserver can write), or none.
    pub fn plan<E: From<ScalingEvent>>(
        &mut self,
        controllers: bool,
        api: bool,
        data: &DataPlane,
        machine_up: &[bool],
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        for s in 0..self.autoscalers.len() {
            if controllers {
                self.plan_autoscaler(self.autoscalers[s].workload, data, machine_up, ctx);
            } else if let Some((key, _)) = self.autoscalers[s].tick.take() {
                ctx.cancel(key);
            }
        }
        if let Some(ca) = &mut self.cluster_autoscaler {
            let wake = if api {
                let nodes: Vec<_> = data.node_views().collect();
                let pending = data.unschedulable();
                ca.plan(now, &nodes, &pending)
            } else {
                None
            };
            let scan = ca.next_scan;
            let scanned = ScalingEvent::ClusterAutoscalerScanned.into();
            ca.next_scan = reschedule(ctx, scan, wake, scanned);
        }
    }

    /// Schedules workload `w`'s autoscaler's next useful sync.
    fn plan_autoscaler<E: From<ScalingEvent>>(
        &mut self,
        w: WorkloadId,
        data: &DataPlane,
        machine_up: &[bool],
        ctx: &mut Ctx<'_, E>,
    ) {
        let Some(s) = self.autoscaler_of[w.index()] else {
            return;
        };
        let now = ctx.now();
        let controller = self.controller;
        let mut pods = std::mem::take(&mut self.pod_buffer);
        pods.clear();
        let version = data.pods_version(w);
        let replicas = u32::try_from(data.replicas(w)).expect("replicas fit a u32");
        // With the pod list skipped, the count comes from the indices.
        let serving = data.serving(w, machine_up).0;
        let counted = if !self.autoscalers[s].is_hpa() {
            pods.extend(data.pod_views(w, machine_up));
            None
        } else if self.autoscalers[s].knows_ready(version, replicas) {
            None
        } else if data.live_pods(w) != data.replicas(w) || serving != data.replicas(w) {
            // A pod missing, in excess or not serving: not all counted.
            Some(false)
        } else {
            Some(now >= self.all_counted_from(w, version, data, machine_up))
        };
        let mut seen = self.observed(w, now, data.replicas(w), &pods, serving);
        seen.pods_version = version;
        seen.counted = counted;
        let extra = self.spikes[w.index()].extra;
        let demand_now = self.demand_at(w.index(), now);
        let load = self.workloads[w.index()].load.as_ref().map(|l| &l.profile);
        let exit = |lo: f64, hi: f64| {
            let load = load?;
            let t = now.as_secs_f64();
            [lo, hi]
                .into_iter()
                .filter(|level| level.is_finite())
                .filter_map(|level| load.next_crossing(t, level - extra))
                .map(just_past)
                .min()
        };
        let (phase, resolution) = (self.scrape_phase, controller.metric_resolution);
        let scrape_after = |t: SimTime| t.grid_at_or_after(phase, resolution);
        // The part of the next scrape's window already past.
        let next_scrape = (now + SimDuration::from_micros(1)).grid_at_or_after(phase, resolution);
        let past_from = SimTime::from_micros(
            next_scrape
                .as_micros()
                .saturating_sub(resolution.as_micros()),
        );
        let past = self.window_demand(w.index(), past_from.min(now), now, serving);
        let wake =
            self.autoscalers[s].plan(&seen, [demand_now, past], &controller, exit, scrape_after);
        self.pod_buffer = pods;
        let tick = self.autoscalers[s].tick;
        let synced = ScalingEvent::AutoscalerSynced { workload: w }.into();
        self.autoscalers[s].tick = reschedule(ctx, tick, wake, synced);
    }

    /// The first time from which every pod of workload `w` counts as ready
    /// with a sample (until its pods change), remembered per pods version:
    /// events elsewhere in the cluster leave it as it is.
    fn all_counted_from(
        &mut self,
        w: WorkloadId,
        version: u64,
        data: &DataPlane,
        machine_up: &[bool],
    ) -> SimTime {
        match self.counted_from[w.index()] {
            Some((at, from)) if at == version => from,
            _ => {
                let from = data
                    .pod_views(w, machine_up)
                    .map(|p| {
                        workload_autoscaler::counted_from(&p, self.scrape_phase, &self.controller)
                    })
                    .max()
                    .unwrap_or(SimTime::ZERO);
                self.counted_from[w.index()] = Some((version, from));
                from
            }
        }
    }

    /// Reacts to one of its events. Returns whether the cluster must be
    /// re-derived: false after a sync that changed nothing but the
    /// autoscaler's own memory (its next sync is planned here instead).
    pub fn on<E: From<ScalingEvent>, S: MachineSlots<E>>(
        &mut self,
        event: ScalingEvent,
        mut cluster: Cluster<'_, S>,
        ctx: &mut Ctx<'_, E>,
    ) -> bool {
        match event {
            ScalingEvent::LoadCrossed { workload } => self.crossings[workload.index()] = None,
            ScalingEvent::AutoscalerSynced { workload } => {
                if !self.on_synced(workload, &mut cluster, ctx) {
                    self.plan_autoscaler(workload, cluster.data, cluster.machine_up, ctx);
                    return false;
                }
            }
            ScalingEvent::SpikeStarted { workload } => {
                self.on_spike_started(workload.index(), ctx);
            }
            ScalingEvent::SpikeEnded { workload, .. } => {
                self.on_spike_ended(workload.index(), ctx.now());
            }
            ScalingEvent::ClusterAutoscalerScanned => self.on_scanned(cluster, ctx),
            ScalingEvent::NodeProvisioned { machine } => {
                self.on_node_provisioned(machine, cluster, ctx);
            }
            ScalingEvent::NodeProvisionTimedOut { machine } => {
                self.on_node_provision_timed_out(machine, ctx);
            }
        }
        true
    }

    /// An autoscaler's sync: a decision changes the workload's replicas.
    /// Returns whether anything changed.
    fn on_synced<E, S>(
        &mut self,
        w: WorkloadId,
        cluster: &mut Cluster<'_, S>,
        ctx: &mut Ctx<'_, E>,
    ) -> bool {
        let Some(s) = self.autoscaler_of[w.index()] else {
            return false;
        };
        self.autoscalers[s].tick = None;
        if !cluster.controllers {
            return false;
        }
        let now = ctx.now();
        let data = &*cluster.data;
        let pods: Vec<PodView> = data.pod_views(w, cluster.machine_up).collect();
        let serving = data.serving(w, cluster.machine_up).0;
        let seen = self.observed(w, now, data.replicas(w), &pods, serving);
        let controller = self.controller;
        let Some(decision) = self.autoscalers[s].sync(&seen, &controller) else {
            return false;
        };
        let up = decision.to > decision.from;
        let flap = self.autoscalers[s].note_change(now, up);
        cluster.data.set_replicas(w, decision.to as usize);
        if let Some(tally) = &mut self.tallies[w.index()] {
            tally.decided(now, up, flap);
        }
        cluster.notes.push(Note::Scaled {
            workload: w,
            from: decision.from,
            to: decision.to,
        });
        true
    }

    /// The cluster autoscaler's scan: provision or remove nodes.
    fn on_scanned<E: From<ScalingEvent>, S: MachineSlots<E>>(
        &mut self,
        cluster: Cluster<'_, S>,
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        let data = cluster.data;
        let nodes: Vec<_> = data.node_views().collect();
        let pending = data.unschedulable();
        let Some(ca) = &mut self.cluster_autoscaler else {
            return;
        };
        ca.next_scan = None;
        let machine_up = cluster.machine_up;
        let actions = ca.scan(
            now,
            &nodes,
            &pending,
            |node| data.pods_on(node),
            |node| data.evictable(node, machine_up),
            ctx.rng(CLUSTER_AUTOSCALER),
        );
        for action in actions {
            match action {
                Action::ScaleUp {
                    group,
                    nodes: count,
                } => {
                    ca.note_scale_up(now);
                    let busy: Vec<MachineId> = ca.provisioning.iter().map(|p| p.machine).collect();
                    let free: Vec<MachineId> = cluster
                        .slots
                        .free_slots(group)
                        .into_iter()
                        .filter(|m| !busy.contains(m))
                        .take(count)
                        .collect();
                    for machine in free {
                        let boot = ca.provisioning_time().sample(ctx.rng(NODE_PROVISIONING));
                        let keys = [
                            ctx.schedule(boot, ScalingEvent::NodeProvisioned { machine }.into()),
                            ctx.schedule(
                                ca.max_provision_time(),
                                ScalingEvent::NodeProvisionTimedOut { machine }.into(),
                            ),
                        ];
                        ca.provisioning.push(Provision {
                            machine,
                            group,
                            keys,
                        });
                        cluster.notes.push(Note::NodeRequested(machine));
                    }
                }
                Action::Remove { machine } => {
                    data.remove_node(machine, ctx);
                    cluster.slots.retire(machine, ctx);
                    self.workers -= 1;
                    if now >= self.warmup {
                        self.node_tally.out.nodes_removed += 1;
                    }
                    cluster.notes.push(Note::NodeRemoved(machine));
                }
            }
        }
    }

    /// A requested node boots: it registers unless its zone is down.
    fn on_node_provisioned<E, S: MachineSlots<E>>(
        &mut self,
        machine: MachineId,
        cluster: Cluster<'_, S>,
        ctx: &mut Ctx<'_, E>,
    ) {
        if !cluster.slots.can_register(machine) {
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
        self.workers += 1;
        cluster.data.add_node(machine);
        cluster.slots.register(machine, ctx);
        if ctx.now() >= self.warmup {
            self.node_tally.out.nodes_added += 1;
        }
    }

    /// A requested node never registered: the scale-up failed.
    fn on_node_provision_timed_out<E>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
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
        if now >= self.warmup {
            self.node_tally.out.failed_provisions += 1;
        }
    }

    /// Writes the time-series rows due before `until` (through `until`
    /// when `inclusive`).
    pub fn sample_until(&mut self, until: SimTime, inclusive: bool) {
        if let Some(sampler) = &mut self.sampler {
            sampler.sample_until(until, inclusive, self.workloads);
        }
    }

    /// After an event: the worker count enters the node tally and the time
    /// series.
    pub fn observe_nodes(&mut self, now: SimTime) {
        self.node_tally.set(now, self.workers);
        if let Some(sampler) = &mut self.sampler {
            sampler.nodes = self.workers;
        }
    }

    /// The scaling records at `horizon`: per workload with a load, the
    /// worker nodes, and the sampled rows.
    pub fn finish(
        mut self,
        horizon: SimTime,
    ) -> (Vec<ScalingOutcome>, NodeOutcome, Vec<TimeseriesRow>) {
        self.sample_until(horizon, true);
        let scaling = self
            .tallies
            .into_iter()
            .zip(self.workloads)
            .filter_map(|(tally, w)| {
                let load = &w.load.as_ref()?.profile;
                Some(tally?.finish(horizon, load))
            })
            .collect();
        let rows = self.sampler.map(Sampler::into_rows).unwrap_or_default();
        (scaling, self.node_tally.finish(horizon), rows)
    }
}
