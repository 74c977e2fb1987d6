//! Machine groups: role, count, placement over zones and failure domains,
//! failure modes and (workers) allocatable resources.

use serde_saphyr::Spanned;

use super::autoscaling;
use super::checker::Checker;
use super::failures::failure_modes;
use crate::scenario::schema::{RawMachineGroup, RawRepair, RawRole};
use crate::scenario::workload::Resources;
use crate::scenario::{FailureDomain, MachineGroup, Role};

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
