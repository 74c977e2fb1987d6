//! Behaviour that mutation testing found unpinned (docs/mutation-testing.md):
//! each test states a rule of the model whose breaking no other test
//! noticed, on a deterministic timeline.

use nines::experiment::{Recording, replicate};

use crate::util::{run, scenario, sli};

const API_WRITE: usize = 0;
const API_READ: usize = 1;

#[test]
fn an_external_apiserver_cut_off_from_the_etcd_quorum_cannot_write() {
    // External etcd, one member and one apiserver per zone; zone a is cut
    // off for 30 minutes and the clients (direct endpoint: cp[0], in a)
    // are there too. The apiserver runs but reaches only one member of
    // three: writes fail for exactly the partition, reads (watch cache) do
    // not.
    let s = scenario(
        "horizon: 2h
replications: 3
seed: 41
zones: [a, b, c]
clients_zone: a
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: [a, b, c]
  - name: etcd
    role: etcd
    count: 3
    zones: [a, b, c]
control_plane:
  topology: external
  etcd: { heartbeat_interval: 0s, election_timeout: 0s }
  endpoint: { type: direct }
chaos:
  - { action: partition, target: [a], at: 1h, duration: 30m }
",
    );
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        let writes = &o.slis[API_WRITE].outage_secs;
        assert_eq!(writes.len(), 1, "{writes:?}");
        assert!((writes[0] - 1800.0).abs() < 1e-6, "{writes:?}");
        assert!(o.slis[API_READ].outage_secs.is_empty());
    }
}

#[test]
fn the_vip_returns_to_the_master_once_it_is_back() {
    // keepalived's MASTER (higher priority) preempts: after its repair at
    // 1h30m it holds the VIP again, so the backup's death at 1h45m costs
    // nothing. Had the VIP stayed on the backup, its death would cost a
    // second takeover. (The master's next failure, at 2h30m, is past the
    // horizon.)
    let s = scenario(
        "horizon: 140m
replications: 5
seed: 43
machines:
  - name: cp
    role: control-plane
    count: 3
  - name: lb-master
    role: load-balancer
    count: 1
    failures:
      - time_to_failure: { deterministic: 1h }
        time_to_repair: { deterministic: 30m }
  - name: lb-backup
    role: load-balancer
    count: 1
    failures:
      - time_to_failure: { deterministic: 105m }
        time_to_repair: { deterministic: 30m }
control_plane:
  topology: stacked
  endpoint: { type: haproxy-keepalived }
",
    );
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        let reads = &o.slis[API_READ].outage_secs;
        assert_eq!(reads.len(), 1, "only the master's crash: {reads:?}");
        assert!(reads[0] < 3.7, "{reads:?}");
    }
}

#[test]
fn the_nines_of_an_sli_that_never_failed_come_from_the_zero_failure_bound() {
    // Nothing fails: availability is bounded below by the zero-failure
    // bound on unavailability, and the nines are -log10 of that bound: a
    // finite number, not +inf.
    let s = scenario(
        "horizon: 30d
replications: 20
seed: 47
machines:
  - name: cp
    role: control-plane
    count: 1
control_plane: { topology: single }
",
    );
    let result = run(&s, 0.95);
    let api = sli(&result, "api.write");
    let upper = api
        .unavailability_upper
        .expect("no failure: an upper bound");
    assert!(upper > 0.0 && upper < 1.0, "{upper}");
    let nines = api.nines();
    assert!(nines.point.is_finite(), "{nines:?}");
    assert!((nines.point - (-upper.log10())).abs() < 1e-9, "{nines:?}");
    assert_eq!(nines.ci.lower, nines.point);
}
