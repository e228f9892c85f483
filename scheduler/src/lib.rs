//! The kmesos scheduler daemon.

pub mod core;
pub mod store;
