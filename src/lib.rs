//! nines: a discrete-event availability simulator for highly available
//! Kubernetes clusters.
#![warn(missing_docs)]

pub mod engine;
