//! The run settings: horizon, warmup and replications.

use serde_saphyr::Spanned;

use super::checker::{Checker, duration_or};
use crate::engine::SimDuration;
use crate::scenario::schema::Duration;
use crate::scenario::{DEFAULT_HORIZON, DEFAULT_REPLICATIONS};

/// The top-level `horizon:`, the length of each simulated lifetime.
pub(super) fn horizon(check: &mut Checker<'_>, raw: &Option<Spanned<Duration>>) -> SimDuration {
    let horizon = duration_or(raw, DEFAULT_HORIZON);
    if let Some(h) = raw
        && h.value.0.is_zero()
    {
        check.at(
            &h.referenced,
            "horizon",
            "must be longer than zero, e.g. 1y",
        );
    }
    horizon
}

/// The top-level `warmup:`, which must end before the horizon.
pub(super) fn warmup(
    check: &mut Checker<'_>,
    raw: &Option<Spanned<Duration>>,
    horizon: SimDuration,
) -> SimDuration {
    let warmup = duration_or(raw, SimDuration::ZERO);
    if let Some(w) = raw
        && w.value.0 >= horizon
    {
        check.at(
            &w.referenced,
            "warmup",
            format!("must be shorter than the horizon ({horizon})"),
        );
    }
    warmup
}

/// The top-level `replications:`.
pub(super) fn replications(check: &mut Checker<'_>, raw: &Option<Spanned<u64>>) -> u64 {
    match raw {
        Some(r) => check.count(r, "replications", 2, crate::scenario::MAX_REPLICATIONS) as u64,
        None => DEFAULT_REPLICATIONS,
    }
}
