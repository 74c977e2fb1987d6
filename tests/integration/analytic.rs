//! Exponential failures and repairs, zero timers: the simulator must agree
//! with closed-form and Markov-chain answers within its own confidence
//! interval (99.9 %, so a correct simulator fails such a check about once
//! in a thousand seeds; the seeds are fixed, so the tests are deterministic).

use nines::analytic::{RepairChain, k_of_n_availability, single_availability};
use nines::experiment::{Recording, replicate};

use crate::util::{assert_within, run, scenario, sli};

const LEVEL: f64 = 0.999;
const MTTF_HOURS: f64 = 100.0;
const MTTR_HOURS: f64 = 10.0;

/// `n` stacked control-plane machines (one etcd member each), exponential
/// TTF/TTR, and every detection/election timer zero unless given.
fn quorum_scenario(n: usize, election: &str, heartbeat: &str, horizon: &str, reps: u64) -> String {
    let topology = if n == 1 { "single" } else { "stacked" };
    format!(
        "horizon: {horizon}
replications: {reps}
seed: 7
machines:
  - name: cp
    role: control-plane
    count: {n}
    failures:
      - time_to_failure: {{ exponential: {{ mean: {MTTF_HOURS}h }} }}
        time_to_repair: {{ exponential: {{ mean: {MTTR_HOURS}h }} }}
control_plane:
  topology: {topology}
  etcd: {{ heartbeat_interval: {heartbeat}, election_timeout: {election} }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
"
    )
}

fn rates() -> (f64, f64) {
    (1.0 / MTTF_HOURS, 1.0 / MTTR_HOURS)
}

#[test]
fn one_machine_availability_is_mttf_over_mttf_plus_mttr() {
    let result = run(&scenario(&quorum_scenario(1, "0s", "0s", "2y", 300)), LEVEL);
    let (lambda, mu) = rates();
    let exact = single_availability(lambda, mu);
    for name in [
        "etcd.quorum",
        "api.write",
        "api.read",
        "controllers",
        "scheduling",
    ] {
        let a = &sli(&result, name).availability;
        assert_within(name, exact, a.ci.lower, a.ci.upper);
    }
    // Mean outage and mean up time are the repair and failure means.
    let s = sli(&result, "etcd.quorum");
    let mttr = s.mttr.unwrap();
    assert_within(
        "MTTR (s)",
        MTTR_HOURS * 3600.0,
        mttr.ci.lower,
        mttr.ci.upper,
    );
    let up = s.mean_up_time.unwrap();
    assert_within(
        "mean up time (s)",
        MTTF_HOURS * 3600.0,
        up.ci.lower,
        up.ci.upper,
    );
}

#[test]
fn three_members_match_two_of_three_and_its_mttf() {
    let result = run(&scenario(&quorum_scenario(3, "0s", "0s", "2y", 300)), LEVEL);
    let (lambda, mu) = rates();
    let p = single_availability(lambda, mu);
    let s = sli(&result, "etcd.quorum");
    assert_within(
        "2-of-3 availability",
        3.0 * p * p - 2.0 * p * p * p,
        s.availability.ci.lower,
        s.availability.ci.upper,
    );
    assert_eq!(
        s.mttf_censored_share, 0.0,
        "horizon must be long enough to see every first failure"
    );
    let mttf = s.mttf.unwrap();
    let exact_hours = (5.0 * lambda + mu) / (6.0 * lambda * lambda);
    assert_within(
        "2-of-3 MTTF (s)",
        exact_hours * 3600.0,
        mttf.ci.lower,
        mttf.ci.upper,
    );
    // The outage frequency and mean outage of the birth-death chain too.
    let chain = RepairChain {
        n: 3,
        lambda,
        mu,
        crews: 3,
    };
    let per_year = s.outages_per_year;
    let exact_per_year = chain.outage_frequency(2) * 8760.0;
    assert_within(
        "outages/yr",
        exact_per_year,
        per_year.ci.lower,
        per_year.ci.upper,
    );
    let mttr = s.mttr.unwrap();
    assert_within(
        "MTTR (s)",
        chain.mean_outage(2) * 3600.0,
        mttr.ci.lower,
        mttr.ci.upper,
    );
}

#[test]
fn five_members_match_three_of_five_and_the_markov_chain_mttf() {
    let result = run(&scenario(&quorum_scenario(5, "0s", "0s", "4y", 300)), LEVEL);
    let (lambda, mu) = rates();
    let p = single_availability(lambda, mu);
    let s = sli(&result, "etcd.quorum");
    assert_within(
        "3-of-5 availability",
        k_of_n_availability(3, 5, p),
        s.availability.ci.lower,
        s.availability.ci.upper,
    );
    let chain = RepairChain {
        n: 5,
        lambda,
        mu,
        crews: 5,
    };
    let mttf = s.mttf.unwrap();
    assert_eq!(s.mttf_censored_share, 0.0);
    assert_within(
        "3-of-5 MTTF (s)",
        chain.mttf(3) * 3600.0,
        mttf.ci.lower,
        mttf.ci.upper,
    );
}

#[test]
fn election_timeout_adds_one_short_outage_per_leader_loss() {
    // With a 1 s election timeout (100 ms heartbeat), losing the leader while
    // all three members are up costs a short outage: the outage rate rises by
    // lambda x P(all three up), and each such outage lasts the election:
    // the earlier of two followers' timeouts (10-19 ticks, uniform) minus the
    // phase of the last heartbeat (uniform over one tick).
    let s = scenario(&quorum_scenario(3, "1s", "100ms", "2y", 300));
    let result = run(&s, LEVEL);
    let (lambda, mu) = rates();
    let p = single_availability(lambda, mu);
    let chain = RepairChain {
        n: 3,
        lambda,
        mu,
        crews: 3,
    };
    let leader_losses = lambda * p.powi(3);
    // Elections are outages of etcd.leader (writes need a leader), not of
    // etcd.quorum.
    let rate = sli(&result, "etcd.leader").outages_per_year;
    assert_within(
        "outages/yr with elections",
        (chain.outage_frequency(2) + leader_losses) * 8760.0,
        rate.ci.lower,
        rate.ci.upper,
    );

    // Election outages are the ones under 2 s (a repair that short has
    // probability 2 s / 10 h ≈ 6e-5): their count per replication-year and
    // mean length against the exact values.
    let mut short = Vec::new();
    let mut per_replication = Vec::new();
    for index in 0..s.replications {
        let outcome = replicate(&s, s.seed, index, Recording::default());
        let quorum = &outcome.slis[3];
        let elections: Vec<f64> = quorum
            .outage_secs
            .iter()
            .copied()
            .filter(|d| *d < 2.0)
            .collect();
        per_replication.push(elections.len() as f64 / 2.0);
        short.extend(elections);
    }
    // A quorum loss can also end within 2 s: about 24,000 of them in 600
    // replication-years, each ending that fast with probability
    // 2 s / 10 h, so about 1.3 are expected; elections are ~39,000.
    let outside = short.iter().filter(|d| !(0.9..=1.9).contains(*d)).count();
    assert!(
        outside <= 5,
        "{outside} short outages are not 0.9-1.9 s elections"
    );
    let count = nines::stats::Estimate::mean(&per_replication, LEVEL).unwrap();
    assert_within(
        "elections/yr",
        leader_losses * 8760.0,
        count.ci.lower,
        count.ci.upper,
    );
    // E[min of two uniform {10..19}] = 10 + sum_{k=11}^{19} ((20-k)/10)^2 = 12.85 ticks.
    let expected = 12.85 * 0.1 - 0.05;
    let mean = nines::stats::Estimate::mean(&short, LEVEL).unwrap();
    assert_within(
        "election length (s)",
        expected,
        mean.ci.lower,
        mean.ci.upper,
    );
}
