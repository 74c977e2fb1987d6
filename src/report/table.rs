//! The terminal summary: one row per SLI.

use super::units::{duration, percent, percent_with_margin};
use super::{Interval, Report, SliReport};

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
    let rows: Vec<[String; 8]> = report.slis.iter().map(row).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c == 0 {
                text.push_str(&format!("{:<w$}", cell, w = widths[c]));
            } else {
                text.push_str(&format!("  {:>w$}", cell, w = widths[c]));
            }
        }
        text.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&header.map(String::from)));
    for r in &rows {
        out.push_str(&line(r));
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
