//! Load, the HPA and the Cluster Autoscaler on deterministic timelines:
//! constant load leaves everything alone, and a step in load is absorbed
//! after exactly the delays the controllers add.

use nines::experiment::{Recording, replicate};
use nines::model::sli_names;
use nines::scenario::Scenario;

use nines::stats::Estimate;

use crate::util::{assert_within, scenario};

/// Index of an SLI by name.
fn index(scenario: &Scenario, name: &str) -> usize {
    sli_names(scenario)
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no SLI {name}"))
}

/// One web Deployment of 4 pods (1 CPU each, 100 requests/s at full CPU)
/// with an HPA at 50 %, on `workers`, under `load`.
fn web(load: &str, workers: &str, horizon: &str, extra: &str) -> String {
    format!(
        "horizon: {horizon}
replications: 10
seed: 5
machines:
  - name: cp
    role: control-plane
    count: 1
{workers}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 4
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: 20s }}
    capacity: 100
    load: {load}
    autoscaling:
      hpa: {{ min_replicas: 2, max_replicas: 20, target_cpu_utilization: 50 }}
{extra}"
    )
}

const ROOMY_WORKERS: &str = "  - name: workers
    role: worker
    count: 3
    allocatable: { cpu: 8, memory: 32Gi }";

#[test]
fn constant_load_below_capacity_keeps_capacity_at_one_and_replicas_constant() {
    // 200 requests/s over 4 pods: 50 % CPU, exactly the target.
    let s = scenario(&web("{ constant: 200 }", ROOMY_WORKERS, "1y", ""));
    let capacity = index(&s, "workload.web.capacity");
    for i in 0..3 {
        let outcome = replicate(&s, s.seed, i, Recording::default());
        let sli = &outcome.slis[capacity];
        assert_eq!(sli.lost_secs, 0.0, "replication {i}: capacity lost");
        assert_eq!(sli.availability(), 1.0);
        let scaling = &outcome.scaling[0];
        assert_eq!((scaling.scale_ups, scaling.scale_downs), (0, 0));
        assert_eq!((scaling.min_replicas, scaling.max_replicas), (4, 4));
        assert!(
            (scaling.served_requests - scaling.offered_requests).abs()
                <= 1e-9 * scaling.offered_requests
        );
        // A year of 15 s syncs is 2.1 million ticks; none can change
        // anything, so none is simulated.
        assert!(outcome.events < 100, "{} events", outcome.events);
    }
}

/// A daily trace: 200 requests/s, a step to 600 at 01:00 (over one
/// second), back to 200 at 12:00. The file lives in a directory of the
/// caller's own (the returned guard removes it), read when the scenario is
/// parsed: tests running in parallel never share it.
fn step_trace() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("step.csv");
    std::fs::write(
        &path,
        "time,rate\n0,200\n3600,200\n3601,600\n43200,600\n43201,200\n86400,200\n",
    )
    .expect("write trace");
    let load = "{ trace: { file: step.csv } }".to_string();
    (dir, load)
}

/// Parses `yaml` as a scenario file in `dir`, beside its trace.
fn scenario_in(dir: &tempfile::TempDir, yaml: &str) -> Scenario {
    let file = dir.path().join("scenario.yaml").display().to_string();
    Scenario::parse(yaml, &file, "test").unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
}

/// Capacity outages (seconds) of every replication.
fn capacity_outages(s: &Scenario) -> Vec<f64> {
    let capacity = index(s, "workload.web.capacity");
    (0..s.replications)
        .flat_map(|i| {
            replicate(s, s.seed, i, Recording::default()).slis[capacity]
                .outage_secs
                .clone()
        })
        .collect()
}

