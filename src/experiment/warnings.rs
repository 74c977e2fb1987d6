//! Failure modes a run may never see, from the scenario's rates alone.
//!
//! For a highly available cluster the downtime comes from rare events: a
//! mode that strikes once in a few hundred machine-years, or two disks
//! lost within one repair window. A run that never draws one reports a
//! tight interval that does not contain it. These warnings are computed
//! before (and independently of) the simulation: for every failure
//! source, the expected number of occurrences within the run's simulated
//! time,
//!
//! ```text
//! expected = replications × window × units / mean time to failure
//! ```
//!
//! where `window` is the measured part of a replication, `units` the
//! machines of a group (the initial ones when autoscaled), the zones for
//! a zone failure mode, 1 for a failure domain and the desired replicas
//! for a pod failure mode, and the mean is the distribution's. (Each
//! clock restarts after a repair, so the count is slightly less; for
//! repairs much shorter than the time to failure the difference is
//! negligible.) A source expected fewer than [`FEW`] times is reported:
//! with 3 expected, a Poisson count is zero with probability e⁻³ ≈ 5 %,
//! so below that a 95 % report may well never have seen it. The warning
//! gives the replications that would make [`FEW`] expected.
//!
//! # etcd disasters
//!
//! An etcd disaster (a majority of members without their data, restored
//! from a snapshot if there is one) needs `q = members / 2 + 1` members to
//! lose their disks within each other's repair windows. Each member is
//! taken as an independent alternating process: it loses its disk at rate
//! `λᵢ` (the sum of `1 / mean time to failure` over its machine's modes
//! with `loses_disk`) and is then without data for `Dᵢ`, the mean repair
//! time of those modes (plus the alert delay and the mean on-call
//! response for manual repairs) plus `member_sync`. In steady state a
//! member is without data with probability `pᵢ = λᵢDᵢ / (1 + λᵢDᵢ)`, and
//! disasters start at the rate of entering `q` members without data from
//! `q − 1`:
//!
//! ```text
//! rate = Σ over sets S of q − 1 members  Πᵢ∈S pᵢ · Πⱼ∉S (1 − pⱼ) · Σⱼ∉S λⱼ
//! ```
//!
//! (`6λ²D` for three identical members when `λD` is small). A common-cause
//! mode that loses the disks of at least `q` members at once adds its own
//! rate. The estimate is rough: it ignores queues for repair crews,
//! members whose re-sync waits for a quorum, and zones.

use super::budget::work;
use crate::scenario::{FailureMode, Role, Scenario, Topology};

/// Fewer expected occurrences than this and a source may go unseen: a
/// Poisson count with mean 3 is zero with probability e⁻³ ≈ 5 %.
pub const FEW: f64 = 3.0;

/// Seconds in a 365-day year.
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// A source of failures and how often it strikes.
#[derive(Clone, Debug, PartialEq)]
pub enum Exposure {
    /// A failure mode of machines, zones, a failure domain or pods.
    FailureMode {
        /// Its label, as downtime is charged to it: `machine cp/crash`,
        /// `zone outage power`, `partition net`, `domain rack-1/power`,
        /// `pod web/crash`.
        source: String,
        /// What its clocks belong to: `machine`, `zone`, `domain`, `pod`.
        unit: &'static str,
        /// How many clocks run (machines, zones, pods).
        units: usize,
        /// Mean time to failure of one clock, seconds.
        mean_time_to_failure_secs: f64,
    },
    /// A majority of etcd members losing their data at once.
    EtcdDisaster {
        /// etcd members.
        members: usize,
        /// Members that must lose their data together.
        quorum: usize,
        /// Mean time between disk losses of one member, seconds (members
        /// averaged).
        disk_loss_mttf_secs: f64,
        /// Mean time a member stays without data after losing its disk,
        /// seconds (weighted by how often each member loses it).
        without_data_secs: f64,
    },
}

impl Exposure {
    /// The label of the source: its cause label, or `etcd disaster`.
    pub fn source(&self) -> &str {
        match self {
            Exposure::FailureMode { source, .. } => source,
            Exposure::EtcdDisaster { .. } => "etcd disaster",
        }
    }
}

