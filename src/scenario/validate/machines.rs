//! Machine groups: role, count, placement over zones and failure domains,
//! failure modes and (workers) allocatable resources.

use serde_saphyr::Spanned;

use super::autoscaling;
use super::checker::Checker;
use super::failures::failure_modes;
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::schema::{
    RawMachineGroup, RawProcess, RawProcessFailure, RawProcessFailureKind, RawRepair, RawRole,
};
use crate::scenario::workload::Resources;
use crate::scenario::{
    ControlPlane, FailureDomain, MachineGroup, Process, ProcessFailure, ProcessFailureKind, Role,
    Topology,
};

/// The top-level `machines:` list. Zones and failure domains are resolved
/// by name; `has_people` says whether manual repair is possible.
pub(super) fn machine_groups(
    check: &mut Checker<'_>,
    raw: &Spanned<Vec<RawMachineGroup>>,
    zones: &[String],
    failure_domains: &[FailureDomain],
    has_people: bool,
) -> Vec<MachineGroup> {
    let mut groups = Vec::new();
    for (g, group) in raw.value.iter().enumerate() {
        let path = format!("machines[{g}]");
        let name = group.name.value.clone();
        check.name(&group.name.referenced, format!("{path}.name"), &name);
        if name.trim().is_empty() {
            check.at(
                &group.name.referenced,
                format!("{path}.name"),
                "a group needs a name",
            );
        }
        if raw.value[..g].iter().any(|other| other.name.value == name) {
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
            autoscaling::node_group(check, group.autoscaling.as_ref(), count, role, &path);
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
                && !has_people
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
            failures: failure_modes(check, &group.failures, &format!("{path}.failures")),
            process_failures: process_failures(check, &group.process_failures, role, &path),
            autoscaling: scaling,
        });
    }
    if raw.value.is_empty() {
        check.at(
            &raw.referenced,
            "machines",
            "list at least one group with role control-plane",
        );
    }
    groups
}

/// Machines of `role` in all groups (machine slots of resizable groups
/// included).
pub(super) fn count_role(groups: &[MachineGroup], role: Role) -> usize {
    groups
        .iter()
        .filter(|g| g.role == role)
        .map(|g| g.zones.len())
        .sum()
}

/// The processes a machine of `role` runs that nines can fail.
fn processes_of(role: Role) -> &'static [Process] {
    match role {
        Role::ControlPlane => &[
            Process::KubeApiserver,
            Process::Etcd,
            Process::KubeControllerManager,
            Process::KubeScheduler,
            Process::Kubelet,
            Process::ContainerRuntime,
        ],
        Role::Etcd => &[Process::Etcd, Process::Kubelet, Process::ContainerRuntime],
        Role::Worker => &[Process::Kubelet, Process::ContainerRuntime],
        Role::LoadBalancer => &[],
    }
}

/// A group's `process_failures:` list.
fn process_failures(
    check: &mut Checker<'_>,
    raw: &[RawProcessFailure],
    role: Role,
    path: &str,
) -> Vec<ProcessFailure> {
    raw.iter()
        .enumerate()
        .map(|(i, mode)| {
            let field = format!("{path}.process_failures[{i}]");
            let process = match mode.process.value {
                RawProcess::KubeApiserver => Process::KubeApiserver,
                RawProcess::Etcd => Process::Etcd,
                RawProcess::KubeControllerManager => Process::KubeControllerManager,
                RawProcess::KubeScheduler => Process::KubeScheduler,
                RawProcess::Kubelet => Process::Kubelet,
                RawProcess::ContainerRuntime => Process::ContainerRuntime,
            };
            let allowed = processes_of(role);
            if !allowed.contains(&process) {
                let runs = if allowed.is_empty() {
                    "none of the processes nines fails (HAProxy and keepalived fail with their machine)".to_string()
                } else {
                    allowed
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                check.at(
                    &mode.process.referenced,
                    format!("{field}.process"),
                    format!(
                        "a machine of this group does not run {}; it runs {runs}",
                        process.name()
                    ),
                );
            }
            let kind = match mode.kind.as_ref().map(|k| k.value) {
                None | Some(RawProcessFailureKind::Crash) => ProcessFailureKind::Crash,
                Some(RawProcessFailureKind::Hang) => {
                    if !process.is_static_pod() {
                        check.at(
                            &mode.kind.as_ref().expect("matched").referenced,
                            format!("{field}.kind"),
                            format!(
                                "{} is restarted by systemd, which notices only an exit; use kind crash \
                                 (hang is for static pods, which the kubelet's liveness probe checks)",
                                process.name()
                            ),
                        );
                    }
                    ProcessFailureKind::Hang
                }
            };
            let time_to_failure =
                check.distribution(&mode.time_to_failure, &format!("{field}.time_to_failure"));
            if time_to_failure.is_zero() {
                check.at(
                    &mode.time_to_failure.referenced,
                    format!("{field}.time_to_failure"),
                    "a time to failure of zero would fail forever; give a positive duration",
                );
            }
            let startup = mode
                .startup
                .as_ref()
                .map_or(Distribution::deterministic(SimDuration::ZERO), |d| {
                    check.distribution(d, &format!("{field}.startup"))
                });
            if let Some(name) = &mode.name {
                check.name(&name.referenced, format!("{field}.name"), &name.value);
            }
            let kind_word = match kind {
                ProcessFailureKind::Crash => "crash",
                ProcessFailureKind::Hang => "hang",
            };
            ProcessFailure {
                name: mode.name.as_ref().map_or_else(
                    || format!("{} {kind_word}", process.name()),
                    |n| n.value.clone(),
                ),
                process,
                kind,
                time_to_failure,
                startup,
            }
        })
        .collect()
}

/// An etcd process on the control-plane machines exists only where etcd is
/// stacked on them.
pub(super) fn check_process_topology(
    check: &mut Checker<'_>,
    raw: &Spanned<Vec<RawMachineGroup>>,
    groups: &[MachineGroup],
    control_plane: &ControlPlane,
) {
    if matches!(control_plane.topology, Topology::Single | Topology::Stacked) {
        return;
    }
    for (g, group) in groups.iter().enumerate() {
        if group.role != Role::ControlPlane {
            continue;
        }
        for (i, mode) in group.process_failures.iter().enumerate() {
            if mode.process == Process::Etcd {
                check.at(
                    &raw.value[g].process_failures[i].process.referenced,
                    format!("machines[{g}].process_failures[{i}].process"),
                    "etcd runs on the control-plane machines only with topology single or stacked; \
                     put this mode on the etcd group",
                );
            }
        }
    }
}
