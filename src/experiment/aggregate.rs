//! Running sums → estimates with confidence intervals.
//!
//! Every replication (a root replication with all its branches, when it was
//! split) contributes one independent value per figure, so each interval
//! comes from the estimator actually used (documented for users in the
//! report):
//! - unavailability (and availability, downtime per year): the mean of
//!   per-replication unavailabilities, Student t. When no request failed in
//!   any replication, nothing is estimated: the report says so, with the
//!   simulated time and an upper bound on the outage rate;
//!   `unavailability_upper` is then the one-sided bound on the chance that
//!   a replication loses anything, which bounds the unavailability too
//!   (used by `check`, never shown as an availability);
//! - outages per year: mean of per-replication rates, Student t; with no
//!   outage at all, the Poisson upper bound from the total simulated time;
//! - MTTR, MTBF, mean up time: ratio estimators over all replications
//!   (total outage time / outages, …), delta-method standard error;
//! - time to failure, from the end of the warmup: the restricted mean
//!   `E[min(T, window)]` (mean of per-replication values, Student t), which
//!   assumes nothing about the lifetime distribution. When every
//!   replication failed it is the MTTF itself; otherwise the MTTF is at
//!   least that, and the report says so rather than extrapolating;
//! - outage durations: a weighted log-scale histogram (quantiles within
//!   about 6 %; mean and max exact);
//! - scaling (workloads with a `load`, worker nodes): see
//!   [`WorkloadScalingSummary`] and [`summarize_scaling`].

use super::sums::{SliSums, Sums, YEAR_SECS};
use crate::model::{cause_labels, sli_names};
use crate::scenario::Scenario;
use crate::stats::{DurationHistogram, Estimate, Moments, poisson_rate_upper, zero_failure_upper};

/// One SLI over all replications.
#[derive(Clone, Debug)]
pub struct SliSummary {
    /// SLI name, e.g. `api.write`.
    pub name: String,
    /// Availability (fraction): one minus the unavailability estimate.
    pub availability: Estimate,
    /// Unavailability (fraction), the estimated figure.
    pub unavailability: Estimate,
    /// When no request failed in any replication: a one-sided upper bound
    /// on unavailability (the chance that a replication loses anything at
    /// all), at the confidence level.
    pub unavailability_upper: Option<f64>,
    /// Downtime per year, seconds (request-weighted: (1 - A) x year).
    pub downtime_per_year: Estimate,
    /// Counted outages in all replications (weighted when split).
    pub outages: f64,
    /// Outages per year.
    pub outages_per_year: Estimate,
    /// With no outage at all: upper bound on outages per year.
    pub outages_per_year_upper: Option<f64>,
    /// Simulated years in the measured windows of all replications.
    pub observed_years: f64,
    /// Mean time to first failure from the end of the warmup, seconds,
    /// when every replication failed (no censoring).
    pub mttf: Option<Estimate>,
    /// Restricted mean time to first failure, `E[min(T, window)]`,
    /// seconds: the MTTF when nothing was censored, a lower bound on it
    /// otherwise.
    pub mttf_restricted: Option<Estimate>,
    /// Share of replications whose window ended before their first outage.
    pub mttf_censored_share: f64,
    /// Mean time between outage starts, seconds.
    pub mtbf: Option<Estimate>,
    /// Mean up time between outages, seconds.
    pub mean_up_time: Option<Estimate>,
    /// Mean outage duration, seconds.
    pub mttr: Option<Estimate>,
    /// Outage durations, weighted.
    pub outage_durations: DurationHistogram,
    /// Lost time by the cause it was charged to, largest first (causes
    /// with none are left out).
    pub downtime_by_cause: Vec<CauseShare>,
}

/// The part of an SLI's lost time charged to one cause.
#[derive(Clone, Debug, PartialEq)]
pub struct CauseShare {
    /// The cause, e.g. `machine cp/crash`, `chaos kill-leader`.
    pub cause: String,
    /// Share of the SLI's lost time (0-1).
    pub share: f64,
    /// Request-weighted downtime per year from this cause, seconds.
    pub downtime_per_year_secs: f64,
}

