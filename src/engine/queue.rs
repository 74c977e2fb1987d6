//! The pending-event set: a binary min-heap on (time, sequence) with O(1)
//! lazy cancellation.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// Names one scheduled event so it can be cancelled. Keys of fired or
/// cancelled events go stale: cancelling them again does nothing.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventKey {
    slot: u32,
    generation: u32,
}

/// A heap entry: when, in which order among equal times, and the slot
/// holding the event. The event itself stays in the slot table, so entries
/// are small and cheap to move while the heap sifts.
#[derive(Clone, Copy)]
struct Entry {
    time: SimTime,
    seq: u64,
    key: EventKey,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed so that `BinaryHeap` (a max-heap) pops the earliest time and,
    /// among equal times, the lowest sequence number first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Pending events ordered by (time, scheduling sequence).
///
/// Cancellation does not search: every event owns a slot whose generation
/// is bumped when the event fires or is cancelled; an entry whose generation
/// no longer matches its slot is stale and is skipped when it reaches the
/// top. Slots are recycled through a free list, so a steady-state simulation
/// allocates nothing per event.
///
/// Popping leaves the fired event's entry at the top of the heap until the
/// next operation: most handlers schedule a successor while handling an
/// event, and that push then overwrites the top and sifts it down once,
/// instead of a pop's sift followed by a push's. Sequence numbers are
/// unique, so the order of events is the same either way.
#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    /// The pending event of each slot (`None` once fired or cancelled).
    events: Vec<Option<E>>,
    generations: Vec<u32>,
    free_slots: Vec<u32>,
    next_seq: u64,
    live: usize,
    /// The top entry belongs to an event already popped: the next push
    /// replaces it, any other access removes it first.
    fired_on_top: bool,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            events: Vec::new(),
            generations: Vec::new(),
            free_slots: Vec::new(),
            next_seq: 0,
            live: 0,
            fired_on_top: false,
        }
    }

    /// Adds `event` at `time` and returns its key.
    pub fn push(&mut self, time: SimTime, event: E) -> EventKey {
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.generations.len())
                    .expect("more than 4 billion pending events");
                self.generations.push(0);
                self.events.push(None);
                slot
            }
        };
        let key = EventKey {
            slot,
            generation: self.generations[slot as usize],
        };
        self.events[slot as usize] = Some(event);
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { time, seq, key };
        if self.fired_on_top {
            self.fired_on_top = false;
            *self.heap.peek_mut().expect("the fired entry is on top") = entry;
        } else {
            self.heap.push(entry);
        }
        self.live += 1;
        key
    }

    /// Cancels the event named by `key`. Returns whether it was still pending.
    pub fn cancel(&mut self, key: EventKey) -> bool {
        let Some(generation) = self.generations.get_mut(key.slot as usize) else {
            return false;
        };
        if *generation != key.generation {
            return false;
        }
        // The heap entry stays until it surfaces; the bumped generation marks
        // it stale. The slot is recycled only then, so a stale entry can never
        // be mistaken for a live one of a later generation.
        *generation = generation.wrapping_add(1);
        self.events[key.slot as usize] = None;
        self.live -= 1;
        true
    }

    /// Removes and returns the earliest pending event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// Removes and returns the earliest pending event if it is due at or
    /// before `horizon`.
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        let top = self.peek_live()?;
        if top.time > horizon {
            return None;
        }
        let slot = top.key.slot as usize;
        self.generations[slot] = self.generations[slot].wrapping_add(1);
        self.free_slots.push(top.key.slot);
        self.live -= 1;
        self.fired_on_top = true;
        let event = self.events[slot]
            .take()
            .expect("a live slot holds its event");
        Some((top.time, event))
    }

    /// The time of the earliest pending event, dropping cancelled ones on top.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.peek_live().map(|entry| entry.time)
    }

    /// The earliest live entry, after dropping the fired and cancelled ones
    /// on top.
    fn peek_live(&mut self) -> Option<Entry> {
        if self.fired_on_top {
            // Its slot was recycled when it fired.
            self.fired_on_top = false;
            self.heap.pop();
        }
        while let Some(&top) = self.heap.peek() {
            if self.generations[top.key.slot as usize] == top.key.generation {
                return Some(top);
            }
            // Cancelled earlier: its slot can be reused now.
            self.heap.pop();
            self.free_slots.push(top.key.slot);
        }
        None
    }

    /// Number of pending (not cancelled) events.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(micros: u64) -> SimTime {
        SimTime::from_micros(micros)
    }

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        for (time, name) in [(30, "c"), (10, "a"), (20, "b")] {
            q.push(t(time), name);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn equal_times_fire_in_scheduling_order() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(t(5), i);
        }
        q.push(t(1), -1);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        let mut expected = vec![-1];
        expected.extend(0..100);
        assert_eq!(order, expected);
    }

    #[test]
    fn cancelled_events_never_fire() {
        let mut q = EventQueue::new();
        let a = q.push(t(1), "a");
        let b = q.push(t(2), "b");
        q.push(t(3), "c");
        assert!(q.cancel(b));
        assert_eq!(q.len(), 2);
        assert!(!q.cancel(b), "second cancel is a no-op");
        assert_eq!(q.pop(), Some((t(1), "a")));
        assert!(!q.cancel(a), "cancelling a fired event is a no-op");
        assert_eq!(q.pop(), Some((t(3), "c")));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn stale_keys_do_not_cancel_recycled_slots() {
        let mut q = EventQueue::new();
        let old = q.push(t(1), 1);
        assert_eq!(q.pop(), Some((t(1), 1)));
        let new = q.push(t(2), 2);
        assert_eq!(old.slot, new.slot, "slot recycled");
        assert!(!q.cancel(old));
        assert_eq!(q.pop(), Some((t(2), 2)));
    }

    #[test]
    fn cancelled_slot_is_reused_only_after_it_surfaces() {
        let mut q = EventQueue::new();
        let a = q.push(t(10), 'a');
        q.cancel(a);
        let b = q.push(t(5), 'b');
        assert_ne!(a.slot, b.slot);
        assert_eq!(q.peek_time(), Some(t(5)));
        assert_eq!(q.pop(), Some((t(5), 'b')));
        assert_eq!(q.peek_time(), None, "stale entry dropped");
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn steady_state_reuses_slots() {
        let mut q = EventQueue::new();
        for i in 0..10 {
            q.push(t(i), i);
        }
        for round in 0..1_000u64 {
            let (time, e) = q.pop().unwrap();
            q.push(
                time + crate::engine::SimDuration::from_micros(10 + round % 7),
                e,
            );
        }
        assert_eq!(q.generations.len(), 10);
    }

    #[test]
    fn a_push_after_a_pop_keeps_the_order() {
        // The push that overwrites the fired entry may be earlier or later
        // than everything pending; pops must come out sorted either way,
        // with ties in scheduling order, as with a plain pop and push.
        let mut q = EventQueue::new();
        let mut reference = Vec::new();
        let mut state: u64 = 1;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 59
        };
        let mut seq = 0;
        for _ in 0..20 {
            let at = next();
            q.push(t(at), seq);
            reference.push((at, seq));
            seq += 1;
        }
        let mut popped = Vec::new();
        let mut now = 0;
        while let Some((time, e)) = q.pop() {
            now = time.as_micros();
            popped.push((now, e));
            for _ in 0..(next() % 3) {
                let at = now + next();
                q.push(t(at), seq);
                reference.push((at, seq));
                seq += 1;
            }
            if popped.len() > 500 {
                break;
            }
        }
        assert!(now > 0);
        reference.sort();
        assert_eq!(popped, reference[..popped.len()]);
    }

    #[test]
    fn a_cancel_between_a_pop_and_a_push_is_seen() {
        let mut q = EventQueue::new();
        q.push(t(1), 'a');
        let b = q.push(t(2), 'b');
        q.push(t(3), 'c');
        assert_eq!(q.pop(), Some((t(1), 'a')));
        assert!(q.cancel(b));
        q.push(t(2), 'd');
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((t(2), 'd')));
        assert_eq!(q.pop(), Some((t(3), 'c')));
        assert_eq!(q.pop(), None);
    }
}
