//! What a replication records: the SLIs, judged after every event from
//! one table of `(name, how it is judged)` rows from which both their
//! names and their values derive, and the causes their outages are charged
//! to.
//!
//! Attribution: every outage of every SLI is charged, with all its lost
//! requests, to the condition that kept the SLI down: the fault whose
//! recovery (a repair, a zone back, a chaos step over, a restore) came
//! last before the outage ended, or, for an outage that ended without one
//! (a failover, an election, a lease takeover), the initiating fault that
//! started it (a machine failure mode, a zone outage or partition, a chaos
//! step, an etcd disaster, a pod failure). See `outcome` for the rules.

use std::sync::Arc;

use super::ClusterModel;
use super::control_plane::Net;
use super::ids::{DomainId, ModeId, StepId, WorkloadId};
use crate::engine::{Ctx, SimTime};
use crate::outcome::{NodeOutcome, Recorder, ScalingOutcome, SliOutcome};
use crate::scenario::{CertificateRenewal, ChaosAction, Scenario};

use super::scaling::timeseries::TimeseriesRow;
use super::trace::TraceEntry;

/// What the control-plane SLIs are judged from.
pub(super) struct ControlPlaneState {
    /// Share of writes through the endpoint that succeed.
    pub api_write: f64,
    /// Share of reads through the endpoint that succeed.
    pub api_read: f64,
    /// A majority of etcd members are up, hold the data and reach each
    /// other.
    pub etcd_quorum: bool,
    /// etcd has a quorum and an elected leader: writes commit.
    pub etcd_writable: bool,
    /// kube-controller-manager leads and can write.
    pub controllers: bool,
    /// kube-scheduler leads and can write.
    pub scheduler: bool,
}

/// What a workload's SLIs are judged from.
pub(super) struct WorkloadState {
    /// Ready pods that serve.
    pub serving: usize,
    /// Pods the endpoints list.
    pub listed: usize,
    /// Ready replicas the workload needs to be up.
    pub min_ready: usize,
    /// Desired replicas.
    pub replicas: usize,
    /// Pods waiting for a node.
    pub pending: usize,
    /// Whether the ready pods serve the capacity threshold of the offered
    /// load; `None` without a load.
    pub capacity_met: Option<bool>,
}

/// One SLI: its name and how it is judged, as a success share in [0, 1].
pub(super) struct SliRow<S> {
    /// Its name (for a workload SLI, the last part of
    /// `workload.<name>.<metric>`).
    pub name: &'static str,
    /// Only for workloads with an offered load.
    pub needs_load: bool,
    /// Its value in a state.
    pub judge: fn(&S) -> f64,
}

