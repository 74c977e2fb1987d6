//! `nines check`: verdicts on confidence intervals, exit codes, the
//! baseline regression test, and the Markdown and JUnit files.

use crate::util::write;
use std::path::Path;

use nines::experiment::{self, RunConfig};
use nines::report::check::{
    Baseline, BaselineComparison, SliComparison, TestMethod, Verdict, check,
};
use nines::report::{Report, read_json};

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
fn baseline_of_another_seed_falls_back_to_welch_with_a_note() {
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
        stdout.contains("Welch's unpaired t-test") && stdout.contains("Holm-Bonferroni"),
        "the test is stated: {stdout}"
    );
    assert!(
        stdout.contains("note: the seeds differ (baseline 1, this run 2)"),
        "{stdout}"
    );
    assert!(!stdout.contains("REGRESSION"), "{stdout}");

    // The same seed: replication i is the same lifetime, nothing changed.
    let out = nines_output(&["check", &stacked, "--baseline", base]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("identical in all 60 paired replications"),
        "{stdout}"
    );

    let out = nines_output(&["check", &stacked, "--baseline", "no-such-file.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_baseline_of_another_scenario_is_refused_unless_allowed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let stacked = write(dir, "stacked.yaml", STACKED);
    let base = dir.join("base.json");
    assert!(
        nines_output(&["run", &stacked, "--json", base.to_str().unwrap()])
            .status
            .success()
    );
    let base = base.to_str().unwrap();
    let single = write(dir, "single.yaml", SINGLE);

    let out = nines_output(&["check", &single, "--baseline", base]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: baseline {base}: a report of another scenario"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-other-scenario"), "{stderr}");
    assert!(out.stdout.is_empty(), "refused before simulating");

    let out = nines_output(&[
        "check",
        &single,
        "--baseline",
        base,
        "--allow-other-scenario",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("note: the baseline is a report of another scenario"),
        "{stdout}"
    );
    let regression = stdout
        .lines()
        .find(|l| l.contains("etcd.quorum") && l.starts_with("REGRESSION"));
    assert!(regression.is_some(), "{stdout}");

    let out = nines_output(&["check", &single, "--allow-other-scenario"]);
    assert_eq!(out.status.code(), Some(2), "the flag needs --baseline");
}

#[test]
fn a_baseline_with_no_sli_in_common_is_an_input_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let stacked = write(dir, "stacked.yaml", STACKED);
    let base = dir.join("base.json");
    assert!(
        nines_output(&["run", &stacked, "--json", base.to_str().unwrap()])
            .status
            .success()
    );
    // The same scenario, but every SLI renamed (a foreign or edited report).
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    for sli in json["slis"].as_array_mut().unwrap() {
        let name = format!("old.{}", sli["name"].as_str().unwrap());
        sli["name"] = name.into();
    }
    let renamed = write(dir, "renamed.json", &json.to_string());
    let out = nines_output(&["check", &stacked, "--baseline", &renamed]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("shares no SLI with this run"), "{stderr}");
    assert!(
        stderr.contains("this run has api.write, api.read,")
            && stderr.contains("the baseline has old.api.write, old.api.read,"),
        "both lists are named: {stderr}"
    );

    // One SLI in common: compared, and the others are listed.
    let slis = json["slis"].as_array_mut().unwrap();
    slis[0]["name"] = "api.write".into();
    let partly = write(dir, "partly.json", &json.to_string());
    let out = nines_output(&["check", &stacked, "--baseline", &partly]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("not compared  api.read, etcd.quorum, etcd.leader, controllers, scheduling (only in this run); old.api.read,"),
        "{stdout}"
    );
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
        // The targets are part of the scenario text, so of its digest.
        "--allow-other-scenario",
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
    assert!(
        xml.contains("<property name=\"multiple_comparisons\" value=\"Holm-Bonferroni\"/>"),
        "{xml}"
    );
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
        assert!(columns == 5 || columns == 10, "a broken table row: {row}");
    }

    // Our own files are replaced; anything else is left alone (exit 2).
    assert_eq!(nines_output(&args).status.code(), Some(1));
    let foreign = write(dir, "notes.md", "my notes\n");
    let out = nines_output(&["check", &file, "--markdown", &foreign]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("exists and is not a nines output"));
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

/// The report of `yaml` run at its own seed and replications.
fn report_of(yaml: &str) -> Report {
    let scenario = crate::util::scenario(yaml);
    Report::new(&experiment::run(&scenario, &RunConfig::default(), &|_| {}).unwrap())
}

/// Compares `current` with `baseline` (no targets), as `nines check
/// --baseline --allow-other-scenario` does.
fn compare(current: &Report, baseline: &Report) -> BaselineComparison {
    let baseline = Baseline {
        source: "base.json",
        report: baseline,
        allow_other_scenario: true,
    };
    check(current, &[], "<test>", Some(baseline))
        .expect("comparable")
        .baseline
        .expect("a baseline comparison")
}

fn sli<'a>(b: &'a BaselineComparison, name: &str) -> &'a SliComparison {
    b.slis.iter().find(|s| s.sli == name).expect("compared SLI")
}

