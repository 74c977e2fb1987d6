//! The one integration-test binary. Each module says what belongs in it.

/// Simulated results against exact closed-form and Markov-chain answers.
mod analytic;
/// The layer rules of the crate (which module may import which).
mod architecture;
/// Load, the HPA and the Cluster Autoscaler on deterministic timelines.
mod autoscaling;
/// Autoscaling blocks: located validation errors and Kubernetes defaults.
mod autoscaling_validation;
/// Rules mutation testing found unpinned (docs/mutation-testing.md).
mod behaviour;
/// Certificate expiry, etcd's quota and slow disks:
/// outages and their causes on derived timelines.
mod causes;
/// Charts read back: no overlapping labels and every SLI named, at 1, 5 and 20 SLIs.
mod chart_layout;
/// Charts: files written by `run --plot` and `plot`, SVG/PNG validity, determinism.
mod charts;
/// `nines check`: verdicts on intervals, exit codes, baseline test, JUnit and Markdown files.
mod check;
/// Exit codes, messages and files of the `nines` binary.
mod cli;
/// Worker nodes, pods and workloads under the real recovery timers.
mod dataplane;
/// deploy/: the restricted Pod Security Standard, the image name, one Debian release.
mod deploy;
/// Same seed, same bytes, for any thread count.
mod determinism;
/// The events a replication is expected to cost, and its limit.
mod event_budget;
/// CSV exports: long-format summary and per-replication rows.
mod export;
/// Zones, partitions, chaos plans, repair crews, attribution and traces.
mod faults;
/// Timers measured against their derived distributions: lease takeover,
/// VRRP takeover, the metrics-server window, the balancers' health checks.
mod fidelity;
/// The mutation fuzzer over the shipped scenarios: no panic, no hang, every
/// error located (`NINES_FUZZ_MUTANTS` for a longer campaign).
mod fuzz;
/// Golden reports of the shipped scenarios, byte for byte.
mod golden;
/// Load-balancer health checks per endpoint (`/healthz`, `/livez`,
/// `/readyz`, TCP) and what follows for requests.
mod health_check;
/// `nines import`: Kubernetes objects to a scenario that validates and runs.
mod import;
/// Control-plane behaviour on deterministic timelines and timer effects.
mod model;
/// Output targets checked before the run, `-` and devices, atomic writes,
/// users' files kept; bounded flags; damaged reports and parts refused.
mod output_files;
/// Outputs tools read: check verdicts as JSON, JSON Schemas, schema_version, CSV columns,
/// completions and man pages.
mod outputs;
/// The precision-driven default run, its budget, the "imprecise" labels and the warnings.
mod precision;
/// Rare-event acceleration against exact Markov-chain answers at 7-10 nines.
mod rare_events;
/// The README's commands, run as shown in a fresh directory.
mod readme;
/// etcd disaster recovery: people, crews, restore and rebuild; `recovery: none`; located errors.
mod recovery;
/// Hostile scenarios: files a scenario may read, names and counts at the
/// limits, parser errors in the planner's words.
mod robustness;
/// The scaling section of the report: served load, replicas, spikes, node cost.
mod scaling_report;
/// Every shipped scenario validates and runs.
mod scenarios;
/// Sharded runs merged back: byte-identical to a single run; mismatched parts refused.
mod shard;
/// `nines sweep`: grids of overrides, common random numbers, located errors, the `sweep:` block.
mod sweep;
/// Shared helpers.
mod util;
