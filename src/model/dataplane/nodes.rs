//! Worker nodes and their lifecycle (docs/kubernetes-defaults.md §2): a
//! silent kubelet's node is marked NotReady after the grace period, on the
//! node monitor's grid, then tainted through a per-zone rate limiter; a
//! node that hears from its kubelet again is Ready at once.

use rand::RngExt;

use super::{ControlPlaneView, DataEvent, DataPlane, NODE_LEASE_PHASES, PodState};
use crate::engine::{Ctx, EventKey, SimDuration, SimTime};
use crate::model::ids::{MachineId, NodeId, PodId, ZoneId};
use crate::scenario::Resources;

/// A worker node.
#[derive(Clone)]
pub(super) struct Node {
    pub machine: MachineId,
    pub zone: ZoneId,
    pub group: usize,
    pub allocatable: Resources,
    pub used: Resources,
    /// `used` CPU per mille of `allocatable`, as the scheduler ranks nodes
    /// (kept with `used`, so a placement divides nothing).
    pub used_permille: u64,
    /// Last lease renewal before the kubelet fell silent.
    pub silent_since: Option<SimTime>,
    pub mark: Option<EventKey>,
    pub not_ready: bool,
    pub taint: Option<EventKey>,
    pub tainted: bool,
    /// Cordoned for a drain: nothing new is placed here.
    pub cordoned: bool,
    /// Exists: a slot of a resizable group is absent until the cluster
    /// autoscaler provisions it.
    pub present: bool,
}

impl Node {
    /// A Ready, empty node on `machine` (present or not yet provisioned).
    pub fn new(
        machine: MachineId,
        zone: ZoneId,
        group: usize,
        allocatable: Resources,
        present: bool,
    ) -> Self {
        Node {
            machine,
            zone,
            group,
            allocatable,
            used: Resources::default(),
            used_permille: 0,
            silent_since: None,
            mark: None,
            not_ready: false,
            taint: None,
            tainted: false,
            cordoned: false,
            present,
        }
    }

    /// Heartbeating as far as the node lifecycle knows: Ready, untainted,
    /// with no mark or taint pending.
    pub fn quiet(&self) -> bool {
        self.silent_since.is_none()
            && self.mark.is_none()
            && self.taint.is_none()
            && !self.not_ready
            && !self.tainted
    }

    /// NotReady, not tainted and no taint pending: each refresh tries to
    /// schedule one (the zone's rate limiter may refuse).
    pub fn awaits_taint(&self) -> bool {
        self.present && self.not_ready && !self.tainted && self.taint.is_none()
    }

    /// Brings `used_permille` in line with `used`.
    pub fn note_used(&mut self) {
        self.used_permille = self.used.cpu_millis * 1000 / self.allocatable.cpu_millis.max(1);
    }
}

impl DataPlane {
    pub(super) fn refresh_node<E: From<DataEvent>>(
        &mut self,
        node: usize,
        view: &ControlPlaneView<'_>,
        ctx: &mut Ctx<'_, E>,
    ) {
        let now = ctx.now();
        if !self.nodes[node].present {
            return;
        }
        let connected = view.kubelet_connected[self.nodes[node].machine.index()];
        if connected {
            let n = &mut self.nodes[node];
            n.silent_since = None;
            for key in [n.mark.take(), n.taint.take()].into_iter().flatten() {
                ctx.cancel(key);
            }
            if n.not_ready || n.tainted {
                if n.not_ready {
                    self.node_epoch += 1;
                }
                n.not_ready = false;
                n.tainted = false;
                self.refile_node(node);
                // The kubelet is back: pending evictions stop, and a
                // StatefulSet pod that was deleted meanwhile is now gone.
                let pods = self.pods_on_node(node);
                for &pod in &pods {
                    if self.pods[pod].terminating {
                        self.delete(pod, ctx);
                        continue;
                    }
                    if let Some(key) = self.pods[pod].eviction.take() {
                        ctx.cancel(key);
                        self.pods[pod].eviction_due = false;
                    }
                    // Containers that kept running (the machine stayed up)
                    // are reported Ready again and rejoin the endpoints.
                    let p = &mut self.pods[pod];
                    if p.state == PodState::Running && !p.hung && !p.unready {
                        p.listed = true;
                    }
                    self.reindex(pod);
                }
                self.scratch = pods;
            }
            return;
        }
        let renew = self.lifecycle.lease_renew_interval.as_micros() as f64;
        let n = &mut self.nodes[node];
        if n.silent_since.is_none() {
            let back = (renew * ctx.rng(NODE_LEASE_PHASES).random::<f64>()) as u64;
            n.silent_since = Some(SimTime::from_micros(now.as_micros().saturating_sub(back)));
        }
        match (self.controllers_since, n.not_ready, n.mark) {
            (Some(since), false, None) => {
                let from =
                    n.silent_since.expect("set above").max(since) + self.lifecycle.grace_period;
                let at = from
                    .max(now)
                    .grid_at_or_after(self.monitor_phase, self.lifecycle.monitor_period);
                let marked = DataEvent::NodeMarkedNotReady {
                    node: NodeId::new(node),
                };
                n.mark = Some(ctx.schedule_at(at, marked.into()));
            }
            (None, _, Some(key)) => {
                // No controller manager: nobody watches the heartbeats.
                ctx.cancel(key);
                n.mark = None;
            }
            _ => {}
        }
        if self.nodes[node].not_ready
            && !self.nodes[node].tainted
            && self.nodes[node].taint.is_none()
        {
            self.schedule_taint(node, ctx);
        }
    }

