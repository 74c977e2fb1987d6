//! Streaming aggregation: every replication is folded, where it ran, into
//! running sums that do not grow with the number of replications.
//!
//! All sums are exact ([`ExactSum`], [`Moments`], [`RatioMoments`],
//! [`DurationHistogram`]): adding replications in any order, on any number
//! of threads, and merging the sums of any split into shards give the same
//! bits. A run therefore never keeps its replications' outcomes; it keeps
//! these sums, plus the individual figures of the first
//! [`SAMPLE_REPLICATIONS`] replications (for the per-replication CSV and
//! for paired comparisons with a baseline).
//!
//! Quantities are summed in the form that keeps their spread visible:
//! unavailability rather than availability, unserved rather than served
//! requests.

use serde::{Deserialize, Serialize};

use crate::model::ReplicationOutcome;
use crate::outcome::{NodeOutcome, ScalingOutcome, SliOutcome};
use crate::stats::{DurationHistogram, ExactSum, Moments, RatioMoments};

/// Seconds in a 365-day year.
pub const YEAR_SECS: f64 = 365.0 * 86_400.0;
/// Seconds in a day.
pub const DAY_SECS: f64 = 86_400.0;

/// How many replications (the first, by index) keep their individual
/// figures: enough for a per-replication CSV to show the spread and for a
/// paired test against a baseline, bounded so memory stays constant.
pub const SAMPLE_REPLICATIONS: u64 = 10_000;

/// One SLI over the replications folded so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SliSums {
    /// Per replication: lost / observed.
    pub unavailability: Moments,
    /// Per replication: counted outages per year of window.
    pub outage_rate: Moments,
    /// (downtime, outages) per replication: mean outage duration.
    pub mttr: RatioMoments,
    /// (window, outages): mean time between outage starts.
    pub mtbf: RatioMoments,
    /// (window - downtime, outages): mean up time between outages.
    pub up_time: RatioMoments,
    /// Per replication: time from the warmup to the first failure, censored
    /// at the horizon (its mean is the restricted mean time to failure).
    pub up_before_first_failure: Moments,
    /// Per replication: whether (weighted) a failure happened in the window.
    pub failed: Moments,
    /// Every counted outage's duration, weighted.
    pub durations: DurationHistogram,
    /// Lost time per cause index, weighted.
    pub lost_by_cause: Vec<ExactSum>,
    /// Total measured time.
    pub observed: ExactSum,
    /// Whether any request failed in any replication.
    pub lost_any: bool,
}

impl SliSums {
    fn add(&mut self, o: &SliOutcome) {
        let window = o.observed_secs;
        let per = |x: f64| if window > 0.0 { x / window } else { 0.0 };
        let outages = o.outages();
        let downtime = o.downtime_secs();
        self.unavailability.add(per(o.lost_secs));
        self.outage_rate.add(per(outages) * YEAR_SECS);
        self.mttr.add(downtime, outages);
        self.mtbf.add(window, outages);
        self.up_time.add(window - downtime, outages);
        self.up_before_first_failure
            .add(o.up_before_first_failure_secs);
        self.failed.add(o.first_failures);
        for (d, w) in o.weighted_outages() {
            self.durations.add(d, w);
        }
        if self.lost_by_cause.len() < o.lost_by_cause_secs.len() {
            self.lost_by_cause
                .resize(o.lost_by_cause_secs.len(), ExactSum::new());
        }
        for (sum, lost) in self.lost_by_cause.iter_mut().zip(&o.lost_by_cause_secs) {
            sum.add(*lost);
        }
        self.observed.add(window);
        self.lost_any |= o.lost_secs > 0.0;
    }

    fn merge(&mut self, other: &SliSums) {
        self.unavailability.merge(&other.unavailability);
        self.outage_rate.merge(&other.outage_rate);
        self.mttr.merge(&other.mttr);
        self.mtbf.merge(&other.mtbf);
        self.up_time.merge(&other.up_time);
        self.up_before_first_failure
            .merge(&other.up_before_first_failure);
        self.failed.merge(&other.failed);
        self.durations.merge(&other.durations);
        if self.lost_by_cause.len() < other.lost_by_cause.len() {
            self.lost_by_cause
                .resize(other.lost_by_cause.len(), ExactSum::new());
        }
        for (mine, theirs) in self.lost_by_cause.iter_mut().zip(&other.lost_by_cause) {
            mine.merge(theirs);
        }
        self.observed.merge(&other.observed);
        self.lost_any |= other.lost_any;
    }

