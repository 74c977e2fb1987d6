//! Worker nodes, pods and workloads under the real recovery timers.

use nines::analytic::single_availability;
use nines::experiment::{Recording, replicate};

use crate::util::{assert_within, run, scenario, sli};

/// Index of a workload SLI: after the 5 control-plane SLIs, 4 per workload.
fn wl(workload: usize, metric: &str) -> usize {
    6 + 4 * workload
        + match metric {
            "ready" => 0,
            "requests" => 1,
            "full" => 2,
            "scheduled" => 3,
            _ => unreachable!(),
        }
}

/// Four workers; worker[0] (which runs one of the three web pods) dies at
/// 1h for `down`; `extra` adds a chaos plan.
fn node_failure(down: &str, control_plane_machines: usize, extra: &str) -> String {
    let topology = if control_plane_machines == 1 {
        "single"
    } else {
        "stacked"
    };
    format!(
        "horizon: 6h
replications: 30
seed: 21
machines:
  - name: cp
    role: control-plane
    count: {control_plane_machines}
  - name: first
    role: worker
    count: 1
    allocatable: {{ cpu: 4, memory: 16Gi }}
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: {down} }}
  - name: rest
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: {topology}
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    anti_affinity: required
    startup: {{ deterministic: 20s }}
    up: {{ min-ready: 2 }}
{extra}"
    )
}

#[test]
fn a_dead_node_is_replaced_after_grace_toleration_and_start_up() {
    let s = scenario(&node_failure("3h", 3, ""));
    for index in 0..s.replications {
        let o = replicate(&s, s.seed, index, Recording::default());
        // Full strength again after: NotReady at the first 5 s monitor tick
        // 50 s after the last lease renewal (0-10 s before the crash), the
        // 300 s toleration, immediate re-creation and placement, and 20 s
        // start-up: 6m00s to 6m15s.
        let full = &o.slis[wl(0, "full")].outage_secs;
        assert_eq!(full.len(), 1, "{full:?}");
        assert!(
            (355.0..=376.0).contains(&full[0]),
            "restore took {}",
            full[0]
        );
        // Requests fail for the dead pod's share until the node is NotReady.
        let requests = &o.slis[wl(0, "requests")];
        assert_eq!(requests.outage_secs.len(), 1);
        assert!(
            (35.0..=56.0).contains(&requests.outage_secs[0]),
            "{requests:?}"
        );
        assert!((requests.lost_secs - requests.outage_secs[0] / 3.0).abs() < 1e-3);
        // Two of three stay ready: the workload itself never went down.
        assert!(o.slis[wl(0, "ready")].outage_secs.is_empty());
    }
}

#[test]
fn with_the_control_plane_down_nothing_is_replaced_until_the_node_returns() {
    // The only control-plane machine is down from 59m to 4h; the worker
    // dies at 1h for 30 minutes and its pods restart when it is back.
    let s = scenario(&node_failure(
        "30m",
        1,
        "chaos:
  - { name: cp-down, action: crash, target: cp, at: 59m, duration: 181m }",
    ));
    for index in 0..5 {
        let o = replicate(&s, s.seed, index, Recording::default());
        // (Deterministic failures repeat an hour after each repair.)
        let full = &o.slis[wl(0, "full")].outage_secs;
        assert!(
            (1819.0..=1821.0).contains(&full[0]),
            "recovered with the node: {full:?}"
        );
        assert!(
            o.slis[wl(0, "scheduled")].outage_secs.is_empty(),
            "no replacement was created"
        );
    }
}

