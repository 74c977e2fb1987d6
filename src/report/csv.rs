//! CSV exports, in long format for spreadsheets, pandas and R.
//!
//! Columns come from the flat row structs below (the `csv` crate writes the
//! header from their field names), so header and rows cannot drift apart.
//!
//! **Summary** (`nines run --csv FILE`): one row per figure of the report,
//! columns `scenario, point, sli, metric, value, lower, upper, unit`.
//! `point` names the parameter point of a sweep and is empty for a plain
//! run. `sli` is an SLI name, `data_loss`, or a scaling subject (below).
//! `lower`/`upper` are the confidence interval (empty for plain counts and
//! one-sided bounds). A
//! figure with no value (MTTR when nothing failed) has no row; when nothing
//! failed, the bound rows (`unavailability_upper`, `outages_per_year_upper`,
//! `events_per_year_upper`) and `observed_years` carry what is known.
//! Metrics and units:
//!
//! | metric | unit |
//! |---|---|
//! | `availability`, `unavailability`, `unavailability_upper`, `mttf_censored_share` | `fraction` |
//! | `nines` | `nines` |
//! | `downtime_per_year` | `seconds/year` |
//! | `downtime_relative_half_width`, `precision_target` | `ratio` |
//! | `imprecise` (1 when the downtime interval is wider than `precision_target`, else 0) | `flag` |
//! | `outages`, `events`, `replications_needed` (only for an imprecise SLI: `n × (half-width / target)²`) | `count` |
//! | `observed_years` | `years` |
//! | `outages_per_year`, `outages_per_year_upper`, `events_per_year`, `events_per_year_upper` | `1/year` |
//! | `mttf`, `mttf_restricted`, `mtbf`, `mean_up_time`, `mttr`, `outage_duration_{mean,p50,p90,p99,max}` | `seconds` |
//! | `lost_writes_per_year` | `minutes/year` |
//! | `mean_lost_writes` | `minutes` |
//!
//! Scenarios with a workload `load`, or whose nodes were added, removed or
//! failed to provision, also get scaling rows: `sli` is `scaling.<workload>`
//! for each workload with a load, and `nodes` for the worker nodes.
//!
//! | metric | unit |
//! |---|---|
//! | `served_fraction` | `fraction` |
//! | `served_nines` | `nines` |
//! | `unserved_requests_per_year` | `requests/year` |
//! | `offered_requests`, `served_requests` (all replications) | `requests` |
//! | `mean_replicas`, `mean_ready_replicas`, `mean_max_replicas`, `max_replicas`, `min_replicas` | `replicas` |
//! | `pending_pod_hours_per_year` | `pod-hours/year` |
//! | `scale_ups_per_day`, `scale_downs_per_day`, `flaps_per_day`, `nodes_added_per_day`, `nodes_removed_per_day` | `1/day` |
//! | `scale_ups`, `scale_downs`, `flaps`, `spikes`, `nodes_added`, `nodes_removed`, `failed_provisions` | `count` |
//! | `spike_absorb_mean`, `spike_absorb_{p50,p90,p99,max}` | `seconds` |
//! | `node_hours_per_year` | `node-hours/year` |
//! | `mean_nodes`, `mean_max_nodes`, `max_nodes` | `nodes` |
//! | `failed_provisions_per_year` | `1/year` |
//!
//! **Replications** (`nines run --replications-csv FILE`): the raw result
//! of each of the first 10,000 replications (a run keeps no more, so its
//! memory stays bounded) and SLI, columns `scenario, point, replication,
//! sli, availability, outages, downtime_seconds, first_failure_seconds`
//! (`first_failure_seconds` counts from the end of the warmup and is empty
//! when the SLI never failed).
//!
//! **Downtime by cause** (`nines run --causes-csv FILE`, `nines sweep
//! --causes-csv FILE`): where each SLI's lost time comes from, one row per
//! (SLI, cause), largest share first, columns `scenario, point, sli,
//! cause, share, downtime_per_year_seconds`: `cause` is the fault charged
//! with the outages (`machine cp/crash`, `zone outage`, `partition
//! inter-zone-link`, `chaos kill-etcd-leader`, `planned monthly-upgrade`,
//! `etcd disaster (majority of disks lost)`, ...; see the run report's
//! `downtime_by_cause`), `share` its fraction of the SLI's lost time
//! (from 0 to 1) and `downtime_per_year_seconds` the request-weighted
//! downtime per year it accounts for. An SLI that never failed has no rows.
//!
//! **Sweeps** (`nines sweep --csv`, `--causes-csv`) add one column per
//! swept parameter right after `point`, named by its path (`zones`,
//! `etcd.members`, `endpoint.interval`) and holding the point's value as
//! written (`3`, `10s`), so a sweep reads straight into a pivot table; a
//! path that would repeat a column name is prefixed `parameter.`.
//!
//! Every CSV ends with a `schema_version` column: the version of these
//! layouts ([`CSV_SCHEMA_VERSION`]), the same in every row.
//!
//! Numbers are written in full precision (shortest round-trip form).
//! Adding a metric or a column keeps the layout and its version; renaming
//! or removing a column or a metric is a breaking change, bumps
//! [`CSV_SCHEMA_VERSION`] and is noted in `CHANGELOG.md`.

