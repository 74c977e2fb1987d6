//! Per-replication outcomes → estimates with confidence intervals, computed
//! sequentially in replication order.
//!
//! Estimators (documented for users in the report):
//! - availability: mean of per-replication availabilities, Student t;
//!   with no failed request at all, an exact upper bound on unavailability
//!   instead (zero-failure binomial bound over replications);
//! - outages per year: mean of per-replication rates, Student t; with no
//!   outage at all, the Poisson upper bound on the rate;
//! - MTTR, MTBF, mean up time: ratio estimators over all replications
//!   (total outage time / outages, total time / outages, ...), delta-method
//!   standard error;
//! - MTTF (from a healthy start): replications that end before their first
//!   outage are right-censored at the horizon; with no censoring it is the
//!   sample mean, otherwise the exponential total-time-on-test estimator;
//!   with no failure at all, a lower bound;
//! - scaling (workloads with a `load`, worker nodes): see
//!   [`WorkloadScalingSummary`] and [`aggregate_scaling`].

use crate::model::{ReplicationOutcome, cause_labels, sli_names};
use crate::outcome::{NodeOutcome, ScalingOutcome};
use crate::scenario::Scenario;
use crate::stats::{
    Estimate, Summary, censored_exponential_mean, poisson_rate_upper, zero_failure_mean_lower,
    zero_failure_upper,
};

/// Seconds in a 365-day year.
pub const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// One SLI over all replications.
#[derive(Clone, Debug)]
pub struct SliSummary {
    /// SLI name, e.g. `api.write`.
    pub name: String,
    /// Availability (fraction).
    pub availability: Estimate,
    /// When no request failed in any replication: upper bound on
    /// unavailability at the confidence level.
    pub unavailability_upper: Option<f64>,
    /// Downtime per year, seconds (request-weighted: (1 - A) x year).
    pub downtime_per_year: Estimate,
    /// Counted outages in all replications.
    pub outages: u64,
    /// Outages per year.
    pub outages_per_year: Estimate,
    /// With no outage at all: upper bound on outages per year.
    pub outages_per_year_upper: Option<f64>,
    /// Mean time to first failure from a healthy start, seconds.
    pub mttf: Option<Estimate>,
    /// With no failure in any replication: lower bound on MTTF, seconds.
    pub mttf_lower: Option<f64>,
    /// Replications that ended before their first outage.
    pub mttf_censored: u64,
    /// Mean time between outage starts, seconds.
    pub mtbf: Option<Estimate>,
    /// Mean up time between outages, seconds.
    pub mean_up_time: Option<Estimate>,
    /// Mean outage duration, seconds.
    pub mttr: Option<Estimate>,
    /// Outage durations pooled over replications, seconds.
    pub outage_duration: Option<Summary>,
    /// Every counted outage's duration, seconds, ascending.
    pub outage_durations: Vec<f64>,
    /// Lost time by initiating cause, largest first (causes with none are
    /// left out).
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
    /// Relative half-width of the unavailability interval (infinite when
    /// nothing failed: more replications would be needed for any estimate).
    pub fn unavailability_relative_half_width(&self) -> f64 {
        let a = &self.availability;
        let unavailability = 1.0 - a.point;
        if unavailability <= 0.0 {
            return f64::INFINITY;
        }
        (a.ci.upper - a.ci.lower) / 2.0 / unavailability
    }

    /// Nines, -log10(1 - A), with its interval (the upper bound is infinite
    /// when the interval reaches A = 1).
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
    /// Disasters in all replications.
    pub events: u64,
    /// Disasters per year.
    pub events_per_year: Estimate,
    /// With none seen: upper bound on disasters per year.
    pub events_per_year_upper: Option<f64>,
    /// Minutes of writes lost per year.
    pub lost_write_minutes_per_year: Estimate,
    /// Mean minutes of writes lost per disaster.
    pub mean_lost_minutes: Option<f64>,
}

