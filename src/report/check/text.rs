//! The verdict for the terminal.

use std::fmt::Write as _;

use super::format::level_text;
use super::{CheckReport, Verdict};
use crate::report::units::{duration, percent};

/// The verdict for the terminal.
pub fn render_text(check: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "nines check: {}, {} replications x {}, seed {}, {} confidence",
        check.scenario,
        check.replications,
        duration(check.horizon_seconds),
        check.seed,
        level_text(check.confidence)
    );
    if !check.expectations.is_empty() {
        out.push('\n');
        let width = check
            .expectations
            .iter()
            .map(|e| e.expectation.chars().count())
            .max()
            .unwrap_or(0);
        for e in &check.expectations {
            let _ = writeln!(
                out,
                "{:<12}  {:<width$}  {}  {}",
                e.verdict.label(),
                e.expectation,
                e.value_text(),
                e.interval_text()
            );
            let _ = writeln!(out, "{:<12}  {}", "", e.reason);
        }
    }
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "\nbaseline {} ({}, {} replications)\ntest: {}",
            b.source,
            b.scenario,
            b.replications,
            b.test_description()
        );
        let width = b.slis.iter().map(|s| s.sli.len()).max().unwrap_or(0);
        for s in &b.slis {
            let label = match s.verdict {
                Verdict::Pass => "ok",
                Verdict::Fail => "REGRESSION",
                Verdict::Inconclusive => "UNTESTED",
            };
            let _ = writeln!(
                out,
                "{:<12}  {:<width$}  {} -> {}  {}",
                label,
                s.sli,
                percent(s.baseline_mean),
                percent(s.current_mean),
                s.reason
            );
        }
        for u in &b.unmatched {
            let _ = writeln!(out, "{:<12}  {u}", "not compared");
        }
    }
    let _ = writeln!(
        out,
        "\nverdict: {} ({})",
        check.verdict().label(),
        check.counts()
    );
    out
}
