//! Reports: one serializable [`Report`] value built from an experiment's
//! result; the table and the JSON file are views of it.
//!
//! May import: `experiment` (result types), `stats`, and `scenario` for the
//! vocabulary of `expect:` targets (`check`). Never the model or the engine.

pub mod chart;
pub mod check;
pub mod csv;
mod json;
mod partial;
mod read;
pub mod sweep;
mod table;
mod trace;
pub mod units;

pub use json::{REPORT_SAMPLE_REPLICATIONS, SCHEMA_VERSION, write_json};
pub use partial::{read_partial, write_partial};
pub use read::{json_round_trip, read_json};
pub use table::render_table;
pub use trace::{write_timeseries, write_trace};

use serde::{Deserialize, Serialize};

use crate::experiment::{
    DataLossSummary, ExperimentResult, NodeSummary, ScalingSummary, SliSummary,
    WorkloadScalingSummary,
};
use crate::stats::{DurationHistogram, Estimate};

/// The `method` of a report estimated by plain Monte Carlo.
pub const MONTE_CARLO: &str = "monte carlo";

fn monte_carlo() -> String {
    MONTE_CARLO.to_string()
}

/// A full report. Its JSON form is documented in `src/report/json.rs` and
/// versioned by [`SCHEMA_VERSION`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Version of this layout.
    pub schema_version: u32,
    /// Version of nines that produced it.
    pub nines_version: String,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Master seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Length of each replication, seconds.
    pub horizon_seconds: f64,
    /// Unmeasured start of each replication, seconds.
    pub warmup_seconds: f64,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Whether a `--precision` target was reached (absent without one).
    pub precision_reached: Option<bool>,
    /// Events simulated in all replications (in all their branches when
    /// they were split).
    pub events: u64,
    /// How every figure was estimated: `monte carlo` (independent
    /// replications), or `multilevel splitting (RESTART): …` with its
    /// factors per level (see `experiment::split`).
    #[serde(default = "monte_carlo")]
    pub method: String,
    /// One entry per SLI.
    pub slis: Vec<SliReport>,
    /// etcd disasters and lost writes.
    pub data_loss: DataLossReport,
    /// Load, autoscaling and worker nodes. Absent (and left out of the
    /// JSON) when no workload has a `load` and no node was added, removed
    /// or failed to provision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<ScalingReport>,
}

/// Which scenario a report is about.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// SHA-256 of the scenario text.
    pub digest: String,
}

/// A point estimate with its interval. Values that are not finite (an
/// unbounded upper limit, an unknown standard error) are written as `null`
/// and read back as NaN.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Interval {
    /// Point estimate.
    #[serde(with = "finite_or_null")]
    pub point: f64,
    /// Lower bound.
    #[serde(with = "finite_or_null")]
    pub lower: f64,
    /// Upper bound.
    #[serde(with = "finite_or_null")]
    pub upper: f64,
    /// Standard error of the point estimate.
    #[serde(with = "finite_or_null")]
    pub std_error: f64,
}

impl From<Estimate> for Interval {
    fn from(e: Estimate) -> Self {
        Interval {
            point: e.point,
            lower: e.ci.lower,
            upper: e.ci.upper,
            std_error: e.std_error,
        }
    }
}

/// JSON has no infinity or NaN: write them as `null`, read `null` as NaN.
mod finite_or_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            serializer.serialize_f64(*value)
        } else {
            serializer.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

/// Distribution of durations (outages, spike absorption), seconds. The
/// count, mean and maximum are exact; quantiles come from a log-scale
/// histogram and are within about 6 %.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct DurationSummary {
    /// Number of durations (weighted when replications were split).
    pub count: f64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Longest.
    pub max: f64,
}

impl DurationSummary {
    /// The summary of a histogram; `None` when it is empty.
    pub fn of(h: &DurationHistogram) -> Option<DurationSummary> {
        Some(DurationSummary {
            count: h.total_weight(),
            mean: h.mean()?,
            p50: h.quantile(0.5)?,
            p90: h.quantile(0.9)?,
            p99: h.quantile(0.99)?,
            max: h.max()?,
        })
    }
}

