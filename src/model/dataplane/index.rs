//! Indices over the pods, kept in step with them so that no per-event step
//! has to scan every pod: live pods per workload and per node, pending and
//! eviction-due pods, per-workload counts (ready, listed, pending, at the
//! current revision), per workload the pods on each node and in each zone
//! (topology spread, anti-affinity), and the pods `start_containers` must
//! look at.
//!
//! Every change to a pod's indexed fields is followed by
//! [`DataPlane::reindex`], which compares the pod with what was indexed for
//! it and moves only the difference, so calls may nest and repeat. Sets are
//! `BTreeSet`s so that walks over them visit pods in index order, the order
//! the full scans they replace used (it decides the order of draws and of
//! same-time events).

use std::collections::BTreeSet;

use super::DataPlane;
use super::pods::PodState;

/// What the indices know of a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Indexed {
    live: bool,
    workload: usize,
    node: Option<usize>,
    state: PodState,
    /// Listed, Running, neither hung nor unready, and bound.
    ready: bool,
    listed: bool,
    due: bool,
    terminating: bool,
    /// Its start timer is pending.
    starting: bool,
    revision: u32,
}

impl Indexed {
    /// An empty (deleted) slot.
    pub const NONE: Indexed = Indexed {
        live: false,
        workload: 0,
        node: None,
        state: PodState::Pending,
        ready: false,
        listed: false,
        due: false,
        terminating: false,
        starting: false,
        revision: 0,
    };
}

/// The indices (see the module docs).
#[derive(Clone)]
pub(super) struct PodIndex {
    /// What each pod slot was last indexed as.
    indexed: Vec<Indexed>,
    /// Deleted slots; a new pod takes the lowest.
    pub free: BTreeSet<usize>,
    pub by_workload: Vec<BTreeSet<usize>>,
    pub by_node: Vec<BTreeSet<usize>>,
    pub pending: BTreeSet<usize>,
    pub due: BTreeSet<usize>,
    /// Per workload: live pods that are ready and bound.
    pub ready: Vec<usize>,
    /// Per workload: those of `ready` on a node whose machine is down.
    pub ready_down: Vec<usize>,
    /// Per node: its machine was down at the last refresh.
    pub down: Vec<bool>,
    /// Per workload: live pods in the Service endpoints.
    pub listed: Vec<usize>,
    /// Per workload: pending pods.
    pub pending_count: Vec<usize>,
    /// Per workload: live pods of its current template revision.
    pub at_revision: Vec<usize>,
    /// `on_node[w * nodes + n]`: live pods of workload `w` bound to node `n`.
    on_node: Vec<u32>,
    /// `in_zone[w * zones + z]`: live pods of workload `w` bound in zone `z`.
    in_zone: Vec<u32>,
    nodes: usize,
    zones: usize,
    /// Pods whose containers may need starting or stopping.
    pub check: BTreeSet<usize>,
    /// Per workload: bumped on every change to one of its pods (or to the
    /// machine under one), so an unchanged number means unchanged pods.
    pub version: Vec<u64>,
    /// Bumped whenever a pod is bound or unbound: placement depends on
    /// nothing else that pods do.
    pub bindings: u64,
}

impl PodIndex {
    pub fn new(workloads: usize, nodes: usize, zones: usize) -> Self {
        PodIndex {
            indexed: Vec::new(),
            free: BTreeSet::new(),
            by_workload: vec![BTreeSet::new(); workloads],
            by_node: vec![BTreeSet::new(); nodes],
            pending: BTreeSet::new(),
            due: BTreeSet::new(),
            ready: vec![0; workloads],
            ready_down: vec![0; workloads],
            down: vec![false; nodes],
            listed: vec![0; workloads],
            pending_count: vec![0; workloads],
            at_revision: vec![0; workloads],
            on_node: vec![0; workloads * nodes],
            in_zone: vec![0; workloads * zones],
            nodes,
            zones,
            check: BTreeSet::new(),
            version: vec![0; workloads],
            bindings: 0,
        }
    }

    /// Live pods of workload `w` bound to node `n`.
    pub fn on_node(&self, w: usize, n: usize) -> usize {
        self.on_node[w * self.nodes + n] as usize
    }

    /// Number of zones.
    pub fn zones(&self) -> usize {
        self.zones
    }

    /// Live pods of workload `w` bound to nodes in zone `z`.
    pub fn in_zone(&self, w: usize, z: usize) -> usize {
        self.in_zone[w * self.zones + z] as usize
    }

    /// Node `n`'s machine is up or down now: its ready pods move in or out
    /// of `ready_down`, and its pods' containers are to be checked.
    pub fn set_down(&mut self, n: usize, down: bool) {
        if self.down[n] == down {
            return;
        }
        self.down[n] = down;
        for &pod in &self.by_node[n] {
            let k = self.indexed[pod];
            self.version[k.workload] += 1;
            if k.ready {
                if down {
                    self.ready_down[k.workload] += 1;
                } else {
                    self.ready_down[k.workload] -= 1;
                }
            }
            self.check.insert(pod);
        }
    }

