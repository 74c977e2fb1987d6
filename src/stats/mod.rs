//! Statistics for simulation output: sample summaries, confidence intervals
//! for means and ratio estimators, exact bounds for rare or absent events
//! (Poisson rates, zero-failure probabilities, censored lifetimes), and the
//! comparison of two runs (paired differences, one-sided t tests, Holm's
//! multiple-comparison control).
//!
//! This is a leaf module: it imports nothing from the crate, so the rest of
//! the simulator can depend on it without cycles.

mod ci;
mod compare;
mod exact;
mod histogram;
mod moments;
mod summary;

pub use ci::{
    ConfidenceInterval, Estimate, censored_exponential_mean, poisson_rate_upper,
    student_t_critical, zero_failure_mean_lower, zero_failure_upper,
};
pub use compare::{
    PairedDifference, holm_adjusted, one_sided_t_critical, paired_difference, student_t_upper_tail,
};
pub use exact::ExactSum;
pub use histogram::{BINS_PER_DECADE, DurationHistogram};
pub use moments::{Moments, RatioMoments};
pub use summary::{Summary, quantile_sorted};