#[test]
fn spreading_over_zones_beats_packing_into_one() {
    let s = scenario(
        "horizon: 1y
replications: 40
seed: 2
zones: [a, b, c]
zone_failures:
  - time_to_failure: { exponential: { mean: 20d } }
    time_to_repair: { exponential: { mean: 8h } }
machines:
  - name: cp
    role: control-plane
    count: 3
    zones: [a, b, c]
  - name: workers
    role: worker
    count: 6
    zones: [a, b, c]
    allocatable: { cpu: 8, memory: 32Gi }
  - name: workers-a
    role: worker
    count: 3
    zones: [a]
    allocatable: { cpu: 8, memory: 32Gi }
control_plane:
  topology: stacked
workloads:
  - name: spread
    replicas: 3
    node_group: workers
    requests: { cpu: 1, memory: 1Gi }
    spread: { topology: zone, max_skew: 1 }
    startup: { deterministic: 20s }
  - name: packed
    replicas: 3
    node_group: workers-a
    requests: { cpu: 1, memory: 1Gi }
    startup: { deterministic: 20s }
",
    );
    let result = run(&s, 0.99);
    let spread = sli(&result, "workload.spread.ready").availability;
    let packed = sli(&result, "workload.packed.ready").availability;
    assert!(
        spread.ci.lower > packed.ci.upper,
        "spread {spread:?} vs packed {packed:?}"
    );
}

#[test]
fn one_replica_pinned_to_one_node_has_the_node_availability() {
    let s = scenario(
        "horizon: 2y
replications: 300
seed: 6
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: node
    role: worker
    count: 1
    allocatable: { cpu: 2, memory: 4Gi }
    failures:
      - time_to_failure: { exponential: { mean: 100h } }
        time_to_repair: { exponential: { mean: 10h } }
control_plane:
  topology: single
node_lifecycle: { monitor_period: 0s, grace_period: 1ms, lease_renew_interval: 0s }
workloads:
  - name: app
    replicas: 1
    requests: { cpu: 1, memory: 1Gi }
    toleration: 0s
    startup: { deterministic: 0s }
",
    );
    let result = run(&s, 0.999);
    let a = sli(&result, "workload.app.ready").availability;
    assert_within(
        "pinned replica",
        single_availability(0.01, 0.1),
        a.ci.lower,
        a.ci.upper,
    );
}