/// Aggregates outcomes (in replication order) into per-SLI summaries.
pub fn aggregate(
    scenario: &Scenario,
    outcomes: &[ReplicationOutcome],
    level: f64,
) -> (Vec<SliSummary>, DataLossSummary) {
    let n = outcomes.len() as u64;
    let causes = cause_labels(scenario);
    let slis = sli_names(scenario)
        .iter()
        .enumerate()
        .map(|(s, name)| summarize(name, outcomes.iter().map(|o| &o.slis[s]), n, level, &causes))
        .collect();
    let observed_years = scenario
        .horizon
        .saturating_sub(scenario.warmup)
        .as_secs_f64()
        / YEAR_SECS;
    let per_year: Vec<f64> = outcomes
        .iter()
        .map(|o| o.data_losses_secs.len() as f64 / observed_years)
        .collect();
    let lost_per_year: Vec<f64> = outcomes
        .iter()
        .map(|o| o.data_losses_secs.iter().sum::<f64>() / 60.0 / observed_years)
        .collect();
    let events: u64 = outcomes
        .iter()
        .map(|o| o.data_losses_secs.len() as u64)
        .sum();
    let total_lost: f64 = outcomes.iter().flat_map(|o| &o.data_losses_secs).sum();
    let data_loss = DataLossSummary {
        events,
        events_per_year: Estimate::mean(&per_year, level).expect("at least one replication"),
        events_per_year_upper: (events == 0)
            .then(|| poisson_rate_upper(0, observed_years * n as f64, level)),
        lost_write_minutes_per_year: Estimate::mean(&lost_per_year, level)
            .expect("at least one replication"),
        mean_lost_minutes: (events > 0).then(|| total_lost / 60.0 / events as f64),
    };
    (slis, data_loss)
}

fn summarize<'a>(
    name: &str,
    slis: impl Iterator<Item = &'a crate::outcome::SliOutcome> + Clone,
    n: u64,
    level: f64,
    causes: &[String],
) -> SliSummary {
    let mut lost_by_cause = vec![0.0; causes.len()];
    for sli in slis.clone() {
        for (c, lost) in sli.lost_by_cause_secs.iter().enumerate() {
            lost_by_cause[c.min(causes.len() - 1)] += lost;
        }
    }
    let total_lost: f64 = lost_by_cause.iter().sum();
    let total_time: f64 = slis.clone().map(|s| s.observed_secs).sum();
    let mut downtime_by_cause: Vec<CauseShare> = lost_by_cause
        .iter()
        .enumerate()
        .filter(|(_, lost)| **lost > 0.0)
        .map(|(c, lost)| CauseShare {
            cause: causes[c].clone(),
            share: lost / total_lost,
            downtime_per_year_secs: lost / total_time * YEAR_SECS,
        })
        .collect();
    downtime_by_cause.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.cause.cmp(&b.cause)));
    let availabilities: Vec<f64> = slis.clone().map(|s| s.availability()).collect();
    let availability = Estimate::mean(&availabilities, level)
        .expect("at least one replication")
        .clamped(0.0, 1.0);
    let lost_any = slis.clone().any(|s| s.lost_secs > 0.0);
    let observed: Vec<f64> = slis.clone().map(|s| s.observed_secs).collect();
    let counts: Vec<f64> = slis.clone().map(|s| s.outage_secs.len() as f64).collect();
    let downtimes: Vec<f64> = slis.clone().map(|s| s.downtime_secs()).collect();
    let uptimes: Vec<f64> = observed
        .iter()
        .zip(&downtimes)
        .map(|(o, d)| o - d)
        .collect();
    let outages = counts.iter().sum::<f64>() as u64;
    let rates: Vec<f64> = counts
        .iter()
        .zip(&observed)
        .map(|(c, o)| if *o > 0.0 { c / o * YEAR_SECS } else { 0.0 })
        .collect();
    let total_observed: f64 = observed.iter().sum();

    let times: Vec<f64> = slis
        .clone()
        .map(|s| s.first_failure_secs.unwrap_or(s.horizon_secs))
        .collect();
    let failed: Vec<bool> = slis
        .clone()
        .map(|s| s.first_failure_secs.is_some())
        .collect();
    let censored = failed.iter().filter(|f| !**f).count() as u64;
    let (mttf, mttf_lower) = if censored == 0 {
        (Estimate::mean(&times, level), None)
    } else if censored < n {
        (censored_exponential_mean(&times, &failed, level), None)
    } else {
        (
            None,
            Some(zero_failure_mean_lower(times.iter().sum(), level)),
        )
    };

    let mut pooled: Vec<f64> = slis.flat_map(|s| s.outage_secs.iter().copied()).collect();
    pooled.sort_by(f64::total_cmp);
    SliSummary {
        name: name.to_string(),
        downtime_per_year: availability.map_monotone(|a| (1.0 - a) * YEAR_SECS, false),
        availability,
        unavailability_upper: (!lost_any).then(|| zero_failure_upper(n, level)),
        outages,
        outages_per_year: Estimate::mean(&rates, level).expect("at least one replication"),
        outages_per_year_upper: (outages == 0)
            .then(|| poisson_rate_upper(0, total_observed / YEAR_SECS, level)),
        mttf,
        mttf_lower,
        mttf_censored: censored,
        mtbf: Estimate::ratio(&observed, &counts, level),
        mean_up_time: Estimate::ratio(&uptimes, &counts, level),
        mttr: Estimate::ratio(&downtimes, &counts, level),
        outage_duration: Summary::of(&pooled),
        outage_durations: pooled,
        downtime_by_cause,
    }
}

