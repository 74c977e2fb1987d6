//! `nines plot REPORT.json --out DIR` and `nines run --plot DIR`: draw the
//! charts of a report (and, with `run --trace`, the timeline of the traced
//! replication).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use nines::experiment::TraceEntry;
use nines::report::chart::{REPORT_CHARTS, check_dir, render_all, render_timeline};
use nines::report::output::Output;
use nines::report::{Report, json_round_trip, read_json};

/// Flags of `nines plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A report written by `nines run --json FILE`.
    pub report: PathBuf,
    /// Directory for the charts (created if needed).
    #[arg(long, value_name = "DIR", value_parser = super::outputs::parse_dir)]
    pub out: PathBuf,
    /// Replace chart files there that nines did not draw.
    #[arg(long)]
    pub force: bool,
}

/// Redraws the charts of a saved report without simulating.
pub fn plot_command(args: PlotArgs) -> anyhow::Result<ExitCode> {
    let dir = Output::new(&args.out, args.force);
    if let Err(err) = check_dir(&dir, &REPORT_CHARTS) {
        eprintln!("error: --out: {err}");
        return Ok(ExitCode::from(1));
    }
    let report = match read_json(&args.report) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    let files = write_charts(&report, &dir)?;
    super::outputs::list_files(&mut std::io::stdout().lock(), "charts written:", &files)?;
    Ok(ExitCode::SUCCESS)
}

/// Draws the charts of a report just simulated, from the report as its
/// JSON file reads back, so that `nines plot` on that file draws the same
/// bytes.
pub fn draw(report: &Report, dir: &Output) -> anyhow::Result<Vec<PathBuf>> {
    let saved = json_round_trip(report).context("preparing the report for the charts")?;
    write_charts(&saved, dir)
}

/// Draws the timeline of a traced replication (`run --trace --plot`).
pub fn draw_timeline(
    trace: &[TraceEntry],
    title: &str,
    dir: &Output,
) -> anyhow::Result<Vec<PathBuf>> {
    render_timeline(trace, title, dir).context("drawing the timeline")
}

fn write_charts(report: &Report, dir: &Output) -> anyhow::Result<Vec<PathBuf>> {
    // Targets come with the CI gate (`nines check`); none yet.
    render_all(report, dir, &[]).context("drawing the charts")
}
