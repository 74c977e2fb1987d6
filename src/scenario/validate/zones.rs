//! Zones: their names, how each fails as a whole, and which one the
//! clients are in.

use serde_saphyr::Spanned;

use super::checker::Checker;
use super::failures::failure_modes;
use crate::scenario::schema::RawFailureMode;
use crate::scenario::{DEFAULT_ZONE, FailureMode};

/// The top-level `zones:` list; an implicit single zone when none is
/// declared.
pub(super) fn zones(check: &mut Checker<'_>, raw: &[Spanned<String>]) -> Vec<String> {
    let zones: Vec<String> = if raw.is_empty() {
        vec![DEFAULT_ZONE.to_string()]
    } else {
        raw.iter().map(|z| z.value.clone()).collect()
    };
    for (i, zone) in raw.iter().enumerate() {
        check.name(&zone.referenced, format!("zones[{i}]"), &zone.value);
        if zone.value.trim().is_empty() {
            check.at(
                &zone.referenced,
                format!("zones[{i}]"),
                "a zone needs a name",
            );
        } else if raw[..i].iter().any(|z| z.value == zone.value) {
            check.at(
                &zone.referenced,
                format!("zones[{i}]"),
                format!("zone `{}` is declared twice", zone.value),
            );
        }
    }
    if zones.len() > 32 {
        check.at(
            &raw[32].referenced,
            "zones",
            format!("{} zones declared; at most 32 are supported", zones.len()),
        );
    }
    zones
}

/// The top-level `zone_failures:` list: failure modes without the settings
/// only a machine can have.
pub(super) fn zone_failures(check: &mut Checker<'_>, raw: &[RawFailureMode]) -> Vec<FailureMode> {
    let zone_failures = failure_modes(check, raw, "zone_failures");
    for (i, mode) in raw.iter().enumerate() {
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

    zone_failures
}

/// The zone index of the top-level `clients_zone:` (the first zone when
/// absent).
pub(super) fn clients_zone(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<String>>,
    zones: &[String],
) -> usize {
    match raw {
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
    }
}
