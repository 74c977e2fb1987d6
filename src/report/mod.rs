//! Reports: one serializable [`Report`] value built from an experiment's
//! result; the table and the JSON file are views of it.
//!
//! May import: `experiment` (result types), `stats`, and `scenario` for the
//! vocabulary of `expect:` targets (`check`). Never the model or the engine.

pub mod chart;
pub mod check;
pub mod csv;
mod json;
pub mod output;
mod partial;
mod read;
pub mod schema;
pub mod sweep;
mod table;
mod trace;
pub mod units;

pub use json::{REPORT_SAMPLE_REPLICATIONS, SCHEMA_VERSION, write_json};
pub use partial::{read_partial, write_partial};
pub use read::{json_round_trip, read_json};
pub use table::render_table;
pub use trace::{TIMESERIES_KIND, write_timeseries, write_trace};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::experiment::warnings::Exposure;
use crate::experiment::{
    DataLossSummary, ExperimentResult, NOMINAL_EVENTS_PER_SECOND, NodeSummary, PrecisionStatus,
    ScalingSummary, SliPrecision, SliSummary, Stopping, Warning, WorkloadScalingSummary,
};
use crate::stats::{DurationHistogram, Estimate};

/// The `method` of a report estimated by plain Monte Carlo.
pub const MONTE_CARLO: &str = "monte carlo";

fn monte_carlo() -> String {
    MONTE_CARLO.to_string()
}

/// A full report. Its JSON form is documented in `src/report/json.rs` and
/// versioned by [`SCHEMA_VERSION`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
    /// Whether the precision target of a precision-driven run was reached
    /// (`null` for a fixed number of replications).
    pub precision_reached: Option<bool>,
    /// How the run was driven and what ended it (absent in reports of
    /// earlier versions).
    #[serde(default)]
    pub stopping: Option<StoppingReport>,
    /// Failure sources expected fewer than a few times in this run: they
    /// may dominate the downtime and be unseen.
    #[serde(default)]
    pub warnings: Vec<WarningReport>,
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// SHA-256 of the scenario text.
    pub digest: String,
}

/// A point estimate with its interval. Values that are not finite (an
/// unbounded upper limit, an unknown standard error) are written as `null`
/// and read back as NaN.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Interval {
    /// Point estimate.
    #[serde(with = "finite_or_null")]
    #[schemars(with = "Option<f64>")]
    pub point: f64,
    /// Lower bound.
    #[serde(with = "finite_or_null")]
    #[schemars(with = "Option<f64>")]
    pub lower: f64,
    /// Upper bound.
    #[serde(with = "finite_or_null")]
    #[schemars(with = "Option<f64>")]
    pub upper: f64,
    /// Standard error of the point estimate.
    #[serde(with = "finite_or_null")]
    #[schemars(with = "Option<f64>")]
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
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
    #[schemars(with = "Option<f64>")]
    pub downtime_relative_half_width: f64,
    /// How the downtime figure stands against the run's precision target
    /// (absent in reports of earlier versions).
    #[serde(default)]
    pub precision: Option<PrecisionReport>,
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CauseReport {
    /// The cause, e.g. `machine cp/crash`, `zone outage power`,
    /// `chaos kill-leader`.
    pub cause: String,
    /// Share of the SLI's lost time, 0 to 1.
    pub share: f64,
    /// Request-weighted downtime per year from this cause, seconds.
    pub downtime_seconds_per_year: f64,
}

/// One SLI's downtime against the precision target.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct PrecisionReport {
    /// The target relative half-width of the downtime interval, e.g. 0.2.
    pub target: f64,
    /// Whether a precision-driven run waits for this SLI (the control
    /// plane's SLIs and each workload's `ready`, `requests`, `capacity`).
    pub headline: bool,
    /// `reached` (within the target), `imprecise` (wider) or `no-outage`
    /// (nothing estimated; read the bounds).
    pub status: String,
    /// Whether the interval is within the target.
    pub reached: bool,
    /// For an imprecise SLI: about how many replications would reach the
    /// target, `n × (relative half-width / target)²`.
    pub replications_needed: Option<u64>,
}

impl From<SliPrecision> for PrecisionReport {
    fn from(p: SliPrecision) -> Self {
        PrecisionReport {
            target: p.target,
            headline: p.headline,
            status: p.status.as_str().to_string(),
            reached: p.status == PrecisionStatus::Reached,
            replications_needed: p.replications_needed,
        }
    }
}

impl PrecisionReport {
    /// Whether the figure is labelled imprecise.
    pub fn imprecise(&self) -> bool {
        self.status == PrecisionStatus::Imprecise.as_str()
    }
}

