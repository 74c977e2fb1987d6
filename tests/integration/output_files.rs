//! Output files and resource bounds: every target checked before the run,
//! `-` and devices, nothing a user wrote replaced, atomic writes, the
//! GitHub job summary appended to, bounded flags and costly scenarios
//! refused with a clear message, damaged reports and shard parts refused.

use std::path::Path;

use super::util::{assert_success, nines_output, write};

const SCENARIO: &str = "scenarios/single-cp.yaml";
const TRACED: &str = "scenarios/chaos-leader-kill.yaml";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts a clean failure: the exit code, a message with every needle,
/// and no panic.
#[track_caller]
fn assert_refused(out: &std::process::Output, code: i32, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "`{needle}` missing from:\n{err}");
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn json_to_stdout_is_the_report_and_the_table_goes_to_stderr() {
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--json", "-"]);
    assert_success(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(report["replications"], 2);
    assert!(stderr(&out).contains("single-cp"), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    assert!(names(dir.path()).is_empty());
}

#[test]
fn csv_to_stdout_is_the_csv() {
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--csv", "-"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.starts_with(nines::report::csv::SUMMARY_HEADER),
        "{text}"
    );
}

#[test]
fn two_outputs_on_stdout_are_refused() {
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--json", "-", "--csv", "-"]);
    assert_refused(&out, 1, &["--json and --csv", "standard output"]);
}

#[cfg(unix)]
#[test]
fn dev_stdout_through_a_pipe_is_written_not_read() {
    // `output()` gives the child a pipe as stdout: /dev/stdout is that pipe.
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--json", "/dev/stdout"]);
    assert_success(&out);
    assert!(stdout(&out).contains("\"schema_version\""));
}

#[cfg(unix)]
#[test]
fn dev_null_takes_every_output() {
    let out = nines_output(&[
        "run",
        TRACED,
        "-n",
        "2",
        "--json",
        "/dev/null",
        "--csv",
        "/dev/null",
        "--trace",
        "/dev/null",
    ]);
    assert_success(&out);
}

#[cfg(unix)]
#[test]
fn a_full_device_is_a_clean_error() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let out = nines_output(&["run", TRACED, "-n", "2", "--trace", "/dev/full"]);
    assert_refused(&out, 1, &["/dev/full", "No space left on device"]);
}

#[test]
fn a_foreign_file_is_refused_before_simulating_and_replaced_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let mine = write(dir.path(), "mine.json", "{\"my\": \"notes\"}\n");
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--json", &mine]);
    assert_refused(&out, 1, &["--json", "mine.json", "--force"]);
    // Refused before the run: no table was printed.
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "{\"my\": \"notes\"}\n"
    );
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--json", &mine, "--force"]);
    assert_success(&out);
    assert!(
        std::fs::read_to_string(&mine)
            .unwrap()
            .contains("\"schema_version\"")
    );
    // Written through a temporary file renamed into place: nothing else is left.
    assert_eq!(names(dir.path()), ["mine.json"]);
}

#[test]
fn every_output_kind_is_refused_on_a_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(dir.path(), "notes.txt", "my notes\n");
    for flag in [
        "--json",
        "--csv",
        "--replications-csv",
        "--trace",
        "--timeseries",
    ] {
        let out = nines_output(&["run", SCENARIO, "-n", "2", flag, &user]);
        assert_refused(&out, 1, &[flag, "notes.txt"]);
    }
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "my notes\n");
}

#[test]
fn a_missing_directory_or_a_directory_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/report.json");
    let out = nines_output(&[
        "run",
        SCENARIO,
        "-n",
        "2",
        "--json",
        missing.to_str().unwrap(),
    ]);
    assert_refused(&out, 1, &["does not exist"]);
    let out = nines_output(&[
        "run",
        SCENARIO,
        "-n",
        "2",
        "--csv",
        dir.path().to_str().unwrap(),
    ]);
    assert_refused(&out, 1, &["is a directory"]);
}

