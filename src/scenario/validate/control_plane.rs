//! The control plane: topology against the machines, etcd (members,
//! timers, backups), active/standby promotion and leader election. The
//! endpoint has its own file.

use serde_saphyr::{Location, Spanned};

use super::checker::{Checker, duration_or};
use super::endpoint::endpoint;
use super::machines::count_role;
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::control_plane::{
    DEFAULT_CERTIFICATE_ALERT_DELAY, DEFAULT_CERTIFICATE_RENEW_MEDIAN,
    DEFAULT_CERTIFICATE_RENEW_P99, DEFAULT_CERTIFICATE_VALIDITY, DEFAULT_DISASTER_ALERT_DELAY,
    DEFAULT_DISASTER_RESPONSE, DEFAULT_ETCD_CLEANUP_MEDIAN, DEFAULT_ETCD_CLEANUP_P99,
    DEFAULT_ETCD_COMPACTION_INTERVAL, DEFAULT_ETCD_ELECTION_TIMEOUT,
    DEFAULT_ETCD_HEARTBEAT_INTERVAL, DEFAULT_ETCD_MEMBER_SYNC, DEFAULT_ETCD_QUOTA_BYTES,
    DEFAULT_ETCD_REBUILD_MEDIAN, DEFAULT_ETCD_REBUILD_P99, DEFAULT_LEASE_DURATION,
    DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD, MAX_ETCD_ELECTION_TIMEOUT,
};
use crate::scenario::quantity::Memory;
use crate::scenario::schema::{
    Duration, RawCertificateRenewal, RawCertificates, RawControlPlane, RawDatabase,
    RawDistribution, RawLeaderElection, RawMachineGroup, RawPeople, RawRecovery, RawRole,
    RawTopology,
};
use crate::scenario::{
    Backup, CertificateRenewal, Certificates, ControlPlane, Database, DiskStalls, Etcd,
    LeaderElection, MachineGroup, OperatorRecovery, Recovery, Role, Topology,
};

