//! etcd disaster recovery: people notice a disaster (a majority of members
//! lost their data), respond, take a repair crew, then restore from the
//! last snapshot or rebuild; `recovery: none` keeps the old behaviour.
//! Timelines are deterministic; the statistical check uses the simulator's
//! own confidence interval.

use nines::dist::Distribution;
use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::outcome::SliOutcome;
use nines::scenario::control_plane::{
    DEFAULT_DISASTER_ALERT_DELAY, DEFAULT_DISASTER_RESPONSE, DEFAULT_ETCD_REBUILD_MEDIAN,
    DEFAULT_ETCD_REBUILD_P99,
};
use nines::scenario::{OperatorRecovery, Recovery, Scenario};

use crate::util::{assert_within, run, scenario, sli};

const API_WRITE: usize = 0;
const ETCD_QUORUM: usize = 2;

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 24.0 * HOUR;
/// The disaster's instant in [`disaster`]: cp-c loses its disk 30 s after
/// cp-b did, while cp-b (back after a minute) has not re-synced.
const DISASTER_AT: f64 = 10.0 * DAY + 30.0;
/// The horizon of [`disaster`].
const HORIZON: f64 = 15.0 * DAY;
/// The randomized part of an election after quorum returns, at etcd's
/// default timers: at most 2E - 1 ticks = 1.9 s.
const ELECTION_MAX: f64 = 1.9;

/// A 3-member stacked control plane with a `direct` endpoint on cp-a, which
/// never fails. cp-b loses its disk at 10d and cp-c at 10d + 30s; both are
/// back a minute later (and fail again only after the 15-day horizon). So
/// every replication has exactly one disaster, at [`DISASTER_AT`], and
/// every SLI goes down with it. `etcd` is the body of `control_plane.etcd`
/// (after `{`), `extra` is added at the top level (people, workers).
fn disaster(etcd: &str, extra: &str, replications: u64) -> String {
    format!(
        "horizon: 15d
replications: {replications}
seed: 11
{extra}
machines:
  - name: cp-a
    role: control-plane
    count: 1
  - name: cp-b
    role: control-plane
    count: 1
    failures:
      - name: disk
        time_to_failure: {{ fixed: 10d }}
        time_to_repair: {{ fixed: 1m }}
        loses_disk: true
  - name: cp-c
    role: control-plane
    count: 1
    failures:
      - name: disk
        time_to_failure: {{ fixed: 14400.5m }}
        time_to_repair: {{ fixed: 1m }}
        loses_disk: true
control_plane:
  topology: stacked
  etcd: {{ {etcd} }}
  endpoint: {{ type: direct }}
  leader_election: {{ lease_duration: 0s, renew_deadline: 0s, retry_period: 0s }}
"
    )
}

/// Instant elections, so outages are exactly the recovery's length.
const INSTANT: &str = "heartbeat_interval: 0s, election_timeout: 0s, ";

/// The one outage of an SLI in a replication.
#[track_caller]
fn only_outage(o: &SliOutcome) -> f64 {
    assert_eq!(o.outage_secs.len(), 1, "{o:?}");
    o.outage_secs[0]
}

#[track_caller]
fn assert_close(what: &str, seen: f64, expected: f64) {
    assert!(
        (seen - expected).abs() < 1e-3,
        "{what}: {seen} s, expected {expected} s"
    );
}

#[test]
fn a_disaster_without_backup_lasts_alert_response_and_rebuild() {
    let recovery = "recovery: { alert_delay: 3m, response: { fixed: 5m }, rebuild: { fixed: 2h } }";
    let expected = 3.0 * MINUTE + 5.0 * MINUTE + 2.0 * HOUR;
    // Instant elections: the outage is exactly alert + response + rebuild.
    let exact = scenario(&disaster(&format!("{INSTANT}{recovery}"), "", 4));
    for index in 0..exact.replications {
        let o = replicate(&exact, exact.seed, index, Recording::default());
        assert_close(
            "etcd.quorum outage",
            only_outage(&o.slis[ETCD_QUORUM]),
            expected,
        );
        assert_close(
            "api.write outage",
            only_outage(&o.slis[API_WRITE]),
            expected,
        );
        // Every write since the cluster was built is lost.
        assert_eq!(o.data_losses_secs, [DISASTER_AT]);
    }
    // etcd's default timers add the election after the rebuild: a random
    // part of one randomized timeout.
    let timed = scenario(&disaster(recovery, "", 40));
    for index in 0..timed.replications {
        let o = replicate(&timed, timed.seed, index, Recording::default());
        let outage = only_outage(&o.slis[ETCD_QUORUM]);
        assert!(
            (expected..=expected + ELECTION_MAX).contains(&outage),
            "alert + response + rebuild + election: {outage}"
        );
    }
}

