//! Validation of the autoscaling blocks: every mistake is located at its
//! line and field and says what would be valid; defaults of a partial HPA
//! `behavior` are the Kubernetes ones.

use nines::engine::SimDuration;
use nines::scenario::Scenario;
use nines::scenario::autoscaling::{
    Behavior, Policy, PolicyKind, ScalingPolicy, SelectPolicy, ThresholdPolicy,
};

use super::util::scenario;

/// A small valid scenario: one control-plane machine, a resizable worker
/// group, and a loaded `web` Deployment whose `autoscaling:` block is
/// `autoscaling` (indented under the workload). `workers` replaces the
/// worker group's `autoscaling` line, `extra` is appended at the top level.
fn yaml(workload: &str, workers: &str, extra: &str) -> String {
    format!(
        "horizon: 2d
replications: 2
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 2
    allocatable: {{ cpu: 4, memory: 16Gi }}
{workers}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 2
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ fixed: 20s }}
{workload}
{extra}"
    )
}

/// The usual workload lines: a load, and `autoscaling` given in full.
fn loaded(autoscaling: &str) -> String {
    format!(
        "    capacity: 100
    load: {{ diurnal: {{ peak: 400, trough: 100, peak_hour: 14 }} }}
    autoscaling:
{autoscaling}"
    )
}

const RESIZABLE: &str = "    autoscaling: { min: 1, max: 4 }";

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}")) as u64
        + 1
}

/// Asserts that `text` is refused with a problem on the line containing
/// `needle`, naming `field`, whose message contains every one of `says`.
#[track_caller]
fn refused(text: &str, needle: &str, field: &str, says: &[&str]) {
    let err = Scenario::parse(text, "<test>", "test").expect_err("the scenario must be refused");
    let line = line_of(text, needle);
    let problems = err.problems();
    let found = problems
        .iter()
        .find(|p| p.field == field)
        .unwrap_or_else(|| {
            panic!("no problem names {field}; got:\n{err}\nin:\n{text}");
        });
    assert_eq!(
        found.line, line,
        "{field} located at line {} instead of {line} ({needle:?}):\n{err}",
        found.line
    );
    assert!(found.column > 0, "no column: {found}");
    for part in says {
        assert!(
            found.message.contains(part),
            "{field}: message {:?} lacks {part:?}",
            found.message
        );
    }
    // The rendered error carries file, line and field too.
    let rendered = err.to_string();
    assert!(
        rendered.contains(&format!("<test>:{line}:")) && rendered.contains(field),
        "{rendered}"
    );
}

#[test]
fn the_valid_base_scenario_parses() {
    let text = yaml(
        &loaded("      hpa: { min_replicas: 2, max_replicas: 8 }"),
        RESIZABLE,
        "",
    );
    let s = scenario(&text);
    let a = s.workloads[0].autoscaling.as_ref().expect("autoscaling");
    assert_eq!(a.bounds(), (2, 8));
    assert!(
        s.cluster_autoscaler.is_some(),
        "a resizable group runs the CA"
    );
}

#[test]
fn autoscaling_without_a_load_is_refused() {
    let text = yaml(
        "    autoscaling:\n      hpa: { max_replicas: 8 }",
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "hpa: { max_replicas: 8 }",
        "workloads[0].autoscaling",
        &["add `capacity`", "`load`"],
    );
}

#[test]
fn both_policies_at_once_are_refused() {
    let text = yaml(
        &loaded(
            "      hpa: { max_replicas: 8 }\n      threshold: { max_replicas: 8, scale_up_above: 0.8 }",
        ),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "hpa: { max_replicas: 8 }",
        "workloads[0].autoscaling",
        &["exactly one policy", "hpa:", "threshold:"],
    );
    // Neither is refused the same way.
    let text = yaml(&loaded("      flapping_window: 5m"), RESIZABLE, "");
    refused(
        &text,
        "flapping_window: 5m",
        "workloads[0].autoscaling",
        &["exactly one policy"],
    );
}

