//! The precision rule: when a precision-driven run stops, and which
//! figures every run labels imprecise.
//!
//! # Headline SLIs
//!
//! The run waits for the SLIs a planner reads first: every control-plane
//! SLI (`api.write`, `api.read`, `etcd.quorum`, `etcd.leader`,
//! `controllers`, `scheduling`) and, per workload, `ready`, `requests`
//! and `capacity` ([`is_headline`]). A workload's `full` (every replica
//! ready) and `scheduled` (no pod Pending) are diagnostics of the rollout
//! and of the node pool: they are labelled like every SLI, but a run does
//! not wait for them.
//!
//! # The rule
//!
//! A headline SLI has reached the target when the relative half-width of
//! its unavailability interval, which is that of its downtime per year
//! ([`SliSummary::unavailability_relative_half_width`]), is at most the
//! target (±20 % by default, [`DEFAULT_PRECISION`]). An SLI with no
//! outage at all has no estimate whose precision could be judged: it does
//! not hold the run back, and the report gives its simulated time and the
//! bound on its outage rate instead. Because the interval comes from the
//! failing replications, reaching ±20 % takes at least about a hundred of
//! them (with `k` failing replications out of `n`, the half-width is at
//! least about `1.96 / sqrt(k)` of the mean), so a lucky few cannot stop
//! a run.
//!
//! # Replications needed
//!
//! The half-width of a mean's interval shrinks as `1 / sqrt(n)`, so an
//! SLI at relative half-width `h` after `n` replications reaches the
//! target `t` after about `n × (h / t)²` replications
//! ([`replications_needed`]). It is an estimate from the run's own spread:
//! a rare failure not seen yet can make it short.

use super::SliSummary;
use super::budget::Budget;

/// The default target: every headline SLI's downtime per year within
/// ±20 % (relative half-width of its interval).
pub const DEFAULT_PRECISION: f64 = 0.2;

/// Whether the SLI called `name` is one a precision-driven run waits for
/// (see the module docs).
pub fn is_headline(name: &str) -> bool {
    match name.strip_prefix("workload.") {
        None => true,
        Some(rest) => matches!(
            rest.rsplit('.').next(),
            Some("ready" | "requests" | "capacity")
        ),
    }
}

/// How an SLI's downtime figure stands against the precision target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionStatus {
    /// Its interval is within the target.
    Reached,
    /// Its interval is wider than the target: the figure is imprecise.
    Imprecise,
    /// No outage at all: nothing was estimated (a bound is reported).
    NoOutage,
}

impl PrecisionStatus {
    /// `reached`, `imprecise` or `no-outage`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            PrecisionStatus::Reached => "reached",
            PrecisionStatus::Imprecise => "imprecise",
            PrecisionStatus::NoOutage => "no-outage",
        }
    }
}

/// One SLI's standing against the precision target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliPrecision {
    /// The target relative half-width, e.g. 0.2.
    pub target: f64,
    /// Whether a precision-driven run waits for this SLI.
    pub headline: bool,
    /// Reached, imprecise or no outage.
    pub status: PrecisionStatus,
    /// For an imprecise SLI: about how many replications would reach the
    /// target, `n × (h / t)²`.
    pub replications_needed: Option<u64>,
}

impl SliSummary {
    /// This SLI's standing against `target` after `replications`.
    pub fn precision(&self, target: f64, replications: u64) -> SliPrecision {
        let half_width = self.unavailability_relative_half_width();
        let status = if self.unavailability_upper.is_some() || !half_width.is_finite() {
            PrecisionStatus::NoOutage
        } else if half_width <= target {
            PrecisionStatus::Reached
        } else {
            PrecisionStatus::Imprecise
        };
        SliPrecision {
            target,
            headline: is_headline(&self.name),
            status,
            replications_needed: (status == PrecisionStatus::Imprecise)
                .then(|| replications_needed(replications, half_width, target)),
        }
    }
}

/// About how many replications bring a relative half-width `half_width`,
/// seen after `replications`, down to `target`: `n × (h / t)²`, rounded
/// up (the half-width shrinks as `1 / sqrt(n)`).
pub fn replications_needed(replications: u64, half_width: f64, target: f64) -> u64 {
    let needed = replications as f64 * (half_width / target).powi(2);
    if needed >= u64::MAX as f64 {
        u64::MAX
    } else {
        (needed.ceil() as u64).max(replications)
    }
}

/// Whether every headline SLI of `slis` reached `target` (or had no
/// outage).
pub fn headline_reached(slis: &[SliSummary], target: f64, replications: u64) -> bool {
    slis.iter()
        .map(|s| s.precision(target, replications))
        .all(|p| !p.headline || p.status != PrecisionStatus::Imprecise)
}

/// What ended a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopRule {
    /// A fixed number of replications (`--replications N`, or a shard).
    Fixed,
    /// Every headline SLI reached the precision target.
    Precision,
    /// The budget was spent first.
    Budget,
    /// The cap on replications (`--max-replications`) came first.
    MaxReplications,
}

impl StopRule {
    /// `fixed`, `precision`, `budget` or `max-replications`, as in the
    /// JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            StopRule::Fixed => "fixed",
            StopRule::Precision => "precision",
            StopRule::Budget => "budget",
            StopRule::MaxReplications => "max-replications",
        }
    }
}

