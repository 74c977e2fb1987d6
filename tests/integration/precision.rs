//! The precision-driven default run, its deterministic budget, the
//! "imprecise" labels in every output, and the warnings for failure modes
//! a run may never see.

use nines::experiment::warnings::{Exposure, exposures};
use nines::experiment::{self, RunConfig};
use nines::report::read_json;
use serde_json::Value;

use crate::util::{assert_success, nines, nines_output, scenario, write};

/// One control-plane machine failing every few days: every SLI goes down
/// with it, so every headline SLI reaches ±20 % within a few rounds.
const SINGLE: &str = "horizon: 30d
replications: 4
seed: 3
machines:
  - name: cp
    role: control-plane
    count: 1
    failures:
      - name: crash
        time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: single
";

/// The same machine with a second mode that strikes once in a thousand
/// years and loses the disk (an etcd disaster with one member).
const RARE: &str = "horizon: 30d
replications: 4
seed: 3
machines:
  - name: cp
    role: control-plane
    count: 1
    failures:
      - name: crash
        time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
      - name: meteor
        time_to_failure: { exponential: { mean: 1000y } }
        time_to_repair: { exponential: { mean: 1d } }
        loses_disk: true
control_plane:
  topology: single
";

/// Three stacked machines: etcd's quorum is lost only when two are down
/// at once, so it takes thousands of replications to reach ±20 %.
const STACKED: &str = "horizon: 30d
replications: 4
seed: 3
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: crash
        time_to_failure: { exponential: { mean: 20d } }
        time_to_repair: { exponential: { mean: 1h } }
control_plane:
  topology: stacked
";

const YEAR: f64 = 365.0 * 86_400.0;

fn json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("report written")).expect("JSON")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `nines run FILE ARGS --json OUT` and returns (stdout, stderr, JSON).
fn run(dir: &std::path::Path, file: &str, args: &[&str], name: &str) -> (String, String, Value) {
    let out_path = dir.join(format!("{name}.json"));
    let mut all = vec!["run", file];
    all.extend_from_slice(args);
    all.extend(["--json", out_path.to_str().unwrap()]);
    let out = nines_output(&all);
    assert_success(&out);
    (text(&out.stdout), text(&out.stderr), json(&out_path))
}

fn headline(report: &Value) -> impl Iterator<Item = &Value> {
    report["slis"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["precision"]["headline"] == true)
}

#[test]
fn the_default_run_stops_in_the_round_the_target_is_met() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "single.yaml", SINGLE);
    let (stdout, _, report) = run(dir, &file, &[], "default");
    let stopping = &report["stopping"];
    assert_eq!(stopping["rule"], "precision", "{stopping}");
    assert_eq!(report["precision_reached"], true);
    assert!(stopping["rounds"].as_u64().unwrap() >= 2, "{stopping}");
    assert!(
        stdout.contains("Precision-driven: stopped after"),
        "{stdout}"
    );
    let n = report["replications"].as_u64().unwrap();
    let rounds = stopping["rounds"].as_u64().unwrap();
    for sli in headline(&report) {
        let p = &sli["precision"];
        assert!(
            p["status"] == "reached" || p["status"] == "no-outage",
            "{}: {p}",
            sli["name"]
        );
        if p["status"] == "reached" {
            assert!(sli["downtime_relative_half_width"].as_f64().unwrap() <= 0.2);
        }
    }
    assert!(!stdout.contains("imprecise"), "{stdout}");

    // Replay the rounds with fixed runs (the budget is ample): from the
    // scenario's 4, each round aims 10 % past the replications the widest
    // imprecise headline SLI needs, at least a quarter more and at most
    // double. Every round before the last missed the target, so the run
    // did not go on needlessly, and the rounds end where the run did.
    let mut planned = 4;
    let mut replayed = 1;
    loop {
        let count = planned.to_string();
        let (_, _, round) = run(dir, &file, &["--replications", &count], "round");
        assert_eq!(round["stopping"]["rule"], "fixed");
        assert_eq!(round["precision_reached"], Value::Null);
        let needed = headline(&round)
            .filter_map(|s| s["precision"]["replications_needed"].as_u64())
            .max();
        let Some(needed) = needed else { break };
        assert!(planned < n, "{planned} replications missed the target");
        let aimed = (needed as f64 * 1.1).ceil() as u64;
        planned = aimed.max(planned + planned.div_ceil(4)).min(planned * 2);
        replayed += 1;
    }
    assert_eq!((planned, replayed), (n, rounds), "{stopping}");

    // Its figures are those of a fixed run of the final count.
    let (_, _, fixed) = run(dir, &file, &["--replications", &n.to_string()], "fixed");
    assert_eq!(fixed["slis"], report["slis"]);
    assert_eq!(fixed["data_loss"], report["data_loss"]);
}

