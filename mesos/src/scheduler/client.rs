//! The [`Scheduler`] handle: starts the subscription task and makes the
//! calls a long-running framework needs, each POSTed on a pooled connection
//! apart from the event stream, with the framework id and current
//! `Mesos-Stream-Id` filled in.

use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::redirect::Policy;
use reqwest::Url;
use tokio::sync::mpsc;

use super::config::SchedulerConfig;
use super::events::Events;
use super::subscription;
use crate::codec::transport::{endpoint, post, CallError};
use crate::codec::Encoding;
use crate::proto::scheduler::{call, Call};
use crate::proto::{
    offer, AgentId, ExecutorId, Filters, FrameworkId, KillPolicy, OfferId, TaskId, TaskStatus,
};

/// Path of the scheduler API on a master.
pub const SCHEDULER_PATH: &str = "/api/v1/scheduler";

/// Events buffered between the stream reader and the caller.
const EVENT_BUFFER: usize = 1024;

/// A handle for making calls; clone it freely. Calls fail with
/// `CallError::NotSubscribed` while there is no live subscription.
#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    calls: reqwest::Client,
    pub(super) encoding: Encoding,
    session: Mutex<Session>,
}

/// The live subscription, as the calls need it.
#[derive(Debug, Default)]
pub(super) struct Session {
    /// The master that answered SUBSCRIBE (the leader, after redirects).
    pub(super) leader: Option<Url>,
    pub(super) stream_id: Option<String>,
    pub(super) framework_id: Option<FrameworkId>,
    /// Set by TEARDOWN: the subscription task must not resubscribe.
    pub(super) torn_down: bool,
}

impl Shared {
    pub(super) fn session(&self) -> MutexGuard<'_, Session> {
        // A panic while holding this lock cannot leave the session
        // half-written (all writes are single assignments), so go on.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A configuration that cannot work (no master, unusable URL).
#[derive(Debug, thiserror::Error)]
#[error("invalid scheduler configuration: {0}")]
pub struct ConfigError(String);

impl Scheduler {
    /// Starts subscribing in a background task (call it inside a tokio
    /// runtime). The first event is `Subscribed`, or `Error` if the master
    /// refuses the framework.
    pub fn subscribe(config: SchedulerConfig) -> Result<(Scheduler, Events), ConfigError> {
        if config.masters.is_empty() {
            return Err(ConfigError("no master address".into()));
        }
        let endpoints = config
            .masters
            .iter()
            .map(|master| endpoint(master, SCHEDULER_PATH))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ConfigError)?;
        let calls = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(config.call_timeout)
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        let shared = Arc::new(Shared {
            calls,
            encoding: config.encoding,
            session: Mutex::new(Session {
                framework_id: config.framework.id.clone(),
                ..Session::default()
            }),
        });
        let (sender, receiver) = mpsc::channel(EVENT_BUFFER);
        let task = tokio::spawn(subscription::run(config, endpoints, shared.clone(), sender));
        let events = Events::new(receiver, task.abort_handle());
        Ok((Scheduler { shared }, events))
    }

    /// The framework id, once a SUBSCRIBED has assigned it (or as configured).
    pub fn framework_id(&self) -> Option<FrameworkId> {
        self.shared.session().framework_id.clone()
    }

    /// Whether a subscription is live (calls can be made).
    pub fn is_subscribed(&self) -> bool {
        self.shared.session().stream_id.is_some()
    }

    /// Sends any call; `framework_id` is filled in. The other methods are
    /// this with the sub-message built.
    pub async fn call(&self, mut call: Call) -> Result<(), CallError> {
        let (url, stream_id, framework_id) = {
            let session = self.shared.session();
            (
                session.leader.clone(),
                session.stream_id.clone(),
                session.framework_id.clone(),
            )
        };
        let (Some(url), Some(stream_id)) = (url, stream_id) else {
            return Err(CallError::NotSubscribed(
                "no live subscription to the master",
            ));
        };
        call.framework_id = framework_id;
        let encoding = self.shared.encoding;
        let body = encoding.encode(&call);
        post(
            &self.shared.calls,
            &url,
            encoding,
            body,
            Some(&stream_id),
            false,
        )
        .await?;
        Ok(())
    }

