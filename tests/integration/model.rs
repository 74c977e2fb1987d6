//! Control-plane behaviour on deterministic timelines, and the effect of
//! every timer: a parameter in the file must change what is simulated.

use nines::experiment::{Recording, replicate};
use nines::outcome::SliOutcome;

use crate::util::{run, scenario, sli};

const API_WRITE: usize = 0;
const API_READ: usize = 1;
const ETCD_QUORUM: usize = 2;
const ETCD_LEADER: usize = 3;
const CONTROLLERS: usize = 4;
const SCHEDULING: usize = 5;

/// The first control-plane machine (the initial etcd and lease leader)
/// crashes at 1h for 30 minutes; the other two never fail.
fn leader_crash(extra: &str) -> String {
    format!(
        "horizon: 2h
replications: 40
seed: 3
machines:
  - name: cp-first
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 30m }}
  - name: cp-rest
    role: control-plane
    count: 2
control_plane:
  topology: stacked
  endpoint: {{ type: cloud-lb }}
{extra}"
    )
}

fn outages(o: &SliOutcome) -> &[f64] {
    &o.outage_secs
}

#[test]
fn leader_crash_timeline_follows_the_real_timers() {
    let s = scenario(&leader_crash(""));
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        // etcd: the quorum holds; writes wait for one election of 10-19
        // ticks minus the heartbeat phase.
        assert!(outages(&o.slis[ETCD_QUORUM]).is_empty());
        let leader = outages(&o.slis[ETCD_LEADER]);
        assert_eq!(leader.len(), 1);
        assert!((0.9..1.9).contains(&leader[0]), "election {leader:?}");
        // Controllers and scheduler: lease takeover 13-24 s after the crash
        // (15 s lease, 2 s renew phase, 2-4.4 s jittered polls).
        for sli in [CONTROLLERS, SCHEDULING] {
            let lease = outages(&o.slis[sli]);
            assert_eq!(lease.len(), 1);
            assert!((13.0..24.0).contains(&lease[0]), "takeover {lease:?}");
        }
        // Reads: one third of requests hit the dead backend until the cloud
        // LB marks it down at its 2nd failed check (5 s apart): 5-10 s.
        let read = &o.slis[API_READ];
        assert_eq!(read.outage_secs.len(), 1, "{read:?}");
        let detect = read.outage_secs[0];
        assert!((5.0..=10.0).contains(&detect), "detection {detect}");
        assert!((read.lost_secs - detect / 3.0).abs() < 1e-3, "{read:?}");
        // Writes: that share plus every write during the election.
        let write = &o.slis[API_WRITE];
        assert!(write.lost_secs > read.lost_secs);
        assert!(write.lost_secs <= read.lost_secs + leader[0] + 1e-3);
        // Recovery brings nothing down again (the backend rejoins only
        // after its healthy checks).
        assert_eq!(write.outage_secs.len(), 1, "{write:?} {read:?} {leader:?}");
    }
}

/// Total lost seconds of an SLI over a run (common random numbers: the same
/// seed, so the failure times are the same in both runs compared).
fn lost(yaml: &str, sli_name: &str) -> f64 {
    let s = scenario(yaml);
    let result = run(&s, 0.95);
    let a = sli(&result, sli_name).availability.point;
    (1.0 - a) * s.horizon.as_secs_f64() * s.replications as f64
}

/// Frequent short failures so that every mechanism is exercised.
fn flappy(endpoint: &str, etcd: &str, leader_election: &str, lb: bool) -> String {
    let lb_group = if lb {
        "  - name: lb
    role: load-balancer
    count: 2
    failures:
      - time_to_failure: { exponential: { mean: 12h } }
        time_to_repair: { exponential: { mean: 5m } }
"
    } else {
        ""
    };
    format!(
        "horizon: 30d
replications: 16
seed: 11
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: {{ exponential: {{ mean: 3h }} }}
        time_to_repair: {{ exponential: {{ mean: 3m }} }}
{lb_group}control_plane:
  topology: stacked
  etcd: {etcd}
  endpoint: {endpoint}
  leader_election: {leader_election}
"
    )
}

