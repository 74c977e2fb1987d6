//! How the cost of a replication grows with the cluster: a data-plane size
//! sweep from 12 to 5,000 worker nodes (30 pods per node: 360 to 150,000
//! pods), reported per replication-year with the exponent of the fitted
//! power law, and the shipped 5,000-node scenario.
//!
//! Besides criterion's own statistics, the sweep prints a table (one
//! timed replication-year per size, after one untimed warm-up at the
//! smallest size) and the least-squares slope of log(cost) on log(nodes):
//! 1 is linear in the cluster, 2 quadratic. `NINES_SWEEP_MAX` caps the
//! largest size (e.g. 1536) for a quicker run.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::scenario::Scenario;

/// Worker counts of the sweep.
const SIZES: &[usize] = &[12, 48, 192, 768, 1536, 3072, 5000];
/// Pods per worker node (Kubernetes' limits: 150,000 pods on 5,000 nodes).
const PODS_PER_NODE: usize = 30;
/// The most replicas a workload may have (the scenario validator's cap).
const MAX_REPLICAS: usize = 10_000;

const YEAR: SimDuration = SimDuration::from_secs(365 * 86_400);

/// workers-3zones.yaml grown to `nodes` workers (a third per zone) running
/// `PODS_PER_NODE` pods per node in Deployments of at most 10,000 pods,
/// spread over the zones.
fn sized(nodes: usize) -> Scenario {
    let pods = nodes * PODS_PER_NODE;
    let workloads = pods.div_ceil(MAX_REPLICAS);
    let mut text = format!(
        "name: sweep-{nodes}
horizon: 1y
seed: 1
zones: [zone-a, zone-b, zone-c]
zone_failures:
  - name: zone-outage
    time_to_failure: {{ exponential: {{ mean: 1y }} }}
    time_to_repair: {{ lognormal: {{ median: 2h, p99: 12h }} }}
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: crash
        time_to_failure: {{ exponential: {{ mean: 2y }} }}
        time_to_repair: {{ lognormal: {{ median: 5m, p99: 1h }} }}
  - name: workers
    role: worker
    count: {nodes}
    allocatable: {{ cpu: 32, memory: 128Gi }}
    failures:
      - name: crash
        time_to_failure: {{ exponential: {{ mean: 2y }} }}
        time_to_repair: {{ lognormal: {{ median: 10m, p99: 2h }} }}
control_plane:
  topology: stacked
  endpoint: {{ type: cloud-lb }}
workloads:
"
    );
    for w in 0..workloads {
        let replicas = pods / workloads + usize::from(w < pods % workloads);
        writeln!(
            text,
            "  - name: web-{w}
    replicas: {replicas}
    requests: {{ cpu: 500m, memory: 1Gi }}
    spread: {{ topology: zone, max_skew: 1 }}
    startup: {{ lognormal: {{ median: 20s, p99: 1m }} }}
    up: {{ min-ready: {} }}",
            replicas.div_ceil(2)
        )
        .expect("writing to a string");
    }
    Scenario::parse(&text, "sweep.yaml", "sweep").expect("the sweep scenario is valid")
}

fn sizes() -> Vec<usize> {
    let max = std::env::var("NINES_SWEEP_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    SIZES.iter().copied().filter(|&n| n <= max).collect()
}

/// Least-squares slope of `ln y` on `ln x`.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (lx, ly): (Vec<f64>, Vec<f64>) = points.iter().map(|&(x, y)| (x.ln(), y.ln())).unzip();
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// The table and the fitted exponent, from one timed replication-year per
/// size (criterion's repeated samples would take an hour at 5,000 nodes).
fn sweep_table(_: &mut Criterion) {
    let _ = replicate(&sized(SIZES[0]), 1, 0, Recording::default());
    let mut points = Vec::new();
    eprintln!("\ndata-plane size sweep (1 thread, one replication-year each)");
    eprintln!("| workers | pods | events | per replication-year | per event |");
    eprintln!("|---|---|---|---|---|");
    for nodes in sizes() {
        let mut scenario = sized(nodes);
        scenario.horizon = YEAR;
        let start = Instant::now();
        let outcome = replicate(&scenario, 1, 0, Recording::default());
        let spent = start.elapsed();
        let events = outcome.events.max(1);
        eprintln!(
            "| {nodes} | {} | {} | {:.3} s | {:.2} µs |",
            nodes * PODS_PER_NODE,
            events,
            spent.as_secs_f64(),
            spent.as_secs_f64() * 1e6 / events as f64
        );
        points.push((nodes as f64, spent.as_secs_f64()));
    }
    if points.len() >= 2 {
        eprintln!(
            "fitted exponent (cost ∝ nodes^k): k = {:.2}\n",
            exponent(&points)
        );
    }
}

/// Criterion's statistics for the sizes a sample of ten can afford.
fn sweep(c: &mut Criterion) {
    let mut group = c.benchmark_group("dataplane-sweep");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for nodes in sizes().into_iter().filter(|&n| n <= 768) {
        let mut scenario = sized(nodes);
        scenario.horizon = YEAR;
        let mut index = 0u64;
        group.bench_function(format!("{nodes}-nodes-year"), |b| {
            b.iter(|| {
                index += 1;
                black_box(replicate(&scenario, 1, index % 16, Recording::default()))
            })
        });
    }
    group.finish();
}

/// The shipped 5,000-node scenario over a year, one replication.
fn large(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/large-5000-nodes.yaml");
    let mut scenario = Scenario::load(&path).expect("the large scenario is valid");
    scenario.horizon = YEAR;
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("large-5000-nodes-year", |b| {
        b.iter(|| black_box(replicate(&scenario, 1, 0, Recording::default())))
    });
    group.finish();
}

criterion_group!(benches, sweep_table, sweep, large);
criterion_main!(benches);
