//! The rare-events issue's targets, measured rather than timed in tests:
//!
//! - `parallel/stacked-3cp/{1,2} threads`: 20,000 plain replications of
//!   stacked-3cp on one and on two threads of one rayon pool, side by side;
//!   the ratio of the two is the speed-up (target ≥ 1.9× on 2 cores).
//!   `parallel/stacked-3cp/2 independent halves` is the machine's ceiling
//!   beside them: two OS threads, each with a one-thread pool, run 10,000
//!   replications apiece and share nothing (no work stealing, no merge).
//!   A speed-up near the ceiling's is all the cores give.
//! - `split/external-etcd-5-vms`: 160 split replications of the nine-nines
//!   etcd scenario; the bench prints the relative half-width of
//!   `etcd.quorum` they reach, so the time to ±10 % is the measured time ×
//!   (half-width / 0.1)² (target < 60 s on 2 cores).
//!
//! Memory is constant in the replications (streaming sums); measure the
//! peak with `/usr/bin/time -v nines run -n 20000000 --acceleration off`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use nines::experiment::{self, Acceleration, RunConfig};
use nines::scenario::Scenario;

fn shipped(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    Scenario::load(&path).expect("shipped scenario is valid")
}

fn fixed(replications: u64, acceleration: Acceleration) -> RunConfig {
    RunConfig {
        replications: Some(replications),
        acceleration,
        ..RunConfig::default()
    }
}

fn parallel(c: &mut Criterion) {
    let scenario = shipped("stacked-3cp.yaml");
    let config = fixed(20_000, Acceleration::Off);
    let mut group = c.benchmark_group("parallel/stacked-3cp");
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_function(format!("{threads} threads"), |b| {
            b.iter(|| {
                pool.install(|| black_box(experiment::run(&scenario, &config, &|_| {}).unwrap()))
            })
        });
    }
    let halves: Vec<rayon::ThreadPool> = (0..2)
        .map(|_| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .expect("thread pool")
        })
        .collect();
    let half = fixed(10_000, Acceleration::Off);
    group.bench_function("2 independent halves", |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for pool in &halves {
                    let (scenario, half) = (&scenario, &half);
                    scope.spawn(move || {
                        pool.install(|| {
                            black_box(experiment::run(scenario, half, &|_| {}).unwrap())
                        })
                    });
                }
            })
        })
    });
    group.finish();
}

fn split(c: &mut Criterion) {
    let scenario = shipped("external-etcd-5-vms.yaml");
    let config = fixed(160, Acceleration::On);
    let result = experiment::run(&scenario, &config, &|_| {}).unwrap();
    let quorum = result
        .slis
        .iter()
        .find(|s| s.name == "etcd.quorum")
        .expect("etcd.quorum");
    println!(
        "split/external-etcd-5-vms: 160 replications reach etcd.quorum ±{:.1} % ({} events)",
        quorum.unavailability_relative_half_width() * 100.0,
        result.events
    );
    let mut group = c.benchmark_group("split");
    group.sample_size(10);
    group.bench_function("external-etcd-5-vms", |b| {
        b.iter(|| black_box(experiment::run(&scenario, &config, &|_| {}).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, parallel, split);
criterion_main!(benches);
