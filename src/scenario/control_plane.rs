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

/// Time from an etcd disaster to the page, when neither
/// `control_plane.etcd.recovery.alert_delay` nor `people.alert_delay` is
/// written: 90 s, the `for: 1m` of the etcd mixin's critical `etcdNoLeader`
/// alert plus the mixin's 30 s scrape interval (etcd `contrib/mixin`,
/// `alerts/alerts.libsonnet` and `config.libsonnet`;
/// docs/kubernetes-defaults.md §7.5). When no member runs at all,
/// `etcdNoLeader` cannot fire and `etcdInsufficientMembers` (`for: 3m`)
/// pages instead; nines uses one delay for both.
pub const DEFAULT_DISASTER_ALERT_DELAY: SimDuration = SimDuration::from_secs(90);
/// On-call response time after an etcd disaster's page, when neither
/// `control_plane.etcd.recovery.response` nor `people.response` is written:
/// a fixed 5 minutes, the response time Google's SRE book gives as typical
/// for user-facing or otherwise highly time-critical services ("Being
/// On-Call"; 30 minutes for less time-sensitive systems). The book gives a
/// target, not a distribution: using the target itself as the response
/// time is an assumption (docs/kubernetes-defaults.md §7.5).
pub const DEFAULT_DISASTER_RESPONSE: SimDuration = SimDuration::from_secs(5 * 60);
/// Median time to rebuild a cluster whose etcd is gone without a backup
/// (new etcd, control plane re-created, workloads redeployed from their
/// manifests): 4 h. An assumption: no source measures rebuilds; the
/// public postmortems closest to one took hours end to end (Reddit's 2023
/// Pi-Day outage, 314 minutes with a restore from backup; Skyscanner's
/// 2021 outage, 4.5 hours after every service was deleted;
/// docs/kubernetes-defaults.md §7.5).
pub const DEFAULT_ETCD_REBUILD_MEDIAN: SimDuration = SimDuration::from_secs(4 * 3600);
/// 99th percentile of the rebuild time: 24 h. An assumption (a rebuild
/// that meets a stale runbook or exhausted cloud capacity, as Reddit's
/// restore did, can take a day); with the 4 h median the mean is about
/// 5.4 h (docs/kubernetes-defaults.md §7.5).
pub const DEFAULT_ETCD_REBUILD_P99: SimDuration = SimDuration::from_secs(24 * 3600);

/// etcd `--quota-backend-bytes` when unset: 2 GiB, etcd's
/// `DefaultQuotaBytes` (docs/kubernetes-defaults.md §10.2).
pub const DEFAULT_ETCD_QUOTA_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// kube-apiserver `--etcd-compaction-interval`: 5 minutes
/// (docs/kubernetes-defaults.md §10.2).
pub const DEFAULT_ETCD_COMPACTION_INTERVAL: SimDuration = SimDuration::from_secs(5 * 60);
/// Median time for a person to compact, defragment and disarm etcd's
/// NOSPACE alarm once on it: 1 hour. An assumption
/// (docs/kubernetes-defaults.md §10.2).
pub const DEFAULT_ETCD_CLEANUP_MEDIAN: SimDuration = SimDuration::from_secs(3600);
/// 99th percentile of that clean-up: 8 hours. An assumption (finding what
/// filled the database; docs/kubernetes-defaults.md §10.2).
pub const DEFAULT_ETCD_CLEANUP_P99: SimDuration = SimDuration::from_secs(8 * 3600);

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

