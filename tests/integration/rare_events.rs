//! Rare-event acceleration (multilevel splitting) against exact
//! Markov-chain answers at 7 to 10 nines: the estimate must hold the exact
//! unavailability inside its own 99.9 % interval, with one repair crew or
//! several, and the 95 % interval must cover the truth in at least 90 % of
//! 40 seeds. Plain Monte Carlo, at the same budget, sees nothing.

use nines::analytic::RepairChain;
use nines::experiment::{self, Acceleration, ExperimentResult, RunConfig};
use nines::scenario::Scenario;

use crate::util::{assert_within, scenario, sli};

/// `n` external etcd members failing exponentially (mean `mttf_h` hours)
/// and repaired exponentially (mean `mttr_h`) by `crews` crews (none:
/// every failure repaired at once, in parallel), every timer zero, so
/// `etcd.quorum` is exactly the chain's "at least a majority up". Each
/// replication measures 60 days after a day of warmup (many times the
/// repair time), so it starts close to the chain's steady state.
fn members(n: usize, mttf_h: f64, mttr_h: f64, crews: Option<usize>, seed: u64) -> Scenario {
    members_for(60, n, mttf_h, mttr_h, crews, seed)
}

/// As [`members`], measured over `days` days.
fn members_for(
    days: u32,
    n: usize,
    mttf_h: f64,
    mttr_h: f64,
    crews: Option<usize>,
    seed: u64,
) -> Scenario {
    let (people, repair) = match crews {
        Some(c) => (
            format!("people: {{ crews: {c} }}\n"),
            "\n        repair: manual",
        ),
        None => (String::new(), ""),
    };
    let horizon = days + 1;
    scenario(&format!(
        "horizon: {horizon}d
warmup: 1d
replications: 10
seed: {seed}
{people}machines:
  - name: cp
    role: control-plane
    count: 1
  - name: etcd
    role: etcd
    count: {n}
    failures:
      - time_to_failure: {{ exponential: {{ mean: {mttf_h}h }} }}
        time_to_repair: {{ exponential: {{ mean: {mttr_h}h }} }}{repair}
control_plane:
  topology: external
  etcd: {{ members: {n}, heartbeat_interval: 0s, election_timeout: 0s }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
"
    ))
}

fn run(
    s: &Scenario,
    replications: u64,
    acceleration: Acceleration,
    level: f64,
) -> ExperimentResult {
    let config = RunConfig {
        replications: Some(replications),
        confidence: Some(level),
        acceleration,
        ..RunConfig::default()
    };
    experiment::run(s, &config, &|_| {}).unwrap()
}

fn chain(n: usize, mttf_h: f64, mttr_h: f64, crews: usize) -> RepairChain {
    RepairChain {
        n,
        lambda: 1.0 / mttf_h,
        mu: 1.0 / mttr_h,
        crews,
    }
}

/// Checks `etcd.quorum`'s unavailability and outage rate against the chain.
fn check(name: &str, result: &ExperimentResult, exact: &RepairChain, quorum: usize) {
    let s = sli(result, "etcd.quorum");
    let u = s.unavailability;
    let truth = exact.unavailability(quorum);
    assert_within(
        &format!("{name}: unavailability"),
        truth,
        u.ci.lower,
        u.ci.upper,
    );
    let rate = s.outages_per_year;
    assert_within(
        &format!("{name}: outages/yr"),
        exact.outage_frequency(quorum) * 8760.0,
        rate.ci.lower,
        rate.ci.upper,
    );
    assert!(result.split.is_some(), "{name}: the run was split");
}

#[test]
fn seven_nines_three_of_five_with_parallel_repair() {
    // A member down 0.3 % of the time: quorum lost ~1e-7 of the time.
    let s = members(5, 1000.0, 3.0, None, 11);
    let exact = chain(5, 1000.0, 3.0, 5);
    let u = exact.unavailability(3);
    assert!((5e-8..5e-7).contains(&u), "{u}");
    check("3-of-5", &run(&s, 100, Acceleration::On, 0.999), &exact, 3);
}

#[test]
fn eight_nines_three_of_five_with_one_crew() {
    let s = members(5, 3000.0, 2.0, Some(1), 12);
    let exact = chain(5, 3000.0, 2.0, 1);
    let u = exact.unavailability(3);
    assert!((5e-9..5e-8).contains(&u), "{u}");
    check(
        "3-of-5, one crew",
        &run(&s, 100, Acceleration::On, 0.999),
        &exact,
        3,
    );
}

#[test]
fn ten_nines_four_of_seven_with_two_crews() {
    let s = members(7, 2000.0, 2.0, Some(2), 13);
    let exact = chain(7, 2000.0, 2.0, 2);
    let u = exact.unavailability(4);
    assert!((5e-11..5e-10).contains(&u), "{u}");
    check(
        "4-of-7, two crews",
        &run(&s, 100, Acceleration::On, 0.999),
        &exact,
        4,
    );
}

#[test]
fn plain_monte_carlo_at_the_same_budget_sees_no_quorum_loss() {
    let s = members(5, 2000.0, 3.0, Some(1), 12);
    let plain = run(&s, 100, Acceleration::Off, 0.999);
    assert!(plain.split.is_none());
    assert_eq!(sli(&plain, "etcd.quorum").outages, 0.0);
}

#[test]
fn the_95_percent_interval_covers_the_truth_in_at_least_90_percent_of_40_seeds() {
    // Five nines (a member down 1 % of the time), 30 days, so each run is
    // quick; every run is split all the same.
    let exact = chain(5, 300.0, 3.0, 5);
    let truth = exact.unavailability(3);
    let covered = (0..40)
        .filter(|&seed| {
            let s = members_for(30, 5, 300.0, 3.0, None, 200 + seed);
            let result = run(&s, 60, Acceleration::On, 0.95);
            let u = sli(&result, "etcd.quorum").unavailability;
            u.ci.lower <= truth && truth <= u.ci.upper
        })
        .count();
    assert!(covered >= 36, "covered in {covered} of 40 seeds");
}

#[test]
fn split_replications_are_reproducible_and_thread_independent() {
    let s = members(5, 1000.0, 3.0, None, 5);
    let a = run(&s, 16, Acceleration::On, 0.95);
    let b = run(&s, 16, Acceleration::On, 0.95);
    let bits = |r: &ExperimentResult| {
        r.slis
            .iter()
            .map(|s| s.unavailability.point.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a), bits(&b));
}

/// A shipped scenario, read from `scenarios/`.
fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    scenario(&text)
}