/// How a run was driven and what ended it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stopping {
    /// What ended the run.
    pub rule: StopRule,
    /// The precision target figures are labelled against (the default
    /// when the run had none).
    pub target: f64,
    /// Rounds of replications run (1 for a fixed count).
    pub rounds: u32,
    /// Replications of the first round.
    pub first_round: u64,
    /// The budget of a precision-driven run.
    pub budget: Option<Budget>,
    /// The cap on replications of a precision-driven run.
    pub max_replications: Option<u64>,
    /// The work a precision-driven run charged to its budget, when it is
    /// not just its replications' events (a discarded plain round, split
    /// replications' copies; see `experiment::run`).
    pub spent: Option<u64>,
}

impl Stopping {
    /// A run of exactly `replications`, labelled against the default
    /// target.
    pub fn fixed(replications: u64) -> Stopping {
        Stopping {
            rule: StopRule::Fixed,
            target: DEFAULT_PRECISION,
            rounds: 1,
            first_round: replications,
            budget: None,
            max_replications: None,
            spent: None,
        }
    }

    /// Whether a precision target was pursued and reached (`None` for a
    /// fixed count).
    pub fn precision_reached(&self) -> Option<bool> {
        match self.rule {
            StopRule::Fixed => None,
            StopRule::Precision => Some(true),
            StopRule::Budget | StopRule::MaxReplications => Some(false),
        }
    }
}

/// The total replications the next round aims at, given that the widest
/// headline SLI needs about `needed` in all (see [`replications_needed`]):
/// 10 % beyond that estimate, since the half-width it comes from is itself
/// noisy, but at least a quarter more than so far (each round ends with
/// every thread waiting for the slowest) and at most double.
pub fn round_target(replications: u64, needed: u64) -> u64 {
    let aimed = (needed as f64 * 1.1).ceil();
    let aimed = if aimed >= u64::MAX as f64 {
        u64::MAX
    } else {
        aimed as u64
    };
    aimed
        .max(replications.saturating_add(replications.div_ceil(4)))
        .min(replications.saturating_mul(2))
}

/// The next round's replication count after `replications` that cost
/// `work` (see [`super::budget::work`]), when the widest headline SLI
/// needs about `needed` replications in all: [`round_target`], but no
/// more than `cap` and no more than the remaining `budget` affords at the
/// cost per replication so far. `None` when the budget affords no more.
pub fn next_round(
    replications: u64,
    work: u64,
    budget: Budget,
    cap: u64,
    needed: u64,
) -> Option<u64> {
    if work >= budget.events || replications >= cap {
        return None;
    }
    let per_replication = (work as f64 / replications.max(1) as f64).max(1.0);
    let affordable = ((budget.events - work) as f64 / per_replication).floor() as u64;
    let next = round_target(replications, needed)
        .min(cap)
        .min(replications.saturating_add(affordable));
    (next > replications).then_some(next)
}

/// The replications the widest imprecise headline SLI of `slis` needs in
/// all (`replications` when none is imprecise).
pub fn headline_needed(slis: &[SliSummary], target: f64, replications: u64) -> u64 {
    slis.iter()
        .map(|s| s.precision(target, replications))
        .filter(|p| p.headline)
        .filter_map(|p| p.replications_needed)
        .max()
        .unwrap_or(replications)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_slis_are_the_control_plane_and_workload_service() {
        for name in [
            "api.write",
            "etcd.quorum",
            "scheduling",
            "workload.web.ready",
            "workload.web.requests",
            "workload.a.b.capacity",
        ] {
            assert!(is_headline(name), "{name}");
        }
        for name in ["workload.web.full", "workload.web.scheduled"] {
            assert!(!is_headline(name), "{name}");
        }
    }

    #[test]
    fn replications_needed_scales_with_the_square_of_the_ratio() {
        // Twice the target needs four times the replications.
        assert_eq!(replications_needed(200, 0.4, 0.2), 800);
        // 1.15 / 0.2 = 5.75; 200 x 33.0625 = 6612.5, rounded up.
        assert_eq!(replications_needed(200, 1.15, 0.2), 6613);
        assert_eq!(replications_needed(100, 0.2, 0.2), 100);
        assert_eq!(replications_needed(100, f64::INFINITY, 0.2), u64::MAX);
    }

    #[test]
    fn rounds_double_within_the_cap_and_the_budget() {
        let budget = Budget { events: 10_000 };
        let far = u64::MAX;
        // 100 replications cost 1,000: doubling fits.
        assert_eq!(next_round(100, 1_000, budget, 1_000_000, far), Some(200));
        // The cap comes first.
        assert_eq!(next_round(100, 1_000, budget, 150, far), Some(150));
        assert_eq!(next_round(150, 1_500, budget, 150, far), None);
        // 800 replications cost 8,000: 2,000 more afford 200 replications.
        assert_eq!(next_round(800, 8_000, budget, 1_000_000, far), Some(1_000));
        // Spent.
        assert_eq!(next_round(1_000, 10_000, budget, 1_000_000, far), None);
        // Less than one replication's worth left.
        assert_eq!(next_round(1_000, 9_995, budget, 1_000_000, far), None);
    }

    #[test]
    fn a_round_aims_just_past_the_estimated_need() {
        // ±11 % after 2,560 where ±10 % is wanted: about 3,098 needed, the
        // round aims 10 % beyond (3,408) instead of doubling to 5,120.
        let needed = replications_needed(2_560, 0.11, 0.10);
        assert_eq!(needed, 3_098);
        assert_eq!(round_target(2_560, needed), 3_408);
        // Nearly there: still a quarter more, so rounds stay few.
        assert_eq!(round_target(2_560, 2_600), 3_200);
        // Far away: at most double.
        assert_eq!(round_target(2_560, 100_000), 5_120);
        let budget = Budget { events: u64::MAX };
        assert_eq!(next_round(2_560, 1, budget, 1_000_000, needed), Some(3_408));
    }
}
