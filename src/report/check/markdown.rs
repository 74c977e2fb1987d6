//! The Markdown summary for a CI job page (e.g. `$GITHUB_STEP_SUMMARY`).

use std::fmt::Write as _;

use super::format::{level_text, p_text};
use super::{CheckReport, ExpectationResult, MARKER, Verdict, write_marked};
use crate::report::ReportError;
use crate::report::output::Output;
use crate::report::units::{duration, percent};

/// Escapes text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// A verdict with its emoji, for a table cell.
fn md_verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅ pass",
        Verdict::Fail => "❌ fail",
        Verdict::Inconclusive => "⚠️ inconclusive",
    }
}

/// A Markdown summary for a CI job page (e.g. `$GITHUB_STEP_SUMMARY`).
pub fn render_markdown(check: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(
        out,
        "## nines check: {} — {}\n",
        md_cell(&check.scenario),
        md_verdict(check.verdict())
    );
    let _ = writeln!(
        out,
        "{} replications × {}, seed {}, {} confidence; {}.\n",
        check.replications,
        duration(check.horizon_seconds),
        check.seed,
        level_text(check.confidence),
        check.counts()
    );
    if !check.expectations.is_empty() {
        let level = level_text(check.confidence);
        let _ = writeln!(
            out,
            "| expectation | value | {level} interval | target | verdict |\n|---|---|---|---|---|"
        );
        for e in &check.expectations {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                md_cell(&e.expectation),
                md_cell(&e.value_text()),
                md_cell(&e.interval_text()),
                md_cell(&e.target_text()),
                md_verdict(e.verdict)
            );
        }
        let notes: Vec<&ExpectationResult> = check
            .expectations
            .iter()
            .filter(|e| e.verdict != Verdict::Pass)
            .collect();
        if !notes.is_empty() {
            out.push('\n');
            for e in notes {
                let _ = writeln!(out, "- `{}`: {}", md_cell(&e.expectation), e.reason);
            }
        }
    }
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "\n### Baseline: {} ({}, {} replications, seed {})\n\n{}.\n",
            md_cell(&b.source),
            md_cell(&b.scenario),
            b.replications,
            b.seed,
            b.test_description()
        );
        for note in &b.notes {
            let _ = writeln!(out, "> Note: {}\n", md_cell(note));
        }
        let _ = writeln!(
            out,
            "| SLI | baseline | current | Δ downtime/yr | test | t | df | p | Holm p | verdict |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        let num = |x: Option<f64>, digits: usize| x.map_or("-".into(), |v| format!("{v:.digits$}"));
        let p = |x: Option<f64>| x.map_or("-".into(), p_text);
        for s in &b.slis {
            let verdict = match s.verdict {
                Verdict::Pass => "✅ no regression",
                Verdict::Fail => "❌ regression",
                Verdict::Inconclusive => "⚠️ not testable",
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                md_cell(&s.sli),
                percent(s.baseline_mean),
                percent(s.current_mean),
                md_cell(&s.change_text()),
                s.method.label(),
                num(s.t, 3),
                num(s.df, 1),
                p(s.p_value),
                p(s.adjusted_p),
                verdict
            );
        }
        if let Some(unmatched) = b.unmatched_text() {
            let _ = writeln!(out, "\nNot compared: {}.", md_cell(&unmatched));
        }
    }
    out
}

/// Writes the Markdown summary. An existing file is replaced only if it is
/// empty or carries [`MARKER`] (an earlier check wrote it).
pub fn write_markdown(check: &CheckReport, out: impl Into<Output>) -> Result<(), ReportError> {
    write_marked(&render_markdown(check), out)
}