/// The `control_plane:` block, checked against the machine `groups`
/// (`machines` is the list as written); `people` lends its alert delay
/// and response to the disaster recovery.
pub(super) fn control_plane(
    check: &mut Checker<'_>,
    cp: &RawControlPlane,
    machines: &Spanned<Vec<RawMachineGroup>>,
    groups: &[MachineGroup],
    people: Option<&RawPeople>,
) -> ControlPlane {
    let machines_at = &machines.referenced;
    let topology_raw = cp.topology.value;
    let topology_at = &cp.topology.referenced;
    let cp_count = count_role(groups, Role::ControlPlane);
    let etcd_count = count_role(groups, Role::Etcd);
    let lb_count = count_role(groups, Role::LoadBalancer);
    let name = topology_name(topology_raw);
    // As written: an out-of-range `count` is reported (and clamped) with
    // the groups, but is quoted here as the user wrote it.
    let written = |role: RawRole| -> u64 {
        machines
            .value
            .iter()
            .filter(|g| g.role.value == role)
            .map(|g| {
                g.autoscaling
                    .as_ref()
                    .map_or(g.count.value, |a| a.value.max.value)
            })
            .fold(0, u64::saturating_add)
    };

    if cp_count == 0 {
        check.at(
            machines_at,
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
            format!(
                "`single` has one control-plane machine, but {} are declared; use stacked for more",
                written(RawRole::ControlPlane)
            ),
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
            let (role, count) = if uses_external_etcd {
                ("etcd", written(RawRole::Etcd))
            } else {
                ("control-plane", written(RawRole::ControlPlane))
            };
            if m.value != count && machine_members > 0 {
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
    let heartbeat_interval =
        duration_or(&cp.etcd.heartbeat_interval, DEFAULT_ETCD_HEARTBEAT_INTERVAL);
    let election_timeout = duration_or(&cp.etcd.election_timeout, DEFAULT_ETCD_ELECTION_TIMEOUT);
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
        } else if election_timeout > MAX_ETCD_ELECTION_TIMEOUT {
            check.at(
                at,
                "control_plane.etcd.election_timeout",
                format!("etcd allows at most {MAX_ETCD_ELECTION_TIMEOUT}"),
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
    let recovery = recovery(
        check,
        cp.etcd.recovery.as_ref().map(|r| &r.value),
        backup.is_some(),
        people,
    );
    let database = cp
        .etcd
        .database
        .as_ref()
        .map(|raw| database(check, &raw.value, people));
    let disk_stalls = cp.etcd.disk_stalls.as_ref().map(|raw| DiskStalls {
        time_between: check.distribution(
            &raw.value.time_between,
            "control_plane.etcd.disk_stalls.time_between",
        ),
        duration: check.distribution(
            &raw.value.duration,
            "control_plane.etcd.disk_stalls.duration",
        ),
    });
    let etcd = Etcd {
        members,
        heartbeat_interval,
        election_timeout,
        member_sync: cp
            .etcd
            .member_sync
            .map_or(DEFAULT_ETCD_MEMBER_SYNC, |d| d.0),
        backup,
        recovery,
        database,
        disk_stalls,
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

    let endpoint = endpoint(check, cp.endpoint.as_ref(), &cp.topology, lb_count);
    let leader_election = leader_election(check, &cp.leader_election, topology_at);
    let certificates = cp
        .certificates
        .as_ref()
        .map(|raw| certificates(check, &raw.value, people));
    ControlPlane {
        topology,
        etcd,
        endpoint,
        leader_election,
        certificates,
    }
}

/// The on-call response of a block that may write its own (`own`, checked
/// as `field`), else the `people` block's, else `default`.
fn response_or_people(
    check: &mut Checker<'_>,
    own: Option<&Spanned<RawDistribution>>,
    field: &str,
    people: Option<&RawPeople>,
    default: SimDuration,
) -> Distribution {
    match (own, people.and_then(|p| p.response.as_ref())) {
        (Some(own), _) => check.distribution(own, field),
        // A bad `people.response` is reported where `people` is checked;
        // here only its value is borrowed.
        (None, Some(lent)) => Checker {
            file: check.file,
            problems: Vec::new(),
            files: check.files,
        }
        .distribution(lent, "people.response"),
        (None, None) => Distribution::deterministic(default),
    }
}

/// `control_plane.etcd.database`: sizes, growth, compaction and the
/// people who clean up after the NOSPACE alarm (their alert delay and
/// response from `people`, else the disaster defaults, §10.2).
fn database(check: &mut Checker<'_>, raw: &RawDatabase, people: Option<&RawPeople>) -> Database {
    let quota_bytes = raw
        .quota_backend_bytes
        .as_ref()
        .map_or(DEFAULT_ETCD_QUOTA_BYTES, |q| q.value.0);
    if let Some(q) = &raw.quota_backend_bytes
        && q.value.0 == 0
    {
        check.at(
            &q.referenced,
            "control_plane.etcd.database.quota_backend_bytes",
            "must be above zero (etcd's default is 2Gi; at most 8Gi is suggested)",
        );
    }
    let initial_bytes = raw.initial_size.value.0;
    if initial_bytes >= quota_bytes {
        check.at(
            &raw.initial_size.referenced,
            "control_plane.etcd.database.initial_size",
            format!(
                "{initial_bytes} bytes is not below the quota of {quota_bytes} bytes: etcd would \
                 refuse every write from the start; use a smaller size or a larger \
                 quota_backend_bytes"
            ),
        );
    }
    let bytes = |raw: &Option<Spanned<Memory>>| raw.as_ref().map_or(0, |q| q.value.0);
    let response = response_or_people(
        check,
        None,
        "control_plane.etcd.database",
        people,
        DEFAULT_DISASTER_RESPONSE,
    );
    let cleanup = match &raw.cleanup {
        Some(c) => check.distribution(c, "control_plane.etcd.database.cleanup"),
        None => Distribution::log_normal(DEFAULT_ETCD_CLEANUP_MEDIAN, DEFAULT_ETCD_CLEANUP_P99)
            .expect("the default clean-up's median is below its p99"),
    };
    Database {
        quota_bytes,
        initial_bytes,
        growth_bytes_per_day: bytes(&raw.growth_per_day),
        history_bytes_per_day: bytes(&raw.history_per_day),
        compaction_interval: raw
            .compaction_interval
            .map_or(DEFAULT_ETCD_COMPACTION_INTERVAL, |d| d.0),
        alert_delay: people
            .and_then(|p| p.alert_delay)
            .map_or(DEFAULT_DISASTER_ALERT_DELAY, |d| d.0),
        response,
        cleanup,
    }
}

/// `control_plane.certificates`: renewal, validity and the people who
/// renew them once expired (their alert delay and response come from the
/// block, else from `people`, else from the defaults of
/// docs/kubernetes-defaults.md §10.1).
fn certificates(
    check: &mut Checker<'_>,
    raw: &RawCertificates,
    people: Option<&RawPeople>,
) -> Certificates {
    let renewal = match raw.renewal {
        Some(RawCertificateRenewal::Manual) => CertificateRenewal::Manual,
        Some(RawCertificateRenewal::Auto) => CertificateRenewal::Auto,
        Some(RawCertificateRenewal::OnUpgrade) | None => CertificateRenewal::OnUpgrade,
    };
    let validity = check.positive_duration(
        raw.validity.as_ref(),
        "control_plane.certificates.validity",
        DEFAULT_CERTIFICATE_VALIDITY,
    );
    let alert_delay = raw
        .alert_delay
        .or(people.and_then(|p| p.alert_delay))
        .map_or(DEFAULT_CERTIFICATE_ALERT_DELAY, |d| d.0);
    let response = response_or_people(
        check,
        raw.response.as_ref(),
        "control_plane.certificates.response",
        people,
        DEFAULT_DISASTER_RESPONSE,
    );
    let renew = match &raw.renew {
        Some(r) => check.distribution(r, "control_plane.certificates.renew"),
        None => Distribution::log_normal(
            DEFAULT_CERTIFICATE_RENEW_MEDIAN,
            DEFAULT_CERTIFICATE_RENEW_P99,
        )
        .expect("the default renewal's median is below its p99"),
    };
    Certificates {
        renewal,
        validity,
        alert_delay,
        response,
        renew,
    }
}

/// `control_plane.etcd.recovery`: `none`, or the operator-driven recovery.
/// Its alert delay and response come from the recovery block, else from
/// the `people` block (when it writes them), else from the disaster
/// defaults (docs/kubernetes-defaults.md §7.5).
fn recovery(
    check: &mut Checker<'_>,
    raw: Option<&RawRecovery>,
    has_backup: bool,
    people: Option<&RawPeople>,
) -> Recovery {
    let block = match raw {
        Some(RawRecovery::None) => return Recovery::None,
        Some(RawRecovery::Operator(block)) => Some(&**block),
        None => None,
    };
    let alert_delay = block
        .and_then(|b| b.alert_delay)
        .or(people.and_then(|p| p.alert_delay))
        .map_or(DEFAULT_DISASTER_ALERT_DELAY, |d| d.0);
    let response = response_or_people(
        check,
        block.and_then(|b| b.response.as_ref()),
        "control_plane.etcd.recovery.response",
        people,
        DEFAULT_DISASTER_RESPONSE,
    );
    let rebuild = match block.and_then(|b| b.rebuild.as_ref()) {
        Some(raw) => {
            if has_backup {
                check.at(
                    &raw.referenced,
                    "control_plane.etcd.recovery.rebuild",
                    "is used only without a backup: with `backup` the cluster is restored \
                     from the last snapshot in `backup.restore`; remove one of the two",
                );
            }
            check.distribution(raw, "control_plane.etcd.recovery.rebuild")
        }
        None => default_rebuild(),
    };
    Recovery::Operator(OperatorRecovery {
        alert_delay,
        response,
        rebuild,
    })
}

/// The default rebuild time: log-normal with
/// [`DEFAULT_ETCD_REBUILD_MEDIAN`] and [`DEFAULT_ETCD_REBUILD_P99`].
fn default_rebuild() -> Distribution {
    Distribution::log_normal(DEFAULT_ETCD_REBUILD_MEDIAN, DEFAULT_ETCD_REBUILD_P99)
        .expect("the default rebuild's median is below its p99")
}

/// `control_plane.leader_election`: client-go's lease timers.
fn leader_election(
    check: &mut Checker<'_>,
    le: &RawLeaderElection,
    topology_at: &Location,
) -> LeaderElection {
    let lease_duration = duration_or(&le.lease_duration, DEFAULT_LEASE_DURATION);
    let renew_deadline = duration_or(&le.renew_deadline, DEFAULT_RENEW_DEADLINE);
    let retry_period = duration_or(&le.retry_period, DEFAULT_RETRY_PERIOD);
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
                "client-go requires lease_duration > renew_deadline > 1.2 x retry_period, got {lease_duration} / {renew_deadline} / {retry_period} (defaults {DEFAULT_LEASE_DURATION} / {DEFAULT_RENEW_DEADLINE} / {DEFAULT_RETRY_PERIOD}; all zero means instant failover)"
            ),
        );
    }
    // A takeover costs the same for any lease (the planner skips whole
    // stretches of polls); the limit is one of meaning.
    if consistent && lease_duration > MAX_LEASE_DURATION {
        let at = le
            .lease_duration
            .as_ref()
            .map_or(topology_at, |d| &d.referenced);
        check.at(
            at,
            "control_plane.leader_election.lease_duration",
            format!(
                "{lease_duration} is longer than {MAX_LEASE_DURATION}: a leader lease is a failover timer (clusters use {DEFAULT_LEASE_DURATION}, client-go's default), \
                 and a controller manager or scheduler left unreplaced for longer is an outage to model as a failure mode, not a lease; use at most {MAX_LEASE_DURATION}"
            ),
        );
    }
    LeaderElection {
        lease_duration,
        renew_deadline,
        retry_period,
    }
}

/// The longest lease accepted. Not a cost (a takeover costs the same for
/// any lease): a lease is a failover timer of seconds, and beyond a day it
/// no longer describes one.
const MAX_LEASE_DURATION: SimDuration = SimDuration::from_secs(86_400);

fn topology_name(topology: RawTopology) -> &'static str {
    match topology {
        RawTopology::Single => "single",
        RawTopology::Stacked => "stacked",
        RawTopology::External => "external",
        RawTopology::ActiveStandby => "active-standby",
    }
}
