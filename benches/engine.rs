//! Throughput of the discrete-event kernel, in events handled per second.
//!
//! * `engine/noop`: a handler that does no work of its own. Each event
//!   reschedules itself after a delay read from a fixed table (no RNG), so
//!   about 1,000 events stay pending throughout. This measures the bare cost
//!   of the kernel: queue push and pop, slot bookkeeping and dispatch.
//! * `fail_repair/nines` and `fail_repair/bare_heap`: 100 machines, each
//!   alternating up and down with exponential time to failure (mean 1000 h)
//!   and exponential time to repair (mean 2 h), sampled with `rand_distr::Exp`
//!   from the stream `replication_rng(SEED, 0)` (one source). An SLI is up while at
//!   least 51 machines are up; its down time and transitions are integrated
//!   over 50 simulated years. `nines` runs this as a [`Handler`] inside a
//!   [`Simulation`]; `bare_heap` is the same model written by hand as a loop
//!   over `BinaryHeap<Reverse<(time_us, seq, machine)>>`. Both draw the same
//!   samples in the same order and must produce identical results (checked
//!   before measuring), so the difference is the price of the kernel's
//!   generality (cancellable keys, the handler interface, the `Ctx`).
//! * `fail_repair/practical_limit`: the practical single-core limit, the
//!   bare loop with each event's successor written over the heap's top
//!   (`BinaryHeap::peek_mut`, one sift-down per event instead of a pop and
//!   a push), same generator, same results.
//!
//! Targets: `fail_repair/nines` reaches at least 60% of the events per
//! second of `fail_repair/practical_limit` (and 50% of `bare_heap`). The
//! three run in the same process one after the other, so compare their
//! ratio, and repeat the run to see its spread on a shared machine.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nines::engine::{
    Ctx, Handler, SimDuration, SimRng, SimTime, Simulation, StreamLabel, Streams, replication_rng,
};

/// The one random source of the benchmark models: the stream
/// `replication_rng` hands out, so both versions draw the same numbers.
const STREAM: StreamLabel = StreamLabel::new(&["replication"]);
use rand_distr::{Distribution, Exp};

// ---------------------------------------------------------------------------
// engine/noop
// ---------------------------------------------------------------------------

/// Events kept pending by the no-op handler.
const NOOP_PENDING: u32 = 1_000;
/// Events handled per no-op run.
const NOOP_EVENTS: u64 = 1_000_000;
/// Size of the delay table (a power of two, so indexing is a mask).
const DELAY_TABLE_LEN: usize = 1 << 12;

/// Delays between 1 µs and about 1 s, spread by a fixed LCG so the heap sees
/// a realistic mix of near and far events, without drawing random numbers.
fn delay_table() -> Vec<SimDuration> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..DELAY_TABLE_LEN)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            SimDuration::from_micros(1 + (state >> 33) % 1_000_000)
        })
        .collect()
}

/// Reschedules every event it receives until `remaining` runs out.
struct Noop<'a> {
    delays: &'a [SimDuration],
    next_delay: usize,
    remaining: u64,
}

impl Noop<'_> {
    fn next_delay(&mut self) -> SimDuration {
        let delay = self.delays[self.next_delay & (DELAY_TABLE_LEN - 1)];
        self.next_delay = self.next_delay.wrapping_add(1);
        delay
    }
}

impl Handler for Noop<'_> {
    type Event = u32;

    fn start(&mut self, ctx: &mut Ctx<'_, u32>) {
        for id in 0..NOOP_PENDING {
            let delay = self.next_delay();
            ctx.schedule(delay, id);
        }
    }

    fn on(&mut self, event: u32, ctx: &mut Ctx<'_, u32>) {
        if self.remaining > 0 {
            self.remaining -= 1;
            let delay = self.next_delay();
            ctx.schedule(delay, event);
        }
    }
}

