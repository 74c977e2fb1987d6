//! Autoscaling in the scenario file: a workload's HorizontalPodAutoscaler
//! or threshold policy, the HPA controller's flags, worker node groups the
//! Cluster Autoscaler may resize, and the Cluster Autoscaler's flags. Raw
//! serde types (1:1 with the file) and their validated forms; every default
//! is the upstream one (docs/kubernetes-defaults.md §5, §6), a named
//! constant below.

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
    /// (default 10m, [`DEFAULT_FLAPPING_WINDOW`]).
    pub flapping_window: Option<Duration>,
}

/// `spec` of an HPA.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHpa {
    /// `minReplicas` (default 1, [`DEFAULT_MIN_REPLICAS`]).
    pub min_replicas: Option<Spanned<u64>>,
    /// `maxReplicas`.
    pub max_replicas: Spanned<u64>,
    /// `averageUtilization` of CPU, percent of the request (default 80,
    /// [`DEFAULT_TARGET_CPU_UTILIZATION`]).
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
    /// Fewest replicas (default 1, [`DEFAULT_MIN_REPLICAS`]).
    pub min_replicas: Option<Spanned<u64>>,
    /// Most replicas.
    pub max_replicas: Spanned<u64>,
    /// S: scale up when utilization exceeds it, down below 1 - S
    /// (a share, above 0.5 and below 1).
    pub scale_up_above: Spanned<f64>,
    /// Replicas added or removed per decision (default 1,
    /// [`DEFAULT_THRESHOLD_STEP`]).
    pub step: Option<Spanned<u64>>,
    /// Time between decisions (default 1m, [`DEFAULT_THRESHOLD_PERIOD`]).
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
    /// For the `priority` expander: higher wins (default 0,
    /// [`DEFAULT_NODE_GROUP_PRIORITY`]).
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
    /// The upstream defaults (docs/kubernetes-defaults.md §5.1, §5.5).
    fn default() -> Self {
        HpaController {
            sync_period: DEFAULT_SYNC_PERIOD,
            tolerance: DEFAULT_TOLERANCE,
            cpu_initialization_period: DEFAULT_CPU_INITIALIZATION_PERIOD,
            initial_readiness_delay: DEFAULT_INITIAL_READINESS_DELAY,
            downscale_stabilization: DEFAULT_DOWNSCALE_STABILIZATION,
            metric_resolution: DEFAULT_METRIC_RESOLUTION,
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
    /// The upstream flag defaults (docs/kubernetes-defaults.md §6).
    fn default() -> Self {
        ClusterAutoscaler {
            scan_interval: DEFAULT_SCAN_INTERVAL,
            expander: DEFAULT_EXPANDER,
            provisioning: default_provisioning(),
            max_node_provision_time: DEFAULT_MAX_NODE_PROVISION_TIME,
            scale_down_unneeded_time: DEFAULT_SCALE_DOWN_UNNEEDED_TIME,
            scale_down_delay_after_add: DEFAULT_SCALE_DOWN_DELAY_AFTER_ADD,
            scale_down_utilization_threshold: DEFAULT_SCALE_DOWN_UTILIZATION_THRESHOLD,
        }
    }
}

/// `--horizontal-pod-autoscaler-sync-period`: 15 s
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// `--horizontal-pod-autoscaler-tolerance`: 0.1 around a usage ratio of 1,
/// in both directions (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_TOLERANCE: f64 = 0.1;

/// `--horizontal-pod-autoscaler-downscale-stabilization`: 5 m, used when an
/// HPA sets no scale-down window, and by the legacy path
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_DOWNSCALE_STABILIZATION: SimDuration = SimDuration::from_secs(300);

/// `--horizontal-pod-autoscaler-cpu-initialization-period`: 5 m
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_CPU_INITIALIZATION_PERIOD: SimDuration = SimDuration::from_secs(300);

/// `--horizontal-pod-autoscaler-initial-readiness-delay`: 30 s
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_INITIAL_READINESS_DELAY: SimDuration = SimDuration::from_secs(30);

/// metrics-server `--metric-resolution`: 60 s (docs/kubernetes-defaults.md
/// §5.5).
pub const DEFAULT_METRIC_RESOLUTION: SimDuration = SimDuration::from_secs(60);

/// An HPA's `minReplicas`, and the threshold policy's: 1
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_MIN_REPLICAS: u32 = 1;

/// An HPA's CPU `averageUtilization` target: 80 %
/// (docs/kubernetes-defaults.md §5.1).
pub const DEFAULT_TARGET_CPU_UTILIZATION: u32 = 80;

/// `behavior.scaleUp`: at most 4 pods per policy period
/// (docs/kubernetes-defaults.md §5.2).
pub const DEFAULT_SCALE_UP_PODS: u32 = 4;

/// `behavior.scaleUp` and `behavior.scaleDown`: at most 100 % of the
/// replicas per policy period (docs/kubernetes-defaults.md §5.2).
pub const DEFAULT_SCALE_PERCENT: u32 = 100;

/// The `periodSeconds` of the default `behavior` policies: 15 s
/// (docs/kubernetes-defaults.md §5.2).
pub const DEFAULT_POLICY_PERIOD: SimDuration = SimDuration::from_secs(15);

/// Two decisions in opposite directions this close count as a flap: no
/// upstream default; ten minutes.
pub const DEFAULT_FLAPPING_WINDOW: SimDuration = SimDuration::from_secs(600);

/// Replicas the threshold policy adds or removes per decision: no upstream
/// default (the policy is a baseline of nines); one.
pub const DEFAULT_THRESHOLD_STEP: u32 = 1;

/// Time between the threshold policy's decisions: no upstream default (the
/// policy is a baseline of nines); one minute.
pub const DEFAULT_THRESHOLD_PERIOD: SimDuration = SimDuration::from_secs(60);

/// A node group's `priority` for the `priority` expander: 0.
pub const DEFAULT_NODE_GROUP_PRIORITY: i64 = 0;

/// Cluster Autoscaler `--scan-interval`: 10 s (docs/kubernetes-defaults.md §6).
pub const DEFAULT_SCAN_INTERVAL: SimDuration = SimDuration::from_secs(10);

/// Cluster Autoscaler `--expander`: `least-waste` since early 2025, `random`
/// before (docs/kubernetes-defaults.md §6).
pub const DEFAULT_EXPANDER: Expander = Expander::LeastWaste;

/// The fastest a requested node becomes Ready: provisioning takes "usually
/// 3 to 4 minutes" (the FAQ's GCE figure), drawn uniformly on [3m, 4m]
/// (docs/kubernetes-defaults.md §6).
pub const DEFAULT_PROVISIONING_FASTEST: SimDuration = SimDuration::from_secs(180);

/// The slowest a requested node becomes Ready; see
/// [`DEFAULT_PROVISIONING_FASTEST`].
pub const DEFAULT_PROVISIONING_SLOWEST: SimDuration = SimDuration::from_secs(240);

/// The default provisioning time: uniform between
/// [`DEFAULT_PROVISIONING_FASTEST`] and [`DEFAULT_PROVISIONING_SLOWEST`]
/// (a function, as a distribution cannot be a constant).
pub fn default_provisioning() -> Distribution {
    Distribution::uniform(DEFAULT_PROVISIONING_FASTEST, DEFAULT_PROVISIONING_SLOWEST)
        .expect("3m <= 4m")
}

/// Cluster Autoscaler `--max-node-provision-time`: 15 m
/// (docs/kubernetes-defaults.md §6).
pub const DEFAULT_MAX_NODE_PROVISION_TIME: SimDuration = SimDuration::from_secs(900);

/// Cluster Autoscaler `--scale-down-unneeded-time`: 10 m
/// (docs/kubernetes-defaults.md §6).
pub const DEFAULT_SCALE_DOWN_UNNEEDED_TIME: SimDuration = SimDuration::from_secs(600);

/// Cluster Autoscaler `--scale-down-delay-after-add`: 10 m
/// (docs/kubernetes-defaults.md §6).
pub const DEFAULT_SCALE_DOWN_DELAY_AFTER_ADD: SimDuration = SimDuration::from_secs(600);

/// Cluster Autoscaler `--scale-down-utilization-threshold`: 0.5
/// (docs/kubernetes-defaults.md §6).
pub const DEFAULT_SCALE_DOWN_UTILIZATION_THRESHOLD: f64 = 0.5;

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
    /// The autoscaling/v2 defaults (docs/kubernetes-defaults.md §5.2): scale
    /// up with no stabilization, by at most 4 pods or 100 % per 15 s,
    /// whichever is more; scale down after a 300 s stabilization window, by
    /// up to 100 % per 15 s.
    pub fn kubernetes_default() -> Behavior {
        let period = DEFAULT_POLICY_PERIOD;
        Behavior {
            scale_up: ScalingRules {
                stabilization_window: SimDuration::ZERO,
                policies: vec![
                    ScalingPolicy::pods(DEFAULT_SCALE_UP_PODS, period),
                    ScalingPolicy::percent(DEFAULT_SCALE_PERCENT, period),
                ],
                select: SelectPolicy::Max,
            },
            scale_down: ScalingRules {
                stabilization_window: DEFAULT_DOWNSCALE_STABILIZATION,
                policies: vec![ScalingPolicy::percent(DEFAULT_SCALE_PERCENT, period)],
                select: SelectPolicy::Max,
            },
        }
    }
}
