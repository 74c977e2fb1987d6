//! The cost of a replication: the events it is expected to simulate from
//! the scenario's rates, checked against what the shipped scenarios
//! simulate; the limit on one replication's events, before and during a
//! run; and a day-long leader lease that costs no more than a short one.

use nines::experiment::{self, Budget, Recording, RunConfig, check_event_estimate};
use nines::model::estimate::{ESTIMATE_FACTOR, estimate_events};
use nines::scenario::Scenario;

use crate::util::{nines_output, scenario, write};

#[test]
fn the_estimate_is_within_its_factor_of_the_events_shipped_scenarios_simulate() {
    // The actual counts are those of the golden reports (events and
    // replications simulated), which the golden test keeps current.
    let root = env!("CARGO_MANIFEST_DIR");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let golden = std::fs::read_to_string(format!("{root}/tests/golden/{stem}.json")).unwrap();
        let golden: serde_json::Value = serde_json::from_str(&golden).unwrap();
        let events = golden["events"].as_f64().unwrap();
        let replications = golden["replications"].as_f64().unwrap();
        let mut s = Scenario::load(&path).unwrap();
        s.horizon =
            nines::engine::SimDuration::from_secs_f64(golden["horizon_seconds"].as_f64().unwrap());
        rows.push((stem, estimate_events(&s).total(), events / replications));
    }
    assert!(rows.len() >= 15, "{rows:?}");
    let table: Vec<String> = rows
        .iter()
        .map(|(n, e, a)| format!("{n}: estimate {e:.3e}, actual {a:.3e}, ratio {:.2}", e / a))
        .collect();
    eprintln!("{}", table.join("\n"));
    for (name, estimate, actual) in &rows {
        let ratio = estimate / actual;
        assert!(
            (1.0 / ESTIMATE_FACTOR..=ESTIMATE_FACTOR).contains(&ratio),
            "{name}: estimate {estimate:.3e} vs {actual:.3e} events per replication\n{}",
            table.join("\n")
        );
    }
}

/// A small cluster whose web pods crash with mean time to failure `mttf`.
fn crashing(mttf: &str, replicas: u64) -> String {
    format!(
        "horizon: 1y
replications: 2
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 64, memory: 256Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: {replicas}
    requests: {{ cpu: 10m, memory: 10Mi }}
    startup: {{ deterministic: 20s }}
    pod_failures:
      - name: crash
        kind: crash
        time_to_failure: {{ exponential: {{ mean: {mttf} }} }}
expect: [\"api.write.availability >= 90%\"]
"
    )
}

#[test]
fn a_scenario_expected_beyond_the_budget_is_refused_naming_the_dominant_rate() {
    let s = scenario(&crashing("1s", 100));
    let err = check_event_estimate(&s, experiment::DEFAULT_REPLICATION_BUDGET).unwrap_err();
    for needle in [
        "workloads.web.pod_failures.crash",
        "MTTF 1s on 100 pods",
        "--replication-budget",
        "300,000,000 events",
    ] {
        assert!(err.contains(needle), "`{needle}` missing from: {err}");
    }
    // The same rates a thousand times slower fit.
    let calm = scenario(&crashing("1000s", 100));
    check_event_estimate(&calm, experiment::DEFAULT_REPLICATION_BUDGET).unwrap();
}

#[test]
fn validate_and_run_refuse_it_at_once_and_the_flag_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "crash.yaml", &crashing("1s", 100));
    // `check` says an input error with its own exit code, 2.
    for (command, code) in [("validate", 1), ("run", 1), ("check", 2)] {
        let out = nines_output(&[command, &path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{command}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("crash.yaml"), "{command}: {err}");
        assert!(err.contains("MTTF 1s on 100 pods"), "{command}: {err}");
    }
    let out = nines_output(&["validate", &path, "--replication-budget", "1e12 events"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_replication_that_spends_its_budget_stops_naming_what_its_events_were() {
    let s = scenario(&crashing("10m", 30));
    let budget = Budget { events: 2_000 };
    let err = experiment::try_replicate(&s, s.seed, 0, Recording::default(), budget).unwrap_err();
    assert_eq!(err.families.iter().map(|&(_, n)| n).sum::<u64>(), 2_000);
    let message = err.to_string();
    for needle in [
        "replication 0 ran out of events",
        "2,000 events",
        "worker-node and pod events",
        "workloads.web.pod_failures.crash (MTTF 10m on 30 pods",
        "--replication-budget",
    ] {
        assert!(
            message.contains(needle),
            "`{needle}` missing from: {message}"
        );
    }
    // The run stops with that error, whichever replication hit it first.
    let config = RunConfig {
        replications: Some(8),
        replication_budget: Some(budget),
        ..RunConfig::default()
    };
    let err = experiment::run(&s, &config, &|_| {}).unwrap_err();
    assert!(err.replication < 8);
    // With room, the same replication runs to its horizon.
    let room = Budget { events: u64::MAX };
    let outcome = experiment::try_replicate(&s, s.seed, 0, Recording::default(), room).unwrap();
    assert!(outcome.events > 2_000);
}

#[test]
fn machines_failing_every_second_are_refused_naming_their_group() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/workers-3zones.yaml"
    ))
    .unwrap();
    let s = scenario(&text);
    check_event_estimate(&s, experiment::DEFAULT_REPLICATION_BUDGET).unwrap();
    let worker_group = s
        .groups
        .iter()
        .position(|g| g.role == nines::scenario::Role::Worker)
        .unwrap();
    let mut fast = s.clone();
    // Failing every second and back a second later: repair times no
    // longer hold the rate down.
    let second = nines::engine::SimDuration::from_secs(1);
    let mode = &mut fast.groups[worker_group].failures[0];
    mode.time_to_failure = nines::dist::Distribution::exponential(second).unwrap();
    mode.time_to_repair = nines::dist::Distribution::deterministic(second);
    let err = check_event_estimate(&fast, experiment::DEFAULT_REPLICATION_BUDGET).unwrap_err();
    let source = format!(
        "groups.{}.failures.{}",
        s.groups[worker_group].name, s.groups[worker_group].failures[0].name
    );
    assert!(err.contains(&source), "`{source}` missing from: {err}");
    assert!(err.contains("MTTF 1s"), "{err}");
}