use serde::Serialize;

use super::output::{Kind, Output};
use super::{Interval, Report, ReportError};
use crate::experiment::ExperimentResult;

/// Version of the CSV layouts, written in every row's `schema_version`.
pub const CSV_SCHEMA_VERSION: u32 = 1;

/// One figure of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Scenario name.
    pub scenario: String,
    /// Sweep point (empty for a plain run).
    pub point: String,
    /// SLI name, `data_loss`, `scaling.<workload>` or `nodes`.
    pub sli: String,
    /// What the figure is.
    pub metric: &'static str,
    /// The value (point estimate or bound).
    pub value: Option<f64>,
    /// Lower end of the confidence interval.
    pub lower: Option<f64>,
    /// Upper end of the confidence interval.
    pub upper: Option<f64>,
    /// Unit of value, lower and upper.
    pub unit: &'static str,
    /// [`CSV_SCHEMA_VERSION`].
    pub schema_version: u32,
}

/// One replication's raw result for one SLI.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicationRow {
    /// Scenario name.
    pub scenario: String,
    /// Sweep point (empty for a plain run).
    pub point: String,
    /// Replication index (its random stream).
    pub replication: u64,
    /// SLI name.
    pub sli: String,
    /// Time- or request-weighted availability, a fraction.
    pub availability: f64,
    /// Counted outages.
    pub outages: f64,
    /// Time in counted outages, seconds.
    pub downtime_seconds: f64,
    /// Time from the end of the warmup to the first counted outage, seconds.
    pub first_failure_seconds: Option<f64>,
    /// [`CSV_SCHEMA_VERSION`].
    pub schema_version: u32,
}

/// One SLI's downtime charged to one cause.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CauseRow {
    /// Scenario name.
    pub scenario: String,
    /// Sweep point (empty for a plain run).
    pub point: String,
    /// SLI name.
    pub sli: String,
    /// The cause, as in the report's `downtime_by_cause`.
    pub cause: String,
    /// Share of the SLI's lost time, 0 to 1.
    pub share: f64,
    /// Request-weighted downtime per year from this cause, seconds.
    pub downtime_per_year_seconds: f64,
    /// [`CSV_SCHEMA_VERSION`].
    pub schema_version: u32,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The summary rows of a report at a sweep `point` (`""` for a plain run).
