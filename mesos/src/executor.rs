//! The async Mesos v1 executor client, for a process an agent launched:
//! read the agent's environment ([`ExecutorEnv`]), SUBSCRIBE to the agent's
//! `/api/v1/executor`, receive typed [`ExecutorEvent`]s (LAUNCH, KILL,
//! ACKNOWLEDGED, MESSAGE, SHUTDOWN), and send status updates through the
//! cloneable [`Executor`] handle.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use kmesos_mesos::executor::{Executor, ExecutorConfig, ExecutorEvent};
//! use kmesos_mesos::proto::{TaskState, TaskStatus};
//!
//! let (executor, mut events) = Executor::subscribe(ExecutorConfig::from_env()?)?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         ExecutorEvent::Launch(task) => {
//!             let running = TaskStatus {
//!                 task_id: task.task_id.clone(),
//!                 state: TaskState::TaskRunning as i32,
//!                 ..Default::default()
//!             };
//!             executor.update(running).await?;
//!         }
//!         ExecutorEvent::Shutdown | ExecutorEvent::Lost(_) => break,
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Updates get a fresh v4 uuid and source SOURCE_EXECUTOR, and are kept
//! until the agent's ACKNOWLEDGED: resent periodically, and handed back in
//! the SUBSCRIBE that follows a reconnection (with the tasks that have no
//! acknowledged update yet). When the agent does not checkpoint the
//! framework, a lost connection ends the client (`Lost`): the agent will
//! not take the executor back.

mod client;
mod connection;
mod env;

pub use self::client::{Executor, ExecutorConfig, ExecutorError, ExecutorEvent, EXECUTOR_PATH};
pub use self::env::{parse_duration, EnvError, ExecutorEnv};
