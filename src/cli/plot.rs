//! `nines plot REPORT.json --out DIR` and `nines run --plot DIR`: draw the
//! charts of a report (and, with `run --trace`, the timeline of the traced
//! replication).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use nines::experiment::TraceEntry;
use nines::report::chart::{render_all, render_timeline};
use nines::report::{Report, json_round_trip, read_json};

/// Flags of `nines plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A report written by `nines run --json FILE`.
    pub report: PathBuf,
    /// Directory for the charts (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Redraws the charts of a saved report without simulating.
pub fn plot_command(args: PlotArgs) -> anyhow::Result<ExitCode> {
    let report = read_json(&args.report)?;
    write_charts(&report, &args.out)?;
    Ok(ExitCode::SUCCESS)
}

/// Draws the charts of a report just simulated, from the report as its
/// JSON file reads back, so that `nines plot` on that file draws the same
/// bytes.
pub fn draw(report: &Report, dir: &Path) -> anyhow::Result<()> {
    let saved = json_round_trip(report).context("preparing the report for the charts")?;
    write_charts(&saved, dir)
}

/// Draws the timeline of a traced replication (`run --trace --plot`).
pub fn draw_timeline(trace: &[TraceEntry], title: &str, dir: &Path) -> anyhow::Result<()> {
    let files = render_timeline(trace, title, dir).context("drawing the timeline")?;
    for file in files {
        println!("  {}", file.display());
    }
    Ok(())
}

fn write_charts(report: &Report, dir: &Path) -> anyhow::Result<()> {
    // Targets come with the CI gate (`nines check`); none yet.
    let files = render_all(report, dir, &[]).context("drawing the charts")?;
    println!("charts written:");
    for file in files {
        println!("  {}", file.display());
    }
    Ok(())
}