/// One no-op run of exactly [`NOOP_EVENTS`] events; returns the count.
fn run_noop(delays: &[SimDuration]) -> u64 {
    let handler = Noop {
        delays,
        next_delay: 0,
        remaining: NOOP_EVENTS - u64::from(NOOP_PENDING),
    };
    let mut sim = Simulation::new(handler, Streams::new(1, 0));
    sim.run_until(SimTime::MAX);
    sim.events_handled()
}

fn bench_noop(c: &mut Criterion) {
    let delays = delay_table();
    assert_eq!(run_noop(&delays), NOOP_EVENTS);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(NOOP_EVENTS));
    group.bench_function("noop", |b| {
        b.iter(|| black_box(run_noop(black_box(&delays))))
    });
    group.finish();
}

// ---------------------------------------------------------------------------
// fail_repair
// ---------------------------------------------------------------------------

const SEED: u64 = 2024;
const MACHINES: u32 = 100;
/// The SLI is up while at least this many machines are up.
const QUORUM: u32 = 51;
const MTTF_SECS: f64 = 1_000.0 * 3_600.0;
const MTTR_SECS: f64 = 2.0 * 3_600.0;
const HORIZON_YEARS: u64 = 50;
const HORIZON_US: u64 = HORIZON_YEARS * 365 * 86_400 * 1_000_000;

/// What both implementations must agree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outcome {
    events: u64,
    sli_down_us: u64,
    sli_transitions: u64,
}

/// The distributions, in seconds.
struct Lifetimes {
    ttf: Exp<f64>,
    ttr: Exp<f64>,
}

impl Lifetimes {
    fn new() -> Self {
        Lifetimes {
            ttf: Exp::new(1.0 / MTTF_SECS).expect("positive rate"),
            ttr: Exp::new(1.0 / MTTR_SECS).expect("positive rate"),
        }
    }

    /// Time until the next flip of a machine that is now `up`.
    fn sample(&self, up: bool, rng: &mut SimRng) -> SimDuration {
        let secs = if up {
            self.ttf.sample(rng)
        } else {
            self.ttr.sample(rng)
        };
        SimDuration::from_secs_f64(secs)
    }
}

/// Up count and SLI down-time integration, shared by both implementations.
struct Sli {
    up: Vec<bool>,
    up_count: u32,
    /// When the SLI went down, if it is down.
    down_since: Option<u64>,
    down_us: u64,
    transitions: u64,
}

impl Sli {
    fn new() -> Self {
        Sli {
            up: vec![true; MACHINES as usize],
            up_count: MACHINES,
            down_since: None,
            down_us: 0,
            transitions: 0,
        }
    }

    /// Flips `machine` at `now_us`; returns whether it is now up.
    fn flip(&mut self, machine: u32, now_us: u64) -> bool {
        let up = &mut self.up[machine as usize];
        *up = !*up;
        let now_up = *up;
        if now_up {
            self.up_count += 1;
        } else {
            self.up_count -= 1;
        }
        let sli_up = self.up_count >= QUORUM;
        match (self.down_since, sli_up) {
            (None, false) => {
                self.down_since = Some(now_us);
                self.transitions += 1;
            }
            (Some(since), true) => {
                self.down_us += now_us - since;
                self.down_since = None;
                self.transitions += 1;
            }
            _ => {}
        }
        now_up
    }

    fn finish(&self, events: u64, horizon_us: u64) -> Outcome {
        let open = self.down_since.map_or(0, |since| horizon_us - since);
        Outcome {
            events,
            sli_down_us: self.down_us + open,
            sli_transitions: self.transitions,
        }
    }
}

/// The fail/repair model as a `nines` handler; the event is the machine that
/// flips.
struct FailRepair {
    lifetimes: Lifetimes,
    sli: Sli,
}

impl Handler for FailRepair {
    type Event = u32;

    fn start(&mut self, ctx: &mut Ctx<'_, u32>) {
        for machine in 0..MACHINES {
            let delay = self.lifetimes.sample(true, ctx.rng(STREAM));
            ctx.schedule(delay, machine);
        }
    }

