//! `nines run FILE --shard I/N --json part.json` (one shard of a run) and
//! `nines merge part-*.json` (the report a single run would have given),
//! plus the CSV exports shared by `run` and `merge`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use nines::experiment::shard::{Shard, merge, run_shard};
use nines::experiment::{ExperimentResult, RunConfig};
use nines::report::csv::{
    CAUSES_KIND, REPLICATIONS_KIND, SUMMARY_KIND, write_causes_csv, write_csv,
    write_replications_csv,
};
use nines::report::output::{Kind, Output};
use nines::report::{Report, read_partial, render_table, write_json, write_partial};
use nines::scenario::{DEFAULT_SCENARIO, Scenario};

use super::outputs::Targets;
use super::progress::Progress;

/// Flags of `nines merge`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example (three shards, e.g. a Kubernetes Indexed Job or a Slurm array):\n  \
    nines run cluster.yaml --shard 1/3 --json part-1.json   # on machine 1\n  \
    nines run cluster.yaml --shard 2/3 --json part-2.json   # on machine 2\n  \
    nines run cluster.yaml --shard 3/3 --json part-3.json   # on machine 3\n  \
    nines merge part-*.json --json report.json\n\n\
    The merged report is byte for byte the report of `nines run cluster.yaml --replications N \
    --json report.json`, N being the shards' --replications (or the scenario's replications): \
    a sharded run is a fixed count, never precision-driven."
)]
pub struct MergeArgs {
    /// Part files written by `nines run FILE --shard I/N --json PART`.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    /// Write the merged report as JSON to this file (`-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub json: Option<PathBuf>,
    /// Write every figure of the merged report as long-format CSV (`-`:
    /// standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub csv: Option<PathBuf>,
    /// Write every replication's raw result per SLI as CSV (`-`: standard
    /// output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub replications_csv: Option<PathBuf>,
    /// Write each SLI's downtime by cause as CSV (`-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub causes_csv: Option<PathBuf>,
    /// Replace output files that nines did not write (see `nines run
    /// --help`).
    #[arg(long)]
    pub force: bool,
}

/// Runs one shard and writes its part file.
pub fn run_shard_command(
    scenario: &Scenario,
    path: Option<&Path>,
    config: &RunConfig,
    shard: Shard,
    out: &Output,
    human: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    // The part carries the scenario text; it must be the text just loaded.
    let text = match path {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => DEFAULT_SCENARIO.to_string(),
    };
    let reread = Scenario::parse(&text, "<scenario>", &scenario.name).ok();
    if reread.is_none_or(|s| s.digest != scenario.digest) {
        anyhow::bail!("the scenario file changed while it was being read; run the shard again");
    }
    let mut bar = Progress::new();
    let part = run_shard(scenario, &text, config, shard, &|u| bar.update(u));
    bar.finish();
    let part = part?;
    write_partial(&part, out).context("writing the shard's part")?;
    let block = shard.replications(part.replications);
    let range = if block.is_empty() {
        "no replications (more shards than replications)".to_string()
    } else {
        format!("replications {}-{}", block.start, block.end - 1)
    };
    writeln!(
        human,
        "nines {}: {}, shard {shard}: {range} of {}, seed {}; wrote {}\nmerge all {} parts with `nines merge PART... --json report.json`",
        part.nines_version,
        part.scenario,
        part.replications,
        part.seed,
        out.path().display(),
        shard.count
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Merges part files into one report.
pub fn merge_command(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut targets = Targets::default();
    let json = targets.file("--json", args.json.as_deref(), Kind::Json, args.force);
    let csv = targets.file("--csv", args.csv.as_deref(), SUMMARY_KIND, args.force);
    let replications_csv = targets.file(
        "--replications-csv",
        args.replications_csv.as_deref(),
        REPLICATIONS_KIND,
        args.force,
    );
    let causes_csv = targets.file(
        "--causes-csv",
        args.causes_csv.as_deref(),
        CAUSES_KIND,
        args.force,
    );
    if let Err(err) = targets.check() {
        eprintln!("error: {err}");
        return Ok(ExitCode::from(1));
    }
    let mut parts = Vec::new();
    for path in &args.parts {
        let part = read_partial(path)?;
        parts.push((path.display().to_string(), part));
    }
    let result = merge(parts)?;
    let report = Report::new(&result);
    targets
        .human()
        .write_all(render_table(&report).as_bytes())?;
    if let Some(out) = &json {
        write_json(&report, out).context("writing the JSON report")?;
    }
    write_csvs(
        csv.as_ref(),
        replications_csv.as_ref(),
        causes_csv.as_ref(),
        &report,
        &result,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the CSV exports asked for.
pub fn write_csvs(
    csv: Option<&Output>,
    replications_csv: Option<&Output>,
    causes_csv: Option<&Output>,
    report: &Report,
    result: &ExperimentResult,
) -> anyhow::Result<()> {
    if let Some(out) = csv {
        write_csv(report, out).context("writing the CSV summary")?;
    }
    if let Some(out) = causes_csv {
        write_causes_csv(report, out).context("writing the downtime-by-cause CSV")?;
    }
    if let Some(out) = replications_csv {
        write_replications_csv(result, out).context("writing the per-replication CSV")?;
    }
    Ok(())
}
