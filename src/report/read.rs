//! Reading a saved JSON report back, for commands that redraw or compare
//! without simulating (`nines plot`).

use std::path::Path;

use super::{Report, ReportError, SCHEMA_VERSION};

/// Reads a report written by [`write_json`](super::write_json). Errors name
/// the file and say whether it is missing, not JSON, not a nines report, or
/// of another schema version.
pub fn read_json(path: &Path) -> Result<Report, ReportError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::Io {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    parse(&text, &shown)
}

/// The report as it reads back from its JSON file: non-finite values become
/// NaN, as in [`read_json`]. Drawing from this rather than from the
/// in-memory report makes `nines run --plot` and `nines plot` agree byte
/// for byte.
pub fn json_round_trip(report: &Report) -> Result<Report, ReportError> {
    let text = serde_json::to_string(report).map_err(|e| ReportError::Io {
        path: "<report>".into(),
        message: e.to_string(),
    })?;
    parse(&text, "<report>")
}

fn parse(text: &str, shown: &str) -> Result<Report, ReportError> {
    let invalid = |message: String| ReportError::Io {
        path: shown.to_string(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("not a JSON file ({e})")))?;
    if value.get("kind").and_then(serde_json::Value::as_str) == Some(super::check::CHECK_KIND) {
        return Err(invalid(
            "these are the verdicts of `nines check --json`, not a run report; \
             save a report with `nines run --json FILE` or `nines check --report-json FILE`"
                .into(),
        ));
    }
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        None => {
            return Err(invalid(
                "not a nines report (no `schema_version`); write one with `nines run --json FILE`"
                    .into(),
            ));
        }
        Some(version) if version != u64::from(SCHEMA_VERSION) => {
            return Err(invalid(format!(
                "report schema version {version}, but this nines reads version {SCHEMA_VERSION}; \
                 rerun the scenario with this version"
            )));
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| invalid(format!("not a valid nines report: {e}")))
}
