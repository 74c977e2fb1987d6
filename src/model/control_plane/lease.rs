//! client-go leader election, as kube-controller-manager and kube-scheduler
//! run it (docs/kubernetes-defaults.md §1.2), simulated without a tick per
//! renewal.
//!
//! The leader tries to renew on a grid: at its acquisition and every
//! `retry_period` after (client-go's `renew`: a success, a `retry_period`
//! pause, then a round of attempts every `retry_period` that gives up
//! `renew_deadline` after the round began). While it renews, the record
//! changes at every renewal and nothing needs simulating. When it stops —
//! its machine died, or its local apiserver cannot write — the record
//! freezes at its last successful renewal, on that grid.
//!
//! Each candidate polls on a jittered loop of its own (sleeps of retry x
//! (1 + U[0, 1.2))); its polls are drawn lazily, once, and kept, so a
//! re-plan never redraws them. The first of its polls after the record
//! froze that could read the lease is its observation (client-go's
//! `observedTime`): polls that fell while its apiserver could not serve
//! simply failed, and a poll that came between the last renewal and the
//! crash has already seen the final record. It takes the lease at its
//! first poll at least `lease_duration` after that observation, if it can
//! write then. Candidates need their own local apiserver to read and write
//! the lease (kubeadm points both components at the apiserver on their
//! machine). A process that (re)starts forgets what it observed and polls
//! at once.
//!
//! Polls that cannot matter are not drawn one by one: a candidate's loop
//! forgets its phase within a few dozen sleeps, so across a long stretch
//! in which no poll can observe or take the lease (the rest of a long
//! lease, or a long time unable to read it) the next poll is drawn from
//! the stationary law at the stretch's end ([`SKIP_POLLS`], [`CATCH_UP_SKIP_POLLS`]). A takeover
//! then costs the same for any lease.

use std::collections::VecDeque;
use std::fmt;

use rand::RngExt;

use crate::engine::{Ctx, EventKey, SimDuration, SimTime, StreamLabel};
use crate::model::ids::ControlPlaneId;
use crate::scenario::LeaderElection;

/// The client-go jitter factor of the candidates' retry loop
/// (docs/kubernetes-defaults.md §1.1).
const JITTER: f64 = 1.2;

/// Which leader lease: one per leader-elected component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaderLease {
    /// kube-controller-manager's.
    ControllerManager,
    /// kube-scheduler's.
    Scheduler,
}

impl LeaderLease {
    /// The component's name.
    pub fn name(self) -> &'static str {
        match self {
            LeaderLease::ControllerManager => "kube-controller-manager",
            LeaderLease::Scheduler => "kube-scheduler",
        }
    }
}

impl fmt::Display for LeaderLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happens to a leader lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseEvent {
    /// A candidate acquired the lease.
    Acquired {
        /// Which lease.
        lease: LeaderLease,
        /// The candidate, by its control-plane machine.
        candidate: ControlPlaneId,
    },
    /// A leader that could not renew gave up its lease (and restarted).
    SteppedDown {
        /// Which lease.
        lease: LeaderLease,
    },
}

/// Polls further back than this many of the longest sleeps are not walked
/// through one by one: the loop has forgotten its start, and the next poll
/// is drawn from the stationary law instead.
const MEMORY_POLLS: u64 = 32;

/// The rest of a lease longer than this many of the longest sleeps (12 h
/// at the 2 s default retry period) is skipped at once when a takeover is
/// planned: the first poll the lease allows is drawn from the stationary
/// law (the loop forgot its phase long before) instead of sleep by sleep,
/// so a takeover costs the same for any lease. Shorter leases, which
/// covers every real setting, are walked sleep by sleep, draw for draw as
/// before; the polls drawn are kept (at most about 22,000).
pub(crate) const SKIP_POLLS: u64 = 10_000;

