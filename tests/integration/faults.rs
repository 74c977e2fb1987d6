//! Correlated failures, partitions, chaos plans, repair crews, attribution
//! and traces.

use nines::analytic::RepairChain;
use nines::experiment::{Recording, replicate};

use crate::util::{assert_within, run, scenario, sli};

const API_WRITE: usize = 0;
const ETCD_QUORUM: usize = 2;
const CONTROLLERS: usize = 4;

/// Three control-plane machines (stacked etcd) placed as `placement`, no
/// random failures, and the given chaos plan.
fn zoned(zones: &str, placement: &str, extra: &str) -> String {
    format!(
        "horizon: 3h
replications: 20
seed: 4
zones: {zones}
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: {placement}
control_plane:
  topology: stacked
  endpoint: {{ type: cloud-lb }}
{extra}"
    )
}

fn longest(outages: &[f64]) -> f64 {
    outages.iter().copied().fold(0.0, f64::max)
}

#[test]
fn one_zone_down_of_three_keeps_writes_two_take_them_down() {
    let one = scenario(&zoned(
        "[a, b, c]",
        "[a, b, c]",
        "chaos:
  - { action: zone-outage, target: c, at: 1h, duration: 30m }",
    ));
    for index in 0..one.replications {
        let o = replicate(&one, one.seed, index, Recording::default());
        // At most an election (and the LB's detection of the lost backend).
        assert!(
            longest(&o.slis[ETCD_QUORUM].outage_secs) < 2.0,
            "{:?}",
            o.slis[ETCD_QUORUM]
        );
        assert!(
            longest(&o.slis[API_WRITE].outage_secs) <= 10.0,
            "{:?}",
            o.slis[API_WRITE]
        );
    }
    let two = scenario(&zoned(
        "[a, b, c]",
        "[a, b, c]",
        "chaos:
  - { action: zone-outage, target: b, at: 1h, duration: 30m }
  - { action: zone-outage, target: c, at: 1h, duration: 30m }",
    ));
    for index in 0..two.replications {
        let o = replicate(&two, two.seed, index, Recording::default());
        assert!((1800.0..1802.0).contains(&longest(&o.slis[ETCD_QUORUM].outage_secs)));
        assert!(longest(&o.slis[API_WRITE].outage_secs) >= 1800.0);
    }
}

#[test]
fn two_zones_with_two_plus_one_members_lose_quorum_with_the_bigger_zone() {
    let lose = |zone: &str| {
        let s = scenario(&zoned(
            "[a, b]",
            "[a, a, b]",
            &format!(
                "chaos:
  - {{ action: zone-outage, target: {zone}, at: 1h, duration: 30m }}"
            ),
        ));
        let o = replicate(&s, s.seed, 0, Recording::default());
        longest(&o.slis[ETCD_QUORUM].outage_secs)
    };
    assert!(lose("a") >= 1800.0, "losing the zone with 2 members");
    assert!(lose("b") < 2.0, "losing the zone with 1 member");
}

/// Zone a (holding cp[0], the initial lease holder) is cut off from b and
/// c for 30 minutes; clients sit in `clients`.
fn partition(clients: &str) -> String {
    zoned(
        "[a, b, c]",
        "[a, b, c]",
        &format!(
            "clients_zone: {clients}
chaos:
  - {{ name: cut-a, action: partition, target: [a], at: 1h, duration: 30m }}"
        ),
    )
}

