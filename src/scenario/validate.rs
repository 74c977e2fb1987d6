//! Raw file → validated [`Scenario`]: defaults from `k8s-facts.md`, cross
//! references, and sanity rules. Every problem is collected (not only the
//! first) and located.

mod autoscaling;

use serde_saphyr::{Location, Spanned};

use super::schema::*;
use super::workload::{
    IntOrPercent, NodeLifecycle, PodFailure, PodFailureKind, Probes, RawAntiAffinity, RawLoad,
    RawNodeLifecycle, RawPodFailureKind, RawTopologyKey, RawUpRule, RawWhenUnsatisfiable,
    RawWorkload, RawWorkloadKind, Resources, Spread, Workload, WorkloadKind, WorkloadLoad,
};
use super::{
    Backup, ChaosAction, ChaosStep, CommonCause, ControlPlane, Endpoint, Etcd, FailureDomain,
    FailureMode, HealthCheck, LeaderElection, MachineGroup, People, Problem, Role, Scenario,
    ScenarioError, Topology,
};
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::load::Load;

/// Defaults, each the real value named in `k8s-facts.md` (or, where no
/// Kubernetes default exists, a documented assumption).
pub(crate) mod defaults {
    use crate::engine::SimDuration;
    /// One year: long enough to see rare failures, short enough to be quick.
    pub const HORIZON: SimDuration = SimDuration::from_secs(365 * 86_400);
    /// Enough replications for a usable confidence interval.
    pub const REPLICATIONS: u64 = 100;
    /// The documented default master seed.
    pub const SEED: u64 = 1;
    /// etcd `--heartbeat-interval` (k8s-facts §7.1).
    pub const ETCD_HEARTBEAT: SimDuration = SimDuration::from_millis(100);
    /// etcd `--election-timeout` (k8s-facts §7.1).
    pub const ETCD_ELECTION_TIMEOUT: SimDuration = SimDuration::from_millis(1_000);
    /// Assumption: a re-added member catches up within a minute (depends on
    /// database size; a 2 GB database over 1 Gb/s takes about 20 s).
    pub const ETCD_MEMBER_SYNC: SimDuration = SimDuration::from_secs(60);
    /// etcd's maximum `--election-timeout`.
    pub const ETCD_MAX_ELECTION_TIMEOUT: SimDuration = SimDuration::from_secs(50);
    /// Google Cloud health check: 5 s interval, 2 unhealthy, 2 healthy
    /// (k8s-facts §8.4).
    pub const CLOUD_LB_INTERVAL: SimDuration = SimDuration::from_secs(5);
    /// See [`CLOUD_LB_INTERVAL`].
    pub const CLOUD_LB_UNHEALTHY: u32 = 2;
    /// See [`CLOUD_LB_INTERVAL`].
    pub const CLOUD_LB_HEALTHY: u32 = 2;
    /// HAProxy `inter 2s`, `fall 3`, `rise 2` (k8s-facts §8.2).
    pub const HAPROXY_INTER: SimDuration = SimDuration::from_secs(2);
    /// See [`HAPROXY_INTER`].
    pub const HAPROXY_FALL: u32 = 3;
    /// See [`HAPROXY_INTER`].
    pub const HAPROXY_RISE: u32 = 2;
    /// keepalived `advert_int 1` (k8s-facts §8.3).
    pub const VRRP_ADVERT: SimDuration = SimDuration::from_secs(1);
    /// keepalived backup priority 100 (skew 0.61 s; k8s-facts §8.3).
    pub const VRRP_PRIORITY: u8 = 100;
    /// client-go lease duration (k8s-facts §1.1).
    pub const LEASE_DURATION: SimDuration = SimDuration::from_secs(15);
    /// client-go renew deadline (k8s-facts §1.1).
    pub const RENEW_DEADLINE: SimDuration = SimDuration::from_secs(10);
    /// client-go retry period (k8s-facts §1.1).
    pub const RETRY_PERIOD: SimDuration = SimDuration::from_secs(2);
}

/// Collects located problems.
struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn at(&mut self, location: &Location, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: location.line(),
            column: location.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn distribution(&mut self, raw: &Spanned<RawDistribution>, field: &str) -> Distribution {
        let built = match &raw.value {
            RawDistribution::Exponential { mean } => Distribution::exponential(mean.0),
            RawDistribution::Weibull { shape, mean, scale } => {
                Distribution::weibull(*shape, mean.map(|d| d.0), scale.map(|d| d.0))
            }
            RawDistribution::Lognormal { median, p99 } => Distribution::log_normal(median.0, p99.0),
            RawDistribution::Gamma { shape, mean } => Distribution::gamma(*shape, mean.0),
            RawDistribution::Deterministic(value) => Ok(Distribution::deterministic(value.0)),
            RawDistribution::Uniform { min, max } => Distribution::uniform(min.0, max.0),
            RawDistribution::Empirical { samples } => {
                Distribution::empirical(&samples.iter().map(|d| d.0).collect::<Vec<_>>())
            }
        };
        built.unwrap_or_else(|message| {
            self.at(&raw.referenced, field, message);
            Distribution::deterministic(SimDuration::ZERO)
        })
    }

    fn failure_modes(&mut self, raw: &[RawFailureMode], field: &str) -> Vec<FailureMode> {
        raw.iter()
            .enumerate()
            .map(|(i, mode)| {
                let path = format!("{field}[{i}]");
                let time_to_failure =
                    self.distribution(&mode.time_to_failure, &format!("{path}.time_to_failure"));
                if time_to_failure.is_zero() {
                    self.at(
                        &mode.time_to_failure.referenced,
                        format!("{path}.time_to_failure"),
                        "a time to failure of zero would fail forever; give a positive duration",
                    );
                }
                FailureMode {
                    name: mode.name.clone().unwrap_or_else(|| format!("mode-{i}")),
                    time_to_failure,
                    time_to_repair: self
                        .distribution(&mode.time_to_repair, &format!("{path}.time_to_repair")),
                    loses_disk: mode.loses_disk,
                    manual_repair: mode
                        .repair
                        .as_ref()
                        .is_some_and(|r| r.value == RawRepair::Manual),
                    partitions: mode
                        .effect
                        .as_ref()
                        .is_some_and(|e| e.value == RawEffect::Partition),
                    common_cause: mode.common_cause.as_ref().map(|cc| {
                        let fraction = cc.value.fraction.value;
                        if !(0.0..=1.0).contains(&fraction) {
                            self.at(
                                &cc.value.fraction.referenced,
                                format!("{path}.common_cause.fraction"),
                                format!(
                                    "{fraction} is not a share; use a number from 0 to 1, e.g. 0.1"
                                ),
                            );
                        }
                        CommonCause {
                            fraction: fraction.clamp(0.0, 1.0),
                            size: self.count(
                                &cc.value.size,
                                &format!("{path}.common_cause.size"),
                                2,
                                10_000,
                            ) as usize,
                        }
                    }),
                }
            })
            .collect()
    }

    /// An optional duration that must be longer than zero when given.
    fn positive_duration(
        &mut self,
        raw: Option<&Spanned<Duration>>,
        field: &str,
        default: SimDuration,
    ) -> SimDuration {
        let Some(raw) = raw else {
            return default;
        };
        if raw.value.0.is_zero() {
            self.at(
                &raw.referenced,
                field,
                format!("must be longer than zero (default {default})"),
            );
        }
        raw.value.0
    }

    /// A count in [min, max], with a hint of what is valid.
    fn count(&mut self, raw: &Spanned<u64>, field: &str, min: u64, max: u64) -> u32 {
        if raw.value < min || raw.value > max {
            self.at(
                &raw.referenced,
                field,
                format!(
                    "{} is out of range; use a whole number from {min} to {max}",
                    raw.value
                ),
            );
        }
        raw.value.clamp(min, max) as u32
    }
}

