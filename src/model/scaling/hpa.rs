//! The HorizontalPodAutoscaler controller's arithmetic, exactly as Kubernetes
//! computes it: pure functions and one small state holder, with no RNG, no
//! clock and no global state.
//!
//! The model calls this once per HPA sync period
//! (`--horizontal-pod-autoscaler-sync-period`, [`DEFAULT_SYNC_PERIOD`]) for
//! each autoscaled workload, in two steps:
//!
//! 1. [`desired_replicas`] is `ReplicaCalculator.GetResourceReplicas`
//!    (`pkg/controller/podautoscaler/replica_calculator.go`): the usage ratio
//!    from a truncated integer utilization, the tolerance band, and the
//!    conservative re-computation when pods are missing metrics or unready.
//!    The caller classifies each pod first, as `groupPods` does (see
//!    [`PodCondition`]).
//! 2. [`Normalizer::reconcile`] (or [`Normalizer::normalize`]) is the tail of
//!    `reconcileAutoscaler` (`horizontal.go`): the guards for zero replicas and
//!    replicas outside `[minReplicas, maxReplicas]`, then either
//!    `normalizeDesiredReplicasWithBehaviors` (stabilization windows, then
//!    the Pods/Percent rate limits of `spec.behavior`, then the min/max clamp)
//!    or, for an HPA without `spec.behavior`, the legacy
//!    `normalizeDesiredReplicas`. It keeps the controller's per-HPA memory:
//!    the recommendation history and the scale events.
//!
//! Times are [`SimTime`]s; windows and policy periods are [`SimDuration`]s.
//! Where the controller compares timestamps with `After`/`Before` a cutoff,
//! this module does too, so the edges of windows match to the microsecond.

use std::fmt;

use crate::engine::{SimDuration, SimTime};

pub use crate::scenario::autoscaling::{
    Behavior, DEFAULT_DOWNSCALE_STABILIZATION, DEFAULT_SYNC_PERIOD, DEFAULT_TOLERANCE, PolicyKind,
    ScalingPolicy, ScalingRules, SelectPolicy,
};

/// Legacy path (no `spec.behavior`): one step may at most multiply the
/// replicas by this (`scaleUpLimitFactor`, docs/kubernetes-defaults.md
/// §5.2)…
const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
/// …or reach this many replicas, whichever is more (`scaleUpLimitMinimum`).
const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;

/// How `groupPods` classifies a pod matched by the HPA's selector. The
/// caller applies the readiness rules (CPU initialization period, initial
/// readiness delay); this module applies what follows from the class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodCondition {
    /// Counted: running and passing the readiness test (for a non-CPU
    /// resource metric every running pod passes it).
    Ready,
    /// Running but failing the CPU readiness test: Ready=False (or no Ready
    /// condition or start time) within the CPU initialization period, a
    /// sample taken too soon after the last readiness transition, or never
    /// ready since start. Such a pod is unready only if it has a sample:
    /// `groupPods` checks for the sample first, so without one the pod is
    /// *missing*, like a [`PodCondition::Ready`] pod without one.
    Unready,
    /// Phase Pending: unready whether or not it has a sample.
    Pending,
    /// Being deleted or phase Failed: left out of the calculation entirely.
    Ignored,
}

/// One pod as the HPA sees it at a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodSample {
    /// Its `groupPods` class.
    pub condition: PodCondition,
    /// Its metric sample in millicores (or milli-units of the resource);
    /// `None` when metrics-server has no sample for it.
    pub usage_millis: Option<u64>,
    /// The sum of its containers' requests for the resource, in millicores.
    pub request_millis: u64,
}

/// The inputs of one replica calculation for a Resource metric with an
/// `averageUtilization` target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplicaCalc {
    /// `scale.spec.replicas` of the target at this sync.
    pub current_replicas: u32,
    /// The target average utilization, in percent of the request (> 0).
    pub target_utilization_percent: u32,
    /// No scale-up while the usage ratio is at most `1 + tolerance_up`.
    pub tolerance_up: f64,
    /// No scale-down while the usage ratio is at least `1 - tolerance_down`.
    pub tolerance_down: f64,
}

impl ReplicaCalc {
    /// A calculation with the default tolerance ([`DEFAULT_TOLERANCE`]) in
    /// both directions.
    pub fn new(current_replicas: u32, target_utilization_percent: u32) -> Self {
        ReplicaCalc {
            current_replicas,
            target_utilization_percent,
            tolerance_up: DEFAULT_TOLERANCE,
            tolerance_down: DEFAULT_TOLERANCE,
        }
    }

    /// `Tolerances.isWithin`: `1 - down <= ratio <= 1 + up`, bounds included.
    fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.tolerance_down) <= ratio && ratio <= (1.0 + self.tolerance_up)
    }
}

