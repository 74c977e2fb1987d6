//! Partial-run files: what `nines run --shard I/N --json FILE` writes and
//! `nines merge` reads.
//!
//! Layout (partial schema version 2): compact JSON, one object with `kind`
//! (always `"nines-partial-run"`), `schema_version`, `nines_version`,
//! `scenario`, `digest`, `scenario_text`, `seed`, `replications` (of the
//! whole run), `shard` and `shards` (this part is shard `shard` of
//! `shards`, counted from 1), `horizon_seconds`, `warmup_seconds`,
//! `confidence`, and `sums`: the exact running sums of the replications
//! this shard ran (per SLI, per loaded workload, for the nodes and for
//! data loss: the moments and histograms the report is computed from,
//! each exact sum written as its list of partials), plus the individual
//! figures of those of its replications among the run's first 10,000. It
//! is an intermediate file,
//! not a report: merge the parts to get the report.

use std::path::Path;

use super::ReportError;
use super::output::{Kind, Output};
use crate::experiment::shard::{PARTIAL_KIND, PartialRun};

/// Writes a partial run. An existing file is replaced only if it is itself
/// a nines partial run or report (see [`output`](super::output)).
pub fn write_partial(part: &PartialRun, out: impl Into<Output>) -> Result<(), ReportError> {
    out.into().write_with(Kind::Json, |w| {
        serde_json::to_writer(&mut *w, part).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Reads a partial run, saying clearly when the file is something else.
pub fn read_partial(path: &Path) -> Result<PartialRun, ReportError> {
    let shown = path.display().to_string();
    let invalid = |message: String| ReportError::Io {
        path: shown.clone(),
        message,
    };
    let text = super::output::read_input(path).map_err(invalid)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(format!("not a JSON file ({e})")))?;
    if value.get("kind").and_then(serde_json::Value::as_str) != Some(PARTIAL_KIND) {
        let hint = if value.get("nines_version").is_some() {
            "it is a full report, not a shard's part; merge the files written by `nines run --shard I/N --json FILE`"
        } else {
            "not a nines partial run; write one with `nines run FILE --shard I/N --json FILE`"
        };
        return Err(invalid(hint.into()));
    }
    serde_json::from_value(value)
        .map_err(|e| invalid(format!("not a valid nines partial run: {e}")))
}
