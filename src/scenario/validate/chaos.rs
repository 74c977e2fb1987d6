//! Chaos steps: targets resolved to machines, zones and Deployments, with
//! what is valid.

use serde_saphyr::Spanned;

use super::checker::Checker;
use crate::engine::SimDuration;
use crate::scenario::schema::{
    Duration, RawChaosAction, RawChaosStep, RawEndpoint, RawEndpointKind, RawTarget, RawUpgrades,
};
use crate::scenario::workload::{RawWorkload, RawWorkloadKind};
use crate::scenario::{ChaosAction, ChaosStep, MachineGroup, Role};

/// The number of chaos steps the model supports.
pub(super) fn step_limit(check: &mut Checker<'_>, raw: &[Spanned<RawChaosStep>]) {
    if let Some(step) = raw.get(32) {
        check.at(
            &step.referenced,
            "chaos",
            "at most 32 chaos steps are supported",
        );
    }
}

/// The top-level `chaos:` list: targets resolved to machines and zones,
/// with what is valid. A rollout names one of `workloads`; a load-balancer
/// failure needs an `endpoint` that has one.
pub(super) fn chaos(
    check: &mut Checker<'_>,
    raw: &[Spanned<RawChaosStep>],
    horizon: SimDuration,
    zones: &[String],
    groups: &[MachineGroup],
    workloads: &[RawWorkload],
    endpoint: Option<&Spanned<RawEndpoint>>,
) -> Vec<ChaosStep> {
    let mut steps = Vec::new();
    for (i, step) in raw.iter().enumerate() {
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
                    .and_then(|n| workloads.iter().position(|w| w.name.value == *n));
                let deployment = found.is_some_and(|w| {
                    workloads[w]
                        .kind
                        .as_ref()
                        .is_none_or(|k| k.value == RawWorkloadKind::Deployment)
                });
                if !names.is_empty() && !deployment {
                    let known: Vec<&str> = workloads
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
                let direct = endpoint.is_none_or(|e| e.value.kind.value == RawEndpointKind::Direct);
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
            } else if let Some(message) = too_many_injections(spec.at.value.0, e.value.0, horizon) {
                check.at(&e.referenced, format!("{path}.every"), message);
            }
            e.value.0
        });
        if let Some(name) = &spec.name {
            check.name(&name.referenced, format!("{path}.name"), &name.value);
        }
        steps.push(ChaosStep {
            name: spec.name.as_ref().map_or_else(
                || format!("{}-{i}", action_name(spec.action.value)),
                |n| n.value.clone(),
            ),
            action,
            at: spec.at.value.0,
            every,
            duration,
        });
    }
    steps
}

/// The most times one chaos step may be injected in a replication. Each
/// injection costs a few dozen events (the fault, its detection, failover
/// and repair timers); 100,000 of them are a few million events, about the
/// cost of a few seconds of one core per replication at the nominal rate.
pub(crate) const MAX_CHAOS_INJECTIONS: u64 = 100_000;

