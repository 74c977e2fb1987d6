//! Failure modes (of machines, zones and domains), shared failure domains,
//! and the people who repair by hand.

use serde_saphyr::Spanned;

use super::checker::Checker;
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::schema::{RawEffect, RawFailureDomain, RawFailureMode, RawPeople, RawRepair};
use crate::scenario::{CommonCause, FailureDomain, FailureMode, People};

/// A list of failure modes at `field` (`machines[0].failures`,
/// `zone_failures`, ...); what only some owners may set is checked by them.
pub(super) fn failure_modes(
    check: &mut Checker<'_>,
    raw: &[RawFailureMode],
    field: &str,
) -> Vec<FailureMode> {
    raw.iter()
        .enumerate()
        .map(|(i, mode)| {
            let path = format!("{field}[{i}]");
            let time_to_failure =
                check.distribution(&mode.time_to_failure, &format!("{path}.time_to_failure"));
            if time_to_failure.is_zero() {
                check.at(
                    &mode.time_to_failure.referenced,
                    format!("{path}.time_to_failure"),
                    "a time to failure of zero would fail forever; give a positive duration",
                );
            }
            if let Some(name) = &mode.name {
                check.name(&name.referenced, format!("{path}.name"), &name.value);
            }
            FailureMode {
                name: mode
                    .name
                    .as_ref()
                    .map_or_else(|| format!("mode-{i}"), |n| n.value.clone()),
                time_to_failure,
                time_to_repair: check
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
                        check.at(
                            &cc.value.fraction.referenced,
                            format!("{path}.common_cause.fraction"),
                            format!(
                                "{fraction} is not a share; use a number from 0 to 1, e.g. 0.1"
                            ),
                        );
                    }
                    CommonCause {
                        fraction: fraction.clamp(0.0, 1.0),
                        size: check.count(
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

/// The top-level `failure_domains:` list; names must be unique.
pub(super) fn failure_domains(
    check: &mut Checker<'_>,
    raw: &[RawFailureDomain],
) -> Vec<FailureDomain> {
    let mut failure_domains: Vec<FailureDomain> = Vec::new();
    for (d, domain) in raw.iter().enumerate() {
        let name = domain.name.value.clone();
        check.name(
            &domain.name.referenced,
            format!("failure_domains[{d}].name"),
            &name,
        );
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
            failures: failure_modes(
                check,
                &domain.failures,
                &format!("failure_domains[{d}].failures"),
            ),
            name,
        });
    }
    failure_domains
}

/// The top-level `people:` block: repair crews, alert delay and response.
pub(super) fn people(check: &mut Checker<'_>, raw: Option<&Spanned<RawPeople>>) -> Option<People> {
    raw.map(|p| People {
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
    })
}
