//! The Cluster Autoscaler's main loop (docs/kubernetes-defaults.md §6): pending pods that no
//! node — not even one already being provisioned — can take trigger a
//! scale-up of the node group the expander picks; nodes whose requested
//! share stays under the threshold for the unneeded time, and whose pods
//! fit elsewhere within their PodDisruptionBudgets, are drained and
//! removed. A node that has not registered within the provisioning timeout
//! (its zone is down) counts as a failed scale-up: its group backs off and
//! the next scan tries another.
//!
//! Scans are simulated only when they can act: while pods wait that a new
//! node would help, or when a removal candidate's unneeded time runs out.

use rand::RngExt;

use crate::engine::{EventKey, SimDuration, SimTime};
use crate::model::dataplane::NodeView;
use crate::model::ids::MachineId;
use crate::scenario::autoscaling::{
    ClusterAutoscaler as ClusterAutoscalerSpec, Expander, NodeGroupScaling,
};
use crate::scenario::{MachineGroup, Resources};

/// A node group's back-off after a failed scale-up starts here and doubles
/// up to the maximum: the autoscaler's `initialNodeGroupBackoffDuration`
/// and `maxNodeGroupBackoffDuration` (not among the flags of
/// docs/kubernetes-defaults.md §6).
const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(300);
const BACKOFF_MAX: SimDuration = SimDuration::from_secs(1800);
/// `--unremovable-node-recheck-timeout` (docs/kubernetes-defaults.md §6).
const UNREMOVABLE_RECHECK: SimDuration = SimDuration::from_secs(300);

/// One resizable group.
#[derive(Clone)]
struct Group {
    /// Scenario group index.
    index: usize,
    scaling: NodeGroupScaling,
    allocatable: Resources,
    backoff_until: SimTime,
    backoff: SimDuration,
}

/// A node being provisioned.
#[derive(Clone)]
pub(crate) struct Provision {
    /// Its machine slot.
    pub machine: MachineId,
    /// The scenario group.
    pub group: usize,
    /// The boot and timeout events.
    pub keys: [EventKey; 2],
}

/// What a scan decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Provision this many nodes of the scenario group.
    ScaleUp {
        /// Scenario group index.
        group: usize,
        /// Nodes to add.
        nodes: usize,
    },
    /// Drain and delete the node on this machine.
    Remove {
        /// Machine slot.
        machine: MachineId,
    },
}

/// The Cluster Autoscaler's state.
#[derive(Clone)]
pub(crate) struct ClusterAutoscaler {
    spec: ClusterAutoscalerSpec,
    groups: Vec<Group>,
    phase: SimDuration,
    /// The pending scan and its time.
    pub next_scan: Option<(EventKey, SimTime)>,
    last_scale_up: Option<SimTime>,
    /// Per node (data-plane order): since when it has been unneeded.
    unneeded_since: Vec<Option<SimTime>>,
    unremovable_until: Vec<SimTime>,
    /// Nodes requested and not yet registered.
    pub provisioning: Vec<Provision>,
}

/// A pod the scheduler could not place: its requests and required group.
pub(crate) type PendingPod = (Resources, Option<usize>);

impl ClusterAutoscaler {
    /// The autoscaler of the resizable ones among `groups`, for `nodes`
    /// worker node slots, scanning at a phase of `phase_share` of its
    /// interval.
    pub fn new(
        spec: &ClusterAutoscalerSpec,
        groups: &[MachineGroup],
        nodes: usize,
        phase_share: f64,
    ) -> Self {
        let spec = spec.clone();
        let groups = groups
            .iter()
            .enumerate()
            .filter_map(|(index, g)| {
                g.autoscaling.map(|scaling| Group {
                    index,
                    scaling,
                    allocatable: g.allocatable,
                    backoff_until: SimTime::ZERO,
                    backoff: BACKOFF_INITIAL,
                })
            })
            .collect();
        let phase =
            SimDuration::from_micros((spec.scan_interval.as_micros() as f64 * phase_share) as u64);
        ClusterAutoscaler {
            spec,
            groups,
            phase,
            next_scan: None,
            last_scale_up: None,
            unneeded_since: vec![None; nodes],
            unremovable_until: vec![SimTime::ZERO; nodes],
            provisioning: Vec::new(),
        }
    }

