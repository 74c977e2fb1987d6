//! nines: a discrete-event availability simulator for highly available
//! Kubernetes clusters.
//!
//! A [`scenario::Scenario`] describes a cluster: its control-plane topology,
//! etcd, the API endpoint, machines in zones and how they fail and get
//! repaired, workloads and their load, autoscalers and a chaos plan (the
//! file format is documented in `scenarios/README.md`; the real Kubernetes
//! defaults it applies, with their upstream sources, in
//! `docs/kubernetes-defaults.md`). [`experiment::run`] simulates many
//! independent lifetimes of it, and [`report`] turns the result into the
//! table, JSON, CSV and charts. The `nines` binary (`src/main.rs` and
//! `src/cli/`) only parses arguments, calls this library and maps errors to
//! exit codes.
//!
//! # Example
//!
//! Simulate the built-in scenario (`scenarios/stacked-3cp.yaml`, three
//! stacked control-plane machines behind HAProxy and keepalived) for a few
//! replications and read the availability of each SLI:
//!
//! ```
//! use nines::experiment::{self, RunConfig};
//! use nines::scenario::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, Scenario};
//!
//! let scenario = Scenario::parse(DEFAULT_SCENARIO, "<built-in>", DEFAULT_SCENARIO_NAME)?;
//! // Eight simulated years instead of the file's 200, to stay quick.
//! let config = RunConfig {
//!     replications: Some(8),
//!     ..RunConfig::default()
//! };
//! let result = experiment::run(&scenario, &config, &|_| {})?;
//!
//! assert_eq!(result.replications, 8);
//! assert_eq!(result.seed, scenario.seed);
//! for sli in &result.slis {
//!     let a = &sli.availability;
//!     assert!((0.0..=1.0).contains(&a.point));
//!     println!(
//!         "{:12} {:.7}  95% interval [{:.7}, {:.7}]",
//!         sli.name, a.point, a.ci.lower, a.ci.upper
//!     );
//! }
//!
//! // The same scenario, seed and replication count give the same result.
//! let again = experiment::run(&scenario, &config, &|_| {})?;
//! for (a, b) in result.slis.iter().zip(&again.slis) {
//!     assert_eq!(a.availability.point.to_bits(), b.availability.point.to_bits());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layers
//!
//! A module imports only from the layers below it, listed here from the
//! top. `tests/integration/architecture.rs` fails on any `crate::` import
//! outside its row.
//!
//! | Layer | Module | May import (`crate::…`) | Owns |
//! |---|---|---|---|
//! | binary | `main.rs`, `cli/` | the public library only; never `nines::engine`, `nines::model`, rayon or statrs | flags, files, progress, exit codes |
//! | import | [`import`] | `scenario` | Kubernetes objects (kubeadm, Nodes, workloads, HPAs, PDBs) to a commented scenario text, validated by `scenario` |
//! | report | [`report`] | `experiment`, `stats`, and `scenario` only for the vocabulary of `expect:` targets | the report value, table, JSON, CSV, charts, traces, the `check` verdicts |
//! | experiment | [`experiment`] | `model`, `scenario`, `outcome`, `stats`, `engine` | replications and threads (the only user of rayon), aggregation, shards, sweeps |
//! | model | [`model`] | `engine`, `dist`, `load`, `scenario`, `outcome` | Kubernetes HA semantics: machines, zones, etcd, endpoint, leases, data plane, autoscalers, SLIs |
//! | scenario | [`scenario`] | `dist`, `load`, `engine` | the file format, defaults, located validation, overrides and sweep grids |
//! | load, dist, outcome | [`load`], [`dist`], [`outcome`] | `load`: nothing; `dist` and `outcome`: `engine` | offered load profiles; failure and repair distributions; outage accounting |
//! | leaves | [`engine`], [`stats`], [`analytic`] | nothing | the discrete-event kernel; estimates and intervals; closed forms and Markov chains |
//!
//! The engine knows nothing of Kubernetes, the model never touches
//! threads, files or statistics, and the report sees only plain result
//! data.
//!
//! # Determinism
//!
//! For a given `nines` version, a report is a pure function of the
//! scenario (its text, and any load trace file it names), the master seed
//! and the run's options (a replication count, or a precision target with
//! its budget and cap; the confidence level), never of the wall time, the
//! machine or the number of cores:
//!
//! 1. Replication *i* draws all its randomness from
//!    [`engine::Streams`]`::new(seed, i)`: one xoshiro256++ stream per
//!    random source of the model, started from a state built from (the
//!    master seed, *i*, the source's stable name). Nothing else (time, thread,
//!    machine, environment) feeds the simulation, and one source's draws do
//!    not depend on any other's (common random numbers across parameter
//!    changes).
//! 2. Within a replication, events for the same instant fire in the order
//!    they were scheduled, and time is an integer number of microseconds
//!    (see [`engine`]).
//! 3. Replications run in parallel, but their outcomes are collected in
//!    index order and aggregated sequentially, so a report is byte-identical
//!    for any number of threads.
//! 4. A sharded run (`--shard I/N`) runs a contiguous block of indices with
//!    the same streams; `nines merge` checks that the parts belong together
//!    and aggregates them in index order through the same function as a
//!    single run, so the merged report is byte-identical to the single run
//!    for any split.
//! 5. A precision-driven run (the default without `--replications`, see
//!    [`experiment::precision`]) adds replications in rounds with the next
//!    indices, so its figures are those of a plain run with the final
//!    count. After each round it decides from its sums alone, and its
//!    budget ([`experiment::budget`]) counts simulated events, not
//!    seconds, so the same options stop it after the same replications on
//!    any machine. A sweep runs every point with the master seed: each
//!    random source of the model has its own stream, named after the
//!    component, so points differ only where the swept parameter acts
//!    (common random numbers, see [`experiment::sweep`]).
//! 6. Every JSON report records the seed, the replication count, the
//!    SHA-256 digest of the scenario text and the `nines` version, which is
//!    what it takes to reproduce it.
//!
//! `tests/integration/determinism.rs`, `shard.rs` and `golden.rs` check
//! these byte for byte.
#![warn(missing_docs)]

pub mod analytic;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod import;
pub mod load;
pub mod model;
pub mod outcome;
pub mod report;
pub mod scenario;
pub mod stats;
