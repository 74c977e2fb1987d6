//! Service level indicators: pure functions of component state.

/// The SLIs of a control plane, in report order.
pub const SLI_NAMES: [&str; 5] = [
    "api.write",
    "api.read",
    "etcd.quorum",
    "controllers",
    "scheduling",
];

/// Index of each SLI in [`SLI_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sli {
    /// Share of writes (and quorum reads) through the endpoint that succeed.
    ApiWrite = 0,
    /// Share of watch-cache reads through the endpoint that succeed.
    ApiRead = 1,
    /// etcd has a quorum and a leader: writes can commit.
    EtcdQuorum = 2,
    /// kube-controller-manager has a leader that can write.
    Controllers = 3,
    /// kube-scheduler has a leader that can write.
    Scheduling = 4,
}

/// What the SLIs are computed from.
pub(super) struct State {
    pub api_write: f64,
    pub api_read: f64,
    pub etcd_writable: bool,
    pub controllers: bool,
    pub scheduler: bool,
}

/// Success share of each SLI, in [`SLI_NAMES`] order.
pub(super) fn values(state: &State) -> [f64; 5] {
    let yes = |b: bool| if b { 1.0 } else { 0.0 };
    [
        state.api_write,
        state.api_read,
        yes(state.etcd_writable),
        yes(state.controllers),
        yes(state.scheduler),
    ]
}
