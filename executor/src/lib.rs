//! The kmesos executor as a library: the launch contract the scheduler sends
//! in `TaskInfo.data` (`launch`), the broker program on the agent
//! (`artifact`), broker configuration rendering (`render`), process
//! supervision and probing (`broker`), and one task's lifecycle as Mesos
//! status updates (`task`). A tansu broker runs behind `kafka::front`. The binary (main.rs) is the event loop around
//! them.

pub mod artifact;
pub mod broker;
pub mod launch;
pub mod render;
pub mod task;