#[test]
fn min_replicas_above_max_replicas_is_refused() {
    let text = yaml(
        &loaded("      hpa:\n        min_replicas: 5\n        max_replicas: 2"),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "max_replicas: 2",
        "workloads[0].autoscaling.hpa.max_replicas",
        &["max_replicas = 2", "below min_replicas = 5"],
    );
    // The same rule for the threshold policy.
    let text = yaml(
        &loaded(
            "      threshold:\n        min_replicas: 9\n        max_replicas: 3\n        scale_up_above: 0.8",
        ),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "max_replicas: 3",
        "workloads[0].autoscaling.threshold.max_replicas",
        &["max_replicas = 3", "below min_replicas = 9"],
    );
}

#[test]
fn a_threshold_at_or_below_one_half_is_refused() {
    let text = yaml(
        &loaded("      threshold:\n        max_replicas: 8\n        scale_up_above: 0.4"),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "scale_up_above: 0.4",
        "workloads[0].autoscaling.threshold.scale_up_above",
        &["0.4", "1 - S", "above 0.5 and below 1", "0.8"],
    );
}

#[test]
fn a_policy_period_of_zero_is_refused() {
    let text = yaml(
        &loaded(
            "      hpa:
        max_replicas: 8
        behavior:
          scale_up:
            policies:
              - { type: pods, value: 4, period: 15s }
              - { type: percent, value: 100,
                  period: 0s }",
        ),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "period: 0s",
        "workloads[0].autoscaling.hpa.behavior.scale_up.policies[1].period",
        &["1s to 30m"],
    );
}

#[test]
fn autoscaling_on_a_control_plane_group_is_refused() {
    let text = yaml(&loaded("      hpa: { max_replicas: 8 }"), RESIZABLE, "").replace(
        "    count: 1\n",
        "    count: 1\n    autoscaling: { min: 1, max: 3 }\n",
    );
    refused(
        &text,
        "autoscaling: { min: 1, max: 3 }",
        "machines[0].autoscaling",
        &["only worker groups", "remove `autoscaling`"],
    );
}

#[test]
fn a_count_outside_min_and_max_is_refused() {
    // The worker group starts with 2 nodes.
    let text = yaml(
        &loaded("      hpa: { max_replicas: 8 }"),
        "    autoscaling: { min: 3, max: 6 }",
        "",
    );
    refused(
        &text,
        "autoscaling: { min: 3, max: 6 }",
        "machines[1].autoscaling",
        &["count = 2", "min = 3", "max = 6"],
    );
    let text = yaml(
        &loaded("      hpa: { max_replicas: 8 }"),
        "    autoscaling: { min: 0, max: 1 }",
        "",
    );
    refused(
        &text,
        "autoscaling: { min: 0, max: 1 }",
        "machines[1].autoscaling",
        &["count = 2", "min = 0", "max = 1"],
    );
}

#[test]
fn a_cluster_autoscaler_without_a_resizable_group_is_refused() {
    let text = yaml(
        &loaded("      hpa: { max_replicas: 8 }"),
        "",
        "cluster_autoscaler: { scan_interval: 10s, expander: least-waste }\n",
    );
    refused(
        &text,
        "cluster_autoscaler:",
        "cluster_autoscaler",
        &[
            "no worker group can be resized",
            "autoscaling: {min: 1, max: 10}",
        ],
    );
}

