//! Load and autoscaling: the HorizontalPodAutoscaler's arithmetic, the
//! workload autoscaler loop that feeds it, the Cluster Autoscaler, and the
//! scaling tallies.

pub(crate) mod cluster_autoscaler;
pub mod hpa;
pub(crate) mod tally;
pub(crate) mod workload_autoscaler;