fn duration_or(raw: &Option<Spanned<Duration>>, default: SimDuration) -> SimDuration {
    raw.as_ref().map_or(default, |d| d.value.0)
}

fn topology_name(topology: RawTopology) -> &'static str {
    match topology {
        RawTopology::Single => "single",
        RawTopology::Stacked => "stacked",
        RawTopology::External => "external",
        RawTopology::ActiveStandby => "active-standby",
    }
}

pub(super) fn validate(
    raw: RawScenario,
    file: &str,
    default_name: &str,
    digest: String,
) -> Result<Scenario, ScenarioError> {
    let mut check = Checker {
        file,
        problems: Vec::new(),
    };

    let horizon = duration_or(&raw.horizon, defaults::HORIZON);
    if let Some(h) = &raw.horizon
        && h.value.0.is_zero()
    {
        check.at(
            &h.referenced,
            "horizon",
            "must be longer than zero, e.g. 1y",
        );
    }
    let warmup = duration_or(&raw.warmup, SimDuration::ZERO);
    if let Some(w) = &raw.warmup
        && w.value.0 >= horizon
    {
        check.at(
            &w.referenced,
            "warmup",
            format!("must be shorter than the horizon ({horizon})"),
        );
    }
    let replications = match &raw.replications {
        Some(r) => check.count(r, "replications", 2, 100_000_000) as u64,
        None => defaults::REPLICATIONS,
    };

    // Zones: an implicit single zone when none is declared.
    let zones: Vec<String> = if raw.zones.is_empty() {
        vec!["default".to_string()]
    } else {
        raw.zones.iter().map(|z| z.value.clone()).collect()
    };
    for (i, zone) in raw.zones.iter().enumerate() {
        if zone.value.trim().is_empty() {
            check.at(
                &zone.referenced,
                format!("zones[{i}]"),
                "a zone needs a name",
            );
        } else if raw.zones[..i].iter().any(|z| z.value == zone.value) {
            check.at(
                &zone.referenced,
                format!("zones[{i}]"),
                format!("zone `{}` is declared twice", zone.value),
            );
        }
    }
    if zones.len() > 32 {
        check.at(
            &raw.zones[32].referenced,
            "zones",
            format!("{} zones declared; at most 32 are supported", zones.len()),
        );
    }
    if let Some(step) = raw.chaos.get(32) {
        check.at(
            &step.referenced,
            "chaos",
            "at most 32 chaos steps are supported",
        );
    }
    let zone_failures = check.failure_modes(&raw.zone_failures, "zone_failures");
    for (i, mode) in raw.zone_failures.iter().enumerate() {
        if let Some(cc) = &mode.common_cause {
            check.at(
                &cc.referenced,
                format!("zone_failures[{i}].common_cause"),
                "common_cause is a machine failure-mode setting (a zone already fails as a whole)",
            );
        }
        if let Some(repair) = &mode.repair {
            check.at(
                &repair.referenced,
                format!("zone_failures[{i}].repair"),
                "zones are repaired by their provider; `repair` is a machine failure-mode setting",
            );
        }
        if mode.loses_disk {
            check.at(
                &mode.time_to_failure.referenced,
                format!("zone_failures[{i}].loses_disk"),
                "a zone outage stops machines; give disk loss to a machine failure mode instead",
            );
        }
    }

    // Shared failure domains.
    let mut failure_domains: Vec<FailureDomain> = Vec::new();
    for (d, domain) in raw.failure_domains.iter().enumerate() {
        let name = domain.name.value.clone();
        if failure_domains.iter().any(|other| other.name == name) {
            check.at(
                &domain.name.referenced,
                format!("failure_domains[{d}].name"),
                format!("failure domain `{name}` is declared twice"),
            );
        }
        for (m, mode) in domain.failures.iter().enumerate() {
            if mode.loses_disk
                || mode.effect.is_some()
                || mode.repair.is_some()
                || mode.common_cause.is_some()
            {
                check.at(
                    &mode.time_to_failure.referenced,
                    format!("failure_domains[{d}].failures[{m}]"),
                    "a domain failure stops its machines; loses_disk, effect, repair and common_cause belong to machine failure modes",
                );
            }
        }
        failure_domains.push(FailureDomain {
            failures: check
                .failure_modes(&domain.failures, &format!("failure_domains[{d}].failures")),
            name,
        });
    }

    // Machine groups.
    let mut groups = Vec::new();
    for (g, group) in raw.machines.value.iter().enumerate() {
        let path = format!("machines[{g}]");
        let name = group.name.value.clone();
        if name.trim().is_empty() {
            check.at(
                &group.name.referenced,
                format!("{path}.name"),
                "a group needs a name",
            );
        }
        if raw.machines.value[..g]
            .iter()
            .any(|other| other.name.value == name)
        {
            check.at(
                &group.name.referenced,
                format!("{path}.name"),
                format!("group name `{name}` is used twice; names must be unique"),
            );
        }
        let count = check.count(&group.count, &format!("{path}.count"), 1, 10_000) as usize;
        let role = match group.role.value {
            RawRole::ControlPlane => Role::ControlPlane,
            RawRole::Etcd => Role::Etcd,
            RawRole::LoadBalancer => Role::LoadBalancer,
            RawRole::Worker => Role::Worker,
        };
        let scaling =
            autoscaling::node_group(&mut check, group.autoscaling.as_ref(), count, role, &path);
        // A resizable group has a machine slot for each node it may grow to.
        let slots = scaling.map_or(count, |s| s.max);
        let mut placement = Vec::new();
        for (z, zone) in group.zones.iter().enumerate() {
            match zones.iter().position(|known| *known == zone.value) {
                Some(index) => placement.push(index),
                None => check.at(
                    &zone.referenced,
                    format!("{path}.zones[{z}]"),
                    format!(
                        "unknown zone `{}`; declared zones are: {}",
                        zone.value,
                        zones.join(", ")
                    ),
                ),
            }
        }
        if group.zones.is_empty() {
            // Spread over every declared zone, as a planner would by default.
            placement = (0..zones.len()).collect();
        }
        let machine_zones = (0..slots)
            .map(|i| {
                placement
                    .get(i % placement.len().max(1))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        let mut domain_ids = Vec::new();
        for (d, domain) in group.domains.iter().enumerate() {
            match failure_domains
                .iter()
                .position(|known| known.name == domain.value)
            {
                Some(index) => domain_ids.push(index),
                None => check.at(
                    &domain.referenced,
                    format!("{path}.domains[{d}]"),
                    format!(
                        "unknown failure domain `{}`; declared domains are: {}",
                        domain.value,
                        if failure_domains.is_empty() {
                            "none (declare them under failure_domains)".to_string()
                        } else {
                            failure_domains
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                ),
            }
        }
        let machine_domains = (0..slots)
            .map(|i| (!domain_ids.is_empty()).then(|| domain_ids[i % domain_ids.len()]))
            .collect();
        for (m, mode) in group.failures.iter().enumerate() {
            if let Some(effect) = &mode.effect {
                check.at(
                    &effect.referenced,
                    format!("{path}.failures[{m}].effect"),
                    "only zone failures can partition; remove `effect` here or move the mode to zone_failures",
                );
            }
            if mode
                .repair
                .as_ref()
                .is_some_and(|r| r.value == RawRepair::Manual)
                && raw.people.is_none()
            {
                check.at(
                    &mode.repair.as_ref().expect("checked").referenced,
                    format!("{path}.failures[{m}].repair"),
                    "manual repair needs a top-level `people` block (alert_delay, response, crews)",
                );
            }
        }
        let allocatable = match (&group.allocatable, role) {
            (Some(a), Role::Worker) => Resources::from_raw(&a.value),
            (Some(a), _) => {
                check.at(
                    &a.referenced,
                    format!("{path}.allocatable"),
                    "only worker groups run pods; remove `allocatable` or use role worker",
                );
                Resources::default()
            }
            (None, Role::Worker) => {
                check.at(
                    &group.role.referenced,
                    format!("{path}.allocatable"),
                    "a worker group needs `allocatable: {cpu: 4, memory: 16Gi}` (what pods may request per node)",
                );
                Resources::default()
            }
            (None, _) => Resources::default(),
        };
        groups.push(MachineGroup {
            name,
            role,
            zones: machine_zones,
            domains: machine_domains,
            allocatable,
            failures: check.failure_modes(&group.failures, &format!("{path}.failures")),
            autoscaling: scaling,
        });
    }
    if raw.machines.value.is_empty() {
        check.at(
            &raw.machines.referenced,
            "machines",
            "list at least one group with role control-plane",
        );
    }

    let control_plane = validate_control_plane(&mut check, &raw, &groups);
    let clients_zone = match &raw.clients_zone {
        Some(zone) => zones
            .iter()
            .position(|z| *z == zone.value)
            .unwrap_or_else(|| {
                check.at(
                    &zone.referenced,
                    "clients_zone",
                    format!(
                        "unknown zone `{}`; declared zones are: {}",
                        zone.value,
                        zones.join(", ")
                    ),
                );
                0
            }),
        None => 0,
    };
    let people = raw.people.as_ref().map(|p| People {
        crews: p
            .value
            .crews
            .as_ref()
            .map(|c| check.count(c, "people.crews", 1, 10_000) as usize),
        alert_delay: p.value.alert_delay.map_or(SimDuration::ZERO, |d| d.0),
        response: p
            .value
            .response
            .as_ref()
            .map_or(Distribution::deterministic(SimDuration::ZERO), |r| {
                check.distribution(r, "people.response")
            }),
    });
    let chaos = validate_chaos(&mut check, &raw, horizon, &zones, &groups);
    let node_lifecycle = validate_node_lifecycle(&mut check, &raw.node_lifecycle);
    let hpa_controller = autoscaling::hpa_controller(&mut check, &raw.hpa_controller);
    let workloads = validate_workloads(&mut check, &raw.workloads, &groups, &hpa_controller);
    let cluster_autoscaler =
        autoscaling::cluster_autoscaler(&mut check, raw.cluster_autoscaler.as_ref(), &groups);
    let (expect, expect_problems) = super::expect::parse_all(&raw.expect, file);
    check.problems.extend(expect_problems);
    let (sweep, sweep_problems) = super::sweep::validate_block(raw.sweep.as_ref(), file);
    check.problems.extend(sweep_problems);

    if !check.problems.is_empty() {
        return Err(ScenarioError::Invalid {
            problems: check.problems,
        });
    }
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| default_name.to_string()),
        digest,
        horizon,
        replications,
        seed: raw.seed.unwrap_or(defaults::SEED),
        warmup,
        min_outage: raw.min_outage.map_or(SimDuration::ZERO, |d| d.0),
        zones,
        zone_failures,
        clients_zone,
        failure_domains,
        people,
        chaos,
        groups,
        control_plane,
        expect,
        sweep,
        node_lifecycle,
        workloads,
        hpa_controller,
        cluster_autoscaler,
    })
}

fn validate_node_lifecycle(check: &mut Checker<'_>, raw: &RawNodeLifecycle) -> NodeLifecycle {
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

fn validate_workloads(
    check: &mut Checker<'_>,
    raw: &[RawWorkload],
    groups: &[MachineGroup],
    hpa_controller: &super::autoscaling::HpaController,
) -> Vec<Workload> {
    let workers = count_role(groups, Role::Worker);
    let mut out: Vec<Workload> = Vec::new();
    for (w, workload) in raw.iter().enumerate() {
        let path = format!("workloads[{w}]");
        let name = workload.name.value.clone();
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            check.at(
                &workload.name.referenced,
                format!("{path}.name"),
                "use a name without spaces, e.g. web",
            );
        }
        if out.iter().any(|o| o.name == name) {
            check.at(
                &workload.name.referenced,
                format!("{path}.name"),
                format!("workload `{name}` is declared twice"),
            );
        }
        if workers == 0 {
            check.at(
                &workload.name.referenced,
                path.clone(),
                "workloads need worker nodes: add a machine group with role worker",
            );
        }
        let replicas =
            check.count(&workload.replicas, &format!("{path}.replicas"), 1, 10_000) as usize;
        let node_group = workload.node_group.as_ref().and_then(|g| {
            let found = groups
                .iter()
                .position(|known| known.name == g.value && known.role == Role::Worker);
            if found.is_none() {
                let names: Vec<&str> = groups
                    .iter()
                    .filter(|k| k.role == Role::Worker)
                    .map(|k| k.name.as_str())
                    .collect();
                check.at(
                    &g.referenced,
                    format!("{path}.node_group"),
                    format!(
                        "`{}` is not a worker group; worker groups are: {}",
                        g.value,
                        names.join(", ")
                    ),
                );
            }
            found
        });
        let spread = workload.spread.as_ref().map(|s| Spread {
            by_zone: s.value.topology == RawTopologyKey::Zone,
            max_skew: s.value.max_skew.unwrap_or(1).max(1) as usize,
            hard: s.value.when_unsatisfiable != Some(RawWhenUnsatisfiable::ScheduleAnyway),
        });
        let min_ready = match workload.up.as_ref().map(|u| (&u.value, &u.referenced)) {
            None => 1,
            Some((RawUpRule::Quorum, _)) => replicas / 2 + 1,
            Some((RawUpRule::MinReady(k), at)) => {
                if *k == 0 || *k as usize > replicas {
                    check.at(
                        at,
                        format!("{path}.up.min-ready"),
                        format!("{k} is out of range; use 1 to the replica count ({replicas})"),
                    );
                }
                (*k as usize).clamp(1, replicas)
            }
        };
        // Kubernetes defaults: 25% each; surge rounds up, unavailable down
        // (k8s-facts §4); both zero would never make progress.
        let rolling = {
            let count = |v: Option<IntOrPercent>, default: f64, up: bool| {
                let percent = match v {
                    Some(IntOrPercent::Int(k)) => return k as usize,
                    Some(IntOrPercent::Percent(p)) => p,
                    None => default,
                };
                let exact = percent / 100.0 * replicas as f64;
                if up {
                    exact.ceil() as usize
                } else {
                    exact.floor() as usize
                }
            };
            let raw_ru = workload.rolling_update.as_ref();
            let surge = count(raw_ru.and_then(|r| r.value.max_surge), 25.0, true);
            let unavailable = count(raw_ru.and_then(|r| r.value.max_unavailable), 25.0, false);
            if surge == 0 && unavailable == 0 {
                let at = raw_ru.map_or(&workload.name.referenced, |r| &r.referenced);
                check.at(at, format!("{path}.rolling_update"), "max_surge and max_unavailable cannot both be 0; a rollout could never progress");
            }
            (surge, unavailable)
        };
        out.push(Workload {
            name,
            kind: match workload.kind.as_ref().map(|k| k.value) {
                Some(RawWorkloadKind::Statefulset) => WorkloadKind::StatefulSet,
                _ => WorkloadKind::Deployment,
            },
            replicas,
            requests: Resources::from_raw(&workload.requests),
            node_group,
            spread,
            anti_affinity: workload
                .anti_affinity
                .as_ref()
                .map(|a| a.value == RawAntiAffinity::Required),
            toleration: workload
                .toleration
                .map_or(SimDuration::from_secs(300), |t| t.0),
            startup: check.distribution(&workload.startup, &format!("{path}.startup")),
            min_ready,
            max_surge: rolling.0,
            max_unavailable: rolling.1,
            probes: Probes {
                period: workload
                    .probes
                    .as_ref()
                    .and_then(|p| p.period)
                    .map_or(Probes::default().period, |d| d.0),
                failure_threshold: workload
                    .probes
                    .as_ref()
                    .and_then(|p| p.failure_threshold.as_ref())
                    .map_or(Probes::default().failure_threshold, |t| {
                        check.count(t, &format!("{path}.probes.failure_threshold"), 1, 1_000)
                    }),
            },
            load: validate_load(check, workload, &path),
            spikes: validate_spikes(check, workload, &path),
            autoscaling: autoscaling::workload(
                check,
                workload.autoscaling.as_ref(),
                workload.load.is_some() && workload.capacity.is_some(),
                hpa_controller,
                &path,
            ),
            pod_failures: workload
                .pod_failures
                .iter()
                .enumerate()
                .map(|(f, failure)| {
                    let field = format!("{path}.pod_failures[{f}]");
                    let time_to_failure =
                        check.distribution(&failure.time_to_failure, &format!("{field}.time_to_failure"));
                    if time_to_failure.is_zero() {
                        check.at(&failure.time_to_failure.referenced, format!("{field}.time_to_failure"), "a time to failure of zero would fail forever; give a positive duration");
                    }
                    let kind = match (failure.kind.value, &failure.duration) {
                        (RawPodFailureKind::Unready, Some(d)) => {
                            PodFailureKind::Unready(check.distribution(d, &format!("{field}.duration")))
                        }
                        (RawPodFailureKind::Unready, None) => {
                            check.at(&failure.kind.referenced, format!("{field}.duration"), "an `unready` flap needs a `duration` distribution, e.g. {deterministic: 30s}");
                            PodFailureKind::Unready(Distribution::deterministic(SimDuration::ZERO))
                        }
                        (kind, Some(d)) => {
                            check.at(&d.referenced, format!("{field}.duration"), "only `unready` flaps take a duration; a crash or hang lasts until the restart");
                            if kind == RawPodFailureKind::Crash { PodFailureKind::Crash } else { PodFailureKind::Hang }
                        }
                        (RawPodFailureKind::Crash, None) => PodFailureKind::Crash,
                        (RawPodFailureKind::Hang, None) => PodFailureKind::Hang,
                    };
                    PodFailure {
                        name: failure.name.clone().unwrap_or_else(|| format!("pod-failure-{f}")),
                        kind,
                        time_to_failure,
                    }
                })
                .collect(),
            pdb_min_available: workload.pdb.as_ref().and_then(|pdb| {
                // Percentages: minAvailable rounds up, maxUnavailable down
                // (k8s-facts §4).
                let share = |p: f64, up: bool| {
                    let exact = p / 100.0 * replicas as f64;
                    if up {
                        exact.ceil() as usize
                    } else {
                        exact.floor() as usize
                    }
                };
                match (pdb.value.min_available, pdb.value.max_unavailable) {
                    (Some(min), None) => Some(match min {
                        IntOrPercent::Int(k) => k as usize,
                        IntOrPercent::Percent(p) => share(p, true),
                    }),
                    (None, Some(max)) => Some(replicas.saturating_sub(match max {
                        IntOrPercent::Int(k) => k as usize,
                        IntOrPercent::Percent(p) => share(p, false),
                    })),
                    _ => {
                        check.at(
                            &pdb.referenced,
                            format!("{path}.pdb"),
                            "give exactly one of min_available or max_unavailable",
                        );
                        None
                    }
                }
            }),
        });
    }
    out
}

/// Chaos steps: targets resolved to machines and zones, with what is valid.
fn validate_chaos(
    check: &mut Checker<'_>,
    raw: &RawScenario,
    horizon: SimDuration,
    zones: &[String],
    groups: &[MachineGroup],
) -> Vec<ChaosStep> {
    let mut steps = Vec::new();
    for (i, step) in raw.chaos.iter().enumerate() {
        let path = format!("chaos[{i}]");
        let spec = &step.value;
        let target_at = spec
            .target
            .as_ref()
            .map_or(&step.referenced, |t| &t.referenced);
        let target = spec.target.as_ref().map(|t| t.value.clone());
        let names: Vec<String> = match &target {
            Some(RawTarget::One(name)) => vec![name.clone()],
            Some(RawTarget::Many(list)) => list.clone(),
            None => Vec::new(),
        };
        let zone_index = |check: &mut Checker<'_>, name: &str| {
            zones.iter().position(|z| z == name).or_else(|| {
                check.at(
                    target_at,
                    format!("{path}.target"),
                    format!(
                        "unknown zone `{name}`; declared zones are: {}",
                        zones.join(", ")
                    ),
                );
                None
            })
        };
        let needs_target = |check: &mut Checker<'_>, what: &str| {
            if names.is_empty() {
                check.at(
                    target_at,
                    format!("{path}.target"),
                    format!(
                        "`{}` needs a target: {what}",
                        action_name(spec.action.value)
                    ),
                );
            }
        };
        let action = match spec.action.value {
            RawChaosAction::Crash => {
                needs_target(check, "a machine group name or `group[index]`");
                let mut machines = Vec::new();
                for name in &names {
                    match resolve_machines(name, groups) {
                        Ok(found) => machines.extend(found),
                        Err(message) => check.at(target_at, format!("{path}.target"), message),
                    }
                }
                ChaosAction::Crash(machines)
            }
            RawChaosAction::Drain => {
                needs_target(check, "a worker group name or `group[index]`");
                let mut machines = Vec::new();
                for name in &names {
                    match resolve_machines(name, groups) {
                        Ok(found) => machines.extend(found),
                        Err(message) => check.at(target_at, format!("{path}.target"), message),
                    }
                }
                let workers: Vec<usize> = groups
                    .iter()
                    .flat_map(|g| std::iter::repeat_n(g.role == Role::Worker, g.zones.len()))
                    .enumerate()
                    .filter(|(_, w)| *w)
                    .map(|(m, _)| m)
                    .collect();
                if machines.iter().any(|m| !workers.contains(m)) {
                    check.at(target_at, format!("{path}.target"), "`drain` takes worker machines; use `crash` or `rolling-upgrade` for the control plane");
                }
                ChaosAction::Drain(machines)
            }
            RawChaosAction::Rollout => {
                needs_target(check, "a Deployment's name");
                let found = names
                    .first()
                    .and_then(|n| raw.workloads.iter().position(|w| w.name.value == *n));
                let deployment = found.is_some_and(|w| {
                    raw.workloads[w]
                        .kind
                        .as_ref()
                        .is_none_or(|k| k.value == RawWorkloadKind::Deployment)
                });
                if !names.is_empty() && !deployment {
                    let known: Vec<&str> = raw
                        .workloads
                        .iter()
                        .filter(|w| {
                            w.kind
                                .as_ref()
                                .is_none_or(|k| k.value == RawWorkloadKind::Deployment)
                        })
                        .map(|w| w.name.value.as_str())
                        .collect();
                    check.at(
                        target_at,
                        format!("{path}.target"),
                        format!(
                            "`{}` is not a Deployment; Deployments are: {}",
                            names[0],
                            known.join(", ")
                        ),
                    );
                }
                ChaosAction::Rollout(found.unwrap_or(0))
            }
            RawChaosAction::ZoneOutage => {
                needs_target(check, "a zone");
                if names.len() > 1 {
                    check.at(
                        target_at,
                        format!("{path}.target"),
                        "a zone outage takes one zone; add one step per zone",
                    );
                }
                ChaosAction::ZoneOutage(
                    names
                        .first()
                        .and_then(|n| zone_index(check, n))
                        .unwrap_or(0),
                )
            }
            RawChaosAction::Partition => {
                needs_target(check, "the list of zones to cut off, e.g. [zone-c]");
                let cut: Vec<usize> = names.iter().filter_map(|n| zone_index(check, n)).collect();
                if !names.is_empty() && cut.len() == zones.len() {
                    check.at(
                        target_at,
                        format!("{path}.target"),
                        "a partition must leave at least one zone on the other side",
                    );
                }
                ChaosAction::Partition(cut)
            }
            action => {
                if !names.is_empty() {
                    check.at(
                        target_at,
                        format!("{path}.target"),
                        format!("`{}` takes no target; remove it", action_name(action)),
                    );
                }
                let direct = raw
                    .control_plane
                    .value
                    .endpoint
                    .as_ref()
                    .is_none_or(|e| e.value.kind.value == RawEndpointKind::Direct);
                if action == RawChaosAction::FailLoadBalancer && direct {
                    check.at(&spec.action.referenced, format!("{path}.action"), "the endpoint is `direct`: there is no load balancer to fail; use `crash` on a control-plane machine");
                }
                match action {
                    RawChaosAction::CrashEtcdLeader => ChaosAction::CrashEtcdLeader,
                    RawChaosAction::FailLoadBalancer => ChaosAction::FailLoadBalancer,
                    _ => ChaosAction::RollingUpgrade,
                }
            }
        };
        if spec.at.value.0 >= horizon {
            check.at(
                &spec.at.referenced,
                format!("{path}.at"),
                format!(
                    "{} is not before the horizon ({horizon}); the step would never run",
                    spec.at.value.0
                ),
            );
        }
        let duration = match (&spec.duration, spec.action.value == RawChaosAction::Rollout) {
            (Some(d), false) => {
                if d.value.0.is_zero() {
                    check.at(
                        &d.referenced,
                        format!("{path}.duration"),
                        "must be longer than zero, e.g. 10m",
                    );
                }
                d.value.0
            }
            (None, false) => {
                check.at(
                    &step.referenced,
                    format!("{path}.duration"),
                    "is required: how long the fault lasts, e.g. 10m",
                );
                SimDuration::ZERO
            }
            (Some(d), true) => {
                check.at(
                    &d.referenced,
                    format!("{path}.duration"),
                    "a rollout lasts as long as it takes; remove `duration`",
                );
                SimDuration::ZERO
            }
            (None, true) => SimDuration::ZERO,
        };
        let every = spec.every.as_ref().map(|e| {
            let cp = groups
                .iter()
                .filter(|g| g.role == Role::ControlPlane)
                .map(|g| g.zones.len() as u64)
                .sum::<u64>();
            let drained = match spec.action.value {
                RawChaosAction::Drain => names
                    .iter()
                    .filter_map(|n| resolve_machines(n, groups).ok())
                    .map(|m| m.len() as u64)
                    .sum::<u64>(),
                _ => 1,
            };
            let busy = if spec.action.value == RawChaosAction::Drain {
                duration.saturating_mul(drained)
            } else if spec.action.value == RawChaosAction::RollingUpgrade {
                duration.saturating_mul(cp)
            } else {
                duration
            };
            if e.value.0 <= busy {
                check.at(
                    &e.referenced,
                    format!("{path}.every"),
                    format!(
                        "must be longer than the step lasts ({busy}) so repetitions do not overlap"
                    ),
                );
            }
            e.value.0
        });
        steps.push(ChaosStep {
            name: spec
                .name
                .clone()
                .unwrap_or_else(|| format!("{}-{i}", action_name(spec.action.value))),
            action,
            at: spec.at.value.0,
            every,
            duration,
        });
    }
    steps
}