/// A single control-plane machine whose repairs take 5 % longer: with the
/// same seed every failure comes at the same time and every repair draws
/// the same random number (common random numbers), so the paired
/// differences show the small regression plainly. Welch's test, on the
/// same two reports without their per-replication figures, cannot tell it
/// from noise.
#[test]
fn paired_test_sees_a_slightly_longer_repair_that_welch_misses() {
    let base = report_of(SINGLE);
    let slower = report_of(&SINGLE.replace("mean: 2h", "mean: 126m"));

    let paired = compare(&slower, &base);
    let quorum = sli(&paired, "etcd.quorum");
    assert_eq!(quorum.method, TestMethod::Paired, "{quorum:?}");
    assert_eq!(quorum.pairs, Some(60));
    assert_eq!(quorum.verdict, Verdict::Fail, "{}", quorum.reason);
    let change = quorum.change.expect("a paired change");
    // Repairs 5 % longer: the unavailability of about 2h / (5d + 2h) grows
    // by about 5 % of itself; the paired interval holds that and not 0.
    let expected = 0.05 * (1.0 - base.sli("etcd.quorum").unwrap().availability.point);
    assert!(change.lower > 0.0, "{change:?}");
    assert!(
        change.lower <= expected && expected <= change.upper,
        "{expected} outside {change:?}"
    );

    let mut unpaired_base = base.clone();
    for s in &mut unpaired_base.slis {
        s.replication_unavailability.clear();
    }
    let welch = compare(&slower, &unpaired_base);
    let quorum_welch = sli(&welch, "etcd.quorum");
    assert_eq!(quorum_welch.method, TestMethod::Welch);
    assert_eq!(
        quorum_welch.verdict,
        Verdict::Pass,
        "{}",
        quorum_welch.reason
    );
    assert!(
        welch
            .notes
            .iter()
            .any(|n| n.contains("no per-replication figures")),
        "{:?}",
        welch.notes
    );
    // The same change, estimated both ways: pairing narrows the interval
    // several times over.
    let width = |i: nines::report::Interval| i.upper - i.lower;
    let welch_change = quorum_welch.change.expect("a Welch change");
    assert!(
        width(change) * 4.0 < width(welch_change),
        "{change:?} vs {welch_change:?}"
    );
    assert!(welch_change.lower < 0.0, "{welch_change:?}");
}

/// Control plane and four workloads on twelve workers: 22 SLIs.
const MANY: &str = "horizon: 90d
replications: 40
seed: 3
zones: [zone-a, zone-b, zone-c]
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: [zone-a, zone-b, zone-c]
    failures:
      - time_to_failure: { exponential: { mean: 20d } }
        time_to_repair: { exponential: { mean: 1h } }
  - name: workers
    role: worker
    count: 6
    zones: [zone-a, zone-b, zone-c]
    allocatable: { cpu: 4, memory: 16Gi }
    failures:
      - time_to_failure: { exponential: { mean: 10d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: stacked
workloads:
  - { name: a, kind: deployment, replicas: 2, requests: { cpu: 500m, memory: 512Mi }, startup: { fixed: 20s } }
  - { name: b, kind: deployment, replicas: 3, requests: { cpu: 500m, memory: 512Mi }, startup: { fixed: 20s } }
  - { name: c, kind: deployment, replicas: 1, requests: { cpu: 500m, memory: 512Mi }, startup: { fixed: 20s } }
  - { name: d, kind: deployment, replicas: 4, requests: { cpu: 500m, memory: 512Mi }, startup: { fixed: 20s } }
";

/// No real change, many SLIs: renaming the worker group gives its machines
/// other random streams (the same seed, other failures), so each workload
/// SLI differs by chance alone while the control plane stays identical.
/// Tested one by one at 5 %, some workload SLIs look like regressions;
/// with Holm–Bonferroni across the run's SLIs, none does. Holm bounds the
/// chance of any false regression per comparison by 5 %, not to zero, so
/// over 60 renames the share of comparisons with one stays within that
/// (plus three binomial standard errors), where testing each SLI alone
/// exceeds it.
#[test]
fn holm_keeps_many_unchanged_slis_from_false_regressions() {
    let base = report_of(MANY);
    assert_eq!(base.slis.len(), 22);
    let renamed = |name: &str| report_of(&MANY.replace("name: workers", &format!("name: {name}")));
    // (raw rejections, regressions after Holm) of one comparison.
    let tally = |b: &BaselineComparison| {
        for s in &b.slis {
            if s.sli.starts_with("workload.") {
                assert_ne!(s.method, TestMethod::Welch, "{}: paired", s.sli);
            } else {
                assert_eq!(s.method, TestMethod::Exact, "{}: untouched", s.sli);
            }
        }
        let raw = b
            .slis
            .iter()
            .filter(|s| s.p_value.is_some_and(|p| p <= 0.05))
            .count();
        let flagged = b.slis.iter().filter(|s| s.verdict == Verdict::Fail).count();
        (raw, flagged)
    };

    let b = compare(&renamed("pool"), &base);
    assert!(
        b.test_description().contains("Holm-Bonferroni across the"),
        "{}",
        b.test_description()
    );
    assert!(b.tested() >= 6, "workload SLIs vary: {}", b.tested());
    // Whether this one comparison has an SLI that fails one by one is
    // chance; the 60 comparisons below measure the rates.
    let (_, flagged) = tally(&b);
    assert_eq!(flagged, 0, "no false regression at the default level");

    let families = 60;
    let (mut any_raw, mut any_flagged) = (0, 0);
    for k in 0..families {
        let (raw, flagged) = tally(&compare(&renamed(&format!("pool-{k}")), &base));
        any_raw += usize::from(raw > 0);
        any_flagged += usize::from(flagged > 0);
    }
    let bound = 0.05 + 3.0 * (0.05_f64 * 0.95 / families as f64).sqrt();
    let rate = |k: usize| k as f64 / families as f64;
    assert!(
        rate(any_flagged) <= bound,
        "{any_flagged} of {families} comparisons flag a regression"
    );
    assert!(
        rate(any_raw) > bound,
        "unadjusted: {any_raw} of {families} comparisons would"
    );
}
