//! Processes that fail while their machine runs (docs/kubernetes-defaults.md
//! §10.4): the control-plane static pods (kube-apiserver, etcd,
//! kube-controller-manager, kube-scheduler), which the kubelet restarts
//! with CrashLoopBackOff and whose hangs its liveness probe notices, and
//! the kubelet and the container runtime, which systemd restarts.
//!
//! The rest of the model sees only which processes serve: a static pod
//! that does not serve is, to etcd, the apiservers, the endpoint and the
//! leases, as if its machine were down; a silent kubelet stops renewing its
//! node's lease; a stopped runtime stops the node's containers. A machine
//! that goes down takes its processes with it, and everything runs again
//! when it is back (as a machine repair does elsewhere in the model); the
//! failure clocks of a process run while it runs.

use rand::RngExt;

use super::dataplane::{BACKOFF_RESET, crash_loop_backoff};
use super::ids::{MachineId, ModeId};
use super::record::Attribution;
use crate::engine::{Ctx, EventKey, SimDuration, SimTime, StreamLabel};
use crate::scenario::{MachineGroup, Process, ProcessFailureKind};

/// kubeadm's liveness probe of every control-plane static pod: every 10 s,
/// failure after 8 misses (k/k `cmd/kubeadm/app/util/staticpod/utils.go`,
/// `LivenessProbe`).
pub(super) const LIVENESS_PERIOD: SimDuration = SimDuration::from_secs(10);
/// See [`LIVENESS_PERIOD`].
pub(super) const LIVENESS_FAILURE_THRESHOLD: u64 = 8;
/// systemd's `RestartSec=10` in the kubelet unit the Kubernetes packages
/// install (`Restart=always`, `StartLimitInterval=0`; kubernetes/release,
/// `kubelet.service`).
pub(super) const KUBELET_RESTART_SEC: SimDuration = SimDuration::from_secs(10);
/// systemd's `RestartSec=5` in containerd's unit (`Restart=always`;
/// containerd/containerd, `containerd.service`).
pub(super) const RUNTIME_RESTART_SEC: SimDuration = SimDuration::from_secs(5);

/// Every process nines can fail, in the order their state is kept.
const PROCESSES: [Process; 6] = [
    Process::KubeApiserver,
    Process::Etcd,
    Process::KubeControllerManager,
    Process::KubeScheduler,
    Process::Kubelet,
    Process::ContainerRuntime,
];

fn slot(process: Process) -> usize {
    PROCESSES
        .iter()
        .position(|&p| p == process)
        .expect("every process has a slot")
}

const KUBELET: usize = 4;
const RUNTIME: usize = 5;

/// What happens to a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessEvent {
    /// A process failed in one of its group's process failure modes.
    Failed {
        /// The machine.
        machine: MachineId,
        /// The process failure mode within the machine's group.
        mode: ModeId,
    },
    /// The kubelet's liveness probe gave up on a hung static pod, which is
    /// killed.
    LivenessFailed {
        /// The machine.
        machine: MachineId,
        /// The process (its index in the model's order).
        process: u8,
    },
    /// A process's restart delay (CrashLoopBackOff, systemd's
    /// `RestartSec`) is over: it starts.
    Restarted {
        /// The machine.
        machine: MachineId,
        /// The process.
        process: u8,
    },
    /// A process finished starting: it serves.
    Started {
        /// The machine.
        machine: MachineId,
        /// The process.
        process: u8,
    },
}

