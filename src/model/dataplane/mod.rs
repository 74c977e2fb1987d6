//! The data plane: worker nodes, pods and workloads under the real
//! recovery timers (k8s-facts §2-§4).
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

use rand::RngExt;

use crate::engine::{Ctx, EventKey, SimDuration, SimTime};
use crate::model::event::ClusterEvent;
use crate::scenario::{PodFailureKind, Resources, Scenario, Workload, WorkloadKind};

/// A worker node.
struct Node {
    machine: usize,
    zone: usize,
    group: usize,
    allocatable: Resources,
    used: Resources,
    /// Last lease renewal before the kubelet fell silent.
    silent_since: Option<SimTime>,
    mark: Option<EventKey>,
    not_ready: bool,
    taint: Option<EventKey>,
    tainted: bool,
    /// Cordoned for a drain: nothing new is placed here.
    cordoned: bool,
    /// Exists: a slot of a resizable group is absent until the cluster
    /// autoscaler provisions it.
    present: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PodState {
    /// Not bound to a node yet.
    Pending,
    /// Its container exited (or was killed); waiting out CrashLoopBackOff.
    Crashed,
    /// Bound; containers starting (or waiting for the machine).
    Starting,
    /// Ready.
    Running,
}

/// A pod. Slots are reused once a pod is deleted and its timers cancelled.
struct Pod {
    workload: usize,
    node: Option<usize>,
    state: PodState,
    start: Option<EventKey>,
    eviction: Option<EventKey>,
    eviction_due: bool,
    /// StatefulSet pod deleted while its node is unreachable.
    terminating: bool,
    deleted: bool,
    /// In the Service endpoints (Kubernetes' view of readiness).
    listed: bool,
    /// Template revision it was created from (rollouts).
    revision: u32,
    fault_timers: Vec<Option<EventKey>>,
    /// Probe detection, restart or flap timers of the current fault.
    fault_keys: Vec<EventKey>,
    hung: bool,
    unready: bool,
    crashes: u32,
    running_since: SimTime,
    /// When it was bound to its node (the pod's start time).
    bound_at: SimTime,
    /// Whether it has been ready since it was bound.
    ever_ready: bool,
    /// Its last transition to not ready (while `ever_ready`).
    unready_since: SimTime,
}

impl Pod {
    /// The pod leaves the Service endpoints (its Ready condition turns
    /// False) at `now`.
    fn unlist(&mut self, now: SimTime) {
        if self.listed {
            self.listed = false;
            self.unready_since = now;
        }
    }
}

/// CrashLoopBackOff (k8s-facts §3): the first restart is immediate, then
/// 10 s doubling to 300 s; a container that ran 10 minutes starts over.
const BACKOFF_BASE: SimDuration = SimDuration::from_secs(10);
const BACKOFF_CAP: SimDuration = SimDuration::from_secs(300);
const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);

fn backoff(previous_crashes: u32) -> SimDuration {
    match previous_crashes {
        0 => SimDuration::ZERO,
        n => BACKOFF_BASE
            .saturating_mul(1u64 << (n - 1).min(16))
            .min(BACKOFF_CAP),
    }
}

/// What the data plane needs to know about the rest of the cluster.
pub(crate) struct ControlPlaneView<'a> {
    pub machine_up: &'a [bool],
    /// Whether each machine's kubelet reaches a writable apiserver.
    pub kubelet_connected: &'a [bool],
    /// kube-controller-manager leads and can write.
    pub controllers: bool,
    /// kube-scheduler leads and can write.
    pub scheduler: bool,
}

/// Worker nodes, pods and workloads.
pub(crate) struct DataPlane {
    nodes: Vec<Node>,
    pods: Vec<Pod>,
    workloads: Vec<Workload>,
    lifecycle: crate::scenario::NodeLifecycle,
    zone_next_taint: Vec<SimTime>,
    monitor_phase: SimDuration,
    /// Since when the current controller-manager leader has led.
    controllers_since: Option<SimTime>,
    /// The time of the current refresh (pods bound now start now).
    now: SimTime,
    /// Current template revision of each workload.
    revisions: Vec<u32>,
}

