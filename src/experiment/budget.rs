//! The budget of a precision-driven run, in simulated work rather than
//! wall time, so that a report stays a pure function of the scenario, the
//! seed and the options.
//!
//! Work is counted in *events*: the events the replications simulated
//! (deterministic, see `engine`), plus [`REPLICATION_EVENTS`] for setting
//! up each replication (a scenario with few events per year would
//! otherwise run millions of replications for nothing). A budget written
//! as a duration, `--budget 60s`, means "about 60 s of one core": it is
//! converted at the nominal rate of [`NOMINAL_EVENTS_PER_SECOND`], which
//! is what one core of a 2020s x86 machine simulates, within a factor of
//! about two either way depending on the scenario (autoscaling and load
//! cost more per event). The conversion never looks at a clock: the same
//! budget stops the same run after the same replications on any machine,
//! with any number of threads; only the wall time differs.

use std::fmt;
use std::str::FromStr;

use crate::engine::{SimDuration, SimTime};
use crate::model::ClusterModel;
use crate::model::estimate::{EventTerm, estimate_events};
use crate::scenario::Scenario;

/// Events one core simulates per second, nominally: the rate a budget
/// written as a duration is converted at.
pub const NOMINAL_EVENTS_PER_SECOND: u64 = 1_000_000;

/// Events a replication is charged for its set-up (building the cluster
/// model and its random streams), on top of the events it simulates:
/// about what a replication costs before its first event.
pub const REPLICATION_EVENTS: u64 = 10;

/// The default budget of a precision-driven run: 60 s of one core at the
/// nominal rate.
pub const DEFAULT_BUDGET: Budget = Budget {
    events: 60 * NOMINAL_EVENTS_PER_SECOND,
};

/// The default limit on the events of one replication: 5 minutes of one
/// core at the nominal rate. Far above any shipped scenario (the most,
/// `large-5000-nodes`, simulates about 80,000 events per replication), it
/// turns a scenario whose rates are wrong by orders of magnitude (an MTTF
/// of a second on a million pods) into an error naming the cause, never a
/// hang. `--replication-budget` changes it.
pub const DEFAULT_REPLICATION_BUDGET: Budget = Budget {
    events: 300 * NOMINAL_EVENTS_PER_SECOND,
};

/// A replication simulated its whole event budget before its horizon.
#[derive(Clone, Debug)]
pub struct EventBudgetExceeded {
    /// Its index.
    pub replication: u64,
    /// The budget it had.
    pub budget: Budget,
    /// How far it got.
    pub reached: SimDuration,
    /// Its horizon.
    pub horizon: SimDuration,
    /// What its events were, by family, most first.
    pub families: Vec<(&'static str, u64)>,
    /// The scenario's largest expected source of events.
    pub dominant: Option<EventTerm>,
}

impl EventBudgetExceeded {
    /// Replication `replication` of `scenario` stopped at `now` with the
    /// state of `model`.
    pub(crate) fn new(
        scenario: &Scenario,
        replication: u64,
        budget: Budget,
        now: SimTime,
        model: &ClusterModel<'_>,
    ) -> Self {
        EventBudgetExceeded {
            replication,
            budget,
            reached: now - SimTime::ZERO,
            horizon: scenario.horizon,
            families: model.events_by_family(),
            dominant: estimate_events(scenario).dominant().cloned(),
        }
    }
}

impl fmt::Display for EventBudgetExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spent: u64 = self.families.iter().map(|&(_, n)| n).sum();
        let done = self.reached.as_secs_f64() / self.horizon.as_secs_f64().max(1e-6);
        write!(
            f,
            "replication {} ran out of events: it simulated {} events, its budget, in the first {} of its {} horizon",
            self.replication,
            thousands(spent),
            self.reached,
            self.horizon
        )?;
        if done > 0.0 {
            write!(
                f,
                " (about {:.1e} events for the whole horizon)",
                spent as f64 / done
            )?;
        }
        if let Some(&(family, n)) = self.families.first() {
            write!(
                f,
                "; {:.0} % of them were {family}",
                100.0 * n as f64 / spent.max(1) as f64
            )?;
        }
        if let Some(term) = &self.dominant {
            write!(
                f,
                "; the likely cause is {} ({}: ~{:.1e} events per replication)",
                term.source, term.rate, term.events
            )?;
        }
        write!(
            f,
            ". Check that rate, or raise the limit with --replication-budget (now {})",
            self.budget
        )
    }
}

impl std::error::Error for EventBudgetExceeded {}

/// Refuses a scenario whose replications are expected, from its rates
/// ([`estimate_events`]), to simulate more than `budget` events each,
/// naming the term that dominates.
pub fn check_event_estimate(scenario: &Scenario, budget: Budget) -> Result<(), String> {
    let estimate = estimate_events(scenario);
    let total = estimate.total();
    if total <= budget.events as f64 {
        return Ok(());
    }
    let cause = estimate.dominant().map_or(String::new(), |t| {
        format!(
            ", most of them from {} ({}: ~{:.1e} events)",
            t.source, t.rate, t.events
        )
    });
    Err(format!(
        "one replication is expected to simulate ~{total:.1e} events over the {} horizon{cause}; \
         that is more than the {} a replication may simulate. Check that rate, or allow it with \
         --replication-budget (e.g. `--replication-budget \"{:.0e} events\"`)",
        scenario.horizon,
        budget,
        total * 2.0
    ))
}