impl SliSummary {
    /// Relative half-width of the unavailability interval (and so of the
    /// downtime per year); infinite when nothing failed: more replications
    /// would be needed for any estimate.
    pub fn unavailability_relative_half_width(&self) -> f64 {
        let u = &self.unavailability;
        if u.point <= 0.0 {
            return f64::INFINITY;
        }
        (u.ci.upper - u.ci.lower) / 2.0 / u.point
    }

    /// Nines, -log10(1 - A), with its interval (the upper bound is infinite
    /// when the interval reaches A = 1). With no failure at all, the lower
    /// end comes from `unavailability_upper`.
    pub fn nines(&self) -> Estimate {
        let nines = |a: f64| -(1.0 - a).max(0.0).log10();
        match self.unavailability_upper {
            Some(upper) => {
                let mut e = self.availability.map_monotone(nines, true);
                e.point = nines(1.0 - upper);
                e.ci.lower = e.point;
                e
            }
            None => self.availability.map_monotone(nines, true),
        }
    }
}

/// etcd disasters (majority of disks lost) over all replications.
#[derive(Clone, Debug)]
pub struct DataLossSummary {
    /// Disasters in all replications (weighted when split).
    pub events: f64,
    /// Disasters per year.
    pub events_per_year: Estimate,
    /// With none seen: upper bound on disasters per year.
    pub events_per_year_upper: Option<f64>,
    /// Minutes of writes lost per year.
    pub lost_write_minutes_per_year: Estimate,
    /// Mean minutes of writes lost per disaster.
    pub mean_lost_minutes: Option<f64>,
}

/// The estimate of a mean from its sums; a run has at least one
/// replication, so there is always one.
fn mean(m: &Moments, level: f64) -> Estimate {
    m.estimate(level).unwrap_or(Estimate {
        point: f64::NAN,
        std_error: f64::NAN,
        ci: crate::stats::ConfidenceInterval {
            level,
            lower: f64::NAN,
            upper: f64::NAN,
        },
    })
}

/// Per-SLI summaries and data loss from the sums of a run.
pub fn summarize(
    scenario: &Scenario,
    sums: &Sums,
    level: f64,
) -> (Vec<SliSummary>, DataLossSummary) {
    let causes = cause_labels(scenario);
    let slis = sli_names(scenario)
        .iter()
        .zip(&sums.slis)
        .map(|(name, s)| summarize_sli(name, s, sums.replications, level, &causes))
        .collect();
    let window_years = scenario
        .horizon
        .saturating_sub(scenario.warmup)
        .as_secs_f64()
        / YEAR_SECS;
    let d = &sums.data_loss;
    let events = d.events.value();
    let data_loss = DataLossSummary {
        events,
        events_per_year: mean(&d.per_year, level).clamped(0.0, f64::INFINITY),
        events_per_year_upper: (events == 0.0)
            .then(|| poisson_rate_upper(0, window_years * sums.replications as f64, level)),
        lost_write_minutes_per_year: mean(&d.lost_minutes_per_year, level)
            .clamped(0.0, f64::INFINITY),
        mean_lost_minutes: (events > 0.0).then(|| d.lost_secs.value() / 60.0 / events),
    };
    (slis, data_loss)
}