    /// Weighted number of counted outages.
    pub fn outages(&self) -> f64 {
        self.mttr.denominator()
    }
}

/// etcd disasters over the replications folded so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataLossSums {
    /// Per replication: disasters per year of window.
    pub per_year: Moments,
    /// Per replication: minutes of writes lost per year of window.
    pub lost_minutes_per_year: Moments,
    /// Disasters.
    pub events: ExactSum,
    /// Write time lost in all of them, seconds.
    pub lost_secs: ExactSum,
}

/// One workload with a `load` over the replications folded so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSums {
    /// Requests offered.
    pub offered: ExactSum,
    /// Requests served.
    pub served: ExactSum,
    /// (unserved, offered) per replication: the unserved share.
    pub unserved_share: RatioMoments,
    /// Per replication: unserved requests per year.
    pub unserved_per_year: Moments,
    /// (replica-seconds, window): mean desired replicas.
    pub replicas: RatioMoments,
    /// (ready-seconds, window): mean ready replicas.
    pub ready: RatioMoments,
    /// Per replication: the most replicas.
    pub max_replicas_mean: Moments,
    /// Most replicas in any replication.
    pub max_replicas: u32,
    /// Fewest replicas in any replication (none before the first).
    pub min_replicas: Option<u32>,
    /// Per replication: pending pod-hours per year.
    pub pending_pod_hours_per_year: Moments,
    /// Scale-ups, scale-downs and flaps in all.
    pub scale_ups: u64,
    /// Scale-downs in all.
    pub scale_downs: u64,
    /// Flaps in all.
    pub flaps: u64,
    /// Per replication: scale-ups per day.
    pub scale_ups_per_day: Moments,
    /// Per replication: scale-downs per day.
    pub scale_downs_per_day: Moments,
    /// Per replication: flaps per day.
    pub flaps_per_day: Moments,
    /// (absorb seconds, spikes) per replication: mean time to absorb.
    pub absorb: RatioMoments,
    /// Every spike's absorb time.
    pub absorb_times: DurationHistogram,
}

impl WorkloadSums {
    fn add(&mut self, r: &ScalingOutcome, window: f64) {
        let per = |x: f64, unit: f64| if window > 0.0 { x / window * unit } else { 0.0 };
        // Both are exact integrals; rounding can make a tiny negative.
        let unserved = (r.offered_requests - r.served_requests).max(0.0);
        self.offered.add(r.offered_requests);
        self.served.add(r.served_requests);
        self.unserved_share.add(unserved, r.offered_requests);
        self.unserved_per_year.add(per(unserved, YEAR_SECS));
        self.replicas.add(r.replica_secs, window);
        self.ready.add(r.ready_secs, window);
        self.max_replicas_mean.add(f64::from(r.max_replicas));
        self.max_replicas = self.max_replicas.max(r.max_replicas);
        self.min_replicas = Some(
            self.min_replicas
                .map_or(r.min_replicas, |m| m.min(r.min_replicas)),
        );
        self.pending_pod_hours_per_year
            .add(per(r.pending_secs / 3_600.0, YEAR_SECS));
        self.scale_ups += u64::from(r.scale_ups);
        self.scale_downs += u64::from(r.scale_downs);
        self.flaps += u64::from(r.flaps);
        self.scale_ups_per_day
            .add(per(f64::from(r.scale_ups), DAY_SECS));
        self.scale_downs_per_day
            .add(per(f64::from(r.scale_downs), DAY_SECS));
        self.flaps_per_day.add(per(f64::from(r.flaps), DAY_SECS));
        self.absorb.add(
            r.spike_absorb_secs.iter().sum(),
            r.spike_absorb_secs.len() as f64,
        );
        for &t in &r.spike_absorb_secs {
            self.absorb_times.add(t, 1.0);
        }
    }

