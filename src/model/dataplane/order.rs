//! The scheduler's preference order of nodes, kept up to date so that a
//! placement looks at a few nodes per zone instead of every node.
//!
//! Per workload and zone, the nodes its pods may go to (present, Ready,
//! not cordoned, in the workload's node group) are kept ordered by (pods
//! of the workload on the node, used CPU share, node index): within a
//! zone that is the order in which `choose_node` prefers them, ties going
//! to the lower node index as in a scan in node order. A node is re-filed
//! whenever its eligibility or used CPU changes (every workload's entry)
//! or one workload's pods on it change (that workload's entry).

use std::collections::BTreeSet;

use super::DataPlane;

/// A node's position in a workload's order: (pods of the workload on it,
/// used CPU in permille of allocatable, node index).
pub(super) type Rank = (u32, u64, usize);

/// The per-workload, per-zone node orders (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct NodeOrder {
    zones: usize,
    nodes: usize,
    /// `by_zone[w * zones + z]`: workload w's eligible nodes in zone z.
    by_zone: Vec<BTreeSet<Rank>>,
    /// `filed[w * nodes + n]`: what node n is filed under for workload w
    /// (pods of w on it, used permille), or `None` when it is not eligible.
    filed: Vec<Option<(u32, u64)>>,
}

impl NodeOrder {
    pub fn new(workloads: usize, nodes: usize, zones: usize) -> Self {
        NodeOrder {
            zones,
            nodes,
            by_zone: vec![BTreeSet::new(); workloads * zones],
            filed: vec![None; workloads * nodes],
        }
    }

    /// Workload `w`'s eligible nodes in zone `z`, preferred first.
    pub fn in_zone(&self, w: usize, z: usize) -> &BTreeSet<Rank> {
        &self.by_zone[w * self.zones + z]
    }
}

impl DataPlane {
    /// Files node `n` for every workload as it is now.
    pub(super) fn refile_node(&mut self, n: usize) {
        for w in 0..self.workloads.len() {
            self.refile(w, n);
        }
    }

    /// Files node `n` for workload `w` as it is now.
    pub(super) fn refile(&mut self, w: usize, n: usize) {
        let node = &self.nodes[n];
        let eligible = node.present
            && !node.not_ready
            && !node.cordoned
            && self.workloads[w].node_group.is_none_or(|g| node.group == g);
        let now = eligible.then(|| {
            let same = u32::try_from(self.index.on_node(w, n)).expect("pods per node fit a u32");
            (same, node.used_permille)
        });
        let order = &mut self.order;
        let slot = w * order.nodes + n;
        let was = order.filed[slot];
        if was == now {
            return;
        }
        let set = &mut order.by_zone[w * order.zones + node.zone.index()];
        if let Some((same, used)) = was {
            set.remove(&(same, used, n));
        }
        if let Some((same, used)) = now {
            set.insert((same, used, n));
        }
        order.filed[slot] = now;
    }

    /// The orders rebuilt from scratch equal the maintained ones (a check
    /// for tests and debug builds).
    #[cfg(debug_assertions)]
    pub(super) fn assert_order(&self) {
        let mut copy = self.clone();
        copy.order = NodeOrder::new(self.workloads.len(), self.nodes.len(), self.order.zones);
        for n in 0..copy.nodes.len() {
            copy.refile_node(n);
        }
        assert_eq!(self.order, copy.order, "node orders");
    }
}
