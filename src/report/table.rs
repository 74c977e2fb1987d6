//! The terminal summary: one row per SLI, then (for scenarios with load or
//! node autoscaling) one row per loaded workload and a line on the nodes.

use super::units::{count, duration, number, number_with_margin, percent, percent_with_margin};
use super::{DurationSummary, Interval, Report, ScalingReport, SliReport, WorkloadScalingReport};

/// The summary table, ready to print.
pub fn render_table(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "nines {}: {}, {} replications x {}, seed {}, {:.0}% confidence\n\n",
        report.nines_version,
        report.scenario.name,
        report.replications,
        duration(report.horizon_seconds),
        report.seed,
        report.confidence * 100.0
    ));
    if report.method != super::MONTE_CARLO {
        out.insert_str(out.len() - 1, &format!("estimated by {}\n", report.method));
    }
    let header = [
        "SLI",
        "availability",
        "nines",
        "downtime/yr",
        "±",
        "outages/yr",
        "MTTF",
        "MTTR",
        "p99 outage",
    ];
    let rows: Vec<Vec<String>> = report.slis.iter().map(|s| row(s).to_vec()).collect();
    out.push_str(&grid(&header.map(String::from), &rows, 1));
    let quiet: Vec<&str> = report
        .slis
        .iter()
        .filter(|s| s.unavailability_upper.is_some())
        .map(|s| s.name.as_str())
        .collect();
    if let Some(first) = report
        .slis
        .iter()
        .find(|s| s.unavailability_upper.is_some())
    {
        out.push_str(&format!(
            "
No outage in {} replication-years (< {} outages/yr at {:.0}% confidence): {}
",
            number(first.observed_years),
            number(first.outages_per_year_upper.unwrap_or(f64::NAN)),
            report.confidence * 100.0,
            quiet.join(", ")
        ));
    }
    let with_causes: Vec<&SliReport> = report
        .slis
        .iter()
        .filter(|s| !s.downtime_by_cause.is_empty())
        .collect();
    if !with_causes.is_empty() {
        out.push_str("\nDowntime by cause (share of lost requests, top 3):\n");
        let width = with_causes.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in with_causes {
            let causes: Vec<String> = s
                .downtime_by_cause
                .iter()
                .take(3)
                .map(|c| format!("{} {:.0}%", c.cause, c.share * 100.0))
                .collect();
            out.push_str(&format!("  {:<width$}  {}\n", s.name, causes.join(", ")));
        }
    }
    if let Some(scaling) = &report.scaling {
        out.push_str(&scaling_block(scaling));
    }
    let loss = &report.data_loss;
    out.push('\n');
    match loss.events_per_year_upper {
        Some(upper) => out.push_str(&format!(
            "etcd data loss: none seen (< {} disasters/yr at {:.0}% confidence)\n",
            number(upper),
            report.confidence * 100.0
        )),
        None => out.push_str(&format!(
            "etcd data loss: {} {} ({:.3e}/yr), {:.1} min of writes lost per disaster\n",
            count(loss.events),
            if loss.events == 1.0 {
                "disaster"
            } else {
                "disasters"
            },
            loss.events_per_year.point,
            loss.mean_lost_minutes.unwrap_or(0.0)
        )),
    }
    out
}