/// Asserts that `expected` lies in the 99.9 % interval of the mean of
/// each replication's first capacity shortfall (the scrape, sync and scan
/// phases are drawn once per replication, so later days repeat the first).
#[track_caller]
fn assert_mean_shortfall(s: &Scenario, expected: f64) {
    let capacity = index(s, "workload.web.capacity");
    let firsts: Vec<f64> = (0..s.replications)
        .map(|i| replicate(s, s.seed, i, Recording::default()).slis[capacity].outage_secs[0])
        .collect();
    let mean = Estimate::mean(&firsts, 0.999).expect("replications");
    eprintln!(
        "mean shortfall {:.2} s, 99.9 % interval [{:.2}, {:.2}], derived {expected:.2} s",
        mean.point, mean.ci.lower, mean.ci.upper
    );
    assert_within("mean shortfall", expected, mean.ci.lower, mean.ci.upper);
}

#[test]
fn a_step_is_absorbed_after_scrape_sync_and_startup_when_nodes_have_room() {
    let (trace, load) = step_trace();
    let s = scenario_in(&trace, &web(&load, ROOMY_WORKERS, "5d", ""));
    let outages = capacity_outages(&s);
    // One shortfall a day: the step to 600 needs 6 pods. The demand passes
    // 400 half a second into the ramp; the next scrape (< 60 s) and the
    // next sync (< 15 s) raise the replicas, and the new pods are ready
    // 20 s later.
    assert_eq!(outages.len(), 5 * 10, "{outages:?}");
    for &d in &outages {
        assert!((19.5..=155.5).contains(&d), "absorbed in {d} s");
    }
    // metrics-server averages over the 60 s before each scrape. A scrape
    // τ s after the ramp starts (uniform on [0, 60)) sees the served
    // requests' average, (200·60 + 200τ − 50) / 60 per 4 pods of 100: a
    // utilization of 56 % (beyond the 10 % tolerance) from τ = 7.45 s, and
    // 63 % (ceil(4 × 63/50) = 6 replicas, enough) from τ = 15.85 s. Below
    // 7.45 s nothing happens until the next scrape, which sees 100 %; in
    // between the first sync adds one pod and the next scrape's sync the
    // rest. The sync comes U[0, 15) s after the scrape, the pods 20 s
    // later, and the shortfall starts 0.5 s into the ramp:
    // E = (1/60)[∫_{15.85}^{60} (τ + 27.5) dτ + ∫_0^{15.85} (τ + 87.5) dτ] − 0.5.
    let b = 15.85f64;
    let expected =
        ((60.0 * 60.0 - b * b) / 2.0 + 27.5 * (60.0 - b) + b * b / 2.0 + 87.5 * b) / 60.0 - 0.5;
    let many = scenario_in(
        &trace,
        &web(&load, ROOMY_WORKERS, "1d", "").replace("replications: 10", "replications: 40"),
    );
    assert_mean_shortfall(&many, expected);
}

#[test]
fn a_step_waits_for_node_provisioning_when_nodes_are_full() {
    // One 4-CPU node holds exactly the 4 pods; the group may grow to 5.
    let workers = "  - name: workers
    role: worker
    count: 1
    allocatable: { cpu: 4, memory: 16Gi }
    autoscaling: { min: 1, max: 5 }";
    let ca = "cluster_autoscaler:
  provisioning: { deterministic: 3m }";
    let (trace, load) = step_trace();
    let s = scenario_in(&trace, &web(&load, workers, "5d", ca));
    let outages = capacity_outages(&s);
    assert_eq!(outages.len(), 5 * 10, "{outages:?}");
    // As above, plus the next scan (< 10 s) and 180 s of provisioning.
    for &d in &outages {
        assert!((199.5..=345.5).contains(&d), "absorbed in {d} s");
    }
    // The first scale-up (from the scrape at τ ≥ 7.45 s, as above) leaves
    // a pod pending: after the next scan (U[0, 10) s) one node boots for
    // 180 s, and it holds every pod added until then; the pods start 20 s
    // after it is ready. Before 7.45 s the first scale-up waits one more
    // scrape (60 s).
    let many = scenario_in(
        &trace,
        &web(&load, workers, "1d", ca).replace("replications: 10", "replications: 40"),
    );
    assert_mean_shortfall(&many, 30.0 + 7.5 + 5.0 + 200.0 + 7.45 - 0.5);
    let outcome = replicate(&s, s.seed, 0, Recording::default());
    assert!(outcome.nodes.nodes_added >= 5, "{:?}", outcome.nodes);
    assert!(outcome.nodes.nodes_removed >= 4, "{:?}", outcome.nodes);
    assert_eq!(outcome.nodes.failed_provisions, 0);
}