impl DataPlane {
    pub fn new(scenario: &Scenario) -> Self {
        let mut nodes = Vec::new();
        let mut machine = 0;
        for (g, group) in scenario.groups.iter().enumerate() {
            let initial = group.autoscaling.map_or(group.zones.len(), |a| a.initial);
            for (slot, &zone) in group.zones.iter().enumerate() {
                if group.role == crate::scenario::Role::Worker {
                    nodes.push(Node {
                        machine,
                        zone,
                        group: g,
                        allocatable: group.allocatable,
                        used: Resources::default(),
                        silent_since: None,
                        mark: None,
                        not_ready: false,
                        taint: None,
                        tainted: false,
                        cordoned: false,
                        present: slot < initial,
                    });
                }
                machine += 1;
            }
        }
        DataPlane {
            nodes,
            pods: Vec::new(),
            workloads: scenario.workloads.clone(),
            lifecycle: scenario.node_lifecycle,
            zone_next_taint: vec![SimTime::ZERO; scenario.zones.len()],
            monitor_phase: SimDuration::ZERO,
            controllers_since: Some(SimTime::ZERO),
            now: SimTime::ZERO,
            revisions: vec![0; scenario.workloads.len()],
        }
    }

    /// Places every workload's pods on a healthy cluster at time zero,
    /// already running.
    pub fn start(&mut self, ctx: &mut Ctx<'_, ClusterEvent>) {
        let period = self.lifecycle.monitor_period.as_micros() as f64;
        self.monitor_phase = SimDuration::from_micros((period * ctx.rng().random::<f64>()) as u64);
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

    /// Creates missing pods (of the current revision) and, during a
    /// rollout, moves pods to it the way the Deployment controller does:
    /// at most `replicas + max_surge` pods, and old pods removed only while
    /// at least `replicas - max_unavailable` stay ready (unready old pods
    /// first).
    fn reconcile(&mut self, w: usize, machine_up: &[bool], ctx: &mut Ctx<'_, ClusterEvent>) {
        let target = self.revisions[w];
        let replicas = self.workloads[w].replicas;
        let live: Vec<usize> = (0..self.pods.len())
            .filter(|&p| !self.pods[p].deleted && self.pods[p].workload == w)
            .collect();
        let old: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&p| self.pods[p].revision != target)
            .collect();
        let new = live.len() - old.len();
        if old.is_empty() {
            for _ in live.len()..replicas {
                self.new_pod(w);
            }
            if live.len() > replicas {
                self.scale_down(live, replicas, ctx);
            }
            return;
        }
        let min_available = replicas.saturating_sub(self.workloads[w].max_unavailable);
        let mut available = self.serving(w, machine_up).0;
        let ready = |dp: &Self, p: usize| {
            let pod = &dp.pods[p];
            pod.listed && pod.state == PodState::Running && !pod.hung && !pod.unready
        };
        let (unready_old, ready_old): (Vec<usize>, Vec<usize>) =
            old.into_iter().partition(|&p| !ready(self, p));
        let unready_count = unready_old.len();
        for p in unready_old {
            self.delete(p, ctx);
        }
        let mut removed = 0;
        for p in ready_old {
            if available <= min_available {
                break;
            }
            self.delete(p, ctx);
            available -= 1;
            removed += 1;
        }
        // Scale the new revision up within the surge limit.
        let total = live.len() - removed - unready_count;
        let max_total = replicas + self.workloads[w].max_surge;
        let create = max_total
            .saturating_sub(total)
            .min(replicas.saturating_sub(new));
        for _ in 0..create {
            self.new_pod(w);
        }
    }

