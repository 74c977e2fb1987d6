//! Validation of the autoscaling blocks: HPA and threshold policies,
//! the HPA controller's flags, resizable worker groups and the Cluster
//! Autoscaler.

use serde_saphyr::Spanned;

use super::checker::Checker;
use crate::engine::SimDuration;
use crate::scenario::autoscaling::*;
use crate::scenario::{MachineGroup, Role};

/// The HPA API's bounds on `periodSeconds` (1 s to 30 min) and on
/// `stabilizationWindowSeconds` (0 to 1 h).
const MAX_POLICY_PERIOD: SimDuration = SimDuration::from_secs(1800);
const MAX_STABILIZATION: SimDuration = SimDuration::from_secs(3600);

/// A worker group's `autoscaling: {min, max}`.
pub(super) fn node_group(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawNodeGroupScaling>>,
    count: usize,
    role: Role,
    path: &str,
) -> Option<NodeGroupScaling> {
    let raw = raw?;
    if role != Role::Worker {
        check.at(
            &raw.referenced,
            format!("{path}.autoscaling"),
            "only worker groups can be resized by the cluster autoscaler; remove `autoscaling` here",
        );
        return None;
    }
    let max = check.count(
        &raw.value.max,
        &format!("{path}.autoscaling.max"),
        1,
        10_000,
    ) as usize;
    let min = check.count(
        &raw.value.min,
        &format!("{path}.autoscaling.min"),
        0,
        10_000,
    ) as usize;
    if !(min <= count && count <= max) {
        check.at(
            &raw.referenced,
            format!("{path}.autoscaling"),
            format!(
                "the group starts with count = {count} nodes, which must lie within min = {min} and max = {max}"
            ),
        );
    }
    Some(NodeGroupScaling {
        initial: count,
        min,
        max: max.max(count),
        priority: raw.value.priority.unwrap_or(DEFAULT_NODE_GROUP_PRIORITY),
    })
}

/// A tolerance around a usage ratio of 1: a share from 0 to below 1.
fn checked_tolerance(check: &mut Checker<'_>, t: &Spanned<f64>, field: &str) -> f64 {
    if !(0.0..1.0).contains(&t.value) {
        check.at(
            &t.referenced,
            field,
            format!(
                "{} is not a tolerance; use a share from 0 to below 1, e.g. 0.1",
                t.value
            ),
        );
    }
    t.value
}

/// The top-level `hpa_controller:` block.
pub(super) fn hpa_controller(check: &mut Checker<'_>, raw: &RawHpaController) -> HpaController {
    let tolerance = raw.tolerance.as_ref().map_or(DEFAULT_TOLERANCE, |t| {
        checked_tolerance(check, t, "hpa_controller.tolerance")
    });
    HpaController {
        sync_period: check.positive_duration(
            raw.sync_period.as_ref(),
            "hpa_controller.sync_period",
            DEFAULT_SYNC_PERIOD,
        ),
        tolerance,
        cpu_initialization_period: raw
            .cpu_initialization_period
            .map_or(DEFAULT_CPU_INITIALIZATION_PERIOD, |v| v.0),
        initial_readiness_delay: raw
            .initial_readiness_delay
            .map_or(DEFAULT_INITIAL_READINESS_DELAY, |v| v.0),
        downscale_stabilization: raw
            .downscale_stabilization
            .map_or(DEFAULT_DOWNSCALE_STABILIZATION, |v| v.0),
        metric_resolution: check.positive_duration(
            raw.metric_resolution.as_ref(),
            "hpa_controller.metric_resolution",
            DEFAULT_METRIC_RESOLUTION,
        ),
    }
}

/// A workload's `autoscaling:` block; `replicas` is the workload's initial
/// count, `has_load` whether CPU can be derived from a load.
pub(super) fn workload(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawAutoscaling>>,
    has_load: bool,
    controller: &HpaController,
    path: &str,
) -> Option<Autoscaling> {
    let raw = raw?;
    let path = format!("{path}.autoscaling");
    if !has_load {
        check.at(
            &raw.referenced,
            &path,
            "autoscaling follows CPU, which follows the load: add `capacity` (requests per second one pod serves) and `load`",
        );
    }
    let policy = match (&raw.value.hpa, &raw.value.threshold) {
        (Some(hpa), None) => Policy::Hpa(validate_hpa(check, hpa, controller, &path)),
        (None, Some(threshold)) => Policy::Threshold(validate_threshold(check, threshold, &path)),
        (Some(_), Some(_)) | (None, None) => {
            check.at(
                &raw.referenced,
                &path,
                "give exactly one policy: `hpa: {max_replicas: 20, target_cpu_utilization: 50}` or `threshold: {max_replicas: 20, scale_up_above: 0.8}`",
            );
            return None;
        }
    };
    Some(Autoscaling {
        policy,
        flapping_window: raw
            .value
            .flapping_window
            .map_or(DEFAULT_FLAPPING_WINDOW, |d| d.0),
    })
}

