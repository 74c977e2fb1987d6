//! The verdict for the terminal.

use std::fmt::Write as _;

use super::format::level_text;
use super::{CheckReport, Verdict};
use crate::report::table::pad;
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
                "{:<12}  {}  {}  {}",
                e.verdict.label(),
                pad(&e.expectation, width),
                e.value_text(),
                e.interval_text()
            );
            let _ = writeln!(out, "{:<12}  {}", "", e.reason);
        }
    }
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "\nbaseline {} ({}, {} replications, seed {})\ntest: {}",
            b.source,
            b.scenario,
            b.replications,
            b.seed,
            b.test_description()
        );
        for note in &b.notes {
            let _ = writeln!(out, "note: {note}");
        }
        let width = b
            .slis
            .iter()
            .map(|s| s.sli.chars().count())
            .max()
            .unwrap_or(0);
        let moves: Vec<String> = b
            .slis
            .iter()
            .map(|s| {
                format!(
                    "{} -> {}",
                    percent(s.baseline_mean),
                    percent(s.current_mean)
                )
            })
            .collect();
        let changes: Vec<String> = b
            .slis
            .iter()
            .map(|s| format!("downtime/yr {}", s.change_text()))
            .collect();
        let move_width = moves.iter().map(|m| m.chars().count()).max().unwrap_or(0);
        let change_width = changes.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        for ((s, moved), change) in b.slis.iter().zip(&moves).zip(&changes) {
            let label = match s.verdict {
                Verdict::Pass => "ok",
                Verdict::Fail => "REGRESSION",
                Verdict::Inconclusive => "UNTESTED",
            };
            let _ = writeln!(
                out,
                "{:<12}  {}  {}  {}  {}",
                label,
                pad(&s.sli, width),
                pad(moved, move_width),
                pad(change, change_width),
                s.reason
            );
        }
        if let Some(unmatched) = b.unmatched_text() {
            let _ = writeln!(out, "{:<12}  {unmatched}", "not compared");
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
