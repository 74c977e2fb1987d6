//! The simulation loop: clock, queue, random streams and one handler.

use super::handler::{Ctx, Handler};
use super::queue::EventQueue;
use super::rng::Streams;
use super::time::SimTime;

/// One run of a handler: owns the clock, the pending events and the random
/// streams. It can be cloned (when the handler and its events can) to
/// continue one history along several futures.
pub struct Simulation<H: Handler> {
    now: SimTime,
    queue: EventQueue<H::Event>,
    streams: Streams,
    handler: H,
    events_handled: u64,
}

impl<H> Clone for Simulation<H>
where
    H: Handler + Clone,
    H::Event: Clone,
{
    fn clone(&self) -> Self {
        Simulation {
            now: self.now,
            queue: self.queue.clone(),
            streams: self.streams.clone(),
            handler: self.handler.clone(),
            events_handled: self.events_handled,
        }
    }
}

impl<H: Handler> Simulation<H> {
    /// Builds the simulation and lets the handler schedule its first events
    /// at time zero.
    pub fn new(mut handler: H, mut streams: Streams) -> Self {
        let mut queue = EventQueue::new();
        let mut ctx = Ctx {
            now: SimTime::ZERO,
            queue: &mut queue,
            streams: &mut streams,
        };
        handler.start(&mut ctx);
        Simulation {
            now: SimTime::ZERO,
            queue,
            streams,
            handler,
            events_handled: 0,
        }
    }

    /// Handles the next event; returns false when none is left.
    pub fn step(&mut self) -> bool {
        let Some((time, event)) = self.queue.pop() else {
            return false;
        };
        self.dispatch(time, event);
        true
    }

    /// Handles every event at or before `horizon`, then sets the clock to
    /// `horizon`. Later events stay pending.
    pub fn run_until(&mut self, horizon: SimTime) {
        while let Some((time, event)) = self.queue.pop_until(horizon) {
            self.dispatch(time, event);
        }
        self.now = self.now.max(horizon);
    }

    /// Like [`Simulation::run_until`], but stops once `max_events` events
    /// have been handled in all; returns whether it reached `horizon`.
    pub fn run_until_capped(&mut self, horizon: SimTime, max_events: u64) -> bool {
        loop {
            if self.events_handled >= max_events {
                if self.queue.peek_time().is_some_and(|time| time <= horizon) {
                    return false;
                }
                break;
            }
            let Some((time, event)) = self.queue.pop_until(horizon) else {
                break;
            };
            self.dispatch(time, event);
        }
        self.now = self.now.max(horizon);
        true
    }

    fn dispatch(&mut self, time: SimTime, event: H::Event) {
        debug_assert!(time >= self.now, "queue returned an event from the past");
        self.now = time;
        self.events_handled += 1;
        let mut ctx = Ctx {
            now: time,
            queue: &mut self.queue,
            streams: &mut self.streams,
        };
        self.handler.on(event, &mut ctx);
    }

    /// Lets `act` change the handler between events, with the same powers
    /// as while handling one (e.g. to re-draw pending timers).
    pub fn act<R>(&mut self, act: impl FnOnce(&mut H, &mut Ctx<'_, H::Event>) -> R) -> R {
        let mut ctx = Ctx {
            now: self.now,
            queue: &mut self.queue,
            streams: &mut self.streams,
        };
        act(&mut self.handler, &mut ctx)
    }

    /// Makes this copy go on with fresh randomness: every source starts the
    /// stream of `branch` (see [`Streams::fork`]).
    pub fn fork_streams(&mut self, branch: u64) {
        self.streams.fork(branch);
    }

    /// A copy that goes on with fresh randomness from the streams of
    /// `branch`: the clone followed by [`Simulation::fork_streams`], without
    /// copying the streams the fork drops.
    pub fn fork(&self, branch: u64) -> Self
    where
        H: Clone,
        H::Event: Clone,
    {
        Simulation {
            now: self.now,
            queue: self.queue.clone(),
            streams: self.streams.forked(branch),
            handler: self.handler.clone(),
            events_handled: self.events_handled,
        }
    }

    /// The time of the next pending event, if any.
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have been handled so far.
    pub fn events_handled(&self) -> u64 {
        self.events_handled
    }

    /// The handler, to read its state.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, to change it between events.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Consumes the simulation and returns the handler.
    pub fn into_handler(self) -> H {
        self.handler
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventKey, SimDuration, StreamLabel, Streams};
    use rand::RngExt;

    /// Records what fired when; `Arm` schedules, `Disarm` cancels.
    #[derive(Default)]
    struct Recorder {
        log: Vec<(u64, &'static str)>,
        armed: Option<EventKey>,
    }

    enum Ev {
        Say(&'static str),
        Arm,
        Disarm,
    }

    impl Handler for Recorder {
        type Event = Ev;
        fn start(&mut self, ctx: &mut Ctx<'_, Ev>) {
            ctx.schedule(SimDuration::from_secs(1), Ev::Arm);
            ctx.schedule(SimDuration::from_secs(2), Ev::Disarm);
            ctx.schedule(SimDuration::from_secs(2), Ev::Say("after-disarm"));
            ctx.schedule(SimDuration::from_secs(10), Ev::Say("late"));
        }
        fn on(&mut self, event: Ev, ctx: &mut Ctx<'_, Ev>) {
            let now = ctx.now().as_micros() / 1_000_000;
            match event {
                Ev::Say(what) => self.log.push((now, what)),
                Ev::Arm => {
                    self.armed = Some(ctx.schedule(SimDuration::from_secs(5), Ev::Say("bomb")));
                    ctx.schedule(SimDuration::ZERO, Ev::Say("armed"));
                }
                Ev::Disarm => {
                    assert!(ctx.cancel(self.armed.take().unwrap()));
                }
            }
        }
    }

    #[test]
    fn runs_in_order_honours_cancellation_and_stops_at_horizon() {
        let mut sim = Simulation::new(Recorder::default(), Streams::new(1, 0));
        sim.run_until(SimTime::from_micros(9_000_000));
        assert_eq!(sim.handler().log, [(1, "armed"), (2, "after-disarm")]);
        assert_eq!(sim.now(), SimTime::from_micros(9_000_000));
        assert!(sim.step());
        assert_eq!(sim.handler().log.last(), Some(&(10, "late")));
        assert!(!sim.step());
    }

    struct Draws(Vec<u64>);
    impl Handler for Draws {
        type Event = ();
        fn start(&mut self, ctx: &mut Ctx<'_, ()>) {
            ctx.schedule(SimDuration::from_secs(1), ());
        }
        fn on(&mut self, _: (), ctx: &mut Ctx<'_, ()>) {
            let x = ctx
                .rng(StreamLabel::new(&["draws"]))
                .random_range(0..1_000_000u64);
            self.0.push(x);
            if self.0.len() < 5 {
                ctx.schedule(SimDuration::from_micros(x), ());
            }
        }
    }

    #[test]
    fn a_run_depends_only_on_seed_and_index() {
        let run = |seed, index| {
            let mut sim = Simulation::new(Draws(Vec::new()), Streams::new(seed, index));
            sim.run_until(SimTime::MAX);
            sim.into_handler().0
        };
        assert_eq!(run(3, 9), run(3, 9));
        assert_ne!(run(3, 9), run(3, 10));
    }
}
