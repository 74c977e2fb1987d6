//! The JSON report: a wire format for notebooks and CI.
//!
//! Layout (schema version 2): one object with `schema_version`,
//! `nines_version`, `scenario` {`name`, `digest`}, `seed`, `replications`,
//! `horizon_seconds`, `warmup_seconds`, `confidence`, `precision_reached`,
//! `events`, `method` (how the figures were estimated: `monte carlo`, or
//! multilevel splitting with its factors), `slis` (array, one object per SLI, see [`SliReport`]),
//! `data_loss`, and, only for scenarios with a workload `load` or with
//! nodes added, removed or failed to provision, `scaling` {`workloads` (one object per workload
//! with a load, see [`WorkloadScalingReport`]), `nodes` (see
//! [`NodeReport`])}. Every estimate is an object {`point`, `lower`, `upper`};
//! durations are in seconds and availabilities are fractions. A field that
//! has no value (e.g. MTTR with no outage) is `null`; when nothing failed,
//! `observed_years` and the `*_upper` bound fields say what is known.
//!
//! Version 2 (streaming statistics, honest lifetimes): per SLI,
//! `unavailability`, `downtime_relative_half_width`, `observed_years`,
//! `mttf_restricted_seconds` and `mttf_censored_share` were added;
//! `outage_cdf` (histogram points) replaced `outage_durations` (every
//! outage); `mttf_seconds` is present only when nothing was censored and
//! counts from the end of the warmup; `mttf_seconds_lower` and
//! `mttf_censored` were removed; counts of outages and disasters are
//! numbers (weighted when replications were split).
//!
//! Per SLI, `replication_unavailability` (added in version 2, so reports
//! without it still read) holds the unavailability, 1 − availability, of
//! each of the first [`REPORT_SAMPLE_REPLICATIONS`] (2,000) replications,
//! entry `i` being replication `i`. Two runs with the same seed drew
//! replication `i` from the same random streams (common random numbers), so
//! `nines check --baseline` tests the per-replication differences over the
//! replications both reports hold (a paired t-test) instead of comparing
//! two means. 2,000 pairs resolve a difference far below the spread of
//! either run, and bound the file: at most 2,000 numbers per SLI, whatever
//! the replication count (the run itself keeps the first 10,000 in memory,
//! for `--replications-csv` and the sweep's differences).
//!
//! Also added in version 2 (readers of earlier files get their defaults):
//! `stopping` {`rule` (`fixed`, `precision`, `budget` or
//! `max-replications`: what ended the run), `target`, `rounds`,
//! `first_round_replications`, `max_replications`, `budget_events`,
//! `budget_nominal_seconds`, `nominal_events_per_second`,
//! `replication_events`, `spent_events`} (see [`StoppingReport`]);
//! `warnings` (failure sources expected fewer than 3 times in the run,
//! each {`kind` (`unseen-failure-mode` or `etcd-disaster`), `source`,
//! `expected`, `per_year`, `replication_years`, `replications_needed`,
//! `events_needed`, `message`}, see [`WarningReport`]); per SLI,
//! `precision` {`target`, `headline`, `status` (`reached`, `imprecise` or
//! `no-outage`), `reached`, `replications_needed`} (see
//! [`PrecisionReport`]). `precision_reached` is `null` for a fixed number
//! of replications and says whether a precision-driven run reached its
//! target otherwise.
//!
//! Versioning: adding a field keeps the version; renaming, removing or
//! changing the meaning of one bumps it.
//!
//! [`SliReport`]: super::SliReport
//! [`WorkloadScalingReport`]: super::WorkloadScalingReport
//! [`NodeReport`]: super::NodeReport
//! [`StoppingReport`]: super::StoppingReport
//! [`WarningReport`]: super::WarningReport
//! [`PrecisionReport`]: super::PrecisionReport

use super::output::{Kind, Output};
use super::{Report, ReportError};
use crate::experiment::SampledReplication;

/// Version of the JSON layout.
pub const SCHEMA_VERSION: u32 = 2;

/// How many replications (the first, by index) a report keeps the
/// unavailability of, per SLI (`replication_unavailability`).
pub const REPORT_SAMPLE_REPLICATIONS: u64 = 2_000;

/// The unavailability of SLI `sli` in the first
/// [`REPORT_SAMPLE_REPLICATIONS`] sampled replications, by index; it stops
/// at the first gap, so entry `i` is always replication `i`.
pub(super) fn sampled_unavailability(sample: &[SampledReplication], sli: usize) -> Vec<f64> {
    sample
        .iter()
        .take(REPORT_SAMPLE_REPLICATIONS as usize)
        .enumerate()
        .take_while(|(i, s)| s.replication == *i as u64)
        .map_while(|(_, s)| s.slis.get(sli).map(|x| 1.0 - x.availability))
        .collect()
}

/// Writes the report as pretty JSON. An existing file is replaced only if
/// it is itself a nines report, so nothing else a user wrote is lost (see
/// [`output`](super::output)).
pub fn write_json(report: &Report, out: impl Into<Output>) -> Result<(), ReportError> {
    write_pretty(report, out)
}

/// Writes any nines JSON document (report, sweep) pretty, with a final
/// newline, under the [`Kind::Json`] rule.
pub(super) fn write_pretty<T: serde::Serialize>(
    value: &T,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    out.into().write_with(Kind::Json, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}