/// A text grid, columns two spaces apart: the first `left_columns`
/// left-aligned (names), the others right-aligned (numbers).
pub(super) fn grid(header: &[String], rows: &[Vec<String>], left_columns: usize) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            if c < left_columns {
                text.push_str(&format!("{:<w$}", cell, w = widths[c]));
            } else {
                text.push_str(&format!("{:>w$}", cell, w = widths[c]));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

/// The "Scaling" block: one row per workload with a load, then the nodes.
fn scaling_block(scaling: &ScalingReport) -> String {
    let mut out = String::new();
    if !scaling.workloads.is_empty() {
        out.push_str("\nScaling (workloads with a load; ups/downs/flaps of the autoscaler):\n");
        let header = [
            "workload",
            "served",
            "unserved/yr",
            "replicas",
            "ready",
            "min-max",
            "pending pod-h/yr",
            "ups/day",
            "downs/day",
            "flaps/day",
            "spikes",
            "absorb",
            "p99 absorb",
            "max absorb",
        ];
        let rows: Vec<Vec<String>> = scaling.workloads.iter().map(scaling_row).collect();
        out.push_str(&grid(&header.map(String::from), &rows, 1));
    }
    let n = &scaling.nodes;
    let rate = |i: &Interval| number_with_margin(i.point, plus_minus(i));
    out.push_str(&format!(
        "\nNodes: {} mean, {} max, {} node-h/yr, {} added/day, {} removed/day, {} failed provisions/yr\n",
        n.mean_nodes.as_ref().map_or("-".into(), rate),
        n.max_nodes,
        rate(&n.node_hours_per_year),
        number(n.nodes_added_per_day.point),
        number(n.nodes_removed_per_day.point),
        number(n.failed_provisions_per_year.point),
    ));
    out
}

fn scaling_row(w: &WorkloadScalingReport) -> Vec<String> {
    let rate = |i: &Interval| number_with_margin(i.point, plus_minus(i));
    let served = w.served_fraction.as_ref().map_or("-".into(), |f| {
        let half = plus_minus(f);
        if half.is_finite() {
            percent_with_margin(f.point, half)
        } else {
            percent(f.point)
        }
    });
    let absorb = w
        .mean_spike_absorb_seconds
        .as_ref()
        .map_or("-".into(), |m| {
            let half = plus_minus(m);
            if half.is_finite() {
                format!("{} ± {}", duration(m.point), duration(half))
            } else {
                duration(m.point)
            }
        });
    let pooled = |f: fn(&DurationSummary) -> f64| {
        w.spike_absorb_seconds
            .as_ref()
            .map_or("-".into(), |d| duration(f(d)))
    };
    vec![
        w.name.clone(),
        served,
        number(w.unserved_requests_per_year.point),
        w.mean_replicas.as_ref().map_or("-".into(), rate),
        w.mean_ready_replicas
            .as_ref()
            .map_or("-".into(), |i| number(i.point)),
        format!("{}-{}", w.min_replicas, w.max_replicas),
        number(w.pending_pod_hours_per_year.point),
        number(w.scale_ups_per_day.point),
        number(w.scale_downs_per_day.point),
        number(w.flaps_per_day.point),
        w.spikes.to_string(),
        absorb,
        pooled(|d| d.p99),
        pooled(|d| d.max),
    ]
}

fn plus_minus(i: &Interval) -> f64 {
    (i.upper - i.lower) / 2.0
}

/// A relative half-width as a percentage: `12%`, or `>999%`.
fn relative_margin(r: f64) -> String {
    if !r.is_finite() {
        "-".into()
    } else if r >= 9.995 {
        ">999%".into()
    } else if r >= 0.0995 {
        format!("{:.0}%", r * 100.0)
    } else {
        format!("{:.1}%", r * 100.0)
    }
}

fn row(s: &SliReport) -> [String; 9] {
    // With no failure at all nothing was estimated: the line under the
    // table gives the simulated time and the bound on the outage rate.
    let (availability, nines, downtime, relative) = match s.unavailability_upper {
        Some(_) => ("no outage".into(), "-".into(), "0".into(), "-".into()),
        None => (
            percent_with_margin(s.availability.point, plus_minus(&s.availability)),
            format!("{:.2}", s.nines.point),
            duration(s.downtime_seconds_per_year.point),
            relative_margin(s.downtime_relative_half_width),
        ),
    };
    let outages = match s.outages_per_year_upper {
        Some(upper) => format!("< {}", number(upper)),
        None => number(s.outages_per_year.point),
    };
    // Censored lifetimes give only a lower bound on the MTTF.
    let mttf = match (&s.mttf_seconds, &s.mttf_restricted_seconds) {
        (Some(m), _) => duration(m.point),
        (None, Some(r)) => format!(">= {}", duration(r.lower.max(0.0))),
        _ => "-".into(),
    };
    [
        s.name.clone(),
        availability,
        nines,
        downtime,
        relative,
        outages,
        mttf,
        s.mttr_seconds.map_or("-".into(), |m| duration(m.point)),
        s.outage_duration_seconds
            .map_or("-".into(), |d| duration(d.p99)),
    ]
}