/// A stretch longer than this many of the longest sleeps (51 days at the
/// default) in which a candidate could not read the lease is likewise
/// skipped when it catches up. These polls are walked without being kept,
/// so the bound is higher: every outage the shipped scenarios simulate is
/// walked draw for draw.
pub(crate) const CATCH_UP_SKIP_POLLS: u64 = 1_000_000;

/// One lease (one component) and its candidates.
#[derive(Clone)]
pub(crate) struct Lease {
    id: LeaderLease,
    timers: LeaderElection,
    /// The candidate holding the lease.
    pub holder: Option<usize>,
    /// The holder's last successful write of the record (as far as known:
    /// while it renews, the record also changes at every later grid point).
    record_changed_at: SimTime,
    /// Phase of the holder's renewal grid (None: the initial holder's, not
    /// drawn yet).
    renew_phase: Option<SimDuration>,
    /// Whether the holder could write at the last refresh, and since when.
    holder_able: bool,
    holder_able_since: SimTime,
    step_down: Option<EventKey>,
    /// The pending acquisition.
    plan: Option<EventKey>,
    candidates: Vec<Candidate>,
    /// The random source of the initial holder's renewal phase.
    renewals: StreamLabel,
    /// The rest of a lease longer than this many of the longest sleeps is
    /// skipped ([`SKIP_POLLS`]; lower in tests, to compare both ways).
    skip_polls: u64,
}

/// One candidate's leader-election loop.
#[derive(Clone)]
struct Candidate {
    /// Its process runs.
    alive: bool,
    /// Its apiserver can read and write the lease.
    able: bool,
    /// Its two latest spans of being able, `[from, to)` (`to` = MAX while
    /// able): whether a past poll could read the lease.
    spans: [(SimTime, SimTime); 2],
    /// Its next polls, drawn and not yet handled, in order.
    polls: VecDeque<SimTime>,
    /// When its process started (None: long before the start, so its polls
    /// are at a stationary phase).
    started: Option<SimTime>,
    /// Its first successful poll since the record last changed (None: not
    /// yet, or not since its process started).
    observed: Option<SimTime>,
    /// Its random source (the jittered sleeps).
    stream: StreamLabel,
}

impl Candidate {
    fn able_at(&self, t: SimTime) -> bool {
        self.spans.iter().any(|&(from, to)| from <= t && t < to)
    }

    /// The first instant at or after `t` at which it could read the lease
    /// (as far as its two latest spans tell; `MAX` if none).
    fn first_able_at_or_after(&self, t: SimTime) -> SimTime {
        self.spans
            .iter()
            .filter(|&&(from, to)| from < to && t < to)
            .map(|&(from, _)| from.max(t))
            .min()
            .unwrap_or(SimTime::MAX)
    }
}

impl Lease {
    /// Lease `id` among `candidates`, held by `initial`.
    pub fn new(
        id: LeaderLease,
        timers: LeaderElection,
        candidates: usize,
        initial: Option<usize>,
    ) -> Self {
        Lease {
            id,
            timers,
            holder: initial,
            record_changed_at: SimTime::ZERO,
            renew_phase: None,
            holder_able: true,
            holder_able_since: SimTime::ZERO,
            step_down: None,
            plan: None,
            candidates: (0..candidates)
                .map(|c| Candidate {
                    alive: true,
                    able: true,
                    spans: [
                        (SimTime::ZERO, SimTime::MAX),
                        (SimTime::ZERO, SimTime::ZERO),
                    ],
                    polls: VecDeque::new(),
                    started: None,
                    observed: None,
                    stream: StreamLabel::new(&["lease", id.name(), "poll", &c.to_string()]),
                })
                .collect(),
            renewals: StreamLabel::new(&["lease", id.name(), "renewal"]),
            skip_polls: SKIP_POLLS,
        }
    }

    /// Whether the component is working: a leader that can write.
    pub fn leading(&self, able: &[bool]) -> bool {
        self.holder.is_some_and(|h| able[h])
    }

    fn retry(&self) -> SimDuration {
        self.timers.retry_period
    }

