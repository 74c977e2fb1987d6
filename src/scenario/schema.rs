//! The scenario file, 1:1: raw serde structs that mirror the YAML (or JSON)
//! exactly. Every struct denies unknown fields so a misspelt key is an error
//! with its location, never silently ignored. Values that later checks must
//! point at are wrapped in [`Spanned`] to keep their line and column.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

use crate::engine::SimDuration;

/// A duration written with a unit (`100ms`, `15s`, `10m`, `4h`, `30d`,
/// `1y`); parsed while the file is read so a bad one is reported at its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration with a unit, e.g. 100ms, 15s, 10m, 4h, 30d or 1y")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse().map(Duration).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Duration, E> {
                if value == 0 {
                    Ok(Duration(SimDuration::ZERO))
                } else {
                    Err(E::custom(format!(
                        "`{value}` has no unit; write e.g. {value}s, {value}m or {value}h"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Duration, E> {
                match u64::try_from(value) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom("a duration cannot be negative")),
                }
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "`{value}` has no unit; write e.g. {value}s or {value}h"
                )))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// A label for reports; defaults to the file name.
    pub name: Option<Spanned<String>>,
    /// How long each simulated lifetime lasts.
    pub horizon: Option<Spanned<Duration>>,
    /// How many independent lifetimes to simulate.
    pub replications: Option<Spanned<u64>>,
    /// The master seed.
    pub seed: Option<u64>,
    /// Time at the start of each lifetime that is simulated but not measured.
    pub warmup: Option<Spanned<Duration>>,
    /// Outages shorter than this are not counted as outages.
    pub min_outage: Option<Duration>,
    /// Failure domains; machines are placed in them.
    #[serde(default)]
    pub zones: Vec<Spanned<String>>,
    /// Failure modes applied to each zone independently (zone outages).
    #[serde(default)]
    pub zone_failures: Vec<RawFailureMode>,
    /// Shared failure domains (rack, power feed, hypervisor host), each
    /// with its own failure process; machines are assigned to them.
    #[serde(default)]
    pub failure_domains: Vec<RawFailureDomain>,
    /// The zone clients (and a cloud load balancer) are in: during a
    /// partition they reach only machines on that zone's side.
    pub clients_zone: Option<Spanned<String>>,
    /// Detection, on-call response and repair crews for manual repairs.
    pub people: Option<Spanned<RawPeople>>,
    /// How many automatic repairs can run at once.
    pub automatic_repair: Option<Spanned<RawAutomaticRepair>>,
    /// Injected faults, the same in every replication.
    #[serde(default)]
    pub chaos: Vec<Spanned<RawChaosStep>>,
    /// Upgrades of the control plane and the workers, scheduled as planned
    /// work.
    pub upgrades: Option<Spanned<RawUpgrades>>,
    /// Machine groups.
    pub machines: Spanned<Vec<RawMachineGroup>>,
    /// The control plane.
    pub control_plane: Spanned<RawControlPlane>,
    /// Node lifecycle controller timers (kube-controller-manager).
    #[serde(default)]
    pub node_lifecycle: super::node_lifecycle::RawNodeLifecycle,
    /// Deployments and StatefulSets on the worker nodes.
    #[serde(default)]
    pub workloads: Vec<super::workload::RawWorkload>,
    /// The HPA controller's flags and metrics-server's resolution.
    #[serde(default)]
    pub hpa_controller: super::autoscaling::RawHpaController,
    /// The Cluster Autoscaler's flags (it runs when a worker group has
    /// `autoscaling`).
    pub cluster_autoscaler: Option<Spanned<super::autoscaling::RawClusterAutoscaler>>,
    /// Targets for `nines check`, e.g. `api.write.availability >= 99.95%`
    /// (parsed in `scenario::expect`).
    #[serde(default)]
    pub expect: Vec<Spanned<String>>,
    /// Parameter grid for `nines sweep`, e.g. `{etcd.members: [1, 3, 5]}`
    /// (parsed in `scenario::sweep`).
    pub sweep: Option<super::sweep::RawSweep>,
}

