//! The kmesos scheduler daemon.

pub mod store;
