//! The failure causes control-plane postmortems name most often, each on a
//! timeline whose outages follow from the documented rules: certificate
//! expiry, etcd's space quota and slow disks, and process failures. Each
//! test derives its expectation (a timer sum or a closed form) and, where
//! it is random, checks it against the simulator's own interval.

use nines::experiment::{Recording, replicate};
use nines::model::cause_labels;
use nines::outcome::SliOutcome;
use nines::scenario::Scenario;

use crate::util::scenario;

const API_WRITE: usize = 0;
const API_READ: usize = 1;
const ETCD_QUORUM: usize = 2;
const ETCD_LEADER: usize = 3;
const CONTROLLERS: usize = 4;

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 24.0 * HOUR;

/// Three stacked control-plane machines that never fail, behind a direct
/// endpoint, with instant elections and lease takeovers unless `etcd` or
/// `extra_cp` say otherwise. `etcd` is the body of `control_plane.etcd`,
/// `extra_cp` more keys of `control_plane`, `extra` top-level keys.
fn cluster(horizon: &str, etcd: &str, extra_cp: &str, extra: &str) -> String {
    format!(
        "horizon: {horizon}
replications: 4
seed: 3
{extra}
machines:
  - name: cp
    role: control-plane
    count: 3
control_plane:
  topology: stacked
  etcd: {{ {etcd} }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
{extra_cp}"
    )
}

const INSTANT: &str = "heartbeat_interval: 0s, election_timeout: 0s";

/// The outages of an SLI in a replication.
fn outages(o: &SliOutcome) -> &[f64] {
    &o.outage_secs
}

#[track_caller]
fn assert_close(what: &str, seen: f64, expected: f64) {
    assert!(
        (seen - expected).abs() < 1e-3,
        "{what}: {seen} s, expected {expected} s"
    );
}

/// The share of `o`'s lost time charged to the cause labelled `label`.
fn charged_to(s: &Scenario, o: &SliOutcome, label: &str) -> f64 {
    let labels = cause_labels(s);
    let i = labels
        .iter()
        .position(|l| l == label)
        .unwrap_or_else(|| panic!("no cause `{label}` in {labels:?}"));
    o.lost_by_cause_secs.get(i).copied().unwrap_or(0.0)
}

// --- Certificate expiry ----------------------------------------------------

const CERTS_MANUAL: &str = "  certificates:
    renewal: manual
    alert_delay: 15m
    response: { fixed: 5m }
    renew: { fixed: 40m }
";

#[test]
fn unrenewed_certificates_take_the_api_down_at_expiry_for_the_human_response() {
    // Issued at the start, valid 365 days: the API goes at exactly 365 d
    // and comes back after alert + response + renewal = 15 + 5 + 40 min.
    // The renewed certificates last until 730 d + 1 h, past the horizon.
    let s = scenario(&cluster("700d", INSTANT, CERTS_MANUAL, ""));
    let expected = 15.0 * MINUTE + 5.0 * MINUTE + 40.0 * MINUTE;
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        for sli in [API_WRITE, API_READ, CONTROLLERS] {
            assert_eq!(outages(&o.slis[sli]).len(), 1, "{:?}", o.slis[sli]);
            assert_close("outage", o.slis[sli].outage_secs[0], expected);
            assert_close(
                "charged to the expiry",
                charged_to(&s, &o.slis[sli], "certificates expired"),
                expected,
            );
            assert_eq!(o.slis[sli].first_failure_secs, Some(365.0 * DAY));
        }
        // etcd itself keeps its quorum and leader.
        assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
        assert!(o.slis[ETCD_LEADER].outage_secs.is_empty());
    }
}

#[test]
fn certificates_expire_again_one_validity_after_each_renewal() {
    // 90-day certificates over 200 days: expiry at 90 d, renewed an hour
    // later, expiry again at 180 d + 1 h, renewed at 180 d + 2 h.
    let certs = CERTS_MANUAL.replace("renewal: manual", "renewal: manual\n    validity: 90d");
    let s = scenario(&cluster("200d", INSTANT, &certs, ""));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(o.slis[API_WRITE].outage_secs, [HOUR, HOUR]);
    assert_eq!(o.slis[API_WRITE].first_failure_secs, Some(90.0 * DAY));
    assert_close("lost", o.slis[API_WRITE].lost_secs, 2.0 * HOUR);
}

