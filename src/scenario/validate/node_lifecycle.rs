//! `node_lifecycle:`: kube-controller-manager's node lifecycle controller
//! timers and eviction rates.

use serde_saphyr::Spanned;

use super::checker::Checker;
use crate::scenario::workload::{NodeLifecycle, RawNodeLifecycle};

/// The top-level `node_lifecycle:` block.
pub(super) fn node_lifecycle(check: &mut Checker<'_>, raw: &RawNodeLifecycle) -> NodeLifecycle {
    let d = NodeLifecycle::default();
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
    let eviction_rate = rate(&raw.eviction_rate, "eviction_rate", d.eviction_rate, 1000.0);
    let secondary_eviction_rate = rate(
        &raw.secondary_eviction_rate,
        "secondary_eviction_rate",
        d.secondary_eviction_rate,
        1000.0,
    );
    let unhealthy_zone_threshold = rate(
        &raw.unhealthy_zone_threshold,
        "unhealthy_zone_threshold",
        d.unhealthy_zone_threshold,
        1.0,
    );
    NodeLifecycle {
        monitor_period: raw.monitor_period.map_or(d.monitor_period, |v| v.0),
        grace_period: raw.grace_period.map_or(d.grace_period, |v| v.0),
        lease_renew_interval: raw
            .lease_renew_interval
            .map_or(d.lease_renew_interval, |v| v.0),
        eviction_rate,
        secondary_eviction_rate,
        large_cluster_size_threshold: raw
            .large_cluster_size_threshold
            .map_or(d.large_cluster_size_threshold, |v| v as usize),
        unhealthy_zone_threshold,
    }
}