fn action_name(action: RawChaosAction) -> &'static str {
    match action {
        RawChaosAction::Crash => "crash",
        RawChaosAction::CrashEtcdLeader => "crash-etcd-leader",
        RawChaosAction::ZoneOutage => "zone-outage",
        RawChaosAction::Partition => "partition",
        RawChaosAction::FailLoadBalancer => "fail-load-balancer",
        RawChaosAction::RollingUpgrade => "rolling-upgrade",
        RawChaosAction::Drain => "drain",
        RawChaosAction::Rollout => "rollout",
    }
}

/// `group` (every machine of it) or `group[index]`, as global machine indices.
fn resolve_machines(name: &str, groups: &[MachineGroup]) -> Result<Vec<usize>, String> {
    let (group_name, index) = match name.split_once('[') {
        Some((g, rest)) => {
            let index = rest
                .strip_suffix(']')
                .and_then(|i| i.parse::<usize>().ok())
                .ok_or_else(|| format!("`{name}`: write `group[index]`, e.g. cp[0]"))?;
            (g, Some(index))
        }
        None => (name, None),
    };
    let mut first = 0;
    for group in groups {
        let count = group.zones.len();
        if group.name == group_name {
            return match index {
                None => Ok((first..first + count).collect()),
                Some(i) if i < count => Ok(vec![first + i]),
                Some(i) => Err(format!(
                    "`{name}`: group `{group_name}` has {count} machines, so index {i} is out of range (0-{})",
                    count - 1
                )),
            };
        }
        first += count;
    }
    let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    Err(format!(
        "unknown machine group `{group_name}`; groups are: {}",
        known.join(", ")
    ))
}

