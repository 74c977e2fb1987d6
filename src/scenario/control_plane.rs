//! The control plane in the scenario file, validated: topology, etcd, the
//! API endpoint and leader election, with the upstream defaults of each.

use crate::dist::Distribution;
use crate::engine::SimDuration;

/// etcd `--heartbeat-interval`: 100 ms (docs/kubernetes-defaults.md §7.1).
pub const DEFAULT_ETCD_HEARTBEAT_INTERVAL: SimDuration = SimDuration::from_millis(100);
/// etcd `--election-timeout`: 1000 ms (docs/kubernetes-defaults.md §7.1).
pub const DEFAULT_ETCD_ELECTION_TIMEOUT: SimDuration = SimDuration::from_millis(1_000);
/// The longest `--election-timeout` etcd accepts: 50 s
/// (docs/kubernetes-defaults.md §7.1).
pub const MAX_ETCD_ELECTION_TIMEOUT: SimDuration = SimDuration::from_secs(50);
/// Time a re-added (empty) member needs to catch up: no upstream default.
/// An assumption: a minute, as it depends on the database size (a 2 GB
/// database over 1 Gb/s takes about 20 s).
pub const DEFAULT_ETCD_MEMBER_SYNC: SimDuration = SimDuration::from_secs(60);

/// Cloud load-balancer health-check interval: 5 s, Google Cloud's default
/// (docs/kubernetes-defaults.md §8.4).
pub const DEFAULT_CLOUD_LB_INTERVAL: SimDuration = SimDuration::from_secs(5);
/// Cloud load-balancer failed checks before a backend is marked down: 2
/// (docs/kubernetes-defaults.md §8.4).
pub const DEFAULT_CLOUD_LB_UNHEALTHY_THRESHOLD: u32 = 2;
/// Cloud load-balancer good checks before a backend is marked up: 2
/// (docs/kubernetes-defaults.md §8.4).
pub const DEFAULT_CLOUD_LB_HEALTHY_THRESHOLD: u32 = 2;

/// HAProxy `inter`: 2 s between checks (docs/kubernetes-defaults.md §8.2).
pub const DEFAULT_HAPROXY_INTER: SimDuration = SimDuration::from_secs(2);
/// HAProxy `fall`: 3 failed checks before DOWN (docs/kubernetes-defaults.md §8.2).
pub const DEFAULT_HAPROXY_FALL: u32 = 3;
/// HAProxy `rise`: 2 good checks before UP (docs/kubernetes-defaults.md §8.2).
pub const DEFAULT_HAPROXY_RISE: u32 = 2;
/// keepalived `advert_int`: 1 s (docs/kubernetes-defaults.md §8.3).
pub const DEFAULT_VRRP_ADVERT_INTERVAL: SimDuration = SimDuration::from_secs(1);
/// keepalived priority of the backup instances: 100, a skew of about
/// 0.61 s (docs/kubernetes-defaults.md §8.3).
pub const DEFAULT_VRRP_PRIORITY: u8 = 100;

/// client-go `--leader-elect-lease-duration`: 15 s
/// (docs/kubernetes-defaults.md §1.1).
pub const DEFAULT_LEASE_DURATION: SimDuration = SimDuration::from_secs(15);
/// client-go `--leader-elect-renew-deadline`: 10 s
/// (docs/kubernetes-defaults.md §1.1).
pub const DEFAULT_RENEW_DEADLINE: SimDuration = SimDuration::from_secs(10);
/// client-go `--leader-elect-retry-period`: 2 s
/// (docs/kubernetes-defaults.md §1.1).
pub const DEFAULT_RETRY_PERIOD: SimDuration = SimDuration::from_secs(2);

/// The control plane.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    /// Where etcd runs and how apiservers are used.
    pub topology: Topology,
    /// etcd.
    pub etcd: Etcd,
    /// How clients reach the apiservers.
    pub endpoint: Endpoint,
    /// kube-controller-manager and kube-scheduler lease timers.
    pub leader_election: LeaderElection,
}

/// Control-plane topologies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Topology {
    /// One control-plane machine with a local etcd member.
    Single,
    /// An etcd member on every control-plane machine; each apiserver talks
    /// only to its local member (kubeadm).
    Stacked,
    /// etcd on separate machines; every apiserver talks to all members.
    External,
    /// One active control-plane machine (external etcd); a standby is
    /// promoted after detection plus the promotion delay.
    ActiveStandby {
        /// Time to notice the active machine is gone.
        detection: SimDuration,
        /// Time to promote a standby after that.
        promotion_delay: SimDuration,
    },
}

/// etcd settings.
#[derive(Clone, Debug)]
pub struct Etcd {
    /// Number of voting members.
    pub members: usize,
    /// Raft tick / heartbeat period ([`DEFAULT_ETCD_HEARTBEAT_INTERVAL`]).
    pub heartbeat_interval: SimDuration,
    /// Base election timeout; followers randomise it to [1x, 2x)
    /// ([`DEFAULT_ETCD_ELECTION_TIMEOUT`]).
    pub election_timeout: SimDuration,
    /// Time a replaced (empty) member needs to catch up once re-added
    /// ([`DEFAULT_ETCD_MEMBER_SYNC`]).
    pub member_sync: SimDuration,
    /// Snapshot backups, if any.
    pub backup: Option<Backup>,
}

/// etcd snapshot backups.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Time between snapshots.
    pub interval: SimDuration,
    /// Time to restore a cluster from the last snapshot.
    pub restore: Distribution,
}

/// Health checking of one set of backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Time between checks.
    pub interval: SimDuration,
    /// Consecutive failed checks before a backend is marked down.
    pub unhealthy_threshold: u32,
    /// Consecutive good checks before it is marked up again.
    pub healthy_threshold: u32,
}

/// How clients reach the apiservers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Endpoint {
    /// The first control-plane machine's address, no balancing.
    Direct,
    /// A managed load balancer (assumed itself available) with health
    /// checks; it fails open when every backend is marked down. Defaults:
    /// [`DEFAULT_CLOUD_LB_INTERVAL`] and the `DEFAULT_CLOUD_LB_*` thresholds.
    CloudLb(HealthCheck),
    /// HAProxy on each load-balancer host behind a keepalived VIP.
    HaproxyKeepalived {
        /// HAProxy `inter`/`fall`/`rise` ([`DEFAULT_HAPROXY_INTER`],
        /// [`DEFAULT_HAPROXY_FALL`], [`DEFAULT_HAPROXY_RISE`]).
        health: HealthCheck,
        /// VRRP `advert_int` ([`DEFAULT_VRRP_ADVERT_INTERVAL`]).
        advert_interval: SimDuration,
        /// Priority of the backup instances (skew time depends on it;
        /// [`DEFAULT_VRRP_PRIORITY`]).
        priority: u8,
    },
}

/// Lease timers (client-go leader election).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderElection {
    /// A candidate may take the lease this long after it last saw it change
    /// ([`DEFAULT_LEASE_DURATION`]).
    pub lease_duration: SimDuration,
    /// A leader that cannot renew for this long steps down
    /// ([`DEFAULT_RENEW_DEADLINE`]).
    pub renew_deadline: SimDuration,
    /// Time between renewals; candidates poll every retry x (1 + U[0, 1.2))
    /// ([`DEFAULT_RETRY_PERIOD`]).
    pub retry_period: SimDuration,
}
