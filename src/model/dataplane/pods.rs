//! Pods and their probes (docs/kubernetes-defaults.md §3): start-up,
//! pod-level faults (crash, hang, readiness flap) noticed by the probes,
//! CrashLoopBackOff, and eviction once a taint's toleration runs out.

use rand::RngExt;

use super::{DataEvent, DataPlane};
use crate::engine::{Ctx, EventKey, SimDuration, SimTime};
use crate::model::ids::{ModeId, PodId};
use crate::scenario::{PodFailureKind, WorkloadKind};

/// CrashLoopBackOff (docs/kubernetes-defaults.md §3): the first restart is
/// immediate, then 10 s doubling to 300 s; a container that ran 10 minutes
/// starts over.
const BACKOFF_BASE: SimDuration = SimDuration::from_secs(10);
const BACKOFF_CAP: SimDuration = SimDuration::from_secs(300);
pub(crate) const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);

/// The CrashLoopBackOff delay before the restart that follows
/// `previous_crashes` crashes since the last reset.
pub(crate) fn crash_loop_backoff(previous_crashes: u32) -> SimDuration {
    match previous_crashes {
        0 => SimDuration::ZERO,
        n => BACKOFF_BASE
            .saturating_mul(1u64 << (n - 1).min(16))
            .min(BACKOFF_CAP),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PodState {
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
#[derive(Clone)]
pub(super) struct Pod {
    pub workload: usize,
    pub node: Option<usize>,
    pub state: PodState,
    pub start: Option<EventKey>,
    pub eviction: Option<EventKey>,
    pub eviction_due: bool,
    /// StatefulSet pod deleted while its node is unreachable.
    pub terminating: bool,
    pub deleted: bool,
    /// In the Service endpoints (Kubernetes' view of readiness).
    pub listed: bool,
    /// Template revision it was created from (rollouts).
    pub revision: u32,
    pub fault_timers: Vec<Option<EventKey>>,
    /// Probe detection, restart or flap timers of the current fault.
    pub fault_keys: Vec<EventKey>,
    pub hung: bool,
    pub unready: bool,
    pub crashes: u32,
    pub running_since: SimTime,
    /// When it was bound to its node (the pod's start time).
    pub bound_at: SimTime,
    /// Whether it has been ready since it was bound.
    pub ever_ready: bool,
    /// Its last transition to not ready (while `ever_ready`).
    pub unready_since: SimTime,
}

impl Pod {
    /// The pod leaves the Service endpoints (its Ready condition turns
    /// False) at `now`.
    pub fn unlist(&mut self, now: SimTime) {
        if self.listed {
            self.listed = false;
            self.unready_since = now;
        }
    }

    /// Listed, running, and neither hung nor flapping (its machine aside).
    pub fn ready(&self) -> bool {
        self.listed && self.state == PodState::Running && !self.hung && !self.unready
    }
}

impl DataPlane {
    pub(super) fn new_pod(&mut self, workload: usize) -> usize {
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
        let slot = match self.index.free.first() {
            Some(&slot) => {
                self.pods[slot] = pod;
                slot
            }
            None => {
                self.pods.push(pod);
                self.index.push_slot();
                self.pods.len() - 1
            }
        };
        self.reindex(slot);
        slot
    }

    pub(super) fn delete<E>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
        let requests = self.workloads[self.pods[pod].workload].requests;
        if let Some(node) = self.pods[pod].node {
            let n = &mut self.nodes[node];
            n.used.cpu_millis -= requests.cpu_millis;
            n.used.memory_bytes -= requests.memory_bytes;
            n.note_used();
        }
        self.disarm_faults(pod, ctx);
        let p = &mut self.pods[pod];
        for key in [p.start.take(), p.eviction.take()].into_iter().flatten() {
            ctx.cancel(key);
        }
        p.deleted = true;
        p.listed = false;
        self.reindex(pod);
        if let Some(node) = self.pods[pod].node {
            self.refile_node(node);
        }
    }

    /// Containers run only on running machines; a bound pod (re)starts
    /// when its machine is up.
    pub(super) fn start_containers<E: From<DataEvent>>(
        &mut self,
        machine_up: &[bool],
        ctx: &mut Ctx<'_, E>,
    ) {
        // Only pods that changed, or whose machine did, can need it.
        let check = std::mem::take(&mut self.index.check);
        for &pod in &check {
            let p = &self.pods[pod];
            let Some(node) = p.node else { continue };
            if p.deleted || p.terminating {
                continue;
            }
            let up = machine_up[self.nodes[node].machine.index()];
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
                    let delay = self.workloads[workload]
                        .startup
                        .sample(ctx.rng(self.streams[workload].startup));
                    let started = DataEvent::PodStarted {
                        pod: PodId::new(pod),
                    };
                    self.pods[pod].start = Some(ctx.schedule(delay, started.into()));
                }
                _ => {}
            }
            self.reindex(pod);
        }
        // What the loop changed is settled: each pod's containers are now
        // as its machine allows.
        self.index.check = check;
        self.index.check.clear();
    }

    /// The taint manager evicts (deletes) a pod; without a controller
    /// manager the eviction waits for it.
    pub(super) fn on_evicted<E>(&mut self, pod: usize, controllers: bool, ctx: &mut Ctx<'_, E>) {
        self.pods[pod].eviction = None;
        if controllers {
            self.evict(pod, ctx);
        } else {
            self.pods[pod].eviction_due = true;
            self.reindex(pod);
        }
    }

    pub(super) fn evict<E>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
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
                self.reindex(pod);
            }
        }
    }

    /// Containers started and the readiness probe passed: the pod serves,
    /// and its failure clocks run.
    pub(super) fn on_started<E: From<DataEvent>>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
        let p = &mut self.pods[pod];
        p.start = None;
        p.state = PodState::Running;
        p.listed = true;
        p.running_since = ctx.now();
        p.ever_ready = true;
        let w = p.workload;
        for (mode, failure) in self.workloads[w].pod_failures.iter().enumerate() {
            let delay = failure
                .time_to_failure
                .sample(ctx.rng(self.streams[w].failures[mode]));
            let failed = DataEvent::PodFailed {
                pod: PodId::new(pod),
                mode: ModeId::new(mode),
            };
            self.pods[pod].fault_timers[mode] = Some(ctx.schedule(delay, failed.into()));
        }
        self.reindex(pod);
    }

    fn disarm_faults<E>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
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
        self.reindex(pod);
    }

    /// When the probes notice: a uniform phase within one period plus the
    /// remaining failed probes.
    fn detection<E>(&self, pod: usize, ctx: &mut Ctx<'_, E>) -> SimDuration {
        let w = self.pods[pod].workload;
        let probes = self.workloads[w].probes;
        let phase =
            probes.period.as_micros() as f64 * ctx.rng(self.streams[w].probes).random::<f64>();
        SimDuration::from_micros(phase as u64)
            + probes
                .period
                .saturating_mul(u64::from(probes.failure_threshold - 1))
    }

    /// A pod-level fault of a running pod.
    pub(super) fn on_pod_failed<E: From<DataEvent>>(
        &mut self,
        pod: usize,
        mode: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        self.pods[pod].fault_timers[mode] = None;
        if self.pods[pod].state != PodState::Running {
            return;
        }
        self.disarm_faults(pod, ctx);
        let w = self.pods[pod].workload;
        let id = PodId::new(pod);
        match &self.workloads[w].pod_failures[mode].kind {
            PodFailureKind::Crash => self.crash(pod, ctx),
            PodFailureKind::Hang => {
                self.pods[pod].hung = true;
                self.reindex(pod);
                let at = self.detection(pod, ctx);
                let key = ctx.schedule(at, DataEvent::PodProbeFailed { pod: id }.into());
                self.pods[pod].fault_keys.push(key);
            }
            PodFailureKind::Unready(duration) => {
                let flap = duration.sample(ctx.rng(self.streams[w].failures[mode]));
                self.pods[pod].unready = true;
                self.reindex(pod);
                let at = self.detection(pod, ctx);
                let detect = ctx.schedule(at, DataEvent::PodProbeFailed { pod: id }.into());
                let end = ctx.schedule(flap, DataEvent::PodFlapEnded { pod: id }.into());
                self.pods[pod].fault_keys.extend([detect, end]);
            }
        }
    }

    /// The container is gone: out of the endpoints at once, restarted after
    /// the CrashLoopBackOff delay.
    fn crash<E: From<DataEvent>>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
        let now = ctx.now();
        let p = &mut self.pods[pod];
        if now.saturating_since(p.running_since) >= BACKOFF_RESET {
            p.crashes = 0;
        }
        let delay = crash_loop_backoff(p.crashes);
        p.crashes += 1;
        p.state = PodState::Crashed;
        p.unlist(now);
        p.hung = false;
        let restarted = DataEvent::PodRestarted {
            pod: PodId::new(pod),
        };
        let key = ctx.schedule(delay, restarted.into());
        self.pods[pod].fault_keys.push(key);
        self.reindex(pod);
    }

    /// Readiness failed: the pod leaves the endpoints; a hung container
    /// also fails liveness (same defaults) and is killed and restarted.
    pub(super) fn on_probe_failed<E: From<DataEvent>>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
        self.pods[pod].unlist(ctx.now());
        self.reindex(pod);
        if self.pods[pod].hung {
            self.pods[pod].fault_keys.clear();
            self.crash(pod, ctx);
        }
    }

    /// The backoff is over: the container starts again.
    pub(super) fn on_restarted(&mut self, pod: usize) {
        let p = &mut self.pods[pod];
        p.fault_keys.clear();
        if p.state == PodState::Crashed {
            p.state = PodState::Starting;
        }
        self.reindex(pod);
    }

    /// The flap is over: ready again at the next successful probe (or at
    /// once if the probes never noticed).
    pub(super) fn on_flap_ended<E: From<DataEvent>>(&mut self, pod: usize, ctx: &mut Ctx<'_, E>) {
        let noticed = !self.pods[pod].listed;
        self.disarm_faults(pod, ctx);
        if noticed {
            let w = self.pods[pod].workload;
            let period = self.workloads[w].probes.period;
            let wait = SimDuration::from_micros(
                (period.as_micros() as f64 * ctx.rng(self.streams[w].probes).random::<f64>())
                    as u64,
            );
            let started = DataEvent::PodStarted {
                pod: PodId::new(pod),
            };
            self.pods[pod].start = Some(ctx.schedule(wait, started.into()));
            self.reindex(pod);
        } else {
            self.on_started(pod, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_backoff_doubles_from_ten_seconds_to_five_minutes() {
        let secs = |n: u32| crash_loop_backoff(n).as_secs_f64();
        assert_eq!(
            [secs(0), secs(1), secs(2), secs(3), secs(6), secs(40)],
            [0.0, 10.0, 20.0, 40.0, 300.0, 300.0]
        );
    }
}
