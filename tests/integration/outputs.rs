//! Outputs tools can read: the check verdicts as JSON, the JSON Schemas
//! shipped in `schemas/` (equal to the generated ones, and real outputs
//! validate against them), `schema_version` in every file, the sweep CSV's
//! parameter columns, the downtime-by-cause CSV, shell completions and man
//! pages.
//!
//! After a change to the report or check types, regenerate the shipped
//! schemas with `NINES_BLESS=1 cargo test --release --test integration
//! schema`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{assert_success, nines_output, write};

/// Three stacked control-plane machines that fail often enough for every
/// SLI to have an interval within a short run, with a zone outage mode
/// whose name only repeats its kind.
const STACKED: &str = "name: outputs
horizon: 180d
replications: 40
zones: [a, b, c]
zone_failures:
  - name: zone-outage
    time_to_failure: { exponential: { mean: 60d } }
    time_to_repair: { exponential: { mean: 3h } }
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: [a, b, c]
    failures:
      - name: crash
        time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: stacked
expect:
  - \"api.write.availability >= 10%\"
  - \"etcd.quorum.availability >= 99.99999%\"
  - \"controllers.mttr <= 1y\"
  - \"data_loss.events_per_year <= 1000\"
";

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

fn read_value(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// Validates `instance` against the shipped schema `name`, listing every
/// error.
#[track_caller]
fn assert_valid(name: &str, instance: &Value, what: &str) {
    let schema = read_value(&schemas_dir().join(name));
    let validator = jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid JSON Schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against schemas/{name}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn shipped_schemas_equal_the_generated_ones() {
    let bless = std::env::var_os("NINES_BLESS").is_some();
    for (name, generated) in nines::report::schema::schemas() {
        let path = schemas_dir().join(name);
        if bless {
            std::fs::create_dir_all(schemas_dir()).expect("schemas dir");
            std::fs::write(&path, &generated).expect("write schema");
            continue;
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == generated,
            "schemas/{name} differs from the schema generated from the types; if the change is \
             intended, regenerate with NINES_BLESS=1 cargo test --release --test integration schema"
        );
        // Each is a valid draft 2020-12 schema.
        let value: Value = serde_json::from_str(&shipped).unwrap();
        assert!(jsonschema::draft202012::new(&value).is_ok(), "{name}");
    }
}

#[test]
fn every_golden_report_validates_against_the_report_schema() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut checked = 0;
    for entry in std::fs::read_dir(&golden).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.starts_with("sweep-") {
            continue;
        }
        let report = read_value(&path);
        assert_eq!(report["schema_version"], 2, "{name}");
        assert_valid("report.schema.json", &report, &name);
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} golden reports found");
    // Every point of a sweep holds a run report.
    let sweep = read_value(&golden.join("sweep-stacked-3cp-3zones.json"));
    for point in sweep["points"].as_array().unwrap() {
        assert_valid(
            "report.schema.json",
            &point["report"],
            "a sweep point's report",
        );
    }
}