fn count_role(groups: &[MachineGroup], role: Role) -> usize {
    groups
        .iter()
        .filter(|g| g.role == role)
        .map(|g| g.zones.len())
        .sum()
}

fn validate_control_plane(
    check: &mut Checker<'_>,
    raw: &RawScenario,
    groups: &[MachineGroup],
) -> ControlPlane {
    let cp = &raw.control_plane.value;
    let topology_raw = cp.topology.value;
    let topology_at = &cp.topology.referenced;
    let cp_count = count_role(groups, Role::ControlPlane);
    let etcd_count = count_role(groups, Role::Etcd);
    let lb_count = count_role(groups, Role::LoadBalancer);
    let name = topology_name(topology_raw);

    if cp_count == 0 {
        check.at(
            &raw.machines.referenced,
            "machines",
            "no group has role control-plane; the apiservers need machines",
        );
    }
    let uses_external_etcd = matches!(
        topology_raw,
        RawTopology::External | RawTopology::ActiveStandby
    );
    if uses_external_etcd && etcd_count == 0 {
        check.at(
            topology_at,
            "control_plane.topology",
            format!("`{name}` runs etcd on its own machines: add a machine group with role etcd"),
        );
    }
    if !uses_external_etcd && etcd_count > 0 {
        check.at(
            topology_at,
            "control_plane.topology",
            format!(
                "`{name}` runs etcd on the control-plane machines, but a group has role etcd; \
                 use topology external, or remove that group"
            ),
        );
    }
    if topology_raw == RawTopology::Single && cp_count > 1 {
        check.at(
            topology_at,
            "control_plane.topology",
            format!("`single` has one control-plane machine, but {cp_count} are declared; use stacked for more"),
        );
    }
    if topology_raw == RawTopology::ActiveStandby && cp_count < 2 {
        check.at(
            topology_at,
            "control_plane.topology",
            "`active-standby` needs at least 2 control-plane machines (one active, one standby)",
        );
    }

    // Members follow from the machines; an explicit value must agree.
    let machine_members = if uses_external_etcd {
        etcd_count
    } else {
        cp_count
    };
    let members = match &cp.etcd.members {
        Some(m) => {
            if m.value as usize != machine_members && machine_members > 0 {
                let (role, count) = if uses_external_etcd {
                    ("etcd", etcd_count)
                } else {
                    ("control-plane", cp_count)
                };
                check.at(
                    &m.referenced,
                    "control_plane.etcd.members",
                    format!(
                        "{} members, but the `{name}` topology puts one member on each {role} machine and there are {count}; make them equal",
                        m.value
                    ),
                );
            }
            m.value as usize
        }
        None => machine_members,
    };
    if members % 2 == 0 && members > 0 {
        let at = cp
            .etcd
            .members
            .as_ref()
            .map_or(topology_at, |m| &m.referenced);
        check.at(
            at,
            "control_plane.etcd.members",
            format!(
                "{members} members tolerate no more failures than {}; use an odd number (1, 3, 5, 7)",
                members - 1
            ),
        );
    }

    // etcd timers: etcd refuses an election timeout under 5 heartbeats or
    // over 50 s. Both zero is the idealised "instant election" for tests.
    let heartbeat_interval = duration_or(&cp.etcd.heartbeat_interval, defaults::ETCD_HEARTBEAT);
    let election_timeout = duration_or(&cp.etcd.election_timeout, defaults::ETCD_ELECTION_TIMEOUT);
    let idealised = heartbeat_interval.is_zero() && election_timeout.is_zero();
    if !idealised {
        let at = cp
            .etcd
            .election_timeout
            .as_ref()
            .or(cp.etcd.heartbeat_interval.as_ref())
            .map_or(topology_at, |d| &d.referenced);
        if heartbeat_interval.is_zero() {
            check.at(
                at,
                "control_plane.etcd.heartbeat_interval",
                "must be above zero unless election_timeout is zero too",
            );
        } else if election_timeout.as_micros() < 5 * heartbeat_interval.as_micros() {
            check.at(
                at,
                "control_plane.etcd.election_timeout",
                format!(
                    "{election_timeout} is less than 5 heartbeats ({heartbeat_interval} each); etcd refuses that: use at least {}",
                    heartbeat_interval.saturating_mul(5)
                ),
            );
        } else if election_timeout > defaults::ETCD_MAX_ELECTION_TIMEOUT {
            check.at(
                at,
                "control_plane.etcd.election_timeout",
                "etcd allows at most 50s",
            );
        }
    }
    let backup = cp.etcd.backup.as_ref().map(|b| {
        if b.interval.value.0.is_zero() {
            check.at(
                &b.interval.referenced,
                "control_plane.etcd.backup.interval",
                "must be longer than zero, e.g. 1h",
            );
        }
        Backup {
            interval: b.interval.value.0,
            restore: check.distribution(&b.restore, "control_plane.etcd.backup.restore"),
        }
    });
    let etcd = Etcd {
        members,
        heartbeat_interval,
        election_timeout,
        member_sync: cp
            .etcd
            .member_sync
            .map_or(defaults::ETCD_MEMBER_SYNC, |d| d.0),
        backup,
    };

    let topology = match topology_raw {
        RawTopology::Single => Topology::Single,
        RawTopology::Stacked => Topology::Stacked,
        RawTopology::External => Topology::External,
        RawTopology::ActiveStandby => match &cp.active_standby {
            Some(block) => {
                let mut need = |value: Option<Duration>, field: &str| {
                    value.map(|d| d.0).unwrap_or_else(|| {
                        check.at(
                            &block.referenced,
                            format!("control_plane.active_standby.{field}"),
                            "is required: there is no Kubernetes default; give your failover tooling's figure, e.g. 30s",
                        );
                        SimDuration::ZERO
                    })
                };
                Topology::ActiveStandby {
                    detection: need(block.value.detection, "detection"),
                    promotion_delay: need(block.value.promotion_delay, "promotion_delay"),
                }
            }
            None => {
                check.at(
                    topology_at,
                    "control_plane.active_standby",
                    "`active-standby` needs an active_standby block with detection and promotion_delay",
                );
                Topology::ActiveStandby {
                    detection: SimDuration::ZERO,
                    promotion_delay: SimDuration::ZERO,
                }
            }
        },
    };
    if let (Some(block), false) = (
        &cp.active_standby,
        topology_raw == RawTopology::ActiveStandby,
    ) {
        check.at(
            &block.referenced,
            "control_plane.active_standby",
            format!("only used with topology active-standby, not `{name}`; remove it"),
        );
    }

    let endpoint = validate_endpoint(check, cp, topology_raw, lb_count);
    let leader_election = validate_leader_election(check, cp, topology_at);
    ControlPlane {
        topology,
        etcd,
        endpoint,
        leader_election,
    }
}