/// A group of identical machines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMachineGroup {
    /// Unique group name.
    pub name: Spanned<String>,
    /// What runs on the machines.
    pub role: Spanned<RawRole>,
    /// Number of machines.
    pub count: Spanned<u64>,
    /// Zones the machines are placed in, round-robin.
    #[serde(default)]
    pub zones: Vec<Spanned<String>>,
    /// Ways a machine fails, each with its own clocks.
    #[serde(default)]
    pub failures: Vec<RawFailureMode>,
    /// Ways a process on each machine (a control-plane static pod, the
    /// kubelet, the container runtime) fails while the machine runs.
    #[serde(default)]
    pub process_failures: Vec<RawProcessFailure>,
    /// Failure domains the machines are assigned to, round-robin.
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
    /// Workers: what pods can request on each node.
    pub allocatable: Option<Spanned<super::workload::RawResources>>,
    /// Workers: the Cluster Autoscaler may resize the group within
    /// `{min, max}` (`count` is the size at the start).
    pub autoscaling: Option<Spanned<super::autoscaling::RawNodeGroupScaling>>,
}

/// A shared failure domain.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailureDomain {
    /// Unique name, referred to by machine groups' `domains`.
    pub name: Spanned<String>,
    /// How the domain fails; every machine in it stops.
    pub failures: Vec<RawFailureMode>,
}

/// A share of a mode's failures that hit several machines of the group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommonCause {
    /// Share of failures that are common-cause (0-1).
    pub fraction: Spanned<f64>,
    /// Machines hit by one common-cause failure (including the first).
    pub size: Spanned<u64>,
}

/// Machine roles.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawRole {
    /// kube-apiserver, kube-controller-manager, kube-scheduler (and etcd
    /// when stacked).
    ControlPlane,
    /// An external etcd member.
    Etcd,
    /// An HAProxy + keepalived host.
    LoadBalancer,
    /// A worker node (kubelet) that runs pods.
    Worker,
}

/// One failure mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailureMode {
    /// A name for reports (e.g. `crash`, `hardware`).
    pub name: Option<Spanned<String>>,
    /// Time from a repair (or the start) to the next failure of this mode.
    #[serde(alias = "ttf")]
    pub time_to_failure: Spanned<RawDistribution>,
    /// Time from the failure until the machine is back.
    #[serde(alias = "ttr")]
    pub time_to_repair: Spanned<RawDistribution>,
    /// Whether the failure destroys the machine's disk (etcd data).
    #[serde(default)]
    pub loses_disk: bool,
    /// `automatic` (repair starts at once) or `manual` (after detection and
    /// on-call response, by one of the repair crews).
    pub repair: Option<Spanned<RawRepair>>,
    /// Zone failures only: `outage` (machines stop) or `partition` (the
    /// zone is cut off from the others).
    pub effect: Option<Spanned<RawEffect>>,
    /// Machine failures only: a share of failures that take down several
    /// machines of the group at once.
    pub common_cause: Option<Spanned<RawCommonCause>>,
}

/// One way a process fails on every machine of a group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcessFailure {
    /// A name for reports; defaults to `<process> <kind>`.
    pub name: Option<Spanned<String>>,
    /// The process.
    pub process: Spanned<RawProcess>,
    /// `crash` (the default) or `hang` (static pods only).
    pub kind: Option<Spanned<RawProcessFailureKind>>,
    /// Time from the process's start to its next failure of this kind.
    #[serde(alias = "ttf")]
    pub time_to_failure: Spanned<RawDistribution>,
    /// Time from the (re)start of the process to its serving again.
    pub startup: Option<Spanned<RawDistribution>>,
}

/// The processes of a Kubernetes machine that fail on their own.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawProcess {
    /// The kube-apiserver static pod.
    KubeApiserver,
    /// The etcd static pod.
    Etcd,
    /// The kube-controller-manager static pod.
    KubeControllerManager,
    /// The kube-scheduler static pod.
    KubeScheduler,
    /// The kubelet (a systemd service).
    Kubelet,
    /// The container runtime (containerd, a systemd service).
    ContainerRuntime,
}

/// How a process fails.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawProcessFailureKind {
    /// It exits; its supervisor restarts it.
    Crash,
    /// It stops serving but keeps running until its liveness probe fails.
    Hang,
}

/// How a failure gets repaired.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawRepair {
    /// Reboot, auto-replacement: the repair clock starts at the failure.
    Automatic,
    /// A person: detection, response, then a free crew.
    Manual,
}

