//! An agent: one task owning what runs on one simulated host — its executor
//! processes (each in its own process group, in a fresh sandbox), the
//! status-update streams, and the persistent volumes on disk. It is fed by
//! master commands, executor API calls (via its HTTP server) and its own
//! process watchers. `launch` starts executors, `executor_api` serves
//! SUBSCRIBE/UPDATE/MESSAGE, `command_executor` runs command tasks.

mod command_executor;
mod dirs;
mod ending;
mod env;
mod executor_api;
mod fetch;
mod launch;
mod process;
mod status;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{
    executor, AgentId, AgentInfo, ExecutorId, ExecutorInfo, FrameworkInfo, TaskId, TaskInfo,
    TaskState, TaskStatus,
};

pub use self::dirs::AgentDirs;
pub use self::process::ProcessGroup;
use self::status::StatusStreams;
use super::messages::{
    AgentCommand, AgentReport, ExecutorEvents, MasterMsg, Refusal, Reply, VolumeMount,
};

/// Timings the agent works with.
#[derive(Debug, Clone)]
pub struct AgentTimings {
    pub status_retry: Duration,
    pub registration_timeout: Duration,
    pub default_grace: Duration,
}

/// The agent's inbox, apart from master commands.
pub enum AgentMsg {
    Subscribe {
        call: executor::Call,
        reply: oneshot::Sender<Result<mpsc::UnboundedReceiver<executor::Event>, Refusal>>,
    },
    Update {
        call: executor::Call,
        reply: Reply,
    },
    Message {
        call: executor::Call,
        reply: Reply,
    },
    /// A launch finished fetching and spawning (or failed to).
    Started {
        key: ExecutorKey,
        container_id: String,
        result: Result<ProcessGroup, String>,
    },
    /// An executor process exited with this raw wait status.
    Exited {
        key: ExecutorKey,
        container_id: String,
        status: Option<i32>,
    },
    /// An executor did not SUBSCRIBE in time.
    RegistrationTimeout {
        key: ExecutorKey,
        container_id: String,
    },
    /// A killed task's grace period is over: end its executor if the task lives on.
    KillExpired {
        key: ExecutorKey,
        container_id: String,
        task_id: String,
    },
    /// A shut-down executor's grace period is over: kill it if it is still there.
    GraceExpired {
        key: ExecutorKey,
        container_id: String,
    },
    /// Cluster shutdown: kill every process group, then answer.
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// (framework id, executor id).
pub type ExecutorKey = (String, String);

/// A task as the agent tracks it.
struct AgentTask {
    info: TaskInfo,
    state: TaskState,
    /// Sent to the executor in a LAUNCH event.
    delivered: bool,
}

/// Built-in command executor, or a custom executor speaking the executor API.
#[derive(Debug, Clone, PartialEq)]
enum ExecutorKind {
    Custom,
    /// Runs `TaskInfo.command` directly; `killing` once a KILL arrived.
    Command {
        killing: bool,
    },
}

struct ExecutorRun {
    framework: FrameworkInfo,
    info: ExecutorInfo,
    kind: ExecutorKind,
    container_id: String,
    sandbox: PathBuf,
    /// Set once the process is running.
    group: Option<ProcessGroup>,
    /// The executor's event stream while it is subscribed.
    events: Option<ExecutorEvents>,
    subscribed_once: bool,
    tasks: BTreeMap<String, AgentTask>,
    /// Why it is being torn down, for the updates its live tasks get.
    ending: Option<(TaskState, Reason, String)>,
}

pub struct Agent {
    id: String,
    info: AgentInfo,
    /// `ip:port` of the executor API.
    endpoint: String,
    dirs: AgentDirs,
    timings: AgentTimings,
    master: mpsc::UnboundedSender<MasterMsg>,
    inbox: mpsc::UnboundedSender<AgentMsg>,
    http: reqwest::Client,
    executors: BTreeMap<ExecutorKey, ExecutorRun>,
    updates: StatusStreams,
}

impl Agent {
    pub fn new(
        info: AgentInfo,
        endpoint: String,
        dirs: AgentDirs,
        timings: AgentTimings,
        master: mpsc::UnboundedSender<MasterMsg>,
        inbox: mpsc::UnboundedSender<AgentMsg>,
    ) -> Self {
        let id = info
            .id
            .as_ref()
            .map(|a| a.value.clone())
            .unwrap_or_default();
        Agent {
            id,
            info,
            endpoint,
            dirs,
            timings,
            master,
            inbox,
            http: reqwest::Client::new(),
            executors: BTreeMap::new(),
            updates: StatusStreams::default(),
        }
    }

