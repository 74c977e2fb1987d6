//! `nines check FILE`: the CI gate. Runs the scenario, judges its
//! `expect:` targets on the confidence intervals, optionally compares with
//! a saved baseline report, prints the verdict and writes the Markdown and
//! JUnit summaries and the verdicts as JSON. Exit codes: 0 pass, 1 fail, 2 usage or input error, 3
//! inconclusive.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nines::experiment;
use nines::report::check::{
    Baseline, MARKER, admit_baseline, check, render_text, write_check_json, write_junit,
    write_markdown,
};
use nines::report::output::{Kind, Output};
use nines::report::{Report, read_json, render_table, write_json};
use nines::scenario::Scenario;

use super::args::{ScenarioFilesArgs, SimulationArgs};
use super::outputs::Targets;
use super::progress::Progress;

/// Exit code for usage and input errors (clap uses it too).
const INPUT_ERROR: u8 = 2;

/// Flags of `nines check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes:\n  \
    0  pass: every target met, no baseline regression\n  \
    1  fail: an interval misses a target entirely, or a significant regression\n  \
    2  usage or input error (flags, scenario, unknown SLI, baseline of another scenario\n     \
       or with no SLI in common, output file)\n  \
    3  inconclusive: an interval straddles a target; add replications\n\n\
    Targets are written in the scenario:\n  \
    expect:\n    \
      - api.write.availability >= 99.95%\n    \
      - etcd.quorum.nines >= 4\n    \
      - controllers.downtime_per_year <= 5m\n    \
      - data_loss.events_per_year <= 0.01\n\n\
    Baseline: per SLI, a one-sided test that this run loses more than the baseline. With the\n\
    same seed, replication i of both runs drew the same random numbers, so the test is paired\n\
    over the replications both reports hold (the first 2,000); with another seed, or a report\n\
    without per-replication figures, Welch's unpaired test (with a note). Holm-Bonferroni\n\
    across the SLIs keeps the chance of any false regression at most 1 - confidence.\n\n\
    Example:\n  \
    nines check cluster.yaml --baseline main.json --markdown \"$GITHUB_STEP_SUMMARY\" --junit check.xml")]
pub struct CheckArgs {
    /// Scenario file with an `expect:` block.
    pub scenario: PathBuf,
    /// How many replications, with which seed and confidence (the
    /// confidence level is also the baseline test's).
    #[command(flatten)]
    pub sim: SimulationArgs,
    /// Which files the scenario may read.
    #[command(flatten)]
    pub files: ScenarioFilesArgs,
    /// A report saved earlier (`nines run --json`) of the same scenario; a
    /// significant drop in any SLI's availability fails the check (paired
    /// t-test over common replications when the seeds match, else Welch's;
    /// Holm-Bonferroni across SLIs).
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// Compare with a baseline of another scenario (its digest differs),
    /// e.g. to gate a change to the scenario file itself.
    #[arg(long, requires = "baseline")]
    pub allow_other_scenario: bool,
    /// Write a Markdown summary to this file (`-`: standard output). The
    /// file `$GITHUB_STEP_SUMMARY` names (a GitHub Actions job summary) is
    /// appended to, as GitHub expects; any other file is replaced if an
    /// earlier check wrote it.
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_markdown)]
    pub markdown: Option<PathBuf>,
    /// Write JUnit XML (one test case per target and baseline SLI; `-`:
    /// standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub junit: Option<PathBuf>,
    /// Write the verdicts as JSON: per target and per baseline SLI, with
    /// the overall verdict and exit code (schema: schemas/check.schema.json;
    /// `-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub json: Option<PathBuf>,
    /// Write the full run report as JSON, as `nines run --json` does (e.g.
    /// the next check's --baseline; `-`: standard output).
    #[arg(long, value_name = "FILE", value_parser = super::outputs::parse_output)]
    pub report_json: Option<PathBuf>,
    /// Replace output files that nines did not write (see `nines run
    /// --help`).
    #[arg(long)]
    pub force: bool,
}

/// Whether `path` is the GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`).
fn is_step_summary(path: &Path) -> bool {
    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) else {
        return false;
    };
    let summary = Path::new(&summary);
    summary == path
        || matches!(
            (std::fs::canonicalize(summary), std::fs::canonicalize(path)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// An input error: printed, exit code 2. Exit code 1 means "a target
/// failed", so no error may end with it.
fn input_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(INPUT_ERROR)
}

/// The library's view of a baseline read from `source`.
fn baseline_of((source, report): &(String, Report), allow_other_scenario: bool) -> Baseline<'_> {
    Baseline {
        source: source.as_str(),
        report,
        allow_other_scenario,
    }
}