    /// The ReplicaSet controller's choice of pods to delete when scaling
    /// down (`getPodsToDelete`): unbound before bound, not ready before
    /// ready, then the most recently ready first.
    fn scale_down(&mut self, mut live: Vec<usize>, keep: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let rank = |p: &Pod| {
            let ready = p.listed && p.state == PodState::Running;
            (p.node.is_some(), ready, std::cmp::Reverse(p.running_since))
        };
        live.sort_by_key(|&p| rank(&self.pods[p]));
        let excess = live.len() - keep;
        for &p in &live[..excess] {
            self.delete(p, ctx);
        }
    }

    /// Sets the desired replicas of workload `w` (an autoscaler's
    /// decision); the controllers act on it at the next refresh.
    pub fn set_replicas(&mut self, w: usize, replicas: usize) {
        self.workloads[w].replicas = replicas;
    }

    /// The desired replicas of workload `w`.
    pub fn replicas(&self, w: usize) -> usize {
        self.workloads[w].replicas
    }

    /// Starts a rolling update of workload `w` to a new revision.
    pub fn start_rollout(&mut self, w: usize) {
        self.revisions[w] += 1;
    }

    fn new_pod(&mut self, workload: usize) -> usize {
        let pod = Pod {
            revision: self.revisions[workload],
            workload,
            node: None,
            state: PodState::Pending,
            start: None,
            eviction: None,
            eviction_due: false,
            terminating: false,
            deleted: false,
            listed: false,
            fault_timers: vec![None; self.workloads[workload].pod_failures.len()],
            fault_keys: Vec::new(),
            hung: false,
            unready: false,
            crashes: 0,
            running_since: SimTime::ZERO,
            bound_at: SimTime::ZERO,
            ever_ready: false,
            unready_since: SimTime::ZERO,
        };
        match self.pods.iter().position(|p| p.deleted) {
            Some(slot) => {
                self.pods[slot] = pod;
                slot
            }
            None => {
                self.pods.push(pod);
                self.pods.len() - 1
            }
        }
    }

    fn bind(&mut self, pod: usize, node: usize) {
        let requests = self.workloads[self.pods[pod].workload].requests;
        let n = &mut self.nodes[node];
        n.used.cpu_millis += requests.cpu_millis;
        n.used.memory_bytes += requests.memory_bytes;
        self.pods[pod].node = Some(node);
        self.pods[pod].state = PodState::Starting;
        self.pods[pod].bound_at = self.now;
    }

    fn delete(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let requests = self.workloads[self.pods[pod].workload].requests;
        if let Some(node) = self.pods[pod].node {
            let n = &mut self.nodes[node];
            n.used.cpu_millis -= requests.cpu_millis;
            n.used.memory_bytes -= requests.memory_bytes;
        }
        self.disarm_faults(pod, ctx);
        let p = &mut self.pods[pod];
        for key in [p.start.take(), p.eviction.take()].into_iter().flatten() {
            ctx.cancel(key);
        }
        p.deleted = true;
        p.listed = false;
    }