#[test]
fn cloud_lb_health_check_settings_change_availability() {
    let base = |endpoint: &str| lost(&flappy(endpoint, "{}", "{}", false), "api.read");
    let default = base("{ type: cloud-lb }");
    assert!(base("{ type: cloud-lb, interval: 30s }") > default * 2.0);
    assert!(base("{ type: cloud-lb, unhealthy_threshold: 6 }") > default * 2.0);
    // A slow rise keeps recovered backends out while others fail: with
    // every target marked down the LB fails open onto dead ones too.
    assert!(
        base("{ type: cloud-lb, healthy_threshold: 20 }")
            > base("{ type: cloud-lb, healthy_threshold: 1 }")
    );
}

#[test]
fn haproxy_and_keepalived_settings_change_availability() {
    let base = |endpoint: &str| lost(&flappy(endpoint, "{}", "{}", true), "api.read");
    let default = base("{ type: haproxy-keepalived }");
    assert!(base("{ type: haproxy-keepalived, inter: 10s }") > default * 2.0);
    let fall = base("{ type: haproxy-keepalived, fall: 10 }");
    assert!(fall > default * 1.5, "fall 10: {fall} vs {default}");
    assert!(
        base("{ type: haproxy-keepalived, rise: 30 }")
            > base("{ type: haproxy-keepalived, rise: 1 }")
    );
    assert!(base("{ type: haproxy-keepalived, advert_int: 10s }") > default);
    // Higher backup priority means a shorter skew before takeover.
    assert!(
        base("{ type: haproxy-keepalived, priority: 10 }")
            > base("{ type: haproxy-keepalived, priority: 250 }")
    );
}

#[test]
fn etcd_timers_change_election_outages() {
    let quorum = |etcd: &str| {
        lost(
            &flappy("{ type: direct }", etcd, "{}", false),
            "etcd.leader",
        )
    };
    let fast = quorum("{ election_timeout: 1s }");
    assert!(quorum("{ election_timeout: 10s }") > fast * 1.5);
    assert!(quorum("{ heartbeat_interval: 1s, election_timeout: 10s }") > fast * 1.5);
}

#[test]
fn lease_timers_change_controller_outages() {
    let controllers =
        |etcd: &str, le: &str| lost(&flappy("{ type: direct }", etcd, le, false), "controllers");
    let default = controllers("{}", "{}");
    assert!(
        controllers(
            "{}",
            "{ lease_duration: 60s, renew_deadline: 40s, retry_period: 2s }"
        ) > default * 1.5
    );
    assert!(
        controllers(
            "{}",
            "{ lease_duration: 15s, renew_deadline: 10s, retry_period: 8s }"
        ) > default
    );
    // Elections of about 6 s: a 4 s renew deadline makes the leader step
    // down (and the lease move only after a new 15 s wait); 10 s rides it out.
    let slow_etcd = "{ election_timeout: 5s }";
    assert!(
        controllers(
            slow_etcd,
            "{ lease_duration: 15s, renew_deadline: 4s, retry_period: 2s }"
        ) > controllers(
            slow_etcd,
            "{ lease_duration: 15s, renew_deadline: 10s, retry_period: 2s }"
        )
    );
}

#[test]
fn active_standby_promotion_timers_change_api_downtime() {
    let yaml = |detection: &str, promotion: &str| {
        format!(
            "horizon: 30d
replications: 16
seed: 5
machines:
  - name: cp
    role: control-plane
    count: 2
    failures:
      - time_to_failure: {{ exponential: {{ mean: 1d }} }}
        time_to_repair: {{ exponential: {{ mean: 2h }} }}
  - name: etcd
    role: etcd
    count: 3
control_plane:
  topology: active-standby
  active_standby: {{ detection: {detection}, promotion_delay: {promotion} }}
  endpoint: {{ type: direct }}
"
        )
    };
    let base = lost(&yaml("30s", "2m"), "api.write");
    assert!(lost(&yaml("5m", "2m"), "api.write") > base);
    assert!(lost(&yaml("30s", "20m"), "api.write") > base);
    // Promotion beats waiting for the 2 h repair by far.
    assert!(base < 0.5 * lost(&yaml("30d", "1s"), "api.write"));
}

/// Machine 0 loses its disk at 1h (back at 1h10m, then re-syncs), machine 1
/// crashes at 1h15m for 10 minutes.
fn disk_loss(member_sync: &str) -> String {
    format!(
        "horizon: 3h
replications: 4
machines:
  - name: cp-a
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 10m }}
        loses_disk: true
  - name: cp-b
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 75m }}
        time_to_repair: {{ deterministic: 10m }}
  - name: cp-c
    role: control-plane
    count: 1
