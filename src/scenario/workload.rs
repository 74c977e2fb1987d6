//! Workloads in the scenario file: Deployments and StatefulSets with their
//! pods' resources, probes, failures, rollout limits, disruption budgets
//! and offered load. Raw serde types (1:1 with the file), their validated
//! forms, and the upstream defaults.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::quantity::{Cpu, IntOrPercent, Memory};
use super::schema::{Duration, RawDistribution};
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::load::Load;

/// Resources of a node or a pod.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResources {
    /// CPU.
    pub cpu: Cpu,
    /// Memory.
    pub memory: Memory,
}

/// One workload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Unique name; SLIs are `workload.<name>.*`.
    pub name: Spanned<String>,
    /// `deployment` or `statefulset`.
    #[serde(default)]
    pub kind: Option<Spanned<RawWorkloadKind>>,
    /// Desired replicas.
    pub replicas: Spanned<u64>,
    /// Requests of each pod.
    pub requests: RawResources,
    /// Node selector: the worker group the pods run on.
    pub node_group: Option<Spanned<String>>,
    /// Topology spread constraint.
    pub spread: Option<Spanned<RawSpread>>,
    /// Pod anti-affinity on `kubernetes.io/hostname`.
    pub anti_affinity: Option<Spanned<RawAntiAffinity>>,
    /// Not-ready/unreachable toleration (`tolerationSeconds`;
    /// [`DEFAULT_TOLERATION`]).
    pub toleration: Option<Duration>,
    /// Image pull + container start + readiness probe.
    pub startup: Spanned<RawDistribution>,
    /// When the workload counts as up: `{min_ready: k}` or `quorum`.
    pub up: Option<Spanned<RawUpRule>>,
    /// PodDisruptionBudget: `{min_available: 2}` or `{max_unavailable: 1}`
    /// (numbers or percentages such as `50%`).
    pub pdb: Option<Spanned<RawPdb>>,
    /// Requests per second one ready pod serves.
    pub capacity: Option<Spanned<f64>>,
    /// Offered load in requests per second (needs `capacity`).
    pub load: Option<Spanned<RawLoad>>,
    /// Share of the offered load that must be served for the capacity SLI
    /// (default 1.0, all of it: [`DEFAULT_CAPACITY_THRESHOLD`]).
    pub capacity_threshold: Option<Spanned<f64>>,
    /// Random load spikes on top of `load`: `{every: 6h, height: 800,
    /// duration: <distribution>}`.
    pub spikes: Option<Spanned<RawSpikes>>,
    /// Readiness and liveness probe settings.
    pub probes: Option<RawProbes>,
    /// Deployment rollout limits.
    pub rolling_update: Option<Spanned<RawRollingUpdate>>,
    /// Pod-level faults: container crashes, hangs, readiness flaps.
    #[serde(default)]
    pub pod_failures: Vec<RawPodFailure>,
    /// A HorizontalPodAutoscaler or the threshold policy (needs `load`).
    pub autoscaling: Option<Spanned<super::autoscaling::RawAutoscaling>>,
}

/// A Deployment's `strategy.rollingUpdate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollingUpdate {
    /// Extra pods allowed above `replicas` (default 25%, rounded up;
    /// [`DEFAULT_MAX_SURGE_PERCENT`]).
    pub max_surge: Option<IntOrPercent>,
    /// Pods allowed to be unavailable (default 25%, rounded down;
    /// [`DEFAULT_MAX_UNAVAILABLE_PERCENT`]).
    pub max_unavailable: Option<IntOrPercent>,
}

/// Probe settings (the same for readiness and liveness).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbes {
    /// `periodSeconds`.
    pub period: Option<Duration>,
    /// `failureThreshold`.
    pub failure_threshold: Option<Spanned<u64>>,
}

/// A pod-level failure mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodFailure {
    /// Name for reports.
    pub name: Option<Spanned<String>>,
    /// `crash`, `hang` or `unready`.
    pub kind: Spanned<RawPodFailureKind>,
    /// Running time of a pod until this failure.
    #[serde(alias = "ttf")]
    pub time_to_failure: Spanned<RawDistribution>,
    /// `unready` only: how long the pod cannot serve.
    pub duration: Option<Spanned<RawDistribution>>,
}

/// Pod failure kinds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPodFailureKind {
    /// The container exits and is restarted with CrashLoopBackOff.
    Crash,
    /// The container stops answering; liveness restarts it.
    Hang,
    /// Readiness fails for a while (a flap); the pod is not restarted.
    Unready,
}

/// Probe settings, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probes {
    /// Time between probes.
    pub period: SimDuration,
    /// Consecutive failures before the probe fails.
    pub failure_threshold: u32,
}

