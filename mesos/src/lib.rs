//! Mesos v1 HTTP API for kmesos: message types, encodings, framing, and the
//! scheduler and executor clients. The embedded master and agents serving
//! the same API on one machine are the `mesos-local` crate, built on this one.
//!
//! Layers, bottom up (as in mini-redis: bytes → frames → commands):
//! `recordio` frames event streams; `codec` turns bytes into `proto` messages
//! (protobuf or Mesos JSON); `scheduler` and `executor` are the clients.

pub mod codec;
pub mod executor;
pub mod proto;
pub mod recordio;
pub mod scheduler;