fn yes(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The control plane's SLIs, in report order.
pub(super) const CONTROL_PLANE_SLIS: [SliRow<ControlPlaneState>; 6] = [
    SliRow {
        name: "api.write",
        needs_load: false,
        judge: |s| s.api_write,
    },
    SliRow {
        name: "api.read",
        needs_load: false,
        judge: |s| s.api_read,
    },
    SliRow {
        name: "etcd.quorum",
        needs_load: false,
        judge: |s| yes(s.etcd_quorum),
    },
    SliRow {
        name: "etcd.leader",
        needs_load: false,
        judge: |s| yes(s.etcd_writable),
    },
    SliRow {
        name: "controllers",
        needs_load: false,
        judge: |s| yes(s.controllers),
    },
    SliRow {
        name: "scheduling",
        needs_load: false,
        judge: |s| yes(s.scheduler),
    },
];

/// Each workload's SLIs, in report order: `ready` (ready replicas meet the
/// rule), `requests` (share of requests that reach a ready pod), `full`
/// (every replica ready; its outage length is the time to restore the full
/// replica count), `scheduled` (no pod Pending; its lost time is
/// pending-pod time over the replica count) and, with a load, `capacity`
/// (the ready pods serve at least the capacity threshold of the offered
/// load).
pub(super) const WORKLOAD_SLIS: [SliRow<WorkloadState>; 5] = [
    SliRow {
        name: "ready",
        needs_load: false,
        judge: |w| yes(w.serving >= w.min_ready),
    },
    SliRow {
        name: "requests",
        needs_load: false,
        judge: |w| {
            if w.listed == 0 {
                0.0
            } else {
                w.serving as f64 / w.listed as f64
            }
        },
    },
    SliRow {
        name: "full",
        needs_load: false,
        judge: |w| yes(w.serving >= w.replicas),
    },
    SliRow {
        name: "scheduled",
        needs_load: false,
        judge: |w| 1.0 - w.pending.min(w.replicas) as f64 / w.replicas as f64,
    },
    SliRow {
        name: "capacity",
        needs_load: true,
        judge: |w| yes(w.capacity_met == Some(true)),
    },
];

/// Every SLI of a scenario, in outcome order: the rows of the control
/// plane, then each workload's rows (`capacity` only with a load), named
/// `workload.<name>.<metric>`.
pub fn sli_names(scenario: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = CONTROL_PLANE_SLIS
        .iter()
        .map(|row| row.name.to_string())
        .collect();
    for w in &scenario.workloads {
        for row in &WORKLOAD_SLIS {
            if !row.needs_load || w.load.is_some() {
                names.push(format!("workload.{}.{}", w.name, row.name));
            }
        }
    }
    names
}

/// The label of outages that started before any fault of the replication:
/// the load outran the ready pods, or pods were still starting.
pub const NO_FAULT: &str = "no fault (load or start-up)";

/// The cause label of a zone failure mode: `zone outage power`,
/// `partition inter-zone-link`, or just `zone outage` (`partition`) when
/// the mode's name only repeats that (`zone-outage`).
pub fn zone_mode_label(name: &str, partitions: bool) -> String {
    let kind = if partitions {
        "partition"
    } else {
        "zone outage"
    };
    let words = name.replace(['-', '_'], " ").to_lowercase();
    if words == kind || (partitions && words == "zone partition") {
        kind.to_string()
    } else {
        format!("{kind} {name}")
    }
}

/// The labels outages are charged to, indexed like
/// [`SliOutcome::lost_by_cause_secs`]; index 0 is [`NO_FAULT`]. Built from
/// the scenario alone.
pub fn cause_labels(scenario: &Scenario) -> Vec<String> {
    Causes::new(scenario).labels
}

/// Index of a cause in the labels of [`cause_labels`]; 0 is [`NO_FAULT`].
type CauseId = usize;

/// Everything outages can be charged to, with its label.
#[derive(Clone)]
struct Causes {
    labels: Vec<String>,
    /// Per machine group and failure mode.
    machine: Vec<Vec<CauseId>>,
    /// Per zone failure mode.
    zone: Vec<CauseId>,
    /// Per failure domain and failure mode.
    domain: Vec<Vec<CauseId>>,
    /// Per workload and pod failure mode.
    pod: Vec<Vec<CauseId>>,
    /// Per chaos step.
    chaos: Vec<CauseId>,
    /// An etcd disaster.
    disaster: CauseId,
    /// The control plane's certificates expired (only when they can).
    certificates: Option<CauseId>,
    /// etcd's NOSPACE alarm (only with a modelled database).
    nospace: Option<CauseId>,
    /// A stalled disk of the etcd leader (only with disk stalls).
    disk_stall: Option<CauseId>,
    /// Per machine group and process failure mode; modes with the same
    /// name (`kube-apiserver crash`) share one cause across groups.
    process: Vec<Vec<CauseId>>,
}

impl Causes {
    fn new(scenario: &Scenario) -> Self {
        let mut labels = vec![NO_FAULT.to_string()];
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
            .map(|m| add(zone_mode_label(&m.name, m.partitions)))
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
        let certificates = scenario
            .control_plane
            .certificates
            .as_ref()
            .filter(|c| c.renewal != CertificateRenewal::Auto)
            .map(|_| add("certificates expired".to_string()));
        let etcd = &scenario.control_plane.etcd;
        let nospace = etcd
            .database
            .as_ref()
            .map(|_| add("etcd database full (NOSPACE)".to_string()));
        let disk_stall = etcd
            .disk_stalls
            .as_ref()
            .map(|_| add("etcd leader disk stall".to_string()));
        let mut process_labels: Vec<(String, CauseId)> = Vec::new();
        let process = scenario
            .groups
            .iter()
            .map(|g| {
                g.process_failures
                    .iter()
                    .map(
                        |m| match process_labels.iter().find(|(l, _)| *l == m.name) {
                            Some(&(_, cause)) => cause,
                            None => {
                                let cause = add(m.name.clone());
                                process_labels.push((m.name.clone(), cause));
                                cause
                            }
                        },
                    )
                    .collect()
            })
            .collect();
        Causes {
            labels,
            machine,
            zone,
            domain,
            pod,
            chaos,
            disaster,
            certificates,
            nospace,
            disk_stall,
            process,
        }
    }
}

/// The initiating fault outages that start now are charged to, and the
/// fault recoveries of the current event.
#[derive(Clone)]
pub(super) struct Attribution {
    /// Shared by the branches of a split replication: copies clone it often.
    causes: Arc<Causes>,
    current: CauseId,
    recovered: Vec<CauseId>,
}

impl Attribution {
    /// Nothing to blame yet.
    pub fn new(scenario: &Scenario) -> Self {
        Attribution {
            causes: Arc::new(Causes::new(scenario)),
            current: 0,
            recovered: Vec::new(),
        }
    }

    /// The fault recoveries since the last call.
    pub fn take_recoveries(&mut self) -> Vec<CauseId> {
        std::mem::take(&mut self.recovered)
    }

    fn recover(&mut self, cause: CauseId) {
        if !self.recovered.contains(&cause) {
            self.recovered.push(cause);
        }
    }

    /// A machine of scenario group `group` that failed in `mode` is back.
    pub fn machine_recovered(&mut self, group: usize, mode: ModeId) {
        self.recover(self.causes.machine[group][mode.index()]);
    }

    /// A process of a machine of group `group` that failed in process
    /// failure mode `mode` serves again.
    pub fn process_recovered(&mut self, group: usize, mode: ModeId) {
        self.recover(self.causes.process[group][mode.index()]);
    }

    /// A process of a machine of group `group` failed in process failure
    /// mode `mode`.
    pub fn process_failure(&mut self, group: usize, mode: ModeId) {
        self.current = self.causes.process[group][mode.index()];
    }

    /// A zone that failed in zone failure mode `mode` is back.
    pub fn zone_recovered(&mut self, mode: ModeId) {
        self.recover(self.causes.zone[mode.index()]);
    }

    /// A shared failure domain that failed in `mode` is back.
    pub fn domain_recovered(&mut self, domain: DomainId, mode: ModeId) {
        self.recover(self.causes.domain[domain.index()][mode.index()]);
    }

    /// A chaos step let go of what it held.
    pub fn chaos_released(&mut self, step: StepId) {
        self.recover(self.causes.chaos[step.index()]);
    }

    /// etcd was restored (or rebuilt) after a disaster.
    pub fn disaster_recovered(&mut self) {
        self.recover(self.causes.disaster);
    }

    /// The expired certificates were renewed.
    pub fn certificates_renewed(&mut self) {
        if let Some(cause) = self.causes.certificates {
            self.recover(cause);
        }
    }

    /// etcd's NOSPACE alarm was disarmed.
    pub fn space_reclaimed(&mut self) {
        if let Some(cause) = self.causes.nospace {
            self.recover(cause);
        }
    }

    /// etcd raised the NOSPACE alarm.
    pub fn out_of_space(&mut self) {
        if let Some(cause) = self.causes.nospace {
            self.current = cause;
        }
    }

    /// A stalled etcd disk keeps up again.
    pub fn disk_recovered(&mut self) {
        if let Some(cause) = self.causes.disk_stall {
            self.recover(cause);
        }
    }

    /// The etcd leader's disk stalled.
    pub fn leader_disk_stalled(&mut self) {
        if let Some(cause) = self.causes.disk_stall {
            self.current = cause;
        }
    }

    /// The control plane's certificates expired.
    pub fn certificates_expired(&mut self) {
        if let Some(cause) = self.causes.certificates {
            self.current = cause;
        }
    }

    /// The current cause's label.
    pub fn label(&self) -> &str {
        &self.causes.labels[self.current]
    }

    /// A machine of scenario group `group` failed in `mode`.
    pub fn machine_failure(&mut self, group: usize, mode: ModeId) {
        self.current = self.causes.machine[group][mode.index()];
    }

    /// A zone failed (or was cut off) in zone failure mode `mode`.
    pub fn zone_failure(&mut self, mode: ModeId) {
        self.current = self.causes.zone[mode.index()];
    }

    /// A shared failure domain failed in `mode`.
    pub fn domain_failure(&mut self, domain: DomainId, mode: ModeId) {
        self.current = self.causes.domain[domain.index()][mode.index()];
    }

    /// A pod of `workload` failed in `mode`.
    pub fn pod_failure(&mut self, workload: WorkloadId, mode: ModeId) {
        self.current = self.causes.pod[workload.index()][mode.index()];
    }

    /// A chaos step struck (or took its next machine).
    pub fn chaos_step(&mut self, step: StepId) {
        self.current = self.causes.chaos[step.index()];
    }

    /// etcd lost a majority of its disks.
    pub fn etcd_disaster(&mut self) {
        self.current = self.causes.disaster;
    }
}

/// One replication's results, as plain data.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplicationOutcome {
    /// One entry per SLI, in the order of [`sli_names`].
    pub slis: Vec<SliOutcome>,
    /// Write time lost (seconds) in each etcd disaster inside the measured
    /// window (a majority of members lost their disks).
    pub data_losses_secs: Vec<f64>,
    /// The weight of each disaster in `data_losses_secs`; empty when every
    /// weight is 1 (an unsplit replication).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_loss_weights: Vec<f64>,
    /// Load and autoscaling per workload, in workload order.
    #[serde(default)]
    pub scaling: Vec<ScalingOutcome>,
    /// Worker nodes over time (cost).
    #[serde(default)]
    pub nodes: NodeOutcome,
    /// Events handled.
    pub events: u64,
    /// Demand, service, replicas and nodes sampled on a grid, when asked
    /// for (`--timeseries`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeseries: Vec<TimeseriesRow>,
    /// The event timeline, when tracing was asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceEntry>,
}

