//! The data plane in the scenario file: worker resources, the node
//! lifecycle controller's timers, and workloads. Raw serde types (1:1 with
//! the file) and their validated forms.

use crate::load::{Load, Trace};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

use super::schema::{Duration, RawDistribution};
use crate::dist::Distribution;
use crate::engine::SimDuration;

/// CPU as Kubernetes writes it: cores (`2`, `0.5`) or millicores (`500m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu(pub u64);

/// Memory as Kubernetes writes it: bytes or a suffix (`512Mi`, `16Gi`, `1G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory(pub u64);

fn parse_cpu(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('m') {
        Some(n) => (n, 1.0),
        None => (text, 1000.0),
    };
    match number.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "`{text}` is not a CPU quantity; write cores (2, 0.5) or millicores (500m)"
        )),
    }
}

fn parse_memory(text: &str) -> Result<u64, String> {
    let text = text.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| text.strip_suffix(suffix).map(|n| (n, *scale)))
        .unwrap_or((text, 1.0));
    match number.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "`{text}` is not a memory quantity; write e.g. 512Mi, 16Gi or 1G"
        )),
    }
}

macro_rules! quantity {
    ($ty:ident, $parse:ident, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$ty, E> {
                        $parse(text).map($ty).map_err(E::custom)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                deserializer.deserialize_any(V)
            }
        }
    };
}
quantity!(Cpu, parse_cpu, "a CPU quantity, e.g. 2 or 500m");
quantity!(
    Memory,
    parse_memory,
    "a memory quantity, e.g. 512Mi or 16Gi"
);

/// Resources of a node or a pod.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResources {
    /// CPU.
    pub cpu: Cpu,
    /// Memory.
    pub memory: Memory,
}

/// kube-controller-manager's node lifecycle controller (docs/kubernetes-defaults.md §2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeLifecycle {
    /// `--node-monitor-period`.
    pub monitor_period: Option<Duration>,
    /// `--node-monitor-grace-period`; must be longer than zero.
    pub grace_period: Option<Spanned<Duration>>,
    /// Kubelet node-lease renew interval (0.25 x 40 s).
    pub lease_renew_interval: Option<Duration>,
    /// `--node-eviction-rate`, nodes per second per zone.
    pub eviction_rate: Option<Spanned<f64>>,
    /// `--secondary-node-eviction-rate`.
    pub secondary_eviction_rate: Option<Spanned<f64>>,
    /// `--large-cluster-size-threshold`.
    pub large_cluster_size_threshold: Option<u64>,
    /// `--unhealthy-zone-threshold`.
    pub unhealthy_zone_threshold: Option<Spanned<f64>>,
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
    pub name: Option<String>,
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

/// Why a trace CSV cannot be used: the 1-based line (0 for the whole
/// file) and what is wrong.
pub type TraceProblem = (usize, String);

/// A time cell: seconds (`90`, `1.5`) or a duration with a unit (`90s`).
fn trace_time(cell: &str) -> Option<f64> {
    match cell.parse::<f64>() {
        Ok(seconds) => Some(seconds),
        Err(_) => cell
            .parse::<SimDuration>()
            .ok()
            .map(SimDuration::as_secs_f64),
    }
}

