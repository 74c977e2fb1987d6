//! Autoscaling in the scenario file: a workload's HorizontalPodAutoscaler
//! or threshold policy, the HPA controller's flags, worker node groups the
//! Cluster Autoscaler may resize, and the Cluster Autoscaler's flags. Raw
//! serde types (1:1 with the file) and their validated forms; every default
//! is the upstream one (k8s-facts §5, §6).

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::schema::{Duration, RawDistribution};
use crate::dist::Distribution;
use crate::engine::SimDuration;

/// A workload's `autoscaling:` block: exactly one policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    /// An autoscaling/v2 HorizontalPodAutoscaler on CPU utilization.
    pub hpa: Option<Spanned<RawHpa>>,
    /// The baseline rule: up by `step` above `scale_up_above`, down below
    /// `1 - scale_up_above`.
    pub threshold: Option<Spanned<RawThreshold>>,
    /// Two decisions in opposite directions this close count as a flap
    /// (default 10m).
    pub flapping_window: Option<Duration>,
}

/// `spec` of an HPA.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHpa {
    /// `minReplicas` (default 1).
    pub min_replicas: Option<Spanned<u64>>,
    /// `maxReplicas`.
    pub max_replicas: Spanned<u64>,
    /// `averageUtilization` of CPU, percent of the request (default 80).
    pub target_cpu_utilization: Option<Spanned<u64>>,
    /// `spec.behavior`; without it the controller's legacy path applies.
    pub behavior: Option<RawBehavior>,
}

/// `spec.behavior`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBehavior {
    /// `scaleUp`.
    pub scale_up: Option<Spanned<RawScalingRules>>,
    /// `scaleDown`.
    pub scale_down: Option<Spanned<RawScalingRules>>,
}

/// `scaleUp` or `scaleDown`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingRules {
    /// `stabilizationWindowSeconds`.
    pub stabilization_window: Option<Spanned<Duration>>,
    /// `selectPolicy`: `max`, `min` or `disabled`.
    pub select_policy: Option<RawSelectPolicy>,
    /// `policies`.
    pub policies: Option<Vec<Spanned<RawScalingPolicy>>>,
    /// Per-direction tolerance (KEP-4951); default the controller's.
    pub tolerance: Option<Spanned<f64>>,
}

/// `selectPolicy`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawSelectPolicy {
    /// The biggest change.
    Max,
    /// The smallest change.
    Min,
    /// No change in this direction.
    Disabled,
}

/// One policy: `{type: pods, value: 4, period: 15s}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingPolicy {
    /// `pods` or `percent`.
    #[serde(rename = "type")]
    pub kind: RawPolicyKind,
    /// Pods, or percent of the replicas.
    pub value: Spanned<u64>,
    /// `periodSeconds` (1s to 30m).
    pub period: Spanned<Duration>,
}

/// Policy types.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolicyKind {
    /// A number of pods.
    Pods,
    /// A percentage of the replicas.
    Percent,
}

/// The threshold baseline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    /// Fewest replicas (default 1).
    pub min_replicas: Option<Spanned<u64>>,
    /// Most replicas.
    pub max_replicas: Spanned<u64>,
    /// S: scale up when utilization exceeds it, down below 1 - S
    /// (a share, above 0.5 and below 1).
    pub scale_up_above: Spanned<f64>,
    /// Replicas added or removed per decision (default 1).
    pub step: Option<Spanned<u64>>,
    /// Time between decisions (default 1m).
    pub period: Option<Spanned<Duration>>,
}

/// kube-controller-manager's HPA flags and metrics-server's resolution.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHpaController {
    /// `--horizontal-pod-autoscaler-sync-period`.
    pub sync_period: Option<Spanned<Duration>>,
    /// `--horizontal-pod-autoscaler-tolerance`.
    pub tolerance: Option<Spanned<f64>>,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period: Option<Duration>,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay: Option<Duration>,
    /// `--horizontal-pod-autoscaler-downscale-stabilization`.
    pub downscale_stabilization: Option<Duration>,
    /// metrics-server `--metric-resolution`: the scrape period and the
    /// window each CPU sample averages over.
    pub metric_resolution: Option<Spanned<Duration>>,
}

/// A worker group the Cluster Autoscaler may resize (`count` is its size
/// at the start).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeGroupScaling {
    /// Fewest nodes.
    pub min: Spanned<u64>,
    /// Most nodes.
    pub max: Spanned<u64>,
    /// For the `priority` expander: higher wins (default 0).
    pub priority: Option<i64>,
}