    /// The scheduler: a feasible node with room that keeps the spread and
    /// anti-affinity rules, preferring the emptiest spread domain, then
    /// fewer pods of the workload on the node, then the least used node.
    fn choose_node(&self, pod: usize) -> Option<usize> {
        let w = &self.workloads[self.pods[pod].workload];
        let workload = self.pods[pod].workload;
        let on_node = |node: usize| {
            self.pods
                .iter()
                .filter(|p| !p.deleted && p.workload == workload && p.node == Some(node))
                .count()
        };
        let eligible: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| {
                let node = &self.nodes[n];
                node.present && !node.not_ready && !node.cordoned
            })
            .filter(|&n| w.node_group.is_none_or(|g| self.nodes[n].group == g))
            .collect();
        let domain =
            |node: usize, by_zone: bool| if by_zone { self.nodes[node].zone } else { node };
        let in_domain = |d: usize, by_zone: bool| {
            self.pods
                .iter()
                .filter(|p| !p.deleted && p.workload == workload)
                .filter_map(|p| p.node)
                .filter(|&n| domain(n, by_zone) == d)
                .count()
        };
        let mut best: Option<((usize, usize, u64), usize)> = None;
        for &node in &eligible {
            let n = &self.nodes[node];
            if n.used.cpu_millis + w.requests.cpu_millis > n.allocatable.cpu_millis
                || n.used.memory_bytes + w.requests.memory_bytes > n.allocatable.memory_bytes
            {
                continue;
            }
            let same = on_node(node);
            if w.anti_affinity == Some(true) && same > 0 {
                continue;
            }
            let mut spread_count = 0;
            if let Some(spread) = w.spread {
                let here = in_domain(domain(node, spread.by_zone), spread.by_zone);
                let least = eligible
                    .iter()
                    .map(|&e| in_domain(domain(e, spread.by_zone), spread.by_zone))
                    .min()
                    .unwrap_or(0);
                if spread.hard && here + 1 > least + spread.max_skew {
                    continue;
                }
                spread_count = here;
            }
            let used = n.used.cpu_millis * 1000 / n.allocatable.cpu_millis.max(1);
            let preferred = if w.anti_affinity == Some(false) || w.anti_affinity.is_none() {
                same
            } else {
                0
            };
            let score = (spread_count, preferred, used);
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, node));
            }
        }
        best.map(|(_, node)| node)
    }

    /// Brings node marks, taints, evictions, replacements, placement and
    /// container starts in line with the rest of the cluster.
    pub fn refresh(&mut self, view: &ControlPlaneView<'_>, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        self.now = now;
        match (view.controllers, self.controllers_since) {
            (true, None) => self.controllers_since = Some(now),
            (false, Some(_)) => self.controllers_since = None,
            _ => {}
        }
        for node in 0..self.nodes.len() {
            self.refresh_node(node, view, ctx);
        }
        if view.controllers {
            let due: Vec<usize> = (0..self.pods.len())
                .filter(|&p| !self.pods[p].deleted && self.pods[p].eviction_due)
                .collect();
            for pod in due {
                self.evict(pod, ctx);
            }
            // ReplicaSet / StatefulSet / Deployment controllers.
            for w in 0..self.workloads.len() {
                self.reconcile(w, view.machine_up, ctx);
            }
        }
        if view.scheduler {
            for pod in 0..self.pods.len() {
                if !self.pods[pod].deleted
                    && self.pods[pod].state == PodState::Pending
                    && let Some(node) = self.choose_node(pod)
                {
                    self.bind(pod, node);
                }
            }
        }
        // Containers run only on running machines; a bound pod (re)starts
        // when its machine is up.
        for pod in 0..self.pods.len() {
            let p = &self.pods[pod];
            let Some(node) = p.node else { continue };
            if p.deleted || p.terminating {
                continue;
            }
            let up = view.machine_up[self.nodes[node].machine];
            match (p.state, up, p.start.is_some()) {
                (PodState::Running | PodState::Crashed, false, _) => {
                    self.disarm_faults(pod, ctx);
                    self.pods[pod].state = PodState::Starting;
                }
                (PodState::Starting, false, true) => {
                    if let Some(key) = self.pods[pod].start.take() {
                        ctx.cancel(key);
                    }
                }
                (PodState::Starting, true, false) => {
                    // Restarted containers are unready until their probe passes.
                    let workload = p.workload;
                    self.pods[pod].unlist(ctx.now());
                    let delay = self.workloads[workload].startup.sample(ctx.rng());
                    self.pods[pod].start =
                        Some(ctx.schedule(delay, ClusterEvent::PodStarted { pod: pod as u32 }));
                }
                _ => {}
            }
        }
    }

    fn refresh_node(
        &mut self,
        node: usize,
        view: &ControlPlaneView<'_>,
        ctx: &mut Ctx<'_, ClusterEvent>,
    ) {
        let now = ctx.now();
        if !self.nodes[node].present {
            return;
        }
        let connected = view.kubelet_connected[self.nodes[node].machine];
        if connected {
            let n = &mut self.nodes[node];
            n.silent_since = None;
            for key in [n.mark.take(), n.taint.take()].into_iter().flatten() {
                ctx.cancel(key);
            }
            if n.not_ready || n.tainted {
                n.not_ready = false;
                n.tainted = false;
                // The kubelet is back: pending evictions stop, and a
                // StatefulSet pod that was deleted meanwhile is now gone.
                for pod in 0..self.pods.len() {
                    if self.pods[pod].node != Some(node) || self.pods[pod].deleted {
                        continue;
                    }
                    if self.pods[pod].terminating {
                        self.delete(pod, ctx);
                    } else if let Some(key) = self.pods[pod].eviction.take() {
                        ctx.cancel(key);
                        self.pods[pod].eviction_due = false;
                    }
                }
            }
            return;
        }
        let renew = self.lifecycle.lease_renew_interval.as_micros() as f64;
        let n = &mut self.nodes[node];
        if n.silent_since.is_none() {
            let back = (renew * ctx.rng().random::<f64>()) as u64;
            n.silent_since = Some(SimTime::from_micros(now.as_micros().saturating_sub(back)));
        }
        match (self.controllers_since, n.not_ready, n.mark) {
            (Some(since), false, None) => {
                let from =
                    n.silent_since.expect("set above").max(since) + self.lifecycle.grace_period;
                let at = from
                    .max(now)
                    .grid_at_or_after(self.monitor_phase, self.lifecycle.monitor_period);
                n.mark = Some(
                    ctx.schedule_at(at, ClusterEvent::NodeMarkedNotReady { node: node as u32 }),
                );
            }
            (None, _, Some(key)) => {
                // No controller manager: nobody watches the heartbeats.
                ctx.cancel(key);
                n.mark = None;
            }
            _ => {}
        }
        if self.nodes[node].not_ready
            && !self.nodes[node].tainted
            && self.nodes[node].taint.is_none()
        {
            self.schedule_taint(node, ctx);
        }
    }

    /// Taints go through a per-zone rate limiter (burst 1): the normal rate
    /// in a healthy or fully disrupted zone, the secondary rate (0 in small
    /// zones) in a partially disrupted one, and none while every zone is
    /// fully disrupted (the controller then blames its own connectivity).
    fn schedule_taint(&mut self, node: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let zone = self.nodes[node].zone;
        let zone_counts = |z: usize| {
            let in_zone: Vec<&Node> = self
                .nodes
                .iter()
                .filter(|n| n.present && n.zone == z)
                .collect();
            let not_ready = in_zone.iter().filter(|n| n.not_ready).count();
            (in_zone.len(), not_ready)
        };
        let zones: Vec<usize> = {
            let mut z: Vec<usize> = self
                .nodes
                .iter()
                .filter(|n| n.present)
                .map(|n| n.zone)
                .collect();
            z.sort_unstable();
            z.dedup();
            z
        };
        let all_down = zones.iter().all(|&z| {
            let (total, not_ready) = zone_counts(z);
            not_ready == total
        });
        if all_down {
            return;
        }
        let (total, not_ready) = zone_counts(zone);
        let partial = not_ready > 2
            && not_ready < total
            && not_ready as f64 / total as f64 >= self.lifecycle.unhealthy_zone_threshold;
        let rate = if partial {
            if total <= self.lifecycle.large_cluster_size_threshold {
                0.0
            } else {
                self.lifecycle.secondary_eviction_rate
            }
        } else {
            self.lifecycle.eviction_rate
        };
        if rate <= 0.0 {
            return;
        }
        let at = self.zone_next_taint[zone].max(ctx.now());
        self.zone_next_taint[zone] = at + SimDuration::from_secs_f64(1.0 / rate);
        self.nodes[node].taint =
            Some(ctx.schedule_at(at, ClusterEvent::NodeTainted { node: node as u32 }));
    }

    /// The node is NotReady: its pods are marked NotReady and leave the
    /// endpoints.
    pub fn on_marked_not_ready(&mut self, node: usize, now: SimTime) {
        let n = &mut self.nodes[node];
        n.mark = None;
        n.not_ready = true;
        for pod in self.pods.iter_mut().filter(|p| p.node == Some(node)) {
            pod.unlist(now);
        }
    }

    pub fn on_tainted(&mut self, node: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.nodes[node].taint = None;
        self.nodes[node].tainted = true;
        for pod in 0..self.pods.len() {
            let p = &self.pods[pod];
            if p.deleted || p.node != Some(node) || p.eviction.is_some() || p.terminating {
                continue;
            }
            let toleration = self.workloads[p.workload].toleration;
            self.pods[pod].eviction =
                Some(ctx.schedule(toleration, ClusterEvent::PodEvicted { pod: pod as u32 }));
        }
    }

    /// The taint manager evicts (deletes) a pod; without a controller
    /// manager the eviction waits for it.
    pub fn on_evicted(&mut self, pod: usize, controllers: bool, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.pods[pod].eviction = None;
        if controllers {
            self.evict(pod, ctx);
        } else {
            self.pods[pod].eviction_due = true;
        }
    }

    fn evict(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.pods[pod].eviction_due = false;
        match self.workloads[self.pods[pod].workload].kind {
            WorkloadKind::Deployment => self.delete(pod, ctx),
            WorkloadKind::StatefulSet => {
                self.disarm_faults(pod, ctx);
                self.pods[pod].terminating = true;
                self.pods[pod].unlist(ctx.now());
                self.pods[pod].state = PodState::Starting;
                if let Some(key) = self.pods[pod].start.take() {
                    ctx.cancel(key);
                }
            }
        }
    }

    /// Containers started and the readiness probe passed: the pod serves,
    /// and its failure clocks run.
    pub fn on_started(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let p = &mut self.pods[pod];
        p.start = None;
        p.state = PodState::Running;
        p.listed = true;
        p.running_since = ctx.now();
        p.ever_ready = true;
        let w = p.workload;
        for (mode, failure) in self.workloads[w].pod_failures.iter().enumerate() {
            let delay = failure.time_to_failure.sample(ctx.rng());
            self.pods[pod].fault_timers[mode] = Some(ctx.schedule(
                delay,
                ClusterEvent::PodFailed {
                    pod: pod as u32,
                    mode: mode as u16,
                },
            ));
        }
    }

    fn disarm_faults(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let p = &mut self.pods[pod];
        for timer in p.fault_timers.iter_mut() {
            if let Some(key) = timer.take() {
                ctx.cancel(key);
            }
        }
        for key in p.fault_keys.drain(..) {
            ctx.cancel(key);
        }
        p.hung = false;
        p.unready = false;
    }

    /// When the probes notice: a uniform phase within one period plus the
    /// remaining failed probes.
    fn detection(&self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) -> SimDuration {
        let probes = self.workloads[self.pods[pod].workload].probes;
        let phase = probes.period.as_micros() as f64 * ctx.rng().random::<f64>();
        SimDuration::from_micros(phase as u64)
            + probes
                .period
                .saturating_mul(u64::from(probes.failure_threshold - 1))
    }

    /// A pod-level fault of a running pod.
    pub fn on_pod_failed(&mut self, pod: usize, mode: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.pods[pod].fault_timers[mode] = None;
        if self.pods[pod].state != PodState::Running {
            return;
        }
        self.disarm_faults(pod, ctx);
        let w = self.pods[pod].workload;
        match &self.workloads[w].pod_failures[mode].kind {
            PodFailureKind::Crash => self.crash(pod, ctx),
            PodFailureKind::Hang => {
                self.pods[pod].hung = true;
                let at = self.detection(pod, ctx);
                let key = ctx.schedule(at, ClusterEvent::PodProbeFailed { pod: pod as u32 });
                self.pods[pod].fault_keys.push(key);
            }
            PodFailureKind::Unready(duration) => {
                let flap = duration.sample(ctx.rng());
                self.pods[pod].unready = true;
                let at = self.detection(pod, ctx);
                let detect = ctx.schedule(at, ClusterEvent::PodProbeFailed { pod: pod as u32 });
                let end = ctx.schedule(flap, ClusterEvent::PodFlapEnded { pod: pod as u32 });
                self.pods[pod].fault_keys.extend([detect, end]);
            }
        }
    }

    /// The container is gone: out of the endpoints at once, restarted after
    /// the CrashLoopBackOff delay.
    fn crash(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let now = ctx.now();
        let p = &mut self.pods[pod];
        if now.saturating_since(p.running_since) >= BACKOFF_RESET {
            p.crashes = 0;
        }
        let delay = backoff(p.crashes);
        p.crashes += 1;
        p.state = PodState::Crashed;
        p.unlist(now);
        p.hung = false;
        let key = ctx.schedule(delay, ClusterEvent::PodRestarted { pod: pod as u32 });
        self.pods[pod].fault_keys.push(key);
    }

    /// Readiness failed: the pod leaves the endpoints; a hung container
    /// also fails liveness (same defaults) and is killed and restarted.
    pub fn on_probe_failed(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        self.pods[pod].unlist(ctx.now());
        if self.pods[pod].hung {
            self.pods[pod].fault_keys.clear();
            self.crash(pod, ctx);
        }
    }

    /// The backoff is over: the container starts again.
    pub fn on_restarted(&mut self, pod: usize) {
        let p = &mut self.pods[pod];
        p.fault_keys.clear();
        if p.state == PodState::Crashed {
            p.state = PodState::Starting;
        }
    }

    /// The flap is over: ready again at the next successful probe (or at
    /// once if the probes never noticed).
    pub fn on_flap_ended(&mut self, pod: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let noticed = !self.pods[pod].listed;
        self.disarm_faults(pod, ctx);
        if noticed {
            let period = self.workloads[self.pods[pod].workload].probes.period;
            let wait = SimDuration::from_micros(
                (period.as_micros() as f64 * ctx.rng().random::<f64>()) as u64,
            );
            self.pods[pod].start =
                Some(ctx.schedule(wait, ClusterEvent::PodStarted { pod: pod as u32 }));
        } else {
            self.on_started(pod, ctx);
        }
    }

    /// The workload a pod belongs to.
    pub fn workload_of(&self, pod: usize) -> usize {
        self.pods[pod].workload
    }

    fn node_of(&self, machine: usize) -> Option<usize> {
        self.nodes.iter().position(|n| n.machine == machine)
    }

    /// Cordons or uncordons the node on `machine`.
    pub fn set_cordoned(&mut self, machine: usize, cordoned: bool) {
        if let Some(node) = self.node_of(machine) {
            self.nodes[node].cordoned = cordoned;
        }
    }

    /// `kubectl drain`: evicts through the Eviction API every pod on the
    /// node that the workload's PodDisruptionBudget allows right now (a
    /// refused eviction is retried by the caller). Returns whether the node
    /// is empty.
    pub fn drain(
        &mut self,
        machine: usize,
        api: bool,
        machine_up: &[bool],
        ctx: &mut Ctx<'_, ClusterEvent>,
    ) -> bool {
        let Some(node) = self.node_of(machine) else {
            return true;
        };
        for pod in 0..self.pods.len() {
            let p = &self.pods[pod];
            if p.deleted || p.node != Some(node) {
                continue;
            }
            let w = p.workload;
            let allowed = match self.workloads[w].pdb_min_available {
                None => true,
                Some(min) => self.serving(w, machine_up).0 > min,
            };
            if api && allowed {
                self.delete(pod, ctx);
            }
        }
        !self.pods.iter().any(|p| !p.deleted && p.node == Some(node))
    }

    /// Per workload: (ready pods that serve, pods the endpoints list).
    /// Endpoints keep a pod whose machine died until its node is marked
    /// NotReady; requests sent to it fail.
    pub fn serving(&self, workload: usize, machine_up: &[bool]) -> (usize, usize) {
        let mut serving = 0;
        let mut listed = 0;
        for p in self
            .pods
            .iter()
            .filter(|p| !p.deleted && p.workload == workload)
        {
            let up = p.node.is_some_and(|n| machine_up[self.nodes[n].machine]);
            if p.listed {
                listed += 1;
                if p.state == PodState::Running && up && !p.hung && !p.unready {
                    serving += 1;
                }
            }
        }
        (serving, listed)
    }

    /// Number of workloads.
    pub fn workload_count(&self) -> usize {
        self.workloads.len()
    }

    /// The workloads' minimum ready replicas and desired replicas.
    pub fn rule(&self, workload: usize) -> (usize, usize) {
        let w = &self.workloads[workload];
        (w.min_ready, w.replicas)
    }

    /// Pods waiting for a node.
    pub fn pending(&self, workload: usize) -> usize {
        self.pods
            .iter()
            .filter(|p| !p.deleted && p.workload == workload && p.state == PodState::Pending)
            .count()
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
    pub machine: usize,
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
        w: usize,
        machine_up: &'a [bool],
    ) -> impl Iterator<Item = PodView> + 'a {
        let nodes = &self.nodes;
        self.pods
            .iter()
            .filter(move |p| !p.deleted && p.workload == w)
            .map(move |p| PodView {
                bound_at: p.node.map(|_| p.bound_at),
                serving: p.listed
                    && p.state == PodState::Running
                    && p.node.is_some_and(|n| machine_up[nodes[n].machine])
                    && !p.hung
                    && !p.unready,
                ready_since: p.running_since,
                ever_ready: p.ever_ready,
                unready_since: p.unready_since,
                terminating: p.terminating,
            })
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
        self.pods
            .iter()
            .filter(|p| !p.deleted && p.state == PodState::Pending)
            .map(|p| {
                let w = &self.workloads[p.workload];
                (w.requests, w.node_group)
            })
            .collect()
    }

    /// Requests and required group of each pod bound to node `node`.
    pub fn pods_on(&self, node: usize) -> Vec<(Resources, Option<usize>)> {
        self.pods
            .iter()
            .filter(|p| !p.deleted && p.node == Some(node))
            .map(|p| {
                let w = &self.workloads[p.workload];
                (w.requests, w.node_group)
            })
            .collect()
    }

    /// Whether every PodDisruptionBudget allows evicting all the pods on
    /// node `node` now.
    pub fn evictable(&self, node: usize, machine_up: &[bool]) -> bool {
        let mut per_workload = vec![0usize; self.workloads.len()];
        for p in self
            .pods
            .iter()
            .filter(|p| !p.deleted && p.node == Some(node))
        {
            per_workload[p.workload] += 1;
        }
        per_workload.iter().enumerate().all(|(w, &n)| {
            n == 0
                || self.workloads[w]
                    .pdb_min_available
                    .is_none_or(|min| self.serving(w, machine_up).0 >= min + n)
        })
    }

    /// A provisioned node registers: empty, Ready and schedulable.
    pub fn add_node(&mut self, machine: usize) {
        if let Some(node) = self.nodes.iter().position(|n| n.machine == machine) {
            let n = &mut self.nodes[node];
            n.present = true;
            n.not_ready = false;
            n.tainted = false;
            n.cordoned = false;
            n.silent_since = None;
            n.used = Resources::default();
        }
    }

    /// The cluster autoscaler deletes the node on `machine` after evicting
    /// its pods (their controllers replace them elsewhere).
    pub fn remove_node(&mut self, machine: usize, ctx: &mut Ctx<'_, ClusterEvent>) {
        let Some(node) = self.nodes.iter().position(|n| n.machine == machine) else {
            return;
        };
        for pod in 0..self.pods.len() {
            if !self.pods[pod].deleted && self.pods[pod].node == Some(node) {
                self.delete(pod, ctx);
            }
        }
        let n = &mut self.nodes[node];
        for key in [n.mark.take(), n.taint.take()].into_iter().flatten() {
            ctx.cancel(key);
        }
        n.present = false;
    }
}