/// Runs the check.
pub fn check_command(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let file = args.scenario.display().to_string();
    let scenario = match Scenario::load_with(&args.scenario, args.files.access()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(INPUT_ERROR));
        }
    };
    if scenario.expect.is_empty() && args.baseline.is_none() {
        return Ok(input_error(format!(
            "{file} has no `expect:` targets and no --baseline was given, so there is nothing to check; \
             add e.g. `expect: [\"api.write.availability >= 99.9%\"]`"
        )));
    }
    let unknown = experiment::unknown_expectation_slis(&scenario, &file);
    if !unknown.is_empty() {
        for problem in unknown {
            eprintln!("{problem}");
        }
        return Ok(ExitCode::from(INPUT_ERROR));
    }
    // Every output is checked before simulating, so a bad target costs no run.
    let force = args.force;
    let mut targets = Targets::default();
    let json = targets.file("--json", args.json.as_deref(), Kind::Json, force);
    let report_json = targets.file(
        "--report-json",
        args.report_json.as_deref(),
        Kind::Json,
        force,
    );
    let markdown = targets.output(
        "--markdown",
        args.markdown.as_ref().map(|path| {
            if is_step_summary(path) {
                Output::appending(path)
            } else {
                Output::new(path, force)
            }
        }),
        Kind::Marked(MARKER),
    );
    let junit = targets.file(
        "--junit",
        args.junit.as_deref(),
        Kind::Marked(MARKER),
        force,
    );
    if let Err(err) = targets.check() {
        return Ok(input_error(err));
    }
    let baseline = match &args.baseline {
        Some(path) => match read_json(path) {
            Ok(report) => Some((path.display().to_string(), report)),
            Err(err) => return Ok(input_error(format_args!("baseline: {err}"))),
        },
        None => None,
    };
    let allow = args.allow_other_scenario;
    // Refused before simulating, so a wrong baseline costs no run.
    if let Some(b) = &baseline
        && let Err(err) = admit_baseline(
            &scenario.name,
            &scenario.digest,
            &experiment::sli_names(&scenario),
            &baseline_of(b, allow),
        )
    {
        return Ok(input_error(err));
    }

    if let Err(err) = args.sim.events.check(&scenario, &file) {
        return Ok(input_error(err));
    }
    let config = match args.sim.run_config() {
        Ok(config) => config,
        Err(err) => return Ok(input_error(err)),
    };
    let mut bar = Progress::new();
    let result = experiment::run(&scenario, &config, &|update| bar.update(update));
    bar.finish();
    let result = match result {
        Ok(result) => result,
        Err(err) => return Ok(input_error(format_args!("{file}: {err}"))),
    };
    let report = Report::new(&result);

    let outcome = check(
        &report,
        &scenario.expect,
        &file,
        baseline.as_ref().map(|b| baseline_of(b, allow)),
    );
    let verdict = match outcome {
        Ok(v) => v,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(INPUT_ERROR));
        }
    };

    let mut human = targets.human();
    human.write_all(render_table(&report).as_bytes())?;
    human.write_all(b"\n")?;
    human.write_all(render_text(&verdict).as_bytes())?;
    human.flush()?;
    super::print_warnings(&report, None);

    if let Some(out) = &report_json
        && let Err(err) = write_json(&report, out)
    {
        return Ok(input_error(format_args!("writing the JSON report: {err}")));
    }
    if let Some(out) = &json
        && let Err(err) = write_check_json(&verdict, out)
    {
        return Ok(input_error(format_args!(
            "writing the JSON verdicts: {err}"
        )));
    }
    if let Some(out) = &markdown
        && let Err(err) = write_markdown(&verdict, out)
    {
        return Ok(input_error(format_args!(
            "writing the Markdown summary: {err}"
        )));
    }
    if let Some(out) = &junit
        && let Err(err) = write_junit(&verdict, out)
    {
        return Ok(input_error(format_args!("writing the JUnit report: {err}")));
    }
    Ok(ExitCode::from(verdict.verdict().exit_code()))
}