/// Validity of the certificates kubeadm issues (apiserver serving and
/// client certificates, etcd's, the kubeconfigs'): one year, kubeadm's
/// `CertificateValidityPeriod` (docs/kubernetes-defaults.md §10.1).
pub const DEFAULT_CERTIFICATE_VALIDITY: SimDuration = SimDuration::from_secs(365 * 86_400);
/// Time from the API going away to the page, when neither
/// `control_plane.certificates.alert_delay` nor `people.alert_delay` is
/// written: 15 minutes, the `for: 15m` of the kubernetes-mixin's critical
/// `KubeAPIDown` alert (`absent(up{job="kube-apiserver"} == 1)`;
/// docs/kubernetes-defaults.md §10.1).
pub const DEFAULT_CERTIFICATE_ALERT_DELAY: SimDuration = SimDuration::from_secs(15 * 60);
/// Median time to renew expired certificates once someone is on it
/// (`kubeadm certs renew all` on each control-plane machine, then restart
/// the control-plane static pods): 30 minutes. An assumption
/// (docs/kubernetes-defaults.md §10.1).
pub const DEFAULT_CERTIFICATE_RENEW_MEDIAN: SimDuration = SimDuration::from_secs(30 * 60);
/// 99th percentile of the renewal time: 4 hours. An assumption (a first
/// renewal under pressure, kubeconfigs to redistribute;
/// docs/kubernetes-defaults.md §10.1).
pub const DEFAULT_CERTIFICATE_RENEW_P99: SimDuration = SimDuration::from_secs(4 * 3600);

/// How the control plane's certificates get renewed
/// (`control_plane.certificates.renewal`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateRenewal {
    /// Only by a person, after they expired and the API went down.
    Manual,
    /// By every control-plane upgrade (kubeadm renews all certificates on
    /// `kubeadm upgrade`), here every chaos `rolling-upgrade` step; without
    /// an upgrade within the validity they expire as with `manual`. The
    /// default: kubeadm's behaviour.
    OnUpgrade,
    /// Before they expire, by automation (a renewal job, cluster-api's
    /// rollout before expiry): they never expire.
    Auto,
}

/// The control plane's certificates (`control_plane.certificates`), every
/// default applied.
#[derive(Clone, Debug)]
pub struct Certificates {
    /// How they get renewed ([`CertificateRenewal::OnUpgrade`]).
    pub renewal: CertificateRenewal,
    /// How long a certificate lasts from its issue or renewal
    /// ([`DEFAULT_CERTIFICATE_VALIDITY`]).
    pub validity: SimDuration,
    /// Time from the expiry to the page ([`DEFAULT_CERTIFICATE_ALERT_DELAY`]
    /// unless the block or `people` gives one).
    pub alert_delay: SimDuration,
    /// On-call response time after the page ([`DEFAULT_DISASTER_RESPONSE`]
    /// unless the block or `people` gives one).
    pub response: Distribution,
    /// Time to renew them and restart the control plane
    /// ([`DEFAULT_CERTIFICATE_RENEW_MEDIAN`], [`DEFAULT_CERTIFICATE_RENEW_P99`]).
    pub renew: Distribution,
}

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
    /// Certificate expiry and renewal; `None` (no `certificates` block):
    /// not modelled, they never expire.
    pub certificates: Option<Certificates>,
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
    /// Who recovers etcd after a disaster (a majority of members lost their
    /// data), and how.
    pub recovery: Recovery,
    /// The database's growth towards its space quota; `None`: it never
    /// fills up.
    pub database: Option<Database>,
    /// Disk stalls (slow fsyncs) of each member; `None`: disks keep up.
    pub disk_stalls: Option<DiskStalls>,
}

/// etcd's database and its space quota (`control_plane.etcd.database`):
/// when the backend file reaches the quota etcd raises the NOSPACE alarm
/// and refuses writes until a person compacts, defragments and disarms.
#[derive(Clone, Debug)]
pub struct Database {
    /// `--quota-backend-bytes` ([`DEFAULT_ETCD_QUOTA_BYTES`]).
    pub quota_bytes: u64,
    /// Size of the backend file at the start and after each clean-up.
    pub initial_bytes: u64,
    /// Growth of the live data (and fragmentation) per day, which
    /// compaction does not reclaim.
    pub growth_bytes_per_day: u64,
    /// Superseded revisions written per day: history that stays until the
    /// next compaction.
    pub history_bytes_per_day: u64,
    /// Time between compactions of the history by the apiserver
    /// ([`DEFAULT_ETCD_COMPACTION_INTERVAL`]); zero: never compacted.
    pub compaction_interval: SimDuration,
    /// Time from the alarm to the page (`people.alert_delay`, else
    /// [`DEFAULT_DISASTER_ALERT_DELAY`]).
    pub alert_delay: SimDuration,
    /// On-call response after the page (`people.response`, else
    /// [`DEFAULT_DISASTER_RESPONSE`]).
    pub response: Distribution,
    /// Time to compact, defragment and disarm the alarm
    /// ([`DEFAULT_ETCD_CLEANUP_MEDIAN`], [`DEFAULT_ETCD_CLEANUP_P99`]).
    pub cleanup: Distribution,
}