/// Seconds in a day.
const DAY_SECS: f64 = 86_400.0;

/// Load and autoscaling of one workload with a `load`, over all
/// replications.
///
/// Estimators: the served fraction and the mean replicas are ratio
/// estimators over replications (Σ served / Σ offered, Σ replica·seconds /
/// Σ observed time), like MTTR; rates (per year, per day) are means of
/// per-replication rates, Student t; the mean spike absorb time is the
/// ratio Σ absorb time / Σ spikes; its quantiles pool every spike.
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
    /// Absorb times of all spikes pooled, seconds.
    pub spike_absorb: Option<Summary>,
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

/// Aggregates the scaling records of outcomes (in replication order).
///
/// `None` when there is nothing to show: no workload has a `load` and no
/// node was added, removed or failed to provision in any replication.
/// Outcomes with fewer scaling entries than loaded workloads (e.g. from an
/// older partial file) count the missing ones as all zero. Rates divide by
/// each replication's measured window (the first SLI's `observed_secs`,
/// or `horizon - warmup` when there is none).
pub fn aggregate_scaling(
    scenario: &Scenario,
    outcomes: &[ReplicationOutcome],
    level: f64,
) -> Option<ScalingSummary> {
    let loaded: Vec<&str> = scenario
        .workloads
        .iter()
        .filter(|w| w.load.is_some())
        .map(|w| w.name.as_str())
        .collect();
    let nodes_changed = outcomes.iter().any(|o| {
        o.nodes.nodes_added > 0 || o.nodes.nodes_removed > 0 || o.nodes.failed_provisions > 0
    });
    if (loaded.is_empty() && !nodes_changed) || outcomes.is_empty() {
        return None;
    }
    let window = scenario
        .horizon
        .saturating_sub(scenario.warmup)
        .as_secs_f64();
    let observed: Vec<f64> = outcomes
        .iter()
        .map(|o| o.slis.first().map_or(window, |s| s.observed_secs))
        .collect();
    // Per-replication `value / observed × unit`, 0 for an empty window.
    // Every rate here counts something, so its interval stops at zero.
    let rate = |values: &[f64], unit: f64| -> Estimate {
        let rates: Vec<f64> = values
            .iter()
            .zip(&observed)
            .map(|(v, o)| if *o > 0.0 { v / o * unit } else { 0.0 })
            .collect();
        Estimate::mean(&rates, level)
            .expect("at least one replication")
            .clamped(0.0, f64::INFINITY)
    };
    let mean = |values: &[f64]| Estimate::mean(values, level).expect("at least one replication");

    let empty = ScalingOutcome::default();
    let workloads = loaded
        .iter()
        .enumerate()
        .map(|(w, name)| {
            let records: Vec<&ScalingOutcome> = outcomes
                .iter()
                .map(|o| o.scaling.get(w).unwrap_or(&empty))
                .collect();
            let field = |f: fn(&ScalingOutcome) -> f64| -> Vec<f64> {
                records.iter().map(|r| f(r)).collect()
            };
            let offered = field(|r| r.offered_requests);
            let served = field(|r| r.served_requests);
            // Both are exact integrals; rounding can make a tiny negative.
            let unserved = field(|r| (r.offered_requests - r.served_requests).max(0.0));
            let pending_hours = field(|r| r.pending_secs / 3_600.0);
            let absorb_totals = field(|r| r.spike_absorb_secs.iter().sum());
            let spike_counts = field(|r| r.spike_absorb_secs.len() as f64);
            let count = |f: fn(&ScalingOutcome) -> u32| -> u64 {
                records.iter().map(|r| u64::from(f(r))).sum()
            };
            let mut pooled: Vec<f64> = records
                .iter()
                .flat_map(|r| r.spike_absorb_secs.iter().copied())
                .collect();
            pooled.sort_by(f64::total_cmp);
            WorkloadScalingSummary {
                name: name.to_string(),
                offered_requests: offered.iter().sum(),
                served_requests: served.iter().sum(),
                served_fraction: Estimate::ratio(&served, &offered, level)
                    .map(|e| e.clamped(0.0, 1.0)),
                unserved_per_year: rate(&unserved, YEAR_SECS),
                mean_replicas: Estimate::ratio(&field(|r| r.replica_secs), &observed, level),
                mean_ready_replicas: Estimate::ratio(&field(|r| r.ready_secs), &observed, level),
                mean_max_replicas: mean(&field(|r| f64::from(r.max_replicas))),
                max_replicas: records.iter().map(|r| r.max_replicas).max().unwrap_or(0),
                min_replicas: records.iter().map(|r| r.min_replicas).min().unwrap_or(0),
                pending_pod_hours_per_year: rate(&pending_hours, YEAR_SECS),
                scale_ups: count(|r| r.scale_ups),
                scale_downs: count(|r| r.scale_downs),
                flaps: count(|r| r.flaps),
                scale_ups_per_day: rate(&field(|r| f64::from(r.scale_ups)), DAY_SECS),
                scale_downs_per_day: rate(&field(|r| f64::from(r.scale_downs)), DAY_SECS),
                flaps_per_day: rate(&field(|r| f64::from(r.flaps)), DAY_SECS),
                spikes: pooled.len() as u64,
                mean_spike_absorb: Estimate::ratio(&absorb_totals, &spike_counts, level),
                spike_absorb: Summary::of(&pooled),
            }
        })
        .collect();

    let node =
        |f: fn(&NodeOutcome) -> f64| -> Vec<f64> { outcomes.iter().map(|o| f(&o.nodes)).collect() };
    let total = |f: fn(&NodeOutcome) -> u32| -> u64 {
        outcomes.iter().map(|o| u64::from(f(&o.nodes))).sum()
    };
    let nodes = NodeSummary {
        node_hours_per_year: rate(&node(|n| n.node_secs / 3_600.0), YEAR_SECS),
        mean_nodes: Estimate::ratio(&node(|n| n.node_secs), &observed, level),
        mean_max_nodes: mean(&node(|n| f64::from(n.max_nodes))),
        max_nodes: outcomes
            .iter()
            .map(|o| o.nodes.max_nodes)
            .max()
            .unwrap_or(0),
        nodes_added: total(|n| n.nodes_added),
        nodes_removed: total(|n| n.nodes_removed),
        failed_provisions: total(|n| n.failed_provisions),
        nodes_added_per_day: rate(&node(|n| f64::from(n.nodes_added)), DAY_SECS),
        nodes_removed_per_day: rate(&node(|n| f64::from(n.nodes_removed)), DAY_SECS),
        failed_provisions_per_year: rate(&node(|n| f64::from(n.failed_provisions)), YEAR_SECS),
    };
    Some(ScalingSummary { workloads, nodes })
}