/// A source a run may not have seen.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// The source and its rates.
    pub exposure: Exposure,
    /// Expected occurrences per simulated year of one replication.
    pub per_year: f64,
    /// Expected occurrences within the run.
    pub expected: f64,
    /// Simulated years in the run (measured windows).
    pub replication_years: f64,
    /// Replications in which [`FEW`] occurrences are expected.
    pub replications_needed: u64,
    /// What those replications would cost, in budget events, at this
    /// run's cost per replication (see [`super::budget`]).
    pub events_needed: u64,
}

/// Every failure source of `scenario` with its expected occurrences per
/// year of one replication's window.
pub fn exposures(scenario: &Scenario) -> Vec<(Exposure, f64)> {
    let mut out = Vec::new();
    let mut mode = |source: String, unit: &'static str, units: usize, m: &FailureMode| {
        let mean = m.time_to_failure.mean_secs();
        if units > 0 && mean.is_finite() && mean > 0.0 {
            let per_year = units as f64 * YEAR_SECS / mean;
            out.push((
                Exposure::FailureMode {
                    source,
                    unit,
                    units,
                    mean_time_to_failure_secs: mean,
                },
                per_year,
            ));
        }
    };
    for g in &scenario.groups {
        let machines = g.autoscaling.map_or(g.zones.len(), |a| a.initial);
        for m in &g.failures {
            mode(
                format!("machine {}/{}", g.name, m.name),
                "machine",
                machines,
                m,
            );
        }
    }
    for m in &scenario.zone_failures {
        mode(
            crate::model::zone_mode_label(&m.name, m.partitions),
            "zone",
            scenario.zones.len(),
            m,
        );
    }
    for d in &scenario.failure_domains {
        for m in &d.failures {
            mode(format!("domain {}/{}", d.name, m.name), "domain", 1, m);
        }
    }
    for w in &scenario.workloads {
        for f in &w.pod_failures {
            let mean = f.time_to_failure.mean_secs();
            if w.replicas > 0 && mean.is_finite() && mean > 0.0 {
                out.push((
                    Exposure::FailureMode {
                        source: format!("pod {}/{}", w.name, f.name),
                        unit: "pod",
                        units: w.replicas,
                        mean_time_to_failure_secs: mean,
                    },
                    w.replicas as f64 * YEAR_SECS / mean,
                ));
            }
        }
    }
    out.extend(etcd_disaster(scenario));
    out
}

/// One etcd member: its disk-loss rate (per second) and mean time without
/// data after a loss (seconds).
#[derive(Clone, Copy, Debug)]
struct Member {
    rate: f64,
    without_data: f64,
}

/// The estimated etcd disaster rate (see the module docs), if any mode
/// can lose an etcd member's disk.
fn etcd_disaster(scenario: &Scenario) -> Option<(Exposure, f64)> {
    let hosts = match scenario.control_plane.topology {
        Topology::Single | Topology::Stacked => Role::ControlPlane,
        Topology::External | Topology::ActiveStandby { .. } => Role::Etcd,
    };
    let sync = scenario.control_plane.etcd.member_sync.as_secs_f64();
    let manual_delay = scenario.people.as_ref().map_or(0.0, |p| {
        p.alert_delay.as_secs_f64() + p.response.mean_secs()
    });
    let members_total = scenario.control_plane.etcd.members;
    let quorum = members_total / 2 + 1;
    let mut members = Vec::new();
    let mut common_cause = 0.0;
    for g in scenario.groups.iter().filter(|g| g.role == hosts) {
        let mut rate = 0.0;
        let mut weighted = 0.0;
        for m in g.failures.iter().filter(|m| m.loses_disk) {
            let mean = m.time_to_failure.mean_secs();
            if !(mean.is_finite() && mean > 0.0) {
                continue;
            }
            let r = 1.0 / mean;
            let manual = if m.manual_repair { manual_delay } else { 0.0 };
            rate += r;
            weighted += r * (m.time_to_repair.mean_secs() + manual + sync);
            if let Some(c) = m.common_cause
                && c.size.min(g.zones.len()) >= quorum
            {
                common_cause += g.zones.len() as f64 * r * c.fraction;
            }
        }
        let without_data = if rate > 0.0 { weighted / rate } else { 0.0 };
        members.extend(g.zones.iter().map(|_| Member { rate, without_data }));
    }
    members.truncate(members_total);
    let total_rate: f64 = members.iter().map(|m| m.rate).sum();
    if members.is_empty() || total_rate <= 0.0 || members.len() > 20 {
        return None;
    }
    let per_sec = entering_rate(&members, quorum) + common_cause;
    let exposure = Exposure::EtcdDisaster {
        members: members.len(),
        quorum,
        disk_loss_mttf_secs: members.len() as f64 / total_rate,
        without_data_secs: members.iter().map(|m| m.rate * m.without_data).sum::<f64>()
            / total_rate,
    };
    Some((exposure, per_sec * YEAR_SECS))
}

