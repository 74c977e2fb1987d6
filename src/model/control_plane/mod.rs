//! The control plane: etcd, the API endpoint in front of the apiservers,
//! and the leader leases of kube-controller-manager and kube-scheduler.

pub(crate) mod endpoint;
pub(crate) mod etcd;
pub(crate) mod lease;