#[test]
fn recovery_none_keeps_the_old_behaviour() {
    // People and a busy crew are there, but `none` uses neither.
    let people = "people: { crews: 1, alert_delay: 1h, response: { fixed: 1h } }";
    // Without a backup the cluster stays down to the horizon.
    let never = scenario(&disaster(&format!("{INSTANT}recovery: none"), people, 2));
    for index in 0..never.replications {
        let o = replicate(&never, never.seed, index, Recording::default());
        assert_close(
            "down to the horizon",
            only_outage(&o.slis[ETCD_QUORUM]),
            HORIZON - DISASTER_AT,
        );
        assert_eq!(o.data_losses_secs, [DISASTER_AT]);
    }
    // With a backup the restore starts at the disaster: 30 min, no people.
    let backup = "backup: { interval: 1h, restore: { fixed: 30m } }";
    let at_once = scenario(&disaster(
        &format!("{INSTANT}{backup}, recovery: none"),
        people,
        4,
    ));
    for index in 0..at_once.replications {
        let o = replicate(&at_once, at_once.seed, index, Recording::default());
        assert_close(
            "restore only",
            only_outage(&o.slis[ETCD_QUORUM]),
            30.0 * MINUTE,
        );
        let trace = replicate(&at_once, at_once.seed, index, Recording::TRACE).trace;
        let kinds: Vec<&str> = trace.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"etcd-restored"), "{kinds:?}");
        assert!(
            !kinds
                .iter()
                .any(|k| k.starts_with("etcd-recovery") || *k == "etcd-disaster-alerted"),
            "no people in the loop: {kinds:?}"
        );
    }
}

#[test]
fn backups_lose_the_writes_since_the_snapshot_a_rebuild_loses_everything() {
    let recovery = "recovery: { alert_delay: 3m, response: { fixed: 5m }, rebuild: { fixed: 2h } }";
    let backup = "backup: { interval: 1h, restore: { fixed: 30m } }";
    let restored = scenario(&disaster(&format!("{INSTANT}{backup}"), "", 200));
    let rebuilt = scenario(&disaster(&format!("{INSTANT}{recovery}"), "", 4));
    let mut lost = Vec::new();
    for index in 0..restored.replications {
        let o = replicate(&restored, restored.seed, index, Recording::default());
        // People first (the default alert delay and response), then the
        // restore: the backup changes what is lost and how long it takes.
        let people =
            DEFAULT_DISASTER_ALERT_DELAY.as_secs_f64() + DEFAULT_DISASTER_RESPONSE.as_secs_f64();
        assert_close(
            "alert + response + restore",
            only_outage(&o.slis[ETCD_QUORUM]),
            people + 30.0 * MINUTE,
        );
        assert_eq!(o.data_losses_secs.len(), 1);
        let since_snapshot = o.data_losses_secs[0];
        assert!(
            (0.0..HOUR).contains(&since_snapshot),
            "writes since the last hourly snapshot: {since_snapshot}"
        );
        lost.push(since_snapshot);
    }
    // The snapshot's phase is random per lifetime: on average half an
    // interval is lost.
    let mean = lost.iter().sum::<f64>() / lost.len() as f64;
    assert!((0.4 * HOUR..0.6 * HOUR).contains(&mean), "{mean}");
    for index in 0..rebuilt.replications {
        let o = replicate(&rebuilt, rebuilt.seed, index, Recording::default());
        assert_eq!(o.data_losses_secs, [DISASTER_AT], "everything is lost");
    }
}

