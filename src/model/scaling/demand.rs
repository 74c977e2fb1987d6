//! Offered demand: each workload's load profile plus the random load
//! spikes in progress, and the capacity check of its ready pods against it
//! (the next crossing of the level that matters is an event).

use std::collections::VecDeque;

use rand::RngExt;

use super::tally::WorkloadState;
use super::{Scaling, ScalingEvent};
use crate::engine::{Ctx, SimDuration, SimTime, StreamLabel};
use crate::model::ids::{SpikeSerial, WorkloadId};

/// A workload's offered demand beyond its profile: the load spikes in
/// progress, with their recent history (a sync reads the demand of the
/// last scrape, which may predate the latest change).
#[derive(Clone, Default)]
pub(super) struct SpikeState {
    /// Requests/s the spikes in progress add now.
    pub extra: f64,
    /// Recent changes: (time, extra from then on).
    changes: VecDeque<(SimTime, f64)>,
    /// The extra before the oldest change kept.
    before: f64,
    /// Spikes started so far (serial numbers).
    started: usize,
}

impl SpikeState {
    /// The stretches of `[a, b]` over which the extra is constant, with
    /// their extra (`a` must be within the kept history).
    fn pieces(&self, a: SimTime, b: SimTime) -> Vec<(SimTime, SimTime, f64)> {
        let mut out = Vec::new();
        let (mut from, mut extra) = (a, self.extra_at(a));
        for &(at, value) in &self.changes {
            if at > a && at < b {
                out.push((from, at, extra));
                (from, extra) = (at, value);
            }
        }
        out.push((from, b, extra));
        out
    }

    fn extra_at(&self, t: SimTime) -> f64 {
        self.changes
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(self.before, |&(_, v)| v)
    }

    /// The extra becomes `extra` at `now`; history older than `keep` that
    /// no lookup can need is dropped.
    fn set(&mut self, now: SimTime, extra: f64, keep: SimDuration) {
        self.extra = extra;
        self.changes.push_back((now, extra));
        while self.changes.len() > 1 && self.changes[1].0 + keep <= now {
            if let Some((_, v)) = self.changes.pop_front() {
                self.before = v;
            }
        }
    }
}

/// One microsecond past a crossing at `at` seconds, so the demand is past
/// the level (at the crossing itself it equals it).
pub(super) fn just_past(at: f64) -> SimTime {
    SimTime::from_micros((at * 1e6).ceil() as u64 + 1)
}