#[test]
fn a_tiny_budget_ends_the_run_and_labels_what_missed_the_target() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "single.yaml", SINGLE);
    let csv = dir.join("summary.csv");
    let (stdout, _, report) = run(
        dir,
        &file,
        &["--budget", "100 events", "--csv", csv.to_str().unwrap()],
        "tiny",
    );
    let stopping = &report["stopping"];
    assert_eq!(stopping["rule"], "budget", "{stopping}");
    assert_eq!(stopping["budget_events"], 100);
    assert_eq!(stopping["rounds"], 1, "the first round always runs");
    assert_eq!(report["replications"], 4);
    assert_eq!(report["precision_reached"], false);
    assert!(
        stdout.contains("the budget") && stdout.contains("raise --budget"),
        "{stdout}"
    );

    let imprecise: Vec<&Value> = headline(&report)
        .filter(|s| s["precision"]["status"] == "imprecise")
        .collect();
    assert!(
        !imprecise.is_empty(),
        "4 replications should not reach ±20 %"
    );
    let rows = std::fs::read_to_string(&csv).unwrap();
    for sli in &imprecise {
        let name = sli["name"].as_str().unwrap();
        let p = &sli["precision"];
        assert_eq!(p["reached"], false);
        assert_eq!(p["target"], 0.2);
        // n × (h / t)², rounded up.
        let h = sli["downtime_relative_half_width"].as_f64().unwrap();
        let needed = (4.0 * (h / 0.2).powi(2)).ceil() as u64;
        assert_eq!(p["replications_needed"], needed, "{name}");
        // The table marks its row and names it with that estimate.
        let row = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{stdout}"));
        assert!(row.ends_with("imprecise"), "{row}");
        assert!(stdout.contains(&format!("{name} {needed}")), "{stdout}");
        // The CSV carries the flag and the estimate.
        assert!(
            rows.contains(&format!("{name},imprecise,1.0,,,flag")),
            "{rows}"
        );
        assert!(
            rows.contains(&format!("{name},replications_needed,{needed}.0,,,count")),
            "{rows}"
        );
    }
}

#[test]
fn the_replications_needed_grow_with_the_square_of_the_missing_precision() {
    use nines::experiment::precision::replications_needed;
    // Half-widths shrink as 1 / sqrt(n): twice too wide needs four times
    // the replications, three times too wide nine times.
    assert_eq!(replications_needed(100, 0.4, 0.2), 400);
    assert_eq!(replications_needed(100, 0.6, 0.2), 900);
    // Never fewer than were run.
    assert_eq!(replications_needed(100, 0.1, 0.2), 100);
}

#[test]
fn a_rare_mode_is_warned_about_and_a_frequent_one_is_not() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "rare.yaml", RARE);
    let (_, stderr, report) = run(dir, &file, &["--replications", "40"], "rare");
    let warnings = report["warnings"].as_array().unwrap();
    let sources: Vec<&str> = warnings
        .iter()
        .map(|w| w["source"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"machine cp/meteor"), "{sources:?}");
    assert!(!sources.contains(&"machine cp/crash"), "{sources:?}");
    // With one member, every disk loss is an etcd disaster.
    assert!(sources.contains(&"etcd disaster"), "{sources:?}");

    let meteor = warnings
        .iter()
        .find(|w| w["source"] == "machine cp/meteor")
        .unwrap();
    assert_eq!(meteor["kind"], "unseen-failure-mode");
    // replications × window / mean time to failure.
    let window_years = 30.0 * 86_400.0 / YEAR;
    let expected = 40.0 * window_years / 1000.0;
    let seen = meteor["expected"].as_f64().unwrap();
    assert!(
        (seen / expected - 1.0).abs() < 1e-12,
        "{seen} vs {expected}"
    );
    // The fewest replications in which it is expected 3 times.
    let needed = meteor["replications_needed"].as_u64().unwrap();
    let expected_in = |n: u64| n as f64 * window_years / 1000.0;
    assert!(
        expected_in(needed) >= 3.0 * (1.0 - 1e-12) && expected_in(needed - 1) < 3.0,
        "{needed}"
    );
    // On stderr, not in the table on stdout.
    assert!(
        stderr.contains("warning: machine cp/meteor is expected only"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("--replications {needed}")),
        "{stderr}"
    );

    // Enough replications to expect it 3 times: no warning for it.
    let (_, stderr, report) = run(dir, &file, &["--replications", &needed.to_string()], "seen");
    assert!(
        !report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["source"] == "machine cp/meteor"),
        "{}",
        report["warnings"]
    );
    assert!(!stderr.contains("cp/meteor"), "{stderr}");
}

/// Three stacked members losing their disks every 10 days, each without
/// data for about an hour: disasters are frequent enough to count.
const DISKS: &str = "horizon: 1y
replications: 4
seed: 11
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: disk
        time_to_failure: { exponential: { mean: 10d } }
        time_to_repair: { exponential: { mean: 1h } }
        loses_disk: true
control_plane:
  topology: stacked
  etcd:
    backup:
      interval: 1h
      restore: { fixed: 1m }