/// What a zone failure does.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawEffect {
    /// Every machine in the zone stops.
    Outage,
    /// The zone is cut off from the other zones; its machines keep running.
    Partition,
}

/// The capacity shared by automatic repairs (a cloud's auto-replacement
/// throttle, a pool of spare machines).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutomaticRepair {
    /// Automatic repairs that run at once; the others wait in one queue.
    pub crews: Spanned<u64>,
}

/// People who repair machines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeople {
    /// Parallel repairs (unlimited when absent).
    pub crews: Option<Spanned<u64>>,
    /// Time from failure to the alert firing (Prometheus `for:` plus a
    /// scrape interval).
    pub alert_delay: Option<Duration>,
    /// On-call response time after the alert.
    pub response: Option<Spanned<RawDistribution>>,
}

/// One injected fault.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChaosStep {
    /// A name for reports and attribution.
    pub name: Option<Spanned<String>>,
    /// What to do.
    pub action: Spanned<RawChaosAction>,
    /// A machine group name, `group[index]`, a zone, or a list of zones.
    pub target: Option<Spanned<RawTarget>>,
    /// When (first) to inject it.
    pub at: Spanned<Duration>,
    /// Repeat period, if any.
    pub every: Option<Spanned<Duration>>,
    /// How long the fault lasts (per machine, for a rolling upgrade or a
    /// drain); a rollout takes as long as it takes and has none.
    pub duration: Option<Spanned<Duration>>,
}

/// `upgrades:`: periodic planned upgrades.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpgrades {
    /// kubeadm-style: one control-plane machine at a time.
    pub control_plane: Option<Spanned<RawControlPlaneUpgrade>>,
    /// The worker nodes: one node at a time, drained first.
    pub workers: Option<Spanned<RawWorkerUpgrade>>,
}

/// `upgrades.control_plane`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawControlPlaneUpgrade {
    /// Time between the starts of two upgrades.
    pub every: Spanned<Duration>,
    /// The first upgrade's start (default: `every`).
    pub at: Option<Spanned<Duration>>,
    /// How long each machine is down for its upgrade.
    pub per_machine: Spanned<Duration>,
}

/// `upgrades.workers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkerUpgrade {
    /// Time between the starts of two upgrades.
    pub every: Spanned<Duration>,
    /// The first upgrade's start (default: `every`).
    pub at: Option<Spanned<Duration>>,
    /// How long each drained node is down for its upgrade.
    pub per_node: Spanned<Duration>,
}

/// A chaos target: one name or a list of names.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawTarget {
    /// One machine group, `group[index]` or zone.
    One(String),
    /// Several zones (for a partition).
    Many(Vec<String>),
}

/// Chaos actions (turmoil's verbs where they fit).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawChaosAction {
    /// Stop a machine or every machine of a group.
    Crash,
    /// Stop the machine of whichever etcd member leads at that moment.
    CrashEtcdLeader,
    /// Stop every machine of a zone.
    ZoneOutage,
    /// Cut the target zones off from the others.
    Partition,
    /// Fail the load balancer (a cloud LB, or the keepalived VIP holder).
    FailLoadBalancer,
    /// Take the control-plane machines down one at a time (planned).
    RollingUpgrade,
    /// Drain worker nodes one at a time (respecting PodDisruptionBudgets),
    /// take each down for maintenance, then uncordon it (planned).
    Drain,
    /// Roll a Deployment to a new revision (maxSurge/maxUnavailable).
    Rollout,
}

/// A distribution of durations, written as `{kind: {parameters}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawDistribution {
    /// `{exponential: {mean: 30d}}`
    Exponential {
        /// Mean.
        mean: Duration,
    },
    /// `{weibull: {shape: 1.5, mean: 30d}}` (or `scale` instead of `mean`).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Mean.
        mean: Option<Duration>,
        /// Scale λ.
        scale: Option<Duration>,
    },
    /// `{lognormal: {median: 10m, p99: 2h}}`
    #[serde(alias = "log-normal")]
    Lognormal {
        /// Median.
        median: Duration,
        /// 99th percentile.
        p99: Duration,
    },
    /// `{gamma: {shape: 2, mean: 1h}}`
    Gamma {
        /// Shape k.
        shape: f64,
        /// Mean.
        mean: Duration,
    },
    /// `{deterministic: 5m}`
    #[serde(alias = "fixed")]
    Deterministic(Duration),
    /// `{uniform: {min: 1m, max: 5m}}`
    Uniform {
        /// Lower end.
        min: Duration,
        /// Upper end.
        max: Duration,
    },
    /// `{empirical: {samples: [3m, 7m, 1h]}}`
    Empirical {
        /// Observed durations.
        samples: Vec<Duration>,
    },
}