    pub async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<AgentCommand>,
        mut inbox: mpsc::UnboundedReceiver<AgentMsg>,
    ) {
        let mut retry =
            tokio::time::interval(self.timings.status_retry.min(Duration::from_secs(1)));
        retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(command) = commands.recv() => self.command(command),
                msg = inbox.recv() => match msg {
                    Some(AgentMsg::Shutdown { reply }) => {
                        self.kill_all();
                        let _ = reply.send(());
                        break;
                    }
                    Some(msg) => self.handle(msg),
                    None => break,
                },
                _ = retry.tick() => {
                    for (framework_id, status) in self.updates.due(self.timings.status_retry) {
                        self.report(AgentReport::StatusUpdate { framework_id, status });
                    }
                }
            }
        }
        self.kill_all();
    }

    fn handle(&mut self, msg: AgentMsg) {
        match msg {
            AgentMsg::Subscribe { call, reply } => {
                let _ = reply.send(self.executor_subscribe(call));
            }
            AgentMsg::Update { call, reply } => {
                let _ = reply.send(self.executor_update(call));
            }
            AgentMsg::Message { call, reply } => {
                let _ = reply.send(self.executor_message(call));
            }
            AgentMsg::Started {
                key,
                container_id,
                result,
            } => self.started(key, &container_id, result),
            AgentMsg::Exited {
                key,
                container_id,
                status,
            } => self.exited(key, &container_id, status),
            AgentMsg::RegistrationTimeout { key, container_id } => {
                self.registration_timeout(key, &container_id)
            }
            AgentMsg::KillExpired {
                key,
                container_id,
                task_id,
            } => self.kill_expired(key, &container_id, &task_id),
            AgentMsg::GraceExpired { key, container_id } => {
                let run = self
                    .executors
                    .get(&key)
                    .filter(|r| r.container_id == container_id);
                if let Some(group) = run.and_then(|r| r.group) {
                    tracing::info!(agent = %self.id, executor = %key.1, "grace period over: killing the executor");
                    group.signal(nix::sys::signal::Signal::SIGKILL);
                }
            }
            AgentMsg::Shutdown { .. } => {}
        }
    }

    fn command(&mut self, command: AgentCommand) {
        match command {
            AgentCommand::RunTask {
                framework,
                task,
                volumes,
            } => self.run_task(framework, task, volumes),
            AgentCommand::KillTask {
                framework_id,
                task_id,
                kill_policy,
            } => self.kill_task(&framework_id, &task_id, kill_policy),
            AgentCommand::ShutdownExecutor {
                framework_id,
                executor_id,
            } => {
                // As on Mesos: tasks the executor did not end itself fail with it.
                let reason = (
                    TaskState::TaskFailed,
                    Reason::ReasonExecutorTerminated,
                    "Executor shut down".to_string(),
                );
                self.shutdown_executor(&(framework_id, executor_id), reason);
            }
            AgentCommand::ShutdownFramework { framework_id } => {
                let keys: Vec<ExecutorKey> = self
                    .executors
                    .keys()
                    .filter(|(fw, _)| *fw == framework_id)
                    .cloned()
                    .collect();
                for key in keys {
                    let reason = (
                        TaskState::TaskKilled,
                        Reason::ReasonFrameworkRemoved,
                        "Framework removed".to_string(),
                    );
                    self.shutdown_executor(&key, reason);
                }
                self.updates.remove_framework(&framework_id);
            }
            AgentCommand::Acknowledge {
                framework_id,
                task_id,
                uuid,
            } => self.acknowledge(&framework_id, &task_id, &uuid),
            AgentCommand::FrameworkMessage {
                framework_id,
                executor_id,
                data,
            } => {
                if let Some(events) = self
                    .executors
                    .get(&(framework_id, executor_id))
                    .and_then(|e| e.events.as_ref())
                {
                    let _ = events.send(executor::Event {
                        r#type: Some(executor::event::Type::Message as i32),
                        message: Some(executor::event::Message { data }),
                        ..Default::default()
                    });
                }
            }
            AgentCommand::CreateVolume {
                role,
                persistence_id,
            } => {
                if let Err(e) = self.dirs.create_volume(&role, &persistence_id) {
                    tracing::error!(agent = %self.id, %e, "cannot create persistent volume");
                }
            }
            AgentCommand::DestroyVolume {
                role,
                persistence_id,
            } => {
                if let Err(e) = self.dirs.destroy_volume(&role, &persistence_id) {
                    tracing::error!(agent = %self.id, %e, "cannot destroy persistent volume");
                }
            }
            AgentCommand::Crash => {
                tracing::info!(agent = %self.id, "agent crashed (test hook)");
                self.kill_all();
                self.executors.clear();
                // Watchers of the killed processes find no executor and are ignored.
                self.updates.clear();
            }
            AgentCommand::Reregister => {
                let tasks = self
                    .executors
                    .iter()
                    .flat_map(|((fw, _), e)| {
                        e.tasks
                            .iter()
                            .map(move |(id, t)| super::messages::LiveTask {
                                framework_id: fw.clone(),
                                task_id: id.clone(),
                                state: t.state,
                            })
                    })
                    .collect();
                let executors = self.executors.keys().cloned().collect();
                self.report(AgentReport::Reregistered { executors, tasks });
                for (framework_id, status) in self.updates.heads() {
                    self.report(AgentReport::StatusUpdate {
                        framework_id,
                        status,
                    });
                }
            }
        }
    }

    fn report(&self, report: AgentReport) {
        let _ = self.master.send(MasterMsg::Agent {
            agent_id: self.id.clone(),
            report,
        });
    }

    /// Queues an update in the task's stream (sending it if it is the head)
    /// and records the task's new state.
    fn enqueue(&mut self, framework_id: &str, executor_id: &str, status: TaskStatus) {
        let task_id = status
            .task_id
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        if let Some(task) = self
            .executors
            .get_mut(&(framework_id.to_string(), executor_id.to_string()))
            .and_then(|e| e.tasks.get_mut(&task_id))
        {
            task.state = status.state();
        }
        if let Some(head) = self.updates.push(framework_id, status) {
            self.report(AgentReport::StatusUpdate {
                framework_id: framework_id.to_string(),
                status: head,
            });
        }
    }

    /// An update the agent itself generates (reliable: it has a uuid).
    fn agent_status(
        &self,
        task_id: &str,
        executor_id: &str,
        state: TaskState,
        reason: Reason,
        message: &str,
    ) -> TaskStatus {
        TaskStatus {
            task_id: Some(TaskId {
                value: task_id.to_string(),
            }),
            state: state as i32,
            message: Some(message.to_string()),
            agent_id: Some(AgentId {
                value: self.id.clone(),
            }),
            timestamp: Some(now_secs()),
            executor_id: Some(ExecutorId {
                value: executor_id.to_string(),
            }),
            source: Some(Source::SourceAgent as i32),
            reason: Some(reason as i32),
            uuid: Some(uuid::Uuid::new_v4().as_bytes().to_vec()),
            ..Default::default()
        }
    }

    fn acknowledge(&mut self, framework_id: &str, task_id: &str, uuid: &[u8]) {
        let Some((acked, next)) = self.updates.acknowledge(framework_id, task_id, uuid) else {
            return;
        };
        if acked.state().is_terminal() {
            for ((fw, _), run) in self.executors.iter_mut() {
                if fw == framework_id {
                    run.tasks.remove(task_id);
                }
            }
        }
        if let Some(status) = next {
            self.report(AgentReport::StatusUpdate {
                framework_id: framework_id.to_string(),
                status,
            });
        }
    }

    fn kill_all(&mut self) {
        for run in self.executors.values() {
            if let Some(group) = run.group {
                group.signal(nix::sys::signal::Signal::SIGKILL);
            }
        }
    }
}

impl Drop for Agent {
    /// An agent dropped without a shutdown (its task aborted, the runtime
    /// gone) still takes its processes with it.
    fn drop(&mut self) {
        self.kill_all();
    }
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// A volume to link into a sandbox, resolved to its directory.
fn volume_dir(dirs: &AgentDirs, mount: &VolumeMount) -> std::io::Result<PathBuf> {
    dirs.create_volume(&mount.role, &mount.persistence_id)
}