/// Rate of entering a state with `quorum` members without data from one
/// with `quorum - 1`, members independent and in steady state.
fn entering_rate(members: &[Member], quorum: usize) -> f64 {
    let n = members.len();
    let down: Vec<f64> = members
        .iter()
        .map(|m| {
            let x = m.rate * m.without_data;
            x / (1.0 + x)
        })
        .collect();
    let mut rate = 0.0;
    for set in 0u32..(1 << n) {
        if set.count_ones() as usize != quorum - 1 {
            continue;
        }
        let mut p = 1.0;
        let mut next = 0.0;
        for (i, m) in members.iter().enumerate() {
            if set & (1 << i) != 0 {
                p *= down[i];
            } else {
                p *= 1.0 - down[i];
                next += m.rate;
            }
        }
        rate += p * next;
    }
    rate
}

/// The sources of `scenario` expected fewer than [`FEW`] times in a run of
/// `replications` that simulated `events` events.
pub fn warnings(scenario: &Scenario, replications: u64, events: u64) -> Vec<Warning> {
    let window_years = scenario
        .horizon
        .saturating_sub(scenario.warmup)
        .as_secs_f64()
        / YEAR_SECS;
    let replication_years = replications as f64 * window_years;
    let per_replication = work(replications, events) as f64 / replications.max(1) as f64;
    exposures(scenario)
        .into_iter()
        .filter(|(_, per_year)| *per_year > 0.0 && window_years > 0.0)
        .filter_map(|(exposure, per_year)| {
            let expected = per_year * replication_years;
            (expected < FEW).then(|| {
                let needed = (FEW / (per_year * window_years)).ceil();
                let replications_needed = if needed >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    needed as u64
                };
                let events = (replications_needed as f64 * per_replication).ceil();
                Warning {
                    exposure,
                    per_year,
                    expected,
                    replication_years,
                    replications_needed,
                    events_needed: if events >= u64::MAX as f64 {
                        u64::MAX
                    } else {
                        events as u64
                    },
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_identical_members_give_six_lambda_squared_d() {
        let (rate, without_data) = (1e-8, 3_600.0);
        let members = [Member { rate, without_data }; 3];
        let x = rate * without_data;
        let p = x / (1.0 + x);
        // Three pairs (one member down, one of the other two fails next),
        // the third member up.
        let exact = 3.0 * p * (1.0 - p).powi(2) * 2.0 * rate;
        assert!((entering_rate(&members, 2) - exact).abs() < 1e-30);
        // The textbook 6λ²D drops the factor (1 - p)² / (1 + x) ≈ 1 - 3x.
        let approx = 6.0 * rate * rate * without_data;
        assert!((entering_rate(&members, 2) / approx - 1.0).abs() < 4.0 * x);
        // One member: every disk loss is a disaster while it has data.
        let one = entering_rate(&members[..1], 1);
        assert!((one - rate / (1.0 + x)).abs() < 1e-20);
    }
}
