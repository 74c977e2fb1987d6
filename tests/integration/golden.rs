//! Golden reports: every shipped scenario's table, JSON and CSV, and one
//! sweep, compared byte for byte with the files in `tests/golden/`.
//!
//! A change that moves a figure on purpose regenerates them with
//! `NINES_BLESS=1 cargo test --release --test integration golden` and says
//! in its commit why the figures moved; a refactoring never does.

use std::path::{Path, PathBuf};

use crate::util::{assert_success, nines_output};

/// Replications per scenario: small enough to keep the files short, large
/// enough that every scenario's rare paths (disasters, partitions,
/// scale-ups) occur at least once.
const REPLICATIONS: &[(&str, &str)] = &[
    ("active-standby", "200"),
    ("chaos-leader-kill", "20"),
    ("etcd-backup-rpo", "5000"),
    ("external-etcd-5", "200"),
    ("external-etcd-5-vms", "200"),
    ("haproxy-keepalived", "200"),
    ("hpa-diurnal", "4"),
    // 150,000 pods placed at the start: the fewest replications allowed.
    ("large-5000-nodes", "2"),
    ("partition-2-1", "40"),
    ("realistic-postmortem-mix", "200"),
    ("single-cp", "200"),
    ("stacked-3cp-3zones", "200"),
    ("stacked-3cp", "200"),
    ("statefulset-quorum", "100"),
    ("threshold-vs-hpa", "4"),
    ("workers-3zones", "100"),
    ("zone-loss-at-peak", "10"),
    ("zone-outage-3zones", "200"),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn blessing() -> bool {
    std::env::var_os("NINES_BLESS").is_some()
}

/// Compares `actual` with the golden file `name`, or writes it when
/// blessing. Returns a description of the difference, if any.
fn compare(name: &str, actual: &[u8]) -> Option<String> {
    let path = golden_dir().join(name);
    if blessing() {
        std::fs::create_dir_all(golden_dir()).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden file");
        return None;
    }
    let expected = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => return Some(format!("{name}: cannot read golden file: {e}")),
    };
    if expected == actual {
        return None;
    }
    let line = expected
        .split(|&b| b == b'\n')
        .zip(actual.split(|&b| b == b'\n'))
        .position(|(a, b)| a != b)
        .map_or(0, |i| i + 1);
    Some(format!(
        "{name}: differs from the golden file (first at line {line}; {} bytes expected, {} seen)",
        expected.len(),
        actual.len()
    ))
}

#[test]
fn every_shipped_scenario_has_a_golden_report() {
    let mut shipped: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .expect("scenarios dir")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".yaml").map(str::to_string)
            })
            .collect();
    shipped.sort();
    let mut golden: Vec<String> = REPLICATIONS.iter().map(|(n, _)| n.to_string()).collect();
    golden.sort();
    assert_eq!(
        shipped, golden,
        "add the new scenario to REPLICATIONS and bless"
    );
}

#[test]
fn reports_of_shipped_scenarios_match_the_golden_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for (name, replications) in REPLICATIONS {
        let json = dir.path().join(format!("{name}.json"));
        let csv = dir.path().join(format!("{name}.csv"));
        let out = nines_output(&[
            "run",
            &format!("scenarios/{name}.yaml"),
            "--replications",
            replications,
            "--json",
            json.to_str().expect("utf-8 path"),
            "--csv",
            csv.to_str().expect("utf-8 path"),
        ]);
        assert_success(&out);
        problems.extend(compare(&format!("{name}.txt"), &out.stdout));
        problems.extend(compare(
            &format!("{name}.json"),
            &std::fs::read(&json).expect("json written"),
        ));
        problems.extend(compare(
            &format!("{name}.csv"),
            &std::fs::read(&csv).expect("csv written"),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_sweep_matches_the_golden_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("sweep.json");
    let csv = dir.path().join("sweep.csv");
    let out = nines_output(&[
        "sweep",
        "scenarios/stacked-3cp-3zones.yaml",
        "--set",
        "zones=1,2,3",
        "--set",
        "etcd.members=3,5",
        "--replications",
        "50",
        "--json",
        json.to_str().expect("utf-8 path"),
        "--csv",
        csv.to_str().expect("utf-8 path"),
    ]);
    assert_success(&out);
    let problems: Vec<String> = [
        compare("sweep-stacked-3cp-3zones.txt", &out.stdout),
        compare(
            "sweep-stacked-3cp-3zones.json",
            &std::fs::read(&json).expect("json written"),
        ),
        compare(
            "sweep-stacked-3cp-3zones.csv",
            &std::fs::read(&csv).expect("csv written"),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Scenarios whose first replication's event trace is kept: together they
/// describe every kind of event (faults, partitions, chaos, drains, pods,
/// balancers, leases, autoscalers).
const TRACED: &[&str] = &[
    "active-standby",
    "chaos-leader-kill",
    "haproxy-keepalived",
    "partition-2-1",
    "stacked-3cp-3zones",
    "statefulset-quorum",
    "workers-3zones",
    "zone-loss-at-peak",
];

#[test]
fn traces_and_a_time_series_match_the_golden_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for name in TRACED {
        let trace = dir.path().join(format!("{name}.jsonl"));
        let out = nines_output(&[
            "run",
            &format!("scenarios/{name}.yaml"),
            "--replications",
            "2",
            "--trace",
            trace.to_str().expect("utf-8 path"),
        ]);
        assert_success(&out);
        problems.extend(compare(
            &format!("{name}.trace.jsonl"),
            &std::fs::read(&trace).expect("trace written"),
        ));
    }
    let series = dir.path().join("series.csv");
    let out = nines_output(&[
        "run",
        "scenarios/zone-loss-at-peak.yaml",
        "--replications",
        "2",
        "--timeseries",
        series.to_str().expect("utf-8 path"),
        "--timeseries-step",
        "10m",
    ]);
    assert_success(&out);
    problems.extend(compare(
        "zone-loss-at-peak.timeseries.csv",
        &std::fs::read(&series).expect("time series written"),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