fn validate_endpoint(
    check: &mut Checker<'_>,
    cp: &RawControlPlane,
    topology: RawTopology,
    lb_count: usize,
) -> Endpoint {
    let Some(raw) = &cp.endpoint else {
        if lb_count > 0 {
            check.at(
                &cp.topology.referenced,
                "control_plane.endpoint",
                "load-balancer machines are declared but no endpoint uses them; add `endpoint: {type: haproxy-keepalived}`",
            );
        }
        return Endpoint::Direct;
    };
    let e = &raw.value;
    let kind = e.kind.value;
    let kind_name = match kind {
        RawEndpointKind::Direct => "direct",
        RawEndpointKind::CloudLb => "cloud-lb",
        RawEndpointKind::HaproxyKeepalived => "haproxy-keepalived",
    };
    // Fields that belong to another endpoint kind are errors, not ignored.
    let foreign: &[(&str, Option<&Location>, bool)] = &[
        (
            "interval",
            e.interval.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "unhealthy_threshold",
            e.unhealthy_threshold.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "healthy_threshold",
            e.healthy_threshold.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "inter",
            e.inter.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "fall",
            e.fall.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "rise",
            e.rise.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "advert_int",
            e.advert_int.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "priority",
            e.priority.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
    ];
    for (field, location, allowed) in foreign {
        if let (Some(location), false) = (location, allowed) {
            check.at(
                location,
                format!("control_plane.endpoint.{field}"),
                format!("not a setting of endpoint type `{kind_name}`; remove it"),
            );
        }
    }
    if topology == RawTopology::ActiveStandby && kind != RawEndpointKind::Direct {
        check.at(
            &e.kind.referenced,
            "control_plane.endpoint.type",
            "active-standby moves the API address itself on promotion; use `type: direct`",
        );
    }
    if kind != RawEndpointKind::HaproxyKeepalived && lb_count > 0 {
        check.at(
            &e.kind.referenced,
            "control_plane.endpoint.type",
            format!(
                "load-balancer machines are only used by haproxy-keepalived, not `{kind_name}`"
            ),
        );
    }
    let threshold =
        |check: &mut Checker<'_>, raw: &Option<Spanned<u64>>, field: &str, default: u32| {
            raw.as_ref().map_or(default, |value| {
                check.count(value, &format!("control_plane.endpoint.{field}"), 1, 100)
            })
        };
    match kind {
        RawEndpointKind::Direct => Endpoint::Direct,
        RawEndpointKind::CloudLb => Endpoint::CloudLb(HealthCheck {
            interval: duration_or(&e.interval, defaults::CLOUD_LB_INTERVAL),
            unhealthy_threshold: threshold(
                check,
                &e.unhealthy_threshold,
                "unhealthy_threshold",
                defaults::CLOUD_LB_UNHEALTHY,
            ),
            healthy_threshold: threshold(
                check,
                &e.healthy_threshold,
                "healthy_threshold",
                defaults::CLOUD_LB_HEALTHY,
            ),
        }),
        RawEndpointKind::HaproxyKeepalived => Endpoint::HaproxyKeepalived {
            health: HealthCheck {
                interval: duration_or(&e.inter, defaults::HAPROXY_INTER),
                unhealthy_threshold: threshold(check, &e.fall, "fall", defaults::HAPROXY_FALL),
                healthy_threshold: threshold(check, &e.rise, "rise", defaults::HAPROXY_RISE),
            },
            advert_interval: duration_or(&e.advert_int, defaults::VRRP_ADVERT),
            priority: e.priority.as_ref().map_or(defaults::VRRP_PRIORITY, |p| {
                check.count(p, "control_plane.endpoint.priority", 1, 254) as u8
            }),
        },
    }
}