/// The SLIs' names and their recorders, in outcome order.
#[derive(Clone)]
pub(super) struct Slis {
    /// Shared by the branches of a split replication: copies clone it often.
    names: Arc<[String]>,
    recorders: Vec<Recorder>,
    /// The values of the event being recorded (kept to reuse its memory).
    values: Vec<f64>,
}

impl Slis {
    /// The SLIs of `scenario`, recorded from its warm-up on.
    pub fn new(scenario: &Scenario) -> Self {
        let names: Arc<[String]> = sli_names(scenario).into();
        let recorders = names
            .iter()
            .map(|_| Recorder::new(scenario.warmup, scenario.min_outage))
            .collect();
        Slis {
            values: Vec::with_capacity(names.len()),
            names,
            recorders,
        }
    }

    /// Every recorder's weight from `now` on.
    pub fn set_weight(&mut self, now: SimTime, weight: f64) {
        for r in &mut self.recorders {
            r.set_weight(now, weight);
        }
    }

    /// The recorders of a copy going on from `now`: nothing settled yet.
    pub fn fork(&mut self, now: SimTime) {
        for r in &mut self.recorders {
            *r = r.fork(now);
        }
    }

    /// Every SLI's outcome when the branch is abandoned at `now`.
    pub fn abandon(self, now: SimTime, horizon: SimTime) -> Vec<SliOutcome> {
        self.recorders
            .into_iter()
            .map(|r| r.abandon(now, horizon))
            .collect()
    }

