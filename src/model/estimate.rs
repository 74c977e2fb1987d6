//! How many events one replication of a scenario simulates, estimated from
//! its rates before running: each failure source's occurrences over the
//! horizon (count x horizon / (mean time to failure + mean time to
//! repair)) times the events one occurrence costs, each chaos step's
//! injections, and each autoscaler's scaling steps (the model wakes its
//! control loops — HPA syncs, scrapes, Cluster Autoscaler scans, node
//! monitoring — only when something can change, so no term counts their
//! periods). It sizes the work, and
//! names the term that dominates it, so that a scenario far beyond what a
//! replication can simulate is refused before it runs.
//!
//! The events per occurrence are the model's own: a machine fails and is
//! repaired (two events, three when a person must start the repair), and
//! what depends on it reacts — an etcd election, a lease takeover and the
//! balancer's health checks for a control-plane machine; the node's
//! NotReady mark and taint, then each of its pods' eviction and restart
//! elsewhere for a worker. The estimate is checked against the events the
//! shipped scenarios actually simulate (within [`ESTIMATE_FACTOR`]).

use crate::scenario::{ChaosAction, FailureMode, PodFailureKind, Role, Scenario};

/// How far the estimate may be from the events a replication actually
/// simulates, either way, on the shipped scenarios (tested).
pub const ESTIMATE_FACTOR: f64 = 10.0;

/// Events a machine failure costs: its failure and its repair.
const MACHINE_CYCLE: f64 = 2.0;
/// Events a control-plane, etcd or load-balancer machine's failure sets off
/// (an election, lease takeovers, health-check marks, a member's sync).
const CONTROL_PLANE_CASCADE: f64 = 4.0;
/// Events a worker's failure sets off besides its pods': NotReady, taint.
const NODE_CASCADE: f64 = 2.0;
/// Events each pod of a failed worker costs: its eviction and its start
/// elsewhere.
const POD_MOVE: f64 = 2.0;
/// Events a pod failure costs: the failure, the restart (or the probe's
/// detection) and the start.
const POD_CYCLE: f64 = 3.0;
/// Events an autoscaler's scaling step costs: its sync, the load
/// crossings around it, the pod's start or stop, and the Cluster
/// Autoscaler's scan and node provisioning when the pods do not fit.
const SCALING_STEP: f64 = 8.0;
/// Events a chaos injection costs: its start, its end and what reacts.
const CHAOS_INJECTION: f64 = 2.0 + CONTROL_PLANE_CASCADE;

/// One source of events and what it is expected to cost.
#[derive(Clone, Debug, PartialEq)]
pub struct EventTerm {
    /// The scenario field it comes from, e.g. `workloads.web.pod_failures.crash`.
    pub source: String,
    /// Its rate in the scenario's words, e.g. `MTTF 1s on 1,000,000 pods`.
    pub rate: String,
    /// Events expected in one replication.
    pub events: f64,
}

/// The expected events of one replication, by source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventEstimate {
    /// Every source with a positive expectation, largest first.
    pub terms: Vec<EventTerm>,
}

impl EventEstimate {
    /// Expected events in all.
    pub fn total(&self) -> f64 {
        self.terms.iter().map(|t| t.events).sum()
    }

    /// The source expected to cost the most.
    pub fn dominant(&self) -> Option<&EventTerm> {
        self.terms.first()
    }
}