/// The Cluster Autoscaler's flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClusterAutoscaler {
    /// `--scan-interval`.
    pub scan_interval: Option<Spanned<Duration>>,
    /// `--expander`: `least-waste`, `random` or `priority`.
    pub expander: Option<RawExpander>,
    /// From the request of a node until it is Ready.
    pub provisioning: Option<Spanned<RawDistribution>>,
    /// `--max-node-provision-time`.
    pub max_node_provision_time: Option<Duration>,
    /// `--scale-down-unneeded-time`.
    pub scale_down_unneeded_time: Option<Duration>,
    /// `--scale-down-delay-after-add`.
    pub scale_down_delay_after_add: Option<Duration>,
    /// `--scale-down-utilization-threshold`.
    pub scale_down_utilization_threshold: Option<Spanned<f64>>,
}

/// Expanders.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawExpander {
    /// The group that wastes the least CPU and memory after the scale-up.
    LeastWaste,
    /// Any group, at random.
    Random,
    /// The group with the highest `priority`.
    Priority,
}

/// A workload's autoscaler, validated.
#[derive(Clone, Debug, PartialEq)]
pub enum Policy {
    /// A HorizontalPodAutoscaler.
    Hpa(Hpa),
    /// The threshold baseline.
    Threshold(ThresholdPolicy),
}

/// A workload's autoscaling, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaling {
    /// The policy.
    pub policy: Policy,
    /// Opposite decisions this close count as a flap.
    pub flapping_window: SimDuration,
}

impl Autoscaling {
    /// `[min, max]` replicas.
    pub fn bounds(&self) -> (u32, u32) {
        match &self.policy {
            Policy::Hpa(h) => (h.min_replicas, h.max_replicas),
            Policy::Threshold(t) => (t.min_replicas, t.max_replicas),
        }
    }
}

/// An HPA on CPU utilization, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Hpa {
    /// `minReplicas`.
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// Target average CPU utilization, percent.
    pub target_utilization: u32,
    /// `spec.behavior` with defaults applied; `None` is the legacy path.
    pub behavior: Option<Behavior>,
    /// Tolerance above a ratio of 1.
    pub tolerance_up: f64,
    /// Tolerance below a ratio of 1.
    pub tolerance_down: f64,
}

/// The threshold baseline, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThresholdPolicy {
    /// Fewest replicas.
    pub min_replicas: u32,
    /// Most replicas.
    pub max_replicas: u32,
    /// Scale up above this utilization, down below `1 - scale_up_above`.
    pub scale_up_above: f64,
    /// Replicas per decision.
    pub step: u32,
    /// Time between decisions.
    pub period: SimDuration,
}

/// The HPA controller's flags, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaController {
    /// Sync period.
    pub sync_period: SimDuration,
    /// Tolerance, both directions.
    pub tolerance: f64,
    /// CPU initialization period.
    pub cpu_initialization_period: SimDuration,
    /// Initial readiness delay.
    pub initial_readiness_delay: SimDuration,
    /// Scale-down stabilization when an HPA sets none (and legacy path).
    pub downscale_stabilization: SimDuration,
    /// metrics-server resolution.
    pub metric_resolution: SimDuration,
}

impl Default for HpaController {
    /// The upstream defaults (k8s-facts §5.1, §5.5).
    fn default() -> Self {
        HpaController {
            sync_period: DEFAULT_SYNC_PERIOD,
            tolerance: DEFAULT_TOLERANCE,
            cpu_initialization_period: SimDuration::from_secs(300),
            initial_readiness_delay: SimDuration::from_secs(30),
            downscale_stabilization: DEFAULT_DOWNSCALE_STABILIZATION,
            metric_resolution: SimDuration::from_secs(60),
        }
    }
}

/// A resizable worker group, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeGroupScaling {
    /// Nodes at the start.
    pub initial: usize,
    /// Fewest nodes.
    pub min: usize,
    /// Most nodes (the group has this many machine slots).
    pub max: usize,
    /// Priority for the `priority` expander.
    pub priority: i64,
}

/// How the Cluster Autoscaler picks a node group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expander {
    /// Least wasted CPU and memory.
    LeastWaste,
    /// At random.
    Random,
    /// Highest priority (ties at random).
    Priority,
}

/// The Cluster Autoscaler, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterAutoscaler {
    /// Main loop period.
    pub scan_interval: SimDuration,
    /// Group choice.
    pub expander: Expander,
    /// Request to Ready of a new node.
    pub provisioning: Distribution,
    /// A node not registered by then counts as failed.
    pub max_node_provision_time: SimDuration,
    /// How long a node must be unneeded before removal.
    pub scale_down_unneeded_time: SimDuration,
    /// No scale-down this long after a scale-up.
    pub scale_down_delay_after_add: SimDuration,
    /// A node below this requested share (CPU and memory) is unneeded.
    pub scale_down_utilization_threshold: f64,
}