/// chaos-leader-kill with leader-election timers `lease` / `renew` /
/// `retry`.
fn leader_kill_with(lease: &str, renew: &str, retry: &str) -> Scenario {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/chaos-leader-kill.yaml"
    ))
    .unwrap()
    .replace("lease_duration: 15s", &format!("lease_duration: {lease}"))
    .replace("renew_deadline: 10s", &format!("renew_deadline: {renew}"))
    .replace("retry_period: 2s", &format!("retry_period: {retry}"));
    scenario(&text)
}

#[test]
fn a_day_long_lease_at_a_millisecond_retry_runs_like_a_short_one() {
    // 8.6e7 retry periods per takeover: walked poll by poll, each takeover
    // would draw about 5e7 polls.
    let long = leader_kill_with("1d", "12h", "1ms");
    let config = RunConfig {
        replications: Some(2),
        ..RunConfig::default()
    };
    let result = experiment::run(&long, &config, &|_| {}).unwrap();
    let controllers = result
        .slis
        .iter()
        .find(|s| s.name == "controllers")
        .expect("a controllers SLI");
    // A killed leader is replaced only a day later: the lease shows.
    let short = experiment::run(&leader_kill_with("15s", "10s", "2s"), &config, &|_| {}).unwrap();
    let short_controllers = short.slis.iter().find(|s| s.name == "controllers").unwrap();
    assert!(
        controllers.availability.point < short_controllers.availability.point,
        "{} vs {}",
        controllers.availability.point,
        short_controllers.availability.point
    );
}

#[test]
fn a_lease_beyond_a_day_is_refused_as_meaningless() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/chaos-leader-kill.yaml"
    ))
    .unwrap()
    .replace("lease_duration: 15s", "lease_duration: 2d");
    let err = Scenario::parse(&text, "lease.yaml", "lease").unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].field,
        "control_plane.leader_election.lease_duration"
    );
    assert!(problems[0].line > 0);
    assert!(
        problems[0].message.contains("failover timer"),
        "{problems:?}"
    );
}
