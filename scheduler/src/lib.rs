//! The kmesos scheduler daemon.

pub mod api;
pub mod artifacts;
pub mod client_stats;
pub mod core;
pub mod daemon;
pub mod daemon_handle;
pub mod high_availability;
pub mod kafka_backend;
pub mod metrics;
pub mod partitions;
pub mod sandbox;
pub mod store;
pub mod wire;
pub mod zookeeper;
