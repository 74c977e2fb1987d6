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
        nines run                                   # the built-in stacked 3-node scenario, until ±20 %\n  \
        nines run scenarios/external-etcd-5.yaml --json report.json\n  \
        nines run scenarios/single-cp.yaml --precision 0.1 --budget 5m\n  \
        nines run scenarios/single-cp.yaml --replications 500   # exactly 500 replications\n  \
        nines import kubeadm.yaml nodes.yaml manifests/ -o my-cluster.yaml\n  \
        nines validate my-cluster.yaml\n  \
        nines check my-cluster.yaml --baseline main.json  # the CI gate; see nines check --help\n  \
        nines run my-cluster.yaml --shard 2/8 --json part-2.json\n  \
        nines merge part-*.json --json report.json"
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
    /// Redraw the charts of a saved JSON report, without simulating.
    Plot(crate::cli::plot::PlotArgs),
    /// Run a scenario and judge its `expect:` targets (and a baseline): the CI gate.
    Check(crate::cli::check::CheckArgs),
    /// Merge the parts of a sharded run into the report a single run gives.
    Merge(crate::cli::shard::MergeArgs),
    /// Run the scenario over a grid of parameter values (--set etcd.members=1,3,5).
    Sweep(crate::cli::sweep::SweepArgs),
    /// Write a commented scenario from Kubernetes objects (kubeadm config, nodes, workloads).
    Import(crate::cli::import::ImportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(crate::cli::generate::CompletionsArgs),
    /// Print the man page of nines, or of one subcommand, in roff.
    Man(crate::cli::generate::ManArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON); without one, the built-in stacked
    /// 3-node control plane.
    pub scenario: Option<PathBuf>,
    /// How many replications, with which seed and confidence.
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// Which files the scenario may read.
    #[command(flatten)]
    pub files: ScenarioFilesArgs,
    /// Write the full report as JSON to this file (`-`: standard output,
    /// the table then goes to standard error).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub json: Option<PathBuf>,
    /// Write every figure of the report as long-format CSV to this file
    /// (`-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub csv: Option<PathBuf>,
    /// Write every replication's raw result per SLI as CSV to this file
    /// (`-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub replications_csv: Option<PathBuf>,
    /// Write each SLI's downtime by cause (share and downtime per year) as
    /// CSV to this file (`-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub causes_csv: Option<PathBuf>,
    /// Run only shard I of N (contiguous blocks of replications) and write
    /// its raw results to --json, for `nines merge`.
    #[arg(long, value_name = "I/N", requires = "json",
          conflicts_with_all = ["precision", "budget", "max_replications", "csv", "replications_csv", "causes_csv", "plot"])]
    pub shard: Option<nines::experiment::shard::Shard>,
    /// Draw the charts (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR", value_parser = crate::cli::outputs::parse_dir)]
    pub plot: Option<PathBuf>,
    /// Write the event timeline of one replication as JSON lines (`-`:
    /// standard output).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub trace: Option<PathBuf>,
    /// Which replication --trace and --timeseries record (0-based).
    #[arg(long, value_name = "INDEX", default_value_t = 0)]
    pub trace_replication: u64,
    /// Write one replication's demand, served load, replicas, ready pods,
    /// nodes and pending pods per workload with a load, as CSV (the
    /// replication --trace-replication names, else 0; `-`: standard
    /// output).
    #[arg(long, value_name = "FILE", value_parser = crate::cli::outputs::parse_output)]
    pub timeseries: Option<PathBuf>,
    /// Sampling step of --timeseries, with a unit (e.g. 30s, 1m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "1m", requires = "timeseries",
          value_parser = parse_step)]
    pub timeseries_step: nines::experiment::SimDuration,
    /// Replace output files that nines did not write. Without it an
    /// existing file is replaced only if it is nines' own output of the
    /// same kind (recognised from its first bytes), or empty.
    #[arg(long)]
    pub force: bool,
}

/// The most replications a flag may ask for: the scenario file's limit
/// (`replications:`).
pub const MAX_REPLICATIONS: u64 = nines::scenario::MAX_REPLICATIONS;

fn parse_step(text: &str) -> Result<nines::experiment::SimDuration, String> {
    let step: nines::experiment::SimDuration = text.parse().map_err(|e| format!("{e}"))?;
    if step.is_zero() {
        return Err("the step must be longer than zero, e.g. 1m".to_string());
    }
    Ok(step)
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file to check.
    pub scenario: PathBuf,
    /// Which files the scenario may read.
    #[command(flatten)]
    pub files: ScenarioFilesArgs,
    /// The limit on one replication's events.
    #[command(flatten)]
    pub events: ReplicationBudgetArgs,
}

/// Which files a scenario may read (load traces), shared by every command
/// that reads a scenario.
#[derive(Debug, clap::Args)]
pub struct ScenarioFilesArgs {
    /// Let the scenario read files outside its own directory (absolute
    /// paths, `..`, symbolic links leading out). Without it a scenario
    /// reads only regular files under the directory it is in, so a
    /// scenario from a pull request cannot read the CI runner's files.
    #[arg(long)]
    pub allow_files_outside_scenario: bool,
}

impl ScenarioFilesArgs {
    /// The library's file access rule.
    pub fn access(&self) -> nines::scenario::FileAccess {
        if self.allow_files_outside_scenario {
            nines::scenario::FileAccess::Anywhere
        } else {
            nines::scenario::FileAccess::ScenarioDirectory
        }
    }
}