pub fn summary_rows(report: &Report, point: &str) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    let mut push = |sli: &str, metric, value: f64, ci: Option<(f64, f64)>, unit| {
        rows.push(SummaryRow {
            scenario: report.scenario.name.clone(),
            point: point.to_string(),
            sli: sli.to_string(),
            metric,
            value: finite(value),
            lower: ci.and_then(|c| finite(c.0)),
            upper: ci.and_then(|c| finite(c.1)),
            unit,
            schema_version: CSV_SCHEMA_VERSION,
        });
    };
    let ci = |i: &Interval| Some((i.lower, i.upper));
    for s in &report.slis {
        let name = s.name.as_str();
        let mut interval = |metric, i: &Interval, unit| push(name, metric, i.point, ci(i), unit);
        interval("availability", &s.availability, "fraction");
        interval("unavailability", &s.unavailability, "fraction");
        interval("nines", &s.nines, "nines");
        interval(
            "downtime_per_year",
            &s.downtime_seconds_per_year,
            "seconds/year",
        );
        interval("outages_per_year", &s.outages_per_year, "1/year");
        for (metric, value) in [
            ("mttf", &s.mttf_seconds),
            ("mttf_restricted", &s.mttf_restricted_seconds),
            ("mtbf", &s.mtbf_seconds),
            ("mean_up_time", &s.mean_up_time_seconds),
            ("mttr", &s.mttr_seconds),
        ] {
            if let Some(i) = value {
                interval(metric, i, "seconds");
            }
        }
        if let Some(u) = s.unavailability_upper {
            push(name, "unavailability_upper", u, None, "fraction");
        }
        if let Some(u) = s.outages_per_year_upper {
            push(name, "outages_per_year_upper", u, None, "1/year");
        }
        push(
            name,
            "downtime_relative_half_width",
            s.downtime_relative_half_width,
            None,
            "ratio",
        );
        if let Some(p) = &s.precision {
            push(name, "precision_target", p.target, None, "ratio");
            let flag = if p.imprecise() { 1.0 } else { 0.0 };
            push(name, "imprecise", flag, None, "flag");
            if let Some(n) = p.replications_needed {
                push(name, "replications_needed", n as f64, None, "count");
            }
        }
        push(name, "outages", s.outages, None, "count");
        push(name, "observed_years", s.observed_years, None, "years");
        push(
            name,
            "mttf_censored_share",
            s.mttf_censored_share,
            None,
            "fraction",
        );
        if let Some(d) = &s.outage_duration_seconds {
            for (metric, value) in [
                ("outage_duration_mean", d.mean),
                ("outage_duration_p50", d.p50),
                ("outage_duration_p90", d.p90),
                ("outage_duration_p99", d.p99),
                ("outage_duration_max", d.max),
            ] {
                push(name, metric, value, None, "seconds");
            }
        }
    }
    let loss = &report.data_loss;
    let dl = "data_loss";
    push(dl, "events", loss.events, None, "count");
    let i = &loss.events_per_year;
    push(dl, "events_per_year", i.point, ci(i), "1/year");
    if let Some(u) = loss.events_per_year_upper {
        push(dl, "events_per_year_upper", u, None, "1/year");
    }
    let i = &loss.lost_write_minutes_per_year;
    push(dl, "lost_writes_per_year", i.point, ci(i), "minutes/year");
    if let Some(m) = loss.mean_lost_minutes {
        push(dl, "mean_lost_writes", m, None, "minutes");
    }
    if let Some(scaling) = &report.scaling {
        for w in &scaling.workloads {
            let name = format!("scaling.{}", w.name);
            let name = name.as_str();
            let mut interval =
                |metric, i: &Interval, unit| push(name, metric, i.point, ci(i), unit);
            for (metric, value, unit) in [
                ("served_fraction", &w.served_fraction, "fraction"),
                ("served_nines", &w.served_nines, "nines"),
                ("mean_replicas", &w.mean_replicas, "replicas"),
                ("mean_ready_replicas", &w.mean_ready_replicas, "replicas"),
                ("spike_absorb_mean", &w.mean_spike_absorb_seconds, "seconds"),
            ] {
                if let Some(i) = value {
                    interval(metric, i, unit);
                }
            }
            interval(
                "unserved_requests_per_year",
                &w.unserved_requests_per_year,
                "requests/year",
            );
            interval("mean_max_replicas", &w.mean_max_replicas, "replicas");
            interval(
                "pending_pod_hours_per_year",
                &w.pending_pod_hours_per_year,
                "pod-hours/year",
            );
            interval("scale_ups_per_day", &w.scale_ups_per_day, "1/day");
            interval("scale_downs_per_day", &w.scale_downs_per_day, "1/day");
            interval("flaps_per_day", &w.flaps_per_day, "1/day");
            for (metric, value, unit) in [
                ("offered_requests", w.offered_requests, "requests"),
                ("served_requests", w.served_requests, "requests"),
                ("max_replicas", f64::from(w.max_replicas), "replicas"),
                ("min_replicas", f64::from(w.min_replicas), "replicas"),
                ("scale_ups", w.scale_ups as f64, "count"),
                ("scale_downs", w.scale_downs as f64, "count"),
                ("flaps", w.flaps as f64, "count"),
                ("spikes", w.spikes as f64, "count"),
            ] {
                push(name, metric, value, None, unit);
            }
            if let Some(d) = &w.spike_absorb_seconds {
                for (metric, value) in [
                    ("spike_absorb_p50", d.p50),
                    ("spike_absorb_p90", d.p90),
                    ("spike_absorb_p99", d.p99),
                    ("spike_absorb_max", d.max),
                ] {
                    push(name, metric, value, None, "seconds");
                }
            }
        }
        let n = &scaling.nodes;
        let name = "nodes";
        let mut interval = |metric, i: &Interval, unit| push(name, metric, i.point, ci(i), unit);
        interval(
            "node_hours_per_year",
            &n.node_hours_per_year,
            "node-hours/year",
        );
        if let Some(i) = &n.mean_nodes {
            interval("mean_nodes", i, "nodes");
        }
        interval("mean_max_nodes", &n.mean_max_nodes, "nodes");
        interval("nodes_added_per_day", &n.nodes_added_per_day, "1/day");
        interval("nodes_removed_per_day", &n.nodes_removed_per_day, "1/day");
        interval(
            "failed_provisions_per_year",
            &n.failed_provisions_per_year,
            "1/year",
        );
        for (metric, value, unit) in [
            ("max_nodes", f64::from(n.max_nodes), "nodes"),
            ("nodes_added", n.nodes_added as f64, "count"),
            ("nodes_removed", n.nodes_removed as f64, "count"),
            ("failed_provisions", n.failed_provisions as f64, "count"),
        ] {
            push(name, metric, value, None, unit);
        }
    }
    rows
}

