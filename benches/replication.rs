//! Whole replications of the reference scenarios: how many simulated
//! cluster-years per second one core gets, and events per second through
//! the full Kubernetes model (compare with `engine` for the kernel alone).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nines::experiment::replicate;
use nines::scenario::Scenario;

fn bench_scenario(c: &mut Criterion, file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let scenario = Scenario::load(&path).expect("reference scenario is valid");
    // Events per replication, to report events per second.
    let events: u64 = (0..8)
        .map(|i| replicate(&scenario, 1, i).events)
        .sum::<u64>()
        / 8;
    let mut group = c.benchmark_group("replication");
    group.throughput(Throughput::Elements(events.max(1)));
    let mut index = 0u64;
    group.bench_function(file.trim_end_matches(".yaml"), |b| {
        b.iter(|| {
            index += 1;
            black_box(replicate(&scenario, 1, index % 64))
        })
    });
    group.finish();
}

fn replications(c: &mut Criterion) {
    for file in [
        "stacked-3cp.yaml",
        "chaos-leader-kill.yaml",
        "workers-3zones.yaml",
    ] {
        bench_scenario(c, file);
    }
}

criterion_group!(benches, replications);
criterion_main!(benches);
