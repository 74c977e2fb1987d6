//! The one integration-test binary. Each module says what belongs in it.

/// Simulated results against exact closed-form and Markov-chain answers.
mod analytic;
/// The layer rules of the crate (which module may import which).
mod architecture;
/// Exit codes, messages and files of the `nines` binary.
mod cli;
/// Same seed, same bytes, for any thread count.
mod determinism;
/// Control-plane behaviour on deterministic timelines and timer effects.
mod model;
/// Every shipped scenario validates and runs.
mod scenarios;
/// Shared helpers.
mod util;
