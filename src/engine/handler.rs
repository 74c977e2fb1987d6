//! The model's side of the kernel: a handler reacting to its own events.

use super::queue::{EventKey, EventQueue};
use super::rng::{SimRng, StreamLabel, Streams};
use super::time::{SimDuration, SimTime};

/// A model driven by the kernel. `Event` is a closed enum in practice, so the
/// compiler checks that every event is handled.
pub trait Handler {
    /// The events this model schedules for itself.
    type Event;

    /// Called once at time zero, before any event: schedule the first events.
    fn start(&mut self, ctx: &mut Ctx<'_, Self::Event>);

    /// Reacts to `event` at `ctx.now()`.
    fn on(&mut self, event: Self::Event, ctx: &mut Ctx<'_, Self::Event>);
}

/// What a handler may do while handling an event: read the clock, schedule
/// and cancel events, and draw random numbers from its sources' streams.
pub struct Ctx<'a, E> {
    pub(super) now: SimTime,
    pub(super) queue: &'a mut EventQueue<E>,
    pub(super) streams: &'a mut Streams,
}

impl<E> Ctx<'_, E> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` after `delay` (zero fires after the events already
    /// scheduled for now).
    pub fn schedule(&mut self, delay: SimDuration, event: E) -> EventKey {
        self.queue.push(self.now + delay, event)
    }

    /// Schedules `event` at the absolute time `at`. Panics if `at` is in the
    /// past: that is a model bug, never a user error.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> EventKey {
        assert!(
            at >= self.now,
            "event scheduled in the past: {at:?} < {:?}",
            self.now
        );
        self.queue.push(at, event)
    }

    /// Cancels a pending event; returns whether it was still pending.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        self.queue.cancel(key)
    }

    /// The random stream of the source named `label` (see
    /// [`StreamLabel`]): each source draws from its own stream.
    pub fn rng(&mut self, label: StreamLabel) -> &mut SimRng {
        self.streams.get(label)
    }
}