#[test]
fn plot_keeps_a_users_chart_and_replaces_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let charts = dir.path().join("charts");
    std::fs::create_dir(&charts).unwrap();
    std::fs::write(charts.join("availability.png"), "my picture").unwrap();
    let charts_arg = charts.to_str().unwrap();
    let out = nines_output(&["run", SCENARIO, "-n", "2", "--plot", charts_arg]);
    assert_refused(&out, 1, &["--plot", "availability.png"]);
    assert_eq!(
        std::fs::read_to_string(charts.join("availability.png")).unwrap(),
        "my picture"
    );
    assert_eq!(names(&charts), ["availability.png"]);

    // Its own charts are replaced, run after run.
    let own = dir.path().join("own");
    let own_arg = own.to_str().unwrap();
    assert_success(&nines_output(&[
        "run", SCENARIO, "-n", "2", "--plot", own_arg,
    ]));
    assert_success(&nines_output(&[
        "run", SCENARIO, "-n", "2", "--plot", own_arg,
    ]));
    assert_eq!(names(&own).len(), 8, "{:?}", names(&own));

    assert_success(&nines_output(&[
        "run", SCENARIO, "-n", "2", "--plot", charts_arg, "--force",
    ]));
    assert!(
        std::fs::read(charts.join("availability.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
}

#[test]
fn markdown_appends_to_the_github_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let scenario = write(
        dir.path(),
        "gate.yaml",
        &format!("{text}\nexpect:\n  - api.write.availability >= 1%\n"),
    );
    let summary = write(dir.path(), "summary.md", "# an earlier step\n");
    let out = super::util::nines(&["check", &scenario, "-n", "2", "--markdown", &summary])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_success(&out);
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.starts_with("# an earlier step\n"), "{written}");
    assert!(written.contains(nines::report::check::MARKER), "{written}");

    // Any other file that is not a check summary is left alone.
    let other = write(dir.path(), "notes.md", "# my notes\n");
    let out = super::util::nines(&["check", &scenario, "-n", "2", "--markdown", &other])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_refused(&out, 2, &["--markdown", "notes.md"]);
}

#[test]
fn an_empty_markdown_path_names_the_github_variable() {
    let out = nines_output(&["check", SCENARIO, "--markdown", ""]);
    assert_refused(&out, 2, &["GITHUB_STEP_SUMMARY", "GitHub Actions"]);
}

#[test]
fn a_huge_replication_count_is_a_clear_error() {
    for flag in ["-n", "--max-replications"] {
        let out = nines_output(&["run", SCENARIO, flag, "18446744073709551615"]);
        assert_refused(&out, 2, &["2..=100000000"]);
    }
}

#[test]
fn the_timeseries_step_is_bounded_by_the_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ts.csv");
    let out = nines_output(&[
        "run",
        "scenarios/hpa-diurnal.yaml",
        "-n",
        "2",
        "--timeseries",
        file.to_str().unwrap(),
        "--timeseries-step",
        "1us",
    ]);
    // 30d / 1us samples; the shortest step is 30d / 999,999.
    assert_refused(&out, 2, &["--timeseries-step", "2.6e12", "at least 2.59s"]);
    assert!(!file.exists());
}

#[test]
fn a_chaos_step_every_two_microseconds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let path = write(
        dir.path(),
        "chaos.yaml",
        &format!(
            "{text}\nchaos:\n  - {{action: crash-etcd-leader, at: 0s, every: 2us, duration: 1us}}\n"
        ),
    );
    let out = nines_output(&["validate", &path]);
    // (1y - 0) / 2us + 1 injections.
    assert_refused(
        &out,
        1,
        &[
            "chaos[0].every",
            "1.6e13 injections",
            "every 5m 15s or more",
        ],
    );
}

#[cfg(unix)]
#[test]
fn an_interrupt_during_a_write_leaves_no_temporary_and_no_partial_file() {
    use std::process::Stdio;
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("report.json");
        // The write is held once its temporary file is complete, so the
        // signal always lands while it exists.
        let mut child = super::util::nines(&["run", SCENARIO, "-n", "2", "--json"])
            .arg(&json)
            .env(nines::report::output::HOLD_TEMPORARY_ENV, "600")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let temporary = loop {
            if let Some(name) = names(dir.path()).into_iter().find(|n| n.ends_with(".tmp")) {
                break name;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{signal}: exited before writing: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(temporary.starts_with(".report.json."), "{temporary}");
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}: {status}");
        assert!(
            names(dir.path()).is_empty(),
            "{signal}: {:?}",
            names(dir.path())
        );
    }
}

