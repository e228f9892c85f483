//! The kmesos executor as a library: the launch contract the scheduler sends
//! in `TaskInfo.data`, broker config rendering, supervision and probing.
