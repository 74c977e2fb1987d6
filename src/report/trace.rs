//! The event timeline of one replication as JSON lines: one object per
//! line with `time_seconds`, `kind`, `detail` and `cause` (the initiating
//! fault outages are charged to at that moment) and `schema_version`
//! ([`TRACE_SCHEMA_VERSION`]); and the `--timeseries` CSV, whose last
//! column is `schema_version` (the CSV layouts' version, see `report::csv`).

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::ReportError;
use super::csv::CSV_SCHEMA_VERSION;
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
pub fn write_trace(entries: &[TraceEntry], path: &Path) -> Result<(), ReportError> {
    let ours = |existing: &str| {
        let first = existing.lines().next().unwrap_or("");
        serde_json::from_str::<serde_json::Value>(first)
            .ok()
            .is_some_and(|v| v.get("time_seconds").is_some() && v.get("kind").is_some())
    };
    let (mut out, io) = create_replacing(path, ours)?;
    for entry in entries {
        let line = serde_json::to_string(&TraceLine {
            entry,
            schema_version: TRACE_SCHEMA_VERSION,
        })
        .map_err(|e| io(std::io::Error::other(e)))?;
        writeln!(out, "{line}").map_err(&io)?;
    }
    out.flush().map_err(io)
}

/// Opens `path` for writing, refusing to replace a non-empty file that
/// `ours` does not recognise as one of ours; also returns the I/O error
/// mapping for it.
fn create_replacing(
    path: &Path,
    ours: impl Fn(&str) -> bool,
) -> Result<
    (
        std::io::BufWriter<std::fs::File>,
        impl Fn(std::io::Error) -> ReportError,
    ),
    ReportError,
> {
    let shown = path.display().to_string();
    let io = move |e: std::io::Error| ReportError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    if path.exists() {
        let existing = std::fs::read_to_string(path).unwrap_or_default();
        if !(existing.is_empty() || ours(&existing)) {
            return Err(ReportError::WouldOverwrite {
                path: path.display().to_string(),
            });
        }
    }
    let file = std::fs::File::create(path).map_err(&io)?;
    Ok((std::io::BufWriter::new(file), io))
}

/// The header of a `--timeseries` CSV.
const TIMESERIES_HEADER: &str =
    "time_seconds,workload,demand,served,replicas,ready,nodes,pending,schema_version";

/// The header the time series had before `schema_version`: such a file is
/// ours too.
const TIMESERIES_HEADER_UNVERSIONED: &str =
    "time_seconds,workload,demand,served,replicas,ready,nodes,pending";

/// Writes one replication's sampled time series as CSV. An existing file
/// is replaced only if it is itself a nines time series.
pub fn write_timeseries(rows: &[TimeseriesRow], path: &Path) -> Result<(), ReportError> {
    let ours = |existing: &str| {
        let first = existing.lines().next();
        first == Some(TIMESERIES_HEADER) || first == Some(TIMESERIES_HEADER_UNVERSIONED)
    };
    let (mut out, io) = create_replacing(path, ours)?;
    writeln!(out, "{TIMESERIES_HEADER}").map_err(&io)?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{CSV_SCHEMA_VERSION}",
            r.time_seconds, r.workload, r.demand, r.served, r.replicas, r.ready, r.nodes, r.pending
        )
        .map_err(&io)?;
    }
    out.flush().map_err(io)
}
