//! One broker task, from LAUNCH to its terminal status update: decode the
//! launch contract, render the broker's configuration, format its storage if
//! needed, start it (TASK_STARTING), probe it until it answers ApiVersions
//! (TASK_RUNNING with the endpoint), then wait for it to exit (TASK_FAILED
//! with the exit and last log lines) or for a kill (graceful stop,
//! TASK_KILLED). A client instance's task is [`client`]'s. The executor's
//! event loop owns one [`TaskControl`] per task and sends kills through it.

mod client;

use std::path::PathBuf;
use std::time::Duration;

use mesos::executor::Executor;
use mesos::proto::task_status::Reason;
use mesos::proto::{DurationInfo, KillPolicy, TaskId, TaskInfo, TaskState, TaskStatus};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::broker::{self, Broker, BrokerError, BrokerLogs};
use crate::launch::{BrokerProgram, LaunchSpec, TaskLaunch};
use crate::render::render;
use kafka::front::Front;

/// How long a broker may take from start to its first ApiVersions answer.
/// Generous: Apache Kafka recovering a large log after an unclean stop can
/// take minutes; tansu answers within a second.
pub const START_DEADLINE: Duration = Duration::from_secs(600);

/// Taken off the agent's shutdown grace period so that the broker is
/// stopped and the update sent before the agent destroys the container.
pub const SHUTDOWN_MARGIN: Duration = Duration::from_secs(1);

/// The event loop's handle on a running task.
#[derive(Debug)]
pub struct TaskControl {
    kills: mpsc::UnboundedSender<Duration>,
    /// The task's own kill policy, used when a KILL carries none.
    pub kill_policy: Option<KillPolicy>,
}

impl TaskControl {
    /// Asks the task to stop its broker with this grace period.
    pub fn kill(&self, grace: Duration) {
        // A send error means the task already ended: nothing to kill.
        let _ = self.kills.send(grace);
    }
}

/// Starts the task on the runtime. `fallback_grace` bounds the stop of a
/// broker that never became ready. The returned future yields the uuid of
/// the terminal update (None if the agent refused it).
pub fn spawn(
    executor: Executor,
    task: TaskInfo,
    sandbox: PathBuf,
    fallback_grace: Duration,
) -> (TaskControl, tokio::task::JoinHandle<Option<Uuid>>) {
    let (kills, receiver) = mpsc::unbounded_channel();
    let control = TaskControl {
        kills,
        kill_policy: task.kill_policy.clone(),
    };
    let run = Supervisor {
        report: Reporter {
            executor,
            task_id: task.task_id.clone().unwrap_or_default(),
        },
        sandbox,
        fallback_grace,
        kills: receiver,
    };
    (control, tokio::spawn(run.run(task)))
}

/// The grace period for a kill: the KILL event's policy, else the task's,
/// else the executor's shutdown grace period.
pub fn kill_grace(
    event: Option<&KillPolicy>,
    task: Option<&KillPolicy>,
    shutdown_grace: Duration,
) -> Duration {
    event
        .and_then(|p| p.grace_period.as_ref())
        .or_else(|| task.and_then(|p| p.grace_period.as_ref()))
        .map(duration)
        .unwrap_or(shutdown_grace)
}

fn duration(info: &DurationInfo) -> Duration {
    Duration::from_nanos(u64::try_from(info.nanoseconds).unwrap_or(0))
}

/// How a task ended.
enum Outcome {
    Failed {
        reason: Reason,
        message: String,
    },
    Killed {
        reason: Option<Reason>,
        message: String,
    },
}

struct Supervisor {
    report: Reporter,
    sandbox: PathBuf,
    fallback_grace: Duration,
    kills: mpsc::UnboundedReceiver<Duration>,
}

impl Supervisor {
    async fn run(mut self, task: TaskInfo) -> Option<Uuid> {
        let outcome = self.supervise(&task).await;
        let (state, reason, message) = match outcome {
            Outcome::Failed { reason, message } => (TaskState::TaskFailed, Some(reason), message),
            Outcome::Killed { reason, message } => (TaskState::TaskKilled, reason, message),
        };
        self.report.send(state, message, reason, None).await
    }

    async fn supervise(&mut self, task: &TaskInfo) -> Outcome {
        match TaskLaunch::decode(task.data.as_deref().unwrap_or_default()) {
            Ok(TaskLaunch::Broker(spec)) => self.broker(spec).await,
            Ok(TaskLaunch::Client(spec)) => self.client(spec.client).await,
            Err(e) => failed(Reason::ReasonTaskInvalid, e.to_string()),
        }
    }