#[test]
fn a_statefulset_pod_waits_for_its_node_while_a_deployment_moves_on() {
    let s = scenario(&node_failure("3h", 3, "").replace(
        "  - name: web\n    replicas: 3",
        "  - name: web\n    kind: statefulset\n    replicas: 3",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    // The pod stays Terminating until the node returns at 4h, then it is
    // re-created: full strength only after 3h + start-up.
    // (The node fails again an hour after its repair, at 5h.)
    let full = &o.slis[wl(0, "full")].outage_secs;
    assert!(full[0] >= 3.0 * 3600.0, "{full:?}");
    let deployment = replicate(
        &scenario(&node_failure("3h", 3, "")),
        21,
        0,
        Recording::default(),
    );
    assert!(deployment.slis[wl(0, "full")].outage_secs[0] < 400.0);
}

/// Three idle workers; two web replicas on separate nodes; worker[0] is
/// drained at 1h for 30 minutes of maintenance.
fn drain(pdb: &str) -> String {
    format!(
        "horizon: 3h
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 3
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: stacked
workloads:
  - name: web
    replicas: 2
    requests: {{ cpu: 1, memory: 1Gi }}
    anti_affinity: required
    startup: {{ deterministic: 20s }}
    {pdb}
chaos:
  - {{ name: patch, action: drain, target: \"workers[0]\", at: 1h, duration: 30m }}
"
    )
}

#[test]
fn a_pdb_blocks_a_drain_that_would_break_it() {
    let blocked = scenario(&drain("pdb: { min_available: 2 }"));
    let o = replicate(&blocked, blocked.seed, 0, Recording::TRACE);
    assert!(
        o.slis[wl(0, "full")].outage_secs.is_empty(),
        "nothing was evicted"
    );
    let attempts = o
        .trace
        .iter()
        .filter(|e| e.kind == "drain-attempted")
        .count();
    assert!(
        attempts > 100,
        "the drain keeps retrying every 5 s: {attempts}"
    );
    assert!(!o.trace.iter().any(|e| e.kind == "drain-maintenance-done"));

    // A budget of one unavailable pod lets the drain evict; the replacement
    // starts on the third node and the node goes down empty.
    let allowed = scenario(&drain("pdb: { max_unavailable: 1 }"));
    let result = run(&allowed, 0.95);
    let full = sli(&result, "workload.web.full");
    assert_eq!(full.outages, 4.0);
    assert!(
        (full.mttr.unwrap().point - 20.0).abs() < 1e-6,
        "start-up only"
    );
    assert_eq!(full.downtime_by_cause[0].cause, "planned patch");
    assert_eq!(sli(&result, "workload.web.ready").outages, 0.0);
}

/// One replica on one of two healthy workers with the given pod failure.
fn pod_fault(failure: &str, startup: &str) -> String {
    format!(
        "horizon: 3h
replications: 3
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 2
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: single
workloads:
  - name: app
    replicas: 1
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: {startup} }}
    pod_failures:
      - {failure}
"
    )
}

#[test]
fn crash_loops_back_off_from_10_s_doubling_to_5_min() {
    // A container that crashes a minute after every start: the first
    // restart is immediate, then 10 s, 20 s, ... up to 300 s.
    let s = scenario(&pod_fault(
        "{ name: oom, kind: crash, time_to_failure: { deterministic: 1m } }",
        "0s",
    ));
    let o = replicate(&s, s.seed, 0, Recording::default());
    let outages = &o.slis[wl(0, "ready")].outage_secs;
    assert_eq!(
        &outages[..7],
        &[10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    );
    // Running 10 minutes between crashes resets the back-off: every
    // restart is immediate.
    let calm = scenario(&pod_fault(
        "{ kind: crash, time_to_failure: { deterministic: 11m } }",
        "0s",
    ));
    assert!(
        replicate(&calm, calm.seed, 0, Recording::default()).slis[wl(0, "ready")]
            .outage_secs
            .is_empty()
    );
}

#[test]
fn a_hung_container_is_restarted_after_the_liveness_probe_fails() {
    // Probes every 10 s, 3 failures: noticed 20-30 s after the hang, then
    // an immediate first restart and a 5 s start-up.
    let s = scenario(&pod_fault(
        "{ kind: hang, time_to_failure: { deterministic: 1h } }",
        "5s",
    ));
    for index in 0..3 {
        let o = replicate(&s, s.seed, index, Recording::default());
        let outage = o.slis[wl(0, "ready")].outage_secs[0];
        assert!((25.0..35.0).contains(&outage), "{outage}");
        // Requests fail the same time: the endpoint keeps the hung pod
        // until readiness fails, then there is no endpoint at all.
        assert_eq!(o.slis[wl(0, "requests")].outage_secs[0], outage);
    }
}

#[test]
fn a_readiness_flap_takes_the_pod_out_until_the_next_good_probe() {
    let s = scenario(&pod_fault(
        "{ name: gc-pause, kind: unready, time_to_failure: { deterministic: 1h }, duration: { deterministic: 1m } }",
        "5s",
    ));
    let result = run(&s, 0.95);
    let ready = sli(&result, "workload.app.ready");
    let longest = ready.outage_durations.max().unwrap();
    assert!((60.0..70.0).contains(&longest), "{longest}");
    assert_eq!(ready.downtime_by_cause[0].cause, "pod app/gc-pause");
}

/// Four idle workers and a web Deployment rolled to a new revision at 1h.
fn rollout(replicas: u64, rolling: &str) -> String {
    format!(
        "horizon: 2h
replications: 2
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 4
    allocatable: {{ cpu: 8, memory: 32Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: {replicas}
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: 20s }}
    up: {{ min-ready: {min} }}
    {rolling}
chaos:
  - {{ name: release, action: rollout, target: web, at: 1h }}
",
        min = replicas - 1
    )
}

#[test]
fn a_rollout_keeps_the_ready_pods_within_max_unavailable() {
    // 3 replicas: 25% rounds to surge 1 and unavailable 0, so every old
    // pod goes only after a new one is ready: never below 3 ready.
    let three = scenario(&rollout(3, ""));
    let o = replicate(&three, three.seed, 0, Recording::TRACE);
    assert!(o.slis[wl(0, "full")].outage_secs.is_empty());
    let ready_times: Vec<f64> = o
        .trace
        .iter()
        .filter(|e| e.kind == "pod-ready" && e.time_seconds >= 3600.0)
        .map(|e| e.time_seconds - 3600.0)
        .collect();
    assert_eq!(
        ready_times,
        vec![20.0, 40.0, 60.0],
        "one surge pod at a time"
    );
    // 4 replicas: surge 1 and unavailable 1: one below full during the
    // rollout, never below the 3 the workload needs.
    let four = scenario(&rollout(4, ""));
    let o = replicate(&four, four.seed, 0, Recording::default());
    assert!(!o.slis[wl(0, "full")].outage_secs.is_empty());
    assert!(o.slis[wl(0, "ready")].outage_secs.is_empty());
    // Both limits at zero would never progress: refused.
    let err = nines::scenario::Scenario::parse(
        &rollout(4, "rolling_update: { max_surge: 0, max_unavailable: 0 }"),
        "r.yaml",
        "r",
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot both be 0"), "{err}");
}

fn loaded(load: &str, failures: &str) -> String {
    format!(
        "horizon: 30d
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
{failures}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    anti_affinity: required
    startup: {{ deterministic: 20s }}
    capacity: 100
    load: {load}
"
    )
}

#[test]
fn capacity_is_short_exactly_while_the_diurnal_peak_exceeds_the_pods() {
    // 3 pods x 100 rps against 250 ± 150 rps: short while cos θ > 1/3,
    // a share acos(1/3)/π of every day.
    let s = scenario(&loaded(
        "{ diurnal: { peak: 400, trough: 100, peak_hour: 14 } }",
        "",
    ));
    let result = run(&s, 0.95);
    let capacity = sli(&result, "workload.web.capacity");
    let exact = 1.0 - (1.0f64 / 3.0).acos() / std::f64::consts::PI;
    assert!(
        (capacity.availability.point - exact).abs() < 1e-6,
        "{:?} vs {exact}",
        capacity.availability
    );
    assert_eq!(capacity.outages, 4.0 * 30.0, "one shortfall per day");
    // Constant load below capacity: exactly 1, and no crossing events.
    let calm = scenario(&loaded("{ constant: 250 }", ""));
    let o = replicate(&calm, calm.seed, 0, Recording::TRACE);
    assert!(o.slis.last().unwrap().outage_secs.is_empty());
    assert_eq!(o.slis.last().unwrap().lost_secs, 0.0);
    assert!(!o.trace.iter().any(|e| e.kind == "load-crossed-capacity"));
}

#[test]
fn losing_a_pod_at_the_peak_costs_capacity() {
    // 280 rps constant: 3 pods serve it, 2 do not.
    let s = scenario(&loaded(
        "{ constant: 280 }",
        "    failures:
      - time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { deterministic: 1h }",
    ));
    let result = run(&s, 0.95);
    let capacity = sli(&result, "workload.web.capacity");
    assert!(capacity.outages > 0.0);
    assert!(capacity.availability.point < sli(&result, "workload.web.ready").availability.point);
    let err = nines::scenario::Scenario::parse(
        &loaded("{ constant: 280 }", "").replace("    capacity: 100\n", ""),
        "l.yaml",
        "l",
    )
    .unwrap_err();
    assert!(err.to_string().contains("`load` needs `capacity`"), "{err}");
}
