//! The [`Executor`] handle and what it shares with the connection task:
//! the updates and tasks the agent has not acknowledged yet.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::redirect::Policy;
use reqwest::Url;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::connection;
use super::env::{EnvError, ExecutorEnv};
use crate::codec::transport::{endpoint, post, CallError, Events};
use crate::codec::Encoding;
use crate::proto::executor::{call, event, Call};
use crate::proto::{task_status, KillPolicy, TaskId, TaskInfo, TaskState, TaskStatus};
use crate::recordio::DEFAULT_MAX_RECORD;

/// Path of the executor API on an agent.
pub const EXECUTOR_PATH: &str = "/api/v1/executor";

const EVENT_BUFFER: usize = 1024;

/// Settings of [`Executor::subscribe`].
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    pub env: ExecutorEnv,
    pub encoding: Encoding,
    /// How long an update may go unacknowledged before it is sent again.
    pub update_retry: Duration,
    /// Timeout of UPDATE and MESSAGE calls, and of the wait for SUBSCRIBED.
    pub call_timeout: Duration,
    pub max_event_size: usize,
}

impl ExecutorConfig {
    pub fn new(env: ExecutorEnv) -> Self {
        ExecutorConfig {
            env,
            encoding: Encoding::Json,
            update_retry: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
            max_event_size: DEFAULT_MAX_RECORD,
        }
    }

    /// The configuration for the agent that started this process.
    pub fn from_env() -> Result<Self, EnvError> {
        ExecutorEnv::from_env().map(ExecutorConfig::new)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExecutorEvent {
    /// Subscribed (first time or after reconnecting): the executor, its
    /// framework (with `id`), the agent and the container.
    Subscribed(Box<event::Subscribed>),
    /// Start this task, then report TASK_RUNNING (or a failure).
    Launch(Box<TaskInfo>),
    /// Kill this task and report a terminal state (normally TASK_KILLED).
    Kill {
        task_id: TaskId,
        kill_policy: Option<KillPolicy>,
    },
    /// The agent took over the update with this uuid.
    Acknowledged { task_id: TaskId, uuid: Uuid },
    /// Opaque bytes from the scheduler.
    Message(Vec<u8>),
    /// Kill all tasks (TASK_KILLED each) and exit within the grace period.
    Shutdown,
    /// An ERROR event from the agent; the client resubscribes.
    Error(String),
    /// The connection to the agent was lost; the client is resubscribing.
    Disconnected(String),
    /// The agent is gone for good (not checkpointing, refused, or not back
    /// within the recovery timeout). No events follow: exit.
    Lost(String),
}

/// What went wrong with an executor call.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// The update cannot be valid (e.g. TASK_STAGING, no task id); not sent.
    #[error("invalid status update: {0}")]
    InvalidUpdate(&'static str),
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("invalid executor configuration: {0}")]
    Config(String),
}

/// A handle for calls; clone it freely.
#[derive(Clone)]
pub struct Executor {
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) config: ExecutorConfig,
    pub(super) url: Url,
    pub(super) calls: reqwest::Client,
    pending: Mutex<Pending>,
}

/// What the agent has not acknowledged yet, resent after a reconnection.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// Launched tasks without an acknowledged update, by task id.
    pub(super) tasks: BTreeMap<String, TaskInfo>,
    /// Updates in the order they were made.
    pub(super) updates: Vec<PendingUpdate>,
}

#[derive(Debug)]
pub(super) struct PendingUpdate {
    pub(super) uuid: Uuid,
    pub(super) update: call::Update,
    pub(super) last_sent: Instant,
}

impl Pending {
    /// The agent acknowledged `uuid`: forget the update, and its task now
    /// has an acknowledged update.
    pub(super) fn acknowledge(&mut self, task_id: &TaskId, uuid: Uuid) {
        self.updates.retain(|pending| pending.uuid != uuid);
        self.tasks.remove(&task_id.value);
    }

    /// The SUBSCRIBE body's lists.
    pub(super) fn subscribe(&self) -> call::Subscribe {
        call::Subscribe {
            unacknowledged_tasks: self.tasks.values().cloned().collect(),
            unacknowledged_updates: self.updates.iter().map(|p| p.update.clone()).collect(),
        }
    }
}