#[test]
fn a_partition_leaves_writes_on_the_majority_side_and_moves_the_leaders_there() {
    let majority = scenario(&partition("b"));
    for index in 0..majority.replications {
        let o = replicate(&majority, majority.seed, index, Recording::TRACE);
        // Clients on the majority side lose at most the requests sent to
        // the cut-off apiserver until the LB marks it down (2 checks, 5 s).
        assert!(
            longest(&o.slis[API_WRITE].outage_secs) <= 10.0,
            "{:?}",
            o.slis[API_WRITE]
        );
        // The controller-manager leader on the minority side cannot renew:
        // it steps down after 10 s and a majority-side candidate takes the
        // lease 15 s after it last saw the record change, plus poll jitter.
        let lease = longest(&o.slis[CONTROLLERS].outage_secs);
        assert!((13.0..24.0).contains(&lease), "takeover {lease}");
        let moved = o
            .trace
            .iter()
            .filter(|e| e.kind == "lease-acquired" && e.time_seconds > 3600.0)
            .all(|e| !e.detail.ends_with("cp[0]"));
        assert!(moved, "the lease went to a majority-side machine");
    }
    // Clients on the minority side reach only the cut-off apiserver, which
    // cannot write: writes fail for the whole partition.
    let minority = scenario(&partition("a"));
    let o = replicate(&minority, minority.seed, 0, Recording::default());
    assert!(longest(&o.slis[API_WRITE].outage_secs) >= 1800.0);
    // etcd itself keeps a quorum (b and c), apart from a possible election.
    assert!(longest(&o.slis[ETCD_QUORUM].outage_secs) < 2.0);
}

#[test]
fn one_repair_crew_matches_the_machine_repairman_chain() {
    let yaml = |crews: u64| {
        format!(
            "horizon: 2y
replications: 300
seed: 8
people: {{ crews: {crews}, alert_delay: 0s }}
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: {{ exponential: {{ mean: 100h }} }}
        time_to_repair: {{ exponential: {{ mean: 25h }} }}
        repair: manual
control_plane:
  topology: stacked
  etcd: {{ heartbeat_interval: 0s, election_timeout: 0s }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
"
        )
    };
    let (lambda, mu) = (1.0 / 100.0, 1.0 / 25.0);
    let one = run(&scenario(&yaml(1)), 0.999);
    let a = sli(&one, "etcd.quorum").availability;
    let exact = RepairChain {
        n: 3,
        lambda,
        mu,
        crews: 1,
    }
    .availability(2);
    let independent = RepairChain {
        n: 3,
        lambda,
        mu,
        crews: 3,
    }
    .availability(2);
    assert_within("2-of-3 with one crew", exact, a.ci.lower, a.ci.upper);
    assert!(
        !(a.ci.lower..=a.ci.upper).contains(&independent),
        "one crew must be distinguishable from independent repair ({independent})"
    );
    let three = run(&scenario(&yaml(3)), 0.999);
    let a3 = sli(&three, "etcd.quorum").availability;
    assert_within(
        "2-of-3 with three crews",
        independent,
        a3.ci.lower,
        a3.ci.upper,
    );
}

#[test]
fn automatic_repairs_share_their_crews_as_the_machine_repairman_chain() {
    // A throttle on automatic replacements (one at a time, first come first
    // served) is the machine-repairman chain with one crew: 2-of-3 etcd
    // against the exact birth-death chain, and distinguishable from
    // independent repair; without the block every repair starts at its
    // failure.
    let yaml = |block: &str| {
        format!(
            "horizon: 2y
replications: 300
seed: 9
{block}
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: {{ exponential: {{ mean: 100h }} }}
        time_to_repair: {{ exponential: {{ mean: 25h }} }}
control_plane:
  topology: stacked
  etcd: {{ heartbeat_interval: 0s, election_timeout: 0s }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
"
        )
    };
    let chain = |crews: usize| RepairChain {
        n: 3,
        lambda: 1.0 / 100.0,
        mu: 1.0 / 25.0,
        crews,
    };
    let one = run(&scenario(&yaml("automatic_repair: { crews: 1 }")), 0.999);
    let a = sli(&one, "etcd.quorum").availability;
    eprintln!(
        "2-of-3, one automatic crew: {:.6} [{:.6}, {:.6}], exact {:.6} (independent {:.6})",
        a.point,
        a.ci.lower,
        a.ci.upper,
        chain(1).availability(2),
        chain(3).availability(2)
    );
    assert_within(
        "2-of-3 with one automatic crew",
        chain(1).availability(2),
        a.ci.lower,
        a.ci.upper,
    );
    assert!(
        !(a.ci.lower..=a.ci.upper).contains(&chain(3).availability(2)),
        "one automatic crew must be distinguishable from independent repair"
    );
    let two = run(&scenario(&yaml("automatic_repair: { crews: 2 }")), 0.999);
    let a2 = sli(&two, "etcd.quorum").availability;
    assert_within(
        "2-of-3 with two automatic crews",
        chain(2).availability(2),
        a2.ci.lower,
        a2.ci.upper,
    );
    let unlimited = run(&scenario(&yaml("")), 0.999);
    let a3 = sli(&unlimited, "etcd.quorum").availability;
    assert_within(
        "2-of-3 with independent repair",
        chain(3).availability(2),
        a3.ci.lower,
        a3.ci.upper,
    );
}

#[test]
fn automatic_repair_crews_outside_their_range_are_refused() {
    let text = "horizon: 1h
automatic_repair: { crews: 0 }
machines:
  - name: cp
    role: control-plane
    count: 1
control_plane: { topology: single }
";
    let err = nines::scenario::Scenario::parse(text, "<test>", "test")
        .expect_err("zero crews must be refused");
    let rendered = err.to_string();
    assert!(
        rendered.contains("<test>:2:") && rendered.contains("automatic_repair.crews"),
        "{rendered}"
    );
}

#[test]
fn detection_and_response_delay_manual_repairs() {
    let yaml = |people: &str| {
        format!(
            "horizon: 1y
replications: 50
{people}
machines:
  - name: cp
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ exponential: {{ mean: 30d }} }}
        time_to_repair: {{ deterministic: 1h }}
        repair: manual
control_plane:
  topology: single
"
        )
    };
    let fast = run(&scenario(&yaml("people: { alert_delay: 0s }")), 0.95);
    let slow = run(
        &scenario(&yaml(
            "people: { alert_delay: 6m, response: { deterministic: 24m } }",
        )),
        0.95,
    );
    // The longest outage: the repair, plus the alert and response delays,
    // plus at most an election (< 2 s); an outage cut short by the horizon
    // is only shorter.
    let longest = |r: &nines::experiment::ExperimentResult| {
        sli(r, "etcd.quorum").outage_durations.max().unwrap()
    };
    assert!(
        (3600.0..3602.0).contains(&longest(&fast)),
        "{}",
        longest(&fast)
    );
    assert!(
        (5400.0..5402.0).contains(&longest(&slow)),
        "1h repair + 6m alert + 24m response: {}",
        longest(&slow)
    );
}