/// The per-replication rows of an experiment at a sweep `point`.
pub fn replication_rows(result: &ExperimentResult, point: &str) -> Vec<ReplicationRow> {
    let mut rows = Vec::new();
    for sampled in &result.sample {
        for (summary, sli) in result.slis.iter().zip(&sampled.slis) {
            rows.push(ReplicationRow {
                scenario: result.scenario.clone(),
                point: point.to_string(),
                replication: sampled.replication,
                sli: summary.name.clone(),
                availability: sli.availability,
                outages: sli.outages,
                downtime_seconds: sli.downtime_secs,
                first_failure_seconds: sli.first_failure_secs,
                schema_version: CSV_SCHEMA_VERSION,
            });
        }
    }
    rows
}

/// The downtime-by-cause rows of a report at a sweep `point`.
pub fn cause_rows(report: &Report, point: &str) -> Vec<CauseRow> {
    report
        .slis
        .iter()
        .flat_map(|s| {
            s.downtime_by_cause.iter().map(|c| CauseRow {
                scenario: report.scenario.name.clone(),
                point: point.to_string(),
                sli: s.name.clone(),
                cause: c.cause.clone(),
                share: c.share,
                downtime_per_year_seconds: c.downtime_seconds_per_year,
                schema_version: CSV_SCHEMA_VERSION,
            })
        })
        .collect()
}

/// Writes the downtime-by-cause CSV of one report (a plain run).
pub fn write_causes_csv(report: &Report, out: impl Into<Output>) -> Result<(), ReportError> {
    write_rows(&cause_rows(report, ""), CAUSES_KIND, out)
}

/// Writes `rows` with one column per sweep parameter inserted after their
/// `point` column: `parameters` names the columns (swept paths, in axis
/// order) and `values` gives a point label's values in that order.
pub fn write_rows_with_parameters<T: Serialize>(
    rows: &[T],
    parameters: &[String],
    values: &dyn Fn(&str) -> Vec<String>,
    kind: Kind,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    let out = out.into();
    let io = |message: String| ReportError::Io {
        path: out.path().display().to_string(),
        message,
    };
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| io(e.to_string()))?;
    }
    let bytes = writer.into_inner().map_err(|e| io(e.to_string()))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let mut records: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    let mut at = None;
    for record in reader.records() {
        let record = record.map_err(|e| io(e.to_string()))?;
        let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
        let point = *at.get_or_insert_with(|| fields.iter().position(|f| f == "point"));
        let Some(point) = point else {
            return Err(io("rows without a `point` column".into()));
        };
        let inserted = if records.is_empty() {
            parameters
                .iter()
                .map(|p| {
                    if fields.contains(p) {
                        format!("parameter.{p}")
                    } else {
                        p.clone()
                    }
                })
                .collect()
        } else {
            values(&fields[point])
        };
        fields.splice(point + 1..point + 1, inserted);
        records.push(fields);
    }
    write_rows(&records, kind, out)
}

