//! Statistics for simulation output: sample summaries, confidence intervals
//! for means and ratio estimators, and exact bounds for rare or absent
//! events (Poisson rates, zero-failure probabilities, censored lifetimes).
//!
//! This is a leaf module: it imports nothing from the crate, so the rest of
//! the simulator can depend on it without cycles.

mod ci;
mod exact;
mod histogram;
mod moments;
mod summary;

pub use ci::{
    ConfidenceInterval, Estimate, censored_exponential_mean, poisson_rate_upper,
    student_t_critical, zero_failure_mean_lower, zero_failure_upper,
};
pub use exact::ExactSum;
pub use histogram::{BINS_PER_DECADE, DurationHistogram};
pub use moments::{Moments, RatioMoments};
pub use summary::{Summary, quantile_sorted};
