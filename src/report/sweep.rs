//! Sweep reports: one [`Report`] per grid point, with the parameter values
//! that made it, and its views (table, JSON, CSV, charts).
//!
//! # JSON (`nines sweep --json FILE`), sweep schema version 1
//!
//! One object:
//!
//! - `schema_version` (this layout's version, [`SWEEP_SCHEMA_VERSION`]),
//!   `kind` (`"sweep"`), `nines_version`;
//! - `scenario` {`name`, `digest`}: the swept file as written;
//! - `seed`: the master seed (`--seed`, or the scenario's);
//! - `parameters`: the swept paths, in axis order (the first varies slowest);
//! - `points`: one object per grid point, in grid order, with `index`,
//!   `label` (`etcd.members=3 zones=2`, the CSV's `point` column), `values`
//!   (path → value as written: a number, or text such as `"10s"`), `seed`
//!   (the master seed: every point runs with it, see `experiment::sweep`), `machines` (machines of
//!   every role at this point, a cost measure), and `report`: the full
//!   run report of that point, exactly as `nines run --json` writes it
//!   (its own `schema_version`, see `report::json`; its scenario `digest` is
//!   that of the overridden scenario text as nines wrote it).
//!
//! Versioning as for the run report: adding a field keeps the version.
//!
//! # CSV (`--csv FILE`)
//!
//! The run report's summary CSV (`report::csv`), one block of rows per
//! point, with the point's label in the `point` column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::units::{duration, percent, percent_with_margin};
use super::{Report, ReportError, ScenarioInfo, SliReport};
use crate::experiment::sweep::SweepResult;

/// Version of the sweep JSON layout.
pub const SWEEP_SCHEMA_VERSION: u32 = 1;

/// A whole sweep.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepReport {
    /// Version of this layout.
    pub schema_version: u32,
    /// Always `sweep`, so a reader can tell it from a run report.
    pub kind: String,
    /// Version of nines that produced it.
    pub nines_version: String,
    /// The swept scenario, before overrides.
    pub scenario: ScenarioInfo,
    /// Master seed.
    pub seed: u64,
    /// Swept paths, in axis order.
    pub parameters: Vec<String>,
    /// One entry per grid point, in grid order.
    pub points: Vec<SweepPointReport>,
}

/// One grid point.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepPointReport {
    /// Position in the grid, from 0.
    pub index: usize,
    /// `path=value` of every axis, space-separated.
    pub label: String,
    /// Each swept path's value at this point.
    pub values: Map<String, Value>,
    /// The seed this point ran with.
    pub seed: u64,
    /// Machines at this point, all roles: a cost measure.
    pub machines: usize,
    /// The point's full report.
    pub report: Report,
}

impl SweepReport {
    /// The report of a sweep.
    pub fn new(result: &SweepResult) -> SweepReport {
        SweepReport {
            schema_version: SWEEP_SCHEMA_VERSION,
            kind: "sweep".into(),
            nines_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: result.scenario.clone(),
                digest: result.digest.clone(),
            },
            seed: result.seed,
            parameters: result.parameters.clone(),
            points: result
                .points
                .iter()
                .map(|p| SweepPointReport {
                    index: p.index,
                    label: p
                        .values
                        .iter()
                        .map(|(path, value)| format!("{path}={}", text(value)))
                        .collect::<Vec<_>>()
                        .join(" "),
                    values: p.values.iter().cloned().collect(),
                    seed: p.seed,
                    machines: p.machines,
                    report: Report::new(&p.result),
                })
                .collect(),
        }
    }
}

/// A value as a user writes it: text unquoted, collections in YAML flow
/// form (`{fixed: 5m}`).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// The sweep table: per point, one row per SLI (only `slis` if not empty).
pub fn render_sweep_table(sweep: &SweepReport, slis: &[String]) -> String {
    let mut out = String::new();
    let first = sweep.points.first().map(|p| &p.report);
    let same = |f: &dyn Fn(&Report) -> String| {
        let mut all = sweep.points.iter().map(|p| f(&p.report));
        let one = all.next().unwrap_or_default();
        if all.all(|x| x == one) {
            one
        } else {
            "varying".into()
        }
    };
    out.push_str(&format!(
        "nines {} sweep: {}, {} points x {} replications x {}, seed {} (common to every point), {:.0}% confidence\n\n",
        sweep.nines_version,
        sweep.scenario.name,
        sweep.points.len(),
        same(&|r| r.replications.to_string()),
        same(&|r| duration(r.horizon_seconds)),
        sweep.seed,
        first.map_or(95.0, |r| r.confidence * 100.0),
    ));
    let mut header: Vec<String> = sweep.parameters.clone();
    header.extend(
        [
            "SLI",
            "availability",
            "nines",
            "downtime/yr",
            "outages/yr",
            "MTTR",
        ]
        .map(String::from),
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    for point in &sweep.points {
        let mut first_row = true;
        for sli in &point.report.slis {
            if !slis.is_empty() && !slis.contains(&sli.name) {
                continue;
            }
            let mut row: Vec<String> = sweep
                .parameters
                .iter()
                .map(|p| match (first_row, point.values.get(p)) {
                    (true, Some(v)) => text(v),
                    _ => String::new(),
                })
                .collect();
            row.extend(cells(sli));
            rows.push(row);
            first_row = false;
        }
    }
    out.push_str(&super::table::grid(
        &header,
        &rows,
        sweep.parameters.len() + 1,
    ));
    out
}

fn cells(s: &SliReport) -> [String; 6] {
    let half = (s.availability.upper - s.availability.lower) / 2.0;
    let (availability, nines) = match s.unavailability_upper {
        Some(upper) => (
            format!(">= {}", percent(1.0 - upper)),
            format!(">= {:.2}", s.nines.point),
        ),
        None => (
            percent_with_margin(s.availability.point, half),
            format!("{:.2}", s.nines.point),
        ),
    };
    let outages = match s.outages_per_year_upper {
        Some(upper) => format!("< {upper:.2}"),
        None => format!("{:.2}", s.outages_per_year.point),
    };
    [
        s.name.clone(),
        availability,
        nines,
        duration(s.downtime_seconds_per_year.point),
        outages,
        s.mttr_seconds.map_or("-".into(), |m| duration(m.point)),
    ]
}

/// Writes the sweep as pretty JSON. An existing file is replaced only if it
/// is itself a nines report (of any kind).
pub fn write_sweep_json(sweep: &SweepReport, path: &Path) -> Result<(), ReportError> {
    let shown = path.display().to_string();
    if path.exists() {
        let existing = std::fs::read_to_string(path).unwrap_or_default();
        let is_report = serde_json::from_str::<Value>(&existing)
            .ok()
            .is_some_and(|v| v.get("schema_version").is_some() && v.get("nines_version").is_some());
        if !is_report {
            return Err(ReportError::WouldOverwrite { path: shown });
        }
    }
    let io = |message: String| ReportError::Io {
        path: shown.clone(),
        message,
    };
    let mut text = serde_json::to_string_pretty(sweep).map_err(|e| io(e.to_string()))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| io(e.to_string()))
}