fn summarize_sli(name: &str, s: &SliSums, n: u64, level: f64, causes: &[String]) -> SliSummary {
    let lost_by_cause: Vec<f64> = s.lost_by_cause.iter().map(|l| l.value()).collect();
    let total_lost: f64 = lost_by_cause.iter().sum();
    let total_time = s.observed.value();
    let mut downtime_by_cause: Vec<CauseShare> = lost_by_cause
        .iter()
        .enumerate()
        .filter(|(_, lost)| **lost > 0.0)
        .map(|(c, lost)| CauseShare {
            cause: causes
                .get(c)
                .cloned()
                .unwrap_or_else(|| format!("cause #{c}")),
            share: lost / total_lost,
            downtime_per_year_secs: lost / total_time * YEAR_SECS,
        })
        .collect();
    downtime_by_cause.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.cause.cmp(&b.cause)));

    let unavailability = mean(&s.unavailability, level).clamped(0.0, 1.0);
    let availability = unavailability.map_monotone(|u| 1.0 - u, false);
    let availability = crate::stats::Estimate {
        std_error: unavailability.std_error,
        ..availability
    };
    let outages = s.outages();
    let observed_years = total_time / YEAR_SECS;
    let failed = mean(&s.failed, level);
    let censored_share = (1.0 - failed.point).clamp(0.0, 1.0);
    let restricted = s.up_before_first_failure.estimate(level);
    SliSummary {
        name: name.to_string(),
        downtime_per_year: unavailability.map_monotone(|u| u * YEAR_SECS, true),
        availability,
        unavailability,
        unavailability_upper: (!s.lost_any).then(|| zero_failure_upper(n, level)),
        outages,
        outages_per_year: mean(&s.outage_rate, level).clamped(0.0, f64::INFINITY),
        outages_per_year_upper: (outages == 0.0)
            .then(|| poisson_rate_upper(0, observed_years, level)),
        observed_years,
        mttf: restricted.filter(|_| censored_share == 0.0),
        mttf_restricted: restricted,
        mttf_censored_share: censored_share,
        mtbf: s.mtbf.estimate(level),
        mean_up_time: s.up_time.estimate(level),
        mttr: s.mttr.estimate(level),
        outage_durations: s.durations.clone(),
        downtime_by_cause,
    }
}

/// Load and autoscaling of one workload with a `load`, over all
/// replications.
///
/// Estimators: the served fraction and the mean replicas are ratio
/// estimators over replications (Σ served / Σ offered, Σ replica·seconds /
/// Σ observed time), like MTTR; rates (per year, per day) are means of
/// per-replication rates, Student t; the mean spike absorb time is the
/// ratio Σ absorb time / Σ spikes; its quantiles come from the weighted
/// histogram of every spike.
#[derive(Clone, Debug)]
pub struct WorkloadScalingSummary {
    /// Workload name.
    pub name: String,
    /// Requests offered in all replications' measured windows.
    pub offered_requests: f64,
    /// Requests served in all replications' measured windows.
    pub served_requests: f64,
    /// Share of all offered requests that were served (none when nothing
    /// was offered).
    pub served_fraction: Option<Estimate>,
    /// Requests offered but not served, per year.
    pub unserved_per_year: Estimate,
    /// Mean desired replicas over time.
    pub mean_replicas: Option<Estimate>,
    /// Mean ready replicas over time.
    pub mean_ready_replicas: Option<Estimate>,
    /// Mean over replications of each replication's most replicas.
    pub mean_max_replicas: Estimate,
    /// Most replicas in any replication.
    pub max_replicas: u32,
    /// Fewest replicas in any replication.
    pub min_replicas: u32,
    /// Pod-hours spent pending (waiting for a node) per year.
    pub pending_pod_hours_per_year: Estimate,
    /// Scale-up decisions in all replications.
    pub scale_ups: u64,
    /// Scale-down decisions in all replications.
    pub scale_downs: u64,
    /// Direction changes within the flapping window, in all replications.
    pub flaps: u64,
    /// Scale-ups per day.
    pub scale_ups_per_day: Estimate,
    /// Scale-downs per day.
    pub scale_downs_per_day: Estimate,
    /// Flaps per day.
    pub flaps_per_day: Estimate,
    /// Load spikes in all replications.
    pub spikes: u64,
    /// Mean seconds until a spike was absorbed (none without spikes).
    pub mean_spike_absorb: Option<Estimate>,
    /// Absorb times of all spikes.
    pub spike_absorb: DurationHistogram,
}

impl WorkloadScalingSummary {
    /// Nines of the served fraction, -log10(1 - served), with its interval.
    pub fn served_nines(&self) -> Option<Estimate> {
        self.served_fraction
            .map(|e| e.map_monotone(|a| -(1.0 - a).max(0.0).log10(), true))
    }
}