/// A probe's `periodSeconds`: 10 s (docs/kubernetes-defaults.md §3).
pub const DEFAULT_PROBE_PERIOD: SimDuration = SimDuration::from_secs(10);
/// A probe's `failureThreshold`: 3 (docs/kubernetes-defaults.md §3).
pub const DEFAULT_PROBE_FAILURE_THRESHOLD: u32 = 3;

impl Default for Probes {
    /// [`DEFAULT_PROBE_PERIOD`] and [`DEFAULT_PROBE_FAILURE_THRESHOLD`].
    fn default() -> Self {
        Probes {
            period: DEFAULT_PROBE_PERIOD,
            failure_threshold: DEFAULT_PROBE_FAILURE_THRESHOLD,
        }
    }
}

/// What a pod failure does.
#[derive(Clone, Debug)]
pub enum PodFailureKind {
    /// Container exit; restart after the CrashLoopBackOff delay.
    Crash,
    /// Hang; detected by the probes, then restarted.
    Hang,
    /// Readiness flap lasting this long.
    Unready(Distribution),
}

/// A pod failure mode, validated.
#[derive(Clone, Debug)]
pub struct PodFailure {
    /// Name for reports.
    pub name: String,
    /// What it does.
    pub kind: PodFailureKind,
    /// Running time until it happens.
    pub time_to_failure: Distribution,
}

/// A load profile in requests per second.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawLoad {
    /// `{constant: 300}`
    Constant(f64),
    /// `{diurnal: {peak: 1000, trough: 200, peak_hour: 14}}`: a daily
    /// cosine between trough and peak, highest at `peak_hour` (0-24).
    Diurnal {
        /// Highest rate.
        peak: f64,
        /// Lowest rate.
        trough: f64,
        /// Hour of the day of the peak.
        peak_hour: f64,
    },
    /// `{weekly: {peak: 1000, trough: 200, peak_hour: 14, days: [1, 1, 1,
    /// 1, 1, 0.6, 0.6]}}`: the diurnal cosine times a factor per day; day 0
    /// is the first day of the simulation and the factors repeat weekly.
    Weekly {
        /// Highest rate of a day with factor 1.
        peak: f64,
        /// Lowest rate of a day with factor 1.
        trough: f64,
        /// Hour of the day of the peak.
        peak_hour: f64,
        /// Exactly 7 factors ≥ 0.
        days: Vec<f64>,
    },
    /// `{trace: {file: traces/web.csv}}`: a recorded `time,rate` CSV,
    /// interpolated linearly and looped.
    Trace {
        /// The CSV, relative to the scenario file's directory.
        file: String,
    },
}

/// Random load spikes on top of a workload's `load`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpikes {
    /// Mean time between spike starts (a Poisson process).
    pub every: Spanned<Duration>,
    /// Requests per second each spike adds.
    pub height: Spanned<f64>,
    /// How long each spike lasts.
    pub duration: Spanned<RawDistribution>,
}

/// Load spikes, validated: they start as a Poisson process with mean
/// interval `mean_interval` and each adds `height` requests per second to
/// the profile for a duration drawn from `duration`.
#[derive(Clone, Debug)]
pub struct Spikes {
    /// Mean time between spike starts.
    pub mean_interval: SimDuration,
    /// Requests per second a spike adds.
    pub height: f64,
    /// Length of a spike.
    pub duration: Distribution,
}

/// A PodDisruptionBudget.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPdb {
    /// Pods that must stay available (percentages round up).
    pub min_available: Option<IntOrPercent>,
    /// Pods that may be unavailable (percentages round down).
    pub max_unavailable: Option<IntOrPercent>,
}

/// Workload kinds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawWorkloadKind {
    /// A Deployment (ReplicaSet): replacements as soon as a pod is deleted.
    Deployment,
    /// A StatefulSet: at most one pod per identity.
    #[serde(alias = "stateful-set")]
    Statefulset,
}

/// A topology spread constraint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpread {
    /// `zone` or `hostname`.
    pub topology: RawTopologyKey,
    /// `maxSkew` (default 1, [`DEFAULT_MAX_SKEW`]).
    pub max_skew: Option<u64>,
    /// `do-not-schedule` (default) or `schedule-anyway`.
    pub when_unsatisfiable: Option<RawWhenUnsatisfiable>,
}

/// Topology keys.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawTopologyKey {
    /// `topology.kubernetes.io/zone`.
    Zone,
    /// `kubernetes.io/hostname`.
    Hostname,
}

/// `whenUnsatisfiable`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawWhenUnsatisfiable {
    /// Leave the pod Pending.
    DoNotSchedule,
    /// Prefer, but schedule anyway.
    ScheduleAnyway,
}

/// Anti-affinity strength.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawAntiAffinity {
    /// At most one pod of the workload per node.
    Required,
    /// Prefer different nodes.
    Preferred,
}

/// The rule that makes a workload up.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawUpRule {
    /// At least k ready replicas.
    MinReady(u64),
    /// A majority of the replicas ready.
    Quorum,
}