#[test]
fn a_ten_year_lease_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(TRACED)
        .unwrap()
        .replace("lease_duration: 15s", "lease_duration: 10y");
    let path = write(dir.path(), "lease.yaml", &text);
    let out = nines_output(&["validate", &path]);
    assert_refused(
        &out,
        1,
        &["lease_duration", "is longer than", "failover timer"],
    );
}

/// Two shards of a 4-replication run of the built-in scenario.
fn shards(dir: &Path) -> (String, String) {
    let one = dir.join("part-1.json");
    let two = dir.join("part-2.json");
    for (shard, path) in [("1/2", &one), ("2/2", &two)] {
        assert_success(&nines_output(&[
            "run",
            SCENARIO,
            "-n",
            "4",
            "--shard",
            shard,
            "--json",
            path.to_str().unwrap(),
        ]));
    }
    (
        one.to_str().unwrap().to_string(),
        two.to_str().unwrap().to_string(),
    )
}

/// A change to a JSON file.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

fn edit(path: &str, change: impl Fn(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut value);
    let edited = format!("{path}.edited.json");
    std::fs::write(&edited, serde_json::to_string(&value).unwrap()).unwrap();
    edited
}

#[test]
fn merge_refuses_edited_shards_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = shards(dir.path());
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|v| {
                for s in v["sums"]["sample"].as_array_mut().unwrap() {
                    s["slis"].as_array_mut().unwrap().pop();
                }
            }),
            "figures for",
        ),
        (
            Box::new(|v| {
                v["sums"]["slis"].as_array_mut().unwrap().pop();
            }),
            "SLIs",
        ),
        (Box::new(|v| v["horizon_seconds"] = 60.0.into()), "horizon"),
        (Box::new(|v| v["confidence"] = 2.0.into()), "confidence"),
        (Box::new(|v| v["shards"] = u64::MAX.into()), "shards"),
    ];
    for (change, says) in cases {
        let edited = edit(&two, change);
        let out = nines_output(&["merge", &one, &edited]);
        assert_refused(&out, 1, &[says]);
        assert!(stderr(&out).contains("edited.json"), "{}", stderr(&out));
    }
    assert_success(&nines_output(&["merge", &one, &two]));
}

#[test]
fn plot_and_baseline_refuse_impossible_reports() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let report = report.to_str().unwrap();
    assert_success(&nines_output(&[
        "run", SCENARIO, "-n", "2", "--json", report,
    ]));
    let charts = dir.path().join("charts");
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|v| v["confidence"] = 2.0.into()), "confidence"),
        (Box::new(|v| v["replications"] = 0.into()), "replications"),
        (Box::new(|v| v["slis"] = serde_json::json!([])), "no SLI"),
        (
            Box::new(|v| v["slis"][0]["availability"]["point"] = 1.5.into()),
            "availability",
        ),
    ];
    for (change, says) in cases {
        let edited = edit(report, change);
        let out = nines_output(&["plot", &edited, "--out", charts.to_str().unwrap()]);
        assert_refused(&out, 1, &[says, "edited.json"]);
        let gate = nines_output(&["check", SCENARIO, "-n", "2", "--baseline", &edited]);
        assert_refused(&gate, 2, &["baseline", says]);
    }
    assert!(!charts.exists());
}

#[cfg(unix)]
#[test]
fn a_pipe_is_not_read_as_a_report() {
    // A character device stands for any file that is not regular: refused
    // at once instead of read.
    let dir = tempfile::tempdir().unwrap();
    let out = nines_output(&[
        "plot",
        "/dev/zero",
        "--out",
        dir.path().join("c").to_str().unwrap(),
    ]);
    assert_refused(&out, 1, &["/dev/zero", "not a regular file"]);
}