/// [`disaster`] plus two worker machines repaired by hand, 3 h each, with
/// `crews` crews: `early` fails 1 h before the disaster, `late` 10 min
/// after it (both after the recovery is requested, in `late`'s case).
fn with_workers(crews: &str) -> String {
    let people = format!("people: {{ {crews} alert_delay: 0s }}");
    let yaml = disaster(
        &format!(
            "{INSTANT}recovery: {{ alert_delay: 3m, response: {{ fixed: 5m }}, rebuild: {{ fixed: 2h }} }}"
        ),
        &people,
        2,
    );
    yaml.replace(
        "control_plane:\n",
        "  - name: early
    role: worker
    count: 1
    allocatable: { cpu: 4, memory: 16Gi }
    failures:
      - { name: hw, ttf: { fixed: 239h }, ttr: { fixed: 3h }, repair: manual }
  - name: late
    role: worker
    count: 1
    allocatable: { cpu: 4, memory: 16Gi }
    failures:
      - { name: hw, ttf: { fixed: 14410m }, ttr: { fixed: 3h }, repair: manual }
control_plane:\n",
    )
}

/// When each kind of trace line with `detail` first appears, in seconds.
fn first(trace: &[nines::model::TraceEntry], kind: &str, detail: &str) -> f64 {
    trace
        .iter()
        .find(|e| e.kind == kind && e.detail.starts_with(detail))
        .unwrap_or_else(|| panic!("no {kind} {detail} in the trace"))
        .time_seconds
}

#[test]
fn busy_crews_delay_the_recovery_which_then_holds_its_crew() {
    let requested = DISASTER_AT + 8.0 * MINUTE;
    // Unlimited crews: the rebuild starts when the on-call engineer asks.
    let free = scenario(&with_workers(""));
    let o = replicate(&free, free.seed, 0, Recording::default());
    assert_close(
        "no wait for a crew",
        only_outage(&o.slis[ETCD_QUORUM]),
        requested + 2.0 * HOUR - DISASTER_AT,
    );
    // One crew, busy with `early` until 10d + 2h: the recovery waits for
    // it, then holds it for the 2 h rebuild, while `late` (requested after
    // the recovery) waits its turn in the same FIFO queue.
    let one = scenario(&with_workers("crews: 1,"));
    let o = replicate(&one, one.seed, 0, Recording::TRACE);
    let early_done = 10.0 * DAY + 2.0 * HOUR;
    assert_close(
        "waits for the crew",
        only_outage(&o.slis[ETCD_QUORUM]),
        early_done + 2.0 * HOUR - DISASTER_AT,
    );
    let trace = &o.trace;
    assert_close(
        "requested",
        first(trace, "etcd-recovery-requested", ""),
        requested,
    );
    assert_close(
        "started with the freed crew",
        first(trace, "etcd-recovery-started", "rebuild"),
        early_done,
    );
    assert_close(
        "late's repair follows the rebuild",
        first(trace, "machine-repaired", "late[0]"),
        early_done + 2.0 * HOUR + 3.0 * HOUR,
    );
    // Two crews: the second one takes the recovery at once.
    let two = scenario(&with_workers("crews: 2,"));
    let o = replicate(&two, two.seed, 0, Recording::default());
    assert_close(
        "a free second crew",
        only_outage(&o.slis[ETCD_QUORUM]),
        requested + 2.0 * HOUR - DISASTER_AT,
    );
}

