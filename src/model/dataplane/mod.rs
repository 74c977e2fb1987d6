//! The data plane: worker nodes, pods and workloads under the real
//! recovery timers (docs/kubernetes-defaults.md §2-§4).
//!
//! A node whose kubelet stops heartbeating (machine down, or cut off from
//! every writable apiserver) is marked NotReady at the first node-monitor
//! tick `grace_period` after its last lease renewal — counted from when the
//! current controller-manager leader started, since a new leader gives
//! every node a fresh grace period. Its pods leave the Service endpoints
//! then. The node is tainted through a per-zone rate limiter (none at all
//! while every zone is fully disrupted), and its pods are evicted when
//! their toleration runs out. A Deployment's ReplicaSet replaces an evicted
//! pod at once; a StatefulSet's pod stays Terminating until its kubelet
//! confirms, i.e. until the node is back. Replacements need the controller
//! manager, placement needs the scheduler and free capacity that satisfies
//! the spread and anti-affinity rules, and a placed pod is ready after its
//! start-up time. With the control plane down, running pods keep serving
//! and nothing is replaced.
//!
//! Nodes and their lifecycle are in `nodes`, pods and their probes in
//! `pods`, the scheduler and the workload controllers in `placement`.

use std::collections::BTreeSet;

mod index;
mod nodes;
mod order;
mod placement;
mod pods;

use rand::RngExt;

pub(crate) use pods::{BACKOFF_RESET, crash_loop_backoff};

use index::PodIndex;
use nodes::Node;
use order::NodeOrder;
use pods::{Pod, PodState};

use crate::engine::{Ctx, SimDuration, SimTime, StreamLabel};
use crate::model::ids::{MachineId, ModeId, NodeId, PodId, WorkloadId, ZoneId};
use crate::scenario::{NodeLifecycle, Resources, Workload};

/// What happens to nodes and pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataEvent {
    /// The node lifecycle controller marked a silent node NotReady.
    NodeMarkedNotReady {
        /// The node.
        node: NodeId,
    },
    /// The node got its NoExecute taint (through the zone rate limiter).
    NodeTainted {
        /// The node.
        node: NodeId,
    },
    /// A pod's toleration of the taint ran out.
    PodEvicted {
        /// The pod.
        pod: PodId,
    },
    /// A pod's containers started and its readiness probe passed.
    PodStarted {
        /// The pod.
        pod: PodId,
    },
    /// A pod-level fault: a container crashed, hung, or stopped being ready.
    PodFailed {
        /// The pod.
        pod: PodId,
        /// Pod failure mode of its workload.
        mode: ModeId,
    },
    /// The probes noticed a hung or unready pod.
    PodProbeFailed {
        /// The pod.
        pod: PodId,
    },
    /// A crashed or killed container's CrashLoopBackOff delay is over.
    PodRestarted {
        /// The pod.
        pod: PodId,
    },
    /// A readiness flap ended.
    PodFlapEnded {
        /// The pod.
        pod: PodId,
    },
}

/// What the data plane needs to know about the rest of the cluster.
pub(crate) struct ControlPlaneView<'a> {
    /// `machine_up` or `kubelet_connected` may differ from the last
    /// refresh's (otherwise only the nodes events touched are looked at).
    pub machines_changed: bool,
    pub machine_up: &'a [bool],
    /// Whether each machine's kubelet reaches a writable apiserver.
    pub kubelet_connected: &'a [bool],
    /// kube-controller-manager leads and can write.
    pub controllers: bool,
    /// kube-scheduler leads and can write.
    pub scheduler: bool,
}

/// A worker machine slot, as the data plane is built from it.
pub(crate) struct WorkerSlot {
    pub machine: MachineId,
    pub zone: ZoneId,
    /// Its machine group (scenario index).
    pub group: usize,
    pub allocatable: Resources,
    /// It exists from the start (not a slot left for the cluster
    /// autoscaler).
    pub present: bool,
}