    /// The provisioning time of a new node.
    pub fn provisioning_time(&self) -> &crate::dist::Distribution {
        &self.spec.provisioning
    }

    /// The provisioning timeout.
    pub fn max_provision_time(&self) -> SimDuration {
        self.spec.max_node_provision_time
    }

    /// A scale-up was requested at `now`.
    pub fn note_scale_up(&mut self, now: SimTime) {
        self.last_scale_up = Some(now);
    }

    /// A node of scenario group `group` registered: the group's back-off
    /// resets.
    pub fn note_registered(&mut self, group: usize) {
        if let Some(g) = self.groups.iter_mut().find(|g| g.index == group) {
            g.backoff = BACKOFF_INITIAL;
        }
    }

    /// A node of scenario group `group` failed to register: the group backs
    /// off.
    pub fn note_failed(&mut self, group: usize, now: SimTime) {
        if let Some(g) = self.groups.iter_mut().find(|g| g.index == group) {
            g.backoff_until = now + g.backoff;
            g.backoff = (g.backoff + g.backoff).min(BACKOFF_MAX);
        }
    }

    /// Nodes of scenario group `group` that exist or are coming.
    fn size(&self, group: usize, nodes: &[NodeView]) -> usize {
        nodes
            .iter()
            .filter(|n| n.group == group && n.present)
            .count()
            + self
                .provisioning
                .iter()
                .filter(|p| p.group == group)
                .count()
    }

    /// The pending pods that no upcoming node will take (first fit).
    fn unhelped(
        &self,
        pending: &[PendingPod],
        groups_alloc: impl Fn(usize) -> Resources,
    ) -> Vec<PendingPod> {
        let mut room: Vec<(usize, Resources)> = self
            .provisioning
            .iter()
            .map(|p| (p.group, groups_alloc(p.group)))
            .collect();
        pending
            .iter()
            .copied()
            .filter(|&(req, group)| {
                let slot = room
                    .iter_mut()
                    .find(|(g, free)| group.is_none_or(|want| want == *g) && fits(req, *free));
                match slot {
                    Some((_, free)) => {
                        take(free, req);
                        false
                    }
                    None => true,
                }
            })
            .collect()
    }

    fn allocatable_of(&self, group: usize) -> Resources {
        self.groups
            .iter()
            .find(|g| g.index == group)
            .map_or_else(Resources::default, |g| g.allocatable)
    }

    /// Groups that may grow now: (group position, new nodes needed, pods
    /// helped, waste score) for the pods in `pods`.
    fn options(
        &self,
        now: SimTime,
        pods: &[PendingPod],
        nodes: &[NodeView],
    ) -> Vec<(usize, usize, usize, f64)> {
        let mut out = Vec::new();
        for (position, g) in self.groups.iter().enumerate() {
            if now < g.backoff_until {
                continue;
            }
            let headroom = g.scaling.max.saturating_sub(self.size(g.index, nodes));
            if headroom == 0 {
                continue;
            }
            // First fit of the pods this group can run into new nodes.
            let mut bins: Vec<Resources> = Vec::new();
            let mut helped = 0;
            let mut requested = Resources::default();
            for &(req, group) in pods {
                if group.is_some_and(|want| want != g.index) || !fits(req, g.allocatable) {
                    continue;
                }
                let open = bins.len();
                match bins.iter_mut().find(|free| fits(req, **free)) {
                    Some(free) => take(free, req),
                    None if open < headroom => {
                        let mut free = g.allocatable;
                        take(&mut free, req);
                        bins.push(free);
                    }
                    None => continue,
                }
                helped += 1;
                requested.cpu_millis += req.cpu_millis;
                requested.memory_bytes += req.memory_bytes;
            }
            if helped == 0 {
                continue;
            }
            let n = bins.len() as f64;
            let share = |used: u64, per_node: u64| {
                if per_node == 0 {
                    0.0
                } else {
                    1.0 - used as f64 / (n * per_node as f64)
                }
            };
            let waste = share(requested.cpu_millis, g.allocatable.cpu_millis)
                + share(requested.memory_bytes, g.allocatable.memory_bytes);
            out.push((position, bins.len(), helped, waste));
        }
        out
    }