    /// Every SLI's outcome at `horizon`.
    pub fn finish(self, horizon: SimTime) -> Vec<SliOutcome> {
        self.recorders
            .into_iter()
            .map(|r| r.finish(horizon))
            .collect()
    }
}

impl ClusterModel<'_> {
    /// Judges every SLI after an event and records the changes, charged to
    /// the current cause.
    pub(super) fn record(&mut self, ctx: &mut Ctx<'_, super::ClusterEvent>) {
        let now = ctx.now();
        self.scaling.sample_until(now, false);
        let net = Net::new(&self.network.up, &self.network.side);
        let (api_write, api_read) = self
            .control_plane
            .success_shares(&net, self.network.client_side);
        let control_plane = ControlPlaneState {
            api_write,
            api_read,
            etcd_quorum: self
                .control_plane
                .etcd
                .has_quorum(&Net::new(&self.network.etcd_up, &self.network.side)),
            etcd_writable: self.control_plane.etcd.writable(),
            controllers: self.control_plane.controllers_lead(),
            scheduler: self.control_plane.scheduler_leads(),
        };
        let mut values = std::mem::take(&mut self.slis.values);
        values.clear();
        values.extend(
            CONTROL_PLANE_SLIS
                .iter()
                .map(|row| (row.judge)(&control_plane)),
        );
        for w in (0..self.data.workload_count()).map(WorkloadId::new) {
            let (serving, listed) = self.data.serving(w, &self.network.up);
            let (min_ready, replicas) = self.data.rule(w);
            let pending = self.data.pending(w);
            let capacity_met = self.scaling.observe(w, serving, replicas, pending, ctx);
            let state = WorkloadState {
                serving,
                listed,
                min_ready,
                replicas,
                pending,
                capacity_met,
            };
            values.extend(
                WORKLOAD_SLIS
                    .iter()
                    .filter(|row| !row.needs_load || capacity_met.is_some())
                    .map(|row| (row.judge)(&state)),
            );
        }
        self.scaling.observe_nodes(now);
        for cause in self.attribution.take_recoveries() {
            for recorder in &mut self.slis.recorders {
                recorder.note_recovery(now, cause);
            }
        }
        for (s, &value) in values.iter().enumerate() {
            let before = self.slis.recorders[s].value();
            if before != value {
                let cause = self.attribution.current;
                self.slis.recorders[s].set_caused(now, value, cause);
                self.note(now, "sli", |model| {
                    format!("{} {before:.3} -> {value:.3}", model.slis.names[s])
                });
            }
        }
        self.slis.values = values;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str, text: &str) -> Scenario {
        Scenario::parse(text, name, name).expect("a shipped scenario parses")
    }

    #[test]
    fn sli_names_come_from_the_table_control_plane_first() {
        let scenario = shipped(
            "hpa-diurnal",
            include_str!("../../scenarios/hpa-diurnal.yaml"),
        );
        assert_eq!(
            sli_names(&scenario),
            [
                "api.write",
                "api.read",
                "etcd.quorum",
                "etcd.leader",
                "controllers",
                "scheduling",
                "workload.web.ready",
                "workload.web.requests",
                "workload.web.full",
                "workload.web.scheduled",
                "workload.web.capacity",
            ]
        );
    }

    #[test]
    fn zone_labels_do_not_repeat_their_kind() {
        assert_eq!(zone_mode_label("zone-outage", false), "zone outage");
        assert_eq!(zone_mode_label("power", false), "zone outage power");
        assert_eq!(zone_mode_label("partition", true), "partition");
        assert_eq!(
            zone_mode_label("inter-zone-link", true),
            "partition inter-zone-link"
        );
    }

    #[test]
    fn cause_labels_need_only_the_scenario() {
        let scenario = shipped(
            "chaos-leader-kill",
            include_str!("../../scenarios/chaos-leader-kill.yaml"),
        );
        assert_eq!(
            cause_labels(&scenario),
            [
                NO_FAULT,
                "machine cp/crash",
                "machine cp/hardware",
                "chaos kill-etcd-leader",
                "planned monthly-upgrade",
                "etcd disaster (majority of disks lost)",
            ]
        );
    }

    #[test]
    fn the_capacity_sli_is_up_only_when_the_load_is_served() {
        let state = |capacity_met| WorkloadState {
            serving: 3,
            listed: 4,
            min_ready: 2,
            replicas: 4,
            pending: 1,
            capacity_met,
        };
        let judged = |s: &WorkloadState| WORKLOAD_SLIS.map(|row| (row.judge)(s));
        assert_eq!(judged(&state(Some(true))), [1.0, 0.75, 0.0, 0.75, 1.0]);
        assert_eq!(judged(&state(Some(false)))[4], 0.0);
    }
}
