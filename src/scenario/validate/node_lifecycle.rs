//! `node_lifecycle:`: kube-controller-manager's node lifecycle controller
//! timers and eviction rates.

use serde_saphyr::Spanned;

use super::checker::Checker;
use crate::scenario::node_lifecycle::{
    DEFAULT_LARGE_CLUSTER_SIZE_THRESHOLD, DEFAULT_NODE_EVICTION_RATE,
    DEFAULT_NODE_LEASE_RENEW_INTERVAL, DEFAULT_NODE_MONITOR_GRACE_PERIOD,
    DEFAULT_NODE_MONITOR_PERIOD, DEFAULT_SECONDARY_NODE_EVICTION_RATE,
    DEFAULT_UNHEALTHY_ZONE_THRESHOLD, NodeLifecycle, RawNodeLifecycle,
};

/// The top-level `node_lifecycle:` block.
pub(super) fn node_lifecycle(check: &mut Checker<'_>, raw: &RawNodeLifecycle) -> NodeLifecycle {
    let mut rate = |value: &Option<Spanned<f64>>, field: &str, default: f64, max: f64| {
        value.as_ref().map_or(default, |v| {
            if !(0.0..=max).contains(&v.value) {
                check.at(
                    &v.referenced,
                    format!("node_lifecycle.{field}"),
                    format!("{} is out of range; use a number from 0 to {max}", v.value),
                );
            }
            v.value.clamp(0.0, max)
        })
    };
    let eviction_rate = rate(
        &raw.eviction_rate,
        "eviction_rate",
        DEFAULT_NODE_EVICTION_RATE,
        1000.0,
    );
    let secondary_eviction_rate = rate(
        &raw.secondary_eviction_rate,
        "secondary_eviction_rate",
        DEFAULT_SECONDARY_NODE_EVICTION_RATE,
        1000.0,
    );
    let unhealthy_zone_threshold = rate(
        &raw.unhealthy_zone_threshold,
        "unhealthy_zone_threshold",
        DEFAULT_UNHEALTHY_ZONE_THRESHOLD,
        1.0,
    );
    NodeLifecycle {
        monitor_period: raw
            .monitor_period
            .map_or(DEFAULT_NODE_MONITOR_PERIOD, |v| v.0),
        // Zero would mark a node NotReady at its first missed renewal.
        grace_period: check.positive_duration(
            raw.grace_period.as_ref(),
            "node_lifecycle.grace_period",
            DEFAULT_NODE_MONITOR_GRACE_PERIOD,
        ),
        lease_renew_interval: raw
            .lease_renew_interval
            .map_or(DEFAULT_NODE_LEASE_RENEW_INTERVAL, |v| v.0),
        eviction_rate,
        secondary_eviction_rate,
        large_cluster_size_threshold: raw
            .large_cluster_size_threshold
            .map_or(DEFAULT_LARGE_CLUSTER_SIZE_THRESHOLD, |v| v as usize),
        unhealthy_zone_threshold,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::SimDuration;
    use crate::scenario::node_lifecycle::DEFAULT_NODE_MONITOR_GRACE_PERIOD;
    use crate::scenario::{Problem, Scenario, ScenarioError};

    fn parse(node_lifecycle: &str) -> Result<Scenario, ScenarioError> {
        let text = format!(
            "machines:
  - name: cp
    role: control-plane
    count: 1
control_plane:
  topology: single
{node_lifecycle}"
        );
        Scenario::parse(&text, "cluster.yaml", "test")
    }

    #[test]
    fn a_zero_grace_period_is_refused_at_its_place() {
        let err = parse("node_lifecycle:\n  grace_period: 0s\n").unwrap_err();
        assert_eq!(
            err.problems(),
            [Problem {
                file: "cluster.yaml".into(),
                line: 8,
                column: 17,
                field: "node_lifecycle.grace_period".into(),
                message: "must be longer than zero (default 50s)".into(),
            }]
        );
        assert_eq!(
            err.to_string(),
            "cluster.yaml:8:17: node_lifecycle.grace_period: must be longer than zero (default 50s)"
        );
    }

    #[test]
    fn a_positive_grace_period_is_kept_and_none_is_the_default() {
        let pre_1_32 = parse("node_lifecycle: { grace_period: 40s }\n").unwrap();
        assert_eq!(
            pre_1_32.node_lifecycle.grace_period,
            SimDuration::from_secs(40)
        );
        let default = parse("").unwrap();
        assert_eq!(
            default.node_lifecycle.grace_period,
            DEFAULT_NODE_MONITOR_GRACE_PERIOD
        );
    }
}
