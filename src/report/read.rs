//! Reading a saved JSON report back, for commands that redraw or compare
//! without simulating (`nines plot`).

use std::path::Path;

use super::{Report, ReportError, SCHEMA_VERSION};

/// Reads a report written by [`write_json`](super::write_json). Errors name
/// the file and say whether it is missing, not JSON, not a nines report, or
/// of another schema version.
pub fn read_json(path: &Path) -> Result<Report, ReportError> {
    let shown = path.display().to_string();
    let text = super::output::read_input(path).map_err(|message| ReportError::Io {
        path: shown.clone(),
        message,
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
    let report: Report = serde_json::from_value(value)
        .map_err(|e| invalid(format!("not a valid nines report: {e}")))?;
    check_consistent(&report).map_err(|m| invalid(format!("not a valid nines report: {m}")))?;
    Ok(report)
}

/// What no report nines writes can hold (a hand-edited or damaged file),
/// checked before the report is drawn or compared.
fn check_consistent(report: &Report) -> Result<(), String> {
    if !(report.confidence > 0.0 && report.confidence < 1.0) {
        return Err(format!(
            "`confidence` is {}, but a confidence level lies between 0 and 1 (e.g. 0.95)",
            report.confidence
        ));
    }
    if report.replications == 0 {
        return Err("`replications` is 0: there is nothing to draw or compare".into());
    }
    if !(report.horizon_seconds.is_finite() && report.horizon_seconds > 0.0) {
        return Err(format!(
            "`horizon_seconds` is {}, but a replication lasts a positive time",
            report.horizon_seconds
        ));
    }
    if !(report.warmup_seconds.is_finite()
        && report.warmup_seconds >= 0.0
        && report.warmup_seconds < report.horizon_seconds)
    {
        return Err(format!(
            "`warmup_seconds` is {}, but it lies between 0 and `horizon_seconds` ({})",
            report.warmup_seconds, report.horizon_seconds
        ));
    }
    if report.slis.is_empty() {
        return Err("it holds no SLI (`slis` is empty)".into());
    }
    let fraction = |x: f64| x.is_nan() || (0.0..=1.0).contains(&x);
    for (i, sli) in report.slis.iter().enumerate() {
        if report.slis[..i].iter().any(|s| s.name == sli.name) {
            return Err(format!("the SLI `{}` appears twice", sli.name));
        }
        if !fraction(sli.availability.point) {
            return Err(format!(
                "SLI `{}`: availability {} is not a fraction between 0 and 1",
                sli.name, sli.availability.point
            ));
        }
        if let Some(x) = sli
            .replication_unavailability
            .iter()
            .find(|x| !fraction(**x))
        {
            return Err(format!(
                "SLI `{}`: `replication_unavailability` holds {x}, not a fraction between 0 and 1",
                sli.name
            ));
        }
        if sli.replication_unavailability.len() as u64 > report.replications {
            return Err(format!(
                "SLI `{}`: `replication_unavailability` holds {} replications, more than the report's {}",
                sli.name,
                sli.replication_unavailability.len(),
                report.replications
            ));
        }
    }
    Ok(())
}
