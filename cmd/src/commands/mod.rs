//! The subcommands, one file each. What several of them share lives in the
//! crate's other modules, each named for what it is.

pub mod apply;
pub mod broker;
pub mod client;
pub mod destroy;
pub mod dev;
pub mod fmt;
pub mod mesos_local;
pub mod plan;
pub mod rebalance;
pub mod scheduler;
pub mod show;
pub mod state;
pub mod validate;