/// Worker nodes, pods and workloads.
#[derive(Clone)]
pub(crate) struct DataPlane {
    nodes: Vec<Node>,
    pods: Vec<Pod>,
    workloads: Vec<Workload>,
    lifecycle: NodeLifecycle,
    zone_next_taint: Vec<SimTime>,
    monitor_phase: SimDuration,
    /// Since when the current controller-manager leader has led.
    controllers_since: Option<SimTime>,
    /// The time of the current refresh (pods bound now start now).
    now: SimTime,
    /// Current template revision of each workload.
    revisions: Vec<u32>,
    /// Each workload's random sources.
    streams: Vec<WorkloadStreams>,
    /// Indices over `pods`, kept in step with them.
    index: PodIndex,
    /// Bumped whenever a node's eligibility or free capacity changes other
    /// than by a pod's binding.
    node_epoch: u64,
    /// Per workload: the (bindings, node epoch) at which placing one of
    /// its pods last failed; it fails again until either moves.
    unplaceable: Vec<Option<(u64, u64)>>,
    /// A reusable buffer of pod indices.
    scratch: Vec<usize>,
    /// Per workload and zone, the nodes its pods may be placed on in the
    /// scheduler's order of preference.
    order: NodeOrder,
    /// Nodes the next refresh must look at even when no machine changed:
    /// touched by an event since the last one, or waiting for a taint.
    node_watch: BTreeSet<usize>,
}

/// The random sources of one workload's pods, named after the workload
/// (and the failure mode), so other workloads' draws leave them alone.
#[derive(Clone)]
struct WorkloadStreams {
    startup: StreamLabel,
    probes: StreamLabel,
    failures: Vec<StreamLabel>,
}

impl WorkloadStreams {
    fn new(workload: &Workload) -> Self {
        let label = |what: &str, mode: &str| StreamLabel::new(&["pod", what, &workload.name, mode]);
        WorkloadStreams {
            startup: label("startup", ""),
            probes: label("probes", ""),
            failures: workload
                .pod_failures
                .iter()
                .map(|f| label("fail", &f.name))
                .collect(),
        }
    }
}

/// The random source of the node monitor's phase.
const NODE_MONITOR_PHASE: StreamLabel = StreamLabel::new(&["node-lifecycle", "monitor-phase"]);
/// The random source of the kubelets' lease-renewal phases.
const NODE_LEASE_PHASES: StreamLabel = StreamLabel::new(&["node-lifecycle", "lease-phase"]);

impl DataPlane {
    /// Nodes on `workers` (in machine order) in `zones` zones, running
    /// `workloads` under the node `lifecycle` timers; no pod yet.
    pub fn new(
        workers: Vec<WorkerSlot>,
        zones: usize,
        workloads: Vec<Workload>,
        lifecycle: NodeLifecycle,
    ) -> Self {
        let nodes: Vec<Node> = workers
            .into_iter()
            .map(|w| Node::new(w.machine, w.zone, w.group, w.allocatable, w.present))
            .collect();
        let mut data = DataPlane {
            index: PodIndex::new(workloads.len(), nodes.len(), zones),
            node_epoch: 0,
            unplaceable: vec![None; workloads.len()],
            scratch: Vec::new(),
            order: NodeOrder::new(workloads.len(), nodes.len(), zones),
            node_watch: BTreeSet::new(),
            nodes,
            pods: Vec::new(),
            revisions: vec![0; workloads.len()],
            streams: workloads.iter().map(WorkloadStreams::new).collect(),
            workloads,
            lifecycle,
            zone_next_taint: vec![SimTime::ZERO; zones],
            monitor_phase: SimDuration::ZERO,
            controllers_since: Some(SimTime::ZERO),
            now: SimTime::ZERO,
        };
        for n in 0..data.nodes.len() {
            data.refile_node(n);
        }
        data
    }

