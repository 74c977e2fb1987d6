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