/// One SLI.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SliReport {
    /// Name, e.g. `api.write`.
    pub name: String,
    /// Availability as a fraction (one minus `unavailability`).
    pub availability: Interval,
    /// Unavailability as a fraction: the estimated figure.
    pub unavailability: Interval,
    /// Present when no request failed in any replication: a one-sided
    /// upper bound on unavailability (the chance that a replication loses
    /// anything at all). Nothing was estimated then: read `observed_years`
    /// and `outages_per_year_upper`.
    pub unavailability_upper: Option<f64>,
    /// -log10(1 - A).
    pub nines: Interval,
    /// Request-weighted downtime per year, seconds.
    pub downtime_seconds_per_year: Interval,
    /// Half the width of the downtime interval over the downtime, e.g.
    /// 0.2 for ±20 %; `null` when nothing failed.
    #[serde(with = "finite_or_null")]
    pub downtime_relative_half_width: f64,
    /// Outages counted in all replications (weighted when replications
    /// were split).
    pub outages: f64,
    /// Outages per year.
    pub outages_per_year: Interval,
    /// Present when no outage was seen: upper bound on outages per year
    /// from the total simulated time.
    pub outages_per_year_upper: Option<f64>,
    /// Years simulated in the measured windows of all replications.
    pub observed_years: f64,
    /// Mean time to first failure from the end of the warmup, seconds;
    /// present only when every replication failed (nothing censored).
    pub mttf_seconds: Option<Interval>,
    /// Restricted mean time to first failure, `E[min(T, window)]`,
    /// seconds: the MTTF when nothing was censored, a lower bound on it
    /// otherwise.
    pub mttf_restricted_seconds: Option<Interval>,
    /// Share of replications whose window ended before their first outage.
    pub mttf_censored_share: f64,
    /// Mean time between outage starts, seconds.
    pub mtbf_seconds: Option<Interval>,
    /// Mean up time between outages, seconds.
    pub mean_up_time_seconds: Option<Interval>,
    /// Mean outage duration, seconds.
    pub mttr_seconds: Option<Interval>,
    /// Outage durations, pooled.
    pub outage_duration_seconds: Option<DurationSummary>,
    /// The cumulative distribution of outage durations: `[seconds, share
    /// of outages at most that long]`, ascending, at the upper edge of
    /// each non-empty log-scale bin.
    pub outage_cdf: Vec<[f64; 2]>,
    /// Lost time by the cause charged with it, largest share first.
    pub downtime_by_cause: Vec<CauseReport>,
    /// Unavailability (1 − availability) of each of the first
    /// [`REPORT_SAMPLE_REPLICATIONS`] replications, entry `i` being
    /// replication `i`: what a paired comparison with another run of the
    /// same seed (`nines check --baseline`) pairs. Empty in a report
    /// written before it existed.
    #[serde(default)]
    pub replication_unavailability: Vec<f64>,
}

/// The part of an SLI's lost time charged to one cause: the fault whose
/// recovery ended each outage, or, for outages that ended without one,
/// the fault that started them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CauseReport {
    /// The cause, e.g. `machine cp/crash`, `zone outage power`,
    /// `chaos kill-leader`.
    pub cause: String,
    /// Share of the SLI's lost time, 0 to 1.
    pub share: f64,
    /// Request-weighted downtime per year from this cause, seconds.
    pub downtime_seconds_per_year: f64,
}

impl From<&SliSummary> for SliReport {
    fn from(s: &SliSummary) -> Self {
        SliReport {
            name: s.name.clone(),
            availability: s.availability.into(),
            unavailability: s.unavailability.into(),
            unavailability_upper: s.unavailability_upper,
            nines: s.nines().into(),
            downtime_seconds_per_year: s.downtime_per_year.into(),
            downtime_relative_half_width: s.unavailability_relative_half_width(),
            outages: s.outages,
            outages_per_year: s.outages_per_year.into(),
            outages_per_year_upper: s.outages_per_year_upper,
            observed_years: s.observed_years,
            mttf_seconds: s.mttf.map(Into::into),
            mttf_restricted_seconds: s.mttf_restricted.map(Into::into),
            mttf_censored_share: s.mttf_censored_share,
            mtbf_seconds: s.mtbf.map(Into::into),
            mean_up_time_seconds: s.mean_up_time.map(Into::into),
            mttr_seconds: s.mttr.map(Into::into),
            outage_duration_seconds: DurationSummary::of(&s.outage_durations),
            outage_cdf: s
                .outage_durations
                .cdf()
                .into_iter()
                .map(|(d, p)| [d, p])
                .collect(),
            downtime_by_cause: s
                .downtime_by_cause
                .iter()
                .map(|c| CauseReport {
                    cause: c.cause.clone(),
                    share: c.share,
                    downtime_seconds_per_year: c.downtime_per_year_secs,
                })
                .collect(),
            replication_unavailability: Vec::new(),
        }
    }
}