#[test]
fn upgrades_within_the_validity_renew_the_certificates() {
    // Quarterly control-plane upgrades renew them (kubeadm's default):
    // only the upgrades' planned downtime of single machines remains.
    let upgrade = "chaos:
  - name: quarterly-upgrade
    action: rolling-upgrade
    at: 80d
    every: 90d
    duration: 10m
";
    let certs = CERTS_MANUAL.replace("renewal: manual", "renewal: on-upgrade");
    let s = scenario(&cluster("700d", INSTANT, &certs, upgrade));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(
        charged_to(&s, &o.slis[API_WRITE], "certificates expired"),
        0.0
    );
    // Without the upgrades the same file loses the API at 365 d.
    let s = scenario(&cluster("700d", INSTANT, &certs, ""));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(o.slis[API_WRITE].outage_secs, [HOUR]);
    // Automated renewal: the certificates never expire, and the cause is
    // not even listed.
    let certs = CERTS_MANUAL.replace("renewal: manual", "renewal: auto");
    let s = scenario(&cluster("700d", INSTANT, &certs, ""));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert!(o.slis[API_WRITE].outage_secs.is_empty());
    assert!(!cause_labels(&s).iter().any(|l| l == "certificates expired"));
}

#[test]
fn the_certificate_renewal_borrows_the_people_block_and_has_documented_defaults() {
    use nines::scenario::CertificateRenewal;
    use nines::scenario::control_plane::{
        DEFAULT_CERTIFICATE_ALERT_DELAY, DEFAULT_CERTIFICATE_VALIDITY, DEFAULT_DISASTER_RESPONSE,
    };
    let s = scenario(&cluster("1y", INSTANT, "  certificates: {}\n", ""));
    let c = s.control_plane.certificates.as_ref().expect("a block");
    assert_eq!(c.renewal, CertificateRenewal::OnUpgrade);
    assert_eq!(c.validity, DEFAULT_CERTIFICATE_VALIDITY);
    assert_eq!(c.alert_delay, DEFAULT_CERTIFICATE_ALERT_DELAY);
    assert_eq!(
        c.response.mean_secs(),
        DEFAULT_DISASTER_RESPONSE.as_secs_f64()
    );
    let people = "people:\n  alert_delay: 2m\n  response: { fixed: 7m }\n";
    let s = scenario(&cluster("1y", INSTANT, "  certificates: {}\n", people));
    let c = s.control_plane.certificates.as_ref().expect("a block");
    assert_eq!(c.alert_delay.as_secs_f64(), 120.0);
    assert_eq!(c.response.mean_secs(), 420.0);
}

#[test]
fn bad_certificate_fields_are_located() {
    let text = cluster("1y", INSTANT, "  certificates:\n    renewal: yearly\n", "");
    let err = Scenario::parse(&text, "c.yaml", "c")
        .expect_err("invalid")
        .to_string();
    assert!(err.contains("c.yaml:15:"), "{err}");
    assert!(err.contains("renewal"), "{err}");
    assert!(err.contains("on-upgrade"), "{err}");
    let text = cluster("1y", INSTANT, "  certificates:\n    validity: 0s\n", "");
    let err = Scenario::parse(&text, "c.yaml", "c")
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("c.yaml:15:15: control_plane.certificates.validity: must be longer than zero"),
        "{err}"
    );
}

// --- etcd's space quota -------------------------------------------------------

/// A database 1 GiB below the 2 GiB default quota, growing 64 MiB a day:
/// full after exactly 16 days; the person paged after 2 min responds in 3
/// and cleans up in 55: one hour without writes, then 16 more days.
const DATABASE: &str =
    "database: { initial_size: 1Gi, growth_per_day: 64Mi, cleanup: { fixed: 55m } }";
const PEOPLE: &str = "people:\n  alert_delay: 2m\n  response: { fixed: 3m }\n";

#[test]
fn a_full_database_refuses_writes_until_a_person_cleans_up() {
    let etcd = format!("{INSTANT}, {DATABASE}");
    let s = scenario(&cluster("40d", &etcd, "", PEOPLE));
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        for sli in [API_WRITE, ETCD_LEADER, CONTROLLERS] {
            let w = &o.slis[sli];
            assert_eq!(w.outage_secs, [HOUR, HOUR], "{w:?}");
            assert_eq!(w.first_failure_secs, Some(16.0 * DAY));
            assert_close(
                "charged to NOSPACE",
                charged_to(&s, w, "etcd database full (NOSPACE)"),
                2.0 * HOUR,
            );
        }
        // Reads (and the quorum) are served throughout.
        assert!(o.slis[API_READ].outage_secs.is_empty());
        assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
    }
}