impl ProcessEvent {
    /// The process an event (other than a failure) is about.
    pub fn process(process: u8) -> Process {
        PROCESSES[usize::from(process)]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Running,
    /// Stopped serving; its liveness probe has not caught it yet.
    Hung,
    /// Exited; waiting out its restart delay.
    BackingOff,
    /// Exited while nobody could restart it (no kubelet, or no runtime).
    Waiting,
    /// Started; not serving yet.
    Starting,
}

#[derive(Clone)]
struct ProcessState {
    phase: Phase,
    crashes: u32,
    running_since: SimTime,
    /// The pending probe, restart or start-up.
    pending: Option<EventKey>,
    /// The mode it failed in, until it serves again.
    failed_mode: Option<ModeId>,
}

impl ProcessState {
    fn new() -> Self {
        ProcessState {
            phase: Phase::Running,
            crashes: 0,
            running_since: SimTime::ZERO,
            pending: None,
            failed_mode: None,
        }
    }
}

#[derive(Clone)]
struct MachineProcesses {
    group: usize,
    up: bool,
    processes: Vec<ProcessState>,
    /// One failure clock per process failure mode of the group.
    clocks: Vec<Option<EventKey>>,
    fail_streams: Vec<StreamLabel>,
    startup_stream: StreamLabel,
    probe_stream: StreamLabel,
}

/// The processes of every machine.
#[derive(Clone)]
pub(super) struct Processes<'s> {
    groups: &'s [MachineGroup],
    machines: Vec<MachineProcesses>,
    /// Whether any group has a process failure mode (nothing to do without).
    any: bool,
}

