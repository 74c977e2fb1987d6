//! kube-controller-manager's node lifecycle controller in the scenario
//! file: raw serde type (1:1 with the file), validated form and the
//! upstream defaults.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::schema::Duration;
use crate::engine::SimDuration;

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