    /// One jittered sleep of the candidates' loop.
    fn sleep<E>(&self, stream: StreamLabel, ctx: &mut Ctx<'_, E>) -> SimDuration {
        let retry = self.retry().as_micros() as f64;
        SimDuration::from_micros((retry * (1.0 + JITTER * ctx.rng(stream).random::<f64>())) as u64)
    }

    /// The time from an arbitrary instant to the next poll of a loop that
    /// has run for long: the sleep covering the instant is length-biased
    /// (density proportional to its length), and the instant falls
    /// uniformly within it.
    fn stationary_wait<E>(&self, stream: StreamLabel, ctx: &mut Ctx<'_, E>) -> SimDuration {
        let short = self.retry().as_micros() as f64;
        let long = short * (1.0 + JITTER);
        let rng = ctx.rng(stream);
        let covering = (short * short + rng.random::<f64>() * (long * long - short * short)).sqrt();
        SimDuration::from_micros((covering * rng.random::<f64>()) as u64)
    }

    /// The holder's renewal grid phase (the initial holder's is drawn on
    /// first use).
    fn phase<E>(&mut self, ctx: &mut Ctx<'_, E>) -> SimDuration {
        if let Some(phase) = self.renew_phase {
            return phase;
        }
        let retry = self.retry().as_micros() as f64;
        let phase =
            SimDuration::from_micros((retry * ctx.rng(self.renewals).random::<f64>()) as u64);
        self.renew_phase = Some(phase);
        phase
    }

    /// The holder's last successful renewal at or before `t`: its last
    /// grid point since it last became able, or the last one known.
    fn last_renewal<E>(&mut self, t: SimTime, ctx: &mut Ctx<'_, E>) -> SimTime {
        let phase = self.phase(ctx);
        let tried = t.grid_at_or_before(phase, self.retry());
        if self.holder_able && tried >= self.holder_able_since {
            tried.max(self.record_changed_at)
        } else {
            self.record_changed_at
        }
    }

    /// The record froze at `at`: every candidate's observation is void.
    fn record_changed(&mut self, at: SimTime) {
        if at != self.record_changed_at {
            self.record_changed_at = at;
            for c in &mut self.candidates {
                c.observed = None;
            }
        }
    }

    /// When a leader whose last success was `last` gives up: its next
    /// round of attempts starts a retry period later and ends a renew
    /// deadline after that.
    fn deadline(&self, last: SimTime) -> SimTime {
        last + self.retry() + self.timers.renew_deadline
    }

    /// `alive[i]`: candidate i's process runs; `able[i]`: its apiserver can
    /// read and write the lease.
    pub fn refresh<E: From<LeaseEvent>>(
        &mut self,
        alive: &[bool],
        able: &[bool],
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        if let Some(h) = self.holder {
            if !alive[h] {
                let last = self.last_renewal(now, ctx);
                self.record_changed(last);
                self.holder = None;
                if let Some(key) = self.step_down.take() {
                    ctx.cancel(key);
                }
            } else if !able[h] && self.holder_able {
                let last = self.last_renewal(now, ctx);
                self.record_changed(last);
                self.holder_able = false;
                if self.step_down.is_none() {
                    let at = self.deadline(last).max(now);
                    let stepped_down = LeaseEvent::SteppedDown { lease: self.id };
                    self.step_down = Some(ctx.schedule_at(at, stepped_down.into()));
                }
            } else if able[h] && !self.holder_able {
                self.holder_able = true;
                self.holder_able_since = now;
                // Its next attempt succeeds, unless the round gave up first.
                let phase = self.phase(ctx);
                let next = now.grid_at_or_after(phase, self.retry());
                if next < self.deadline(self.record_changed_at)
                    && let Some(key) = self.step_down.take()
                {
                    ctx.cancel(key);
                }
            }
        }
        for (i, c) in self.candidates.iter_mut().enumerate() {
            if c.alive && !alive[i] {
                c.alive = false;
                c.polls.clear();
                c.observed = None;
            } else if !c.alive && alive[i] {
                c.alive = true;
                c.started = Some(now);
                c.polls.clear();
                c.polls.push_back(now);
                c.observed = None;
            }
            if c.able != able[i] {
                c.able = able[i];
                if able[i] {
                    c.spans = [(now, SimTime::MAX), c.spans[0]];
                } else {
                    c.spans[0].1 = now;
                }
            }
        }
        if let Some(key) = self.plan.take() {
            ctx.cancel(key);
        }
        if self.leading(able) {
            return;
        }
        self.plan_acquisition(ctx);
    }

