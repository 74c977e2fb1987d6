//! The binary: exit codes, located errors, files it writes.

use crate::util::nines_output;
use crate::util::{assert_success, write};

const VALID: &str = "horizon: 30d
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: { exponential: { mean: 20d } }
        time_to_repair: { exponential: { mean: 1h } }
control_plane:
  topology: stacked
";

#[test]
fn run_without_a_file_uses_the_built_in_scenario() {
    let out = nines_output(&["run", "--replications", "8"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("stacked-3cp"), "{stdout}");
    for sli in [
        "api.write",
        "api.read",
        "etcd.quorum",
        "controllers",
        "scheduling",
    ] {
        assert!(stdout.contains(sli), "missing {sli} in\n{stdout}");
    }
}

#[test]
fn validate_accepts_a_valid_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let path = write(dir, "ok.yaml", VALID);
    let out = nines_output(&["validate", &path]);
    assert_success(&out);
}

#[test]
fn a_misspelt_key_is_located_and_named() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let path = write(dir, "typo.yaml", &VALID.replace("topology:", "topolgy:"));
    let out = nines_output(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&format!("{path}:11:3")), "{stderr}");
    assert!(stderr.contains("control_plane.topolgy"), "{stderr}");
    assert!(
        stderr.contains("topology"),
        "the valid keys are listed: {stderr}"
    );
}

#[test]
fn every_problem_is_reported_with_what_would_be_valid() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let text = VALID.replace("count: 3", "count: 4").replace(
        "topology: stacked",
        "topology: stacked\n  etcd: { members: 4, election_timeout: 200ms }",
    );
    let path = write(dir, "bad.yaml", &text);
    let out = nines_output(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("control_plane.etcd.members: 4 members tolerate no more failures than 3; use an odd number"),
        "{stderr}"
    );
    assert!(stderr.contains("less than 5 heartbeats"), "{stderr}");
    assert!(stderr.contains(&format!("{path}:12:")), "located: {stderr}");
}

#[test]
fn bad_units_and_types_are_located() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let path = write(
        dir,
        "units.yaml",
        &VALID.replace("mean: 1h", "mean: 1 hour"),
    );
    let out = nines_output(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(":9:"), "{stderr}");
    assert!(stderr.contains("not a time unit"), "{stderr}");
}

#[test]
fn malformed_input_never_panics() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let cases = [
        "",
        "[",
        ": : :",
        "machines: 3",
        "horizon: -1d\nmachines: []\ncontrol_plane: {topology: single}",
        "machines: [{name: a, role: control-plane, count: 0}]\ncontrol_plane: {topology: single}",
        "\u{0}\u{1}binary",
        &"a:\n ".repeat(500),
        &VALID.replace("count: 3", "count: 99999999999999999999"),
        &VALID.replace("20d", "1e400d"),
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = write(dir, &format!("case{i}.yaml"), text);
        let out = nines_output(&["validate", &path]);
        assert_eq!(out.status.code(), Some(1), "case {i}: {text:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "case {i} panicked: {stderr}");
        assert!(stderr.contains(&path), "case {i} names the file: {stderr}");
    }
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = nines_output(&["run", "does-not-exist.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("does-not-exist.yaml")
    );
}

#[test]
fn usage_errors_exit_with_2_and_help_has_examples() {
    assert_eq!(
        nines_output(&["run", "--replications", "x"]).status.code(),
        Some(2)
    );
    let help = nines_output(&["--help"]);
    assert!(help.status.success());
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("Examples:")
    );
}

#[test]
fn json_report_is_written_and_never_clobbers_other_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let scenario = write(dir, "s.yaml", VALID);
    let report = dir.join("report.json");
    let out = nines_output(&[
        "run",
        &scenario,
        "--replications",
        "4",
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["replications"], 4);
    assert_eq!(json["slis"][0]["name"], "api.write");
    // Re-running over a report is fine; over anything else it is refused.
    let again = nines_output(&["run", &scenario, "--json", report.to_str().unwrap()]);
    assert!(again.status.success());
    let notes = write(dir, "notes.txt", "my notes");
    let refused = nines_output(&["run", &scenario, "--json", &notes]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
}

#[test]
fn a_precision_target_adds_replications_until_met_or_capped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let scenario = write(dir, "s.yaml", VALID);
    let report = dir.join("p.json");
    let out = nines_output(&[
        "run",
        &scenario,
        "--precision",
        "0.0001",
        "--max-replications",
        "32",
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    // 4 replications, doubled to the cap of 32 without reaching ±0.01 %.
    assert_eq!(json["replications"], 32);
    assert_eq!(json["precision_reached"], false);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("precision target was not reached")
    );
}
