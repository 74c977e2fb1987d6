//! The generic discrete-event kernel. It knows nothing of Kubernetes,
//! scenarios or reports, and imports nothing from the rest of the crate.
//!
//! Guarantees (the model and the experiment layer rely on them):
//!
//! 1. Time is an integer count of microseconds ([`SimTime`]), so comparisons
//!    are exact.
//! 2. Events fire in order of (time, scheduling sequence): two events for the
//!    same instant fire in the order they were scheduled.
//! 3. Cancelling an event is O(1) and never searches the queue; cancelling an
//!    event that already fired (or was cancelled) does nothing.
//! 4. All randomness of one replication comes from [`Streams`]: one
//!    [`SimRng`] stream per random source of the model, derived from
//!    (master seed, replication index, branch, source label) alone.

mod handler;
mod queue;
mod rng;
mod sim;
mod time;

pub use handler::{Ctx, Handler};
pub use queue::{EventKey, EventQueue};
pub use rng::{SimRng, StreamLabel, Streams, replication_rng};
pub use sim::Simulation;
pub use time::{ParseDurationError, SimDuration, SimTime};
