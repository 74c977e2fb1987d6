//! JUnit XML for CI test reports: one test case per target and per
//! baseline comparison.

use std::fmt::Write as _;

use super::format::{level_text, trim_float};
use super::{CheckReport, MARKER, Verdict, write_marked};
use crate::report::ReportError;
use crate::report::output::Output;
use crate::report::units::percent;

/// Escapes text for XML content and attributes; drops characters XML 1.0
/// cannot hold.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Case {
    name: String,
    classname: String,
    verdict: Verdict,
    message: String,
    detail: String,
}

fn junit_suite(out: &mut String, name: &str, properties: &[(&str, String)], cases: &[Case]) {
    let count = |v: Verdict| cases.iter().filter(|c| c.verdict == v).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
        xml(name),
        cases.len(),
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    );
    if !properties.is_empty() {
        out.push_str("    <properties>\n");
        for (k, v) in properties {
            let _ = writeln!(
                out,
                "      <property name=\"{}\" value=\"{}\"/>",
                xml(k),
                xml(v)
            );
        }
        out.push_str("    </properties>\n");
    }
    for c in cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
            xml(&c.name),
            xml(&c.classname)
        );
        match c.verdict {
            Verdict::Pass => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&c.detail)
                );
            }
            Verdict::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml(&c.message),
                    if c.classname.ends_with("baseline") {
                        "regression"
                    } else {
                        "expectation"
                    },
                    xml(&c.detail)
                );
            }
            Verdict::Inconclusive => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(&format!("inconclusive: {}", c.message))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// JUnit XML: one test case per target and per baseline comparison;
/// failures as `<failure>`, inconclusive results as `<skipped>`.
pub fn render_junit(check: &CheckReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "{MARKER}");
    let expectation_cases: Vec<Case> = check
        .expectations
        .iter()
        .map(|e| Case {
            name: e.expectation.clone(),
            classname: format!("nines.{}.expect", check.scenario),
            verdict: e.verdict,
            message: e.reason.clone(),
            detail: format!(
                "value {}, {} interval {}, target {}: {}",
                e.value_text(),
                level_text(check.confidence),
                e.interval_text(),
                e.target_text(),
                e.reason
            ),
        })
        .collect();
    let baseline_cases: Vec<Case> = check
        .baseline
        .iter()
        .flat_map(|b| {
            b.slis.iter().map(move |s| Case {
                name: format!("{} availability vs baseline", s.sli),
                classname: format!("nines.{}.baseline", check.scenario),
                verdict: s.verdict,
                message: s.reason.clone(),
                detail: format!(
                    "{} -> {}, downtime/yr {}: {}. Test: {}.{}",
                    percent(s.baseline_mean),
                    percent(s.current_mean),
                    s.change_text(),
                    s.reason,
                    b.test_description(),
                    b.notes
                        .iter()
                        .map(|n| format!(" Note: {n}."))
                        .collect::<String>()
                ),
            })
        })
        .collect();
    let all = expectation_cases.len() + baseline_cases.len();
    let count = |v: Verdict| {
        expectation_cases
            .iter()
            .chain(&baseline_cases)
            .filter(|c| c.verdict == v)
            .count()
    };
    let _ = writeln!(
        out,
        "<testsuites name=\"nines check\" tests=\"{all}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
        count(Verdict::Fail),
        count(Verdict::Inconclusive)
    );
    let properties = [
        ("scenario", check.scenario.clone()),
        ("scenario_digest", check.digest.clone()),
        ("seed", check.seed.to_string()),
        ("replications", check.replications.to_string()),
        ("confidence", check.confidence.to_string()),
    ];
    junit_suite(
        &mut out,
        &format!("{} expectations", check.scenario),
        &properties,
        &expectation_cases,
    );
    if let Some(b) = &check.baseline {
        let mut properties = vec![
            ("baseline", b.source.clone()),
            ("baseline_scenario", b.scenario.clone()),
            ("baseline_seed", b.seed.to_string()),
            ("test", b.test_description()),
            ("multiple_comparisons", "Holm-Bonferroni".to_string()),
            ("family_wise_alpha", trim_float(1.0 - b.confidence, 4)),
        ];
        properties.extend(b.notes.iter().map(|n| ("note", n.clone())));
        if let Some(unmatched) = b.unmatched_text() {
            properties.push(("not_compared", unmatched));
        }
        junit_suite(
            &mut out,
            &format!("{} baseline", check.scenario),
            &properties,
            &baseline_cases,
        );
    }
    out.push_str("</testsuites>\n");
    out
}

/// Writes the JUnit XML, with the same overwrite rule as
/// [`write_markdown`](super::write_markdown).
pub fn write_junit(check: &CheckReport, out: impl Into<Output>) -> Result<(), ReportError> {
    write_marked(&render_junit(check), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
