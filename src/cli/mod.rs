//! Subcommand dispatch. Binary-only: clap and anyhow live here.

mod args;
mod progress;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use args::{Args, Command, RunArgs, ValidateArgs};
use nines::experiment::{self, RunConfig};
use nines::report::{Report, render_table, write_json};
use nines::scenario::{Scenario, ScenarioError};

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    match args.command {
        Command::Run(run) => run_command(run),
        Command::Validate(validate) => validate_command(validate),
    }
}

fn load(path: Option<&Path>) -> Result<Scenario, ScenarioError> {
    match path {
        Some(path) => Scenario::load(path),
        None => Ok(Scenario::builtin()),
    }
}

fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    let scenario = match load(args.scenario.as_deref()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(1));
        }
    };
    let config = RunConfig {
        replications: args.replications,
        seed: args.seed,
        confidence: args.confidence,
        precision: args.precision,
        max_replications: args.max_replications,
    };
    let bar = progress::Progress::new();
    let result = experiment::run(&scenario, &config, &|update| bar.update(update));
    bar.finish();
    let report = Report::new(&result);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(render_table(&report).as_bytes())?;
    if let Some(reached) = report.precision_reached
        && !reached
    {
        writeln!(
            stdout,
            "\nnote: the precision target was not reached within {} replications; raise --max-replications",
            report.replications
        )?;
    }
    if let Some(path) = &args.json {
        write_json(&report, path).with_context(|| "writing the JSON report")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn validate_command(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    match Scenario::load(&args.scenario) {
        Ok(scenario) => {
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