    /// Uses offers (one agent, one role) for `operations`, applied in order;
    /// what is left is declined with `filters`.
    pub async fn accept(
        &self,
        offer_ids: Vec<OfferId>,
        operations: Vec<offer::Operation>,
        filters: Option<Filters>,
    ) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Accept as i32),
            accept: Some(call::Accept {
                offer_ids,
                operations,
                filters,
            }),
            ..Default::default()
        })
        .await
    }

    /// Returns offers; `filters.refuse_seconds` keeps those resources away
    /// (default 5 s).
    pub async fn decline(
        &self,
        offer_ids: Vec<OfferId>,
        filters: Option<Filters>,
    ) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Decline as i32),
            decline: Some(call::Decline { offer_ids, filters }),
            ..Default::default()
        })
        .await
    }

    /// Resumes offers for `roles` (all if empty) and clears their filters.
    pub async fn revive(&self, roles: Vec<String>) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Revive as i32),
            revive: Some(call::Revive { roles }),
            ..Default::default()
        })
        .await
    }

    /// Stops offers for `roles` (all if empty).
    pub async fn suppress(&self, roles: Vec<String>) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Suppress as i32),
            suppress: Some(call::Suppress { roles }),
            ..Default::default()
        })
        .await
    }

    pub async fn kill(
        &self,
        task_id: TaskId,
        agent_id: Option<AgentId>,
        kill_policy: Option<KillPolicy>,
    ) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Kill as i32),
            kill: Some(call::Kill {
                task_id: Some(task_id),
                agent_id,
                kill_policy,
            }),
            ..Default::default()
        })
        .await
    }

    /// Shuts down one executor (its tasks die with it).
    pub async fn shutdown(
        &self,
        executor_id: ExecutorId,
        agent_id: AgentId,
    ) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Shutdown as i32),
            shutdown: Some(call::Shutdown {
                executor_id: Some(executor_id),
                agent_id: Some(agent_id),
            }),
            ..Default::default()
        })
        .await
    }

    /// Acknowledges a status update, echoing its uuid. Updates without uuid
    /// (reconciliation answers, master-generated ones) must not be
    /// acknowledged: for them this sends nothing and returns `Ok(false)`.
    pub async fn acknowledge(&self, status: &TaskStatus) -> Result<bool, CallError> {
        let Some(uuid) = status.uuid.clone() else {
            return Ok(false);
        };
        let agent_id = status
            .agent_id
            .clone()
            .ok_or_else(|| CallError::Invalid("status update with uuid but no agent_id".into()))?;
        self.call(Call {
            r#type: Some(call::Type::Acknowledge as i32),
            acknowledge: Some(call::Acknowledge {
                agent_id: Some(agent_id),
                task_id: status.task_id.clone(),
                uuid,
            }),
            ..Default::default()
        })
        .await?;
        Ok(true)
    }

    /// Asks for the latest state of `tasks` (task id, agent id if known);
    /// empty = every task the master knows for this framework. Answers come
    /// as `Update`s without uuid.
    pub async fn reconcile(&self, tasks: Vec<(TaskId, Option<AgentId>)>) -> Result<(), CallError> {
        let tasks = tasks
            .into_iter()
            .map(|(task_id, agent_id)| call::reconcile::Task {
                task_id: Some(task_id),
                agent_id,
            })
            .collect();
        self.call(Call {
            r#type: Some(call::Type::Reconcile as i32),
            reconcile: Some(call::Reconcile { tasks }),
            ..Default::default()
        })
        .await
    }

    /// Best-effort bytes to an executor.
    pub async fn message(
        &self,
        agent_id: AgentId,
        executor_id: ExecutorId,
        data: Vec<u8>,
    ) -> Result<(), CallError> {
        self.call(Call {
            r#type: Some(call::Type::Message as i32),
            message: Some(call::Message {
                agent_id: Some(agent_id),
                executor_id: Some(executor_id),
                data,
            }),
            ..Default::default()
        })
        .await
    }

    /// Removes the framework: all its tasks are killed and its id can never
    /// subscribe again. The client stops resubscribing.
    pub async fn teardown(&self) -> Result<(), CallError> {
        // Marked before sending: the master may close the stream before its
        // 202 arrives, and that close must not trigger a resubscription.
        self.shared.session().torn_down = true;
        let result = self
            .call(Call {
                r#type: Some(call::Type::Teardown as i32),
                ..Default::default()
            })
            .await;
        if result.is_err() {
            self.shared.session().torn_down = false;
        }
        result
    }
}
