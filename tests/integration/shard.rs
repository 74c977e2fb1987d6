//! Sharded runs (`run --shard I/N`) merged back (`merge`): byte-identical to
//! a single run, and mismatched parts refused.

use std::path::Path;

use crate::util::nines_output;

const SCENARIO: &str = "horizon: 60d
replications: 25
seed: 11
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: { exponential: { mean: 10d } }
        time_to_repair: { lognormal: { median: 20m, p99: 6h } }
      - name: hardware
        time_to_failure: { exponential: { mean: 60d } }
        time_to_repair: { exponential: { mean: 4h } }
        loses_disk: true
  - name: lb
    role: load-balancer
    count: 2
    failures:
      - time_to_failure: { exponential: { mean: 20d } }
        time_to_repair: { exponential: { mean: 30m } }
control_plane:
  topology: stacked
  endpoint: { type: haproxy-keepalived }
";

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

fn ok(args: &[&str]) {
    let out = nines_output(args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs shards `1..=n` of `count` into `part-I.json`, with extra flags.
fn shards(dir: &Path, file: &str, count: u64, extra: &[&str]) -> Vec<String> {
    (1..=count)
        .map(|i| {
            let part = path(dir, &format!("part-{i}.json"));
            let shard = format!("{i}/{count}");
            let mut args = vec!["run", file, "--shard", &shard, "--json", &part];
            args.extend_from_slice(extra);
            ok(&args);
            part
        })
        .collect()
}

#[test]
fn merged_shards_equal_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = path(dir, "cluster.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let (full, full_csv) = (path(dir, "full.json"), path(dir, "full.csv"));
    // A plain run is precision-driven; shards are the scenario's count.
    ok(&[
        "run",
        &file,
        "--replications",
        "25",
        "--json",
        &full,
        "--csv",
        &full_csv,
    ]);

    let parts = shards(dir, &file, 3, &[]);
    let (merged, merged_csv) = (path(dir, "merged.json"), path(dir, "merged.csv"));
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--json", &merged, "--csv", &merged_csv]);
    ok(&args);
    let full_bytes = std::fs::read(&full).unwrap();
    assert!(
        full_bytes == std::fs::read(&merged).unwrap(),
        "merged JSON differs from the single run"
    );
    assert_eq!(
        std::fs::read(&full_csv).unwrap(),
        std::fs::read(&merged_csv).unwrap()
    );

    // Part order does not matter, and more shards than replications works.
    let parts = shards(dir, &file, 40, &["--replications", "25"]);
    let mut args = vec!["merge"];
    args.extend(parts.iter().rev().map(String::as_str));
    args.extend(["--json", &merged]);
    ok(&args);
    assert!(
        full_bytes == std::fs::read(&merged).unwrap(),
        "40 shards differ from the single run"
    );
}

#[test]
fn merge_refuses_parts_that_do_not_belong_together() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = path(dir, "cluster.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let parts = shards(dir, &file, 3, &[]);
    let refused = |args: &[&str], expected: &str| {
        let mut all = vec!["merge"];
        all.extend_from_slice(args);
        let out = nines_output(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?} merged: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    };

    refused(
        &[&parts[0], &parts[2]],
        "are missing (8-15); missing shards: 2/3",
    );
    refused(
        &[&parts[0], &parts[1], &parts[1], &parts[2]],
        "appears in both",
    );

    let other_seed = path(dir, "seed.json");
    ok(&[
        "run",
        &file,
        "--shard",
        "2/3",
        "--seed",
        "12",
        "--json",
        &other_seed,
    ]);
    refused(
        &[&parts[0], &other_seed, &parts[2]],
        "the seed differs (12 vs 11)",
    );

    let other_count = path(dir, "count.json");
    ok(&["run", &file, "--shard", "2/4", "--json", &other_count]);
    refused(
        &[&parts[0], &other_count],
        "the number of shards differs (4 vs 3)",
    );

    let edited = path(dir, "edited.yaml");
    std::fs::write(&edited, SCENARIO.replace("mean: 10d", "mean: 11d")).unwrap();
    let other_scenario = path(dir, "scenario.json");
    ok(&["run", &edited, "--shard", "2/3", "--json", &other_scenario]);
    refused(
        &[&parts[0], &other_scenario, &parts[2]],
        "the scenario (digest) differs",
    );

    let report = path(dir, "report.json");
    ok(&["run", &file, "--json", &report]);
    refused(&[&report], "a full report, not a shard's part");

    // A shard without --json, or with a precision target, is a usage error.
    let out = nines_output(&["run", &file, "--shard", "1/2"]);
    assert_eq!(out.status.code(), Some(2));
    let out = nines_output(&["run", &file, "--shard", "3/2", "--json", &report]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("count from 1 to 2"));
}
