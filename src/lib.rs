//! nines: a discrete-event availability simulator for highly available
//! Kubernetes clusters.
#![warn(missing_docs)]

pub mod analytic;
pub mod dist;
pub mod engine;
pub mod experiment;
pub mod load;
pub mod model;
pub mod outcome;
pub mod report;
pub mod scenario;
pub mod stats;