/// Writes the summary CSV of every point (see the module docs).
pub fn write_sweep_csv(sweep: &SweepReport, path: &Path) -> Result<(), ReportError> {
    let points: Vec<(String, &Report)> = sweep
        .points
        .iter()
        .map(|p| (p.label.clone(), &p.report))
        .collect();
    super::csv::write_csv_points(&points, path)
}

/// Draws availability against the first parameter with more than one value
/// (the x axis), one `sweep` chart per combination of the other parameters'
/// values: in `dir` itself when there is one combination, else in
/// sub-directories named after it (`zones=2`). Numbers are plotted as they
/// are, durations in seconds, other values by their position in the axis.
/// `reports` must be the point reports as their JSON reads back (see
/// `report::json_round_trip`) for charts identical to redrawn ones.
pub fn render_sweep_charts(
    sweep: &SweepReport,
    reports: &[Report],
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let distinct = |p: &String| {
        let mut seen: Vec<&Value> = Vec::new();
        for point in &sweep.points {
            if let Some(v) = point.values.get(p)
                && !seen.contains(&v)
            {
                seen.push(v);
            }
        }
        seen
    };
    let Some(x_param) = sweep
        .parameters
        .iter()
        .find(|p| distinct(p).len() > 1)
        .or(sweep.parameters.first())
    else {
        return Ok(Vec::new());
    };
    let x_values = distinct(x_param);
    let numeric = x_values.iter().all(|v| v.as_f64().is_some());
    let durations = !numeric && x_values.iter().all(|v| seconds(v).is_some());
    let x_of = |v: &Value| -> f64 {
        if numeric {
            v.as_f64().unwrap_or(f64::NAN)
        } else if durations {
            seconds(v).unwrap_or(f64::NAN)
        } else {
            x_values
                .iter()
                .position(|x| *x == v)
                .map_or(f64::NAN, |i| i as f64)
        }
    };
    let label = if numeric {
        x_param.clone()
    } else if durations {
        format!("{x_param} (seconds)")
    } else {
        let legend: Vec<String> = x_values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{i} = {}", text(v)))
            .collect();
        format!("{x_param} ({})", legend.join(", "))
    };
    // Group points by the values of the other parameters, in grid order.
    let mut groups: Vec<(String, Vec<(f64, &Report)>)> = Vec::new();
    for (point, report) in sweep.points.iter().zip(reports) {
        let key = sweep
            .parameters
            .iter()
            .filter(|p| *p != x_param && distinct(p).len() > 1)
            .map(|p| format!("{p}={}", point.values.get(p).map_or(String::new(), text)))
            .collect::<Vec<_>>()
            .join(",");
        let x = point.values.get(x_param).map_or(f64::NAN, x_of);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push((x, report)),
            None => groups.push((key, vec![(x, report)])),
        }
    }
    let mut files = Vec::new();
    for (key, points) in &groups {
        let target = if groups.len() == 1 {
            dir.to_path_buf()
        } else {
            dir.join(key.replace(['/', '\\'], "_"))
        };
        files.extend(super::chart::render_sweep(&label, points, &target)?);
    }
    Ok(files)
}

/// A duration written as text, in seconds.
fn seconds(value: &Value) -> Option<f64> {
    let text = value.as_str()?;
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let number: f64 = text[..split].parse().ok()?;
    let unit = match &text[split..] {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        "y" => 365.0 * 86_400.0,
        _ => return None,
    };
    Some(number * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(&Value::from("90s")), Some(90.0));
        assert_eq!(seconds(&Value::from("1.5m")), Some(90.0));
        assert_eq!(seconds(&Value::from("stacked")), None);
        assert_eq!(seconds(&Value::from(3)), None);
    }
}