#[test]
fn check_json_writes_the_verdicts_and_report_json_the_run_report() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "s.yaml", STACKED);
    let (verdicts, report) = (dir.join("check.json"), dir.join("report.json"));
    let out = nines_output(&[
        "check",
        &file,
        "-n",
        "40",
        "--json",
        verdicts.to_str().unwrap(),
        "--report-json",
        report.to_str().unwrap(),
    ]);
    let code = out.status.code();
    let check = read_value(&verdicts);
    assert_valid("check.schema.json", &check, "nines check --json");
    assert_eq!(check["kind"], "nines-check");
    assert_eq!(check["schema_version"], 1);
    assert_eq!(check["scenario"]["name"], "outputs");
    assert_eq!(check["replications"], 40);
    assert_eq!(check["baseline"], Value::Null);
    // The exit code in the file is the process's.
    assert_eq!(check["exit_code"].as_i64(), code.map(i64::from));
    let expectations = check["expectations"].as_array().unwrap();
    assert_eq!(expectations.len(), 4);
    let first = &expectations[0];
    assert_eq!(first["expectation"], "api.write.availability >= 10%");
    assert_eq!(first["sli"], "api.write");
    assert_eq!(first["metric"], "availability");
    assert_eq!(first["comparison"], ">=");
    assert_eq!(first["target"], 0.1);
    assert_eq!(first["unit"], "fraction");
    assert_eq!(first["verdict"], "pass");
    assert_eq!(first["observed"]["kind"], "interval");
    // A tight target on a flaky cluster fails outright, so the run fails.
    assert_eq!(expectations[1]["verdict"], "fail");
    assert_eq!(check["verdict"], "fail");
    assert_eq!(code, Some(1));
    assert_eq!(check["counts"]["failed"], 1);
    assert_eq!(expectations[3]["sli"], "data_loss");
    assert_eq!(expectations[3]["unit"], "1/year");

    // The run report is the one `nines run --json` writes.
    let saved = read_value(&report);
    assert_valid("report.schema.json", &saved, "nines check --report-json");
    assert!(saved.get("slis").is_some() && saved.get("expectations").is_none());

    // The report is a baseline; the verdicts are not, and say so.
    let again = dir.join("again.json");
    let out = nines_output(&[
        "check",
        &file,
        "-n",
        "40",
        "--baseline",
        report.to_str().unwrap(),
        "--json",
        again.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let with_baseline = read_value(&again);
    assert_valid("check.schema.json", &with_baseline, "check with a baseline");
    let baseline = &with_baseline["baseline"];
    assert_eq!(baseline["seed"], 1);
    let slis = baseline["slis"].as_array().unwrap();
    assert_eq!(slis.len(), 6);
    // The same scenario and seed: every SLI identical in every pair.
    for s in slis {
        assert_eq!(s["method"], "exact", "{s}");
        assert_eq!(s["verdict"], "pass", "{s}");
    }
    let out = nines_output(&[
        "check",
        &file,
        "-n",
        "40",
        "--baseline",
        verdicts.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("verdicts of `nines check --json`, not a run report"),
        "{stderr}"
    );
}

#[test]
fn every_csv_and_trace_line_carries_its_schema_version() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "s.yaml", STACKED);
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (summary, reps, causes, trace) = (
        path("summary.csv"),
        path("reps.csv"),
        path("causes.csv"),
        path("trace.jsonl"),
    );
    let out = nines_output(&[
        "run",
        &file,
        "-n",
        "40",
        "--csv",
        &summary,
        "--replications-csv",
        &reps,
        "--causes-csv",
        &causes,
        "--trace",
        &trace,
    ]);
    assert_success(&out);
    for csv in [&summary, &reps, &causes] {
        let text = std::fs::read_to_string(csv).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().ends_with(",schema_version"), "{csv}");
        assert!(lines.all(|l| l.ends_with(",1")), "{csv}");
    }
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.lines().count() > 1);
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["schema_version"], 1, "{line}");
        assert!(v.get("time_seconds").is_some() && v.get("kind").is_some());
    }

    // The causes CSV holds the report's downtime_by_cause, row for row.
    let report_path = dir.join("r.json");
    let out = nines_output(&[
        "run",
        &file,
        "-n",
        "40",
        "--json",
        report_path.to_str().unwrap(),
    ]);
    assert_success(&out);
    let report = nines::report::read_json(&report_path).unwrap();
    let mut reader = csv::Reader::from_path(&causes).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "scenario",
            "point",
            "sli",
            "cause",
            "share",
            "downtime_per_year_seconds",
            "schema_version"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected: Vec<(String, String, f64, f64)> = report
        .slis
        .iter()
        .flat_map(|s| {
            s.downtime_by_cause.iter().map(|c| {
                (
                    s.name.clone(),
                    c.cause.clone(),
                    c.share,
                    c.downtime_seconds_per_year,
                )
            })
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(rows.len(), expected.len());
    for (row, (sli, cause, share, downtime)) in rows.iter().zip(&expected) {
        assert_eq!(&row[0], "outputs");
        assert_eq!(&row[1], "");
        assert_eq!(&row[2], sli);
        assert_eq!(&row[3], cause);
        assert_eq!(row[4].parse::<f64>().unwrap(), *share);
        assert_eq!(row[5].parse::<f64>().unwrap(), *downtime);
    }
    // Causes read as words: the zone mode named `zone-outage` is not
    // repeated after its kind.
    let causes_text = std::fs::read_to_string(&causes).unwrap();
    assert!(causes_text.contains(",zone outage,"), "{causes_text}");
    assert!(!causes_text.contains("zone outage zone-outage"));
    assert!(causes_text.contains(",machine cp/crash,"));
}

#[test]
fn sweep_csvs_have_one_column_per_parameter() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "s.yaml", STACKED);
    let (summary, causes) = (dir.join("sweep.csv"), dir.join("causes.csv"));
    let out = nines_output(&[
        "sweep",
        &file,
        "--set",
        "etcd.election_timeout=1s,2s",
        "--set",
        "zones=1,3",
        "-n",
        "10",
        "--csv",
        summary.to_str().unwrap(),
        "--causes-csv",
        causes.to_str().unwrap(),
    ]);
    assert_success(&out);
    for (path, tail) in [
        (
            &summary,
            &[
                "sli",
                "metric",
                "value",
                "lower",
                "upper",
                "unit",
                "schema_version",
            ][..],
        ),
        (
            &causes,
            &[
                "sli",
                "cause",
                "share",
                "downtime_per_year_seconds",
                "schema_version",
            ][..],
        ),
    ] {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let mut expected = vec!["scenario", "point", "etcd.election_timeout", "zones"];
        expected.extend_from_slice(tail);
        assert_eq!(headers, expected, "{}", path.display());
        let mut points = std::collections::BTreeSet::new();
        for row in reader.records() {
            let row = row.unwrap();
            // The columns agree with the label, value for value.
            assert_eq!(
                &row[1],
                format!("etcd.election_timeout={} zones={}", &row[2], &row[3]),
                "{row:?}"
            );
            assert_eq!(row.iter().next_back(), Some("1"));
            points.insert((row[2].to_string(), row[3].to_string()));
        }
        let all: std::collections::BTreeSet<(String, String)> =
            [("1s", "1"), ("1s", "3"), ("2s", "1"), ("2s", "3")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        assert_eq!(points, all, "{}", path.display());
    }
}