fn validate_leader_election(
    check: &mut Checker<'_>,
    cp: &RawControlPlane,
    topology_at: &Location,
) -> LeaderElection {
    let le = &cp.leader_election;
    let lease_duration = duration_or(&le.lease_duration, defaults::LEASE_DURATION);
    let renew_deadline = duration_or(&le.renew_deadline, defaults::RENEW_DEADLINE);
    let retry_period = duration_or(&le.retry_period, defaults::RETRY_PERIOD);
    let all_zero = lease_duration.is_zero() && renew_deadline.is_zero() && retry_period.is_zero();
    // client-go refuses anything but lease > renew deadline > 1.2 x retry.
    let jittered_retry = retry_period.as_micros() * 12 / 10;
    let consistent = lease_duration > renew_deadline && renew_deadline.as_micros() > jittered_retry;
    if !(all_zero || consistent) {
        let at = le
            .lease_duration
            .as_ref()
            .or(le.renew_deadline.as_ref())
            .or(le.retry_period.as_ref())
            .map_or(topology_at, |d| &d.referenced);
        check.at(
            at,
            "control_plane.leader_election",
            format!(
                "client-go requires lease_duration > renew_deadline > 1.2 x retry_period, got {lease_duration} / {renew_deadline} / {retry_period} (defaults 15s / 10s / 2s; all zero means instant failover)"
            ),
        );
    }
    LeaderElection {
        lease_duration,
        renew_deadline,
        retry_period,
    }
}

