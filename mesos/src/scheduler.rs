//! The async Mesos v1 scheduler client: SUBSCRIBE to a master, receive
//! typed [`SchedulerEvent`]s, and make calls through a cloneable
//! [`Scheduler`] handle.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use kmesos_mesos::scheduler::{long_running_framework, Scheduler, SchedulerConfig, SchedulerEvent};
//!
//! let framework = long_running_framework("kafka", "kmesos", vec!["kafka".into()], Duration::from_secs(7 * 86400));
//! let (scheduler, mut events) = Scheduler::subscribe(SchedulerConfig::new("127.0.0.1:5050", framework))?;
//! while let Some(event) = events.recv().await {
//!     if let SchedulerEvent::Update(status) = event {
//!         scheduler.acknowledge(&status).await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The subscription lives on its own connection in a background task. When
//! it drops, or no event (heartbeats included) arrives for
//! `missed_heartbeats` intervals, the task resubscribes with the framework
//! id it was given (failover) and backoff, reporting `Disconnected` then
//! `Subscribed` again. Calls go over other connections, carry the current
//! `Mesos-Stream-Id`, and return the master's 4xx reason as an error.

mod client;
mod config;
mod events;
pub mod operations;
mod subscription;

pub use self::client::{ConfigError, Scheduler, SCHEDULER_PATH};
pub use self::config::{long_running_framework, SchedulerConfig};
pub use self::events::{Events, SchedulerEvent};
pub use crate::codec::transport::CallError;