/// The simulation settings `run` and `check` share.
#[derive(Debug, clap::Args)]
pub struct SimulationArgs {
    /// Run exactly N replications (overrides the scenario's
    /// `replications`). Without it the run is precision-driven: rounds of
    /// replications, growing from the scenario's `replications` toward what
    /// the widest headline SLI is estimated to need (at most doubling),
    /// until every headline SLI's downtime per year is within --precision,
    /// or --budget is spent.
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(2..=MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Confidence level of every interval, e.g. 0.95 or 0.99.
    #[arg(long, value_parser = parse_level)]
    pub confidence: Option<f64>,
    /// Precision target: the relative half-width of every headline SLI's
    /// downtime interval [default: 0.2, i.e. ±20 %, when --replications is
    /// not given]. Headline SLIs: the control plane's and each workload's
    /// ready, requests and capacity; an SLI with no outage does not hold
    /// the run back. Figures wider than the target are labelled imprecise.
    /// With --replications N, the rounds start from N.
    #[arg(long, value_parser = parse_positive)]
    pub precision: Option<f64>,
    /// Cap on the replications of a precision-driven run [default:
    /// 1000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=MAX_REPLICATIONS))]
    pub max_replications: Option<u64>,
    /// Rare-event acceleration (multilevel splitting of replications near
    /// a control-plane outage): `auto` splits a precision-driven run when
    /// plain Monte Carlo would miss the rare outages; `on` whenever the
    /// scenario allows it; `off` never.
    #[arg(long, value_enum, default_value_t = AccelerationArg::Auto)]
    pub acceleration: AccelerationArg,
    /// Work a precision-driven run may spend [default: 60s]: nominal
    /// single-core time (60s, 10m, 1h), converted at 1,000,000 simulated
    /// events per second, or a number of events (5e7 events, 50M events).
    /// Counted in simulated events (plus 10 per replication), never on a
    /// clock, so the same budget stops the same run on any machine and
    /// thread count; the wall time differs: about 2x either way by scenario,
    /// divided by the cores. The first round always runs in full.
    #[arg(long, value_parser = parse_budget)]
    pub budget: Option<nines::experiment::Budget>,
    /// The limit on one replication's events.
    #[command(flatten)]
    pub events: ReplicationBudgetArgs,
}

/// The limit on the events of one replication, shared by the commands
/// that simulate and by `validate`.
#[derive(Debug, clap::Args)]
pub struct ReplicationBudgetArgs {
    /// Events one replication may simulate [default: 300s, i.e.
    /// 300,000,000 events, about 5 minutes of one core], written like
    /// --budget (10m, 1e9 events). A scenario whose rates are expected to
    /// need more is refused before it runs, naming the dominant rate; a
    /// replication that still spends it all stops the run with an error
    /// naming what its events went to.
    #[arg(long, value_parser = parse_budget)]
    pub replication_budget: Option<nines::experiment::Budget>,
}

impl ReplicationBudgetArgs {
    /// The limit in force.
    pub fn budget(&self) -> nines::experiment::Budget {
        self.replication_budget
            .unwrap_or(nines::experiment::DEFAULT_REPLICATION_BUDGET)
    }

    /// Refuses `scenario` (read from `file`) if its rates are expected to
    /// need more events per replication than the limit.
    pub fn check(&self, scenario: &nines::scenario::Scenario, file: &str) -> Result<(), String> {
        nines::experiment::check_event_estimate(scenario, self.budget())
            .map_err(|e| format!("{file}: {e}"))
    }
}

/// `--acceleration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AccelerationArg {
    /// Split when the run is precision-driven and splitting pays off.
    Auto,
    /// Split whenever the scenario allows it.
    On,
    /// Plain Monte Carlo.
    Off,
}

impl From<AccelerationArg> for nines::experiment::Acceleration {
    fn from(a: AccelerationArg) -> Self {
        match a {
            AccelerationArg::Auto => nines::experiment::Acceleration::Auto,
            AccelerationArg::On => nines::experiment::Acceleration::On,
            AccelerationArg::Off => nines::experiment::Acceleration::Off,
        }
    }
}

impl SimulationArgs {
    /// The library's run configuration, with the commands' default
    /// (precision-driven unless --replications is given); an error for
    /// contradicting flags.
    pub fn run_config(&self) -> Result<nines::experiment::RunConfig, String> {
        nines::experiment::RunConfig {
            replications: self.replications,
            seed: self.seed,
            confidence: self.confidence,
            precision: self.precision,
            max_replications: self.max_replications,
            acceleration: self.acceleration.into(),
            budget: self.budget,
            replication_budget: self.events.replication_budget,
        }
        .resolve()
    }

    /// The configuration of a sharded run: always a fixed count.
    pub fn fixed_config(&self) -> nines::experiment::RunConfig {
        nines::experiment::RunConfig {
            replications: self.replications,
            seed: self.seed,
            confidence: self.confidence,
            acceleration: self.acceleration.into(),
            replication_budget: self.events.replication_budget,
            ..nines::experiment::RunConfig::default()
        }
    }
}

pub(super) fn parse_budget(text: &str) -> Result<nines::experiment::Budget, String> {
    text.parse()
}

pub(super) fn parse_level(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err("use a level between 0 and 1, e.g. 0.95".into())
    }
}

pub(super) fn parse_positive(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err("use a positive number, e.g. 0.1".into())
    }
}