fn bounds(
    check: &mut Checker<'_>,
    min: Option<&Spanned<u64>>,
    max: &Spanned<u64>,
    path: &str,
) -> (u32, u32) {
    let max_replicas = check.count(max, &format!("{path}.max_replicas"), 1, 10_000);
    let min_replicas = min.map_or(DEFAULT_MIN_REPLICAS, |m| {
        check.count(m, &format!("{path}.min_replicas"), 1, 10_000)
    });
    if min_replicas > max_replicas {
        check.at(
            &max.referenced,
            format!("{path}.max_replicas"),
            format!("max_replicas = {max_replicas} is below min_replicas = {min_replicas}"),
        );
    }
    (min_replicas, max_replicas.max(min_replicas))
}

fn validate_hpa(
    check: &mut Checker<'_>,
    raw: &Spanned<RawHpa>,
    controller: &HpaController,
    path: &str,
) -> Hpa {
    let path = format!("{path}.hpa");
    let hpa = &raw.value;
    let (min_replicas, max_replicas) =
        bounds(check, hpa.min_replicas.as_ref(), &hpa.max_replicas, &path);
    let target_utilization = hpa
        .target_cpu_utilization
        .as_ref()
        .map_or(DEFAULT_TARGET_CPU_UTILIZATION, |t| {
            check.count(t, &format!("{path}.target_cpu_utilization"), 1, 1000)
        });
    let mut tolerance_up = controller.tolerance;
    let mut tolerance_down = controller.tolerance;
    let behavior = hpa.behavior.as_ref().map(|b| {
        let mut defaults = Behavior::kubernetes_default();
        // An unset scale-down window is the controller's flag.
        defaults.scale_down.stabilization_window = controller.downscale_stabilization;
        let up = rules(
            check,
            b.scale_up.as_ref(),
            defaults.scale_up,
            &mut tolerance_up,
            &format!("{path}.behavior.scale_up"),
        );
        let down = rules(
            check,
            b.scale_down.as_ref(),
            defaults.scale_down,
            &mut tolerance_down,
            &format!("{path}.behavior.scale_down"),
        );
        Behavior {
            scale_up: up,
            scale_down: down,
        }
    });
    Hpa {
        min_replicas,
        max_replicas,
        target_utilization,
        behavior,
        tolerance_up,
        tolerance_down,
    }
}

/// One direction of `behavior`, unset fields from `default` (the API
/// server's defaulting).
fn rules(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawScalingRules>>,
    default: ScalingRules,
    tolerance: &mut f64,
    path: &str,
) -> ScalingRules {
    let Some(raw) = raw else {
        return default;
    };
    let r = &raw.value;
    let stabilization_window =
        r.stabilization_window
            .as_ref()
            .map_or(default.stabilization_window, |w| {
                if w.value.0 > MAX_STABILIZATION {
                    check.at(
                        &w.referenced,
                        format!("{path}.stabilization_window"),
                        "the API allows 0 to 1h",
                    );
                }
                w.value.0
            });
    let select = match r.select_policy {
        None => default.select,
        Some(RawSelectPolicy::Max) => SelectPolicy::Max,
        Some(RawSelectPolicy::Min) => SelectPolicy::Min,
        Some(RawSelectPolicy::Disabled) => SelectPolicy::Disabled,
    };
    let policies = match &r.policies {
        None => default.policies,
        Some(list) => {
            if list.is_empty() && select != SelectPolicy::Disabled {
                check.at(
                    &raw.referenced,
                    format!("{path}.policies"),
                    "give at least one policy, e.g. {type: pods, value: 4, period: 15s}, or select_policy: disabled",
                );
            }
            list.iter()
                .enumerate()
                .map(|(i, p)| {
                    let field = format!("{path}.policies[{i}]");
                    let period = p.value.period.value.0;
                    if period.is_zero() || period > MAX_POLICY_PERIOD {
                        check.at(
                            &p.value.period.referenced,
                            format!("{field}.period"),
                            "the API allows 1s to 30m",
                        );
                    }
                    let value = check.count(&p.value.value, &format!("{field}.value"), 1, 100_000);
                    let kind = match p.value.kind {
                        RawPolicyKind::Pods => PolicyKind::Pods(value),
                        RawPolicyKind::Percent => PolicyKind::Percent(value),
                    };
                    ScalingPolicy { kind, period }
                })
                .collect()
        }
    };
    if let Some(t) = &r.tolerance {
        *tolerance = checked_tolerance(check, t, &format!("{path}.tolerance"));
    }
    ScalingRules {
        stabilization_window,
        policies,
        select,
    }
}