/// The work a precision-driven run may spend, in events (see the module
/// docs). Read from `60s`, `10m`, `1h` (nominal single-core time) or
/// `5e7 events`, `50M events`, `200000 events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Events, counting [`REPLICATION_EVENTS`] per replication.
    pub events: u64,
}

impl Budget {
    /// The budget of about `secs` seconds of one core at the nominal rate.
    pub fn from_nominal_secs(secs: f64) -> Budget {
        Budget {
            events: (secs * NOMINAL_EVENTS_PER_SECOND as f64).round().max(1.0) as u64,
        }
    }

    /// What the budget is worth in seconds of one core at the nominal rate.
    pub fn nominal_secs(&self) -> f64 {
        self.events as f64 / NOMINAL_EVENTS_PER_SECOND as f64
    }
}

/// The work charged for `replications` replications that simulated
/// `events` events in all.
pub fn work(replications: u64, events: u64) -> u64 {
    events.saturating_add(replications.saturating_mul(REPLICATION_EVENTS))
}

impl FromStr for Budget {
    type Err = String;

    fn from_str(text: &str) -> Result<Budget, String> {
        let text = text.trim();
        let help = "write the budget as nominal single-core time (60s, 10m, 1h) or as simulated events (5e7 events, 50M events)";
        if text.starts_with('-') {
            return Err(format!("`{text}`: a budget must be more than zero; {help}"));
        }
        let lower = text.to_ascii_lowercase();
        let count = ["events", "event", "ev"]
            .iter()
            .find_map(|suffix| lower.strip_suffix(suffix))
            .map(|n| text[..n.len()].trim());
        if let Some(number) = count {
            let (digits, scale) = match number.chars().last() {
                Some('k' | 'K') => (&number[..number.len() - 1], 1e3),
                Some('M') => (&number[..number.len() - 1], 1e6),
                Some('G') => (&number[..number.len() - 1], 1e9),
                _ => (number, 1.0),
            };
            let value: f64 = digits
                .trim()
                .parse()
                .map_err(|_| format!("`{text}`: `{number}` is not a number; {help}"))?;
            let events = value * scale;
            if events.is_nan() || events < 1.0 {
                return Err(format!(
                    "`{text}`: a budget must allow at least one event; {help}"
                ));
            }
            if events >= u64::MAX as f64 {
                return Err(format!("`{text}` is too large; {help}"));
            }
            return Ok(Budget {
                events: events.round() as u64,
            });
        }
        if let Ok(value) = text.parse::<f64>() {
            return Err(if value > 0.0 {
                format!("`{text}` has no unit; {help}")
            } else {
                format!("`{text}`: a budget must be more than zero; {help}")
            });
        }
        let duration: SimDuration = text.parse().map_err(|e| format!("{e}; or {help}"))?;
        if duration.is_zero() {
            return Err(format!("`{text}`: a budget must be more than zero; {help}"));
        }
        Ok(Budget::from_nominal_secs(duration.as_secs_f64()))
    }
}

impl fmt::Display for Budget {
    /// `60s (60,000,000 events)`: the nominal single-core seconds, then
    /// the events.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}s ({} events)",
            self.nominal_secs(),
            thousands(self.events)
        )
    }
}

/// `60000000` as `60,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_nominal_core_seconds() {
        assert_eq!("60s".parse::<Budget>().unwrap().events, 60_000_000);
        assert_eq!("2m".parse::<Budget>().unwrap().events, 120_000_000);
        assert_eq!("500ms".parse::<Budget>().unwrap().events, 500_000);
        assert_eq!(DEFAULT_BUDGET.to_string(), "60s (60,000,000 events)");
    }

    #[test]
    fn counts_are_events() {
        assert_eq!("5e7 events".parse::<Budget>().unwrap().events, 50_000_000);
        assert_eq!("50M events".parse::<Budget>().unwrap().events, 50_000_000);
        assert_eq!("200k ev".parse::<Budget>().unwrap().events, 200_000);
        assert_eq!("1 event".parse::<Budget>().unwrap().events, 1);
        assert_eq!("1234events".parse::<Budget>().unwrap().events, 1234);
    }

    #[test]
    fn zero_and_unitless_budgets_are_refused_with_a_hint() {
        for bad in ["0", "0s", "0 events", "-5s", "-1 events"] {
            let err = bad.parse::<Budget>().unwrap_err();
            assert!(
                err.contains("more than zero") || err.contains("at least one event"),
                "{bad}: {err}"
            );
        }
        assert!("60".parse::<Budget>().unwrap_err().contains("no unit"));
        assert!("lots".parse::<Budget>().unwrap_err().contains("60s"));
        assert!(
            "x events"
                .parse::<Budget>()
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn work_charges_each_replication() {
        assert_eq!(work(3, 100), 100 + 3 * REPLICATION_EVENTS);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