/// Reads a trace CSV: `time,rate` rows, the time in seconds or as a
/// duration with a unit (`90s`, `15m`, `2h`), the rate in requests per
/// second. A first row whose first cell is not a time is a header and
/// skipped; blank lines are skipped. Every problem is returned, by line.
pub fn parse_trace_csv(text: &str) -> Result<Trace, Vec<TraceProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut problems: Vec<TraceProblem> = Vec::new();
    let mut first_row = true;
    // The last good time and its line, for the ordering check.
    let mut previous: Option<(f64, usize)> = None;
    let unquote = |cell: &str| {
        let cell = cell.trim();
        cell.strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .unwrap_or(cell)
            .trim()
            .to_string()
    };
    for (index, line) in text.lines().enumerate() {
        let row = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = line.split(',').map(unquote).collect();
        let header = first_row && trace_time(&cells[0]).is_none();
        first_row = false;
        if header {
            continue;
        }
        if cells.len() != 2 {
            problems.push((
                row,
                format!(
                    "expected 2 cells `time,rate`, found {}: `{}`",
                    cells.len(),
                    line.trim()
                ),
            ));
            continue;
        }
        let time = match trace_time(&cells[0]) {
            Some(t) if t.is_finite() => Some(t),
            _ => {
                problems.push((
                    row,
                    format!(
                        "`{}` is not a time; write seconds (90) or a duration with a unit (90s, 15m, 2h)",
                        cells[0]
                    ),
                ));
                None
            }
        };
        let rate = match cells[1].parse::<f64>() {
            Ok(r) if r.is_finite() && r >= 0.0 => Some(r),
            Ok(r) if r < 0.0 => {
                problems.push((
                    row,
                    format!("rate {r} is negative; requests per second must be 0 or more"),
                ));
                None
            }
            _ => {
                problems.push((
                    row,
                    format!(
                        "`{}` is not a rate; write requests per second as a number ≥ 0, e.g. 250",
                        cells[1]
                    ),
                ));
                None
            }
        };
        if let Some(time) = time {
            match previous {
                None if time != 0.0 => problems.push((
                    row,
                    format!("the first time is {time}s; a trace starts at 0"),
                )),
                Some((before, before_row)) if time <= before => problems.push((
                    row,
                    format!(
                        "time {time}s is not after {before}s (line {before_row}); times must strictly increase"
                    ),
                )),
                _ => {}
            }
            previous = Some((time, row));
            if let Some(rate) = rate {
                points.push((time, rate));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if points.len() < 2 {
        return Err(vec![(
            0,
            format!(
                "has {} data rows; a trace needs at least 2 `time,rate` rows (the last row's time is the loop period)",
                points.len()
            ),
        )]);
    }
    Trace::new(points).map_err(|message| vec![(0, message)])
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

/// A whole number or a percentage, as Kubernetes writes `IntOrString`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IntOrPercent {
    /// A count of pods.
    Int(u64),
    /// A share of the replicas, in percent.
    Percent(f64),
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of pods or a percentage such as 50%")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrPercent, E> {
                Ok(IntOrPercent::Int(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrPercent, E> {
                u64::try_from(v)
                    .map(IntOrPercent::Int)
                    .map_err(|_| E::custom("a pod count cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IntOrPercent, E> {
                let bad = || {
                    E::custom(format!(
                        "`{text}`: write a whole number or a percentage such as 50%"
                    ))
                };
                match text.trim().strip_suffix('%') {
                    Some(p) => p
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .map(IntOrPercent::Percent)
                        .ok_or_else(bad),
                    None => text
                        .trim()
                        .parse::<u64>()
                        .map(IntOrPercent::Int)
                        .map_err(|_| bad()),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
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

/// Node lifecycle timers, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeLifecycle {
    /// How often the controller checks heartbeats.
    pub monitor_period: SimDuration,
    /// Silence after which a node is marked NotReady/Unknown.
    pub grace_period: SimDuration,
    /// Kubelet lease renew interval.
    pub lease_renew_interval: SimDuration,
    /// Taints per second per healthy zone.
    pub eviction_rate: f64,
    /// Taints per second in a partially disrupted zone.
    pub secondary_eviction_rate: f64,
    /// Zone size at or below which the secondary rate is 0.
    pub large_cluster_size_threshold: usize,
    /// Share of NotReady nodes making a zone partially disrupted.
    pub unhealthy_zone_threshold: f64,
}

/// `--node-monitor-period`: 5 s (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_NODE_MONITOR_PERIOD: SimDuration = SimDuration::from_secs(5);
/// `--node-monitor-grace-period`: 50 s since Kubernetes v1.32, 40 s before
/// (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_NODE_MONITOR_GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// The kubelet's node-lease renew interval: 0.25 x the 40 s lease, 10 s
/// (docs/kubernetes-defaults.md §2.1).
pub const DEFAULT_NODE_LEASE_RENEW_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// `--node-eviction-rate`: 0.1 nodes per second per zone
/// (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_NODE_EVICTION_RATE: f64 = 0.1;
/// `--secondary-node-eviction-rate`: 0.01 nodes per second
/// (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_SECONDARY_NODE_EVICTION_RATE: f64 = 0.01;
/// `--large-cluster-size-threshold`: 50 nodes
/// (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_LARGE_CLUSTER_SIZE_THRESHOLD: usize = 50;
/// `--unhealthy-zone-threshold`: 0.55 (docs/kubernetes-defaults.md §2.2).
pub const DEFAULT_UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;

impl Default for NodeLifecycle {
    /// The upstream defaults, `DEFAULT_NODE_*` and friends above.
    fn default() -> Self {
        NodeLifecycle {
            monitor_period: DEFAULT_NODE_MONITOR_PERIOD,
            grace_period: DEFAULT_NODE_MONITOR_GRACE_PERIOD,
            lease_renew_interval: DEFAULT_NODE_LEASE_RENEW_INTERVAL,
            eviction_rate: DEFAULT_NODE_EVICTION_RATE,
            secondary_eviction_rate: DEFAULT_SECONDARY_NODE_EVICTION_RATE,
            large_cluster_size_threshold: DEFAULT_LARGE_CLUSTER_SIZE_THRESHOLD,
            unhealthy_zone_threshold: DEFAULT_UNHEALTHY_ZONE_THRESHOLD,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_csv() {
        let trace =
            parse_trace_csv("time,rate\r\n0,100\r\n\r\n30s,300\n1m,300\n\"90\",50\n2m,200\n")
                .unwrap();
        assert_eq!(
            trace.points(),
            &[
                (0.0, 100.0),
                (30.0, 300.0),
                (60.0, 300.0),
                (90.0, 50.0),
                (120.0, 200.0)
            ]
        );
        // Without a header.
        assert_eq!(parse_trace_csv("0,1\n1h,2\n").unwrap().period(), 3600.0);
        let problems =
            parse_trace_csv("time,rate\n0,100\n10,abc\n20,200\n20,250\n30,-5\nx,1\n7,8,9\n")
                .unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [3, 5, 6, 7, 8], "{problems:?}");
        assert!(problems[0].1.contains("`abc` is not a rate"));
        assert!(problems[1].1.contains("not after 20s (line 4)"));
        assert!(problems[2].1.contains("negative"));
        assert!(problems[3].1.contains("`x` is not a time"));
        assert!(problems[4].1.contains("expected 2 cells"));
        let first = parse_trace_csv("5,100\n10,200\n").unwrap_err();
        assert_eq!(first[0].0, 1);
        assert!(first[0].1.contains("starts at 0"));
        let short = parse_trace_csv("time,rate\n0,100\n").unwrap_err();
        assert_eq!(short[0].0, 0);
        assert!(short[0].1.contains("at least 2"));
        assert!(parse_trace_csv("").is_err());
        assert!(Trace::new(vec![(0.0, 1.0), (0.0, 2.0)]).is_err());
        assert!(Trace::new(vec![(0.0, 1.0), (1.0, f64::NAN)]).is_err());
    }

    fn scenario_with(load: &str, extra: &str) -> String {
        format!(
            "horizon: 30d
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: 20s }}
{load}{extra}"
        )
    }

    /// Parses as if the scenario were a file in `tests/data/`.
    fn parse(text: &str) -> Result<crate::scenario::Scenario, crate::scenario::ScenarioError> {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scenario.yaml");
        crate::scenario::Scenario::parse(text, file, "test")
    }

    /// The problems for `field`, as (line, message).
    fn problems(text: &str, field: &str) -> Vec<(u64, String)> {
        let err = parse(text).expect_err("the scenario should be refused");
        err.problems()
            .into_iter()
            .filter(|p| p.field == field)
            .map(|p| (p.line, p.message))
            .collect()
    }

    /// The `load:` line of [`scenario_with`].
    const LOAD_LINE: u64 = 19;

    #[test]
    fn a_trace_is_read_relative_to_the_scenario_file() {
        let text = scenario_with(
            "    capacity: 100\n    load: { trace: { file: trace-web.csv } }\n",
            "    spikes: { every: 6h, height: 800, duration: { exponential: { mean: 10m } } }\n",
        );
        let scenario = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let workload = &scenario.workloads[0];
        let load = &workload.load.as_ref().unwrap().profile;
        assert_eq!(load.at(45.0), 300.0);
        assert_eq!(load.at(120.0), 100.0);
        let spikes = workload.spikes.as_ref().unwrap();
        assert_eq!(spikes.mean_interval, SimDuration::from_secs(6 * 3600));
        assert_eq!(spikes.height, 800.0);
        assert!(!spikes.duration.is_zero());
        let weekly = scenario_with(
            "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, 1, 1, 0.6, 0.6] } }\n",
            "",
        );
        let scenario = parse(&weekly).unwrap_or_else(|e| panic!("{e}"));
        let load = &scenario.workloads[0].load.as_ref().unwrap().profile;
        // Saturday (day 5, factor 0.6) at the 14:00 peak: 0.6 x 400.
        assert!((load.at(5.0 * 86_400.0 + 14.0 * 3600.0) - 240.0).abs() < 1e-9);
    }

    #[test]
    fn bad_traces_are_reported_with_their_lines() {
        let field = "workloads[0].load.trace.file";
        let found = problems(
            &scenario_with(
                "    capacity: 100\n    load: { trace: { file: trace-bad.csv } }\n",
                "",
            ),
            field,
        );
        let messages: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(found.iter().all(|p| p.0 == LOAD_LINE), "{found:?}");
        assert!(
            messages[0].contains("trace-bad.csv line 3: `abc` is not a rate"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("trace-bad.csv line 5: time 20s is not after 20s"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("trace-bad.csv line 6: rate -5 is negative"),
            "{messages:?}"
        );
        let missing = problems(
            &scenario_with(
                "    capacity: 100\n    load: { trace: { file: no-such.csv } }\n",
                "",
            ),
            field,
        );
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, LOAD_LINE);
        assert!(missing[0].1.contains("cannot read trace"), "{missing:?}");
        assert!(missing[0].1.contains("no-such.csv"), "{missing:?}");
    }

    #[test]
    fn weekly_needs_seven_days() {
        let six = problems(
            &scenario_with(
                "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, 1, 1, 1] } }\n",
                "",
            ),
            "workloads[0].load.weekly.days",
        );
        assert_eq!(six.len(), 1);
        assert_eq!(six[0].0, LOAD_LINE);
        assert!(
            six[0].1.contains("6 factors given; write exactly 7"),
            "{six:?}"
        );
        let negative = problems(
            &scenario_with(
                "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, -1, 1, 1, 1] } }\n",
                "",
            ),
            "workloads[0].load.weekly.days[3]",
        );
        assert_eq!(negative.len(), 1, "{negative:?}");
        let missing = parse(&scenario_with(
            "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14 } }\n",
            "",
        ))
        .unwrap_err();
        assert!(err_mentions(&missing, "days"), "{missing}");
    }

    fn err_mentions(err: &crate::scenario::ScenarioError, text: &str) -> bool {
        err.to_string().contains(text)
    }

    #[test]
    fn spikes_need_a_load_and_a_height() {
        let without = problems(
            &scenario_with(
                "",
                "    spikes: { every: 6h, height: 800, duration: { deterministic: 5m } }\n",
            ),
            "workloads[0].spikes",
        );
        assert_eq!(without.len(), 1);
        assert_eq!(without[0].0, LOAD_LINE - 1);
        assert!(without[0].1.contains("add a `load`"), "{without:?}");
        for height in ["0", "-3"] {
            let flat = problems(
                &scenario_with(
                    "    capacity: 100\n    load: { constant: 200 }\n",
                    &format!(
                        "    spikes: {{ every: 6h, height: {height}, duration: {{ deterministic: 5m }} }}\n"
                    ),
                ),
                "workloads[0].spikes.height",
            );
            assert_eq!(flat.len(), 1, "{flat:?}");
            assert_eq!(flat[0].0, LOAD_LINE + 1);
            assert!(flat[0].1.contains("above zero"), "{flat:?}");
        }
        let never = problems(
            &scenario_with(
                "    capacity: 100\n    load: { constant: 200 }\n",
                "    spikes: { every: 0, height: 5, duration: { deterministic: 0s } }\n",
            ),
            "workloads[0].spikes.every",
        );
        assert_eq!(never.len(), 1, "{never:?}");
    }
}
