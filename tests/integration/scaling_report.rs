//! The scaling section of the report (served load, replicas, spikes, node
//! cost), from hand-built outcomes: estimators against hand-computed
//! numbers, the views (table, JSON, CSV), and the shard/merge path.

use nines::experiment::shard::{PARTIAL_KIND, PARTIAL_SCHEMA_VERSION, PartialRun};
use nines::experiment::{ExperimentResult, Stopping, Sums, shard};
use nines::model::{ReplicationOutcome, sli_names};
use nines::outcome::{NodeOutcome, ScalingOutcome, SliOutcome};
use nines::report::csv::summary_rows;
use nines::report::{
    Report, json_round_trip, read_json, read_partial, render_table, write_json, write_partial,
};
use nines::scenario::Scenario;

use crate::util::scenario;

/// Measured window: horizon 12d minus warmup 2d = 10 days.
const WINDOW: f64 = 10.0 * 86_400.0;
/// Years in the window: 10 / 365.
const YEARS: f64 = 10.0 / 365.0;
const CONFIDENCE: f64 = 0.95;
/// Two-sided 95% Student t quantile with 2 degrees of freedom.
const T_2: f64 = 4.302653;

/// Two workloads with a load (`web`, `api`) around one without (`db`).
const LOADED: &str = "horizon: 12d
warmup: 2d
replications: 3
seed: 5
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: { cpu: 8, memory: 32Gi }
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: { cpu: 1, memory: 1Gi }
    startup: { deterministic: 20s }
    capacity: 100
    load: { constant: 250 }
  - name: db
    replicas: 1
    requests: { cpu: 1, memory: 1Gi }
    startup: { deterministic: 20s }
  - name: api
    replicas: 2
    requests: { cpu: 1, memory: 1Gi }
    startup: { deterministic: 20s }
    capacity: 50
    load: { constant: 60 }
";

/// The same cluster without any load.
const UNLOADED: &str = "horizon: 12d
warmup: 2d
replications: 3
seed: 5
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: { cpu: 8, memory: 32Gi }
control_plane:
  topology: single
workloads:
  - name: db
    replicas: 1
    requests: { cpu: 1, memory: 1Gi }
    startup: { deterministic: 20s }