control_plane:
  topology: stacked
  etcd: {{ member_sync: {member_sync} }}
  endpoint: {{ type: direct }}
"
    )
}

#[test]
fn a_member_that_lost_its_disk_counts_only_after_it_resynced() {
    let quick = scenario(&disk_loss("1m"));
    let slow = scenario(&disk_loss("30m"));
    for index in 0..4 {
        let q = &replicate(&quick, quick.seed, index, Recording::default()).slis[ETCD_QUORUM];
        let s = &replicate(&slow, slow.seed, index, Recording::default()).slis[ETCD_QUORUM];
        // Synced by 1h11m: the crash at 1h15m leaves a quorum.
        assert!(q.outage_secs.iter().all(|d| *d < 2.0), "{q:?}");
        // Still syncing at 1h15m: quorum is lost for the 10 minutes.
        assert!(
            s.outage_secs.iter().any(|d| (599.0..=602.0).contains(d)),
            "{s:?}"
        );
    }
}

#[test]
fn losing_a_majority_of_disks_restores_from_the_last_snapshot() {
    // Every member loses its disk at 1h; machines are replaced in 10 min.
    let yaml = |backup: &str| {
        format!(
            "horizon: 2h
replications: 400
seed: 9
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 10m }}
        loses_disk: true
control_plane:
  topology: stacked
  etcd: {{ {backup} }}
  endpoint: {{ type: direct }}
"
        )
    };
    // Hourly snapshots at a random phase: the writes since the last one are
    // lost, uniform over the hour, so 30 min per disaster on average.
    let s = scenario(&yaml(
        "backup: { interval: 1h, restore: { deterministic: 30m } }",
    ));
    let result = run(&s, 0.999);
    let loss = &result.data_loss;
    assert_eq!(loss.events, 400.0, "one disaster per replication");
    let minutes = loss.lost_write_minutes_per_year;
    let per_disaster = |m: f64| m * (2.0 / 8760.0);
    crate::util::assert_within(
        "lost minutes per disaster",
        30.0,
        per_disaster(minutes.ci.lower),
        per_disaster(minutes.ci.upper),
    );
    // People are paged and respond (the defaults: 90 s and 5 min), the
    // restore takes 30 min; then an election.
    let quorum = sli(&result, "etcd.quorum");
    let mttr = quorum.mttr.unwrap().point;
    let restored = (90.0 + 300.0) + 30.0 * 60.0;
    assert!((restored..restored + 2.0).contains(&mttr), "{mttr}");
    // Without a backup and with nobody to rebuild (`recovery: none`), the
    // cluster stays down to the horizon.
    let none = run(&scenario(&yaml("recovery: none")), 0.95);
    assert_eq!(sli(&none, "etcd.quorum").mttr.unwrap().point, 3600.0);
}

#[test]
fn zone_outages_take_down_every_machine_in_the_zone() {
    let yaml = |zone_failures: &str| {
        format!(
            "horizon: 60d
replications: 16
zones: [a, b, c]
{zone_failures}
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: [a, b, c]
control_plane:
  topology: stacked
"
        )
    };
    let calm = run(&scenario(&yaml("")), 0.95);
    assert_eq!(sli(&calm, "etcd.quorum").outages, 0.0);
    let stormy = run(
        &scenario(&yaml(
            "zone_failures:
  - time_to_failure: { exponential: { mean: 5d } }
    time_to_repair: { exponential: { mean: 12h } }",
        )),
        0.95,
    );
    assert!(sli(&stormy, "etcd.quorum").outages > 0.0);
}

#[test]
fn min_outage_drops_short_outages_from_the_count() {
    let count = |min: &str| {
        let result = run(
            &scenario(&format!("min_outage: {min}\n{}", leader_crash(""))),
            0.95,
        );
        sli(&result, "etcd.leader").outages
    };
    assert_eq!(count("0s"), 40.0);
    assert_eq!(count("5s"), 0.0);
}

#[test]
fn warmup_is_not_measured() {
    let result = run(
        &scenario(&format!("warmup: 90m\n{}", leader_crash(""))),
        0.95,
    );
    assert_eq!(sli(&result, "controllers").outages, 0.0);
    assert_eq!(sli(&result, "controllers").availability.point, 1.0);
}