/// Why a step injected `every` from `at` to `horizon` is too costly, if it
/// is: the number of injections and the shortest period allowed.
fn too_many_injections(
    at: SimDuration,
    every: SimDuration,
    horizon: SimDuration,
) -> Option<String> {
    let span = horizon.saturating_sub(at).as_micros();
    let injections = span / every.as_micros().max(1) + 1;
    if injections <= MAX_CHAOS_INJECTIONS {
        return None;
    }
    let shortest = SimDuration::from_micros(span.div_ceil(MAX_CHAOS_INJECTIONS - 1));
    Some(format!(
        "a step every {every}: {:.1e} injections over the {horizon} horizon, more than the {MAX_CHAOS_INJECTIONS} a replication may take (each costs dozens of events); repeat it every {shortest} or more",
        injections as f64
    ))
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

/// The name of the control-plane upgrade's planned work (its cause is
/// `planned control-plane upgrade`).
pub(crate) const CONTROL_PLANE_UPGRADE: &str = "control-plane upgrade";
/// The name of the worker upgrade's planned work.
pub(crate) const WORKER_UPGRADE: &str = "worker upgrade";

/// The `upgrades:` block, as the planned-work steps the chaos machinery
/// runs: a `rolling-upgrade` of the control plane and a `drain` of every
/// worker node present at the start, each repeated `every`. `chaos_steps`
/// is the number of steps of the `chaos:` list (together at most 32).
pub(super) fn upgrades(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawUpgrades>>,
    horizon: SimDuration,
    groups: &[MachineGroup],
    chaos_steps: usize,
) -> Vec<ChaosStep> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let schedule = |check: &mut Checker<'_>,
                    path: &str,
                    every: &Spanned<Duration>,
                    at: Option<&Spanned<Duration>>,
                    each: &Spanned<Duration>,
                    each_name: &str,
                    units: usize| {
        for (value, field, example) in [(every, "every", "90d"), (each, each_name, "10m")] {
            if value.value.0.is_zero() {
                check.at(
                    &value.referenced,
                    format!("{path}.{field}"),
                    format!("must be longer than zero, e.g. {example}"),
                );
            }
        }
        let (every_value, each_value) = (every.value.0, each.value.0);
        let at_value = at.map_or(every_value, |a| a.value.0);
        if let Some(at) = at
            && at.value.0 >= horizon
        {
            check.at(
                &at.referenced,
                format!("{path}.at"),
                "the first upgrade starts after the horizon; start it earlier or lengthen the horizon",
            );
        }
        let total = each_value.saturating_mul(units as u64);
        if !every_value.is_zero() && total > every_value {
            check.at(
                &every.referenced,
                format!("{path}.every"),
                format!(
                    "one upgrade takes at least {units} × {each_name} = {}, longer than `every`; \
                     upgrade less often or faster",
                    total
                ),
            );
        }
        if !every_value.is_zero() && horizon.as_micros() / every_value.as_micros() > 100_000 {
            check.at(
                &every.referenced,
                format!("{path}.every"),
                "more than 100,000 upgrades over the horizon; upgrade less often",
            );
        }
        (at_value, every_value, each_value)
    };
    let control_plane_machines = groups
        .iter()
        .filter(|g| g.role == Role::ControlPlane)
        .map(|g| g.zones.len())
        .sum();
    if let Some(cp) = &raw.value.control_plane {
        let (at, every, per_machine) = schedule(
            check,
            "upgrades.control_plane",
            &cp.value.every,
            cp.value.at.as_ref(),
            &cp.value.per_machine,
            "per_machine",
            control_plane_machines,
        );
        steps.push(ChaosStep {
            name: CONTROL_PLANE_UPGRADE.to_string(),
            action: ChaosAction::RollingUpgrade,
            at,
            every: Some(every),
            duration: per_machine,
        });
    }
    if let Some(workers) = &raw.value.workers {
        let mut nodes = Vec::new();
        let mut next = 0;
        for group in groups {
            let present = group.autoscaling.map_or(group.zones.len(), |a| a.initial);
            if group.role == Role::Worker {
                nodes.extend(next..next + present);
            }
            next += group.zones.len();
        }
        if nodes.is_empty() {
            check.at(
                &workers.referenced,
                "upgrades.workers",
                "there are no worker nodes to upgrade; add a group with role worker or remove `workers`",
            );
        }
        let (at, every, per_node) = schedule(
            check,
            "upgrades.workers",
            &workers.value.every,
            workers.value.at.as_ref(),
            &workers.value.per_node,
            "per_node",
            nodes.len(),
        );
        steps.push(ChaosStep {
            name: WORKER_UPGRADE.to_string(),
            action: ChaosAction::Drain(nodes),
            at,
            every: Some(every),
            duration: per_node,
        });
    }
    if chaos_steps + steps.len() > 32 {
        check.at(
            &raw.referenced,
            "upgrades",
            "at most 32 chaos steps are supported, upgrades included; remove some chaos steps",
        );
    }
    steps
}