    /// Handles candidate `i`'s polls before `now`: the first one since the
    /// record changed that could read the lease is its observation.
    fn catch_up<E>(&mut self, i: usize, ctx: &mut Ctx<'_, E>) {
        let now = ctx.now();
        let since = self.record_changed_at;
        let stream = self.candidates[i].stream;
        let longest =
            SimDuration::from_micros((self.retry().as_micros() as f64 * (1.0 + JITTER)) as u64);
        let memory = longest.saturating_mul(MEMORY_POLLS);
        let front = self.candidates[i].polls.front().copied();
        match front {
            Some(p) if p + memory >= since => {}
            _ => {
                // A loop running since long before the record changed.
                let start = self.candidates[i].started.filter(|&s| s + memory >= since);
                let first = match start {
                    Some(s) => s,
                    None => since + self.stationary_wait(stream, ctx),
                };
                let c = &mut self.candidates[i];
                c.polls.clear();
                c.polls.push_back(first);
            }
        }
        loop {
            let p = match self.candidates[i].polls.front() {
                Some(&p) => p,
                None => {
                    let last = now;
                    self.candidates[i].polls.push_back(last);
                    continue;
                }
            };
            if p >= now {
                break;
            }
            let c = &mut self.candidates[i];
            c.polls.pop_front();
            if p >= since && c.observed.is_none() && c.able_at(p) {
                c.observed = Some(p);
            }
            if c.polls.is_empty() {
                // Up to `until`, no poll can observe the record.
                let until = if c.observed.is_some() {
                    now
                } else {
                    c.first_able_at_or_after(p.max(since)).min(now)
                };
                let next = if p + self.skip_span(CATCH_UP_SKIP_POLLS) < until {
                    until + self.stationary_wait(stream, ctx)
                } else {
                    p + self.sleep(stream, ctx)
                };
                self.candidates[i].polls.push_back(next);
            }
        }
    }

    /// The longest stretch walked sleep by sleep: `polls` of the longest
    /// sleeps ([`SKIP_POLLS`] is `skip_polls` in tests).
    fn skip_span(&self, polls: u64) -> SimDuration {
        let longest =
            SimDuration::from_micros((self.retry().as_micros() as f64 * (1.0 + JITTER)) as u64);
        longest.saturating_mul(polls)
    }

    /// Candidate `i`'s first poll at or after `target` (drawing as needed):
    /// walked sleep by sleep from its last drawn poll, or, when that is more
    /// than [`SKIP_POLLS`] sleeps back, drawn from the stationary law at
    /// `target` (no poll in between matters: nothing can happen to the
    /// lease before `target` without a re-plan).
    fn first_poll_from<E>(&mut self, i: usize, target: SimTime, ctx: &mut Ctx<'_, E>) -> SimTime {
        if let Some(&p) = self.candidates[i].polls.iter().find(|&&p| p >= target) {
            return p;
        }
        let stream = self.candidates[i].stream;
        let skip = self.skip_span(self.skip_polls);
        loop {
            let last = *self.candidates[i]
                .polls
                .back()
                .expect("a caught-up candidate has its next poll drawn");
            if last >= target {
                return last;
            }
            let next = if last + skip < target {
                target + self.stationary_wait(stream, ctx)
            } else {
                last + self.sleep(stream, ctx)
            };
            self.candidates[i].polls.push_back(next);
        }
    }