fn validate_threshold(
    check: &mut Checker<'_>,
    raw: &Spanned<RawThreshold>,
    path: &str,
) -> ThresholdPolicy {
    let path = format!("{path}.threshold");
    let t = &raw.value;
    let (min_replicas, max_replicas) =
        bounds(check, t.min_replicas.as_ref(), &t.max_replicas, &path);
    let s = t.scale_up_above.value;
    if !(s > 0.5 && s < 1.0) {
        check.at(
            &t.scale_up_above.referenced,
            format!("{path}.scale_up_above"),
            format!(
                "{s} does not work: scale-down happens below 1 - S, so S must lie above 0.5 and below 1, e.g. 0.8"
            ),
        );
    }
    let step = t.step.as_ref().map_or(DEFAULT_THRESHOLD_STEP, |s| {
        check.count(s, &format!("{path}.step"), 1, 10_000)
    });
    let period = check.positive_duration(
        t.period.as_ref(),
        &format!("{path}.period"),
        DEFAULT_THRESHOLD_PERIOD,
    );
    ThresholdPolicy {
        min_replicas,
        max_replicas,
        scale_up_above: s,
        step,
        period,
    }
}

/// The top-level `cluster_autoscaler:` block: it runs when a worker group
/// is resizable.
pub(super) fn cluster_autoscaler(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawClusterAutoscaler>>,
    groups: &[MachineGroup],
) -> Option<ClusterAutoscaler> {
    let resizable = groups.iter().any(|g| g.autoscaling.is_some());
    let Some(raw) = raw else {
        return resizable.then(ClusterAutoscaler::default);
    };
    if !resizable {
        check.at(
            &raw.referenced,
            "cluster_autoscaler",
            "no worker group can be resized; add `autoscaling: {min: 1, max: 10}` to a worker group",
        );
    }
    let c = &raw.value;
    let scan_interval = check.positive_duration(
        c.scan_interval.as_ref(),
        "cluster_autoscaler.scan_interval",
        DEFAULT_SCAN_INTERVAL,
    );
    let threshold = c.scale_down_utilization_threshold.as_ref().map_or(
        DEFAULT_SCALE_DOWN_UTILIZATION_THRESHOLD,
        |t| {
            if !(0.0..=1.0).contains(&t.value) {
                check.at(
                    &t.referenced,
                    "cluster_autoscaler.scale_down_utilization_threshold",
                    format!(
                        "{} is not a share; use 0 to 1 (default {DEFAULT_SCALE_DOWN_UTILIZATION_THRESHOLD})",
                        t.value
                    ),
                );
            }
            t.value
        },
    );
    Some(ClusterAutoscaler {
        scan_interval,
        expander: match c.expander {
            None => DEFAULT_EXPANDER,
            Some(RawExpander::LeastWaste) => Expander::LeastWaste,
            Some(RawExpander::Random) => Expander::Random,
            Some(RawExpander::Priority) => Expander::Priority,
        },
        provisioning: c
            .provisioning
            .as_ref()
            .map_or_else(default_provisioning, |p| {
                check.distribution(p, "cluster_autoscaler.provisioning")
            }),
        max_node_provision_time: c
            .max_node_provision_time
            .map_or(DEFAULT_MAX_NODE_PROVISION_TIME, |v| v.0),
        scale_down_unneeded_time: c
            .scale_down_unneeded_time
            .map_or(DEFAULT_SCALE_DOWN_UNNEEDED_TIME, |v| v.0),
        scale_down_delay_after_add: c
            .scale_down_delay_after_add
            .map_or(DEFAULT_SCALE_DOWN_DELAY_AFTER_ADD, |v| v.0),
        scale_down_utilization_threshold: threshold,
    })
}