/// `capacity`, `load` and `capacity_threshold` come together.
fn validate_load(
    check: &mut Checker<'_>,
    workload: &RawWorkload,
    path: &str,
) -> Option<WorkloadLoad> {
    let positive = |check: &mut Checker<'_>, v: &Spanned<f64>, field: &str| {
        if !(v.value.is_finite() && v.value > 0.0) {
            check.at(
                &v.referenced,
                format!("{path}.{field}"),
                format!("{} must be a number above zero", v.value),
            );
        }
        v.value
    };
    match (&workload.capacity, &workload.load) {
        (None, None) => {
            if let Some(t) = &workload.capacity_threshold {
                check.at(
                    &t.referenced,
                    format!("{path}.capacity_threshold"),
                    "only used with `load` and `capacity`; remove it or add them",
                );
            }
            None
        }
        (Some(c), None) => {
            check.at(
                &c.referenced,
                format!("{path}.load"),
                "`capacity` needs a `load` to compare with, e.g. load: {constant: 300}",
            );
            None
        }
        (None, Some(l)) => {
            check.at(
                &l.referenced,
                format!("{path}.capacity"),
                "`load` needs `capacity`: requests per second one pod serves",
            );
            None
        }
        (Some(c), Some(l)) => {
            let capacity = positive(check, c, "capacity");
            // The daily cosine shared by `diurnal` and `weekly`.
            let cosine =
                |check: &mut Checker<'_>, kind: &str, peak: f64, trough: f64, peak_hour: f64| {
                    if !(trough.is_finite() && peak.is_finite() && trough >= 0.0 && peak >= trough)
                    {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.{kind}"),
                            "use 0 <= trough <= peak (requests per second)",
                        );
                    }
                    if !(0.0..24.0).contains(&peak_hour) {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.{kind}.peak_hour"),
                            "use an hour of the day from 0 to 24",
                        );
                    }
                    (
                        (peak + trough) / 2.0,
                        (peak - trough) / 2.0,
                        peak_hour * 3600.0,
                    )
                };
            let load = match &l.value {
                RawLoad::Constant(rate) => {
                    if !(rate.is_finite() && *rate >= 0.0) {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.constant"),
                            "requests per second cannot be negative",
                        );
                    }
                    Load::Constant(*rate)
                }
                RawLoad::Diurnal {
                    peak,
                    trough,
                    peak_hour,
                } => {
                    let (mid, amplitude, peak_second) =
                        cosine(check, "diurnal", *peak, *trough, *peak_hour);
                    Load::Diurnal {
                        mid,
                        amplitude,
                        peak_second,
                    }
                }
                RawLoad::Weekly {
                    peak,
                    trough,
                    peak_hour,
                    days,
                } => {
                    let (mid, amplitude, peak_second) =
                        cosine(check, "weekly", *peak, *trough, *peak_hour);
                    if days.len() != 7 {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.weekly.days"),
                            format!(
                                "{} factors given; write exactly 7, one per day from the first day of the simulation, e.g. [1, 1, 1, 1, 1, 0.6, 0.6]",
                                days.len()
                            ),
                        );
                    }
                    for (d, factor) in days.iter().enumerate() {
                        if !(factor.is_finite() && *factor >= 0.0) {
                            check.at(
                                &l.referenced,
                                format!("{path}.load.weekly.days[{d}]"),
                                format!("{factor} is not a factor; use a number ≥ 0, e.g. 0.6"),
                            );
                        }
                    }
                    let mut factors = [1.0; 7];
                    for (slot, factor) in factors.iter_mut().zip(days) {
                        *slot = if factor.is_finite() && *factor >= 0.0 {
                            *factor
                        } else {
                            0.0
                        };
                    }
                    Load::Weekly {
                        mid,
                        amplitude,
                        peak_second,
                        days: factors,
                    }
                }
                RawLoad::Trace { file } => validate_trace(check, &l.referenced, file, path),
            };
            let threshold = workload.capacity_threshold.as_ref().map_or(1.0, |t| {
                if !(t.value > 0.0 && t.value <= 1.0) {
                    check.at(
                        &t.referenced,
                        format!("{path}.capacity_threshold"),
                        "use a share above 0 and at most 1, e.g. 0.99",
                    );
                }
                t.value
            });
            Some(WorkloadLoad {
                capacity,
                profile: load,
                threshold,
            })
        }
    }
}