#[test]
fn downtime_is_attributed_to_its_initiating_fault() {
    let s = scenario(
        "horizon: 30d
replications: 20
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: crash
        time_to_failure: { exponential: { mean: 2d } }
        time_to_repair: { exponential: { mean: 20m } }
control_plane:
  topology: stacked
  endpoint: { type: cloud-lb }
chaos:
  - { name: kill-leader, action: crash-etcd-leader, at: 1d, every: 3d, duration: 5m }
",
    );
    let result = run(&s, 0.95);
    let causes = &sli(&result, "etcd.quorum").downtime_by_cause;
    let names: Vec<&str> = causes.iter().map(|c| c.cause.as_str()).collect();
    assert!(names.contains(&"machine cp/crash"), "{names:?}");
    assert!(names.contains(&"chaos kill-leader"), "{names:?}");
    let total: f64 = causes.iter().map(|c| c.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
}

#[test]
fn a_trace_shows_the_causal_chain_of_a_chaos_step() {
    let s = scenario(&zoned(
        "[a]",
        "[a]",
        "chaos:
  - { name: kill-leader, action: crash-etcd-leader, at: 1h, duration: 10m }",
    ));
    let o = replicate(&s, s.seed, 0, Recording::TRACE);
    let after: Vec<(&str, &str)> = o
        .trace
        .iter()
        .filter(|e| e.time_seconds >= 3600.0)
        .map(|e| (e.kind.as_str(), e.cause.as_str()))
        .collect();
    let position = |kind: &str| after.iter().position(|(k, _)| *k == kind);
    let started = position("chaos-started").expect("chaos step in the trace");
    let elected = position("etcd-leader-elected").expect("re-election in the trace");
    let ended = position("chaos-ended").expect("end of the step");
    assert!(started < elected && elected < ended, "{after:?}");
    assert!(
        after[started..elected].iter().any(|(k, _)| *k == "sli"),
        "{after:?}"
    );
    assert!(
        after
            .iter()
            .filter(|(k, _)| *k == "sli")
            .all(|(_, c)| *c == "chaos kill-leader")
    );
}

#[test]
fn a_rolling_upgrade_takes_control_plane_machines_down_one_at_a_time() {
    let s = scenario(&zoned(
        "[a, b, c]",
        "[a, b, c]",
        "chaos:
  - { name: upgrade, action: rolling-upgrade, at: 1h, duration: 10m }",
    ));
    let o = replicate(&s, s.seed, 0, Recording::TRACE);
    let downs: Vec<f64> = o
        .trace
        .iter()
        .filter(|e| {
            matches!(
                e.kind.as_str(),
                "chaos-started" | "upgrade-advanced" | "upgrade-finished"
            )
        })
        .map(|e| e.time_seconds)
        .collect();
    assert_eq!(downs, vec![3600.0, 4200.0, 4800.0, 5400.0]);
    // One machine at a time keeps the quorum: elections only.
    assert!(longest(&o.slis[ETCD_QUORUM].outage_secs) < 2.0);
}

#[test]
fn failing_the_cloud_load_balancer_stops_all_requests() {
    let s = scenario(&zoned(
        "[a]",
        "[a]",
        "chaos:
  - { action: fail-load-balancer, at: 1h, duration: 15m }",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(o.slis[API_WRITE].outage_secs, vec![900.0]);
    assert!((o.slis[API_WRITE].lost_secs - 900.0).abs() < 1e-6);
    assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
}

#[test]
fn random_zone_partitions_isolate_a_zone() {
    let s = scenario(&zoned(
        "[a, b, c]",
        "[a, b, c]",
        "clients_zone: a
zone_failures:
  - name: link
    effect: partition
    time_to_failure: { exponential: { mean: 1h } }
    time_to_repair: { deterministic: 10m }",
    ));
    let result = run(&s, 0.95);
    let causes = &sli(&result, "api.write").downtime_by_cause;
    assert!(
        causes.iter().any(|c| c.cause == "partition link"),
        "{causes:?}"
    );
}

#[test]
fn a_shared_failure_domain_takes_its_machines_down_together() {
    // All three members in one rack: the rack alone decides quorum, an
    // alternating renewal process with A = MTTF / (MTTF + MTTR).
    let s = scenario(
        "horizon: 2y
replications: 200
seed: 12
failure_domains:
  - name: rack-1
    failures:
      - name: power
        time_to_failure: { exponential: { mean: 10d } }
        time_to_repair: { deterministic: 6h }
machines:
  - name: cp
    role: control-plane
    count: 3
    domains: [rack-1]
control_plane:
  topology: stacked
  etcd: { heartbeat_interval: 0s, election_timeout: 0s }
",
    );
    let result = run(&s, 0.999);
    let quorum = sli(&result, "etcd.quorum");
    let exact = 240.0 / (240.0 + 6.0);
    assert_within(
        "rack availability",
        exact,
        quorum.availability.ci.lower,
        quorum.availability.ci.upper,
    );
    assert_eq!(quorum.downtime_by_cause[0].cause, "domain rack-1/power");
}

#[test]
fn common_cause_failures_hit_several_machines_at_once() {
    let yaml = |fraction: f64| {
        format!(
            "horizon: 1y
replications: 20
min_outage: 10s
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: bad-push
        time_to_failure: {{ exponential: {{ mean: 30d }} }}
        time_to_repair: {{ deterministic: 30m }}
        common_cause: {{ fraction: {fraction}, size: 2 }}
control_plane:
  topology: stacked
"
        )
    };
    let independent = run(&scenario(&yaml(0.0)), 0.95);
    let common = run(&scenario(&yaml(1.0)), 0.95);
    let outages = |r: &nines::experiment::ExperimentResult| sli(r, "etcd.quorum").outages;
    // Every common-cause failure takes two of three members: quorum lost.
    assert!(
        outages(&common) > 10.0 * outages(&independent).max(1.0),
        "{} vs {}",
        outages(&common),
        outages(&independent)
    );
}
