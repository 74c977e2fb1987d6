//! Where pods run and how many: the scheduler's choice of node, the
//! ReplicaSet / Deployment controllers' reconciliation (rollouts within
//! max surge and max unavailable, scale-down order), and evictions through
//! the Eviction API under PodDisruptionBudgets (docs/kubernetes-defaults.md
//! §4).

use super::pods::{Pod, PodState};
use super::{DataPlane, WorkloadId};
use crate::engine::Ctx;
use crate::model::ids::MachineId;

impl DataPlane {
    /// Creates missing pods (of the current revision) and, during a
    /// rollout, moves pods to it the way the Deployment controller does:
    /// at most `replicas + max_surge` pods, and old pods removed only while
    /// at least `replicas - max_unavailable` stay ready (unready old pods
    /// first).
    pub(super) fn reconcile<E>(&mut self, w: usize, machine_up: &[bool], ctx: &mut Ctx<'_, E>) {
        let target = self.revisions[w];
        let replicas = self.workloads[w].replicas;
        let live: Vec<usize> = (0..self.pods.len())
            .filter(|&p| !self.pods[p].deleted && self.pods[p].workload == w)
            .collect();
        let old: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&p| self.pods[p].revision != target)
            .collect();
        let new = live.len() - old.len();
        if old.is_empty() {
            for _ in live.len()..replicas {
                self.new_pod(w);
            }
            if live.len() > replicas {
                self.scale_down(live, replicas, ctx);
            }
            return;
        }
        let min_available = replicas.saturating_sub(self.workloads[w].max_unavailable);
        let mut available = self.serving(WorkloadId::new(w), machine_up).0;
        let (unready_old, ready_old): (Vec<usize>, Vec<usize>) =
            old.into_iter().partition(|&p| !self.pods[p].ready());
        let unready_count = unready_old.len();
        for p in unready_old {
            self.delete(p, ctx);
        }
        let mut removed = 0;
        for p in ready_old {
            if available <= min_available {
                break;
            }
            self.delete(p, ctx);
            available -= 1;
            removed += 1;
        }
        // Scale the new revision up within the surge limit.
        let total = live.len() - removed - unready_count;
        let max_total = replicas + self.workloads[w].max_surge;
        let create = max_total
            .saturating_sub(total)
            .min(replicas.saturating_sub(new));
        for _ in 0..create {
            self.new_pod(w);
        }
    }

    /// The ReplicaSet controller's choice of pods to delete when scaling
    /// down (`getPodsToDelete`): unbound before bound, not ready before
    /// ready, then the most recently ready first.
    fn scale_down<E>(&mut self, mut live: Vec<usize>, keep: usize, ctx: &mut Ctx<'_, E>) {
        let rank = |p: &Pod| {
            let ready = p.listed && p.state == PodState::Running;
            (p.node.is_some(), ready, std::cmp::Reverse(p.running_since))
        };
        live.sort_by_key(|&p| rank(&self.pods[p]));
        let excess = live.len() - keep;
        for &p in &live[..excess] {
            self.delete(p, ctx);
        }
    }

    /// Starts a rolling update of workload `w` to a new revision.
    pub fn start_rollout(&mut self, w: WorkloadId) {
        self.revisions[w.index()] += 1;
    }

    pub(super) fn bind(&mut self, pod: usize, node: usize) {
        let requests = self.workloads[self.pods[pod].workload].requests;
        let n = &mut self.nodes[node];
        n.used.cpu_millis += requests.cpu_millis;
        n.used.memory_bytes += requests.memory_bytes;
        self.pods[pod].node = Some(node);
        self.pods[pod].state = PodState::Starting;
        self.pods[pod].bound_at = self.now;
    }

    /// The scheduler: a feasible node with room that keeps the spread and
    /// anti-affinity rules, preferring the emptiest spread domain, then
    /// fewer pods of the workload on the node, then the least used node.
    pub(super) fn choose_node(&self, pod: usize) -> Option<usize> {
        let w = &self.workloads[self.pods[pod].workload];
        let workload = self.pods[pod].workload;
        let on_node = |node: usize| {
            self.pods
                .iter()
                .filter(|p| !p.deleted && p.workload == workload && p.node == Some(node))
                .count()
        };
        let eligible: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| {
                let node = &self.nodes[n];
                node.present && !node.not_ready && !node.cordoned
            })
            .filter(|&n| w.node_group.is_none_or(|g| self.nodes[n].group == g))
            .collect();
        let domain = |node: usize, by_zone: bool| {
            if by_zone {
                self.nodes[node].zone.index()
            } else {
                node
            }
        };
        let in_domain = |d: usize, by_zone: bool| {
            self.pods
                .iter()
                .filter(|p| !p.deleted && p.workload == workload)
                .filter_map(|p| p.node)
                .filter(|&n| domain(n, by_zone) == d)
                .count()
        };
        let mut best: Option<((usize, usize, u64), usize)> = None;
        for &node in &eligible {
            let n = &self.nodes[node];
            if n.used.cpu_millis + w.requests.cpu_millis > n.allocatable.cpu_millis
                || n.used.memory_bytes + w.requests.memory_bytes > n.allocatable.memory_bytes
            {
                continue;
            }
            let same = on_node(node);
            if w.anti_affinity == Some(true) && same > 0 {
                continue;
            }
            let mut spread_count = 0;
            if let Some(spread) = w.spread {
                let here = in_domain(domain(node, spread.by_zone), spread.by_zone);
                let least = eligible
                    .iter()
                    .map(|&e| in_domain(domain(e, spread.by_zone), spread.by_zone))
                    .min()
                    .unwrap_or(0);
                if spread.hard && here + 1 > least + spread.max_skew {
                    continue;
                }
                spread_count = here;
            }
            let used = n.used.cpu_millis * 1000 / n.allocatable.cpu_millis.max(1);
            let preferred = if w.anti_affinity == Some(false) || w.anti_affinity.is_none() {
                same
            } else {
                0
            };
            let score = (spread_count, preferred, used);
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, node));
            }
        }
        best.map(|(_, node)| node)
    }

    /// `kubectl drain`: evicts through the Eviction API every pod on the
    /// node that the workload's PodDisruptionBudget allows right now (a
    /// refused eviction is retried by the caller). Returns whether the node
    /// is empty.
    pub fn drain<E>(
        &mut self,
        machine: MachineId,
        api: bool,
        machine_up: &[bool],
        ctx: &mut Ctx<'_, E>,
    ) -> bool {
        let Some(node) = self.node_of(machine) else {
            return true;
        };
        for pod in 0..self.pods.len() {
            let p = &self.pods[pod];
            if p.deleted || p.node != Some(node) {
                continue;
            }
            let w = p.workload;
            let allowed = match self.workloads[w].pdb_min_available {
                None => true,
                Some(min) => self.serving(WorkloadId::new(w), machine_up).0 > min,
            };
            if api && allowed {
                self.delete(pod, ctx);
            }
        }
        !self.pods.iter().any(|p| !p.deleted && p.node == Some(node))
    }

    /// Whether every PodDisruptionBudget allows evicting all the pods on
    /// node `node` now.
    pub fn evictable(&self, node: usize, machine_up: &[bool]) -> bool {
        let mut per_workload = vec![0usize; self.workloads.len()];
        for p in self
            .pods
            .iter()
            .filter(|p| !p.deleted && p.node == Some(node))
        {
            per_workload[p.workload] += 1;
        }
        per_workload.iter().enumerate().all(|(w, &n)| {
            n == 0
                || self.workloads[w]
                    .pdb_min_available
                    .is_none_or(|min| self.serving(WorkloadId::new(w), machine_up).0 >= min + n)
        })
    }
}