";

#[test]
fn the_etcd_disaster_estimate_lies_within_the_simulated_interval() {
    let s = scenario(DISKS);
    let (exposure, per_year) = exposures(&s)
        .into_iter()
        .find(|(e, _)| matches!(e, Exposure::EtcdDisaster { .. }))
        .expect("an etcd disaster estimate");
    let Exposure::EtcdDisaster {
        members, quorum, ..
    } = exposure
    else {
        unreachable!()
    };
    assert_eq!((members, quorum), (3, 2));
    // 6λ²D for small λD: λ = 36.5/yr, D = 1h + the 60 s re-sync.
    let (lambda, d) = (36.5, (3_600.0 + 60.0) / YEAR);
    assert!((per_year / (6.0 * lambda * lambda * d) - 1.0).abs() < 0.05);
    let result = experiment::run(
        &s,
        &RunConfig {
            replications: Some(1_000),
            confidence: Some(0.99),
            ..RunConfig::default()
        },
        &|_| {},
    )
    .unwrap();
    let simulated = result.data_loss.events_per_year;
    assert!(
        simulated.ci.lower <= per_year && per_year <= simulated.ci.upper,
        "estimate {per_year}/yr outside the simulated 99% interval [{}, {}]",
        simulated.ci.lower,
        simulated.ci.upper
    );
}

#[test]
fn the_default_run_is_byte_identical_twice_and_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "stacked.yaml", STACKED);
    // The default rule, and a third of the budget the default run spent,
    // which cuts a round short.
    let (_, _, default) = run(dir, &file, &[], "spent");
    assert_eq!(default["stopping"]["rule"], "precision");
    let third = format!(
        "{} events",
        default["stopping"]["spent_events"].as_u64().unwrap() / 3
    );
    for (case, extra) in [
        ("default", &[][..]),
        ("budget", &["--budget", third.as_str()][..]),
    ] {
        let mut outputs = Vec::new();
        for (k, threads) in ["1", "2", "2"].iter().enumerate() {
            let path = dir.join(format!("{case}-{k}.json"));
            let mut args = vec!["run", file.as_str(), "--json", path.to_str().unwrap()];
            args.extend_from_slice(extra);
            let out = nines(&args)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .expect("nines runs");
            assert_success(&out);
            outputs.push((out.stdout, std::fs::read(&path).unwrap()));
        }
        assert!(outputs[0] == outputs[1], "{case}: 1 and 2 threads differ");
        assert!(outputs[1] == outputs[2], "{case}: two runs differ");
        if case == "budget" {
            let report: Value = serde_json::from_slice(&outputs[0].1).unwrap();
            assert_eq!(report["stopping"]["rule"], "budget");
            // Rounds double from 4; the last was cut to what the budget
            // afforded.
            let n = report["replications"].as_u64().unwrap();
            assert!(!n.is_power_of_two(), "{n}");
        }
    }
}

#[test]
fn bad_budgets_and_contradicting_flags_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "single.yaml", SINGLE);
    for (args, message) in [
        (&["--budget", "0"][..], "more than zero"),
        (&["--budget", "0s"][..], "more than zero"),
        (&["--budget", "60"][..], "no unit"),
        (&["--budget", "soon"][..], "60s"),
        (
            &["--replications", "10", "--budget", "1s"][..],
            "fixes the count",
        ),
        (
            &["--replications", "10", "--max-replications", "20"][..],
            "fixes the count",
        ),
    ] {
        let mut all = vec!["run", file.as_str()];
        all.extend_from_slice(args);
        let out = nines_output(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn charts_draw_imprecise_figures_faded_and_say_so() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "single.yaml", SINGLE);
    let charts = dir.join("charts");
    let out = nines_output(&[
        "run",
        &file,
        "--budget",
        "1 event",
        "--plot",
        charts.to_str().unwrap(),
    ]);
    assert_success(&out);
    for chart in ["availability.svg", "downtime_by_cause.svg"] {
        let svg = std::fs::read_to_string(charts.join(chart)).unwrap();
        assert!(svg.contains("imprecise"), "{chart} has no imprecise label");
        assert!(svg.contains("wider than ±20%"), "{chart} has no legend");
    }
}

#[test]
fn reports_without_the_new_fields_still_read() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "single.yaml", SINGLE);
    let (_, _, mut report) = run(dir, &file, &["--replications", "4"], "old");
    let object = report.as_object_mut().unwrap();
    object.remove("stopping");
    object.remove("warnings");
    for sli in object["slis"].as_array_mut().unwrap() {
        sli.as_object_mut().unwrap().remove("precision");
    }
    let old = dir.join("older.json");
    std::fs::write(&old, serde_json::to_string(&report).unwrap()).unwrap();
    let read = read_json(&old).expect("an earlier version-2 report reads");
    assert!(read.stopping.is_none() && read.warnings.is_empty());
    assert!(read.slis.iter().all(|s| s.precision.is_none()));
}