/// A precision-driven run (±50 %, the default budget) under `auto`.
fn auto_run(s: &Scenario) -> ExperimentResult {
    let config = RunConfig {
        precision: Some(0.5),
        ..RunConfig::default()
    }
    .resolve()
    .expect("valid configuration");
    experiment::run(s, &config, &|_| {}).unwrap()
}

#[test]
fn auto_keeps_plain_monte_carlo_where_the_budget_sees_enough_quorum_losses() {
    // stacked-3cp loses etcd quorum ~0.014 times a year and a plain
    // replication costs ~160 events: the budget affords thousands of
    // quorum losses, and plain runs beat splitting there.
    let result = auto_run(&shipped("stacked-3cp"));
    assert!(result.split.is_none(), "stacked-3cp was split");
}

#[test]
fn auto_splits_a_quorum_near_nine_nines() {
    let result = auto_run(&shipped("external-etcd-5-vms"));
    let plan = result
        .split
        .as_ref()
        .expect("external-etcd-5-vms was not split");
    assert!(plan.factors.iter().any(|&f| f > 1), "{plan:?}");
    assert_eq!(result.stopping.first_round, experiment::SPLIT_FIRST_ROUND);
    // The split run sees quorum losses that plain Monte Carlo at this
    // budget would not.
    assert!(sli(&result, "etcd.quorum").unavailability.point > 0.0);
}