impl<'s> Processes<'s> {
    /// Every process of every machine of `groups`, running.
    pub fn new(groups: &'s [MachineGroup]) -> Self {
        let mut machines = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            for slot in 0..group.zones.len() {
                let slot = slot.to_string();
                let label = |what: &str, mode: &str| {
                    StreamLabel::new(&["process", what, &group.name, &slot, mode])
                };
                machines.push(MachineProcesses {
                    group: g,
                    up: false,
                    processes: vec![ProcessState::new(); PROCESSES.len()],
                    clocks: vec![None; group.process_failures.len()],
                    fail_streams: group
                        .process_failures
                        .iter()
                        .map(|m| label("fail", &m.name))
                        .collect(),
                    startup_stream: label("startup", ""),
                    probe_stream: label("liveness", ""),
                });
            }
        }
        Processes {
            any: groups.iter().any(|g| !g.process_failures.is_empty()),
            groups,
            machines,
        }
    }

    /// Whether any machine has a process failure mode.
    pub fn can_fail(&self) -> bool {
        self.any
    }

    /// Whether `process` on `machine` serves (its machine aside).
    pub fn serves(&self, machine: MachineId, process: Process) -> bool {
        !self.any || self.machines[machine.index()].processes[slot(process)].phase == Phase::Running
    }

    /// Starts and stops the processes of machines that came up or went
    /// down (`up[m]`: machine m runs).
    pub fn follow_machines<E: From<ProcessEvent>>(&mut self, up: &[bool], ctx: &mut Ctx<'_, E>) {
        if !self.any {
            return;
        }
        for (m, &runs) in up.iter().enumerate() {
            if self.machines[m].up == runs {
                continue;
            }
            self.machines[m].up = runs;
            let machine = MachineId::new(m);
            let state = &mut self.machines[m];
            for key in state.clocks.iter_mut().filter_map(Option::take) {
                ctx.cancel(key);
            }
            for p in &mut state.processes {
                if let Some(key) = p.pending.take() {
                    ctx.cancel(key);
                }
                // A machine that is back starts everything afresh.
                *p = ProcessState::new();
                p.running_since = ctx.now();
            }
            if runs {
                for process in 0..PROCESSES.len() {
                    self.arm(machine, process, ctx);
                }
            }
        }
    }

    /// Starts the failure clocks of `process` on `machine`.
    fn arm<E: From<ProcessEvent>>(
        &mut self,
        machine: MachineId,
        process: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        let state = &mut self.machines[machine.index()];
        let modes = &self.groups[state.group].process_failures;
        for (mode, spec) in modes.iter().enumerate() {
            if slot(spec.process) != process {
                continue;
            }
            let delay = spec
                .time_to_failure
                .sample(ctx.rng(state.fail_streams[mode]));
            let failed = ProcessEvent::Failed {
                machine,
                mode: ModeId::new(mode),
            };
            state.clocks[mode] = Some(ctx.schedule(delay, failed.into()));
        }
    }

    /// Stops the failure clocks of `process` on `machine`.
    fn disarm<E>(&mut self, machine: MachineId, process: usize, ctx: &mut Ctx<'_, E>) {
        let state = &mut self.machines[machine.index()];
        let modes = &self.groups[state.group].process_failures;
        for (mode, spec) in modes.iter().enumerate() {
            if slot(spec.process) == process
                && let Some(key) = state.clocks[mode].take()
            {
                ctx.cancel(key);
            }
        }
    }

    fn phase(&self, machine: MachineId, process: usize) -> Phase {
        self.machines[machine.index()].processes[process].phase
    }

    /// The kubelet and the runtime both run: static pods can be restarted
    /// and probed.
    fn kubelet_works(&self, machine: MachineId) -> bool {
        self.phase(machine, KUBELET) == Phase::Running
            && self.phase(machine, RUNTIME) == Phase::Running
    }

    fn schedule<E: From<ProcessEvent>>(
        &mut self,
        machine: MachineId,
        process: usize,
        delay: SimDuration,
        event: ProcessEvent,
        ctx: &mut Ctx<'_, E>,
    ) {
        let p = &mut self.machines[machine.index()].processes[process];
        if let Some(key) = p.pending.take() {
            ctx.cancel(key);
        }
        p.pending = Some(ctx.schedule(delay, event.into()));
    }

    /// Reacts to one of its events, charging failures and recoveries to
    /// `attribution`.
    pub fn on<E: From<ProcessEvent>>(
        &mut self,
        event: ProcessEvent,
        attribution: &mut Attribution,
        ctx: &mut Ctx<'_, E>,
    ) {
        match event {
            ProcessEvent::Failed { machine, mode } => {
                let state = &mut self.machines[machine.index()];
                state.clocks[mode.index()] = None;
                let spec = &self.groups[state.group].process_failures[mode.index()];
                let process = slot(spec.process);
                if state.processes[process].phase != Phase::Running {
                    return;
                }
                attribution.process_failure(state.group, mode);
                state.processes[process].failed_mode = Some(mode);
                self.disarm(machine, process, ctx);
                match spec.kind {
                    ProcessFailureKind::Crash => self.exit(machine, process, ctx),
                    ProcessFailureKind::Hang => {
                        self.machines[machine.index()].processes[process].phase = Phase::Hung;
                        if self.kubelet_works(machine) {
                            self.probe(machine, process, ctx);
                        }
                    }
                }
            }
            ProcessEvent::LivenessFailed { machine, process } => {
                let process = usize::from(process);
                self.machines[machine.index()].processes[process].pending = None;
                self.exit(machine, process, ctx);
            }
            ProcessEvent::Restarted { machine, process } => {
                let process = usize::from(process);
                self.machines[machine.index()].processes[process].pending = None;
                self.start(machine, process, ctx);
            }
            ProcessEvent::Started { machine, process } => {
                let p = usize::from(process);
                let state = &mut self.machines[machine.index()];
                let group = state.group;
                let ps = &mut state.processes[p];
                ps.pending = None;
                ps.phase = Phase::Running;
                ps.running_since = ctx.now();
                if let Some(mode) = ps.failed_mode.take() {
                    attribution.process_recovered(group, mode);
                }
                self.arm(machine, p, ctx);
                if (p == KUBELET || p == RUNTIME) && self.kubelet_works(machine) {
                    self.kubelet_back(machine, ctx);
                }
            }
        }
    }

    /// The kubelet (or the runtime under it) works again: it starts the
    /// static pods that exited meanwhile at once and probes the hung ones.
    /// A restarted kubelet remembers no back-off.
    fn kubelet_back<E: From<ProcessEvent>>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        for process in 0..KUBELET {
            match self.phase(machine, process) {
                Phase::Waiting => {
                    self.machines[machine.index()].processes[process].crashes = 0;
                    self.start(machine, process, ctx);
                }
                Phase::Hung => self.probe(machine, process, ctx),
                _ => {}
            }
        }
    }

    /// The liveness probe of a hung static pod fails at its next run and
    /// gives up `failureThreshold` − 1 periods later.
    fn probe<E: From<ProcessEvent>>(
        &mut self,
        machine: MachineId,
        process: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        let stream = self.machines[machine.index()].probe_stream;
        let phase = LIVENESS_PERIOD.as_micros() as f64 * ctx.rng(stream).random::<f64>();
        let delay = SimDuration::from_micros(phase as u64)
            + LIVENESS_PERIOD.saturating_mul(LIVENESS_FAILURE_THRESHOLD - 1);
        let failed = ProcessEvent::LivenessFailed {
            machine,
            process: process as u8,
        };
        self.schedule(machine, process, delay, failed, ctx);
    }

    /// `process` exits (or is killed): its supervisor restarts it, and
    /// what it supervises stops with it.
    fn exit<E: From<ProcessEvent>>(
        &mut self,
        machine: MachineId,
        process: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        let restarted = ProcessEvent::Restarted {
            machine,
            process: process as u8,
        };
        match process {
            KUBELET | RUNTIME => {
                self.machines[machine.index()].processes[process].phase = Phase::BackingOff;
                let delay = if process == KUBELET {
                    KUBELET_RESTART_SEC
                } else {
                    RUNTIME_RESTART_SEC
                };
                self.schedule(machine, process, delay, restarted, ctx);
                // Static pods keep running without a kubelet, but nobody
                // restarts or probes them; without a runtime they stop.
                for pod in 0..KUBELET {
                    let ps = &mut self.machines[machine.index()].processes[pod];
                    match (ps.phase, process) {
                        (Phase::Running, KUBELET) => {}
                        // A container that was starting finishes on its own.
                        (Phase::Starting, KUBELET) => {}
                        (Phase::Hung | Phase::BackingOff, KUBELET) => {
                            if let Some(key) = ps.pending.take() {
                                ctx.cancel(key);
                            }
                            if ps.phase == Phase::BackingOff {
                                ps.phase = Phase::Waiting;
                            }
                        }
                        (Phase::Waiting, _) => {}
                        (_, _) => {
                            if let Some(key) = ps.pending.take() {
                                ctx.cancel(key);
                            }
                            ps.phase = Phase::Waiting;
                            self.disarm(machine, pod, ctx);
                        }
                    }
                }
            }
            _ => {
                if !self.kubelet_works(machine) {
                    self.machines[machine.index()].processes[process].phase = Phase::Waiting;
                    return;
                }
                let ps = &mut self.machines[machine.index()].processes[process];
                if now.saturating_since(ps.running_since) >= BACKOFF_RESET {
                    ps.crashes = 0;
                }
                let delay = crash_loop_backoff(ps.crashes);
                ps.crashes += 1;
                ps.phase = Phase::BackingOff;
                self.schedule(machine, process, delay, restarted, ctx);
            }
        }
    }

    /// `process` starts: it serves after a draw of its start-up time.
    fn start<E: From<ProcessEvent>>(
        &mut self,
        machine: MachineId,
        process: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        let state = &self.machines[machine.index()];
        let startup = self.groups[state.group]
            .process_failures
            .iter()
            .find(|m| slot(m.process) == process)
            .map_or(SimDuration::ZERO, |m| {
                m.startup.sample(ctx.rng(state.startup_stream))
            });
        self.machines[machine.index()].processes[process].phase = Phase::Starting;
        let started = ProcessEvent::Started {
            machine,
            process: process as u8,
        };
        self.schedule(machine, process, startup, started, ctx);
    }
}