    /// The earliest acquisition among the candidates that can write now
    /// (assuming they still can then: any change re-plans).
    fn plan_acquisition<E: From<LeaseEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        let now = ctx.now();
        let lease = self.timers.lease_duration;
        let mut best: Option<(SimTime, usize)> = None;
        for i in 0..self.candidates.len() {
            let c = &self.candidates[i];
            if Some(i) == self.holder || !c.alive || !c.able {
                continue;
            }
            let at = if self.retry().is_zero() {
                // Polls at every instant: observed when the record froze
                // or when it became able, whichever is later.
                let observed = c
                    .observed
                    .unwrap_or(self.record_changed_at.max(c.spans[0].0));
                (observed + lease).max(now)
            } else {
                self.catch_up(i, ctx);
                let observed = match self.candidates[i].observed {
                    Some(seen) => seen,
                    // Its next poll, drawn by the catch-up.
                    None => *self.candidates[i]
                        .polls
                        .front()
                        .expect("a caught-up candidate has its next poll drawn"),
                };
                // The lease is longer than zero whenever the retry period
                // is (validation), so this is a poll after the observation.
                self.first_poll_from(i, observed + lease, ctx)
            };
            if best.is_none_or(|(t, _)| at < t) {
                best = Some((at, i));
            }
        }
        if let Some((at, candidate)) = best {
            let acquired = LeaseEvent::Acquired {
                lease: self.id,
                candidate: ControlPlaneId::new(candidate),
            };
            self.plan = Some(ctx.schedule_at(at, acquired.into()));
        }
    }

    /// Reacts to one of its events.
    pub fn on<E>(&mut self, event: LeaseEvent, ctx: &mut Ctx<'_, E>) {
        match event {
            LeaseEvent::Acquired { candidate, .. } => self.on_acquired(candidate, ctx),
            LeaseEvent::SteppedDown { .. } => self.on_stepped_down(ctx.now()),
        }
    }

    fn on_acquired<E>(&mut self, candidate: ControlPlaneId, ctx: &mut Ctx<'_, E>) {
        let now = ctx.now();
        let winner = candidate.index();
        self.plan = None;
        self.holder = Some(winner);
        self.holder_able = true;
        self.holder_able_since = now;
        let retry = self.retry().as_micros();
        self.renew_phase = Some(SimDuration::from_micros(if retry == 0 {
            0
        } else {
            now.as_micros() % retry
        }));
        self.record_changed(now);
        // Its candidate loop ended with the win.
        self.candidates[winner].polls.clear();
        self.candidates[winner].started = None;
        if let Some(key) = self.step_down.take() {
            ctx.cancel(key);
        }
    }

    /// The leader gave up: its process exits and restarts as a candidate,
    /// polling at once.
    fn on_stepped_down(&mut self, now: SimTime) {
        self.step_down = None;
        if let Some(h) = self.holder.take() {
            let c = &mut self.candidates[h];
            c.observed = None;
            c.started = Some(now);
            c.polls.clear();
            c.polls.push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Handler, Simulation, Streams};

    /// Hosts a lease outside a cluster model: its events are only planned.
    struct Host;

    impl Handler for Host {
        type Event = LeaseEvent;
        fn start(&mut self, _: &mut Ctx<'_, LeaseEvent>) {}
        fn on(&mut self, _: LeaseEvent, _: &mut Ctx<'_, LeaseEvent>) {}
    }

    const RETRY_SECS: u64 = 2;

    /// The leader (candidate 0) of a lease of `periods` retry periods
    /// dies at 1000 s; returns the survivor's planned takeover minus the
    /// first instant the lease allowed it (its observation plus the
    /// lease), in retry periods, and how many polls it drew.
    fn takeover_overshoot(periods: u64, skip_polls: u64, seed: u64) -> (f64, usize) {
        let retry = SimDuration::from_secs(RETRY_SECS);
        let timers = LeaderElection {
            lease_duration: retry.saturating_mul(periods),
            renew_deadline: retry.saturating_mul(2),
            retry_period: retry,
        };
        let mut lease = Lease::new(LeaderLease::ControllerManager, timers, 2, Some(0));
        lease.skip_polls = skip_polls;
        let mut sim = Simulation::new(Host, Streams::new(seed, 0));
        sim.run_until(SimTime::ZERO + SimDuration::from_secs(1000));
        sim.act(|_, ctx| lease.refresh(&[false, true], &[false, true], ctx));
        let at = sim
            .next_event_time()
            .expect("the survivor plans a takeover");
        let survivor = &lease.candidates[1];
        let observed = survivor.observed.unwrap_or(survivor.polls[0]);
        let earliest = observed + timers.lease_duration;
        let overshoot = (at - earliest).as_secs_f64() / RETRY_SECS as f64;
        (overshoot, survivor.polls.len())
    }

    /// Mean and variance of the wait from an arbitrary instant to the next
    /// poll of a loop sleeping U[1, 2.2) retry periods, long after its
    /// start (renewal theory: E[S²] / 2E[S] and E[S³] / 3E[S]).
    fn stationary_wait_moments() -> (f64, f64) {
        let (a, b) = (1.0f64, 1.0 + JITTER);
        let moment = |k: i32| (b.powi(k + 1) - a.powi(k + 1)) / ((k + 1) as f64 * (b - a));
        let mean = moment(2) / (2.0 * moment(1));
        let second = moment(3) / (3.0 * moment(1));
        (mean, second - mean * mean)
    }

    #[test]
    fn skipping_a_long_lease_draws_the_same_law_as_walking_it() {
        // 300 retry periods: walked sleep by sleep by default, skipped at
        // once when stretches beyond 32 of the longest sleeps are.
        let n = 2000;
        let walked: Vec<f64> = (0..n)
            .map(|s| takeover_overshoot(300, SKIP_POLLS, s).0)
            .collect();
        let skipped: Vec<(f64, usize)> = (0..n).map(|s| takeover_overshoot(300, 32, s)).collect();
        assert!(
            skipped.iter().all(|&(_, drawn)| drawn <= 3),
            "the skip drew polls one by one"
        );
        let skipped: Vec<f64> = skipped.into_iter().map(|(o, _)| o).collect();
        let (mean, variance) = stationary_wait_moments();
        // Both means within 4 standard errors (a 1-in-15,000 band).
        let band = 4.0 * (variance / n as f64).sqrt();
        for (how, sample) in [("walked", &walked), ("skipped", &skipped)] {
            let m = sample.iter().sum::<f64>() / n as f64;
            assert!(
                (m - mean).abs() < band,
                "{how}: mean overshoot {m} vs {mean} ± {band}"
            );
            assert!(
                sample.iter().all(|&o| (0.0..1.0 + JITTER).contains(&o)),
                "{how}"
            );
        }
        // Same law: two-sample Kolmogorov-Smirnov at the 0.1 % level.
        let (mut a, mut b) = (walked, skipped);
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let cdf = |s: &[f64], x: f64| s.partition_point(|&v| v <= x) as f64 / s.len() as f64;
        let d = a
            .iter()
            .chain(&b)
            .map(|&x| (cdf(&a, x) - cdf(&b, x)).abs())
            .fold(0.0, f64::max);
        let critical = 1.95 * (2.0 / n as f64).sqrt();
        assert!(d < critical, "KS distance {d} >= {critical}");
    }

    #[test]
    fn a_lease_of_forty_million_retry_periods_is_planned_at_once() {
        // Walked, this would draw about 2.7e7 polls.
        let (overshoot, drawn) = takeover_overshoot(43_200_000, SKIP_POLLS, 7);
        assert!(drawn <= 3, "drew {drawn} polls");
        assert!((0.0..1.0 + JITTER).contains(&overshoot), "{overshoot}");
    }
}