/// The header of the summary CSV (`--csv`), which recognises an earlier
/// export (see [`output`](super::output)).
pub const SUMMARY_HEADER: &str = "scenario,point,sli,metric,value,lower,upper,unit,schema_version";

/// The header of the per-replication CSV (`--replications-csv`).
pub const REPLICATIONS_HEADER: &str = "scenario,point,replication,sli,availability,outages,downtime_seconds,first_failure_seconds,schema_version";

/// The header of the downtime-by-cause CSV (`--causes-csv`).
pub const CAUSES_HEADER: &str =
    "scenario,point,sli,cause,share,downtime_per_year_seconds,schema_version";

/// What an existing summary CSV must start with to be replaced.
pub const SUMMARY_KIND: Kind = Kind::Csv(SUMMARY_HEADER);

/// What an existing per-replication CSV must start with to be replaced.
pub const REPLICATIONS_KIND: Kind = Kind::Csv(REPLICATIONS_HEADER);

/// What an existing downtime-by-cause CSV must start with to be replaced.
pub const CAUSES_KIND: Kind = Kind::Csv(CAUSES_HEADER);

/// Writes the summary CSV of one report (a plain run).
pub fn write_csv(report: &Report, out: impl Into<Output>) -> Result<(), ReportError> {
    write_rows(&summary_rows(report, ""), SUMMARY_KIND, out)
}

/// Writes the summary CSV of several reports, each at its sweep point.
pub fn write_csv_points(
    points: &[(String, &Report)],
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    let rows: Vec<SummaryRow> = points
        .iter()
        .flat_map(|(point, report)| summary_rows(report, point))
        .collect();
    write_rows(&rows, SUMMARY_KIND, out)
}

/// Writes the per-replication CSV of one experiment (a plain run).
pub fn write_replications_csv(
    result: &ExperimentResult,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    write_rows(&replication_rows(result, ""), REPLICATIONS_KIND, out)
}

/// Serializes rows with their header. An existing file is replaced only if
/// it is an earlier export of the same `kind` (see [`output`](super::output)).
pub fn write_rows<T: Serialize>(
    rows: &[T],
    kind: Kind,
    out: impl Into<Output>,
) -> Result<(), ReportError> {
    let out = out.into();
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| ReportError::Io {
            path: out.path().display().to_string(),
            message: e.to_string(),
        })?;
    }
    let bytes = writer.into_inner().map_err(|e| ReportError::Io {
        path: out.path().display().to_string(),
        message: e.to_string(),
    })?;
    out.write_bytes(kind, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comes_from_the_row_struct_and_fields_are_quoted() {
        let row = SummaryRow {
            scenario: "a, \"b\"".into(),
            point: String::new(),
            sli: "api.write".into(),
            metric: "availability",
            value: Some(0.5),
            lower: None,
            upper: Some(1.0),
            unit: "fraction",
            schema_version: CSV_SCHEMA_VERSION,
        };
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.serialize(&row).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(
            text,
            format!(
                "{SUMMARY_HEADER}\n\"a, \"\"b\"\"\",,api.write,availability,0.5,,1.0,fraction,1\n"
            )
        );
    }

    #[test]
    fn replication_header_is_the_row_struct() {
        let row = ReplicationRow {
            scenario: "s".into(),
            point: String::new(),
            replication: 0,
            sli: "api.write".into(),
            availability: 1.0,
            outages: 0.0,
            downtime_seconds: 0.0,
            first_failure_seconds: None,
            schema_version: CSV_SCHEMA_VERSION,
        };
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.serialize(&row).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next(), Some(REPLICATIONS_HEADER));
    }
}