    /// A new slot at the end of the pod vector.
    pub fn push_slot(&mut self) {
        self.indexed.push(Indexed::NONE);
    }
}

impl DataPlane {
    fn indexed_now(&self, pod: usize) -> Indexed {
        let p = &self.pods[pod];
        if p.deleted {
            return Indexed::NONE;
        }
        Indexed {
            live: true,
            workload: p.workload,
            node: p.node,
            state: p.state,
            ready: p.ready() && p.node.is_some(),
            listed: p.listed,
            due: p.eviction_due,
            terminating: p.terminating,
            starting: p.start.is_some(),
            revision: p.revision,
        }
    }

    /// Brings the indices in line with pod `pod` after a change to it.
    pub(super) fn reindex(&mut self, pod: usize) {
        let old = self.index.indexed[pod];
        let new = self.indexed_now(pod);
        // Fields the indices do not hold (start times) may have changed.
        self.index.version[self.pods[pod].workload] += 1;
        if old.live {
            self.index.version[old.workload] += 1;
        }
        if old == new {
            return;
        }
        if old.live {
            self.contribute(pod, old, false);
        } else {
            self.index.free.remove(&pod);
        }
        if new.live {
            self.contribute(pod, new, true);
            if new.node.is_some() {
                self.index.check.insert(pod);
            }
        } else {
            self.index.free.insert(pod);
        }
        if (old.live, old.node) != (new.live, new.node) {
            self.index.bindings += 1;
        }
        self.index.indexed[pod] = new;
    }

    /// Adds (or removes) a live pod's share of every index.
    fn contribute(&mut self, pod: usize, k: Indexed, add: bool) {
        let zone = k.node.map(|n| self.nodes[n].zone.index());
        let current = k.revision == self.revisions[k.workload];
        let ix = &mut self.index;
        let w = k.workload;
        let set = |s: &mut BTreeSet<usize>| {
            if add {
                s.insert(pod);
            } else {
                s.remove(&pod);
            }
        };
        let count = |c: &mut usize| {
            if add {
                *c += 1;
            } else {
                *c -= 1;
            }
        };
        let count32 = |c: &mut u32| {
            if add {
                *c += 1;
            } else {
                *c -= 1;
            }
        };
        set(&mut ix.by_workload[w]);
        if let (Some(n), Some(z)) = (k.node, zone) {
            set(&mut ix.by_node[n]);
            count32(&mut ix.on_node[w * ix.nodes + n]);
            count32(&mut ix.in_zone[w * ix.zones + z]);
        }
        if k.state == PodState::Pending {
            set(&mut ix.pending);
            count(&mut ix.pending_count[w]);
        }
        if k.due {
            set(&mut ix.due);
        }
        if k.ready {
            count(&mut ix.ready[w]);
            if k.node.is_some_and(|n| ix.down[n]) {
                count(&mut ix.ready_down[w]);
            }
        }
        if k.listed {
            count(&mut ix.listed[w]);
        }
        if current {
            count(&mut ix.at_revision[w]);
        }
        if let Some(n) = k.node {
            self.refile(w, n);
        }
    }

    /// Every index rebuilt from scratch equals the maintained one (a check
    /// for tests and debug builds).
    #[cfg(debug_assertions)]
    pub(super) fn assert_index(&self) {
        let mut fresh = PodIndex::new(self.workloads.len(), self.nodes.len(), self.index.zones);
        let mut copy = self.clone();
        fresh.down.clone_from(&self.index.down);
        std::mem::swap(&mut copy.index, &mut fresh);
        for _ in 0..copy.pods.len() {
            copy.index.push_slot();
        }
        for pod in 0..copy.pods.len() {
            copy.reindex(pod);
            if copy.pods[pod].deleted {
                copy.index.free.insert(pod);
            }
        }
        let (a, b) = (&self.index, &copy.index);
        assert_eq!(a.indexed, b.indexed, "pod keys");
        assert_eq!(a.free, b.free, "free slots");
        assert_eq!(a.by_workload, b.by_workload, "by workload");
        assert_eq!(a.by_node, b.by_node, "by node");
        assert_eq!(a.pending, b.pending, "pending");
        assert_eq!(a.due, b.due, "due");
        assert_eq!(a.ready, b.ready, "ready");
        assert_eq!(a.ready_down, b.ready_down, "ready down");
        assert_eq!(a.listed, b.listed, "listed");
        assert_eq!(a.pending_count, b.pending_count, "pending count");
        assert_eq!(a.at_revision, b.at_revision, "at revision");
        assert_eq!(a.on_node, b.on_node, "on node");
        assert_eq!(a.in_zone, b.in_zone, "in zone");
    }
}
