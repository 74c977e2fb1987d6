//! Helpers shared by the integration tests.
//!
//! Every test that writes files makes its own directory with
//! `tempfile::tempdir()` and keeps the guard alive while it uses the files;
//! no two tests share a path, so the tests can run in parallel.

use std::process::{Command, Output};

use nines::experiment::{self, ExperimentResult, RunConfig};
use nines::scenario::Scenario;

/// Parses an inline scenario, panicking with the located problems.
pub fn scenario(yaml: &str) -> Scenario {
    Scenario::parse(yaml, "<test>", "test")
        .unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
}

/// Runs a scenario quietly at the given confidence level.
pub fn run(scenario: &Scenario, confidence: f64) -> ExperimentResult {
    let config = RunConfig {
        confidence: Some(confidence),
        ..RunConfig::default()
    };
    experiment::run(scenario, &config, &|_| {}).unwrap()
}

/// The SLI summary called `name`.
pub fn sli<'a>(result: &'a ExperimentResult, name: &str) -> &'a experiment::SliSummary {
    result
        .slis
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no SLI {name}"))
}

/// The `nines` binary with arguments.
pub fn nines(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nines"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs the binary and returns its output.
pub fn nines_output(args: &[&str]) -> Output {
    nines(args).output().expect("the nines binary runs")
}

/// Asserts that `exact` lies inside the interval `[lower, upper]`.
#[track_caller]
pub fn assert_within(what: &str, exact: f64, lower: f64, upper: f64) {
    assert!(
        lower <= exact && exact <= upper,
        "{what}: exact {exact} outside the simulated interval [{lower}, {upper}]"
    );
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path.to_str().expect("utf-8 temp path").to_string()
}

/// Asserts that the binary exited with success, showing its stderr if not.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 99.9 % two-sided normal quantile.
const Z999: f64 = 3.290_527;

/// Kolmogorov–Smirnov critical value at α = 0.001 (asymptotic):
/// `sqrt(-ln(α/2) / 2) / sqrt(n)`.
pub fn ks_critical(n: usize) -> f64 {
    (-(0.0005f64).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

/// Mean and its half-width at 99.9 %.
pub fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Z999 * (var / n).sqrt())
}

/// The largest distance between the empirical CDF of `xs` and `cdf`.
pub fn ks_distance(xs: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}