    async fn broker(&mut self, spec: LaunchSpec) -> Outcome {
        let id = spec.broker_id;
        let rendered = match render(&spec, &self.sandbox) {
            Ok(rendered) => rendered,
            Err(e) => return failed(Reason::ReasonTaskInvalid, format!("broker {id}: {e}")),
        };
        let logs = BrokerLogs::in_sandbox(&self.sandbox);
        if let Some(step) = &rendered.prepare {
            tokio::select! {
                prepared = broker::prepare(step, &logs) => if let Err(e) = prepared {
                    return failed(Reason::ReasonCommandExecutorFailed, format!("broker {id}: {e}"));
                },
                Some(_) = self.kills.recv() => {
                    return killed_during_launch(format!("broker {id} killed while its storage was being formatted"));
                }
            }
        }
        let mut broker = match Broker::start(&rendered.run, &logs) {
            Ok(broker) => broker,
            Err(e) => {
                return failed(
                    Reason::ReasonCommandExecutorFailed,
                    format!("broker {id}: {e}"),
                )
            }
        };
        // Held until the task ends: dropping it closes the broker's port.
        let _front = match &rendered.front {
            None => None,
            Some(plan) => match Front::start(plan.clone()).await {
                Ok(front) => Some(front),
                Err(e) => {
                    let stopped = stop(&mut broker, self.fallback_grace).await;
                    let port = plan.listen;
                    return failed(
                        Reason::ReasonCommandExecutorFailed,
                        format!("broker {id}: cannot listen on {port}: {e}; stopped: {stopped}"),
                    );
                }
            },
        };
        let endpoint = spec.endpoint();
        tracing::info!(broker = id, pid = broker.pid(), %endpoint, "broker started");
        let kind = match spec.broker {
            BrokerProgram::Tansu(_) => "tansu",
            BrokerProgram::Apache(_) => "apache",
        };
        self.report
            .send(
                TaskState::TaskStarting,
                format!("broker {id} ({kind}) starting on {endpoint}"),
                None,
                None,
            )
            .await;

        tokio::select! {
            ready = broker.wait_ready(rendered.probe_addr, START_DEADLINE) => match ready {
                Ok(()) => {}
                Err(BrokerError::Exited(exit)) => {
                    return failed(Reason::ReasonCommandExecutorFailed, format!("broker {id} {exit}"));
                }
                Err(e) => {
                    let exit = broker.stop(self.fallback_grace).await;
                    let stopped = exit.map(|x| x.summary()).unwrap_or_else(|e| e.to_string());
                    return failed(Reason::ReasonCommandExecutorFailed, format!("broker {id}: {e}; stopped: {stopped}"));
                }
            },
            Some(grace) = self.kills.recv() => {
                let stopped = stop(&mut broker, grace).await;
                return killed_during_launch(format!("broker {id} killed before it was ready: {stopped}"));
            }
        }
        tracing::info!(broker = id, %endpoint, "broker answers ApiVersions");
        self.report
            .send(
                TaskState::TaskRunning,
                format!("broker {id} serving on {endpoint}"),
                None,
                Some(endpoint.clone().into_bytes()),
            )
            .await;

        tokio::select! {
            exit = broker.exited() => match exit {
                Ok(exit) => failed(Reason::ReasonCommandExecutorFailed, format!("broker {id} {exit}")),
                Err(e) => failed(Reason::ReasonCommandExecutorFailed, format!("broker {id}: {e}")),
            },
            Some(grace) = self.kills.recv() => Outcome::Killed {
                reason: None,
                message: format!("broker {id} stopped: {}", stop(&mut broker, grace).await),
            },
        }
    }
}

async fn stop(broker: &mut Broker, grace: Duration) -> String {
    tracing::info!(pid = broker.pid(), ?grace, "stopping the broker");
    match broker.stop(grace).await {
        Ok(exit) => exit.summary(),
        Err(e) => e.to_string(),
    }
}

fn failed(reason: Reason, message: String) -> Outcome {
    tracing::error!(%message, "task failed");
    Outcome::Failed { reason, message }
}

fn killed_during_launch(message: String) -> Outcome {
    Outcome::Killed {
        reason: Some(Reason::ReasonTaskKilledDuringLaunch),
        message,
    }
}

/// Sends this task's status updates through the executor client.
struct Reporter {
    executor: Executor,
    task_id: TaskId,
}

impl Reporter {
    async fn send(
        &self,
        state: TaskState,
        message: String,
        reason: Option<Reason>,
        data: Option<Vec<u8>>,
    ) -> Option<Uuid> {
        let status = TaskStatus {
            task_id: Some(self.task_id.clone()),
            state: state as i32,
            message: Some(message),
            reason: reason.map(|r| r as i32),
            data,
            ..Default::default()
        };
        match self.executor.update(status).await {
            Ok(uuid) => Some(uuid),
            Err(e) => {
                tracing::error!(task = %self.task_id.value, ?state, error = %e, "the agent refused a status update");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(secs: i64) -> KillPolicy {
        KillPolicy {
            grace_period: Some(DurationInfo {
                nanoseconds: secs * 1_000_000_000,
            }),
        }
    }

    #[test]
    fn the_kill_event_policy_wins_then_the_task_policy_then_the_agent_grace() {
        let agent = Duration::from_secs(5);
        let (event, task) = (policy(30), policy(10));
        assert_eq!(
            kill_grace(Some(&event), Some(&task), agent),
            Duration::from_secs(30)
        );
        assert_eq!(
            kill_grace(None, Some(&task), agent),
            Duration::from_secs(10)
        );
        assert_eq!(kill_grace(None, None, agent), agent);
        assert_eq!(kill_grace(Some(&KillPolicy::default()), None, agent), agent);
        assert_eq!(kill_grace(Some(&policy(-1)), None, agent), Duration::ZERO);
    }
}
