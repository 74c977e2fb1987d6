//! The event timeline of one replication as JSON lines: one object per
//! line with `time_seconds`, `kind`, `detail` and `cause` (the initiating
//! fault outages are charged to at that moment) and `schema_version`
//! ([`TRACE_SCHEMA_VERSION`]); and the `--timeseries` CSV, whose last
//! column is `schema_version` (the CSV layouts' version, see `report::csv`).

use serde::Serialize;

use super::ReportError;
use super::csv::CSV_SCHEMA_VERSION;
use super::output::{Kind, Output};
use crate::experiment::{TimeseriesRow, TraceEntry};

/// Version of the trace's JSON-lines layout.
pub const TRACE_SCHEMA_VERSION: u32 = 1;

/// A trace line: the entry and the layout's version.
#[derive(Serialize)]
struct TraceLine<'a> {
    #[serde(flatten)]
    entry: &'a TraceEntry,
    schema_version: u32,
}

/// Writes the timeline. An existing file is replaced only if it is itself
/// a nines trace (its first line has `time_seconds` and `kind`).
pub fn write_trace(entries: &[TraceEntry], out: impl Into<Output>) -> Result<(), ReportError> {
    out.into().write_with(Kind::Trace, |w| {
        for entry in entries {
            let line = TraceLine {
                entry,
                schema_version: TRACE_SCHEMA_VERSION,
            };
            serde_json::to_writer(&mut *w, &line).map_err(std::io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// The header of a `--timeseries` CSV (a file with the header it had
/// before `schema_version`, without that column, is recognised too: see
/// `Kind::Csv`).
const TIMESERIES_HEADER: &str =
    "time_seconds,workload,demand,served,replicas,ready,nodes,pending,schema_version";

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
                "{},{},{},{},{},{},{},{},{CSV_SCHEMA_VERSION}",
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