#[test]
fn nodes_requested_into_a_failed_zone_time_out_and_another_group_grows() {
    // Two single-zone groups; zone-a is down from 30 min for a day, and
    // the priority expander prefers zone-a's group.
    let workers = "  - name: workers-a
    role: worker
    count: 1
    zones: [zone-a]
    allocatable: { cpu: 4, memory: 16Gi }
    autoscaling: { min: 1, max: 5, priority: 10 }
  - name: workers-b
    role: worker
    count: 1
    zones: [zone-b]
    allocatable: { cpu: 4, memory: 16Gi }
    autoscaling: { min: 1, max: 5 }";
    let extra = "zones: [zone-a, zone-b]
clients_zone: zone-b
cluster_autoscaler:
  expander: priority
  provisioning: { deterministic: 3m }
chaos:
  - name: zone-a-down
    action: zone-outage
    target: zone-a
    at: 30m
    duration: 1d";
    let (trace, load) = step_trace();
    let yaml = web(&load, workers, "1d", extra).replace(
        "machines:\n  - name: cp\n    role: control-plane\n    count: 1\n",
        "machines:\n  - name: cp\n    role: control-plane\n    count: 1\n    zones: [zone-b]\n",
    );
    let s = scenario_in(&trace, &yaml);
    let outcome = replicate(&s, s.seed, 0, Recording::default());
    // zone-a's request never registers: 15 minutes later it counts as
    // failed, the group backs off, and zone-b's group takes the pods.
    assert!(outcome.nodes.failed_provisions >= 1, "{:?}", outcome.nodes);
    assert!(outcome.nodes.nodes_added >= 1, "{:?}", outcome.nodes);
    let capacity = index(&s, "workload.web.capacity");
    let longest = outcome.slis[capacity]
        .outage_secs
        .iter()
        .copied()
        .fold(0.0, f64::max);
    assert!(
        (15.0 * 60.0..=30.0 * 60.0).contains(&longest),
        "longest shortfall {longest} s"
    );
}

#[test]
fn timeseries_samples_one_replication_on_a_grid() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let path = dir.join("web.csv");
    let out = crate::util::nines_output(&[
        "run",
        "scenarios/hpa-diurnal.yaml",
        "--replications",
        "2",
        "--timeseries",
        path.to_str().expect("utf-8 path"),
        "--timeseries-step",
        "1h",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("time series written");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time_seconds,workload,demand,served,replicas,ready,nodes,pending,schema_version")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|&(i, _)| i != 1)
                .map(|(_, v)| v.parse().expect("a number"))
                .collect()
        })
        .collect();
    // 30 days of hourly samples, both ends included.
    assert_eq!(rows.len(), 30 * 24 + 1);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], i as f64 * 3600.0);
        let (demand, served, replicas) = (r[1], r[2], r[3]);
        assert!((200.0 - 1e-9..=1000.0 + 1e-9).contains(&demand), "{r:?}");
        assert!(served <= demand + 1e-9, "{r:?}");
        assert!((2.0..=20.0).contains(&replicas), "{r:?}");
    }
    // The HPA follows the daily cycle: more replicas at 14:00 than at 02:00.
    let at = |hour: usize| rows[24 * 10 + hour][3];
    assert!(at(14) > at(2), "peak {} trough {}", at(14), at(2));

    // A file that is not a nines time series is never overwritten.
    let foreign = dir.join("notes.csv");
    std::fs::write(&foreign, "my,own,data\n").expect("write");
    let out = crate::util::nines_output(&[
        "run",
        "scenarios/hpa-diurnal.yaml",
        "--replications",
        "2",
        "--timeseries",
        foreign.to_str().expect("utf-8 path"),
    ]);
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read_to_string(&foreign).expect("read"),
        "my,own,data\n"
    );
}
