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
//!   that of the overridden scenario text as nines wrote it);
//! - `reference`: the index of the point the differences are taken
//!   against (`--reference`, else 0), and per point `difference`
//!   ([`PointDifference`]): `reference`, `pairs` (replications paired),
//!   `note` (why there is no difference, else `null`) and `slis`, one
//!   object per SLI present at both points with `name`, `identical` (every
//!   pair equal: exactly zero, nothing estimated), `unavailability` and
//!   `downtime_seconds_per_year` {`point`, `lower`, `upper`, `std_error`}:
//!   the mean of the per-replication differences (this point minus the
//!   reference) with its paired Student-t interval.
//!
//! Versioning as for the run report: adding a field keeps the version
//! (`reference` and `difference` were added in version 1).
//!
//! # Paired differences
//!
//! Every point runs with the master seed and each random source draws
//! from its own stream (see `experiment::sweep`), so replication *i* at two
//! points saw the same failures wherever the swept parameter does not
//! reach. A point's difference to the reference is therefore taken
//! replication by replication: `d_i = u_i(point) - u_i(reference)` for the
//! unavailability `u` of each SLI, over the first
//! `min(replications, 10,000)` replications (the run keeps no more), with
//! a Student-t interval on the mean of the `d_i`. Everything the points
//! share cancels, so the difference is far more precise than the two
//! figures' own intervals suggest, and it is exactly zero, with no
//! interval, for an SLI the parameter cannot reach. A point run with
//! another seed or another replication count than the reference (a swept
//! `seed` or `replications`, or `--precision` stopping the points apart)
//! gets no difference, and its `note` says why.
//!
//! # CSV (`--csv FILE`)
//!
//! The run report's summary CSV (`report::csv`), one block of rows per
//! point, with the point's label in the `point` column, followed for each
//! point with a paired difference by two rows per SLI: metric
//! `unavailability_difference` (unit `fraction`) and
//! `downtime_per_year_difference` (unit `seconds/year`), `value` the mean
//! difference to the reference and `lower`/`upper` its interval. After
//! `point` comes one column per swept parameter, named by its path and
//! holding the point's value as written (`zones`, `etcd.members`), so
//! `pandas.pivot_table(index="zones", columns="etcd.members")` needs no
//! parsing of the label. `--causes-csv FILE` writes the downtime by cause
//! of every point (`report::csv`) with the same parameter columns.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::chart::DifferencePoint;
use super::check::signed_duration;
use super::csv::SummaryRow;
use super::output::Output;
use super::units::{duration, percent, percent_with_margin};
use super::{Interval, Report, ReportError, ScenarioInfo, SliReport};
use crate::experiment::sums::YEAR_SECS;
use crate::experiment::sweep::{SweepPointResult, SweepResult};
use crate::stats::paired_difference;

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
    /// Index of the point the differences are taken against.
    #[serde(default)]
    pub reference: usize,
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
    /// Its paired differences to the reference point (absent in files
    /// written before they existed).
    #[serde(default)]
    pub difference: Option<PointDifference>,
}

/// One point's paired differences to the sweep's reference point (see the
/// module docs).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PointDifference {
    /// Index of the reference point.
    pub reference: usize,
    /// Replications paired (0 when there is no difference).
    pub pairs: u64,
    /// Why there is no paired difference; `None` when there is.
    pub note: Option<String>,
    /// One entry per SLI present at both points, in this point's order.
    pub slis: Vec<SliDifference>,
}

/// One SLI's paired difference, this point minus the reference.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SliDifference {
    /// SLI name.
    pub name: String,
    /// Every pair was equal: the difference is exactly zero.
    pub identical: bool,
    /// Mean difference in per-replication unavailability (a fraction),
    /// with its paired Student-t interval.
    pub unavailability: Interval,
    /// The same in downtime per year, seconds.
    pub downtime_seconds_per_year: Interval,
}

impl PointDifference {
    /// The difference of `name`, if computed.
    pub fn sli(&self, name: &str) -> Option<&SliDifference> {
        self.slis.iter().find(|s| s.name == name)
    }
}