    /// Taints go through a per-zone rate limiter (burst 1): the normal rate
    /// in a healthy or fully disrupted zone, the secondary rate (0 in small
    /// zones) in a partially disrupted one, and none while every zone is
    /// fully disrupted (the controller then blames its own connectivity).
    fn schedule_taint<E: From<DataEvent>>(&mut self, node: usize, ctx: &mut Ctx<'_, E>) {
        let zone = self.nodes[node].zone;
        let zone_counts = |z: ZoneId| {
            let in_zone: Vec<&Node> = self
                .nodes
                .iter()
                .filter(|n| n.present && n.zone == z)
                .collect();
            let not_ready = in_zone.iter().filter(|n| n.not_ready).count();
            (in_zone.len(), not_ready)
        };
        let zones: Vec<ZoneId> = {
            let mut z: Vec<ZoneId> = self
                .nodes
                .iter()
                .filter(|n| n.present)
                .map(|n| n.zone)
                .collect();
            z.sort_unstable_by_key(|z| z.index());
            z.dedup();
            z
        };
        let all_down = zones.iter().all(|&z| {
            let (total, not_ready) = zone_counts(z);
            not_ready == total
        });
        if all_down {
            return;
        }
        let (total, not_ready) = zone_counts(zone);
        let partial = not_ready > 2
            && not_ready < total
            && not_ready as f64 / total as f64 >= self.lifecycle.unhealthy_zone_threshold;
        let rate = if partial {
            if total <= self.lifecycle.large_cluster_size_threshold {
                0.0
            } else {
                self.lifecycle.secondary_eviction_rate
            }
        } else {
            self.lifecycle.eviction_rate
        };
        if rate <= 0.0 {
            return;
        }
        let next_taint = &mut self.zone_next_taint[zone.index()];
        let at = (*next_taint).max(ctx.now());
        *next_taint = at + SimDuration::from_secs_f64(1.0 / rate);
        let tainted = DataEvent::NodeTainted {
            node: NodeId::new(node),
        };
        self.nodes[node].taint = Some(ctx.schedule_at(at, tainted.into()));
    }

    /// The node is NotReady: its pods are marked NotReady and leave the
    /// endpoints.
    pub(super) fn on_marked_not_ready(&mut self, node: usize, now: SimTime) {
        let n = &mut self.nodes[node];
        n.mark = None;
        n.not_ready = true;
        self.node_epoch += 1;
        self.refile_node(node);
        self.node_watch.insert(node);
        // Deleted pods bound here are unlisted already.
        let pods = self.pods_on_node(node);
        for &pod in &pods {
            self.pods[pod].unlist(now);
            self.reindex(pod);
        }
        self.scratch = pods;
    }

    /// The live pods bound to node `node`, in pod order, in the reusable
    /// buffer (hand it back to `scratch` when done).
    pub(super) fn pods_on_node(&mut self, node: usize) -> Vec<usize> {
        let mut pods = std::mem::take(&mut self.scratch);
        pods.clear();
        pods.extend(self.index.by_node[node].iter().copied());
        pods
    }

    /// The node got its NoExecute taint: each pod's toleration starts.
    pub(super) fn on_tainted<E: From<DataEvent>>(&mut self, node: usize, ctx: &mut Ctx<'_, E>) {
        self.nodes[node].taint = None;
        self.nodes[node].tainted = true;
        self.node_watch.insert(node);
        for &pod in &self.index.by_node[node] {
            let p = &self.pods[pod];
            if p.eviction.is_some() || p.terminating {
                continue;
            }
            let toleration = self.workloads[p.workload].toleration;
            let evicted = DataEvent::PodEvicted {
                pod: PodId::new(pod),
            };
            self.pods[pod].eviction = Some(ctx.schedule(toleration, evicted.into()));
        }
    }

    pub(super) fn node_of(&self, machine: MachineId) -> Option<usize> {
        self.nodes.iter().position(|n| n.machine == machine)
    }

    /// Cordons or uncordons the node on `machine`.
    pub fn set_cordoned(&mut self, machine: MachineId, cordoned: bool) {
        if let Some(node) = self.node_of(machine) {
            self.nodes[node].cordoned = cordoned;
            self.node_epoch += 1;
            self.refile_node(node);
            self.node_watch.insert(node);
        }
    }

    /// A provisioned node registers: empty, Ready and schedulable.
    pub fn add_node(&mut self, machine: MachineId) {
        if let Some(node) = self.node_of(machine) {
            let n = &mut self.nodes[node];
            n.present = true;
            n.not_ready = false;
            n.tainted = false;
            n.cordoned = false;
            n.silent_since = None;
            n.used = Resources::default();
            n.note_used();
            self.node_epoch += 1;
            self.refile_node(node);
            self.node_watch.insert(node);
        }
    }

    /// The cluster autoscaler deletes the node on `machine` after evicting
    /// its pods (their controllers replace them elsewhere).
    pub fn remove_node<E>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        let Some(node) = self.node_of(machine) else {
            return;
        };
        let pods = self.pods_on_node(node);
        for &pod in &pods {
            self.delete(pod, ctx);
        }
        self.scratch = pods;
        let n = &mut self.nodes[node];
        for key in [n.mark.take(), n.taint.take()].into_iter().flatten() {
            ctx.cancel(key);
        }
        n.present = false;
        self.node_epoch += 1;
        self.refile_node(node);
        self.node_watch.insert(node);
    }
}