/// Worker nodes over all replications: the cost side of autoscaling.
#[derive(Clone, Debug)]
pub struct NodeSummary {
    /// Node-hours per year.
    pub node_hours_per_year: Estimate,
    /// Mean worker nodes over time.
    pub mean_nodes: Option<Estimate>,
    /// Mean over replications of each replication's most nodes.
    pub mean_max_nodes: Estimate,
    /// Most worker nodes in any replication.
    pub max_nodes: u32,
    /// Nodes added in all replications.
    pub nodes_added: u64,
    /// Nodes removed in all replications.
    pub nodes_removed: u64,
    /// Failed provisions in all replications.
    pub failed_provisions: u64,
    /// Nodes added per day.
    pub nodes_added_per_day: Estimate,
    /// Nodes removed per day.
    pub nodes_removed_per_day: Estimate,
    /// Failed provisions per year.
    pub failed_provisions_per_year: Estimate,
}

/// Load, autoscaling and node cost over all replications.
#[derive(Clone, Debug)]
pub struct ScalingSummary {
    /// One entry per workload with a `load`, in scenario order.
    pub workloads: Vec<WorkloadScalingSummary>,
    /// Worker nodes.
    pub nodes: NodeSummary,
}

/// Load, autoscaling and node cost from the sums of a run.
///
/// `None` when there is nothing to show: no workload has a `load` and no
/// node was added, removed or failed to provision in any replication.
/// Every rate or count here counts something, so its interval stops at
/// zero.
pub fn summarize_scaling(scenario: &Scenario, sums: &Sums, level: f64) -> Option<ScalingSummary> {
    let loaded: Vec<&str> = scenario
        .workloads
        .iter()
        .filter(|w| w.load.is_some())
        .map(|w| w.name.as_str())
        .collect();
    if (loaded.is_empty() && !sums.nodes_changed) || sums.replications == 0 {
        return None;
    }
    let rate = |m: &Moments| mean(m, level).clamped(0.0, f64::INFINITY);
    let workloads = loaded
        .iter()
        .zip(&sums.workloads)
        .map(|(name, w)| {
            let spikes = w.absorb.denominator() as u64;
            WorkloadScalingSummary {
                name: name.to_string(),
                offered_requests: w.offered.value(),
                served_requests: w.served.value(),
                served_fraction: w.unserved_share.estimate(level).map(|u| {
                    let u = u.clamped(0.0, 1.0);
                    Estimate {
                        std_error: u.std_error,
                        ..u.map_monotone(|x| 1.0 - x, false)
                    }
                }),
                unserved_per_year: rate(&w.unserved_per_year),
                mean_replicas: w.replicas.estimate(level),
                mean_ready_replicas: w.ready.estimate(level),
                mean_max_replicas: mean(&w.max_replicas_mean, level),
                max_replicas: w.max_replicas,
                min_replicas: w.min_replicas.unwrap_or(0),
                pending_pod_hours_per_year: rate(&w.pending_pod_hours_per_year),
                scale_ups: w.scale_ups,
                scale_downs: w.scale_downs,
                flaps: w.flaps,
                scale_ups_per_day: rate(&w.scale_ups_per_day),
                scale_downs_per_day: rate(&w.scale_downs_per_day),
                flaps_per_day: rate(&w.flaps_per_day),
                spikes,
                mean_spike_absorb: w.absorb.estimate(level),
                spike_absorb: w.absorb_times.clone(),
            }
        })
        .collect();
    let n = &sums.nodes;
    let nodes = NodeSummary {
        node_hours_per_year: rate(&n.node_hours_per_year),
        mean_nodes: n.nodes.estimate(level),
        mean_max_nodes: mean(&n.max_nodes_mean, level),
        max_nodes: n.max_nodes,
        nodes_added: n.nodes_added,
        nodes_removed: n.nodes_removed,
        failed_provisions: n.failed_provisions,
        nodes_added_per_day: rate(&n.nodes_added_per_day),
        nodes_removed_per_day: rate(&n.nodes_removed_per_day),
        failed_provisions_per_year: rate(&n.failed_provisions_per_year),
    };
    Some(ScalingSummary { workloads, nodes })
}