impl Shared {
    pub(super) fn pending(&self) -> MutexGuard<'_, Pending> {
        // Writes under this lock are single collection operations; a panic
        // elsewhere cannot leave it inconsistent.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A call with the ids every executor call carries.
    pub(super) fn call(&self, kind: call::Type) -> Call {
        Call {
            executor_id: Some(self.config.env.executor_id.clone()),
            framework_id: Some(self.config.env.framework_id.clone()),
            r#type: Some(kind as i32),
            ..Default::default()
        }
    }

    pub(super) async fn send(&self, call: &Call) -> Result<(), CallError> {
        let encoding = self.config.encoding;
        post(
            &self.calls,
            &self.url,
            encoding,
            encoding.encode(call),
            None,
            false,
        )
        .await?;
        Ok(())
    }
}

impl Executor {
    /// Starts the connection task (call it inside a tokio runtime). The
    /// first event is `Subscribed`, or `Lost` if the agent cannot be reached.
    pub fn subscribe(
        config: ExecutorConfig,
    ) -> Result<(Executor, Events<ExecutorEvent>), ExecutorError> {
        let url =
            endpoint(&config.env.agent_endpoint, EXECUTOR_PATH).map_err(ExecutorError::Config)?;
        let calls = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(config.call_timeout)
            .build()
            .map_err(|e| ExecutorError::Config(format!("HTTP client: {e}")))?;
        let shared = Arc::new(Shared {
            config,
            url,
            calls,
            pending: Mutex::new(Pending::default()),
        });
        let (sender, receiver) = mpsc::channel(EVENT_BUFFER);
        let task = tokio::spawn(connection::run(shared.clone(), sender));
        Ok((
            Executor { shared },
            Events::new(receiver, task.abort_handle()),
        ))
    }

    pub fn env(&self) -> &ExecutorEnv {
        &self.shared.config.env
    }

    /// Sends a status update reliably. The client sets a fresh v4 `uuid`,
    /// `source` = SOURCE_EXECUTOR, `executor_id` and (if unset) `timestamp`,
    /// and keeps the update until ACKNOWLEDGED. Fails only if the update is
    /// invalid or the agent rejects it (4xx other than 403 "not subscribed
    /// yet"); a transport failure leaves it queued for resending.
    pub async fn update(&self, mut status: TaskStatus) -> Result<Uuid, ExecutorError> {
        if status.task_id.is_none() {
            return Err(ExecutorError::InvalidUpdate("no task_id"));
        }
        if status.state == TaskState::TaskStaging as i32 {
            return Err(ExecutorError::InvalidUpdate(
                "executors never send TASK_STAGING",
            ));
        }
        let uuid = Uuid::new_v4();
        status.uuid = Some(uuid.as_bytes().to_vec());
        status.source = Some(task_status::Source::SourceExecutor as i32);
        status.executor_id = Some(self.shared.config.env.executor_id.clone());
        status.timestamp.get_or_insert_with(now_seconds);
        let update = call::Update {
            status: Some(status),
        };
        self.shared.pending().updates.push(PendingUpdate {
            uuid,
            update: update.clone(),
            last_sent: Instant::now(),
        });

        let mut call = self.shared.call(call::Type::Update);
        call.update = Some(update);
        match self.shared.send(&call).await {
            Ok(()) => Ok(uuid),
            Err(error) if is_rejection(&error) => {
                self.shared.pending().updates.retain(|p| p.uuid != uuid);
                Err(error.into())
            }
            Err(error) => {
                tracing::warn!(%error, %uuid, "UPDATE not delivered yet; will resend");
                Ok(uuid)
            }
        }
    }

    /// Best-effort bytes to the scheduler.
    pub async fn message(&self, data: Vec<u8>) -> Result<(), ExecutorError> {
        let mut call = self.shared.call(call::Type::Message);
        call.message = Some(call::Message { data });
        Ok(self.shared.send(&call).await?)
    }

    /// An optional keep-alive; the agent answers 202 without checks.
    pub async fn heartbeat(&self) -> Result<(), ExecutorError> {
        Ok(self
            .shared
            .send(&self.shared.call(call::Type::Heartbeat))
            .await?)
    }