/// Why the HPA cannot compute a replica count at this sync; the controller
/// then leaves the replicas alone (see [`Normalizer::reconcile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpaError {
    /// The selector matched no pods.
    NoPods,
    /// No ready pod has a metric sample ("did not receive metrics for
    /// targeted pods").
    NoMetrics,
    /// The pods with samples request nothing, so no utilization exists
    /// ("no metrics returned matched known pods").
    ZeroRequests,
    /// The target utilization is 0, which the API rejects.
    ZeroTarget,
}

impl fmt::Display for HpaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HpaError::NoPods => "no pods returned by selector while calculating replica count",
            HpaError::NoMetrics => {
                "did not receive metrics for targeted pods (pods might be unready)"
            }
            HpaError::ZeroRequests => "no metrics returned matched known pods",
            HpaError::ZeroTarget => "target utilization must be positive",
        })
    }
}

impl std::error::Error for HpaError {}

/// `GetResourceUtilizationRatio`'s utilization: `int(Σusage × 100 / Σrequest)`,
/// truncated to a whole percent.
fn utilization_percent(usage: u64, request: u64) -> Result<u32, HpaError> {
    if request == 0 {
        return Err(HpaError::ZeroRequests);
    }
    let percent = usage.saturating_mul(100) / request;
    Ok(u32::try_from(percent).unwrap_or(u32::MAX))
}

/// `int32(math.Ceil(x))`, saturating.
fn ceil_replicas(x: f64) -> u32 {
    x.ceil() as u32
}

/// `GetResourceReplicas`: the replica count the metric asks for (before
/// normalization) and the utilization it observed (the first-pass, truncated
/// average over ready pods with samples, as reported in the HPA status).
///
/// With no missing samples, and unless unready pods exist while scaling up:
/// the current replicas when the ratio is within tolerance, otherwise
/// `ceil(ratio × ready pods with samples)`. Otherwise the calculation is
/// redone with conservative fills: on a scale-down missing pods use
/// `max(100, target)` % of their request; on a scale-up missing pods and
/// unready pods use 0. The current replicas are kept if the new ratio is
/// within tolerance, flips direction, or the new count
/// (`ceil(new ratio × pods now counted)`) moves against the new ratio.
pub fn desired_replicas(calc: &ReplicaCalc, pods: &[PodSample]) -> Result<(u32, u32), HpaError> {
    if calc.target_utilization_percent == 0 {
        return Err(HpaError::ZeroTarget);
    }
    if pods.is_empty() {
        return Err(HpaError::NoPods);
    }
    let current = calc.current_replicas;
    let target = u64::from(calc.target_utilization_percent);

    // groupPods, then the metrics of ignored and unready pods dropped.
    let (mut usage, mut request, mut counted) = (0u64, 0u64, 0u64);
    let mut missing_requests = Vec::new();
    let (mut unready, mut unready_request) = (0u64, 0u64);
    for pod in pods {
        match (pod.condition, pod.usage_millis) {
            (PodCondition::Ignored, _) => {}
            (PodCondition::Pending, _) | (PodCondition::Unready, Some(_)) => {
                unready += 1;
                unready_request += pod.request_millis;
            }
            (_, None) => missing_requests.push(pod.request_millis),
            (PodCondition::Ready, Some(u)) => {
                counted += 1;
                usage += u;
                request += pod.request_millis;
            }
        }
    }
    if counted == 0 {
        return Err(HpaError::NoMetrics);
    }
    let ready = counted;

    let utilization = utilization_percent(usage, request)?;
    let ratio = f64::from(utilization) / target as f64;

    let scale_up_with_unready = unready > 0 && ratio > 1.0;
    if !scale_up_with_unready && missing_requests.is_empty() {
        if calc.is_within(ratio) {
            return Ok((current, utilization));
        }
        return Ok((ceil_replicas(ratio * ready as f64), utilization));
    }

    if !missing_requests.is_empty() {
        if ratio < 1.0 {
            // Scale-down: missing pods use all of their request, or the
            // target when it is above 100 %.
            let fallback = target.max(100);
            for &r in &missing_requests {
                usage += r.saturating_mul(fallback) / 100;
                request += r;
                counted += 1;
            }
        } else if ratio > 1.0 {
            // Scale-up: missing pods use nothing.
            for &r in &missing_requests {
                request += r;
                counted += 1;
            }
        }
    }
    if scale_up_with_unready {
        // Scale-up: unready pods use nothing.
        request += unready_request;
        counted += unready;
    }

    let new_ratio = f64::from(utilization_percent(usage, request)?) / target as f64;
    if calc.is_within(new_ratio)
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok((current, utilization));
    }
    let new_replicas = ceil_replicas(new_ratio * counted as f64);
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return Ok((current, utilization));
    }
    Ok((new_replicas, utilization))
}

/// A recorded (unstabilized) recommendation: `timestampedRecommendation`.
#[derive(Clone, Copy, Debug)]
struct Recommendation {
    replicas: u32,
    at: SimTime,
}

/// A rescale: `timestampedScaleEvent`.
#[derive(Clone, Copy, Debug)]
struct ScaleEvent {
    /// Replicas added (scale-up list) or removed (scale-down list).
    change: u32,
    at: SimTime,
    /// Older than the direction's longest policy period when last checked;
    /// free for reuse.
    outdated: bool,
}