    /// One scan of the main loop.
    pub fn scan(
        &mut self,
        now: SimTime,
        nodes: &[NodeView],
        pending: &[PendingPod],
        pods_on: impl Fn(usize) -> Vec<PendingPod>,
        evictable: impl Fn(usize) -> bool,
        rng: &mut impl rand::Rng,
    ) -> Vec<Action> {
        let waiting = self.unhelped(pending, |g| self.allocatable_of(g));
        if !waiting.is_empty() {
            let options = self.options(now, &waiting, nodes);
            if let Some(&(position, count, _, _)) = self.expand(&options, rng) {
                return vec![Action::ScaleUp {
                    group: self.groups[position].index,
                    nodes: count,
                }];
            }
        }
        if self
            .last_scale_up
            .is_some_and(|at| now < at + self.spec.scale_down_delay_after_add)
        {
            return Vec::new();
        }
        // Scale-down: empty nodes all at once, else one busy node.
        let mut actions = Vec::new();
        let mut removed = vec![false; nodes.len()];
        let mut sizes: Vec<usize> = self
            .groups
            .iter()
            .map(|g| {
                nodes
                    .iter()
                    .filter(|n| n.group == g.index && n.present)
                    .count()
            })
            .collect();
        let mut busy_removed = false;
        for (i, node) in nodes.iter().enumerate() {
            let Some(since) = self.unneeded_since[i] else {
                continue;
            };
            if now < since + self.spec.scale_down_unneeded_time || now < self.unremovable_until[i] {
                continue;
            }
            let Some(position) = self.groups.iter().position(|g| g.index == node.group) else {
                continue;
            };
            if sizes[position] <= self.groups[position].scaling.min {
                continue;
            }
            let pods = pods_on(i);
            if !pods.is_empty() {
                let movable =
                    !busy_removed && evictable(i) && fits_elsewhere(&pods, nodes, i, &removed);
                if !movable {
                    self.unremovable_until[i] = now + UNREMOVABLE_RECHECK;
                    continue;
                }
                busy_removed = true;
            }
            removed[i] = true;
            sizes[position] -= 1;
            self.unneeded_since[i] = None;
            actions.push(Action::Remove {
                machine: node.machine,
            });
        }
        actions
    }