    fn merge(&mut self, o: &WorkloadSums) {
        self.offered.merge(&o.offered);
        self.served.merge(&o.served);
        self.unserved_share.merge(&o.unserved_share);
        self.unserved_per_year.merge(&o.unserved_per_year);
        self.replicas.merge(&o.replicas);
        self.ready.merge(&o.ready);
        self.max_replicas_mean.merge(&o.max_replicas_mean);
        self.max_replicas = self.max_replicas.max(o.max_replicas);
        self.min_replicas = match (self.min_replicas, o.min_replicas) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.pending_pod_hours_per_year
            .merge(&o.pending_pod_hours_per_year);
        self.scale_ups += o.scale_ups;
        self.scale_downs += o.scale_downs;
        self.flaps += o.flaps;
        self.scale_ups_per_day.merge(&o.scale_ups_per_day);
        self.scale_downs_per_day.merge(&o.scale_downs_per_day);
        self.flaps_per_day.merge(&o.flaps_per_day);
        self.absorb.merge(&o.absorb);
        self.absorb_times.merge(&o.absorb_times);
    }
}

/// Worker nodes over the replications folded so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSums {
    /// Per replication: node-hours per year.
    pub node_hours_per_year: Moments,
    /// (node-seconds, window): mean nodes.
    pub nodes: RatioMoments,
    /// Per replication: the most nodes.
    pub max_nodes_mean: Moments,
    /// Most nodes in any replication.
    pub max_nodes: u32,
    /// Nodes added in all.
    pub nodes_added: u64,
    /// Nodes removed in all.
    pub nodes_removed: u64,
    /// Failed provisions in all.
    pub failed_provisions: u64,
    /// Per replication: nodes added per day.
    pub nodes_added_per_day: Moments,
    /// Per replication: nodes removed per day.
    pub nodes_removed_per_day: Moments,
    /// Per replication: failed provisions per year.
    pub failed_provisions_per_year: Moments,
}

impl NodeSums {
    fn add(&mut self, n: &NodeOutcome, window: f64) {
        let per = |x: f64, unit: f64| if window > 0.0 { x / window * unit } else { 0.0 };
        self.node_hours_per_year
            .add(per(n.node_secs / 3_600.0, YEAR_SECS));
        self.nodes.add(n.node_secs, window);
        self.max_nodes_mean.add(f64::from(n.max_nodes));
        self.max_nodes = self.max_nodes.max(n.max_nodes);
        self.nodes_added += u64::from(n.nodes_added);
        self.nodes_removed += u64::from(n.nodes_removed);
        self.failed_provisions += u64::from(n.failed_provisions);
        self.nodes_added_per_day
            .add(per(f64::from(n.nodes_added), DAY_SECS));
        self.nodes_removed_per_day
            .add(per(f64::from(n.nodes_removed), DAY_SECS));
        self.failed_provisions_per_year
            .add(per(f64::from(n.failed_provisions), YEAR_SECS));
    }

    fn merge(&mut self, o: &NodeSums) {
        self.node_hours_per_year.merge(&o.node_hours_per_year);
        self.nodes.merge(&o.nodes);
        self.max_nodes_mean.merge(&o.max_nodes_mean);
        self.max_nodes = self.max_nodes.max(o.max_nodes);
        self.nodes_added += o.nodes_added;
        self.nodes_removed += o.nodes_removed;
        self.failed_provisions += o.failed_provisions;
        self.nodes_added_per_day.merge(&o.nodes_added_per_day);
        self.nodes_removed_per_day.merge(&o.nodes_removed_per_day);
        self.failed_provisions_per_year
            .merge(&o.failed_provisions_per_year);
    }
}

/// One SLI in one sampled replication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledSli {
    /// Availability over the window.
    pub availability: f64,
    /// Counted outages (weighted).
    pub outages: f64,
    /// Time in counted outages, seconds (weighted).
    pub downtime_secs: f64,
    /// Time from the end of the warmup to the first counted outage.
    pub first_failure_secs: Option<f64>,
}

