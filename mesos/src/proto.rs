//! Mesos v1 protobuf messages: the subset of `mesos.v1`, `mesos.v1.scheduler`
//! and `mesos.v1.executor` that kmesos uses, written by hand as prost types
//! with proto2 labels and the exact field numbers and enum values of
//! apache/mesos `include/mesos/v1/*.proto`.
//!
//! Layout follows prost-build conventions: a message's nested types live in
//! a snake_case module (`task_status::Reason`, `scheduler::call::Accept`),
//! IDs are `FrameworkId`, `AgentId`, ... . `mesos.v1` types are at this
//! module's root; `scheduler` and `executor` hold the API envelopes.
//!
//! Proto2 matters: `required` scalars are bare values that always encode
//! (`Resource.type = SCALAR` and `TaskStatus.state = TASK_STARTING` are 0
//! yet must be on the wire), `optional` scalars are `Option`s, and message
//! fields are `Option`s either way (check them with
//! [`json::JsonMessage::check_required`]). Fields Mesos has that kmesos does
//! not use are left out; decoders skip them.

#[macro_use]
mod macros;

pub mod executor;
pub mod json;
mod mesos;
pub mod scheduler;

pub use self::json::JsonMessage;
pub use self::mesos::*;
