//! Raw file → validated [`Scenario`]: defaults (the named constants beside
//! each topic's types, from docs/kubernetes-defaults.md), cross references,
//! and sanity rules. Every problem is collected (not only the first) and
//! located.
//!
//! One file per topic; each topic validator takes the raw part of the file
//! it checks, plus what it is checked against (zones, machine groups, ...),
//! already validated. [`validate`] calls them in the order of the file's
//! dependencies, so problems are reported in a stable order.

mod autoscaling;
mod chaos;
mod checker;
mod control_plane;
mod endpoint;
mod failures;
mod load;
mod machines;
mod node_lifecycle;
mod run;
mod workloads;
mod zones;

use checker::Checker;

use super::files::FileAccess;
use super::schema::RawScenario;
use super::{DEFAULT_SEED, Scenario, ScenarioError};
use crate::engine::SimDuration;

/// Validates a parsed file; `file` names it in problems, `default_name`
/// is the name when the file has none, `digest` identifies its text,
/// `files` says which files it may name.
pub(super) fn validate(
    raw: RawScenario,
    file: &str,
    default_name: &str,
    digest: String,
    files: FileAccess,
) -> Result<Scenario, ScenarioError> {
    let mut check = Checker {
        file,
        problems: Vec::new(),
        files,
    };
    if let Some(name) = &raw.name {
        check.name(&name.referenced, "name", &name.value);
    }
    let horizon = run::horizon(&mut check, &raw.horizon);
    let warmup = run::warmup(&mut check, &raw.warmup, horizon);
    let replications = run::replications(&mut check, &raw.replications);
    let zones = zones::zones(&mut check, &raw.zones);
    // Here rather than in `chaos::chaos`, to keep the order problems are listed in.
    chaos::step_limit(&mut check, &raw.chaos);
    let zone_failures = zones::zone_failures(&mut check, &raw.zone_failures);
    let failure_domains = failures::failure_domains(&mut check, &raw.failure_domains);
    let groups = machines::machine_groups(
        &mut check,
        &raw.machines,
        &zones,
        &failure_domains,
        raw.people.is_some(),
    );
    let control_plane = control_plane::control_plane(
        &mut check,
        &raw.control_plane.value,
        &raw.machines,
        &groups,
        raw.people.as_ref().map(|p| &p.value),
    );
    machines::check_process_topology(&mut check, &raw.machines, &groups, &control_plane);
    let clients_zone = zones::clients_zone(&mut check, raw.clients_zone.as_ref(), &zones);
    let people = failures::people(&mut check, raw.people.as_ref());
    let automatic_repair_crews = raw
        .automatic_repair
        .as_ref()
        .map(|a| check.count(&a.value.crews, "automatic_repair.crews", 1, 10_000) as usize);
    let mut chaos = chaos::chaos(
        &mut check,
        &raw.chaos,
        horizon,
        &zones,
        &groups,
        &raw.workloads,
        raw.control_plane.value.endpoint.as_ref(),
    );
    let upgrades = chaos::upgrades(
        &mut check,
        raw.upgrades.as_ref(),
        horizon,
        &groups,
        raw.chaos.len(),
    );
    chaos.extend(upgrades);
    let node_lifecycle = node_lifecycle::node_lifecycle(&mut check, &raw.node_lifecycle);
    let hpa_controller = autoscaling::hpa_controller(&mut check, &raw.hpa_controller);
    let workloads = workloads::workloads(&mut check, &raw.workloads, &groups, &hpa_controller);
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
        name: raw
            .name
            .map_or_else(|| default_name.to_string(), |n| n.value),
        digest,
        horizon,
        replications,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        warmup,
        min_outage: raw.min_outage.map_or(SimDuration::ZERO, |d| d.0),
        zones,
        zone_failures,
        clients_zone,
        failure_domains,
        people,
        automatic_repair_crews,
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