    /// Places every workload's pods on a healthy cluster at time zero,
    /// already running.
    pub fn start<E: From<DataEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        let period = self.lifecycle.monitor_period.as_micros() as f64;
        self.monitor_phase =
            SimDuration::from_micros((period * ctx.rng(NODE_MONITOR_PHASE).random::<f64>()) as u64);
        for w in 0..self.workloads.len() {
            for _ in 0..self.workloads[w].replicas {
                let pod = self.new_pod(w);
                if let Some(node) = self.choose_node(pod) {
                    self.bind(pod, node);
                    self.on_started(pod, ctx);
                }
            }
        }
    }

    /// Brings node marks, taints, evictions, replacements, placement and
    /// container starts in line with the rest of the cluster.
    pub fn refresh<E: From<DataEvent>>(
        &mut self,
        view: &ControlPlaneView<'_>,
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        self.now = now;
        let leader_changed = match (view.controllers, self.controllers_since) {
            (true, None) => {
                self.controllers_since = Some(now);
                true
            }
            (false, Some(_)) => {
                self.controllers_since = None;
                true
            }
            _ => false,
        };
        // A node's refresh depends on its machine, its kubelet's
        // connection, the controller-manager leader and its own state: with
        // the first three as before, only nodes whose state an event moved
        // (or that wait for a taint) can have anything to do.
        let watched = std::mem::take(&mut self.node_watch);
        if view.machines_changed || leader_changed {
            for node in 0..self.nodes.len() {
                self.refresh_watched_node(node, view, ctx);
            }
        } else {
            for node in watched {
                self.refresh_watched_node(node, view, ctx);
            }
        }
        if view.controllers {
            // Evicting a pod takes it out of the set and adds no other.
            while let Some(&pod) = self.index.due.first() {
                self.evict(pod, ctx);
            }
            // ReplicaSet / StatefulSet / Deployment controllers.
            for w in 0..self.workloads.len() {
                self.reconcile(w, view.machine_up, ctx);
            }
        }
        if view.scheduler {
            self.schedule_pending();
        }
        self.start_containers(view.machine_up, ctx);
        #[cfg(debug_assertions)]
        self.assert_index();
        #[cfg(debug_assertions)]
        self.assert_order();
    }

    /// Refreshes node `node`, skipping the common case with nothing to do,
    /// and keeps it watched while it waits for a taint.
    fn refresh_watched_node<E: From<DataEvent>>(
        &mut self,
        node: usize,
        view: &ControlPlaneView<'_>,
        ctx: &mut Ctx<'_, E>,
    ) {
        let machine = self.nodes[node].machine.index();
        self.index.set_down(node, !view.machine_up[machine]);
        // Most nodes are Ready with a connected kubelet and nothing
        // pending: refreshing them would change nothing.
        if !self.nodes[node].present
            || (view.kubelet_connected[machine] && self.nodes[node].quiet())
        {
            return;
        }
        self.refresh_node(node, view, ctx);
        if self.nodes[node].awaits_taint() {
            self.node_watch.insert(node);
        }
    }

    /// The scheduler's pass over the pending pods, in pod order. Placement
    /// depends only on the pod's workload, the nodes and the bindings, so
    /// a workload whose pod found no node is skipped until one of those
    /// moves.
    fn schedule_pending(&mut self) {
        let stuck =
            |dp: &Self, w: usize| dp.unplaceable[w] == Some((dp.index.bindings, dp.node_epoch));
        if !(0..self.workloads.len()).any(|w| self.index.pending_count[w] > 0 && !stuck(self, w)) {
            return;
        }
        let mut next = 0;
        while let Some(&pod) = self.index.pending.range(next..).next() {
            next = pod + 1;
            let w = self.pods[pod].workload;
            if stuck(self, w) {
                continue;
            }
            match self.choose_node(pod) {
                Some(node) => self.bind(pod, node),
                None => self.unplaceable[w] = Some((self.index.bindings, self.node_epoch)),
            }
        }
    }

    /// Reacts to one of its events; `controllers`: kube-controller-manager
    /// leads (evictions wait for it).
    pub fn on<E: From<DataEvent>>(
        &mut self,
        event: DataEvent,
        controllers: bool,
        ctx: &mut Ctx<'_, E>,
    ) {
        match event {
            DataEvent::NodeMarkedNotReady { node } => {
                self.on_marked_not_ready(node.index(), ctx.now());
            }
            DataEvent::NodeTainted { node } => self.on_tainted(node.index(), ctx),
            DataEvent::PodEvicted { pod } => self.on_evicted(pod.index(), controllers, ctx),
            DataEvent::PodStarted { pod } => self.on_started(pod.index(), ctx),
            DataEvent::PodFailed { pod, mode } => {
                self.on_pod_failed(pod.index(), mode.index(), ctx);
            }
            DataEvent::PodProbeFailed { pod } => self.on_probe_failed(pod.index(), ctx),
            DataEvent::PodRestarted { pod } => self.on_restarted(pod.index()),
            DataEvent::PodFlapEnded { pod } => self.on_flap_ended(pod.index(), ctx),
        }
    }

    /// Sets the desired replicas of workload `w` (an autoscaler's
    /// decision); the controllers act on it at the next refresh.
    pub fn set_replicas(&mut self, w: WorkloadId, replicas: usize) {
        self.workloads[w.index()].replicas = replicas;
    }

    /// The desired replicas of workload `w`.
    pub fn replicas(&self, w: WorkloadId) -> usize {
        self.workloads[w.index()].replicas
    }

    /// The workload a pod belongs to.
    pub fn workload_of(&self, pod: PodId) -> WorkloadId {
        WorkloadId::new(self.pods[pod.index()].workload)
    }

    /// Per workload: (ready pods that serve, pods the endpoints list).
    /// Endpoints keep a pod whose machine died until its node is marked
    /// NotReady; requests sent to it fail.
    /// `machine_up` must be what the last refresh saw (it is kept in the
    /// indices).
    pub fn serving(&self, workload: WorkloadId, machine_up: &[bool]) -> (usize, usize) {
        let w = workload.index();
        debug_assert!(
            self.nodes
                .iter()
                .zip(&self.index.down)
                .all(|(n, &down)| down != machine_up[n.machine.index()])
        );
        (
            self.index.ready[w] - self.index.ready_down[w],
            self.index.listed[w],
        )
    }

    /// Number of workloads.
    pub fn workload_count(&self) -> usize {
        self.workloads.len()
    }

    /// The workloads' minimum ready replicas and desired replicas.
    pub fn rule(&self, workload: WorkloadId) -> (usize, usize) {
        let w = &self.workloads[workload.index()];
        (w.min_ready, w.replicas)
    }

    /// Live pods of workload `w` (bound or not, terminating included).
    pub fn live_pods(&self, workload: WorkloadId) -> usize {
        self.index.by_workload[workload.index()].len()
    }

    /// Pods waiting for a node.
    pub fn pending(&self, workload: WorkloadId) -> usize {
        self.index.pending_count[workload.index()]
    }
}