impl Scaling<'_> {
    /// Offered requests/s of workload `w` at `t` (not after now).
    pub(super) fn demand_at(&self, w: usize, t: SimTime) -> f64 {
        self.workloads[w].load.as_ref().map_or(0.0, |load| {
            load.profile.at(t.as_secs_f64()) + self.spikes[w].extra_at(t)
        })
    }

    /// How far back spike history is needed: a sync reads the last scrape,
    /// up to one resolution old, which averages over the resolution
    /// before it.
    fn history(&self) -> SimDuration {
        self.controller.metric_resolution.saturating_mul(2)
    }

    /// What metrics-server reports for workload `w` over `[a, b]` with
    /// `serving` pods, as the demand that would give it: CPU follows the
    /// served requests, so the sample averages min(demand, serving x
    /// capacity) over the window (with no pod serving, the demand itself).
    /// An empty window reports the demand at `b`.
    pub(super) fn window_demand(&self, w: usize, a: SimTime, b: SimTime, serving: usize) -> f64 {
        let Some(load) = self.workloads[w].load.as_ref() else {
            return 0.0;
        };
        if b <= a {
            return self.demand_at(w, b);
        }
        let full = (serving > 0).then_some(serving as f64 * load.capacity);
        let total: f64 = self.spikes[w]
            .pieces(a, b)
            .into_iter()
            .map(|(from, to, extra)| {
                let (x, y) = (from.as_secs_f64(), to.as_secs_f64());
                match full {
                    None => load.profile.integral(x, y) + extra * (y - x),
                    Some(full) if full <= extra => full * (y - x),
                    Some(full) => {
                        load.profile.integral_capped(x, y, full - extra) + extra * (y - x)
                    }
                }
            })
            .sum();
        total / (b.as_secs_f64() - a.as_secs_f64())
    }

    /// A load spike starts: the demand rises for its duration, and the
    /// next spike is drawn.
    pub(super) fn on_spike_started<E: From<ScalingEvent>>(
        &mut self,
        w: usize,
        ctx: &mut Ctx<'_, E>,
    ) {
        let Some(spec) = &self.workloads[w].spikes else {
            return;
        };
        let now = ctx.now();
        let keep = self.history();
        let extra = self.spikes[w].extra + spec.height;
        self.spikes[w].set(now, extra, keep);
        let spike = SpikeSerial::new(self.spikes[w].started);
        self.spikes[w].started += 1;
        if let Some(tally) = &mut self.tallies[w] {
            tally.spike_started(now);
        }
        let length = spec
            .duration
            .sample(ctx.rng(spike_stream(&self.workloads[w].name)));
        let ended = ScalingEvent::SpikeEnded {
            workload: WorkloadId::new(w),
            spike,
        };
        ctx.schedule(length, ended.into());
        self.schedule_spike(w, ctx);
    }

    /// Draws workload `w`'s next spike (exponential gaps), if it has any.
    pub(super) fn schedule_spike<E: From<ScalingEvent>>(&mut self, w: usize, ctx: &mut Ctx<'_, E>) {
        if let Some(spec) = &self.workloads[w].spikes {
            let u: f64 = ctx.rng(spike_stream(&self.workloads[w].name)).random();
            let gap = -(1.0 - u).ln() * spec.mean_interval.as_secs_f64();
            let started = ScalingEvent::SpikeStarted {
                workload: WorkloadId::new(w),
            };
            ctx.schedule(SimDuration::from_secs_f64(gap), started.into());
        }
    }

    pub(super) fn on_spike_ended(&mut self, w: usize, now: SimTime) {
        let Some(spec) = &self.workloads[w].spikes else {
            return;
        };
        let keep = self.history();
        let extra = (self.spikes[w].extra - spec.height).max(0.0);
        self.spikes[w].set(now, extra, keep);
    }

    /// After an event: whether workload `w`'s `serving` ready pods serve
    /// at least its capacity threshold of the offered load (`None` without
    /// a load). Updates its tally and time series, and plans the event at
    /// the next crossing of that level (and, while a spike waits to be
    /// absorbed, of full service).
    pub fn observe<E: From<ScalingEvent>>(
        &mut self,
        workload: WorkloadId,
        serving: usize,
        replicas: usize,
        pending: usize,
        ctx: &mut Ctx<'_, E>,
    ) -> Option<bool> {
        let w = workload.index();
        let spec = self.workloads[w].load.as_ref()?;
        let now = ctx.now();
        let (capacity, load, threshold) = (&spec.capacity, &spec.profile, &spec.threshold);
        // Served demand over offered demand, judged against the threshold.
        let extra = self.spikes[w].extra;
        let full = serving as f64 * *capacity;
        let level = full / *threshold;
        // Judged just after now, so a level the load is leaving (or
        // reaching) counts on the side it goes to.
        let t = now.as_secs_f64();
        let met = !load.above_after(t, level - extra);
        let absorbed = !load.above_after(t, full - extra);
        let state_now = WorkloadState {
            serving,
            replicas,
            pending,
            extra,
        };
        if let Some(tally) = &mut self.tallies[w] {
            tally.advance(now, load);
            tally.set(now, state_now, absorbed);
        }
        if let Some(sampler) = &mut self.sampler {
            sampler.states[w] = Some(state_now);
        }
        let watch = self.tallies[w].as_ref().is_some_and(|t| t.spike_open());
        let plan = [level, if watch { full } else { f64::NAN }, extra];
        let stale = self.crossings[w].is_none_or(|(_, planned)| {
            planned
                .iter()
                .zip(&plan)
                .any(|(a, b)| a.to_bits() != b.to_bits())
        });
        if stale {
            if let Some((key, _)) = self.crossings[w].take() {
                ctx.cancel(key);
            }
            let next = [plan[0], plan[1]]
                .into_iter()
                .filter(|l| !l.is_nan())
                .filter_map(|l| load.next_crossing(t, l - extra))
                .fold(None, |best: Option<f64>, at| {
                    Some(best.map_or(at, |b| b.min(at)))
                });
            if let Some(at) = next {
                let at = just_past(at).max(now + SimDuration::from_micros(1));
                let crossed = ScalingEvent::LoadCrossed { workload };
                self.crossings[w] = Some((ctx.schedule_at(at, crossed.into()), plan));
            }
        }
        Some(met)
    }
}

/// The random source of workload `name`'s load spikes.
fn spike_stream(name: &str) -> StreamLabel {
    StreamLabel::new(&["load", "spikes", name])
}
