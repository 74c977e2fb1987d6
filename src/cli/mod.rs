//! Subcommand dispatch. Binary-only: clap and anyhow live here.

mod args;
mod check;
mod generate;
mod import;
mod outputs;
mod plot;
mod progress;
mod shard;
mod sweep;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use args::{Args, Command, RunArgs, ValidateArgs};
use nines::experiment::{self, Recording};
use nines::report::chart;
use nines::report::csv::{CAUSES_KIND, REPLICATIONS_KIND, SUMMARY_KIND};
use nines::report::output::Kind;
use nines::report::{Report, TIMESERIES_KIND, render_table, write_json};
use nines::scenario::{FileAccess, Scenario, ScenarioError};
use outputs::Targets;

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    match args.command {
        Command::Run(run) => run_command(run),
        Command::Validate(validate) => validate_command(validate),
        Command::Plot(plot) => plot::plot_command(plot),
        Command::Check(check) => check::check_command(check),
        Command::Merge(merge) => shard::merge_command(merge),
        Command::Sweep(sweep) => sweep::sweep_command(sweep),
        Command::Import(import) => import::import_command(import),
        Command::Completions(c) => generate::completions_command(c),
        Command::Man(m) => generate::man_command(m),
    }
}

fn load(path: Option<&Path>, access: FileAccess) -> Result<Scenario, ScenarioError> {
    match path {
        Some(path) => Scenario::load_with(path, access),
        None => Ok(Scenario::builtin()),
    }
}

fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = match load(args.scenario.as_deref(), args.files.access()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(1));
        }
    };
    let file = args
        .scenario
        .as_deref()
        .map_or("<built-in scenario>".to_string(), |p| {
            p.display().to_string()
        });
    if let Err(err) = args.sim.events.check(&scenario, &file) {
        eprintln!("error: {err}");
        return Ok(ExitCode::from(1));
    }
    // Every output is checked before simulating, so a bad target costs no run.
    let force = args.force;
    let mut targets = Targets::default();
    let json = targets.file("--json", args.json.as_deref(), Kind::Json, force);
    let csv = targets.file("--csv", args.csv.as_deref(), SUMMARY_KIND, force);
    let replications_csv = targets.file(
        "--replications-csv",
        args.replications_csv.as_deref(),
        REPLICATIONS_KIND,
        force,
    );
    let causes_csv = targets.file(
        "--causes-csv",
        args.causes_csv.as_deref(),
        CAUSES_KIND,
        force,
    );
    let trace = targets.file("--trace", args.trace.as_deref(), Kind::Trace, force);
    let timeseries = targets.file(
        "--timeseries",
        args.timeseries.as_deref(),
        TIMESERIES_KIND,
        force,
    );
    let mut charts = chart::REPORT_CHARTS.to_vec();
    if trace.is_some() {
        charts.push(chart::TIMELINE_CHART);
    }
    let plot = targets.charts("--plot", args.plot.as_deref(), charts, force);
    if let Err(err) = targets.check() {
        eprintln!("error: {err}");
        return Ok(ExitCode::from(1));
    }
    if timeseries.is_some()
        && let Err(err) = experiment::check_timeseries_step(&scenario, args.timeseries_step)
    {
        eprintln!("error: --timeseries-step: {err}");
        return Ok(ExitCode::from(2));
    }
    if let (Some(shard), Some(out)) = (args.shard, &json) {
        let config = args.sim.fixed_config();
        return shard::run_shard_command(
            &scenario,
            args.scenario.as_deref(),
            &config,
            shard,
            out,
            &mut *targets.human(),
        );
    }
    let config = match args.sim.run_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut bar = progress::Progress::new();
    let result = experiment::run(&scenario, &config, &|update| bar.update(update));
    bar.finish();
    let result = match result {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {file}: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    let report = Report::new(&result);
    let mut human = targets.human();
    human.write_all(render_table(&report).as_bytes())?;
    // After the table, where a reader at a terminal sees them last.
    human.flush()?;
    print_warnings(&report, None);
    if let Some(out) = &json {
        write_json(&report, out).with_context(|| "writing the JSON report")?;
    }
    shard::write_csvs(
        csv.as_ref(),
        replications_csv.as_ref(),
        causes_csv.as_ref(),
        &report,
        &result,
    )?;
    if let Some(dir) = &plot {
        let files = plot::draw(&report, &scenario.expect, dir)?;
        outputs::list_files(&mut *human, "charts written:", &files)?;
    }
    if let Some(out) = &timeseries {
        let seed = args.sim.seed.unwrap_or(scenario.seed);
        let recording = Recording {
            timeseries_step: Some(args.timeseries_step),
            ..Recording::default()
        };
        let outcome = experiment::try_replicate(
            &scenario,
            seed,
            args.trace_replication,
            recording,
            args.sim.events.budget(),
        )?;
        nines::report::write_timeseries(&outcome.timeseries, out)
            .with_context(|| "writing the time series")?;
    }
    if let Some(out) = &trace {
        let seed = args.sim.seed.unwrap_or(scenario.seed);
        let outcome = experiment::try_replicate(
            &scenario,
            seed,
            args.trace_replication,
            Recording::TRACE,
            args.sim.events.budget(),
        )?;
        nines::report::write_trace(&outcome.trace, out)
            .with_context(|| "writing the event trace")?;
        if let Some(dir) = &plot {
            let title = format!(
                "Timeline of {}, replication {}",
                scenario.name, args.trace_replication
            );
            let files = plot::draw_timeline(&outcome.trace, &title, dir)?;
            for file in files {
                writeln!(human, "  {}", file.display())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the report's warnings on stderr (stdout keeps the table for
/// scripts), each prefixed with the sweep point they belong to, if any.
pub(crate) fn print_warnings(report: &Report, point: Option<&str>) {
    for w in &report.warnings {
        match point {
            Some(label) => eprintln!("warning: [{label}] {}", w.message),
            None => eprintln!("warning: {}", w.message),
        }
    }
}

fn validate_command(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    match Scenario::load_with(&args.scenario, args.files.access()) {
        Ok(scenario) => {
            let file = args.scenario.display().to_string();
            if let Err(err) = args.events.check(&scenario, &file) {
                eprintln!("error: {err}");
                return Ok(ExitCode::from(1));
            }
            let unknown = experiment::unknown_expectation_slis(&scenario, &file);
            if !unknown.is_empty() {
                for problem in unknown {
                    eprintln!("{problem}");
                }
                return Ok(ExitCode::from(1));
            }
            println!(
                "{}: valid ({} machines in {} zones, {} etcd members, {} replications x {})",
                args.scenario.display(),
                scenario.groups.iter().map(|g| g.zones.len()).sum::<usize>(),
                scenario.zones.len(),
                scenario.control_plane.etcd.members,
                scenario.replications,
                scenario.horizon
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("{err}");
            Ok(ExitCode::from(1))
        }
    }
}