    /// The expander's choice among `(position, nodes, helped, waste)`.
    fn expand<'o>(
        &self,
        options: &'o [(usize, usize, usize, f64)],
        rng: &mut impl rand::Rng,
    ) -> Option<&'o (usize, usize, usize, f64)> {
        if options.is_empty() {
            return None;
        }
        let best: Vec<&(usize, usize, usize, f64)> = match self.spec.expander {
            Expander::Random => options.iter().collect(),
            Expander::LeastWaste => {
                let least = options.iter().map(|o| o.3).fold(f64::INFINITY, f64::min);
                options.iter().filter(|o| o.3 <= least + 1e-12).collect()
            }
            Expander::Priority => {
                let top = options
                    .iter()
                    .map(|o| self.groups[o.0].scaling.priority)
                    .max()
                    .expect("not empty");
                options
                    .iter()
                    .filter(|o| self.groups[o.0].scaling.priority == top)
                    .collect()
            }
        };
        // Ties are broken at random, as the expanders do.
        Some(best[rng.random_range(0..best.len())])
    }

    /// Brings the removal candidates up to date and returns when the next
    /// scan can act, if ever without another event.
    pub fn plan(
        &mut self,
        now: SimTime,
        nodes: &[NodeView],
        pending: &[PendingPod],
    ) -> Option<SimTime> {
        let next_scan = self.grid_at_or_after(now + SimDuration::from_micros(1));
        let mut wake: Option<SimTime> = None;
        let waiting = self.unhelped(pending, |g| self.allocatable_of(g));
        if !waiting.is_empty() {
            let growable = self.groups.iter().filter(|g| {
                g.scaling.max > self.size(g.index, nodes)
                    && waiting.iter().any(|&(req, group)| {
                        group.is_none_or(|want| want == g.index) && fits(req, g.allocatable)
                    })
            });
            for g in growable {
                let at = if now < g.backoff_until {
                    self.grid_at_or_after(g.backoff_until)
                } else {
                    next_scan
                };
                wake = Some(wake.map_or(at, |w| w.min(at)));
            }
        }
        let threshold = self.spec.scale_down_utilization_threshold;
        // Groups above their minimum, whose nodes may go (counted once,
        // not per node).
        let above_min: Vec<usize> = self
            .groups
            .iter()
            .filter(|g| {
                nodes
                    .iter()
                    .filter(|n| n.group == g.index && n.present)
                    .count()
                    > g.scaling.min
            })
            .map(|g| g.index)
            .collect();
        let resizable = |group: usize| above_min.contains(&group);
        let cooldown = self.last_scale_up.map_or(SimTime::ZERO, |at| {
            at + self.spec.scale_down_delay_after_add
        });
        for (i, node) in nodes.iter().enumerate() {
            let candidate = node.present && node.schedulable && resizable(node.group) && {
                let share = |used: u64, alloc: u64| {
                    if alloc == 0 {
                        0.0
                    } else {
                        used as f64 / alloc as f64
                    }
                };
                share(node.used.cpu_millis, node.allocatable.cpu_millis)
                    .max(share(node.used.memory_bytes, node.allocatable.memory_bytes))
                    < threshold
            };
            if !candidate {
                self.unneeded_since[i] = None;
                continue;
            }
            let since = *self.unneeded_since[i].get_or_insert(next_scan);
            let at = (since + self.spec.scale_down_unneeded_time)
                .max(self.unremovable_until[i])
                .max(cooldown);
            let at = self.grid_at_or_after(at).max(next_scan);
            wake = Some(wake.map_or(at, |w| w.min(at)));
        }
        wake
    }

    /// The first scan at or after `t`.
    fn grid_at_or_after(&self, t: SimTime) -> SimTime {
        t.grid_at_or_after(self.phase, self.spec.scan_interval)
    }
}

fn fits(req: Resources, free: Resources) -> bool {
    req.cpu_millis <= free.cpu_millis && req.memory_bytes <= free.memory_bytes
}

fn take(free: &mut Resources, req: Resources) {
    free.cpu_millis -= req.cpu_millis;
    free.memory_bytes -= req.memory_bytes;
}

/// Whether `pods` fit (first fit) into the free room of the other
/// schedulable nodes that are not being removed.
fn fits_elsewhere(
    pods: &[PendingPod],
    nodes: &[NodeView],
    except: usize,
    removed: &[bool],
) -> bool {
    let mut room: Vec<(usize, Resources)> = nodes
        .iter()
        .enumerate()
        .filter(|&(i, n)| i != except && !removed[i] && n.schedulable)
        .map(|(_, n)| {
            (
                n.group,
                Resources {
                    cpu_millis: n.allocatable.cpu_millis.saturating_sub(n.used.cpu_millis),
                    memory_bytes: n
                        .allocatable
                        .memory_bytes
                        .saturating_sub(n.used.memory_bytes),
                },
            )
        })
        .collect();
    pods.iter().all(|&(req, group)| {
        match room
            .iter_mut()
            .find(|(g, free)| group.is_none_or(|want| want == *g) && fits(req, *free))
        {
            Some((_, free)) => {
                take(free, req);
                true
            }
            None => false,
        }
    })
}
