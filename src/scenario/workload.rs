//! The data plane in the scenario file: worker resources, the node
//! lifecycle controller's timers, and workloads. Raw serde types (1:1 with
//! the file) and their validated forms.

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

/// kube-controller-manager's node lifecycle controller (k8s-facts §2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeLifecycle {
    /// `--node-monitor-period`.
    pub monitor_period: Option<Duration>,
    /// `--node-monitor-grace-period`.
    pub grace_period: Option<Duration>,
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
    /// Not-ready/unreachable toleration (`tolerationSeconds`).
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
    /// (default 1.0: all of it).
    pub capacity_threshold: Option<Spanned<f64>>,
    /// Readiness and liveness probe settings.
    pub probes: Option<RawProbes>,
    /// Deployment rollout limits.
    pub rolling_update: Option<Spanned<RawRollingUpdate>>,
    /// Pod-level faults: container crashes, hangs, readiness flaps.
    #[serde(default)]
    pub pod_failures: Vec<RawPodFailure>,
}

/// A Deployment's `strategy.rollingUpdate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollingUpdate {
    /// Extra pods allowed above `replicas` (default 25%, rounded up).
    pub max_surge: Option<IntOrPercent>,
    /// Pods allowed to be unavailable (default 25%, rounded down).
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

impl Default for Probes {
    /// `periodSeconds: 10`, `failureThreshold: 3` (k8s-facts §3).
    fn default() -> Self {
        Probes {
            period: SimDuration::from_secs(10),
            failure_threshold: 3,
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
}

/// Offered load, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// A constant rate.
    Constant(f64),
    /// `mid + amplitude * cos(2π (t - peak) / 1 day)`.
    Diurnal {
        /// Mean rate.
        mid: f64,
        /// Half the peak-to-trough swing.
        amplitude: f64,
        /// Seconds into the day of the peak.
        peak_second: f64,
    },
}

/// Seconds in a day.
const DAY: f64 = 86_400.0;

impl Load {
    /// Requests per second offered at `t` seconds.
    pub fn at(&self, t: f64) -> f64 {
        match *self {
            Load::Constant(rate) => rate,
            Load::Diurnal {
                mid,
                amplitude,
                peak_second,
            } => mid + amplitude * (std::f64::consts::TAU * (t - peak_second) / DAY).cos(),
        }
    }

    /// The first time strictly after `t` (seconds) at which the load crosses
    /// `level`, if it ever does.
    pub fn next_crossing(&self, t: f64, level: f64) -> Option<f64> {
        let Load::Diurnal {
            mid,
            amplitude,
            peak_second,
        } = *self
        else {
            return None;
        };
        if amplitude <= 0.0 {
            return None;
        }
        let c = (level - mid) / amplitude;
        if !(-1.0..1.0).contains(&c) {
            return None;
        }
        // Phase θ = 2π (t - peak) / day crosses at ±acos(c) + 2πk.
        let a = c.acos();
        let tau = std::f64::consts::TAU;
        let phase = tau * (t - peak_second) / DAY;
        let turns = (phase / tau).floor();
        let mut best = f64::INFINITY;
        for k in [turns, turns + 1.0] {
            for root in [a, tau - a] {
                let candidate_phase = tau * k + root;
                if candidate_phase > phase + 1e-12 {
                    best = best.min(candidate_phase);
                }
            }
        }
        Some(peak_second + best / tau * DAY)
    }
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
    /// `maxSkew` (default 1).
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

impl Default for NodeLifecycle {
    /// The real defaults (k8s-facts §2.1, §2.2; grace period as of v1.32).
    fn default() -> Self {
        NodeLifecycle {
            monitor_period: SimDuration::from_secs(5),
            grace_period: SimDuration::from_secs(50),
            lease_renew_interval: SimDuration::from_secs(10),
            eviction_rate: 0.1,
            secondary_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
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
    /// Requests per second one ready pod serves, with the offered load and
    /// the share that must be served, when a load is given.
    pub load: Option<(f64, Load, f64)>,
}
