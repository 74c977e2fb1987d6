//! The terminal summary: one row per SLI, then (for scenarios with load or
//! node autoscaling) one row per loaded workload and a line on the nodes.

use super::units::{
    count, duration, number, number_with_margin, percent, percent_with_margin, target_percent,
};
use super::{
    DurationSummary, Interval, Report, ScalingReport, SliReport, StoppingReport,
    WorkloadScalingReport,
};
use crate::experiment::budget::thousands;

/// The summary table, ready to print.
pub fn render_table(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "nines {}: {}, {} replications x {}, seed {}, {:.0}% confidence\n",
        report.nines_version,
        report.scenario.name,
        report.replications,
        duration(report.horizon_seconds),
        report.seed,
        report.confidence * 100.0
    ));
    if report.method != super::MONTE_CARLO {
        out.push_str(&format!("estimated by {}\n", report.method));
    }
    if let Some(line) = report
        .stopping
        .as_ref()
        .and_then(|s| stopping_line(report, s))
    {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
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
        "",
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
    out.push_str(&imprecise_note(report));
    let with_causes: Vec<&SliReport> = report
        .slis
        .iter()
        .filter(|s| !s.downtime_by_cause.is_empty())
        .collect();
    if !with_causes.is_empty() {
        out.push_str("\nDowntime by cause (share of lost requests, top 3):\n");
        let width = with_causes
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        for s in with_causes {
            let causes: Vec<String> = s
                .downtime_by_cause
                .iter()
                .take(3)
                .map(|c| format!("{} {:.0}%", c.cause, c.share * 100.0))
                .collect();
            out.push_str(&format!(
                "  {}  {}\n",
                pad(&s.name, width),
                causes.join(", ")
            ));
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

/// `text` followed by spaces up to `width` characters. Not `{:<width$}`:
/// `format!` panics on a width above 65,535, and names come from users.
pub(super) fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(fill))
}

/// Spaces up to `width` characters, then `text` (right-aligned; see [`pad`]).
pub(super) fn pad_before(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.chars().count());
    format!("{}{text}", " ".repeat(fill))
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
                text.push_str(&pad(cell, widths[c]));
            } else {
                text.push_str(&pad_before(cell, widths[c]));
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

/// A relative half-width as a percentage, rounded up so that a figure
/// shown at the target (`20%`) met it: `12%`, `6.3%`, or `>999%`.
fn relative_margin(r: f64) -> String {
    // The small offset keeps 0.2 (20.000000000000004 %) at 20 %.
    let up = |x: f64| (x - 1e-9).ceil();
    if !r.is_finite() {
        "-".into()
    } else if r >= 9.99 {
        ">999%".into()
    } else if r * 100.0 > 9.9 {
        format!("{:.0}%", up(r * 100.0))
    } else {
        format!("{:.1}%", up(r * 1_000.0) / 10.0)
    }
}

/// The line under the header of a precision-driven run: what ended it.
/// A fixed run says nothing more than its header.
fn stopping_line(report: &Report, s: &StoppingReport) -> Option<String> {
    let target = target_percent(s.target);
    let unreached = report
        .slis
        .iter()
        .filter(|x| {
            x.precision
                .as_ref()
                .is_some_and(|p| p.headline && p.imprecise())
        })
        .count();
    let slis = if unreached == 1 { "SLI" } else { "SLIs" };
    let rounds = if s.rounds == 1 {
        "1 round".to_string()
    } else {
        format!("{} rounds", s.rounds)
    };
    let budget = match (s.budget_nominal_seconds, s.budget_events) {
        (Some(secs), Some(events)) => format!(
            "{secs}s of one core ({} events at a nominal {} events/s)",
            thousands(events),
            thousands(s.nominal_events_per_second),
        ),
        _ => "-".into(),
    };
    match s.rule.as_str() {
        "precision" => Some(format!(
            "Precision-driven: stopped after {rounds}, every headline SLI's downtime within ±{target} ({} of the budget's {} events spent)",
            thousands(s.spent_events),
            s.budget_events.map_or("-".into(), thousands),
        )),
        "budget" => Some(format!(
            "Precision-driven: the budget of {budget} ran out after {rounds}; the precision target was not reached (±{target}) for {unreached} headline {slis}: raise --budget"
        )),
        "max-replications" => Some(format!(
            "Precision-driven: stopped at --max-replications {} after {rounds}; the precision target was not reached (±{target}) for {unreached} headline {slis}",
            s.max_replications.map_or("-".into(), thousands),
        )),
        _ => None,
    }
}

/// The note naming imprecise SLIs with the replications that would
/// likely make them precise; empty when there is none.
fn imprecise_note(report: &Report) -> String {
    let imprecise: Vec<(&str, u64)> = report
        .slis
        .iter()
        .filter_map(|s| {
            let p = s.precision.as_ref()?;
            p.imprecise()
                .then(|| (s.name.as_str(), p.replications_needed.unwrap_or(0)))
        })
        .collect();
    let Some(target) = report
        .slis
        .iter()
        .find_map(|s| s.precision.as_ref().map(|p| p.target))
    else {
        return String::new();
    };
    if imprecise.is_empty() {
        return String::new();
    }
    let needed: Vec<String> = imprecise
        .iter()
        .map(|(name, n)| format!("{name} {}", thousands(*n)))
        .collect();
    format!(
        "\nImprecise: downtime interval wider than ±{}; replications that would likely reach it, n × (± / {})²: {} (now {})\n",
        target_percent(target),
        target_percent(target),
        needed.join(", "),
        thousands(report.replications)
    )
}

fn row(s: &SliReport) -> [String; 10] {
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
        if s.precision.as_ref().is_some_and(|p| p.imprecise()) {
            "imprecise".into()
        } else {
            String::new()
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::{grid, pad, pad_before, relative_margin};

    #[test]
    fn cells_wider_than_format_allows_are_padded_without_panicking() {
        // `format!("{:<w$}")` panics above 65,535 ("Formatting argument
        // out of range"); a 65,520-character name once reached it.
        let long = "n".repeat(70_000);
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_before("ab", 4), "  ab");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(pad("é", 2), "é ");
        let rows = vec![vec![long.clone(), "1".to_string()]];
        let text = grid(&["SLI".to_string(), "value".to_string()], &rows, 1);
        assert!(text.starts_with(&format!("SLI{}  value\n", " ".repeat(70_000 - 3))));
        assert!(text.contains(&format!("{long}      1\n")));
    }

    #[test]
    fn margins_round_up_so_the_target_reads_as_met_only_when_it_is() {
        assert_eq!(relative_margin(0.2), "20%");
        assert_eq!(relative_margin(0.2001), "21%");
        assert_eq!(relative_margin(0.286), "29%");
        assert_eq!(relative_margin(0.063), "6.3%");
        assert_eq!(relative_margin(0.0631), "6.4%");
        assert_eq!(relative_margin(0.099), "9.9%");
        assert_eq!(relative_margin(0.0991), "10%");
        assert_eq!(relative_margin(15.0), ">999%");
        assert_eq!(relative_margin(f64::INFINITY), "-");
    }
}