    fn on(&mut self, machine: u32, ctx: &mut Ctx<'_, u32>) {
        let up = self.sli.flip(machine, ctx.now().as_micros());
        let delay = self.lifetimes.sample(up, ctx.rng(STREAM));
        ctx.schedule(delay, machine);
    }
}

fn run_nines() -> Outcome {
    let handler = FailRepair {
        lifetimes: Lifetimes::new(),
        sli: Sli::new(),
    };
    let mut sim = Simulation::new(handler, Streams::new(SEED, 0));
    sim.run_until(SimTime::from_micros(HORIZON_US));
    sim.handler().sli.finish(sim.events_handled(), HORIZON_US)
}

/// The same model without the kernel: integer microsecond times in a plain
/// heap, ties broken by scheduling sequence as the kernel does.
fn run_bare_heap() -> Outcome {
    let lifetimes = Lifetimes::new();
    let mut sli = Sli::new();
    let mut rng = replication_rng(SEED, 0);
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for machine in 0..MACHINES {
        let at = lifetimes.sample(true, &mut rng).as_micros();
        heap.push(Reverse((at, seq, machine)));
        seq += 1;
    }
    let mut events = 0u64;
    while let Some(&Reverse((now, _, machine))) = heap.peek() {
        if now > HORIZON_US {
            break;
        }
        heap.pop();
        events += 1;
        let up = sli.flip(machine, now);
        let at = now.saturating_add(lifetimes.sample(up, &mut rng).as_micros());
        heap.push(Reverse((at, seq, machine)));
        seq += 1;
    }
    sli.finish(events, HORIZON_US)
}

/// The practical single-core limit for this model: the bare loop with each
/// event's successor written over the heap's top (`PeekMut`, one sift-down
/// instead of a pop and a push), drawing from the same fast generator.
/// Ties are still broken by scheduling sequence, so it handles the same
/// events in the same order as the other two.
fn run_practical_limit() -> Outcome {
    let lifetimes = Lifetimes::new();
    let mut sli = Sli::new();
    let mut rng = replication_rng(SEED, 0);
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    for machine in 0..MACHINES {
        let at = lifetimes.sample(true, &mut rng).as_micros();
        heap.push(Reverse((at, seq, machine)));
        seq += 1;
    }
    let mut events = 0u64;
    while let Some(mut top) = heap.peek_mut() {
        let Reverse((now, _, machine)) = *top;
        if now > HORIZON_US {
            break;
        }
        events += 1;
        let up = sli.flip(machine, now);
        let at = now.saturating_add(lifetimes.sample(up, &mut rng).as_micros());
        *top = Reverse((at, seq, machine));
        seq += 1;
    }
    sli.finish(events, HORIZON_US)
}

fn bench_fail_repair(c: &mut Criterion) {
    let reference = run_bare_heap();
    assert_eq!(
        run_nines(),
        reference,
        "nines and the bare heap loop disagree"
    );
    assert_eq!(
        run_practical_limit(),
        reference,
        "the replace-top loop and the bare heap loop disagree"
    );
    eprintln!(
        "fail_repair: {} events over {HORIZON_YEARS} years, SLI down {:.1} h in {} transitions",
        reference.events,
        reference.sli_down_us as f64 / 3.6e9,
        reference.sli_transitions
    );

    let mut group = c.benchmark_group("fail_repair");
    group.throughput(Throughput::Elements(reference.events));
    group.bench_function("nines", |b| b.iter(|| black_box(run_nines())));
    group.bench_function("bare_heap", |b| b.iter(|| black_box(run_bare_heap())));
    group.bench_function("practical_limit", |b| {
        b.iter(|| black_box(run_practical_limit()))
    });
    group.finish();
}

criterion_group!(benches, bench_noop, bench_fail_repair);
criterion_main!(benches);