/// The label of a point: `path=value` of every axis, space-separated.
pub fn point_label(values: &[(String, Value)]) -> String {
    values
        .iter()
        .map(|(path, value)| format!("{path}={}", text(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The point `wanted` names among points labelled `labels`: an index from
/// 0, or a label as the table and the CSV write it (`zones=2
/// etcd.members=3`). The error says what would be valid.
pub fn find_reference(labels: &[String], wanted: &str) -> Result<usize, String> {
    let wanted = wanted.trim();
    if let Ok(index) = wanted.parse::<usize>() {
        return if index < labels.len() {
            Ok(index)
        } else {
            Err(format!(
                "--reference {wanted}: the sweep has {} points, numbered 0 to {}",
                labels.len(),
                labels.len().saturating_sub(1)
            ))
        };
    }
    let canonical = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(index) = labels
        .iter()
        .position(|l| canonical(l) == canonical(wanted))
    {
        return Ok(index);
    }
    const SHOWN: usize = 8;
    let mut valid: Vec<String> = labels
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, l)| format!("{i} ({l})"))
        .collect();
    if labels.len() > SHOWN {
        valid.push(format!("… {} more", labels.len() - SHOWN));
    }
    Err(format!(
        "--reference {wanted}: no point has this label; give an index or a label: {}",
        valid.join(", ")
    ))
}

/// The unavailability of SLI `sli` in each sampled replication, by index
/// (stopping at the first gap).
fn sampled_unavailability(point: &SweepPointResult, sli: usize) -> Vec<f64> {
    point
        .result
        .sample
        .iter()
        .enumerate()
        .take_while(|(i, s)| s.replication == *i as u64)
        .map_while(|(_, s)| s.slis.get(sli).map(|x| 1.0 - x.availability))
        .collect()
}

/// The paired differences of `point` to `reference` (see the module docs).
fn difference(
    point: &SweepPointResult,
    reference: &SweepPointResult,
    index: usize,
) -> PointDifference {
    let (now, base) = (&point.result, &reference.result);
    let none = |note: String| PointDifference {
        reference: index,
        pairs: 0,
        note: Some(note),
        slis: Vec::new(),
    };
    if point.seed != reference.seed {
        return none(format!(
            "seed {} here, {} at the reference: replications are not paired",
            point.seed, reference.seed
        ));
    }
    if now.replications != base.replications {
        return none(format!(
            "{} replications here, {} at the reference: not paired",
            now.replications, base.replications
        ));
    }
    let level = now.confidence;
    let mut pairs = 0;
    let slis = now
        .slis
        .iter()
        .enumerate()
        .filter_map(|(i, sli)| {
            let j = base.slis.iter().position(|s| s.name == sli.name)?;
            let d = paired_difference(
                &sampled_unavailability(point, i),
                &sampled_unavailability(reference, j),
                level,
            )?;
            pairs = pairs.max(d.pairs);
            let u: Interval = d.estimate.into();
            let year = |x: f64| x * YEAR_SECS;
            Some(SliDifference {
                name: sli.name.clone(),
                identical: d.identical,
                unavailability: u,
                downtime_seconds_per_year: Interval {
                    point: year(u.point),
                    lower: year(u.lower),
                    upper: year(u.upper),
                    std_error: year(u.std_error),
                },
            })
        })
        .collect();
    PointDifference {
        reference: index,
        pairs,
        note: None,
        slis,
    }
}

impl SweepReport {
    /// The report of a sweep, with differences to its first point.
    pub fn new(result: &SweepResult) -> SweepReport {
        SweepReport::with_reference(result, 0)
    }

    /// The report of a sweep, with differences to point `reference` (the
    /// first point if there is no such point).
    pub fn with_reference(result: &SweepResult, reference: usize) -> SweepReport {
        let reference = if reference < result.points.len() {
            reference
        } else {
            0
        };
        let base = result.points.get(reference);
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
            reference,
            points: result
                .points
                .iter()
                .map(|p| SweepPointReport {
                    index: p.index,
                    label: point_label(&p.values),
                    values: p.values.iter().cloned().collect(),
                    seed: p.seed,
                    machines: p.machines,
                    report: Report::new(&p.result),
                    difference: base.map(|b| difference(p, b, reference)),
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

/// The sweep table: per point, one row per SLI (only `slis` if not empty),
/// with each SLI's paired difference in downtime per year to the
/// reference point.
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
    let level = first.map_or(95.0, |r| r.confidence * 100.0);
    out.push_str(&format!(
        "nines {} sweep: {}, {} points x {} replications x {}, seed {} (common to every point), {:.0}% confidence\n",
        sweep.nines_version,
        sweep.scenario.name,
        sweep.points.len(),
        same(&|r| r.replications.to_string()),
        same(&|r| duration(r.horizon_seconds)),
        sweep.seed,
        level,
    ));
    let reference = sweep.points.get(sweep.reference);
    if let Some(r) = reference {
        let pairs = sweep
            .points
            .iter()
            .filter_map(|p| p.difference.as_ref())
            .map(|d| d.pairs)
            .max()
            .unwrap_or(0);
        let sampled = if sweep.points.iter().any(|p| {
            p.difference
                .as_ref()
                .is_some_and(|d| d.pairs > 0 && d.pairs < p.report.replications)
        }) {
            format!(" over the first {pairs} replications")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "Δ vs ref: paired difference to point {} ({}), replication by replication{sampled}, ± {level:.0}% interval\n",
            sweep.reference, r.label
        ));
    }
    out.push('\n');
    let mut header: Vec<String> = sweep.parameters.clone();
    header.extend(
        [
            "SLI",
            "availability",
            "nines",
            "downtime/yr",
            "Δ downtime/yr vs ref",
            "outages/yr",
            "MTTR",
        ]
        .map(String::from),
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut unpaired: Vec<String> = Vec::new();
    for point in &sweep.points {
        let mut first_row = true;
        let is_reference = point.index == sweep.reference;
        if let Some(note) = point.difference.as_ref().and_then(|d| d.note.as_ref()) {
            unpaired.push(format!("{}: {note}", point.label));
        }
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
            let delta = if is_reference {
                "ref".to_string()
            } else {
                point
                    .difference
                    .as_ref()
                    .and_then(|d| d.sli(&sli.name))
                    .map_or("-".into(), difference_text)
            };
            let [name, availability, nines, downtime, outages, mttr] = cells(sli);
            row.extend([name, availability, nines, downtime, delta, outages, mttr]);
            rows.push(row);
            first_row = false;
        }
    }
    out.push_str(&super::table::grid(
        &header,
        &rows,
        sweep.parameters.len() + 1,
    ));
    if !unpaired.is_empty() {
        out.push_str("\nNo paired difference (-):\n");
        for line in unpaired {
            out.push_str(&format!("  {line}\n"));
        }
    }
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

/// A difference in downtime per year for the table: `+2h 31m ± 1h 2m`,
/// or `identical`.
fn difference_text(d: &SliDifference) -> String {
    if d.identical {
        return "identical".into();
    }
    let i = &d.downtime_seconds_per_year;
    let half = (i.upper - i.lower) / 2.0;
    if half > 0.0 && half.is_finite() {
        format!("{} ± {}", signed_duration(i.point), duration(half))
    } else {
        signed_duration(i.point)
    }
}

/// Writes the sweep as pretty JSON. An existing file is replaced only if it
/// is itself a nines report (of any kind).
pub fn write_sweep_json(sweep: &SweepReport, out: impl Into<Output>) -> Result<(), ReportError> {
    super::json::write_pretty(sweep, out)
}

/// Writes the summary CSV of every point, then the paired differences
/// (see the module docs).
pub fn write_sweep_csv(sweep: &SweepReport, out: impl Into<Output>) -> Result<(), ReportError> {
    let mut rows: Vec<SummaryRow> = sweep
        .points
        .iter()
        .flat_map(|p| super::csv::summary_rows(&p.report, &p.label))
        .collect();
    let finite = |x: f64| x.is_finite().then_some(x);
    for point in &sweep.points {
        let Some(d) = &point.difference else { continue };
        for sli in &d.slis {
            for (metric, i, unit) in [
                ("unavailability_difference", &sli.unavailability, "fraction"),
                (
                    "downtime_per_year_difference",
                    &sli.downtime_seconds_per_year,
                    "seconds/year",
                ),
            ] {
                rows.push(SummaryRow {
                    scenario: point.report.scenario.name.clone(),
                    point: point.label.clone(),
                    sli: sli.name.clone(),
                    metric,
                    value: finite(i.point),
                    lower: finite(i.lower),
                    upper: finite(i.upper),
                    unit,
                    schema_version: super::csv::CSV_SCHEMA_VERSION,
                });
            }
        }
    }
    write_with_parameters(sweep, &rows, super::csv::SUMMARY_KIND, out)
}

/// Writes the downtime-by-cause CSV of every point (see `report::csv`),
/// with one column per swept parameter.
pub fn write_sweep_causes_csv(
    sweep: &SweepReport,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    let rows: Vec<super::csv::CauseRow> = sweep
        .points
        .iter()
        .flat_map(|p| super::csv::cause_rows(&p.report, &p.label))
        .collect();
    write_with_parameters(sweep, &rows, super::csv::SUMMARY_KIND, out)
}

/// Writes rows of the sweep's points with one column per swept parameter
/// after `point`, holding the point's value as written.
fn write_with_parameters<T: Serialize>(
    sweep: &SweepReport,
    rows: &[T],
    kind: super::output::Kind,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    let by_label: std::collections::HashMap<&str, Vec<String>> = sweep
        .points
        .iter()
        .map(|p| {
            let values = sweep
                .parameters
                .iter()
                .map(|name| p.values.get(name).map(text).unwrap_or_default())
                .collect();
            (p.label.as_str(), values)
        })
        .collect();
    let values = |label: &str| by_label.get(label).cloned().unwrap_or_default();
    super::csv::write_rows_with_parameters(rows, &sweep.parameters, &values, kind, out)
}

/// Draws availability against the first parameter with more than one value
/// (the x axis), one `sweep` chart per combination of the other parameters'
/// values: in `dir` itself when there is one combination, else in
/// sub-directories named after it (`zones=2`). Beside each, a
/// `sweep_difference` chart draws the paired differences in downtime per
/// year to the reference point (the same reference for every
/// combination), when any point has one. Numbers are plotted as they
/// are, durations in seconds, other values by their position in the axis.
/// `reports` must be the point reports as their JSON reads back (see
/// `report::json_round_trip`) for charts identical to redrawn ones.
pub fn render_sweep_charts(
    sweep: &SweepReport,
    reports: &[Report],
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    let dir = dir.into();
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
    let mut differences: Vec<(String, Vec<DifferencePoint<'_>>)> = Vec::new();
    for (point, report) in sweep.points.iter().zip(reports) {
        let key = sweep
            .parameters
            .iter()
            .filter(|p| *p != x_param && distinct(p).len() > 1)
            .map(|p| format!("{p}={}", point.values.get(p).map_or(String::new(), text)))
            .collect::<Vec<_>>()
            .join(",");
        let x = point.values.get(x_param).map_or(f64::NAN, x_of);
        if let Some(d) = point.difference.as_ref().filter(|d| d.note.is_none()) {
            let drawn = DifferencePoint {
                x,
                reference: point.index == sweep.reference,
                slis: d
                    .slis
                    .iter()
                    .map(|s| {
                        let i = &s.downtime_seconds_per_year;
                        let (lower, upper) = if s.identical {
                            (i.point, i.point)
                        } else {
                            (i.lower, i.upper)
                        };
                        (s.name.as_str(), i.point, lower, upper)
                    })
                    .collect(),
            };
            match differences.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(drawn),
                None => differences.push((key.clone(), vec![drawn])),
            }
        }
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push((x, report)),
            None => groups.push((key, vec![(x, report)])),
        }
    }
    let reference = sweep.points.get(sweep.reference);
    let subtitle = match (reference, reports.first()) {
        (Some(r), Some(report)) => format!(
            "vs {} · {}, seed {}, replication by replication",
            r.label,
            if reports
                .iter()
                .all(|x| x.replications == report.replications)
            {
                format!("{} replications each", report.replications)
            } else {
                "replications varying".into()
            },
            report.seed
        ),
        _ => String::new(),
    };
    let level = reports.first().map_or(0.95, |r| r.confidence);
    let mut files = Vec::new();
    for (key, points) in &groups {
        let target = if groups.len() == 1 {
            dir.clone()
        } else {
            dir.child(&key.replace(['/', '\\'], "_"))
        };
        files.extend(super::chart::render_sweep(&label, points, &target)?);
        if let Some((_, drawn)) = differences.iter().find(|(k, _)| k == key) {
            files.extend(super::chart::render_sweep_difference(
                &label, &subtitle, level, drawn, &target,
            )?);
        }
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
