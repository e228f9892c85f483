//! Mesos v1 HTTP API for kmesos: message types, encodings, framing, the
//! scheduler and executor clients, and the embedded dev cluster (`local`).
//!
//! Layers, bottom up (as in mini-redis: bytes → frames → commands):
//! `recordio` frames event streams; `codec` turns bytes into `proto` messages
//! (protobuf or Mesos JSON); `scheduler` and `executor` are the clients;
//! `local` is a master and agents serving the same API on one machine.

pub mod codec;
pub mod executor;
pub mod local;
pub mod proto;
pub mod recordio;
pub mod scheduler;
