//! The kmesos scheduler daemon.

pub mod api;
pub mod artifacts;
pub mod core;
pub mod daemon;
pub mod daemon_handle;
pub mod kafka_backend;
pub mod metrics;
pub mod partitions;
pub mod sandbox;
pub mod store;
pub mod wire;
