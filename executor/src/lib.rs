//! The kmesos executor as a library: the launch contract the scheduler sends
//! in `TaskInfo.data`, broker config rendering, supervision and probing.

pub mod artifact;
pub mod broker;
pub mod launch;
pub mod render;
