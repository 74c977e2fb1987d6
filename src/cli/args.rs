//! Command-line flags, mirrored exactly by clap derive structs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Availability simulator for highly available Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(
    name = "nines",
    version,
    about,
    after_help = "Examples:\n  \
        nines run                                   # the built-in stacked 3-node scenario\n  \
        nines run scenarios/external-etcd-5.yaml --json report.json\n  \
        nines run scenarios/single-cp.yaml --precision 0.1 --max-replications 20000\n  \
        nines validate my-cluster.yaml"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print availability per SLI.
    Run(RunArgs),
    /// Check a scenario file and report every problem with its location.
    Validate(ValidateArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON); without one, the built-in stacked
    /// 3-node control plane.
    pub scenario: Option<PathBuf>,
    /// Replications (overrides the scenario's `replications`).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(2..))]
    pub replications: Option<u64>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Confidence level of every interval, e.g. 0.95 or 0.99.
    #[arg(long, value_parser = parse_level)]
    pub confidence: Option<f64>,
    /// Add replications until every SLI's unavailability interval is
    /// within this relative half-width (e.g. 0.1 for ±10 %).
    #[arg(long, value_parser = parse_positive)]
    pub precision: Option<f64>,
    /// Cap on replications under --precision.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..))]
    pub max_replications: Option<u64>,
    /// Write the full report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file to check.
    pub scenario: PathBuf,
}

fn parse_level(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err("use a level between 0 and 1, e.g. 0.95".into())
    }
}

fn parse_positive(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err("use a positive number, e.g. 0.1".into())
    }
}
