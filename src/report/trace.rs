//! The event timeline of one replication as JSON lines: one object per
//! line with `time_seconds`, `kind`, `detail` and `cause` (the initiating
//! fault outages are charged to at that moment).

use super::ReportError;
use super::output::{Kind, Output};
use crate::experiment::{TimeseriesRow, TraceEntry};

/// Writes the timeline. An existing file is replaced only if it is itself
/// a nines trace (its first line has `time_seconds` and `kind`).
pub fn write_trace(entries: &[TraceEntry], out: impl Into<Output>) -> Result<(), ReportError> {
    out.into().write_with(Kind::Trace, |w| {
        for entry in entries {
            serde_json::to_writer(&mut *w, entry).map_err(std::io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// The header of a `--timeseries` CSV.
const TIMESERIES_HEADER: &str = "time_seconds,workload,demand,served,replicas,ready,nodes,pending";

/// What an existing `--timeseries` file must start with to be replaced.
pub const TIMESERIES_KIND: Kind = Kind::Csv(TIMESERIES_HEADER);

/// Writes one replication's sampled time series as CSV. An existing file
/// is replaced only if it is itself a nines time series.
pub fn write_timeseries(rows: &[TimeseriesRow], out: impl Into<Output>) -> Result<(), ReportError> {
    out.into().write_with(TIMESERIES_KIND, |w| {
        writeln!(w, "{TIMESERIES_HEADER}")?;
        for r in rows {
            writeln!(
                w,
                "{},{},{},{},{},{},{},{}",
                r.time_seconds,
                r.workload,
                r.demand,
                r.served,
                r.replicas,
                r.ready,
                r.nodes,
                r.pending
            )?;
        }
        Ok(())
    })
}