/// The estimate for one replication of `scenario`.
pub fn estimate_events(scenario: &Scenario) -> EventEstimate {
    let horizon = scenario.horizon.as_secs_f64();
    let mut terms = Vec::new();
    let pods: f64 = scenario.workloads.iter().map(|w| w.replicas as f64).sum();
    let workers: usize = scenario
        .groups
        .iter()
        .filter(|g| g.role == Role::Worker)
        .map(|g| g.zones.len())
        .sum();
    let pods_per_worker = if workers == 0 {
        0.0
    } else {
        pods / workers as f64
    };
    let cascade = |role: Role| match role {
        Role::Worker => NODE_CASCADE + POD_MOVE * pods_per_worker,
        Role::ControlPlane | Role::Etcd | Role::LoadBalancer => CONTROL_PLANE_CASCADE,
    };
    let manual = |mode: &FailureMode| f64::from(u8::from(mode.manual_repair));
    let mut failure_term =
        |source: String, what: &str, count: f64, mode: &FailureMode, each: f64| {
            let cycle = mode.time_to_failure.mean_secs() + mode.time_to_repair.mean_secs();
            let occurrences = count * horizon / cycle.max(1e-6);
            terms.push(EventTerm {
                source,
                rate: format!(
                    "MTTF {} + MTTR {} on {} {what}",
                    secs(mode.time_to_failure.mean_secs()),
                    secs(mode.time_to_repair.mean_secs()),
                    thousands(count)
                ),
                events: occurrences * (MACHINE_CYCLE + manual(mode) + each),
            });
        };
    for group in &scenario.groups {
        for mode in &group.failures {
            failure_term(
                format!("groups.{}.failures.{}", group.name, mode.name),
                "machines",
                group.zones.len() as f64,
                mode,
                cascade(group.role),
            );
        }
    }
    // A zone or a failure domain takes its machines down together.
    let fallout = |in_domain: &dyn Fn(usize, usize) -> bool| {
        let mut each = 0.0;
        for group in &scenario.groups {
            let members = (0..group.zones.len())
                .filter(|&slot| {
                    in_domain(group.zones[slot], group.domains[slot].unwrap_or(usize::MAX))
                })
                .count();
            each += members as f64 * cascade(group.role);
        }
        each
    };
    let zones = scenario.zones.len().max(1) as f64;
    let per_zone = fallout(&|_, _| true) / zones;
    for mode in &scenario.zone_failures {
        failure_term(
            format!("zone_failures.{}", mode.name),
            "zones",
            zones,
            mode,
            per_zone,
        );
    }
    for (d, domain) in scenario.failure_domains.iter().enumerate() {
        let each = fallout(&|_, dom| dom == d);
        for mode in &domain.failures {
            failure_term(
                format!("failure_domains.{}.failures.{}", domain.name, mode.name),
                "domains",
                1.0,
                mode,
                each,
            );
        }
    }
    for workload in &scenario.workloads {
        let replicas = workload.replicas as f64;
        for failure in &workload.pod_failures {
            let recovery = match &failure.kind {
                PodFailureKind::Crash => workload.startup.mean_secs(),
                PodFailureKind::Hang => {
                    workload.probes.period.as_secs_f64()
                        * f64::from(workload.probes.failure_threshold)
                        + workload.startup.mean_secs()
                }
                PodFailureKind::Unready(flap) => flap.mean_secs(),
            };
            let mttf = failure.time_to_failure.mean_secs();
            terms.push(EventTerm {
                source: format!("workloads.{}.pod_failures.{}", workload.name, failure.name),
                rate: format!("MTTF {} on {} pods", secs(mttf), thousands(replicas)),
                events: replicas * horizon / (mttf + recovery).max(1e-6) * POD_CYCLE,
            });
        }
        if let Some(spikes) = &workload.spikes {
            let interval = spikes.mean_interval.as_secs_f64();
            terms.push(EventTerm {
                source: format!("workloads.{}.spikes", workload.name),
                rate: format!("a spike every {} on average", secs(interval)),
                events: 2.0 * horizon / interval.max(1e-6),
            });
        }
        if let Some(autoscaling) = &workload.autoscaling {
            // The model wakes an autoscaler only when its decision can
            // change (a load crossing, a pod getting ready), never every
            // sync period: its cost is its scaling steps, at most the
            // whole range up and down again with each daily swing of the
            // load.
            let (min, max) = autoscaling.bounds();
            let range = f64::from(max.saturating_sub(min).max(1));
            let days = horizon / 86_400.0;
            terms.push(EventTerm {
                source: format!("workloads.{}.autoscaling", workload.name),
                rate: format!("{min} to {max} replicas and back every day"),
                events: days * 2.0 * range * SCALING_STEP,
            });
        }
    }
    for (i, step) in scenario.chaos.iter().enumerate() {
        let start = step.at.as_secs_f64();
        if start > horizon {
            continue;
        }
        let injections = match step.every {
            Some(every) => ((horizon - start) / every.as_secs_f64().max(1e-6)).floor() + 1.0,
            None => 1.0,
        };
        // A rolling upgrade or a drain goes machine by machine.
        let machines: f64 = match &step.action {
            ChaosAction::RollingUpgrade => scenario
                .groups
                .iter()
                .filter(|g| g.role == Role::ControlPlane)
                .map(|g| g.zones.len() as f64)
                .sum(),
            ChaosAction::Drain(nodes) => nodes.len() as f64 * (1.0 + POD_MOVE * pods_per_worker),
            _ => 1.0,
        };
        let every = step
            .every
            .map_or("once".to_string(), |e| format!("every {e}"));
        terms.push(EventTerm {
            source: format!("chaos[{i}] ({})", step.name),
            rate: format!("{every}: {} injections", thousands(injections)),
            events: injections * CHAOS_INJECTION * machines.max(1.0),
        });
    }
    terms.retain(|t| t.events > 0.0);
    terms.sort_by(|a, b| b.events.total_cmp(&a.events));
    EventEstimate { terms }
}

/// `1234567` as `1,234,567`; beyond a billion in scientific notation.
fn thousands(n: f64) -> String {
    if n >= 1e9 {
        return format!("{n:.1e}");
    }
    let digits = (n.round() as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A mean in seconds, written with the scenario's units.
fn secs(s: f64) -> String {
    crate::engine::SimDuration::from_secs_f64(s.max(0.0)).to_string()
}