/// etcd data loss.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DataLossReport {
    /// Disasters in all replications (weighted when replications were
    /// split).
    pub events: f64,
    /// Disasters per year.
    pub events_per_year: Interval,
    /// Present when none was seen: upper bound per year.
    pub events_per_year_upper: Option<f64>,
    /// Minutes of writes lost per year.
    pub lost_write_minutes_per_year: Interval,
    /// Mean minutes of writes lost per disaster.
    pub mean_lost_minutes: Option<f64>,
}

impl From<&DataLossSummary> for DataLossReport {
    fn from(d: &DataLossSummary) -> Self {
        DataLossReport {
            events: d.events,
            events_per_year: d.events_per_year.into(),
            events_per_year_upper: d.events_per_year_upper,
            lost_write_minutes_per_year: d.lost_write_minutes_per_year.into(),
            mean_lost_minutes: d.mean_lost_minutes,
        }
    }
}

/// Load, autoscaling and worker nodes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScalingReport {
    /// One entry per workload with a `load`, in scenario order.
    pub workloads: Vec<WorkloadScalingReport>,
    /// Worker nodes (the cost side).
    pub nodes: NodeReport,
}

/// One workload with a `load`. Totals are over all replications' measured
/// windows; rates are means of per-replication rates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WorkloadScalingReport {
    /// Workload name.
    pub name: String,
    /// Requests offered in all replications.
    pub offered_requests: f64,
    /// Requests served in all replications.
    pub served_requests: f64,
    /// Share of all offered requests that were served (Σ served / Σ
    /// offered, ratio estimator); `null` when nothing was offered.
    pub served_fraction: Option<Interval>,
    /// -log10(1 - served fraction).
    pub served_nines: Option<Interval>,
    /// Requests offered but not served, per year.
    pub unserved_requests_per_year: Interval,
    /// Mean desired replicas over time.
    pub mean_replicas: Option<Interval>,
    /// Mean ready replicas over time.
    pub mean_ready_replicas: Option<Interval>,
    /// Mean over replications of each replication's most replicas.
    pub mean_max_replicas: Interval,
    /// Most replicas in any replication.
    pub max_replicas: u32,
    /// Fewest replicas in any replication.
    pub min_replicas: u32,
    /// Pod-hours spent pending (waiting for a node) per year.
    pub pending_pod_hours_per_year: Interval,
    /// Scale-up decisions in all replications.
    pub scale_ups: u64,
    /// Scale-down decisions in all replications.
    pub scale_downs: u64,
    /// Direction changes within the flapping window, in all replications.
    pub flaps: u64,
    /// Scale-ups per day.
    pub scale_ups_per_day: Interval,
    /// Scale-downs per day.
    pub scale_downs_per_day: Interval,
    /// Flaps per day.
    pub flaps_per_day: Interval,
    /// Load spikes in all replications.
    pub spikes: u64,
    /// Mean time to absorb a spike, seconds (Σ absorb / spikes, ratio
    /// estimator); `null` without spikes.
    pub mean_spike_absorb_seconds: Option<Interval>,
    /// Absorb times of all spikes pooled, seconds.
    pub spike_absorb_seconds: Option<DurationSummary>,
}

/// Worker nodes over all replications.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NodeReport {
    /// Node-hours per year.
    pub node_hours_per_year: Interval,
    /// Mean worker nodes over time.
    pub mean_nodes: Option<Interval>,
    /// Mean over replications of each replication's most nodes.
    pub mean_max_nodes: Interval,
    /// Most worker nodes in any replication.
    pub max_nodes: u32,
    /// Nodes added in all replications.
    pub nodes_added: u64,
    /// Nodes removed in all replications.
    pub nodes_removed: u64,
    /// Node requests that did not register in time, in all replications.
    pub failed_provisions: u64,
    /// Nodes added per day.
    pub nodes_added_per_day: Interval,
    /// Nodes removed per day.
    pub nodes_removed_per_day: Interval,
    /// Failed provisions per year.
    pub failed_provisions_per_year: Interval,
}