/// Pod resources in millicores and bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Resources {
    /// CPU, millicores.
    pub cpu_millis: u64,
    /// Memory, bytes.
    pub memory_bytes: u64,
}

impl Resources {
    /// From the raw form.
    pub fn from_raw(raw: &RawResources) -> Self {
        Resources {
            cpu_millis: raw.cpu.0,
            memory_bytes: raw.memory.0,
        }
    }
}

/// Workload kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A Deployment.
    Deployment,
    /// A StatefulSet.
    StatefulSet,
}

/// A spread constraint, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spread {
    /// Spread over zones (true) or nodes (false).
    pub by_zone: bool,
    /// Allowed difference between the fullest and emptiest domain.
    pub max_skew: usize,
    /// Whether violating it leaves the pod Pending.
    pub hard: bool,
}

/// A workload's offered load, validated: `capacity`, `load` and
/// `capacity_threshold` of the file.
#[derive(Clone, Debug)]
pub struct WorkloadLoad {
    /// Requests per second one ready pod serves.
    pub capacity: f64,
    /// Offered requests per second over time.
    pub profile: Load,
    /// Share of the offered load that must be served for the capacity SLI
    /// to be up (0-1].
    pub threshold: f64,
}

/// `tolerationSeconds` of the not-ready and unreachable taints that the
/// DefaultTolerationSeconds admission plugin adds: 300 s
/// (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_TOLERATION: SimDuration = SimDuration::from_secs(300);
/// A Deployment's `rollingUpdate.maxSurge`: 25 %, rounded up
/// (docs/kubernetes-defaults.md §4).
pub const DEFAULT_MAX_SURGE_PERCENT: f64 = 25.0;
/// A Deployment's `rollingUpdate.maxUnavailable`: 25 %, rounded down
/// (docs/kubernetes-defaults.md §4).
pub const DEFAULT_MAX_UNAVAILABLE_PERCENT: f64 = 25.0;
/// A spread constraint's `maxSkew`: Kubernetes requires it
/// (docs/kubernetes-defaults.md §4); 1, the strictest, when the file omits it.
pub const DEFAULT_MAX_SKEW: u64 = 1;
/// Ready replicas that make a workload up without an `up` rule: no
/// upstream default; one, as any ready pod serves.
pub const DEFAULT_MIN_READY: usize = 1;
/// Share of the offered load that must be served for the capacity SLI
/// without a `capacity_threshold`: no upstream default; all of it.
pub const DEFAULT_CAPACITY_THRESHOLD: f64 = 1.0;

/// The largest rate (requests per second) a `capacity`, `load`, spike
/// `height` or trace row may give: a billion, the most 10,000 replicas
/// (the largest `replicas`) serving 100,000 requests per second each could
/// serve. No upstream default: a bound on what can be meaningful, which
/// also keeps the served and offered request sums of a year finite
/// (1e9 × 3.2e7 s ≈ 3e16), where a rate such as 1e308 overflowed them to
/// infinity and left `null` in the JSON report.
pub const MAX_RATE: f64 = 1e9;

/// The largest `weekly` day factor: a day a hundred times busier than the
/// reference day is already beyond any weekly pattern.
pub const MAX_DAY_FACTOR: f64 = 100.0;

/// A workload, validated.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Name.
    pub name: String,
    /// Deployment or StatefulSet.
    pub kind: WorkloadKind,
    /// Desired replicas.
    pub replicas: usize,
    /// Requests of each pod.
    pub requests: Resources,
    /// Index of the worker group the pods must run on.
    pub node_group: Option<usize>,
    /// Topology spread.
    pub spread: Option<Spread>,
    /// Hostname anti-affinity: `Some(true)` required, `Some(false)` preferred.
    pub anti_affinity: Option<bool>,
    /// Not-ready/unreachable toleration.
    pub toleration: SimDuration,
    /// Start-up time of a pod.
    pub startup: Distribution,
    /// Ready replicas needed for the workload to be up.
    pub min_ready: usize,
    /// PodDisruptionBudget as the number of pods that must stay available
    /// during voluntary evictions (drains); `None` without a budget.
    pub pdb_min_available: Option<usize>,
    /// Readiness and liveness probes.
    pub probes: Probes,
    /// Rollouts: extra pods allowed above `replicas`.
    pub max_surge: usize,
    /// Rollouts: pods allowed to be unavailable.
    pub max_unavailable: usize,
    /// Pod-level failure modes.
    pub pod_failures: Vec<PodFailure>,
    /// The offered load and what one pod serves of it, when given.
    pub load: Option<WorkloadLoad>,
    /// Random load spikes on top of the load (only with `load`).
    pub spikes: Option<Spikes>,
    /// Replicas set by an autoscaler between its bounds.
    pub autoscaling: Option<super::autoscaling::Autoscaling>,
}
