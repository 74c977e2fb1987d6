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
use nines::scenario::{Expectation, Metric};

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
    /// Draw the availability targets of this scenario's `expect:` block on
    /// the availability chart (as `run --plot` does).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

/// Redraws the charts of a saved report without simulating.
pub fn plot_command(args: PlotArgs) -> anyhow::Result<ExitCode> {
    let dir = Output::new(&args.out, args.force);
    if let Err(err) = check_dir(&dir, &REPORT_CHARTS) {
        eprintln!("error: --out: {err}");
        return Ok(ExitCode::from(1));
    }
    let targets = match &args.scenario {
        Some(path) => match nines::scenario::Scenario::load(path) {
            Ok(scenario) => availability_targets(&scenario.expect),
            Err(err) => {
                eprintln!("{err}");
                return Ok(ExitCode::from(1));
            }
        },
        None => Vec::new(),
    };
    let report = match read_json(&args.report) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    let files = write_charts(&report, &dir, &targets)?;
    super::outputs::list_files(&mut std::io::stdout().lock(), "charts written:", &files)?;
    Ok(ExitCode::SUCCESS)
}

/// Draws the charts of a report just simulated, from the report as its
/// JSON file reads back, so that `nines plot` on that file draws the same
/// bytes.
pub fn draw(report: &Report, expect: &[Expectation], dir: &Output) -> anyhow::Result<Vec<PathBuf>> {
    let saved = json_round_trip(report).context("preparing the report for the charts")?;
    write_charts(&saved, dir, &availability_targets(expect))
}

/// The `expect:` targets that bound an SLI's availability, as (SLI,
/// availability) pairs for the availability chart: `availability`, `nines`
/// and `downtime_per_year` targets (a year of downtime being 365 days, as
/// in the report). Other metrics have no place on that chart.
pub fn availability_targets(expect: &[Expectation]) -> Vec<(String, f64)> {
    const YEAR_SECS: f64 = 365.0 * 86_400.0;
    expect
        .iter()
        .filter_map(|e| {
            let availability = match e.metric {
                Metric::Availability => e.target,
                Metric::Nines => 1.0 - 10f64.powf(-e.target),
                Metric::DowntimePerYear => 1.0 - e.target / YEAR_SECS,
                _ => return None,
            };
            Some((e.sli.clone(), availability))
        })
        .collect()
}

/// Draws the timeline of a traced replication (`run --trace --plot`).
pub fn draw_timeline(
    trace: &[TraceEntry],
    title: &str,
    dir: &Output,
) -> anyhow::Result<Vec<PathBuf>> {
    render_timeline(trace, title, dir).context("drawing the timeline")
}

fn write_charts(
    report: &Report,
    dir: &Output,
    targets: &[(String, f64)],
) -> anyhow::Result<Vec<PathBuf>> {
    render_all(report, dir, targets).context("drawing the charts")
}