/// `t.After(now − window)`.
fn newer_than(at: SimTime, now: SimTime, window: SimDuration) -> bool {
    at + window > now
}

/// `t.Before(now − window)`.
fn older_than(at: SimTime, now: SimTime, window: SimDuration) -> bool {
    at + window < now
}

/// One HPA's normalization and memory, like the controller's per-HPA state:
/// the recommendation history (for stabilization) and the scale events (for
/// the rate-limit policies). Applies, at each sync, the zero/out-of-range
/// guards, stabilization, rate limits and the `[min, max]` clamp.
#[derive(Clone, Debug)]
pub struct Normalizer {
    /// `spec.behavior`; `None` takes the legacy path.
    behavior: Option<Behavior>,
    /// The controller's downscale stabilization (legacy path only).
    downscale_stabilization: SimDuration,
    min_replicas: u32,
    max_replicas: u32,
    recommendations: Vec<Recommendation>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
}

impl Normalizer {
    /// An HPA with `spec.behavior` (defaults already applied) and
    /// `minReplicas`/`maxReplicas`.
    pub fn new(behavior: Behavior, min_replicas: u32, max_replicas: u32) -> Self {
        Normalizer {
            behavior: Some(behavior),
            downscale_stabilization: DEFAULT_DOWNSCALE_STABILIZATION,
            min_replicas,
            max_replicas,
            recommendations: Vec::new(),
            scale_up_events: Vec::new(),
            scale_down_events: Vec::new(),
        }
    }

    /// An HPA without `spec.behavior` (`normalizeDesiredReplicas`): scale-down
    /// stabilized over `downscale_stabilization` (the controller flag,
    /// [`DEFAULT_DOWNSCALE_STABILIZATION`] by default), each step up limited
    /// to `max(2 × current, 4)`, then the `[min, max]` clamp.
    pub fn legacy(
        min_replicas: u32,
        max_replicas: u32,
        downscale_stabilization: SimDuration,
    ) -> Self {
        Normalizer {
            behavior: None,
            downscale_stabilization,
            ..Normalizer::new(Behavior::kubernetes_default(), min_replicas, max_replicas)
        }
    }

    /// One sync whose replica calculation gave `desired`:
    /// [`Normalizer::reconcile`] with `Some(desired)`.
    pub fn normalize(&mut self, now: SimTime, current: u32, desired: u32) -> u32 {
        self.reconcile(now, current, Some(desired))
    }

    /// One sync of `reconcileAutoscaler` at `now` for a target at `current`
    /// replicas, given the metric's proposal (`None` when the replica
    /// calculation failed, see [`HpaError`]). Returns the replicas to set,
    /// `current` when nothing changes.
    ///
    /// The first sync records `current` as a recommendation. Then: with
    /// `current` zero and `minReplicas` not, scaling is disabled; above
    /// `maxReplicas` or below `minReplicas`, the bound is returned directly;
    /// without a proposal nothing changes; otherwise the proposal is
    /// recorded and normalized. A rescale is stored as a scale event (with
    /// `spec.behavior` only).
    pub fn reconcile(&mut self, now: SimTime, current: u32, proposal: Option<u32>) -> u32 {
        if self.recommendations.is_empty() {
            self.recommendations.push(Recommendation {
                replicas: current,
                at: now,
            });
        }
        let desired = if current == 0 && self.min_replicas != 0 {
            return current;
        } else if current > self.max_replicas {
            self.max_replicas
        } else if current < self.min_replicas {
            self.min_replicas
        } else {
            let Some(proposal) = proposal else {
                return current;
            };
            if self.behavior.is_some() {
                self.normalize_with_behavior(now, current, proposal)
            } else {
                self.normalize_legacy(now, current, proposal)
            }
        };
        if desired != current {
            self.store_scale_event(now, current, desired);
        }
        desired
    }

    /// Stands in for syncs that were not simulated because their outcome
    /// was known: each recommended the `replicas` the target had, the last
    /// at `at`. Within any window only the newest of equal entries matters,
    /// so one entry at `at` replaces them all.
    pub fn note_settled_syncs(&mut self, at: SimTime, replicas: u32) {
        let window = match &self.behavior {
            Some(b) => b
                .scale_up
                .stabilization_window
                .max(b.scale_down.stabilization_window),
            None => self.downscale_stabilization,
        };
        let old = self
            .recommendations
            .iter()
            .rposition(|rec| older_than(rec.at, at, window));
        self.record(old, replicas, at);
    }

    /// Whether a scale-up is stabilized over a window (then the minimum of
    /// recent recommendations bounds it).
    pub fn stabilizes_scale_up(&self) -> bool {
        self.behavior
            .as_ref()
            .is_some_and(|b| !b.scale_up.stabilization_window.is_zero())
    }