/// How a run was driven and which rule ended it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct StoppingReport {
    /// What ended the run: `fixed` (a given number of replications),
    /// `precision` (every headline SLI reached the target), `budget` (the
    /// budget was spent first) or `max-replications` (the cap came first).
    pub rule: String,
    /// The precision target every SLI is labelled against (the default,
    /// 0.2, for a fixed run).
    pub target: f64,
    /// Rounds of replications (1 for a fixed run).
    pub rounds: u32,
    /// Replications of the first round.
    pub first_round_replications: u64,
    /// Cap on replications of a precision-driven run.
    pub max_replications: Option<u64>,
    /// Budget of a precision-driven run, in events (simulated events plus
    /// `replication_events` per replication).
    pub budget_events: Option<u64>,
    /// The budget in seconds of one core at `nominal_events_per_second`.
    pub budget_nominal_seconds: Option<f64>,
    /// Events per second of one core a budget written as a duration is
    /// converted at (nominal: no clock is read).
    pub nominal_events_per_second: u64,
    /// Events each replication is charged for its set-up.
    pub replication_events: u64,
    /// Work spent: simulated events plus `replication_events` per
    /// replication.
    pub spent_events: u64,
}

impl StoppingReport {
    fn new(s: &Stopping, replications: u64, events: u64) -> Self {
        StoppingReport {
            rule: s.rule.as_str().to_string(),
            target: s.target,
            rounds: s.rounds,
            first_round_replications: s.first_round,
            max_replications: s.max_replications,
            budget_events: s.budget.map(|b| b.events),
            budget_nominal_seconds: s.budget.map(|b| b.nominal_secs()),
            nominal_events_per_second: NOMINAL_EVENTS_PER_SECOND,
            replication_events: crate::experiment::budget::REPLICATION_EVENTS,
            spent_events: s
                .spent
                .unwrap_or_else(|| crate::experiment::budget::work(replications, events)),
        }
    }
}

/// A failure source the run may not have seen, computed from the
/// scenario's rates (see `experiment::warnings`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct WarningReport {
    /// `unseen-failure-mode` or `etcd-disaster`.
    pub kind: String,
    /// The failure source as downtime is charged to it (`machine
    /// cp/hardware`, `zone outage power`, `pod web/crash`) or `etcd
    /// disaster`.
    pub source: String,
    /// Expected occurrences in this run.
    pub expected: f64,
    /// Expected occurrences per simulated year of one replication.
    pub per_year: f64,
    /// Simulated years in the run.
    pub replication_years: f64,
    /// Replications in which 3 occurrences are expected.
    pub replications_needed: u64,
    /// What those replications would cost in budget events, at this run's
    /// cost per replication.
    pub events_needed: u64,
    /// The warning in words.
    pub message: String,
}

impl From<&Warning> for WarningReport {
    fn from(w: &Warning) -> Self {
        use crate::experiment::budget::thousands;
        use units::{duration, number};
        let advice = format!(
            "about {} replications would expect it {} times (--replications {}; about {} events, {} of one core at the nominal rate)",
            thousands(w.replications_needed),
            crate::experiment::warnings::FEW,
            w.replications_needed,
            thousands(w.events_needed),
            duration(w.events_needed as f64 / NOMINAL_EVENTS_PER_SECOND as f64),
        );
        let (kind, message) = match &w.exposure {
            Exposure::FailureMode {
                source,
                unit,
                units,
                mean_time_to_failure_secs,
            } => (
                "unseen-failure-mode",
                format!(
                    "{source} is expected only {} times in this run ({} replication-years; {units} {unit}{}, mean time to failure {} each): it may dominate the downtime and be unseen; {advice}",
                    number(w.expected),
                    number(w.replication_years),
                    if *units == 1 { "" } else { "s" },
                    duration(*mean_time_to_failure_secs),
                ),
            ),
            Exposure::EtcdDisaster {
                members,
                quorum,
                disk_loss_mttf_secs,
                without_data_secs,
            } => (
                "etcd-disaster",
                format!(
                    "an etcd disaster ({quorum} of {members} members without their data at once) is expected only {} times in this run ({} replication-years; about {}/yr, estimated from the disk-losing modes: a member loses its disk every {} and is without data for about {}): the etcd data loss line may show none, or too few to trust, and each disaster can dominate the downtime; {advice}",
                    number(w.expected),
                    number(w.replication_years),
                    number(w.per_year),
                    duration(*disk_loss_mttf_secs),
                    duration(*without_data_secs),
                ),
            ),
        };
        WarningReport {
            kind: kind.to_string(),
            source: w.exposure.source().to_string(),
            expected: w.expected,
            per_year: w.per_year,
            replication_years: w.replication_years,
            replications_needed: w.replications_needed,
            events_needed: w.events_needed,
            message,
        }
    }
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
            precision: None,
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScalingReport {
    /// One entry per workload with a `load`, in scenario order.
    pub workloads: Vec<WorkloadScalingReport>,
    /// Worker nodes (the cost side).
    pub nodes: NodeReport,
}

/// One workload with a `load`. Totals are over all replications' measured
/// windows; rates are means of per-replication rates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, JsonSchema)]
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
            stopping: Some(StoppingReport::new(
                &result.stopping,
                result.replications,
                result.events,
            )),
            warnings: result.warnings.iter().map(Into::into).collect(),
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
                    precision: Some(
                        s.precision(result.stopping.target, result.replications)
                            .into(),
                    ),
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
    #[error(
        "{path} exists and is not a nines output of this kind; choose another path, remove it, or pass --force to replace it"
    )]
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