/// The individual figures of one of the first [`SAMPLE_REPLICATIONS`]
/// replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledReplication {
    /// Its index.
    pub replication: u64,
    /// One entry per SLI, in SLI order.
    pub slis: Vec<SampledSli>,
}

/// Everything a run keeps of its replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sums {
    /// Replications folded in.
    pub replications: u64,
    /// Events simulated in all.
    pub events: u64,
    /// One entry per SLI.
    pub slis: Vec<SliSums>,
    /// etcd disasters.
    pub data_loss: DataLossSums,
    /// One entry per workload with a `load`.
    pub workloads: Vec<WorkloadSums>,
    /// Worker nodes.
    pub nodes: NodeSums,
    /// Whether any node was added, removed or failed to provision.
    pub nodes_changed: bool,
    /// The first replications' individual figures, by index.
    pub sample: Vec<SampledReplication>,
}

impl Sums {
    /// Empty sums for `slis` SLIs and `workloads` loaded workloads.
    pub fn new(slis: usize, workloads: usize) -> Sums {
        Sums {
            slis: vec![SliSums::default(); slis],
            workloads: vec![WorkloadSums::default(); workloads],
            ..Sums::default()
        }
    }

    /// Folds in replication `index`, whose measured window is `window`
    /// seconds long.
    pub fn add(&mut self, index: u64, o: &ReplicationOutcome, window: f64) {
        self.replications += 1;
        self.events += o.events;
        for (sums, sli) in self.slis.iter_mut().zip(&o.slis) {
            sums.add(sli);
        }
        let years = window / YEAR_SECS;
        let per_year = |x: f64| if years > 0.0 { x / years } else { 0.0 };
        let weight = |i: usize| o.data_loss_weights.get(i).copied().unwrap_or(1.0);
        let disasters: f64 = (0..o.data_losses_secs.len()).map(weight).sum();
        let lost: f64 = o
            .data_losses_secs
            .iter()
            .enumerate()
            .map(|(i, secs)| weight(i) * secs)
            .sum();
        self.data_loss.per_year.add(per_year(disasters));
        self.data_loss
            .lost_minutes_per_year
            .add(per_year(lost / 60.0));
        self.data_loss.events.add(disasters);
        self.data_loss.lost_secs.add(lost);
        let empty = ScalingOutcome::default();
        for (w, sums) in self.workloads.iter_mut().enumerate() {
            sums.add(o.scaling.get(w).unwrap_or(&empty), window);
        }
        self.nodes.add(&o.nodes, window);
        self.nodes_changed |=
            o.nodes.nodes_added > 0 || o.nodes.nodes_removed > 0 || o.nodes.failed_provisions > 0;
        if index < SAMPLE_REPLICATIONS {
            self.sample.push(SampledReplication {
                replication: index,
                slis: o
                    .slis
                    .iter()
                    .map(|s| SampledSli {
                        availability: s.availability(),
                        outages: s.outages(),
                        downtime_secs: s.downtime_secs(),
                        first_failure_secs: s.first_failure_secs,
                    })
                    .collect(),
            });
        }
    }

    /// Adds everything `other` folded in (its replications must be others
    /// than these).
    pub fn merge(&mut self, other: Sums) {
        self.replications += other.replications;
        self.events += other.events;
        if self.slis.is_empty() {
            self.slis = vec![SliSums::default(); other.slis.len()];
        }
        for (mine, theirs) in self.slis.iter_mut().zip(&other.slis) {
            mine.merge(theirs);
        }
        let d = &mut self.data_loss;
        d.per_year.merge(&other.data_loss.per_year);
        d.lost_minutes_per_year
            .merge(&other.data_loss.lost_minutes_per_year);
        d.events.merge(&other.data_loss.events);
        d.lost_secs.merge(&other.data_loss.lost_secs);
        if self.workloads.is_empty() {
            self.workloads = vec![WorkloadSums::default(); other.workloads.len()];
        }
        for (mine, theirs) in self.workloads.iter_mut().zip(&other.workloads) {
            mine.merge(theirs);
        }
        self.nodes.merge(&other.nodes);
        self.nodes_changed |= other.nodes_changed;
        self.sample.extend(other.sample);
        self.sample.sort_by_key(|s| s.replication);
    }
}