#[test]
fn validate_and_check_refuse_targets_on_unknown_slis_with_the_valid_names() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let text = STACKED.replace(
        "  - \"controllers.mttr <= 1y\"",
        "  - \"controller.mttr <= 1y\"",
    );
    let file = write(dir, "typo.yaml", &text);
    let line = text
        .lines()
        .position(|l| l.contains("controller.mttr"))
        .unwrap()
        + 1;
    for args in [vec!["validate", &file], vec!["check", &file, "-n", "4"]] {
        let out = nines_output(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(if args[0] == "validate" { 1 } else { 2 }),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("typo.yaml:{line}:")),
            "located: {stderr}"
        );
        assert!(
            stderr.contains("expect[2]: unknown SLI `controller`"),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "api.write, api.read, etcd.quorum, etcd.leader, controllers, scheduling (and data_loss)"
            ),
            "{stderr}"
        );
        // Refused before simulating: no table.
        assert!(out.stdout.is_empty() || args[0] == "validate");
    }
    let good = write(dir, "good.yaml", STACKED);
    assert_success(&nines_output(&["validate", &good]));
}

#[test]
fn completions_and_man_pages_are_generated_from_the_command_line() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = nines_output(&["completions", shell]);
        assert_success(&out);
        let script = String::from_utf8(out.stdout).unwrap();
        // Every subcommand and a flag of `check` are completed.
        for word in ["run", "validate", "check", "sweep", "import", "report-json"] {
            assert!(script.contains(word), "{shell}: no `{word}`");
        }
    }
    let out = nines_output(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));

    let out = nines_output(&["man"]);
    assert_success(&out);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    let source = format!("\"nines {}\"", env!("CARGO_PKG_VERSION"));
    assert!(page.contains(&format!(".TH nines 1  {source}")), "{page}");
    for sub in ["run", "check", "sweep", "completions"] {
        assert!(page.contains(&format!("nines\\-{sub}(1)")), "{sub}");
    }
    let out = nines_output(&["man", "check"]);
    assert_success(&out);
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(&format!(".TH nines-check 1  {source}")),
        "{page}"
    );
    assert!(page.contains("\\-\\-report\\-json"), "{page}");
    assert!(page.contains("\\-\\-baseline"));
    let out = nines_output(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use one of run, validate"));
}
