//! `nines check`: verdicts on confidence intervals, exit codes, the
//! baseline regression test, and the Markdown and JUnit files.

use crate::util::write;
use std::path::Path;

use nines::report::read_json;

use crate::util::nines_output;

/// Three stacked control-plane machines that fail often enough for every
/// SLI to have a proper interval within a short run.
const STACKED: &str = "horizon: 180d
replications: 60
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: stacked
";

/// The same machines' failure modes with one machine and one etcd member.
const SINGLE: &str = "horizon: 180d
replications: 60
machines:
  - name: cp
    role: control-plane
    count: 1
    failures:
      - time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: single
";

fn with_expect(base: &str, targets: &[String]) -> String {
    let mut text = format!("{base}expect:\n");
    for t in targets {
        text.push_str(&format!("  - \"{t}\"\n"));
    }
    text
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// (point, lower, upper) of etcd.quorum availability in a first run.
fn first_run_interval(dir: &Path) -> (f64, f64, f64) {
    let file = write(dir, "first.yaml", STACKED);
    let json = dir.join("first.json");
    let out = nines_output(&["run", &file, "--json", json.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = read_json(&json).unwrap();
    let a = report.sli("etcd.quorum").unwrap().availability;
    assert!(
        a.lower < a.point && a.point < a.upper,
        "a proper interval: {a:?}"
    );
    (a.point, a.lower, a.upper)
}

fn percent(fraction: f64) -> String {
    format!("{:.10}%", fraction * 100.0)
}

#[test]
fn verdicts_follow_the_interval_with_exit_codes_0_1_3() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let (point, lower, upper) = first_run_interval(dir);
    let width = upper - lower;
    let cases = [
        ("pass", lower - width, 0, "PASS"),
        ("fail", upper + width, 1, "FAIL"),
        ("inconclusive", point, 3, "INCONCLUSIVE"),
    ];
    for (name, target, code, label) in cases {
        let target = format!("etcd.quorum.availability >= {}", percent(target));
        let file = write(
            dir,
            &format!("{name}.yaml"),
            &with_expect(STACKED, &[target]),
        );
        let out = nines_output(&["check", &file]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}:\n{stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains(&format!("verdict: {label}")), "{stdout}");
        if code == 3 {
            assert!(
                stdout.contains("would likely decide it: rerun with --replications"),
                "an inconclusive verdict suggests more replications:\n{stdout}"
            );
        }
    }
}

#[test]
fn metrics_with_units_and_bounds_are_judged() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // Nothing about data loss happens here (no disk is lost): the upper
    // bound must be used, and it clears a loose target.
    let targets = [
        "etcd.quorum.nines >= 1".to_string(),
        "controllers.mttr <= 1d".to_string(),
        "controllers.downtime_per_year <= 30d".to_string(),
        "api.write.outages_per_year >= 1".to_string(),
        "scheduling.mtbf >= 1h".to_string(),
        "scheduling.mttf >= 1m".to_string(),
        "data_loss.events_per_year <= 100".to_string(),
    ];
    let file = write(dir, "metrics.yaml", &with_expect(STACKED, &targets));
    let out = nines_output(&["check", &file]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("no etcd data loss in 60 replications"),
        "{stdout}"
    );
}

#[test]
fn unknown_slis_and_bad_targets_are_input_errors() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(
        dir,
        "unknown.yaml",
        &with_expect(STACKED, &["api.wirte.availability >= 99%".to_string()]),
    );
    let out = nines_output(&["check", &file]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{file}:13:5: expect[0]: unknown SLI `api.wirte`")),
        "{stderr}"
    );
    assert!(
        stderr.contains("api.write"),
        "the known SLIs are listed: {stderr}"
    );

    let file = write(
        dir,
        "metric.yaml",
        &with_expect(
            STACKED,
            &[
                "api.write.nines >= 2".to_string(),
                "api.write.mtr <= 10m".to_string(),
            ],
        ),
    );
    for command in ["check", "validate"] {
        let out = nines_output(&[command, &file]);
        assert_eq!(
            out.status.code(),
            Some(if command == "check" { 2 } else { 1 })
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{file}:14:5: expect[1]: unknown metric `mtr`; use one of availability, nines, downtime_per_year, outages_per_year, mttf, mttr, mtbf"
            )),
            "{stderr}"
        );
    }

    let file = write(dir, "nothing.yaml", STACKED);
    let out = nines_output(&["check", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing to check"));
}

#[test]
fn baseline_flags_a_smaller_etcd_but_not_another_seed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let stacked = write(dir, "stacked.yaml", STACKED);
    let base = dir.join("base.json");
    let out = nines_output(&["run", &stacked, "--json", base.to_str().unwrap()]);
    assert!(out.status.success());
    let base = base.to_str().unwrap();

    let out = nines_output(&["check", &stacked, "--seed", "2", "--baseline", base]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Welch's t-test"),
        "the test is stated: {stdout}"
    );
    assert!(!stdout.contains("REGRESSION"), "{stdout}");

    let single = write(dir, "single.yaml", SINGLE);
    let out = nines_output(&["check", &single, "--baseline", base]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let regression = stdout
        .lines()
        .find(|l| l.contains("etcd.quorum") && l.starts_with("REGRESSION"));
    assert!(regression.is_some(), "{stdout}");

    let out = nines_output(&["check", &single, "--baseline", "no-such-file.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn junit_and_markdown_are_written_well_formed_and_never_over_foreign_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let (point, lower, upper) = first_run_interval(dir);
    let width = upper - lower;
    let targets = [
        format!("etcd.quorum.availability >= {}", percent(lower - width)),
        format!("etcd.quorum.availability > {}", percent(upper + width)),
        format!("etcd.quorum.availability >= {}", percent(point)),
        "controllers.mttr < 1d".to_string(),
    ];
    let file = write(dir, "files.yaml", &with_expect(STACKED, &targets));
    let stacked = write(dir, "stacked.yaml", STACKED);
    let base = dir.join("base.json");
    assert!(
        nines_output(&["run", &stacked, "--json", base.to_str().unwrap()])
            .status
            .success()
    );
    let junit = dir.join("check.xml");
    let markdown = dir.join("summary.md");
    let args = [
        "check",
        &file,
        "--baseline",
        base.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        markdown.to_str().unwrap(),
    ];
    let out = nines_output(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // Four targets and six SLIs compared with the baseline.
    assert_eq!(cases.len(), 10, "{xml}");
    assert_eq!(root.attribute("tests"), Some("10"));
    let count = |tag: &str| root.descendants().filter(|n| n.has_tag_name(tag)).count();
    assert_eq!(count("failure"), 1, "{xml}");
    assert_eq!(count("skipped"), 1, "{xml}");
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("skipped"), Some("1"));
    // Escaped text reads back as written.
    assert_eq!(cases[3].attribute("name"), Some("controllers.mttr < 1d"));
    let skipped = root
        .descendants()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert!(
        skipped
            .attribute("message")
            .unwrap()
            .starts_with("inconclusive: ")
    );

    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.starts_with("<!-- nines check report -->\n"), "{md}");
    assert!(md.contains("| expectation | value | 95% interval | target | verdict |"));
    assert!(md.contains("### Baseline"), "{md}");
    let table_rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| `etcd")).collect();
    assert_eq!(
        table_rows.len(),
        5,
        "three targets and two baseline rows (quorum, leader) on etcd: {md}"
    );
    for row in md
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
    {
        let columns = row.matches(" | ").count() + 1;
        assert!(columns == 5 || columns == 7, "a broken table row: {row}");
    }

    // Our own files are replaced; anything else is left alone (exit 2).
    assert_eq!(nines_output(&args).status.code(), Some(1));
    let foreign = write(dir, "notes.md", "my notes\n");
    let out = nines_output(&["check", &file, "--markdown", &foreign]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exists and is not a nines report"));
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "my notes\n");
}

#[test]
fn help_documents_the_exit_codes() {
    let out = nines_output(&["check", "--help"]);
    let stdout = text(&out.stdout);
    for line in [
        "0  pass: every target met",
        "1  fail: an interval misses",
        "2  usage or input error",
        "3  inconclusive",
    ] {
        assert!(stdout.contains(line), "{stdout}");
    }
}