    /// Records `replicas` at `now`, reusing the slot of an old sample if
    /// the scan found one (the last one found, as the controller does).
    fn record(&mut self, old: Option<usize>, replicas: u32, now: SimTime) {
        let rec = Recommendation { replicas, at: now };
        match old {
            Some(i) => self.recommendations[i] = rec,
            None => self.recommendations.push(rec),
        }
    }

    /// `normalizeDesiredReplicas` (no `spec.behavior`).
    fn normalize_legacy(&mut self, now: SimTime, current: u32, desired: u32) -> u32 {
        // stabilizeRecommendation: the max over the window, edge included.
        let window = self.downscale_stabilization;
        let mut stabilized = desired;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if older_than(rec.at, now, window) {
                old = Some(i);
            } else if rec.replicas > stabilized {
                stabilized = rec.replicas;
            }
        }
        self.record(old, desired, now);

        // convertDesiredReplicasWithRules.
        let scale_up_limit =
            (SCALE_UP_LIMIT_FACTOR * f64::from(current)).max(SCALE_UP_LIMIT_MINIMUM) as u32;
        let maximum_allowed = self.max_replicas.min(scale_up_limit);
        if stabilized < self.min_replicas {
            self.min_replicas
        } else if stabilized > maximum_allowed {
            maximum_allowed
        } else {
            stabilized
        }
    }

    /// `normalizeDesiredReplicasWithBehaviors`.
    fn normalize_with_behavior(&mut self, now: SimTime, current: u32, desired: u32) -> u32 {
        let stabilized = self.stabilize(now, current, desired);
        self.rate_limit(now, current, stabilized)
    }

    /// `stabilizeRecommendationWithBehaviors`: `current` brought within
    /// `[min(desired, recent up-window recommendations), max(desired,
    /// recent down-window recommendations)]`, windows' edges excluded.
    fn stabilize(&mut self, now: SimTime, current: u32, desired: u32) -> u32 {
        let Some(behavior) = &self.behavior else {
            return desired;
        };
        let up_window = behavior.scale_up.stabilization_window;
        let down_window = behavior.scale_down.stabilization_window;
        let mut up = desired;
        let mut down = desired;
        let mut old = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if newer_than(rec.at, now, up_window) {
                up = up.min(rec.replicas);
            }
            if newer_than(rec.at, now, down_window) {
                down = down.max(rec.replicas);
            }
            if older_than(rec.at, now, up_window) && older_than(rec.at, now, down_window) {
                old = Some(i);
            }
        }
        let mut recommendation = current;
        if recommendation < up {
            recommendation = up;
        }
        if recommendation > down {
            recommendation = down;
        }
        self.record(old, desired, now);
        recommendation
    }

    /// `convertDesiredReplicasWithBehaviorRate`: the policies' limit, never
    /// past `current` the wrong way, then `maxReplicas` (up) or
    /// `minReplicas` (down).
    fn rate_limit(&self, now: SimTime, current: u32, desired: u32) -> u32 {
        let Some(behavior) = &self.behavior else {
            return desired;
        };
        let (up, down) = (&self.scale_up_events, &self.scale_down_events);
        if desired > current {
            let limit = scale_up_limit(now, current, up, down, &behavior.scale_up);
            let limit = limit.max(i64::from(current));
            let maximum_allowed = i64::from(self.max_replicas).min(limit);
            if i64::from(desired) > maximum_allowed {
                return maximum_allowed as u32;
            }
        } else if desired < current {
            let limit = scale_down_limit(now, current, up, down, &behavior.scale_down);
            let limit = limit.min(i64::from(current));
            let minimum_allowed = i64::from(self.min_replicas).max(limit);
            if i64::from(desired) < minimum_allowed {
                return minimum_allowed as u32;
            }
        }
        desired
    }

    /// `storeScaleEvent`: events of the direction older than its longest
    /// policy period are marked outdated, and the new event takes the slot
    /// of the last outdated one (or is appended). Nothing is stored without
    /// `spec.behavior`.
    fn store_scale_event(&mut self, now: SimTime, previous: u32, new: u32) {
        let Some(behavior) = &self.behavior else {
            return;
        };
        let (rules, events, change) = if new > previous {
            (
                &behavior.scale_up,
                &mut self.scale_up_events,
                new - previous,
            )
        } else {
            (
                &behavior.scale_down,
                &mut self.scale_down_events,
                previous - new,
            )
        };
        let longest = rules.longest_period();
        for event in events.iter_mut() {
            if older_than(event.at, now, longest) {
                event.outdated = true;
            }
        }
        let event = ScaleEvent {
            change,
            at: now,
            outdated: false,
        };
        match events.iter().rposition(|e| e.outdated) {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

/// `getReplicasChangePerPeriod`: replicas changed by events newer than
/// `now − period` (edge excluded).
fn change_in_period(now: SimTime, period: SimDuration, events: &[ScaleEvent]) -> i64 {
    events
        .iter()
        .filter(|e| newer_than(e.at, now, period))
        .map(|e| i64::from(e.change))
        .sum()
}

/// The replicas at the start of a policy's period: current, less what was
/// added, plus what was removed within it.
fn period_start(
    now: SimTime,
    current: u32,
    period: SimDuration,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
) -> i64 {
    i64::from(current) - change_in_period(now, period, up) + change_in_period(now, period, down)
}

/// `calculateScaleUpLimitWithScalingRules`: the most replicas the scale-up
/// policies allow now.
fn scale_up_limit(
    now: SimTime,
    current: u32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &ScalingRules,
) -> i64 {
    let (mut result, select): (i64, fn(i64, i64) -> i64) = match rules.select {
        SelectPolicy::Disabled => return i64::from(current),
        SelectPolicy::Min => (i64::MAX, i64::min),
        SelectPolicy::Max => (i64::MIN, i64::max),
    };
    for policy in &rules.policies {
        let start = period_start(now, current, policy.period, up, down);
        let proposed = match policy.kind {
            PolicyKind::Pods(pods) => start + i64::from(pods),
            PolicyKind::Percent(percent) => {
                (start as f64 * (1.0 + f64::from(percent) / 100.0)).ceil() as i64
            }
        };
        result = select(result, proposed);
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`: the fewest replicas the
/// scale-down policies allow now. `Max` picks the biggest drop, i.e. the
/// smallest proposal.
fn scale_down_limit(
    now: SimTime,
    current: u32,
    up: &[ScaleEvent],
    down: &[ScaleEvent],
    rules: &ScalingRules,
) -> i64 {
    let (mut result, select): (i64, fn(i64, i64) -> i64) = match rules.select {
        SelectPolicy::Disabled => return i64::from(current),
        SelectPolicy::Min => (i64::MIN, i64::max),
        SelectPolicy::Max => (i64::MAX, i64::min),
    };
    for policy in &rules.policies {
        let start = period_start(now, current, policy.period, up, down);
        let proposed = match policy.kind {
            PolicyKind::Pods(pods) => start - i64::from(pods),
            // Go's int32(float64) truncates toward zero.
            PolicyKind::Percent(percent) => {
                (start as f64 * (1.0 - f64::from(percent) / 100.0)) as i64
            }
        };
        result = select(result, proposed);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(condition: PodCondition, usage_millis: Option<u64>) -> PodSample {
        PodSample {
            condition,
            usage_millis,
            request_millis: 1000,
        }
    }

    /// A ready pod at `percent` of a 1000m request.
    fn ready(percent: u64) -> PodSample {
        pod(PodCondition::Ready, Some(percent * 10))
    }

    fn missing() -> PodSample {
        pod(PodCondition::Ready, None)
    }

    fn pods(n: usize, sample: PodSample) -> Vec<PodSample> {
        vec![sample; n]
    }

    fn replicas(current: u32, target: u32, pods: &[PodSample]) -> u32 {
        desired_replicas(&ReplicaCalc::new(current, target), pods)
            .unwrap()
            .0
    }

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    fn secs(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }

    /// Default scale-up rules, and scale-down rules with no stabilization.
    fn down_rules(policies: Vec<ScalingPolicy>, select: SelectPolicy) -> Behavior {
        Behavior {
            scale_down: ScalingRules {
                stabilization_window: SimDuration::ZERO,
                policies,
                select,
            },
            ..Behavior::kubernetes_default()
        }
    }

    #[test]
    fn tolerance_bounds_are_inclusive() {
        // 55 % of a 50 % target: ratio exactly 1.1, no scale-up.
        assert_eq!(
            desired_replicas(&ReplicaCalc::new(4, 50), &pods(4, ready(55))),
            Ok((4, 55))
        );
        // 45 % of 50 %: ratio exactly 0.9, no scale-down.
        assert_eq!(replicas(4, 50, &pods(4, ready(45))), 4);
    }

    #[test]
    fn ratio_just_outside_tolerance_scales() {
        // 1.11: ceil(1.11 × 10) = 12.
        assert_eq!(replicas(10, 100, &pods(10, ready(111))), 12);
        // 0.89: ceil(0.89 × 10) = 9.
        assert_eq!(replicas(10, 100, &pods(10, ready(89))), 9);
    }

    #[test]
    fn separate_up_and_down_tolerances() {
        let calc = ReplicaCalc {
            tolerance_down: 0.3,
            ..ReplicaCalc::new(4, 100)
        };
        assert_eq!(desired_replicas(&calc, &pods(4, ready(75))).unwrap().0, 4);
        // 0.69 is below 1 − 0.3: ceil(2.76) = 3.
        assert_eq!(desired_replicas(&calc, &pods(4, ready(69))).unwrap().0, 3);
        // The scale-up side keeps 0.1: 1.11 scales.
        assert_eq!(desired_replicas(&calc, &pods(4, ready(111))).unwrap().0, 5);
    }

    #[test]
    fn utilization_is_truncated_to_whole_percent() {
        // 999m of 3000m is 33.3 %, truncated to 33: ratio 33/30 = 1.1, within
        // tolerance (33.3/30 = 1.11 would give 4).
        let sample = pod(PodCondition::Ready, Some(333));
        assert_eq!(
            desired_replicas(&ReplicaCalc::new(3, 30), &pods(3, sample)),
            Ok((3, 33))
        );
    }

    #[test]
    fn scale_up_is_ceil_of_ratio_times_ready_pods() {
        // 90 % at a 50 % target: ratio 1.8 over 3 ready pods → ceil(5.4) = 6,
        // not ceil(1.8 × 4 current replicas) = 8.
        assert_eq!(replicas(4, 50, &pods(3, ready(90))), 6);
    }

    #[test]
    fn unready_pods_count_as_zero_on_scale_up() {
        // Ratio 100/46 = 2.17 from the ready pods; with the unready ones at
        // 0 it is 50/46 = 1.09, within tolerance: keep 4 (naive: 5).
        let mut all = pods(2, ready(100));
        all.extend(pods(2, pod(PodCondition::Unready, Some(1000))));
        assert_eq!(replicas(4, 46, &all), 4);
    }

    #[test]
    fn direction_flip_after_filling_unready_pods_keeps_current() {
        // 150 % on one ready pod (ratio 1.5), two Pending pods at 0: 50 %,
        // ratio 0.5, the other way: keep 3 (naive: 2).
        let mut all = vec![ready(150)];
        all.extend(pods(2, pod(PodCondition::Pending, None)));
        assert_eq!(replicas(3, 100, &all), 3);
    }

    #[test]
    fn unready_pods_are_dropped_on_scale_down() {
        // Scale-down does not fill unready pods: ratio 0.2 over 2 ready pods.
        let mut all = pods(2, ready(10));
        all.extend(pods(2, pod(PodCondition::Unready, Some(1000))));
        assert_eq!(replicas(4, 50, &all), 1);
    }

    #[test]
    fn missing_metrics_on_scale_down_count_at_full_request() {
        // Ratio 0.2; the missing pod at 100 %: 1300m/4000m = 32 %, ratio
        // 0.64 → ceil(2.56) = 3 (naive: 1).
        let mut all = pods(3, ready(10));
        all.push(missing());
        assert_eq!(replicas(4, 50, &all), 3);
    }

    #[test]
    fn missing_metrics_on_scale_down_count_at_target_above_100_percent() {
        // Target 200 %, ratio 0.1; the missing pod at max(100, 200) = 200 %:
        // 2600m/4000m = 65 %, ratio 0.325 → ceil(1.3) = 2 (at 100 %: 1).
        let mut all = pods(3, ready(20));
        all.push(missing());
        assert_eq!(replicas(4, 200, &all), 2);
    }

    #[test]
    fn missing_metrics_on_scale_up_count_as_zero() {
        // Ratio 2.17; missing pods at 0: 50/46 = 1.09, within tolerance.
        let mut all = pods(2, ready(100));
        all.extend(pods(2, missing()));
        assert_eq!(replicas(4, 46, &all), 4);
        // Ratio 1.5 becomes 0.5 with the missing pods at 0: a flip, keep 3.
        let mut all = vec![ready(150)];
        all.extend(pods(2, missing()));
        assert_eq!(replicas(3, 100, &all), 3);
    }

    #[test]
    fn recompute_moving_against_its_ratio_keeps_current() {
        // As in the full-request case (new ratio 0.64 → 3 pods), but the
        // target is at 2 replicas: 3 > 2 while scaling down, keep 2.
        let mut all = pods(3, ready(10));
        all.push(missing());
        assert_eq!(replicas(2, 50, &all), 2);
    }

    #[test]
    fn ignored_pods_are_excluded() {
        // A deleting pod's huge sample is not counted: ceil(2 × 2) = 4.
        let mut all = pods(2, ready(100));
        all.push(pod(PodCondition::Ignored, Some(5000)));
        assert_eq!(replicas(3, 50, &all), 4);
        // Nor is it missing on a scale-down: ceil(0.2 × 2) = 1.
        let mut all = pods(2, ready(10));
        all.push(pod(PodCondition::Ignored, None));
        assert_eq!(replicas(3, 50, &all), 1);
    }

    #[test]
    fn pending_pod_without_metric_is_unready_not_missing() {
        let mut all = pods(2, ready(10));
        all.push(pod(PodCondition::Pending, None));
        assert_eq!(replicas(3, 50, &all), 1);
    }

    #[test]
    fn unready_pod_without_metric_counts_as_missing() {
        // Missing, so filled at 100 % on the scale-down: 1200m/3000m = 40 %,
        // ratio 0.8 → ceil(2.4) = 3.
        let mut all = pods(2, ready(10));
        all.push(pod(PodCondition::Unready, None));
        assert_eq!(replicas(3, 50, &all), 3);
    }

    #[test]
    fn no_metrics_is_an_error() {
        let calc = ReplicaCalc::new(3, 50);
        let none = [
            missing(),
            pod(PodCondition::Pending, None),
            pod(PodCondition::Unready, Some(500)),
            pod(PodCondition::Ignored, Some(500)),
        ];
        assert_eq!(desired_replicas(&calc, &none), Err(HpaError::NoMetrics));
        assert_eq!(desired_replicas(&calc, &[]), Err(HpaError::NoPods));
        let no_request = PodSample {
            request_millis: 0,
            ..ready(10)
        };
        assert_eq!(
            desired_replicas(&calc, &[no_request]),
            Err(HpaError::ZeroRequests)
        );
        let zero_target = ReplicaCalc::new(3, 0);
        assert_eq!(
            desired_replicas(&zero_target, &[ready(10)]),
            Err(HpaError::ZeroTarget)
        );
    }

    #[test]
    fn first_sync_counts_current_replicas_as_a_recommendation() {
        // The 10 recorded at the first sync holds the scale-down.
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 100);
        assert_eq!(hpa.normalize(at(0), 10, 2), 10);
    }

    #[test]
    fn stabilization_holds_scale_down_for_the_window() {
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 100);
        let mut current = 10;
        for t in (0..=420).step_by(15) {
            // Load drops at 60 s, and again at 75 s.
            let desired = match t {
                0..60 => 10,
                60 => 8,
                _ => 2,
            };
            current = hpa.normalize(at(t), current, desired);
            // The max over (t − 300 s, t]: the last 10 was recorded at 45 s
            // and leaves the window at 345 s, the 8 at 360 s.
            let expected = match t {
                0..345 => 10,
                345 => 8,
                _ => 2,
            };
            assert_eq!(current, expected, "at {t} s");
        }
    }

    #[test]
    fn legacy_window_includes_its_edge() {
        let mut hpa = Normalizer::legacy(1, 100, DEFAULT_DOWNSCALE_STABILIZATION);
        assert_eq!(hpa.normalize(at(0), 10, 10), 10);
        // `stabilizeRecommendation` drops samples strictly before the cutoff.
        assert_eq!(hpa.normalize(at(300), 10, 2), 10);
        let later = at(300) + SimDuration::from_micros(1);
        assert_eq!(hpa.normalize(later, 10, 2), 2);
    }

    #[test]
    fn legacy_scale_up_limited_to_double_or_four() {
        let step = |current, desired| {
            Normalizer::legacy(1, 100, DEFAULT_DOWNSCALE_STABILIZATION).normalize(
                at(0),
                current,
                desired,
            )
        };
        assert_eq!(step(1, 10), 4);
        assert_eq!(step(3, 10), 6);
        assert_eq!(step(10, 40), 20);
        assert_eq!(step(10, 15), 15);
    }

    #[test]
    fn default_scale_up_allows_four_pods_or_double_per_period() {
        let step = |current, desired| {
            Normalizer::new(Behavior::kubernetes_default(), 1, 100).normalize(
                at(0),
                current,
                desired,
            )
        };
        // max(2 + 4, ceil(2 × 2)) = 6.
        assert_eq!(step(2, 20), 6);
        // max(10 + 4, ceil(10 × 2)) = 20.
        assert_eq!(step(10, 40), 20);
        assert_eq!(step(1, 3), 3);
    }

    #[test]
    fn scale_up_period_start_counts_recent_scale_events() {
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 100);
        assert_eq!(hpa.normalize(at(0), 2, 20), 6);
        // 14 s later the period started at 2: max(2 + 4, 4) = 6, no room.
        assert_eq!(hpa.normalize(at(14), 6, 20), 6);
        // At 15 s the event at 0 s is out of the period: max(10, 12) = 12.
        assert_eq!(hpa.normalize(at(15), 6, 20), 12);
    }

    #[test]
    fn percent_scale_down_truncates_from_period_start() {
        let behavior = down_rules(
            vec![ScalingPolicy::percent(10, secs(60))],
            SelectPolicy::Max,
        );
        let mut hpa = Normalizer::new(behavior, 1, 100);
        // int(10 × 0.9) = 9.
        assert_eq!(hpa.normalize(at(0), 10, 1), 9);
        // The period started at 10: int(10 × 0.9) = 9 again, no room.
        assert_eq!(hpa.normalize(at(15), 9, 1), 9);
        // At 60 s the event is out of the period: int(9 × 0.9) = int(8.1) = 8.
        assert_eq!(hpa.normalize(at(60), 9, 1), 8);

        // int(5 × 0.5) = int(2.5) = 2, rounded down.
        let behavior = down_rules(
            vec![ScalingPolicy::percent(50, secs(60))],
            SelectPolicy::Max,
        );
        assert_eq!(Normalizer::new(behavior, 1, 100).normalize(at(0), 5, 1), 2);
    }

    #[test]
    fn period_start_nets_out_scale_ups_within_the_period() {
        let behavior = down_rules(vec![ScalingPolicy::pods(2, secs(60))], SelectPolicy::Max);
        let mut hpa = Normalizer::new(behavior, 1, 100);
        assert_eq!(hpa.normalize(at(0), 10, 14), 14);
        // The period started at 14 − 4 = 10 replicas: down to 10 − 2 = 8.
        assert_eq!(hpa.normalize(at(15), 14, 1), 8);
    }

    #[test]
    fn select_policy_min_picks_the_smaller_change() {
        let mut behavior = down_rules(
            vec![
                ScalingPolicy::pods(2, secs(15)),
                ScalingPolicy::percent(50, secs(15)),
            ],
            SelectPolicy::Min,
        );
        behavior.scale_up.select = SelectPolicy::Min;
        // Up: min(10 + 4, 20) = 14. Down: max(10 − 2, 5) = 8.
        assert_eq!(
            Normalizer::new(behavior.clone(), 1, 100).normalize(at(0), 10, 40),
            14
        );
        assert_eq!(Normalizer::new(behavior, 1, 100).normalize(at(0), 10, 1), 8);
    }

    #[test]
    fn select_policy_max_on_scale_down_allows_the_bigger_drop() {
        let behavior = down_rules(
            vec![
                ScalingPolicy::pods(2, secs(15)),
                ScalingPolicy::percent(50, secs(15)),
            ],
            SelectPolicy::Max,
        );
        // min(10 − 2, 5) = 5.
        assert_eq!(Normalizer::new(behavior, 1, 100).normalize(at(0), 10, 1), 5);
    }

    #[test]
    fn disabled_select_policy_forbids_that_direction() {
        let behavior = down_rules(
            vec![ScalingPolicy::percent(100, secs(15))],
            SelectPolicy::Disabled,
        );
        assert_eq!(
            Normalizer::new(behavior.clone(), 1, 100).normalize(at(0), 10, 1),
            10
        );
        assert_eq!(
            Normalizer::new(behavior, 1, 100).normalize(at(0), 10, 40),
            20
        );

        let mut behavior = Behavior::kubernetes_default();
        behavior.scale_up.select = SelectPolicy::Disabled;
        assert_eq!(Normalizer::new(behavior, 1, 100).normalize(at(0), 2, 20), 2);
    }

    #[test]
    fn no_policies_means_no_scaling_that_way() {
        let behavior = down_rules(Vec::new(), SelectPolicy::Max);
        assert_eq!(
            Normalizer::new(behavior, 1, 100).normalize(at(0), 10, 1),
            10
        );
    }

    #[test]
    fn result_is_clamped_to_min_and_max_replicas() {
        let up = |mut hpa: Normalizer| hpa.normalize(at(0), 5, 50);
        assert_eq!(up(Normalizer::new(Behavior::kubernetes_default(), 3, 8)), 8);
        assert_eq!(
            up(Normalizer::legacy(3, 8, DEFAULT_DOWNSCALE_STABILIZATION)),
            8
        );

        let behavior = down_rules(
            vec![ScalingPolicy::percent(100, secs(15))],
            SelectPolicy::Max,
        );
        assert_eq!(Normalizer::new(behavior, 3, 8).normalize(at(0), 5, 0), 3);
        let mut legacy = Normalizer::legacy(3, 8, SimDuration::ZERO);
        assert_eq!(legacy.normalize(at(0), 5, 5), 5);
        assert_eq!(legacy.normalize(at(1), 5, 1), 3);
    }

    #[test]
    fn replicas_outside_min_max_go_straight_to_the_bound() {
        // Bypasses stabilization and rate limits, even disabled ones, and
        // needs no metrics.
        let mut frozen = Behavior::kubernetes_default();
        frozen.scale_up.select = SelectPolicy::Disabled;
        frozen.scale_down.select = SelectPolicy::Disabled;
        let mut hpa = Normalizer::new(frozen, 2, 8);
        assert_eq!(hpa.normalize(at(0), 12, 12), 8);
        assert_eq!(hpa.reconcile(at(15), 12, None), 8);
        assert_eq!(hpa.normalize(at(30), 1, 1), 2);
    }

    #[test]
    fn zero_replicas_disable_scaling() {
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 8);
        assert_eq!(hpa.normalize(at(0), 0, 5), 0);
    }

    #[test]
    fn failed_calculation_keeps_current_replicas() {
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 8);
        assert_eq!(hpa.reconcile(at(0), 5, None), 5);
        // Only the first-sync recommendation was recorded.
        assert_eq!(hpa.recommendations.len(), 1);
    }

    #[test]
    fn history_is_recycled_not_accumulated() {
        let mut hpa = Normalizer::new(Behavior::kubernetes_default(), 1, 1000);
        let mut current = 1;
        for sync in 0..200u64 {
            current = hpa.normalize(at(15 * sync), current, current + 1);
        }
        assert_eq!(current, 201);
        assert!(
            hpa.scale_up_events.len() <= 3,
            "{}",
            hpa.scale_up_events.len()
        );
        // The 300 s down window keeps about 21 syncs of recommendations.
        assert!(
            hpa.recommendations.len() <= 22,
            "{}",
            hpa.recommendations.len()
        );
    }
}