#[test]
fn the_trace_shows_the_recovery_and_charges_it_to_the_disaster() {
    let s = scenario(&disaster(
        "recovery: { alert_delay: 3m, response: { fixed: 5m }, rebuild: { fixed: 2h } }",
        "",
        2,
    ));
    let trace = replicate(&s, s.seed, 0, Recording::TRACE).trace;
    let steps: Vec<(&str, f64)> = [
        "etcd-disaster",
        "etcd-disaster-alerted",
        "etcd-recovery-requested",
        "etcd-recovery-started",
        "etcd-rebuilt",
    ]
    .iter()
    .map(|&kind| (kind, first(&trace, kind, "")))
    .collect();
    let expected = [
        DISASTER_AT,
        DISASTER_AT + 3.0 * MINUTE,
        DISASTER_AT + 8.0 * MINUTE,
        DISASTER_AT + 8.0 * MINUTE,
        DISASTER_AT + 8.0 * MINUTE + 2.0 * HOUR,
    ];
    for ((kind, at), want) in steps.iter().zip(expected) {
        assert_close(kind, *at, want);
    }
    let disaster = trace
        .iter()
        .find(|e| e.kind == "etcd-disaster")
        .expect("disaster line");
    assert_eq!(
        disaster.detail,
        "1 of 3 members hold data; alerting; no backup: rebuild"
    );
    // Every SLI that went down did so at the disaster, charged to it, and
    // came back only after the rebuild (and the election).
    let label = "etcd disaster (majority of disks lost)";
    let sli_lines: Vec<_> = trace.iter().filter(|e| e.kind == "sli").collect();
    let down: Vec<_> = sli_lines
        .iter()
        .filter(|e| e.detail.ends_with("-> 0.000"))
        .collect();
    assert!(!down.is_empty());
    for line in &down {
        assert_eq!(line.time_seconds, DISASTER_AT, "{line:?}");
        assert_eq!(line.cause, label, "{line:?}");
    }
    let rebuilt = DISASTER_AT + 8.0 * MINUTE + 2.0 * HOUR;
    assert!(
        sli_lines
            .iter()
            .filter(|e| e.detail.ends_with("-> 1.000"))
            .all(|e| e.time_seconds >= rebuilt),
        "{sli_lines:?}"
    );
    // The report charges the whole outage to the disaster.
    let result = run(&s, 0.95);
    for name in ["api.write", "etcd.quorum", "controllers"] {
        let causes = &sli(&result, name).downtime_by_cause;
        assert_eq!(causes.len(), 1, "{name}: {causes:?}");
        assert_eq!(causes[0].cause, label);
    }
}

#[test]
fn the_mean_disaster_downtime_is_alert_plus_mean_response_plus_mean_rebuild() {
    // Random response and rebuild (exponential), a fixed alert delay and
    // instant elections: every replication has one disaster at a known
    // time, whose outage lasts alert + response + rebuild, so its mean is
    // 2 min + 10 min + 3 h exactly.
    let s = scenario(&disaster(
        &format!(
            "{INSTANT}recovery: {{ alert_delay: 2m, response: {{ exponential: {{ mean: 10m }} }}, rebuild: {{ exponential: {{ mean: 3h }} }} }}"
        ),
        "",
        4000,
    ));
    let result = run(&s, 0.999);
    let mean_outage = 2.0 * MINUTE + 10.0 * MINUTE + 3.0 * HOUR;
    for name in ["etcd.quorum", "api.write"] {
        let summary = sli(&result, name);
        let mttr = summary.mttr.as_ref().expect("one outage per replication");
        assert_within(
            &format!("{name} MTTR (s)"),
            mean_outage,
            mttr.ci.lower,
            mttr.ci.upper,
        );
        let a = &summary.availability;
        assert_within(
            &format!("{name} availability"),
            1.0 - mean_outage / HORIZON,
            a.ci.lower,
            a.ci.upper,
        );
    }
}

/// The `recovery` a scenario ends up with.
fn recovery_of(etcd: &str, extra: &str) -> OperatorRecovery {
    match scenario(&disaster(etcd, extra, 2))
        .control_plane
        .etcd
        .recovery
    {
        Recovery::Operator(r) => r,
        Recovery::None => panic!("operator-driven recovery expected"),
    }
}

fn minutes(m: u64) -> SimDuration {
    SimDuration::from_secs(m * 60)
}