#[test]
fn compaction_keeps_the_history_out_of_the_quota() {
    // 1 GiB of room, 64 MiB/day of growth and 1 MiB of history per
    // 5-minute compaction interval (288 MiB/day): the file peaks 1 MiB above
    // the growth just before each compaction, so it reaches the quota
    // within the interval during which 64 MiB/day·t + 1 MiB crosses 1 GiB,
    // i.e. (1023 MiB / 64 MiB) days from the start, rounded down to the
    // compaction before, plus the time g + h needs from there.
    let etcd = format!(
        "{INSTANT}, database: {{ initial_size: 1Gi, growth_per_day: 64Mi, history_per_day: 288Mi, cleanup: {{ fixed: 55m }} }}"
    );
    let s = scenario(&cluster("20d", &etcd, "", PEOPLE));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let (g, h, c) = (64.0 / DAY, 288.0 / DAY, 5.0 * MINUTE);
    let compacted_at = ((1023.0 / 64.0 * DAY) / c).floor() * c;
    let expected = (1024.0 + h * compacted_at) / (g + h);
    let first = o.slis[API_WRITE].first_failure_secs.expect("an outage");
    assert!((first - expected).abs() < 1e-3, "{first} vs {expected}");
    assert!(first < 16.0 * DAY && first > 15.9 * DAY, "{first}");
    // Never compacted: everything written stays, so the quota is reached
    // at 1 GiB / (64 + 288) MiB a day.
    let etcd = etcd.replace(
        "history_per_day",
        "compaction_interval: 0s, history_per_day",
    );
    let s = scenario(&cluster("20d", &etcd, "", PEOPLE));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let first = o.slis[API_WRITE].first_failure_secs.expect("an outage");
    assert_close("never compacted", first, 1024.0 / (352.0 / DAY));
}

#[test]
fn bad_database_fields_are_located() {
    let etcd = "database: { initial_size: 3Gi, growth_per_day: 1Mi }";
    let err = Scenario::parse(&cluster("1y", etcd, "", ""), "d.yaml", "d")
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("d.yaml:11:37:") && err.contains("control_plane.etcd.database.initial_size"),
        "{err}"
    );
    assert!(err.contains("quota_backend_bytes"), "{err}");
    let etcd = "database: { initial_size: 1Gi, growth_per_day: lots }";
    let err = Scenario::parse(&cluster("1y", etcd, "", ""), "d.yaml", "d")
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("growth_per_day") && err.contains("512Mi"),
        "{err}"
    );
}

// --- Slow etcd disks ---------------------------------------------------------

#[test]
fn short_leader_disk_stalls_block_writes_for_their_length() {
    // Stalls of 0.5 s, shorter than any randomized election timeout
    // (at least 0.9 s at the default timers), never cost the leadership:
    // the leader's disk alternates between exponential 1-day runs and
    // 0.5 s stalls, so writes are unavailable d / (M + d) of the time.
    let etcd =
        "disk_stalls: { time_between: { exponential: { mean: 1d } }, duration: { fixed: 500ms } }";
    let mut s = scenario(&cluster("1y", etcd, "", ""));
    s.replications = 200;
    let result = crate::util::run(&s, 0.999);
    let leader = crate::util::sli(&result, "etcd.leader");
    let exact = 0.5 / (DAY + 0.5);
    let u = &leader.unavailability;
    crate::util::assert_within("etcd.leader unavailability", exact, u.ci.lower, u.ci.upper);
    // Every outage is one stall long.
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert!(!o.slis[ETCD_LEADER].outage_secs.is_empty());
    for &outage in &o.slis[ETCD_LEADER].outage_secs {
        assert_close("stall", outage, 0.5);
    }
    assert_close(
        "charged to the stall",
        charged_to(&s, &o.slis[ETCD_LEADER], "etcd leader disk stall"),
        o.slis[ETCD_LEADER].lost_secs,
    );
}

