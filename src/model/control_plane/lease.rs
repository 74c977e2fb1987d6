//! client-go leader election, as kube-controller-manager and kube-scheduler
//! run it (docs/kubernetes-defaults.md §1.2), simulated without a tick per renewal.
//!
//! While the leader renews, nothing needs simulating. When it stops — its
//! machine died, or its local apiserver cannot write — the lease record
//! freezes at the last renewal. Each candidate notices the frozen record at
//! its next successful poll (polls every retry x (1 + U[0, 1.2))), and may
//! take the lease at its first poll at least `lease_duration` after that
//! observation. A leader unable to renew for `renew_deadline` steps down
//! and its process restarts (so it forgets what it observed). Candidates
//! need their own local apiserver to read and write the lease (kubeadm
//! points both components at the apiserver on their machine).

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

/// One lease (one component) and its candidates.
#[derive(Clone)]
pub(crate) struct Lease {
    id: LeaderLease,
    timers: LeaderElection,
    /// The candidate holding the lease.
    pub holder: Option<usize>,
    record_changed_at: SimTime,
    step_down: Option<EventKey>,
    /// The pending acquisition and the inputs it was computed from.
    plan: Option<(EventKey, PlanInputs)>,
    /// When each candidate last saw the record change (None: not since its
    /// process started).
    observed: Vec<Option<SimTime>>,
    /// Since when each candidate has been able to reach the lease.
    able_since: Vec<Option<SimTime>>,
    /// Which candidates were able when the pending plan was made.
    planned_able: Vec<bool>,
    /// The random source of the leader's renewal phase.
    renewals: StreamLabel,
    /// Each candidate's random source (its jittered polls).
    polls: Vec<StreamLabel>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct PlanInputs {
    holder: Option<usize>,
    record_changed_at: SimTime,
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
            step_down: None,
            plan: None,
            observed: vec![None; candidates],
            able_since: vec![Some(SimTime::ZERO); candidates],
            planned_able: Vec::with_capacity(candidates),
            renewals: StreamLabel::new(&["lease", id.name(), "renewal"]),
            polls: (0..candidates)
                .map(|c| StreamLabel::new(&["lease", id.name(), "poll", &c.to_string()]))
                .collect(),
        }
    }

    /// Whether the component is working: a leader that can write.
    pub fn leading(&self, able: &[bool]) -> bool {
        self.holder.is_some_and(|h| able[h])
    }

    fn last_renewal<E>(&self, ctx: &mut Ctx<'_, E>) -> SimTime {
        let back =
            self.timers.retry_period.as_micros() as f64 * ctx.rng(self.renewals).random::<f64>();
        let now = ctx.now().as_micros();
        SimTime::from_micros(now.saturating_sub(back as u64)).max(self.record_changed_at)
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
        for i in 0..able.len() {
            if !alive[i] {
                self.observed[i] = None;
            }
            match (able[i], self.able_since[i]) {
                (true, None) => self.able_since[i] = Some(now),
                (false, Some(_)) => self.able_since[i] = None,
                _ => {}
            }
        }
        if let Some(h) = self.holder {
            if !alive[h] {
                self.holder = None;
                self.record_changed_at = self.last_renewal(ctx);
                if let Some(key) = self.step_down.take() {
                    ctx.cancel(key);
                }
            } else if !able[h] {
                if self.step_down.is_none() {
                    self.record_changed_at = self.last_renewal(ctx);
                    let at = (self.record_changed_at + self.timers.renew_deadline).max(ctx.now());
                    let stepped_down = LeaseEvent::SteppedDown { lease: self.id };
                    self.step_down = Some(ctx.schedule_at(at, stepped_down.into()));
                }
            } else if let Some(key) = self.step_down.take() {
                // Renewed before the deadline: nothing changed for others.
                ctx.cancel(key);
            }
        }
        if self.leading(able) {
            if let Some((key, _)) = self.plan.take() {
                ctx.cancel(key);
            }
            return;
        }
        let inputs = PlanInputs {
            holder: self.holder,
            record_changed_at: self.record_changed_at,
        };
        if let Some((_, previous)) = self.plan
            && previous == inputs
            && self.planned_able == able
        {
            return;
        }
        if let Some((key, _)) = self.plan.take() {
            ctx.cancel(key);
        }
        self.planned_able.clear();
        self.planned_able.extend_from_slice(able);
        self.plan_acquisition(able, inputs, ctx);
    }

    /// The earliest acquisition among the able candidates.
    fn plan_acquisition<E: From<LeaseEvent>>(
        &mut self,
        able: &[bool],
        inputs: PlanInputs,
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        let retry = self.timers.retry_period.as_micros() as f64;
        let lease = self.timers.lease_duration;
        let mut best: Option<(SimTime, usize)> = None;
        for candidate in (0..able.len()).filter(|&i| able[i]) {
            let stream = self.polls[candidate];
            let gap = |ctx: &mut Ctx<'_, E>| {
                SimDuration::from_micros(
                    (retry * (1.0 + JITTER * ctx.rng(stream).random::<f64>())) as u64,
                )
            };
            // Polls run since the candidate could reach the lease; the first
            // one after the record froze (at a uniform point of a gap) sees
            // the final version.
            let base = self
                .record_changed_at
                .max(self.able_since[candidate].unwrap_or(now));
            let first_poll = base
                + SimDuration::from_micros(
                    (gap(ctx).as_micros() as f64 * ctx.rng(stream).random::<f64>()) as u64,
                );
            let observed = match self.observed[candidate] {
                Some(seen) if seen >= self.record_changed_at && seen <= now => seen,
                _ => {
                    self.observed[candidate] = Some(first_poll);
                    first_poll
                }
            };
            let earliest = observed + lease;
            let mut poll = observed;
            if retry == 0.0 {
                poll = poll.max(earliest);
            }
            while poll < earliest {
                poll += gap(ctx);
            }
            // Redrawn polls of a re-planned candidate may fall in the past.
            let poll = poll.max(now);
            if best.is_none_or(|(t, _)| poll < t) {
                best = Some((poll, candidate));
            }
        }
        if let Some((at, candidate)) = best {
            let acquired = LeaseEvent::Acquired {
                lease: self.id,
                candidate: ControlPlaneId::new(candidate),
            };
            let key = ctx.schedule_at(at, acquired.into());
            self.plan = Some((key, inputs));
        }
    }

    /// Reacts to one of its events.
    pub fn on<E>(&mut self, event: LeaseEvent, ctx: &mut Ctx<'_, E>) {
        match event {
            LeaseEvent::Acquired { candidate, .. } => self.on_acquired(candidate, ctx),
            LeaseEvent::SteppedDown { .. } => self.on_stepped_down(),
        }
    }

    fn on_acquired<E>(&mut self, candidate: ControlPlaneId, ctx: &mut Ctx<'_, E>) {
        let now = ctx.now();
        self.plan = None;
        self.holder = Some(candidate.index());
        self.record_changed_at = now;
        self.observed.iter_mut().for_each(|o| *o = None);
        if let Some(key) = self.step_down.take() {
            ctx.cancel(key);
        }
    }

    /// The leader gave up: its process exits and restarts as a candidate.
    fn on_stepped_down(&mut self) {
        self.step_down = None;
        if let Some(h) = self.holder.take() {
            self.observed[h] = None;
        }
    }
}