    /// How many updates the agent has not acknowledged yet.
    pub fn unacknowledged_updates(&self) -> usize {
        self.shared.pending().updates.len()
    }
}

/// A 4xx that resending cannot fix: 403 means "not subscribed yet" and 408
/// and 429 mean "later".
pub(super) fn is_rejection(error: &CallError) -> bool {
    error.is_client_error() && !matches!(error.status().map(|s| s.as_u16()), Some(403 | 408 | 429))
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(task: &str, uuid: Uuid) -> PendingUpdate {
        PendingUpdate {
            uuid,
            update: call::Update {
                status: Some(TaskStatus {
                    task_id: Some(TaskId { value: task.into() }),
                    uuid: Some(uuid.as_bytes().to_vec()),
                    ..Default::default()
                }),
            },
            last_sent: Instant::now(),
        }
    }

    #[test]
    fn acknowledged_updates_and_their_tasks_leave_the_resend_lists() {
        let (first, second, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut pending = Pending::default();
        for task in ["a", "b"] {
            pending.tasks.insert(
                task.into(),
                TaskInfo {
                    task_id: Some(TaskId { value: task.into() }),
                    ..Default::default()
                },
            );
        }
        pending.updates = vec![update("a", first), update("a", second), update("b", other)];

        pending.acknowledge(&TaskId { value: "a".into() }, first);
        let resend = pending.subscribe();
        let tasks: Vec<_> = resend
            .unacknowledged_tasks
            .iter()
            .filter_map(|t| t.task_id.as_ref().map(|id| id.value.as_str()))
            .collect();
        assert_eq!(tasks, vec!["b"]);
        let uuids: Vec<_> = resend
            .unacknowledged_updates
            .iter()
            .filter_map(|u| u.status.as_ref().and_then(|s| s.uuid.clone()))
            .collect();
        assert_eq!(
            uuids,
            vec![second.as_bytes().to_vec(), other.as_bytes().to_vec()]
        );
    }

    fn unreachable_agent() -> ExecutorConfig {
        let env = ExecutorEnv::from_lookup(|name| {
            let value = match name {
                "MESOS_FRAMEWORK_ID" => "F",
                "MESOS_EXECUTOR_ID" => "E",
                // Nothing listens on port 1: connections are refused at once.
                "MESOS_AGENT_ENDPOINT" => "127.0.0.1:1",
                "MESOS_SANDBOX" => "/tmp",
                _ => return None,
            };
            Some(value.to_string())
        })
        .expect("environment");
        ExecutorConfig::new(env)
    }

    #[tokio::test]
    async fn updates_are_stamped_and_kept_until_acknowledged() {
        let (executor, _events) = Executor::subscribe(unreachable_agent()).expect("client");

        let staging = TaskStatus {
            task_id: Some(TaskId { value: "t".into() }),
            state: TaskState::TaskStaging as i32,
            ..Default::default()
        };
        assert!(matches!(
            executor.update(staging).await,
            Err(ExecutorError::InvalidUpdate(_))
        ));
        assert_eq!(executor.unacknowledged_updates(), 0);

        let running = TaskStatus {
            task_id: Some(TaskId { value: "t".into() }),
            state: TaskState::TaskRunning as i32,
            ..Default::default()
        };
        let uuid = executor
            .update(running)
            .await
            .expect("queued despite the agent being away");
        assert_eq!(uuid.get_version_num(), 4);
        let pending = executor.shared.pending();
        let [queued] = pending.updates.as_slice() else {
            panic!(
                "expected one queued update, found {}",
                pending.updates.len()
            );
        };
        let status = queued.update.status.as_ref().expect("status");
        assert_eq!(status.uuid.as_deref(), Some(&uuid.as_bytes()[..]));
        assert_eq!(
            status.source,
            Some(task_status::Source::SourceExecutor as i32)
        );
        assert_eq!(
            status.executor_id.as_ref().map(|id| id.value.as_str()),
            Some("E")
        );
        assert!(status.timestamp.is_some_and(|t| t > 1.6e9));
    }
}
