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
        let count = self.index.by_workload[w].len();
        if count == replicas && self.index.at_revision[w] == count {
            // The common case: nothing to create, delete or roll.
            return;
        }
        if count < replicas && self.index.at_revision[w] == count {
            // Pods missing and no rollout: create them without walking the
            // live ones (the general path below does the same).
            for _ in count..replicas {
                self.new_pod(w);
            }
            return;
        }
        let live: Vec<usize> = self.index.by_workload[w].iter().copied().collect();
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
        // No live pod has the new revision yet.
        self.index.at_revision[w.index()] = 0;
    }

    pub(super) fn bind(&mut self, pod: usize, node: usize) {
        let requests = self.workloads[self.pods[pod].workload].requests;
        let n = &mut self.nodes[node];
        n.used.cpu_millis += requests.cpu_millis;
        n.used.memory_bytes += requests.memory_bytes;
        n.note_used();
        self.pods[pod].node = Some(node);
        self.pods[pod].state = PodState::Starting;
        self.pods[pod].bound_at = self.now;
        self.reindex(pod);
        self.refile_node(node);
    }

    /// The scheduler: a feasible node with room that keeps the spread and
    /// anti-affinity rules, preferring the emptiest spread domain, then
    /// fewer pods of the workload on the node, then the least used node
    /// (then the lower node index). Each zone's eligible nodes are kept in
    /// that order (`order`), so a zone's best is its first feasible node.
    pub(super) fn choose_node(&self, pod: usize) -> Option<usize> {
        let workload = self.pods[pod].workload;
        let w = &self.workloads[workload];
        let zones = 0..self.index.zones();
        let order = &self.order;
        let occupied = |z: &usize| !order.in_zone(workload, *z).is_empty();
        // The least-populated spread domain among the eligible nodes' (0
        // without any).
        let least = w.spread.map_or(0, |spread| {
            let least = if spread.by_zone {
                zones
                    .clone()
                    .filter(occupied)
                    .map(|z| self.index.in_zone(workload, z))
                    .min()
            } else {
                zones
                    .clone()
                    .filter_map(|z| order.in_zone(workload, z).first())
                    .map(|&(same, _, _)| same as usize)
                    .min()
            };
            least.unwrap_or(0)
        });
        let hard_anti_affinity = w.anti_affinity == Some(true);
        let mut best: Option<((usize, usize, u64), usize)> = None;
        for z in zones.filter(occupied) {
            let zone_count = self.index.in_zone(workload, z);
            if let Some(spread) = w.spread
                && spread.by_zone
                && spread.hard
                && zone_count + 1 > least + spread.max_skew
            {
                continue;
            }
            for &(same, used, node) in order.in_zone(workload, z) {
                let same = same as usize;
                // Nodes further on have at least as many of the pods.
                if hard_anti_affinity && same > 0 {
                    break;
                }
                let mut spread_count = 0;
                if let Some(spread) = w.spread {
                    if spread.by_zone {
                        spread_count = zone_count;
                    } else {
                        if spread.hard && same + 1 > least + spread.max_skew {
                            break;
                        }
                        spread_count = same;
                    }
                }
                let n = &self.nodes[node];
                if n.used.cpu_millis + w.requests.cpu_millis > n.allocatable.cpu_millis
                    || n.used.memory_bytes + w.requests.memory_bytes > n.allocatable.memory_bytes
                {
                    continue;
                }
                let preferred = if hard_anti_affinity { 0 } else { same };
                let score = (spread_count, preferred, used);
                if best.is_none_or(|(s, b)| (score, node) < (s, b)) {
                    best = Some((score, node));
                }
                // The rest of the zone ranks after this node.
                break;
            }
        }
        #[cfg(debug_assertions)]
        assert_eq!(
            best.map(|(_, node)| node),
            self.choose_node_by_scan(pod),
            "placement of pod {pod}"
        );
        best.map(|(_, node)| node)
    }

    /// `choose_node` by a scan of every eligible node in node order, as it
    /// was before the node orders (a check for debug builds).
    #[cfg(debug_assertions)]
    fn choose_node_by_scan(&self, pod: usize) -> Option<usize> {
        let workload = self.pods[pod].workload;
        let w = &self.workloads[workload];
        let group = w.node_group;
        let eligible: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                let node = &self.nodes[i];
                node.present
                    && !node.not_ready
                    && !node.cordoned
                    && group.is_none_or(|g| node.group == g)
            })
            .collect();
        let mut zones: Vec<usize> = eligible
            .iter()
            .map(|&n| self.nodes[n].zone.index())
            .collect();
        zones.sort_unstable();
        zones.dedup();
        let in_domain = |node: usize, by_zone: bool| {
            if by_zone {
                self.index.in_zone(workload, self.nodes[node].zone.index())
            } else {
                self.index.on_node(workload, node)
            }
        };
        let least = w.spread.map_or(0, |spread| {
            if spread.by_zone {
                zones
                    .iter()
                    .map(|&z| self.index.in_zone(workload, z))
                    .min()
                    .unwrap_or(0)
            } else {
                eligible
                    .iter()
                    .map(|&n| self.index.on_node(workload, n))
                    .min()
                    .unwrap_or(0)
            }
        });
        let mut best: Option<((usize, usize, u64), usize)> = None;
        for &node in &eligible {
            let n = &self.nodes[node];
            if n.used.cpu_millis + w.requests.cpu_millis > n.allocatable.cpu_millis
                || n.used.memory_bytes + w.requests.memory_bytes > n.allocatable.memory_bytes
            {
                continue;
            }
            let same = self.index.on_node(workload, node);
            if w.anti_affinity == Some(true) && same > 0 {
                continue;
            }
            let mut spread_count = 0;
            if let Some(spread) = w.spread {
                let here = in_domain(node, spread.by_zone);
                if spread.hard && here + 1 > least + spread.max_skew {
                    continue;
                }
                spread_count = here;
            }
            let used = n.used_permille;
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
        let pods = self.pods_on_node(node);
        for &pod in &pods {
            let w = self.pods[pod].workload;
            let allowed = match self.workloads[w].pdb_min_available {
                None => true,
                Some(min) => self.serving(WorkloadId::new(w), machine_up).0 > min,
            };
            if api && allowed {
                self.delete(pod, ctx);
            }
        }
        self.scratch = pods;
        self.index.by_node[node].is_empty()
    }

    /// Whether every PodDisruptionBudget allows evicting all the pods on
    /// node `node` now.
    pub fn evictable(&self, node: usize, machine_up: &[bool]) -> bool {
        let mut per_workload = vec![0usize; self.workloads.len()];
        for &p in &self.index.by_node[node] {
            per_workload[self.pods[p].workload] += 1;
        }
        per_workload.iter().enumerate().all(|(w, &n)| {
            n == 0
                || self.workloads[w]
                    .pdb_min_available
                    .is_none_or(|min| self.serving(WorkloadId::new(w), machine_up).0 >= min + n)
        })
    }
}
