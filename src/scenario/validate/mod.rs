//! Raw file → validated [`Scenario`]: defaults from `k8s-facts.md`, cross
//! references, and sanity rules. Every problem is collected (not only the
//! first) and located.
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

use super::schema::RawScenario;
use super::{Scenario, ScenarioError};
use crate::engine::SimDuration;

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
    let horizon = run::horizon(&mut check, &raw.horizon);
    let warmup = run::warmup(&mut check, &raw.warmup, horizon);
    let replications = run::replications(&mut check, &raw.replications);
    let zones = zones::zones(&mut check, &raw.zones);
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
        &raw.machines.referenced,
        &groups,
    );
    let clients_zone = zones::clients_zone(&mut check, raw.clients_zone.as_ref(), &zones);
    let people = failures::people(&mut check, raw.people.as_ref());
    let chaos = chaos::chaos(
        &mut check,
        &raw.chaos,
        horizon,
        &zones,
        &groups,
        &raw.workloads,
        raw.control_plane.value.endpoint.as_ref(),
    );
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