#[test]
fn recovery_delays_come_from_the_block_then_people_then_the_defaults() {
    let defaults = recovery_of("", "");
    assert_eq!(defaults.alert_delay, DEFAULT_DISASTER_ALERT_DELAY);
    assert_eq!(defaults.alert_delay, SimDuration::from_secs(90));
    assert_eq!(
        defaults.response,
        Distribution::deterministic(DEFAULT_DISASTER_RESPONSE)
    );
    assert_eq!(DEFAULT_DISASTER_RESPONSE, minutes(5));
    assert_eq!(
        defaults.rebuild,
        Distribution::log_normal(DEFAULT_ETCD_REBUILD_MEDIAN, DEFAULT_ETCD_REBUILD_P99)
            .expect("valid")
    );
    // A 4 h median and a 1 d p99: a mean of about 5.4 h.
    assert!((5.3..5.5).contains(&(defaults.rebuild.mean_secs() / HOUR)));
    // `people` lends what it writes; an empty recovery block is the same
    // as none.
    let people = "people: { alert_delay: 10m, response: { fixed: 20m } }";
    for etcd in ["", "recovery: {}"] {
        let lent = recovery_of(etcd, people);
        assert_eq!(lent.alert_delay, minutes(10));
        assert_eq!(lent.response, Distribution::deterministic(minutes(20)));
    }
    // A people block that writes neither lends nothing.
    let crews_only = recovery_of("", "people: { crews: 2 }");
    assert_eq!(crews_only.alert_delay, DEFAULT_DISASTER_ALERT_DELAY);
    assert_eq!(crews_only.response, defaults.response);
    // The recovery block wins.
    let own = recovery_of(
        "recovery: { alert_delay: 1m, response: { fixed: 2m }, rebuild: { fixed: 3h } }",
        people,
    );
    assert_eq!(own.alert_delay, minutes(1));
    assert_eq!(own.response, Distribution::deterministic(minutes(2)));
    assert_eq!(own.rebuild, Distribution::deterministic(minutes(180)));
    // `none` is `none`.
    assert!(matches!(
        scenario(&disaster("recovery: none", people, 2))
            .control_plane
            .etcd
            .recovery,
        Recovery::None
    ));
}

/// Asserts that `etcd` is refused with a problem located on the line of
/// the scenario containing `needle`, naming `field`, saying every one of
/// `says`.
#[track_caller]
fn refused(etcd: &str, needle: &str, field: &str, says: &[&str]) {
    let text = disaster(etcd, "", 2).replace(
        &format!("  etcd: {{ {etcd} }}\n"),
        &format!("  etcd:\n{etcd}\n"),
    );
    let err = Scenario::parse(&text, "<test>", "test").expect_err("the scenario must be refused");
    let line = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}")) as u64
        + 1;
    let problems = err.problems();
    let found = problems
        .iter()
        .find(|p| p.field == field)
        .unwrap_or_else(|| panic!("no problem names {field}; got:\n{err}\nin:\n{text}"));
    assert_eq!(found.line, line, "{field} not on line {line}:\n{err}");
    assert!(found.column > 0, "no column: {found}");
    let shown = found.to_string();
    assert!(
        shown.starts_with(&format!("<test>:{line}:")),
        "not located as file:line:col: {shown}"
    );
    for s in says {
        assert!(shown.contains(s), "{shown:?} does not say {s:?}");
    }
}

#[test]
fn bad_recovery_values_are_located_and_say_what_would_be_valid() {
    refused(
        "    recovery: manual",
        "recovery: manual",
        "control_plane.etcd.recovery",
        &[
            "unknown recovery `manual`",
            "`none`",
            "alert_delay, response and rebuild",
        ],
    );
    refused(
        "    recovery:\n      rebuild: { lognormal: { median: 5h, p99: 1h } }",
        "rebuild:",
        "control_plane.etcd.recovery.rebuild",
        &["median", "p99"],
    );
    refused(
        "    recovery:\n      response: { uniform: { min: 10m, max: 1m } }",
        "response:",
        "control_plane.etcd.recovery.response",
        &["max"],
    );
    refused(
        "    backup: { interval: 1h, restore: { fixed: 30m } }\n    recovery:\n      rebuild: { fixed: 4h }",
        "rebuild:",
        "control_plane.etcd.recovery.rebuild",
        &["only without a backup", "backup.restore"],
    );
    refused(
        "    recovery:\n      rebiuld: { fixed: 4h }",
        "rebiuld",
        "control_plane.etcd.recovery.rebiuld",
        &["unknown field `rebiuld`", "alert_delay, response, rebuild"],
    );
    refused(
        "    recovery:\n      alert_delay: 5",
        "alert_delay",
        "control_plane.etcd.recovery.alert_delay",
        &["unit"],
    );
}