/// The control plane block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawControlPlane {
    /// `single`, `stacked`, `external` or `active-standby`.
    pub topology: Spanned<RawTopology>,
    /// Promotion timers, only with `active-standby`.
    pub active_standby: Option<Spanned<RawActiveStandby>>,
    /// etcd settings.
    #[serde(default)]
    pub etcd: RawEtcd,
    /// How clients reach the apiservers.
    pub endpoint: Option<Spanned<RawEndpoint>>,
    /// Lease timers of kube-controller-manager and kube-scheduler.
    #[serde(default)]
    pub leader_election: RawLeaderElection,
    /// Certificate expiry and who renews them.
    pub certificates: Option<Spanned<RawCertificates>>,
}

/// `control_plane.certificates`; every field has a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificates {
    /// `manual`, `on-upgrade` or `auto`.
    pub renewal: Option<RawCertificateRenewal>,
    /// How long a certificate lasts after its issue or renewal.
    pub validity: Option<Spanned<Duration>>,
    /// Time from the expiry to the page.
    pub alert_delay: Option<Duration>,
    /// On-call response time after the page.
    pub response: Option<Spanned<RawDistribution>>,
    /// Time to renew the certificates and restart the control plane.
    pub renew: Option<Spanned<RawDistribution>>,
}

/// Who renews the certificates.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawCertificateRenewal {
    /// A person, once they have expired.
    Manual,
    /// Every control-plane upgrade (kubeadm's behaviour).
    OnUpgrade,
    /// Automation, before they expire.
    Auto,
}

/// Control-plane topologies (kubeadm HA guide and common practice).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawTopology {
    /// One control-plane machine with a local etcd.
    Single,
    /// etcd on every control-plane machine.
    Stacked,
    /// etcd on its own machines.
    External,
    /// One active control-plane machine, the others promoted on failure.
    ActiveStandby,
}

/// Active/standby promotion.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActiveStandby {
    /// Time to notice that the active machine is gone.
    pub detection: Option<Duration>,
    /// Time to promote a standby once the failure is noticed.
    pub promotion_delay: Option<Duration>,
}

/// etcd settings; every field has the etcd default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEtcd {
    /// Number of members (derived from the machines when omitted).
    pub members: Option<Spanned<u64>>,
    /// `--heartbeat-interval`.
    pub heartbeat_interval: Option<Spanned<Duration>>,
    /// `--election-timeout`.
    pub election_timeout: Option<Spanned<Duration>>,
    /// Time for a member that lost its disk to re-sync after it is re-added.
    pub member_sync: Option<Duration>,
    /// Snapshots used to restore after losing a majority of disks.
    pub backup: Option<RawBackup>,
    /// Who recovers etcd after losing a majority of disks, and how long it
    /// takes.
    pub recovery: Option<Spanned<RawRecovery>>,
    /// The database's growth towards the space quota.
    pub database: Option<Spanned<RawDatabase>>,
    /// Stalls of each member's disk.
    pub disk_stalls: Option<Spanned<RawDiskStalls>>,
}

/// `control_plane.etcd.database`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    /// `--quota-backend-bytes`.
    pub quota_backend_bytes: Option<Spanned<super::quantity::Memory>>,
    /// Size of the backend file at the start and after a clean-up.
    pub initial_size: Spanned<super::quantity::Memory>,
    /// Growth per day that compaction does not reclaim.
    #[serde(default)]
    pub growth_per_day: Option<Spanned<super::quantity::Memory>>,
    /// Superseded revisions written per day (reclaimed by compaction).
    #[serde(default)]
    pub history_per_day: Option<Spanned<super::quantity::Memory>>,
    /// kube-apiserver `--etcd-compaction-interval` (0: never).
    pub compaction_interval: Option<Duration>,
    /// Time to compact, defragment and disarm the alarm.
    pub cleanup: Option<Spanned<RawDistribution>>,
}

