//! Service level indicators: pure functions of component state, and the
//! causes their outages are charged to.

use crate::scenario::{ChaosAction, Scenario};

/// The SLIs of a control plane, in report order.
pub const SLI_NAMES: [&str; 5] = [
    "api.write",
    "api.read",
    "etcd.quorum",
    "controllers",
    "scheduling",
];

/// What the SLIs are computed from.
pub(super) struct State {
    pub api_write: f64,
    pub api_read: f64,
    pub etcd_writable: bool,
    pub controllers: bool,
    pub scheduler: bool,
}

/// Success share of each SLI, in [`SLI_NAMES`] order.
pub(super) fn values(state: &State) -> [f64; 5] {
    let yes = |b: bool| if b { 1.0 } else { 0.0 };
    [
        state.api_write,
        state.api_read,
        yes(state.etcd_writable),
        yes(state.controllers),
        yes(state.scheduler),
    ]
}

/// Index of a cause in [`Causes::labels`]; 0 is "none".
pub(super) type CauseId = usize;

/// Everything outages can be charged to, with its label, built from the
/// scenario alone.
pub(super) struct Causes {
    /// Labels; index 0 is "none".
    pub labels: Vec<String>,
    /// Per machine group and failure mode.
    pub machine: Vec<Vec<CauseId>>,
    /// Per zone failure mode.
    pub zone: Vec<CauseId>,
    /// Per failure domain and failure mode.
    pub domain: Vec<Vec<CauseId>>,
    /// Per workload and pod failure mode.
    pub pod: Vec<Vec<CauseId>>,
    /// Per chaos step.
    pub chaos: Vec<CauseId>,
    /// An etcd disaster.
    pub disaster: CauseId,
}

impl Causes {
    pub fn new(scenario: &Scenario) -> Self {
        let mut labels = vec!["none".to_string()];
        let mut add = |label: String| {
            labels.push(label);
            labels.len() - 1
        };
        let machine = scenario
            .groups
            .iter()
            .map(|g| {
                g.failures
                    .iter()
                    .map(|m| add(format!("machine {}/{}", g.name, m.name)))
                    .collect()
            })
            .collect();
        let zone = scenario
            .zone_failures
            .iter()
            .map(|m| {
                let kind = if m.partitions {
                    "partition"
                } else {
                    "zone outage"
                };
                add(format!("{kind} {}", m.name))
            })
            .collect();
        let domain = scenario
            .failure_domains
            .iter()
            .map(|d| {
                d.failures
                    .iter()
                    .map(|m| add(format!("domain {}/{}", d.name, m.name)))
                    .collect()
            })
            .collect();
        let pod = scenario
            .workloads
            .iter()
            .map(|w| {
                w.pod_failures
                    .iter()
                    .map(|f| add(format!("pod {}/{}", w.name, f.name)))
                    .collect()
            })
            .collect();
        // Planned work (upgrades, drains) is reported apart from faults.
        let chaos = scenario
            .chaos
            .iter()
            .map(|step| {
                let kind = match step.action {
                    ChaosAction::RollingUpgrade
                    | ChaosAction::Drain(_)
                    | ChaosAction::Rollout(_) => "planned",
                    _ => "chaos",
                };
                add(format!("{kind} {}", step.name))
            })
            .collect();
        let disaster = add("etcd disaster (majority of disks lost)".to_string());
        Causes {
            labels,
            machine,
            zone,
            domain,
            pod,
            chaos,
            disaster,
        }
    }
}