#[test]
fn a_tolerance_of_one_or_more_is_refused() {
    let text = yaml(
        &loaded(
            "      hpa:
        max_replicas: 8
        behavior:
          scale_down: { tolerance: 1.5 }",
        ),
        RESIZABLE,
        "",
    );
    refused(
        &text,
        "tolerance: 1.5",
        "workloads[0].autoscaling.hpa.behavior.scale_down.tolerance",
        &["1.5 is not a tolerance", "from 0 to below 1", "0.1"],
    );
    // The controller-wide flag too.
    let text = yaml(
        &loaded("      hpa: { max_replicas: 8 }"),
        RESIZABLE,
        "hpa_controller:\n  tolerance: 1.5\n",
    );
    refused(
        &text,
        "tolerance: 1.5",
        "hpa_controller.tolerance",
        &["1.5 is not a tolerance", "from 0 to below 1"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = yaml(
        &loaded("      threshold: { min_replicas: 9, max_replicas: 3, scale_up_above: 0.4 }"),
        "    autoscaling: { min: 3, max: 6 }",
        "",
    );
    let err = Scenario::parse(&text, "<test>", "test").unwrap_err();
    let fields: Vec<String> = err.problems().into_iter().map(|p| p.field).collect();
    for field in [
        "workloads[0].autoscaling.threshold.max_replicas",
        "workloads[0].autoscaling.threshold.scale_up_above",
        "machines[1].autoscaling",
    ] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
}

#[test]
fn a_partial_behavior_gets_the_kubernetes_defaults() {
    // Only scale_down is given, and without a stabilization window.
    let text = yaml(
        &loaded(
            "      hpa:
        min_replicas: 2
        max_replicas: 20
        target_cpu_utilization: 50
        behavior:
          scale_down:
            policies: [{ type: pods, value: 1, period: 1m }]",
        ),
        RESIZABLE,
        "",
    );
    let s = scenario(&text);
    let autoscaling = s.workloads[0].autoscaling.as_ref().expect("autoscaling");
    let Policy::Hpa(hpa) = &autoscaling.policy else {
        panic!("an HPA, got {:?}", autoscaling.policy);
    };
    assert_eq!((hpa.min_replicas, hpa.max_replicas), (2, 20));
    assert_eq!(hpa.target_utilization, 50);
    let behavior = hpa.behavior.as_ref().expect("behavior was given");
    // scaleUp: every field from the autoscaling/v2 defaults.
    let sec15 = SimDuration::from_secs(15);
    assert_eq!(behavior.scale_up.stabilization_window, SimDuration::ZERO);
    assert_eq!(behavior.scale_up.select, SelectPolicy::Max);
    assert_eq!(
        behavior.scale_up.policies,
        vec![
            ScalingPolicy {
                kind: PolicyKind::Pods(4),
                period: sec15
            },
            ScalingPolicy {
                kind: PolicyKind::Percent(100),
                period: sec15
            },
        ]
    );
    assert_eq!(behavior.scale_up, Behavior::kubernetes_default().scale_up);
    // scaleDown: the given policy, the default select, and the
    // controller's 5m window for the unset stabilization window.
    assert_eq!(
        behavior.scale_down.policies,
        vec![ScalingPolicy::pods(1, SimDuration::from_secs(60))]
    );
    assert_eq!(behavior.scale_down.select, SelectPolicy::Max);
    assert_eq!(
        behavior.scale_down.stabilization_window,
        SimDuration::from_secs(300)
    );
    // Tolerances default to the controller's 0.1 both ways; flapping
    // window 10m.
    assert_eq!((hpa.tolerance_up, hpa.tolerance_down), (0.1, 0.1));
    assert_eq!(autoscaling.flapping_window, SimDuration::from_secs(600));

    // The unset scale-down window follows the controller's flag.
    let flagged = scenario(&yaml(
        &loaded(
            "      hpa:
        max_replicas: 20
        behavior:
          scale_down: { select_policy: min }",
        ),
        RESIZABLE,
        "hpa_controller:\n  downscale_stabilization: 2m\n",
    ));
    let Policy::Hpa(hpa) = &flagged.workloads[0].autoscaling.as_ref().unwrap().policy else {
        panic!("an HPA");
    };
    let down = &hpa.behavior.as_ref().unwrap().scale_down;
    assert_eq!(down.stabilization_window, SimDuration::from_secs(120));
    assert_eq!(down.select, SelectPolicy::Min);
    assert_eq!(
        down.policies,
        Behavior::kubernetes_default().scale_down.policies
    );
    // Defaults of an HPA without behavior (the legacy path) and of the
    // threshold policy.
    let bare = scenario(&yaml(
        &loaded("      hpa: { max_replicas: 20 }"),
        RESIZABLE,
        "",
    ));
    let Policy::Hpa(hpa) = &bare.workloads[0].autoscaling.as_ref().unwrap().policy else {
        panic!("an HPA");
    };
    assert_eq!(
        (
            hpa.min_replicas,
            hpa.target_utilization,
            hpa.behavior.is_none()
        ),
        (1, 80, true)
    );
    let threshold = scenario(&yaml(
        &loaded("      threshold: { max_replicas: 20, scale_up_above: 0.8 }"),
        RESIZABLE,
        "",
    ));
    assert_eq!(
        threshold.workloads[0].autoscaling.as_ref().unwrap().policy,
        Policy::Threshold(ThresholdPolicy {
            min_replicas: 1,
            max_replicas: 20,
            scale_up_above: 0.8,
            step: 1,
            period: SimDuration::from_secs(60),
        })
    );
}