impl Default for ClusterAutoscaler {
    /// The upstream flag defaults (k8s-facts §6); provisioning "usually 3
    /// to 4 minutes" (the FAQ's GCE figure), as uniform on [3m, 4m].
    fn default() -> Self {
        ClusterAutoscaler {
            scan_interval: SimDuration::from_secs(10),
            expander: Expander::LeastWaste,
            provisioning: Distribution::uniform(
                SimDuration::from_secs(180),
                SimDuration::from_secs(240),
            )
            .expect("3m <= 4m"),
            max_node_provision_time: SimDuration::from_secs(900),
            scale_down_unneeded_time: SimDuration::from_secs(600),
            scale_down_delay_after_add: SimDuration::from_secs(600),
            scale_down_utilization_threshold: 0.5,
        }
    }
}

/// Default HPA sync period (`--horizontal-pod-autoscaler-sync-period`).
pub const DEFAULT_SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// Default tolerance around a usage ratio of 1 in both directions
/// (`--horizontal-pod-autoscaler-tolerance`).
pub const DEFAULT_TOLERANCE: f64 = 0.1;

/// Default scale-down stabilization window
/// (`--horizontal-pod-autoscaler-downscale-stabilization`), used when an HPA
/// sets none, and by the legacy path.
pub const DEFAULT_DOWNSCALE_STABILIZATION: SimDuration = SimDuration::from_secs(300);

/// How much one policy lets the replicas change within its period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// At most this many pods added (scale-up) or removed (scale-down).
    Pods(u32),
    /// At most this percentage of the replicas at the start of the period:
    /// `ceil(start × (1 + p/100))` up, `int(start × (1 − p/100))` down.
    Percent(u32),
}

/// One entry of `behavior.scaleUp.policies` or `behavior.scaleDown.policies`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// The limit.
    pub kind: PolicyKind,
    /// `periodSeconds`: the sliding window the limit applies to.
    pub period: SimDuration,
}

impl ScalingPolicy {
    /// A `Pods` policy: at most `pods` changed per `period`.
    pub fn pods(pods: u32, period: SimDuration) -> Self {
        ScalingPolicy {
            kind: PolicyKind::Pods(pods),
            period,
        }
    }

    /// A `Percent` policy: at most `percent` % changed per `period`.
    pub fn percent(percent: u32, period: SimDuration) -> Self {
        ScalingPolicy {
            kind: PolicyKind::Percent(percent),
            period,
        }
    }
}

/// `selectPolicy`: which policy wins when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy allowing the biggest change (the default).
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction at all.
    Disabled,
}

/// `behavior.scaleUp` or `behavior.scaleDown`, with defaults already
/// applied (the API server's defaulting fills unset fields from
/// [`Behavior::kubernetes_default`]; an unset scale-down window is
/// [`DEFAULT_DOWNSCALE_STABILIZATION`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`: recommendations this recent bound the
    /// change (scale-up: their minimum; scale-down: their maximum).
    pub stabilization_window: SimDuration,
    /// The rate limits; with none, no scaling in this direction.
    pub policies: Vec<ScalingPolicy>,
    /// How the policies combine.
    pub select: SelectPolicy,
}

impl ScalingRules {
    /// The longest policy period (`getLongestPolicyPeriod`); zero without
    /// policies.
    pub fn longest_period(&self) -> SimDuration {
        self.policies
            .iter()
            .map(|p| p.period)
            .max()
            .unwrap_or(SimDuration::ZERO)
    }
}

/// `spec.behavior` of an autoscaling/v2 HPA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behavior {
    /// Rules for adding replicas.
    pub scale_up: ScalingRules,
    /// Rules for removing replicas.
    pub scale_down: ScalingRules,
}

impl Behavior {
    /// The autoscaling/v2 defaults: scale up with no stabilization, by at
    /// most 4 pods or 100 % per 15 s, whichever is more; scale down after a
    /// 300 s stabilization window, by up to 100 % per 15 s.
    pub fn kubernetes_default() -> Behavior {
        let period = SimDuration::from_secs(15);
        Behavior {
            scale_up: ScalingRules {
                stabilization_window: SimDuration::ZERO,
                policies: vec![
                    ScalingPolicy::pods(4, period),
                    ScalingPolicy::percent(100, period),
                ],
                select: SelectPolicy::Max,
            },
            scale_down: ScalingRules {
                stabilization_window: DEFAULT_DOWNSCALE_STABILIZATION,
                policies: vec![ScalingPolicy::percent(100, period)],
                select: SelectPolicy::Max,
            },
        }
    }
}