/// A pod as an autoscaler sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PodView {
    /// When it was bound to a node; `None` while Pending.
    pub bound_at: Option<SimTime>,
    /// Ready and serving requests.
    pub serving: bool,
    /// Its last transition to ready.
    pub ready_since: SimTime,
    /// Ready at some point since it was bound.
    pub ever_ready: bool,
    /// Its last transition to not ready (meaningful once `ever_ready`).
    pub unready_since: SimTime,
    /// Being deleted (a StatefulSet pod waiting for its node).
    pub terminating: bool,
}

/// A worker node as the cluster autoscaler sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeView {
    /// Its machine.
    pub machine: MachineId,
    /// Its machine group.
    pub group: usize,
    /// It exists.
    pub present: bool,
    /// Ready (not marked NotReady) and schedulable (not cordoned).
    pub schedulable: bool,
    /// Requests of the pods bound to it.
    pub used: Resources,
    /// What pods may request.
    pub allocatable: Resources,
}

impl DataPlane {
    /// The live pods of workload `w`.
    pub fn pod_views<'a>(
        &'a self,
        w: WorkloadId,
        machine_up: &'a [bool],
    ) -> impl Iterator<Item = PodView> + 'a {
        let nodes = &self.nodes;
        self.index.by_workload[w.index()]
            .iter()
            .map(|&p| &self.pods[p])
            .map(move |p| PodView {
                bound_at: p.node.map(|_| p.bound_at),
                serving: p.listed
                    && p.state == PodState::Running
                    && p.node.is_some_and(|n| machine_up[nodes[n].machine.index()])
                    && !p.hung
                    && !p.unready,
                ready_since: p.running_since,
                ever_ready: p.ever_ready,
                unready_since: p.unready_since,
                terminating: p.terminating,
            })
    }

    /// A number that changes whenever anything in workload `w`'s pod
    /// views may have (other than by the passing of time).
    pub fn pods_version(&self, w: WorkloadId) -> u64 {
        self.index.version[w.index()]
    }

    /// Every worker node slot, in node order.
    pub fn node_views(&self) -> impl Iterator<Item = NodeView> + '_ {
        self.nodes.iter().map(|n| NodeView {
            machine: n.machine,
            group: n.group,
            present: n.present,
            schedulable: n.present && !n.not_ready && !n.cordoned,
            used: n.used,
            allocatable: n.allocatable,
        })
    }

    /// Pods the scheduler could not place: (requests, required group).
    pub fn unschedulable(&self) -> Vec<(Resources, Option<usize>)> {
        self.index
            .pending
            .iter()
            .map(|&p| {
                let w = &self.workloads[self.pods[p].workload];
                (w.requests, w.node_group)
            })
            .collect()
    }

    /// Requests and required group of each pod bound to node `node`.
    pub fn pods_on(&self, node: usize) -> Vec<(Resources, Option<usize>)> {
        self.index.by_node[node]
            .iter()
            .map(|&p| &self.pods[p])
            .map(|p| {
                let w = &self.workloads[p.workload];
                (w.requests, w.node_group)
            })
            .collect()
    }
}