/// `control_plane.etcd.disk_stalls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiskStalls {
    /// Time between stalls of one member's disk.
    pub time_between: Spanned<RawDistribution>,
    /// How long a stall lasts.
    pub duration: Spanned<RawDistribution>,
}

/// `control_plane.etcd.recovery`: the keyword `none`, or a mapping with the
/// operator-driven recovery's parameters (`{}` for every default).
#[derive(Debug)]
pub enum RawRecovery {
    /// `none`: no people; restore at once from a backup, or never.
    None,
    /// People notice, respond, and restore or rebuild.
    Operator(Box<RawOperatorRecovery>),
}

/// The operator-driven disaster recovery; every field has a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperatorRecovery {
    /// Time from the disaster to the page.
    pub alert_delay: Option<Duration>,
    /// On-call response time after the page.
    pub response: Option<Spanned<RawDistribution>>,
    /// Time to build a new cluster when there is no backup.
    pub rebuild: Option<Spanned<RawDistribution>>,
}

impl<'de> Deserialize<'de> for RawRecovery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecoveryVisitor;
        impl<'de> Visitor<'de> for RecoveryVisitor {
            type Value = RawRecovery;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`none`, or a mapping with any of alert_delay, response and rebuild")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawRecovery, E> {
                match text {
                    "none" => Ok(RawRecovery::None),
                    other => Err(E::custom(format!(
                        "unknown recovery `{other}`: write `none` (nobody acts: a backup is \
                         restored at once, without one the cluster stays down), or a mapping \
                         with any of alert_delay, response and rebuild (`{{}}` for the \
                         operator-driven defaults)"
                    ))),
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawRecovery, A::Error> {
                RawOperatorRecovery::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|block| RawRecovery::Operator(Box::new(block)))
            }
        }
        deserializer.deserialize_any(RecoveryVisitor)
    }
}

/// etcd snapshot backups.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackup {
    /// Time between snapshots.
    pub interval: Spanned<Duration>,
    /// Time to restore a cluster from the last snapshot.
    pub restore: Spanned<RawDistribution>,
}

/// How clients reach the apiservers, tagged by `type`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// `direct`, `cloud-lb` or `haproxy-keepalived`.
    #[serde(rename = "type")]
    pub kind: Spanned<RawEndpointKind>,
    /// cloud-lb: health-check interval.
    pub interval: Option<Spanned<Duration>>,
    /// cloud-lb: failed checks before a backend is marked down.
    pub unhealthy_threshold: Option<Spanned<u64>>,
    /// cloud-lb: good checks before a backend is marked up.
    pub healthy_threshold: Option<Spanned<u64>>,
    /// haproxy: time between checks (`inter`).
    pub inter: Option<Spanned<Duration>>,
    /// haproxy: failed checks before DOWN (`fall`).
    pub fall: Option<Spanned<u64>>,
    /// haproxy: good checks before UP (`rise`).
    pub rise: Option<Spanned<u64>>,
    /// keepalived: VRRP advertisement interval (`advert_int`).
    pub advert_int: Option<Spanned<Duration>>,
    /// keepalived: priority of the backup instances (1-254).
    pub priority: Option<Spanned<u64>>,
    /// cloud-lb and haproxy: what the health check asks each apiserver.
    pub check: Option<Spanned<RawHealthCheckPath>>,
}

/// What a load balancer's health check asks an apiserver.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawHealthCheckPath {
    /// `GET /healthz`.
    Healthz,
    /// `GET /livez`.
    Livez,
    /// `GET /readyz`.
    Readyz,
    /// A TCP connection (or TLS handshake) to the apiserver's port.
    Tcp,
}

/// Endpoint kinds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawEndpointKind {
    /// Clients use the first control-plane machine's address.
    Direct,
    /// A managed cloud load balancer with health checks.
    CloudLb,
    /// HAProxy behind a keepalived virtual IP.
    HaproxyKeepalived,
}

/// Leader-election timers (client-go defaults).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLeaderElection {
    /// `--leader-elect-lease-duration`.
    pub lease_duration: Option<Spanned<Duration>>,
    /// `--leader-elect-renew-deadline`.
    pub renew_deadline: Option<Spanned<Duration>>,
    /// `--leader-elect-retry-period`.
    pub retry_period: Option<Spanned<Duration>>,
}
