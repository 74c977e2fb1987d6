//! `nines sweep [FILE] --set PATH=VALUES …`: the scenario over a grid of
//! parameter values, one table on stdout and optional JSON, CSV and charts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;

use super::outputs::Targets;
use super::progress::Progress;
use nines::experiment::sweep::{SweepProgress, run_sweep};
use nines::experiment::{ProgressUpdate, RunConfig};
use nines::report::chart;
use nines::report::csv::{CAUSES_KIND, SUMMARY_KIND};
use nines::report::output::Kind;
use nines::report::sweep::{
    SweepReport, find_reference, point_label, render_sweep_charts, render_sweep_table,
    write_sweep_causes_csv, write_sweep_csv, write_sweep_json,
};
use nines::report::{Report, json_round_trip};
use nines::scenario::sweep::{SweepAxis, SweepPlan};

/// Flags of `nines sweep`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Values: lists 1,3,5 or 10s,30s; ranges 1..7 (step 1) or 1..7:2, \
    durations 10s..1m:10s; mixed 1..3,7. Paths: any scenario field (control_plane.etcd.members, \
    machines[cp].count, machines[0].failures[0].time_to_repair); etcd.members also resizes the \
    machines that host etcd, zones=N keeps or adds N zones and spreads every group over them \
    (see scenarios/README.md).\n\nEvery point runs with the same seed: each component draws from \
    its own random stream, so points differ only where the swept parameter acts (common random \
    numbers). The table's `Δ downtime/yr vs ref` column is each point's paired difference to the \
    reference point (--reference, else the first), replication by replication, with its \
    interval: `identical` where the parameter cannot reach the SLI; `-` for a point with another \
    seed or replication count, which cannot be paired.\n\nExample:\n  nines sweep scenarios/stacked-3cp-3zones.yaml \
    --set etcd.members=1,3,5 --set zones=1..3 -n 50 --csv sweep.csv --plot charts/ \
    --reference 'etcd.members=3 zones=3'"
)]
pub struct SweepArgs {
    /// Scenario file (YAML or JSON); without one, the built-in stacked
    /// 3-node control plane. Its `sweep:` block, if any, gives axes too.
    pub scenario: Option<PathBuf>,
    /// An axis: PATH=VALUES, e.g. etcd.members=1,3,5 or zones=1..3.
    /// Repeat for a grid (cartesian product); replaces the file's `sweep:`
    /// entry for the same path.
    #[arg(long = "set", value_name = "PATH=VALUES", value_parser = SweepAxis::from_flag)]
    pub set: Vec<SweepAxis>,
    /// Run exactly N replications per point (overrides the scenario's
    /// `replications`). Without it each point is precision-driven, as in
    /// `nines run`: rounds until every headline SLI's downtime is within
    /// --precision, or the point's --budget is spent.
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(2..=super::args::MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Master seed (overrides the scenario's `seed`); every point runs
    /// with it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Confidence level of every interval, e.g. 0.95 or 0.99.
    #[arg(long, value_parser = super::args::parse_level)]
    pub confidence: Option<f64>,
    /// Per point: the precision target, the relative half-width of every
    /// headline SLI's downtime interval [default: 0.2 when --replications
    /// is not given]; see `nines run --help`.
    #[arg(long, value_parser = super::args::parse_positive)]
    pub precision: Option<f64>,
    /// Cap on the replications of each precision-driven point [default:
    /// 1000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=super::args::MAX_REPLICATIONS))]
    pub max_replications: Option<u64>,
    /// Work each precision-driven point may spend [default: 60s]: nominal
    /// single-core time converted at 1,000,000 simulated events per second,
    /// or events (5e7 events); deterministic, see `nines run --help`.
    #[arg(long, value_parser = super::args::parse_budget)]
    pub budget: Option<nines::experiment::Budget>,
    /// The limit on one replication's events.
    #[command(flatten)]
    pub events: super::args::ReplicationBudgetArgs,
    /// Show only this SLI in the table (repeatable); files keep every SLI.
    #[arg(long, value_name = "NAME")]
    pub sli: Vec<String>,
    /// Write every point's report and parameter values as JSON (`-`:
    /// standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub json: Option<PathBuf>,
    /// Write the summary of every point as CSV (long format, one column
    /// per swept parameter; `-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub csv: Option<PathBuf>,
    /// Write every point's downtime by cause as CSV (one column per swept
    /// parameter; `-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub causes_csv: Option<PathBuf>,
    /// Draw availability against the swept parameter, and the paired
    /// differences to the reference point, into this directory.
    #[arg(long, value_name = "DIR", value_parser = super::outputs::parse_dir)]
    pub plot: Option<PathBuf>,
    /// Replace output files that nines did not write (see `nines run
    /// --help`).
    #[arg(long)]
    pub force: bool,
    /// The point every other is compared with (paired differences, the
    /// `Δ downtime/yr vs ref` column): its index from 0, or its label as
    /// the table writes it, e.g. 'zones=2 etcd.members=3'. Default: the
    /// first point.
    #[arg(long, value_name = "INDEX|LABEL")]
    pub reference: Option<String>,
    /// Which files the scenario may read.
    #[command(flatten)]
    pub files: super::args::ScenarioFilesArgs,
}

/// Runs the sweep.
pub fn sweep_command(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let plan = match SweepPlan::load(args.scenario.as_deref(), args.set, args.files.access()) {
        Ok(plan) => plan,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(1));
        }
    };
    if plan.axes.is_empty() {
        eprintln!(
            "error: nothing to sweep: give --set PATH=VALUES (e.g. --set etcd.members=1,3,5) or a `sweep:` block in the scenario"
        );
        return Ok(ExitCode::from(2));
    }
    let reference = match &args.reference {
        Some(wanted) => {
            let labels: Vec<String> = plan
                .points
                .iter()
                .map(|p| {
                    let values: Vec<(String, serde_json::Value)> = p
                        .overrides
                        .iter()
                        .map(|o| (o.path.clone(), o.value.clone()))
                        .collect();
                    point_label(&values)
                })
                .collect();
            match find_reference(&labels, wanted) {
                Ok(index) => index,
                Err(message) => {
                    eprintln!("error: {message}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        None => 0,
    };
    // Every output is checked before simulating, so a bad target costs no run.
    let mut targets = Targets::default();
    let json = targets.file("--json", args.json.as_deref(), Kind::Json, args.force);
    let csv = targets.file("--csv", args.csv.as_deref(), SUMMARY_KIND, args.force);
    let causes_csv = targets.file(
        "--causes-csv",
        args.causes_csv.as_deref(),
        CAUSES_KIND,
        args.force,
    );
    let plot = targets.charts(
        "--plot",
        args.plot.as_deref(),
        chart::SWEEP_CHARTS.to_vec(),
        args.force,
    );
    if let Err(err) = targets.check() {
        eprintln!("error: {err}");
        return Ok(ExitCode::from(1));
    }
    let config = RunConfig {
        replications: args.replications,
        seed: args.seed,
        confidence: args.confidence,
        precision: args.precision,
        max_replications: args.max_replications,
        budget: args.budget,
        replication_budget: args.events.replication_budget,
        ..RunConfig::default()
    }
    .resolve();
    let config = match config {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    for point in &plan.points {
        let file = format!("{} (sweep point {})", plan.base.name, point.index);
        if let Err(err) = args.events.check(&point.scenario, &file) {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    }
    let mut bar = Progress::new();
    // One bar over all points: the replications of finished points plus
    // the current point's plan.
    let totals = Mutex::new((0u64, 0u64, usize::MAX));
    let result = run_sweep(&plan, &config, &|p: SweepProgress| {
        let mut t = totals.lock().expect("progress lock");
        if p.point != t.2 {
            t.0 += t.1;
            t.1 = 0;
            t.2 = p.point;
        }
        match p.update {
            ProgressUpdate::Planned(n) => {
                t.1 = n;
                bar.update(ProgressUpdate::Planned(
                    t.0 + n * (p.points - p.point) as u64,
                ));
            }
            done => bar.update(done),
        }
    });
    bar.finish();
    let result = match result {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {}: {err}", plan.base.name);
            return Ok(ExitCode::from(1));
        }
    };
    let sweep = SweepReport::with_reference(&result, reference);
    if let Some(first) = sweep.points.first() {
        for name in &args.sli {
            if first.report.sli(name).is_none() {
                let valid: Vec<&str> = first.report.slis.iter().map(|s| s.name.as_str()).collect();
                eprintln!(
                    "warning: --sli {name}: no such SLI; valid: {}",
                    valid.join(", ")
                );
            }
        }
    }
    let mut stdout = targets.human();
    stdout.write_all(render_sweep_table(&sweep, &args.sli).as_bytes())?;
    // The table is drawn by report::sweep; the replications of each point,
    // when they differ, and the labels of imprecise figures follow it.
    let counts: Vec<u64> = sweep.points.iter().map(|p| p.report.replications).collect();
    if counts.windows(2).any(|w| w[0] != w[1]) {
        let each: Vec<String> = sweep
            .points
            .iter()
            .map(|p| format!("{}: {}", p.label, p.report.replications))
            .collect();
        writeln!(stdout, "\nReplications per point: {}", each.join("; "))?;
    }
    let imprecise: Vec<String> = sweep
        .points
        .iter()
        .filter_map(|p| {
            let names: Vec<&str> = p
                .report
                .slis
                .iter()
                .filter(|s| args.sli.is_empty() || args.sli.contains(&s.name))
                .filter(|s| s.precision.as_ref().is_some_and(|x| x.imprecise()))
                .map(|s| s.name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{}: {}", p.label, names.join(", ")))
        })
        .collect();
    if !imprecise.is_empty() {
        let target = sweep
            .points
            .iter()
            .find_map(|p| p.report.stopping.as_ref().map(|s| s.target))
            .unwrap_or(nines::experiment::DEFAULT_PRECISION);
        writeln!(
            stdout,
            "\nImprecise (downtime interval wider than ±{}; see --json for the replications each needs):",
            nines::report::units::target_percent(target)
        )?;
        for line in imprecise {
            writeln!(stdout, "  {line}")?;
        }
    }
    let unreached: Vec<&str> = sweep
        .points
        .iter()
        .filter(|p| p.report.precision_reached == Some(false))
        .map(|p| p.label.as_str())
        .collect();
    if !unreached.is_empty() {
        writeln!(
            stdout,
            "\nnote: the precision target was not reached at {}; raise --budget",
            unreached.join("; ")
        )?;
    }
    stdout.flush()?;
    for point in &sweep.points {
        super::print_warnings(&point.report, Some(&point.label));
    }
    if let Some(out) = &json {
        write_sweep_json(&sweep, out).context("writing the sweep JSON")?;
    }
    if let Some(out) = &csv {
        write_sweep_csv(&sweep, out).context("writing the sweep CSV")?;
    }
    if let Some(out) = &causes_csv {
        write_sweep_causes_csv(&sweep, out).context("writing the downtime-by-cause CSV")?;
    }
    if let Some(dir) = &plot {
        let saved = sweep
            .points
            .iter()
            .map(|p| json_round_trip(&p.report))
            .collect::<Result<Vec<Report>, _>>()
            .context("preparing the reports for the charts")?;
        let files = render_sweep_charts(&sweep, &saved, dir).context("drawing the charts")?;
        writeln!(stdout, "\ncharts written:")?;
        for file in files {
            writeln!(stdout, "  {}", file.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
