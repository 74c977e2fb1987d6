//! The terminal summary: one row per SLI, then (for scenarios with load or
//! node autoscaling) one row per loaded workload and a line on the nodes.

use super::units::{duration, number, number_with_margin, percent, percent_with_margin};
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
    let header = [
        "SLI",
        "availability",
        "nines",
        "downtime/yr",
        "outages/yr",
        "MTTF",
        "MTTR",
        "p99 outage",
    ];
    let rows: Vec<Vec<String>> = report.slis.iter().map(|s| row(s).to_vec()).collect();
    out.push_str(&grid(&header.map(String::from), &rows, 1));
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
            "etcd data loss: none seen (< {upper:.3} disasters/yr at {:.0}% confidence)\n",
            report.confidence * 100.0
        )),
        None => out.push_str(&format!(
            "etcd data loss: {} disasters ({:.3e}/yr), {:.1} min of writes lost per disaster\n",
            loss.events,
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

fn row(s: &SliReport) -> [String; 8] {
    let (availability, nines) = match s.unavailability_upper {
        Some(upper) => (
            format!(">= {}", percent(1.0 - upper)),
            format!(">= {:.2}", s.nines.point),
        ),
        None => (
            percent_with_margin(s.availability.point, plus_minus(&s.availability)),
            format!("{:.2}", s.nines.point),
        ),
    };
    let outages = match s.outages_per_year_upper {
        Some(upper) => format!("< {upper:.2}"),
        None => format!("{:.2}", s.outages_per_year.point),
    };
    let mttf = match (&s.mttf_seconds, s.mttf_seconds_lower) {
        (Some(m), _) => duration(m.point),
        (None, Some(lower)) => format!("> {}", duration(lower)),
        _ => "-".into(),
    };
    [
        s.name.clone(),
        availability,
        nines,
        duration(s.downtime_seconds_per_year.point),
        outages,
        mttf,
        s.mttr_seconds.map_or("-".into(), |m| duration(m.point)),
        s.outage_duration_seconds
            .map_or("-".into(), |d| duration(d.p99)),
    ]
}
