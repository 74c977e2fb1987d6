//! The control plane: topology against the machines, etcd (members,
//! timers, backups), active/standby promotion and leader election. The
//! endpoint has its own file.

use serde_saphyr::Location;

use super::checker::{Checker, duration_or};
use super::endpoint::endpoint;
use super::machines::count_role;
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::control_plane::{
    DEFAULT_DISASTER_ALERT_DELAY, DEFAULT_DISASTER_RESPONSE, DEFAULT_ETCD_ELECTION_TIMEOUT,
    DEFAULT_ETCD_HEARTBEAT_INTERVAL, DEFAULT_ETCD_MEMBER_SYNC, DEFAULT_ETCD_REBUILD_MEDIAN,
    DEFAULT_ETCD_REBUILD_P99, DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD,
    MAX_ETCD_ELECTION_TIMEOUT,
};
use crate::scenario::schema::{
    Duration, RawControlPlane, RawLeaderElection, RawPeople, RawRecovery, RawTopology,
};
use crate::scenario::{
    Backup, ControlPlane, Etcd, LeaderElection, MachineGroup, OperatorRecovery, Recovery, Role,
    Topology,
};

/// The `control_plane:` block, checked against the machine `groups`
/// (`machines_at` locates the `machines:` list); `people` lends its alert
/// delay and response to the disaster recovery.
pub(super) fn control_plane(
    check: &mut Checker<'_>,
    cp: &RawControlPlane,
    machines_at: &Location,
    groups: &[MachineGroup],
    people: Option<&RawPeople>,
) -> ControlPlane {
    let topology_raw = cp.topology.value;
    let topology_at = &cp.topology.referenced;
    let cp_count = count_role(groups, Role::ControlPlane);
    let etcd_count = count_role(groups, Role::Etcd);
    let lb_count = count_role(groups, Role::LoadBalancer);
    let name = topology_name(topology_raw);

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
    ControlPlane {
        topology,
        etcd,
        endpoint,
        leader_election,
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
    let response = match (
        block.and_then(|b| b.response.as_ref()),
        people.and_then(|p| p.response.as_ref()),
    ) {
        (Some(own), _) => check.distribution(own, "control_plane.etcd.recovery.response"),
        // A bad `people.response` is reported where `people` is checked;
        // here only its value is borrowed.
        (None, Some(lent)) => Checker {
            file: check.file,
            problems: Vec::new(),
        }
        .distribution(lent, "people.response"),
        (None, None) => Distribution::deterministic(DEFAULT_DISASTER_RESPONSE),
    };
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
    // Each takeover walks a candidate's jittered polls across one lease.
    let polls = lease_duration.as_micros() / retry_period.as_micros().max(1);
    if consistent && polls > MAX_LEASE_POLLS {
        let at = le
            .lease_duration
            .as_ref()
            .or(le.retry_period.as_ref())
            .map_or(topology_at, |d| &d.referenced);
        check.at(
            at,
            "control_plane.leader_election.lease_duration",
            format!(
                "{lease_duration} is {polls:.1e} retry periods of {retry_period}: every takeover is simulated poll by poll, and at most {MAX_LEASE_POLLS} polls per lease are supported; \
                 use at most {} with this retry_period (clusters use {DEFAULT_LEASE_DURATION}, client-go's default)",
                retry_period.saturating_mul(MAX_LEASE_POLLS),
                polls = polls as f64
            ),
        );
    }
    LeaderElection {
        lease_duration,
        renew_deadline,
        retry_period,
    }
}

/// The longest lease in retry periods: a takeover draws the candidates'
/// polls (one every 1 to 2.2 retry periods) across a whole lease, so its
/// cost grows with the ratio; 100,000 is a lease of 2.3 days at the 2 s
/// default retry period, far beyond any real setting (15 s).
const MAX_LEASE_POLLS: u64 = 100_000;

fn topology_name(topology: RawTopology) -> &'static str {
    match topology {
        RawTopology::Single => "single",
        RawTopology::Stacked => "stacked",
        RawTopology::External => "external",
        RawTopology::ActiveStandby => "active-standby",
    }
}
