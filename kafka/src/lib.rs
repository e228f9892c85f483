//! Kafka wire protocol for kmesos, built on the `kafka-protocol` crate (every
//! message encoded and decoded from Kafka's own message definitions).
//!
//! Two halves share one framing layer ([`frame`]):
//! - [`client`]: a small async client for live brokers — the ApiVersions
//!   [`probe`](client::probe) the executor uses for health, and the admin calls
//!   (metadata, topics, configs) the endpoint and scheduler use.
//! - [`endpoint`]: the admin endpoint the scheduler exposes, a TCP server that
//!   answers standard Kafka clients from a [`ClusterBackend`](endpoint::ClusterBackend).

pub mod client;
pub mod configs;
pub mod endpoint;
pub mod error;
pub mod frame;
pub mod front;
#[cfg(target_os = "linux")]
pub mod huge_alloc;

pub use client::{probe, ApiVersionsSummary, BrokerConnection};
pub use error::{error_name, KafkaError};
#[cfg(target_os = "linux")]
pub use huge_alloc::ReserveHugeAllocations;