/// Reads a `load: {trace: {file}}` CSV, relative to the directory of the
/// scenario file (the directory part of the name it was parsed under; the
/// current directory for a name without one, such as `<built-in>`).
/// Problems are reported at the `load` field, with the CSV's line.
fn validate_trace(check: &mut Checker<'_>, at: &Location, file: &str, path: &str) -> Load {
    let field = format!("{path}.load.trace.file");
    // A stand-in for an unusable trace, so validation can go on.
    let fallback = || Load::Constant(0.0);
    if file.trim().is_empty() {
        check.at(
            at,
            field,
            "give the path of a `time,rate` CSV, e.g. traces/web.csv",
        );
        return fallback();
    }
    let written = std::path::Path::new(file);
    let resolved = std::path::Path::new(check.file)
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(written);
    let shown = resolved.display().to_string();
    let text = match std::fs::read_to_string(&resolved) {
        Ok(text) => text,
        Err(err) => {
            let relative = if written.is_relative() {
                " (a relative path is taken from the scenario file's directory)"
            } else {
                ""
            };
            check.at(
                at,
                field,
                format!("cannot read trace `{shown}`: {err}{relative}"),
            );
            return fallback();
        }
    };
    match super::workload::parse_trace_csv(&text) {
        Ok(trace) => Load::Trace(trace),
        Err(problems) => {
            const SHOWN: usize = 5;
            for (row, message) in problems.iter().take(SHOWN) {
                let place = if *row == 0 {
                    shown.clone()
                } else {
                    format!("{shown} line {row}")
                };
                check.at(at, field.clone(), format!("{place}: {message}"));
            }
            if problems.len() > SHOWN {
                check.at(
                    at,
                    field,
                    format!(
                        "{shown}: {} more lines with problems",
                        problems.len() - SHOWN
                    ),
                );
            }
            fallback()
        }
    }
}

/// `spikes`: random load spikes, only on top of a `load`.
fn validate_spikes(
    check: &mut Checker<'_>,
    workload: &RawWorkload,
    path: &str,
) -> Option<super::workload::Spikes> {
    let raw = workload.spikes.as_ref()?;
    let field = format!("{path}.spikes");
    let spikes = &raw.value;
    let mean_interval = spikes.every.value.0;
    if mean_interval.is_zero() {
        check.at(
            &spikes.every.referenced,
            format!("{field}.every"),
            "the mean time between spikes must be longer than zero, e.g. 6h",
        );
    }
    let height = spikes.height.value;
    if !(height.is_finite() && height > 0.0) {
        check.at(
            &spikes.height.referenced,
            format!("{field}.height"),
            format!("{height} must be the requests per second a spike adds, above zero, e.g. 800"),
        );
    }
    let duration = check.distribution(&spikes.duration, &format!("{field}.duration"));
    if duration.is_zero() {
        check.at(
            &spikes.duration.referenced,
            format!("{field}.duration"),
            "spikes of zero duration add nothing; give a positive duration, e.g. {exponential: {mean: 10m}}",
        );
    }
    if workload.load.is_none() {
        check.at(
            &raw.referenced,
            field,
            "`spikes` add to the offered load; add a `load` (and `capacity`), e.g. load: {constant: 300}",
        );
        return None;
    }
    Some(super::workload::Spikes {
        mean_interval,
        height,
        duration,
    })
}