/// Stalls of a member's disk (`control_plane.etcd.disk_stalls`): while
/// its disk stalls a member persists nothing; a stalled leader commits
/// nothing and, once a follower's randomized election timeout runs out,
/// loses its leadership.
#[derive(Clone, Debug)]
pub struct DiskStalls {
    /// Time from the end of one stall of a member's disk to the next.
    pub time_between: Distribution,
    /// How long a stall lasts.
    pub duration: Distribution,
}

/// How etcd recovers from a disaster: a majority of its members lost their
/// data, so it cannot recover by itself.
#[derive(Clone, Debug)]
pub enum Recovery {
    /// `recovery: none`: nobody acts. With a backup the restore
    /// (`backup.restore`) starts at the disaster; without one the cluster
    /// stays down for the rest of the lifetime.
    None,
    /// People notice the disaster, respond, get a repair crew, then restore
    /// from the last snapshot (`backup.restore`) or, without a backup,
    /// rebuild the cluster.
    Operator(OperatorRecovery),
}

/// The operator-driven recovery, every default applied.
#[derive(Clone, Debug)]
pub struct OperatorRecovery {
    /// Time from the disaster to the page ([`DEFAULT_DISASTER_ALERT_DELAY`]
    /// unless the recovery block or `people` gives one).
    pub alert_delay: SimDuration,
    /// On-call response time after the page, drawn per disaster
    /// ([`DEFAULT_DISASTER_RESPONSE`] unless the recovery block or `people`
    /// gives one).
    pub response: Distribution,
    /// Time to rebuild the cluster when there is no backup
    /// ([`DEFAULT_ETCD_REBUILD_MEDIAN`], [`DEFAULT_ETCD_REBUILD_P99`]).
    pub rebuild: Distribution,
}

/// etcd snapshot backups.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Time between snapshots.
    pub interval: SimDuration,
    /// Time to restore a cluster from the last snapshot.
    pub restore: Distribution,
}

/// What a load balancer's health check asks each apiserver
/// (docs/kubernetes-defaults.md §8.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthCheckPath {
    /// `GET /healthz` (deprecated upstream): the apiserver's checks,
    /// including `etcd`.
    Healthz,
    /// `GET /livez`: upstream still registers the `etcd` check (a read
    /// through the apiserver's etcd client) for `/livez` as for `/healthz`.
    Livez,
    /// `GET /readyz`: `etcd` and `etcd-readiness` among the checks.
    Readyz,
    /// A TCP connection or TLS handshake: the process only.
    Tcp,
}

impl HealthCheckPath {
    /// Whether the check fails when the apiserver cannot reach an etcd
    /// quorum through its etcd client.
    pub fn includes_etcd(self) -> bool {
        !matches!(self, HealthCheckPath::Tcp)
    }
}

/// The health check of both balancer kinds when the scenario names none:
/// `GET /healthz`, the check of kubeadm's HA guide HAProxy example
/// (docs/kubernetes-defaults.md §8.5).
pub const DEFAULT_HEALTH_CHECK_PATH: HealthCheckPath = HealthCheckPath::Healthz;

/// Health checking of one set of backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// What each check asks ([`DEFAULT_HEALTH_CHECK_PATH`]).
    pub path: HealthCheckPath,
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
    /// A leader's round of renewal attempts gives up after this long; the
    /// round starts a retry period after its last success
    /// ([`DEFAULT_RENEW_DEADLINE`]).
    pub renew_deadline: SimDuration,
    /// Time between renewals; candidates poll every retry x (1 + U[0, 1.2))
    /// ([`DEFAULT_RETRY_PERIOD`]).
    pub retry_period: SimDuration,
}