";

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// An outcome with every SLI fully up over the window.
fn outcome(s: &Scenario, scaling: Vec<ScalingOutcome>, nodes: NodeOutcome) -> ReplicationOutcome {
    let sli = SliOutcome {
        observed_secs: WINDOW,
        up_before_first_failure_secs: WINDOW,
        ..SliOutcome::default()
    };
    ReplicationOutcome {
        slis: vec![sli; sli_names(s).len()],
        data_losses_secs: Vec::new(),
        data_loss_weights: Vec::new(),
        scaling,
        nodes,
        events: 100,
        timeseries: Vec::new(),
        trace: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn web(
    offered: f64,
    served: f64,
    replicas: f64,
    ready: f64,
    pending_hours: f64,
    (min, max): (u32, u32),
    (ups, downs, flaps): (u32, u32, u32),
    spikes: &[f64],
) -> ScalingOutcome {
    ScalingOutcome {
        offered_requests: offered,
        served_requests: served,
        replica_secs: replicas * WINDOW,
        ready_secs: ready * WINDOW,
        pending_secs: pending_hours * 3_600.0,
        max_replicas: max,
        min_replicas: min,
        scale_ups: ups,
        scale_downs: downs,
        flaps,
        spike_absorb_secs: spikes.to_vec(),
    }
}

fn api(offered: f64, served: f64) -> ScalingOutcome {
    ScalingOutcome {
        offered_requests: offered,
        served_requests: served,
        replica_secs: 2.0 * WINDOW,
        ready_secs: 2.0 * WINDOW,
        max_replicas: 2,
        min_replicas: 2,
        ..ScalingOutcome::default()
    }
}

fn nodes(mean: f64, max: u32, added: u32, removed: u32, failed: u32) -> NodeOutcome {
    NodeOutcome {
        node_secs: mean * WINDOW,
        max_nodes: max,
        nodes_added: added,
        nodes_removed: removed,
        failed_provisions: failed,
    }
}

/// Three replications with hand-chosen scaling records.
fn loaded_outcomes(s: &Scenario) -> Vec<ReplicationOutcome> {
    vec![
        outcome(
            s,
            vec![
                web(
                    1000.0,
                    990.0,
                    3.0,
                    2.5,
                    10.0,
                    (2, 6),
                    (20, 18, 2),
                    &[30.0, 60.0],
                ),
                api(500.0, 500.0),
            ],
            nodes(5.0, 7, 10, 9, 1),
        ),
        outcome(
            s,
            vec![
                web(2000.0, 1900.0, 4.0, 3.5, 0.0, (3, 8), (10, 10, 0), &[120.0]),
                api(500.0, 250.0),
            ],
            nodes(6.0, 9, 20, 20, 0),
        ),
        outcome(
            s,
            vec![
                web(1000.0, 1000.0, 2.0, 2.0, 2.0, (2, 4), (0, 0, 0), &[]),
                api(0.0, 0.0),
            ],
            nodes(4.0, 4, 0, 0, 0),
        ),
    ]
}

/// The sums of `outcomes`, numbered from `first`.
fn sums(s: &Scenario, first: usize, outcomes: &[ReplicationOutcome]) -> Sums {
    let loaded = s.workloads.iter().filter(|w| w.load.is_some()).count();
    let mut sums = Sums::new(sli_names(s).len(), loaded);
    for (i, o) in outcomes.iter().enumerate() {
        sums.add((first + i) as u64, o, WINDOW);
    }
    sums
}

fn aggregate(s: &Scenario, outcomes: Vec<ReplicationOutcome>) -> ExperimentResult {
    let n = outcomes.len() as u64;
    shard::from_sums(
        s,
        5,
        CONFIDENCE,
        Stopping::fixed(n),
        None,
        sums(s, 0, &outcomes),
    )
}

#[test]
fn served_fraction_rates_and_spikes_match_hand_computation() {
    let s = scenario(LOADED);
    let report = Report::new(&aggregate(&s, loaded_outcomes(&s)));
    let scaling = report.scaling.as_ref().expect("a scaling section");
    let names: Vec<&str> = scaling.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["web", "api"], "loaded workloads in scenario order");

    let w = &scaling.workloads[0];
    close("offered", w.offered_requests, 4000.0);
    close("served", w.served_requests, 3890.0);
    // Ratio estimator: R = 3890 / 4000; residuals y - R x = 17.5, -45, 27.5.
    let served = w.served_fraction.expect("served fraction");
    close("served fraction", served.point, 3890.0 / 4000.0);
    let se = ((17.5f64.powi(2) + 45.0f64.powi(2) + 27.5f64.powi(2))
        / (3.0 * 2.0 * (4000.0f64 / 3.0).powi(2)))
    .sqrt();
    assert!((served.std_error - se).abs() < 1e-12, "{served:?} vs {se}");
    assert!(
        (served.lower - (served.point - T_2 * se)).abs() < 1e-5,
        "{served:?}"
    );
    assert_eq!(served.upper, 1.0, "clamped to a fraction");
    let nines = w.served_nines.expect("served nines");
    close(
        "served nines",
        nines.point,
        -(1.0f64 - 3890.0 / 4000.0).log10(),
    );
    // Unserved 10, 100, 0 requests in 10 days.
    let unserved = w.unserved_requests_per_year;
    close("unserved/yr", unserved.point, (10.0 + 100.0) / YEARS / 3.0);
    assert!(unserved.lower < unserved.point && unserved.point < unserved.upper);
    close("mean replicas", w.mean_replicas.unwrap().point, 3.0);
    close(
        "mean ready",
        w.mean_ready_replicas.unwrap().point,
        8.0 / 3.0,
    );
    close("mean max replicas", w.mean_max_replicas.point, 6.0);
    assert_eq!((w.min_replicas, w.max_replicas), (2, 8));
    // Pending 10 h and 2 h in 10 days: 365 and 73 pod-hours a year.
    close(
        "pending pod-h/yr",
        w.pending_pod_hours_per_year.point,
        (365.0 + 73.0) / 3.0,
    );
    // 20, 10, 0 scale-ups in 10 days: 2, 1, 0 a day.
    close("ups/day", w.scale_ups_per_day.point, 1.0);
    close("downs/day", w.scale_downs_per_day.point, (1.8 + 1.0) / 3.0);
    close("flaps/day", w.flaps_per_day.point, 0.2 / 3.0);
    assert_eq!((w.scale_ups, w.scale_downs, w.flaps), (30, 28, 2));
    // Spikes pooled: 30, 60, 120 s.
    assert_eq!(w.spikes, 3);
    let absorb = w.mean_spike_absorb_seconds.expect("mean absorb");
    close("mean absorb", absorb.point, 70.0);
    assert!(absorb.lower < 70.0 && 70.0 < absorb.upper, "{absorb:?}");
    let pooled = w.spike_absorb_seconds.expect("pooled absorb times");
    assert_eq!(pooled.count, 3.0);
    close("mean absorb (pooled)", pooled.mean, 70.0);
    // Quantiles come from log-scale bins: within one bin (a factor
    // 10^(1/40)) of the middle and the top spike.
    let bin = 10f64.powf(1.0 / 40.0);
    assert!(
        pooled.p50 / 60.0 < bin && 60.0 / pooled.p50 < bin,
        "{pooled:?}"
    );
    assert!(
        pooled.p99 <= 120.0 && 120.0 / pooled.p99 < bin,
        "{pooled:?}"
    );
    close("max absorb", pooled.max, 120.0);

    let a = &scaling.workloads[1];
    close("api served", a.served_fraction.unwrap().point, 0.75);
    assert_eq!(a.spikes, 0);
    assert!(a.mean_spike_absorb_seconds.is_none() && a.spike_absorb_seconds.is_none());

    let n = &scaling.nodes;
    // 5, 6, 4 nodes on average: 8760 node-hours a year per node.
    close("node-h/yr", n.node_hours_per_year.point, 5.0 * 8760.0);
    close("mean nodes", n.mean_nodes.unwrap().point, 5.0);
    close("mean max nodes", n.mean_max_nodes.point, 20.0 / 3.0);
    assert_eq!(n.max_nodes, 9);
    assert_eq!(
        (n.nodes_added, n.nodes_removed, n.failed_provisions),
        (30, 29, 1)
    );
    close("added/day", n.nodes_added_per_day.point, 1.0);
    close(
        "removed/day",
        n.nodes_removed_per_day.point,
        (0.9 + 2.0) / 3.0,
    );
    close(
        "failed provisions/yr",
        n.failed_provisions_per_year.point,
        36.5 / 3.0,
    );
}

#[test]
fn views_show_the_section_and_json_reads_back() {
    let s = scenario(LOADED);
    let report = Report::new(&aggregate(&s, loaded_outcomes(&s)));

    let table = render_table(&report);
    let block = table
        .split_once("\nScaling")
        .map(|(_, rest)| rest)
        .expect("a Scaling block");
    let web_row = block
        .lines()
        .find(|l| l.starts_with("web "))
        .expect("a row for web");
    assert!(web_row.contains("97.25"), "{web_row}");
    assert!(web_row.contains("2-8"), "{web_row}");
    assert!(web_row.contains("1m 10s ±"), "{web_row}");
    assert!(block.lines().any(|l| l.starts_with("api ")), "{block}");
    assert!(!block.lines().any(|l| l.starts_with("db ")), "{block}");
    assert!(
        block.contains("\nNodes: 5.00 ± ") && block.contains(" 9 max, 43800 ± "),
        "{block}"
    );
    assert!(
        table.find("Scaling").unwrap() < table.find("etcd data loss").unwrap(),
        "{table}"
    );

    let p99 = report.scaling.as_ref().unwrap().workloads[0]
        .spike_absorb_seconds
        .unwrap()
        .p99;
    let rows = summary_rows(&report, "");
    let row = |sli: &str, metric: &str| {
        rows.iter()
            .find(|r| r.sli == sli && r.metric == metric)
            .unwrap_or_else(|| panic!("no row {sli} {metric}"))
    };
    let served = row("scaling.web", "served_fraction");
    assert_eq!(served.value, Some(3890.0 / 4000.0));
    assert_eq!(served.upper, Some(1.0));
    assert_eq!(served.unit, "fraction");
    close(
        "csv p99 absorb",
        row("scaling.web", "spike_absorb_p99").value.unwrap(),
        p99,
    );
    assert_eq!(row("scaling.web", "spikes").value, Some(3.0));
    assert_eq!(row("scaling.api", "served_fraction").value, Some(0.75));
    assert_eq!(row("nodes", "max_nodes").value, Some(9.0));
    assert_eq!(row("nodes", "nodes_added_per_day").unit, "1/day");
    // Nines of a served fraction whose interval reaches 1: no upper bound.
    assert_eq!(row("scaling.web", "served_nines").upper, None);
    assert!(!rows.iter().any(|r| r.sli == "scaling.db"));

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let path = dir.join("report.json");
    write_json(&report, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let web = &value["scaling"]["workloads"][0];
    assert_eq!(web["name"], "web");
    assert_eq!(web["served_fraction"]["point"], 3890.0 / 4000.0);
    close(
        "json p99 absorb",
        web["spike_absorb_seconds"]["p99"].as_f64().unwrap(),
        p99,
    );
    assert_eq!(value["scaling"]["nodes"]["max_nodes"], 9);
    let back = read_json(&path).unwrap();
    assert_eq!(back.scaling.as_ref().unwrap().workloads.len(), 2);
    // Non-finite bounds read back as NaN, so compare what they write.
    assert_eq!(
        serde_json::to_string_pretty(&back).unwrap() + "\n",
        text,
        "the report reads back to the same JSON"
    );
    let again = json_round_trip(&report).unwrap();
    assert_eq!(
        serde_json::to_string(&again).unwrap(),
        serde_json::to_string(&report).unwrap()
    );
}

#[test]
fn no_section_without_load_or_node_changes() {
    let s = scenario(UNLOADED);
    // Nodes exist (node-seconds) but none was added, removed or failed.
    let outcomes: Vec<ReplicationOutcome> = (0..3)
        .map(|_| outcome(&s, Vec::new(), nodes(3.0, 3, 0, 0, 0)))
        .collect();
    let result = aggregate(&s, outcomes.clone());
    assert!(result.scaling.is_none());
    let report = Report::new(&result);
    assert!(report.scaling.is_none());
    let table = render_table(&report);
    assert!(
        !table.contains("Scaling") && !table.contains("Nodes:"),
        "{table}"
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("scaling"), "{json}");
    let rows = summary_rows(&report, "");
    assert!(
        rows.iter()
            .all(|r| r.sli != "nodes" && !r.sli.starts_with("scaling.")),
        "{rows:?}"
    );
    // A report without the field reads back (older reports).
    assert!(json_round_trip(&report).unwrap().scaling.is_none());

    // Without the model's records (empty `scaling`, default `nodes`) the
    // same holds: today's outcomes of scenarios with no load.
    let bare: Vec<ReplicationOutcome> = (0..3)
        .map(|_| outcome(&s, Vec::new(), NodeOutcome::default()))
        .collect();
    assert!(aggregate(&s, bare).scaling.is_none());

    // Nodes that changed bring the section back, with no workload rows.
    let mut changed = outcomes;
    changed[1].nodes.nodes_added = 4;
    let report = Report::new(&aggregate(&s, changed));
    let scaling = report.scaling.as_ref().expect("nodes changed");
    assert!(scaling.workloads.is_empty());
    assert_eq!(scaling.nodes.nodes_added, 4);
    close(
        "added/day",
        scaling.nodes.nodes_added_per_day.point,
        0.4 / 3.0,
    );
    let table = render_table(&report);
    assert!(
        table.contains("\nNodes: ") && !table.contains("Scaling ("),
        "{table}"
    );
}

#[test]
fn merged_parts_give_the_single_run_bytes() {
    let s = scenario(LOADED);
    let outcomes = loaded_outcomes(&s);
    let single = Report::new(&aggregate(&s, outcomes.clone()));

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let part = |shard_index: u64, range: std::ops::Range<usize>| PartialRun {
        kind: PARTIAL_KIND.to_string(),
        schema_version: PARTIAL_SCHEMA_VERSION,
        nines_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: s.name.clone(),
        digest: s.digest.clone(),
        scenario_text: LOADED.to_string(),
        seed: 5,
        replications: 3,
        shard: shard_index,
        shards: 2,
        horizon_seconds: 12.0 * 86_400.0,
        warmup_seconds: 2.0 * 86_400.0,
        confidence: CONFIDENCE,
        split: None,
        sums: sums(&s, range.start, &outcomes[range.clone()]),
    };
    // Through the files, in reverse order: what `nines merge` reads.
    let mut parts = Vec::new();
    for (index, range) in [(2, 1..3), (1, 0..1)] {
        let path = dir.join(format!("part-{index}.json"));
        write_partial(&part(index, range), &path).unwrap();
        let read = read_partial(&path).unwrap();
        assert_eq!(read.sums.workloads.len(), 2, "kept in the part");
        parts.push((path.display().to_string(), read));
    }
    let merged = Report::new(&shard::merge(parts).unwrap());
    assert!(merged.scaling.is_some());
    assert_eq!(
        serde_json::to_string_pretty(&merged).unwrap(),
        serde_json::to_string_pretty(&single).unwrap()
    );
    assert_eq!(render_table(&merged), render_table(&single));
    assert_eq!(summary_rows(&merged, ""), summary_rows(&single, ""));
}