#[test]
fn long_leader_disk_stalls_cost_an_election() {
    // A 10 s stall outlasts every randomized timeout (1.0 to 1.9 s): the
    // first of the two followers to time out takes over. Its timeout is
    // the smaller of two whole-tick draws in [10, 19] (mean 12.85 ticks)
    // counted from the last heartbeat, up to one 100 ms tick before the
    // stall (mean 0.05 s): 1.235 s on average, between 0.9 and 1.9 s.
    let etcd =
        "disk_stalls: { time_between: { exponential: { mean: 1d } }, duration: { fixed: 10s } }";
    let mut s = scenario(&cluster("1y", etcd, "", ""));
    s.replications = 60;
    let outages: Vec<f64> = (0..s.replications)
        .flat_map(|i| {
            replicate(&s, s.seed, i, Recording::default())
                .slis
                .swap_remove(ETCD_LEADER)
                .outage_secs
        })
        .collect();
    assert!(outages.len() > 10_000, "{}", outages.len());
    // A leader stall while a follower's disk stalls too leaves no quorum
    // to elect: writes wait for a disk (up to 10 s). With 10 s stalls a
    // day apart that is about 2 x 10 s / 1 d = 0.02 % of the stalls.
    let (elections, blocked): (Vec<f64>, Vec<f64>) =
        outages.iter().partition(|&&o| (0.9..=1.9).contains(&o));
    assert!(blocked.len() * 1000 < outages.len(), "{blocked:?}");
    assert!(blocked.iter().all(|&o| o <= 10.0 + 1e-6), "{blocked:?}");
    let outages = elections;
    let n = outages.len() as f64;
    let mean = outages.iter().sum::<f64>() / n;
    let var = outages.iter().map(|o| (o - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = 4.0 * (var / n).sqrt();
    crate::util::assert_within(
        "mean election after a stall",
        1.235,
        mean - half,
        mean + half,
    );
}

// --- Process failures ------------------------------------------------------

/// One control-plane machine that never fails, behind a direct endpoint,
/// whose processes fail as `process_failures` says (a YAML list body),
/// and `extra` top-level keys.
fn single_with_processes(horizon: &str, process_failures: &str, extra: &str) -> String {
    format!(
        "horizon: {horizon}
replications: 4
seed: 5
machines:
  - name: cp
    role: control-plane
    count: 1
    process_failures:
{process_failures}
control_plane:
  topology: single
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
{extra}"
    )
}

#[test]
fn an_apiserver_crash_loop_backs_off_ten_seconds_doubling_to_five_minutes() {
    // It crashes one minute after every start (never the 10 minutes that
    // reset the back-off) and takes 5 s to start: outages are the back-off
    // (0, 10, 20, 40, 80, 160, then 300 s) plus the start-up.
    let s = scenario(&single_with_processes(
        "1h",
        "      - process: kube-apiserver
        time_to_failure: { fixed: 1m }
        startup: { fixed: 5s }",
        "",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let backoffs = [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0];
    let write = &o.slis[API_WRITE];
    for (i, backoff) in backoffs.iter().enumerate() {
        assert_close("outage", write.outage_secs[i], backoff + 5.0);
    }
    assert_close(
        "charged to the crash",
        charged_to(&s, write, "kube-apiserver crash"),
        write.outage_secs.iter().sum(),
    );
    // Reads need the apiserver too; etcd and its quorum are untouched.
    assert_eq!(o.slis[API_READ].outage_secs, write.outage_secs);
    assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
}

#[test]
fn an_apiserver_that_ran_ten_minutes_restarts_at_once() {
    // Every crash comes 20 minutes after the last start: the back-off has
    // been reset each time, so every outage is the start-up alone.
    let s = scenario(&single_with_processes(
        "6h",
        "      - process: kube-apiserver
        time_to_failure: { fixed: 20m }
        startup: { fixed: 7s }",
        "",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let write = &o.slis[API_WRITE].outage_secs;
    assert!(write.len() >= 15, "{write:?}");
    for outage in write {
        assert_close("outage", *outage, 7.0);
    }
}

#[test]
fn apiserver_crashes_give_the_alternating_renewal_availability() {
    // Times to failure uniform on [20 m, 100 m] (never under the 10 min
    // back-off reset: every restart is immediate), start-up exponential
    // with mean 45 s: an alternating renewal process, A = E[up] /
    // (E[up] + E[down]) = 60 m / (60 m + 45 s).
    let mut s = scenario(&single_with_processes(
        "30d",
        "      - process: kube-apiserver
        time_to_failure: { uniform: { min: 20m, max: 100m } }
        startup: { exponential: { mean: 45s } }",
        "",
    ));
    s.replications = 200;
    let result = crate::util::run(&s, 0.999);
    let a = crate::util::sli(&result, "api.write").availability;
    let exact = 3600.0 / (3600.0 + 45.0);
    crate::util::assert_within(
        "apiserver crash availability",
        exact,
        a.ci.lower,
        a.ci.upper,
    );
}

#[test]
fn a_hung_apiserver_is_restarted_after_kubeadms_liveness_probe_gives_up() {
    // kubeadm probes /livez every 10 s and gives up after 8 failures: the
    // hang is noticed 70 to 80 s after it starts (the first failed probe
    // falls uniformly within a period), then restarted at once (5 s start).
    let s = scenario(&single_with_processes(
        "10h",
        "      - process: kube-apiserver
        kind: hang
        time_to_failure: { fixed: 1h }
        startup: { fixed: 5s }",
        "",
    ));
    let mut outages = Vec::new();
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        let write = &o.slis[API_WRITE];
        assert_close(
            "charged to the hang",
            charged_to(&s, write, "kube-apiserver hang"),
            write.outage_secs.iter().sum(),
        );
        outages.extend(write.outage_secs.iter().copied());
    }
    assert!(outages.len() >= 4 * 9, "{outages:?}");
    for outage in &outages {
        assert!((75.0..=85.0).contains(outage), "{outages:?}");
    }
    // Uniform phase: the mean is 80 s, within the 99.9 % interval.
    let (mean, half) = crate::util::mean_ci(&outages);
    assert!((mean - 80.0).abs() <= half, "mean {mean} ± {half}");
}

#[test]
fn a_controller_manager_crash_hands_the_lease_to_another_instance() {
    // Three stacked machines; the leader's (the first machine's)
    // kube-controller-manager crashes at 1 h and stays down (a long
    // start-up). With instant lease timers
    // another instance takes over at once: `controllers` never goes down,
    // while the apiservers and etcd are untouched.
    let text = cluster("3h", INSTANT, "", "").replace(
        "  - name: cp\n    role: control-plane\n    count: 3\n",
        "  - name: cp-leader
    role: control-plane
    count: 1
    process_failures:
      - process: kube-controller-manager
        time_to_failure: { fixed: 1h }
        startup: { fixed: 10h }
  - name: cp
    role: control-plane
    count: 2
",
    );
    let s = scenario(&text);
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert!(o.slis[CONTROLLERS].outage_secs.is_empty());
    assert!(o.slis[API_WRITE].outage_secs.is_empty());
    // Without a standby (one machine), controllers are down from the crash
    // until the start-up is over, charged to the crash.
    let s = scenario(&single_with_processes(
        "2h",
        "      - process: kube-controller-manager
        time_to_failure: { fixed: 1h }
        startup: { fixed: 30m }",
        "",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(o.slis[CONTROLLERS].outage_secs.len(), 1);
    assert_close("outage", o.slis[CONTROLLERS].outage_secs[0], 1800.0);
    assert_close(
        "charged",
        charged_to(&s, &o.slis[CONTROLLERS], "kube-controller-manager crash"),
        1800.0,
    );
    assert!(o.slis[API_WRITE].outage_secs.is_empty());
}

#[test]
fn a_stacked_etcd_crash_on_one_of_three_members_keeps_quorum() {
    // etcd crashes on every machine at 1 h (fixed clocks) and takes 10 s to
    // start: all three are down together, quorum is lost for those 10 s.
    // With only one machine's mode (the first group of two, one
    // process-free machine group) quorum holds.
    let text = cluster("2h", INSTANT, "", "").replace(
        "    count: 3\n",
        "    count: 3
    process_failures:
      - process: etcd
        time_to_failure: { fixed: 1h }
        startup: { fixed: 10s }
",
    );
    let s = scenario(&text);
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert_eq!(o.slis[ETCD_QUORUM].outage_secs.len(), 1);
    assert_close("quorum outage", o.slis[ETCD_QUORUM].outage_secs[0], 10.0);
    assert_close(
        "charged",
        charged_to(&s, &o.slis[ETCD_QUORUM], "etcd crash"),
        10.0,
    );
    let text = cluster("2h", INSTANT, "", "").replace(
        "  - name: cp\n    role: control-plane\n    count: 3\n",
        "  - name: cp\n    role: control-plane\n    count: 2
  - name: cp-flaky
    role: control-plane
    count: 1
    process_failures:
      - process: etcd
        time_to_failure: { fixed: 1h }
        startup: { fixed: 10s }
",
    );
    let o = replicate(&scenario(&text), 3, 0, Recording::default());
    assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
    assert!(o.slis[ETCD_LEADER].outage_secs.len() <= 1);
}

/// A single control plane and two workers, one replica pinned to the
/// second (a spare node keeps the zone from being fully disrupted, which
/// would stop evictions); the pinned worker's `process` fails at 1 h and is back after systemd's restart delay plus
/// 10 minutes of start-up. Node timers without jitter: renewals are
/// continuous, the node monitor checks continuously.
fn worker_process(process: &str) -> String {
    format!(
        "horizon: 2h
replications: 2
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: spare
    role: worker
    count: 1
    allocatable: {{ cpu: 2, memory: 4Gi }}
  - name: node
    role: worker
    count: 1
    allocatable: {{ cpu: 2, memory: 4Gi }}
    process_failures:
      - process: {process}
        time_to_failure: {{ fixed: 1h }}
        startup: {{ fixed: 10m }}
control_plane:
  topology: single
node_lifecycle: {{ monitor_period: 0s, lease_renew_interval: 0s }}
workloads:
  - name: app
    replicas: 1
    node_group: node
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ fixed: 20s }}
"
    )
}

/// When the first trace entry of `kind` happened.
fn first(o: &nines::model::ReplicationOutcome, kind: &str) -> f64 {
    o.trace
        .iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in the trace"))
        .time_seconds
}

#[test]
fn a_dead_kubelet_leaves_its_pods_serving_until_the_node_is_marked_not_ready() {
    // Kubelet dies at 3600 s; its lease stops; NotReady after exactly the
    // 50 s grace (3650 s), when the pod leaves the endpoints; tainted at
    // once (a lone failed node), evicted after the 300 s toleration
    // (3950 s); the replacement has no other node and waits for the
    // kubelet: back after RestartSec 10 s + 600 s (4210 s), node Ready,
    // the replacement starts in 20 s.
    let s = scenario(&worker_process("kubelet"));
    let o = replicate(&s, s.seed, 0, Recording::TRACE);
    assert_close("kubelet fails", first(&o, "process-failed"), 3600.0);
    assert_close("NotReady", first(&o, "node-not-ready"), 3650.0);
    assert_close("tainted", first(&o, "node-tainted"), 3650.0);
    assert_close("evicted", first(&o, "pod-evicted"), 3950.0);
    assert_close("kubelet restarted", first(&o, "process-restarted"), 3610.0);
    assert_close("kubelet back", first(&o, "process-started"), 4210.0);
    // The workload was down from NotReady to the replacement's start.
    let ready = &o.slis[6];
    assert_eq!(ready.outage_secs.len(), 1, "{ready:?}");
    assert_close("outage", ready.outage_secs[0], 4230.0 - 3650.0);
    assert_close(
        "charged",
        charged_to(&s, ready, "kubelet crash"),
        4230.0 - 3650.0,
    );
}

#[test]
fn a_kubelet_back_before_the_eviction_relists_the_running_pod() {
    // Back after 10 s + 2 min: NotReady at 3650 s, Ready again at 3730 s;
    // the container kept running, so it serves again at once.
    let s = scenario(&worker_process("kubelet").replace("fixed: 10m", "fixed: 2m"));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let ready = &o.slis[6];
    assert_eq!(ready.outage_secs.len(), 1, "{ready:?}");
    assert_close("outage", ready.outage_secs[0], 3730.0 - 3650.0);
}

#[test]
fn a_dead_container_runtime_stops_the_pods_at_once() {
    // The runtime dies at 3600 s: the container stops then (not at
    // NotReady); systemd restarts the runtime after 5 s, it starts in
    // 2 min (3725 s), and the pod restarts in 20 s.
    let s = scenario(&worker_process("container-runtime").replace("fixed: 10m", "fixed: 2m"));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let ready = &o.slis[6];
    assert_eq!(ready.outage_secs.len(), 1, "{ready:?}");
    assert_close("outage", ready.outage_secs[0], 3745.0 - 3600.0);
    assert_close(
        "charged",
        charged_to(&s, ready, "container-runtime crash"),
        3745.0 - 3600.0,
    );
}

#[test]
fn static_pods_keep_running_without_a_kubelet_but_are_not_restarted() {
    // The kubelet dies at 1 h and is back at 1 h + 10 s + 30 min; the
    // apiserver crashes at 1 h 10 min, while nobody can restart it: it is
    // down until the kubelet is back (restarted at once, 5 s start-up).
    let s = scenario(&single_with_processes(
        "3h",
        "      - process: kubelet
        time_to_failure: { fixed: 1h }
        startup: { fixed: 30m }
      - process: kube-apiserver
        time_to_failure: { fixed: 70m }
        startup: { fixed: 5s }",
        "",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let write = &o.slis[API_WRITE].outage_secs;
    assert_close("first outage", write[0], 3610.0 + 1800.0 + 5.0 - 4200.0);
}

#[test]
fn bad_process_failures_are_located() {
    let err = Scenario::parse(
        "machines:
  - name: cp
    role: control-plane
    count: 1
  - name: node
    role: worker
    count: 1
    allocatable: { cpu: 2, memory: 4Gi }
    process_failures:
      - process: kube-apiserver
        time_to_failure: { fixed: 1h }
      - process: kubelet
        kind: hang
        time_to_failure: { fixed: 1h }
      - process: kube-proxy
        time_to_failure: { fixed: 1h }
control_plane:
  topology: single
",
        "p.yaml",
        "p",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("p.yaml:15"), "{err}");
    assert!(err.contains("unknown variant `kube-proxy`"), "{err}");
    let err = Scenario::parse(
        "machines:
  - name: cp
    role: control-plane
    count: 1
  - name: node
    role: worker
    count: 1
    allocatable: { cpu: 2, memory: 4Gi }
    process_failures:
      - process: kube-apiserver
        time_to_failure: { fixed: 1h }
      - process: kubelet
        kind: hang
        time_to_failure: { fixed: 0s }
  - name: etcd
    role: etcd
    count: 3
control_plane:
  topology: external
",
        "p.yaml",
        "p",
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "p.yaml:10",
        "machines[1].process_failures[0].process",
        "does not run kube-apiserver; it runs kubelet, container-runtime",
        "machines[1].process_failures[1].kind",
        "restarted by systemd",
        "machines[1].process_failures[1].time_to_failure",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    let err = Scenario::parse(
        "machines:
  - name: cp
    role: control-plane
    count: 3
    process_failures:
      - process: etcd
        time_to_failure: { fixed: 1h }
  - name: etcd
    role: etcd
    count: 3
control_plane:
  topology: external
",
        "p.yaml",
        "p",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("machines[0].process_failures[0].process"),
        "{err}"
    );
    assert!(err.contains("topology single or stacked"), "{err}");
}

// --- Scheduled upgrades ----------------------------------------------------

/// Three stacked control-plane machines with etcd's and client-go's
/// default timers, and `upgrades` (a YAML block).
fn upgraded(horizon: &str, upgrades: &str) -> String {
    format!(
        "horizon: {horizon}
replications: 3
seed: 8
machines:
  - name: cp
    role: control-plane
    count: 3
control_plane:
  topology: stacked
  endpoint: {{ type: direct }}
{upgrades}"
    )
}

#[test]
fn control_plane_upgrades_happen_exactly_on_their_schedule() {
    // First at 10 d, then every 30 d: 10, 40, 70 d within 95 d; each
    // takes cp[0], cp[1], cp[2] down 10 minutes each, in turn.
    let s = scenario(&upgraded(
        "95d",
        "upgrades:
  control_plane: { at: 10d, every: 30d, per_machine: 10m }
",
    ));
    let o = replicate(&s, s.seed, 0, Recording::TRACE);
    let times = |kind: &str| -> Vec<f64> {
        o.trace
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.time_seconds)
            .collect()
    };
    let starts: Vec<f64> = [10.0, 40.0, 70.0].iter().map(|d| d * DAY).collect();
    assert_eq!(times("chaos-started"), starts);
    let advances: Vec<f64> = starts
        .iter()
        .flat_map(|s| [1.0, 2.0].map(|k| s + k * 10.0 * MINUTE))
        .collect();
    assert_eq!(times("upgrade-advanced"), advances);
    let finished: Vec<f64> = starts.iter().map(|s| s + 30.0 * MINUTE).collect();
    assert_eq!(times("upgrade-finished"), finished);
    // Without `at`, the first upgrade is one period in.
    let s = scenario(&upgraded(
        "100d",
        "upgrades:
  control_plane: { every: 30d, per_machine: 10m }
",
    ));
    let o = replicate(&s, s.seed, 0, Recording::TRACE);
    let first = o.trace.iter().find(|e| e.kind == "chaos-started").unwrap();
    assert_eq!(first.time_seconds, 30.0 * DAY);
}

#[test]
fn a_stacked_control_plane_upgraded_one_machine_at_a_time_keeps_quorum() {
    // Quorum holds throughout (2 of 3 members up). The upgrades cost only
    // the etcd elections when the leader's machine goes (the randomized
    // election timeout, 1.0 to 1.9 s from the last heartbeat, at most
    // 100 ms before) and the lease takeovers when a lease holder's goes:
    // at least the 15 s lease duration after the last renewal (at most a
    // 2 s retry period before the crash), at most 15 s after a
    // candidate's first poll after the crash plus one more jittered poll
    // (2 × 2.2 s each): 13 to 23.8 s; and, as nothing can write during an
    // election, `controllers` also loses the elections' gaps. All charged
    // to the planned upgrade.
    let s = scenario(&upgraded(
        "200d",
        "upgrades:
  control_plane: { every: 30d, per_machine: 10m }
",
    ));
    let label = "planned control-plane upgrade";
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        assert!(o.slis[ETCD_QUORUM].outage_secs.is_empty());
        let elections = &o.slis[ETCD_LEADER].outage_secs;
        assert!(
            !elections.is_empty() && elections.len() <= 6 * 3,
            "{elections:?}"
        );
        for gap in elections {
            assert!((0.9..=1.9).contains(gap), "election {gap} s");
        }
        let takeovers = &o.slis[CONTROLLERS].outage_secs;
        assert!(!takeovers.is_empty() && takeovers.len() <= 6 * 3);
        for gap in takeovers {
            // No writes during an election either: a leader that cannot
            // write does not lead.
            let election = (0.9..=1.9).contains(gap);
            assert!(election || (13.0..=23.8).contains(gap), "gap {gap} s");
        }
        for sli in [ETCD_LEADER, CONTROLLERS] {
            let lost: f64 = o.slis[sli].outage_secs.iter().sum();
            assert_close("charged", charged_to(&s, &o.slis[sli], label), lost);
        }
    }
}

/// Four workers; three web replicas, one per node, whose budget allows
/// one unavailable; the workers are upgraded one node at a time, drained
/// first, from 1 h.
fn worker_upgrade(pdb: &str) -> String {
    format!(
        "horizon: 1d
replications: 2
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 4
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    anti_affinity: required
    startup: {{ deterministic: 20s }}
    up: {{ min-ready: 2 }}
    {pdb}
upgrades:
  workers: {{ at: 1h, every: 1d, per_node: 30m }}
"
    )
}

#[test]
fn a_worker_upgrade_respects_the_disruption_budget() {
    // Each node with a pod is drained only while all three pods are ready:
    // one pod at a time is replaced (20 s start-up), so `ready` (two
    // pods) never goes down and `full` is down 20 s per evicted pod.
    let s = scenario(&worker_upgrade("pdb: { min_available: 2 }"));
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::TRACE);
        assert!(o.slis[6].outage_secs.is_empty(), "{:?}", o.slis[6]);
        let full = &o.slis[8].outage_secs;
        assert!(!full.is_empty() && full.len() <= 4, "{full:?}");
        for outage in full {
            assert_close("replacement start-up", *outage, 20.0);
        }
        let lost: f64 = full.iter().sum();
        assert_close(
            "charged",
            charged_to(&s, &o.slis[8], "planned worker upgrade"),
            lost,
        );
        // Every node was taken down in turn, 30 minutes each.
        let done = o
            .trace
            .iter()
            .filter(|e| e.kind == "drain-maintenance-done")
            .count();
        assert_eq!(done, 4);
    }
    // A budget that allows nothing blocks the upgrade at the first node
    // with a pod.
    let s = scenario(&worker_upgrade("pdb: { min_available: 3 }"));
    let o = replicate(&s, s.seed, 0, Recording::default());
    assert!(o.slis[8].outage_secs.is_empty());
}

#[test]
fn bad_upgrades_are_located() {
    let err = Scenario::parse(
        &upgraded(
            "1y",
            "upgrades:
  control_plane: { every: 20m, per_machine: 10m }
  workers: { every: 0s, per_node: 5m }
",
        ),
        "u.yaml",
        "u",
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "u.yaml:12",
        "upgrades.control_plane.every",
        "3 × per_machine = 30m",
        "upgrades.workers",
        "no worker nodes",
        "upgrades.workers.every: must be longer than zero",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
}
