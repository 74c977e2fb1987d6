//! Whole replications of the reference scenarios: how many simulated
//! cluster-years per second one core gets, and events per second through
//! the full Kubernetes model (compare with `engine` for the kernel alone).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::scenario::Scenario;

/// One replication of `file`, over a year (the scenario's own horizon may
/// be shorter), so the time per iteration is the time per replication-year.
fn bench_scenario(c: &mut Criterion, file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let mut scenario = Scenario::load(&path).expect("reference scenario is valid");
    scenario.horizon = SimDuration::from_secs(365 * 86_400);
    // Events per replication, to report events per second.
    let events: u64 = (0..8)
        .map(|i| replicate(&scenario, 1, i, Recording::default()).events)
        .sum::<u64>()
        / 8;
    let mut group = c.benchmark_group("replication");
    group.throughput(Throughput::Elements(events.max(1)));
    let mut index = 0u64;
    group.bench_function(file.trim_end_matches(".yaml"), |b| {
        b.iter(|| {
            index += 1;
            black_box(replicate(&scenario, 1, index % 64, Recording::default()))
        })
    });
    group.finish();
}

fn replications(c: &mut Criterion) {
    for file in [
        "stacked-3cp.yaml",
        "chaos-leader-kill.yaml",
        "workers-3zones.yaml",
        // The autoscaling target: 1,000 replication-years in under 2
        // minutes on 2 cores, i.e. under 240 ms per replication-year.
        "hpa-diurnal.yaml",
        // A zone lost at the daily peak: evictions, pending pods, scale-ups.
        "zone-loss-at-peak.yaml",
    ] {
        bench_scenario(c, file);
    }
}

criterion_group!(benches, replications);
criterion_main!(benches);