impl From<&WorkloadScalingSummary> for WorkloadScalingReport {
    fn from(w: &WorkloadScalingSummary) -> Self {
        WorkloadScalingReport {
            name: w.name.clone(),
            offered_requests: w.offered_requests,
            served_requests: w.served_requests,
            served_fraction: w.served_fraction.map(Into::into),
            served_nines: w.served_nines().map(Into::into),
            unserved_requests_per_year: w.unserved_per_year.into(),
            mean_replicas: w.mean_replicas.map(Into::into),
            mean_ready_replicas: w.mean_ready_replicas.map(Into::into),
            mean_max_replicas: w.mean_max_replicas.into(),
            max_replicas: w.max_replicas,
            min_replicas: w.min_replicas,
            pending_pod_hours_per_year: w.pending_pod_hours_per_year.into(),
            scale_ups: w.scale_ups,
            scale_downs: w.scale_downs,
            flaps: w.flaps,
            scale_ups_per_day: w.scale_ups_per_day.into(),
            scale_downs_per_day: w.scale_downs_per_day.into(),
            flaps_per_day: w.flaps_per_day.into(),
            spikes: w.spikes,
            mean_spike_absorb_seconds: w.mean_spike_absorb.map(Into::into),
            spike_absorb_seconds: DurationSummary::of(&w.spike_absorb),
        }
    }
}

impl From<&NodeSummary> for NodeReport {
    fn from(n: &NodeSummary) -> Self {
        NodeReport {
            node_hours_per_year: n.node_hours_per_year.into(),
            mean_nodes: n.mean_nodes.map(Into::into),
            mean_max_nodes: n.mean_max_nodes.into(),
            max_nodes: n.max_nodes,
            nodes_added: n.nodes_added,
            nodes_removed: n.nodes_removed,
            failed_provisions: n.failed_provisions,
            nodes_added_per_day: n.nodes_added_per_day.into(),
            nodes_removed_per_day: n.nodes_removed_per_day.into(),
            failed_provisions_per_year: n.failed_provisions_per_year.into(),
        }
    }
}

impl From<&ScalingSummary> for ScalingReport {
    fn from(s: &ScalingSummary) -> Self {
        ScalingReport {
            workloads: s.workloads.iter().map(Into::into).collect(),
            nodes: (&s.nodes).into(),
        }
    }
}

impl Report {
    /// The report of an experiment.
    pub fn new(result: &ExperimentResult) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            nines_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: result.scenario.clone(),
                digest: result.digest.clone(),
            },
            seed: result.seed,
            replications: result.replications,
            horizon_seconds: result.horizon_secs,
            warmup_seconds: result.warmup_secs,
            confidence: result.confidence,
            precision_reached: result.precision_reached,
            events: result.events,
            method: result
                .split
                .as_ref()
                .map_or_else(|| MONTE_CARLO.to_string(), |plan| plan.describe()),
            slis: result
                .slis
                .iter()
                .enumerate()
                .map(|(i, s)| SliReport {
                    replication_unavailability: json::sampled_unavailability(&result.sample, i),
                    ..s.into()
                })
                .collect(),
            data_loss: (&result.data_loss).into(),
            scaling: result.scaling.as_ref().map(Into::into),
        }
    }

    /// The SLI called `name`.
    pub fn sli(&self, name: &str) -> Option<&SliReport> {
        self.slis.iter().find(|s| s.name == name)
    }
}

/// Why a report could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        message: String,
    },
    /// The target exists and is not a nines report: refusing to overwrite.
    #[error("{path} exists and is not a nines report; choose another path or remove it first")]
    WouldOverwrite {
        /// The file.
        path: String,
    },
    /// Drawing a chart failed.
    #[error("{path}: cannot draw the chart: {message}")]
    Chart {
        /// The chart file.
        path: String,
        /// The reason.
        message: String,
    },
}
