//! What the master and the agents say to each other, and what the HTTP
//! handlers hand them. The master and each agent are tasks that own their
//! state and are fed only through these messages.

use std::path::PathBuf;

use axum::http::StatusCode;
use tokio::sync::{mpsc, oneshot};

use mesos::proto::{
    executor, scheduler, FrameworkInfo, KillPolicy, TaskInfo, TaskState, TaskStatus,
};

/// Events for one subscribed scheduler; unbounded so the master never waits on a slow reader.
pub type SchedulerEvents = mpsc::UnboundedSender<scheduler::Event>;
/// Events for one subscribed executor.
pub type ExecutorEvents = mpsc::UnboundedSender<executor::Event>;
/// An HTTP error answer, as the real master and agent give it: status and
/// plain-text reason.
pub type Refusal = (StatusCode, String);
/// The answer to a call: `Ok` is 202 (or 200 for SUBSCRIBE), `Err` the refusal.
pub type Reply = oneshot::Sender<Result<(), Refusal>>;

/// The master's inbox.
// Each message crosses one channel once; boxing the big protobufs buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum MasterMsg {
    /// A SUBSCRIBE that passed HTTP validation; its stream is `events`.
    Subscribe {
        subscribe: scheduler::call::Subscribe,
        stream_id: String,
        events: SchedulerEvents,
    },
    /// Any other scheduler call; `stream_id` is the `Mesos-Stream-Id` header.
    Call {
        call: scheduler::Call,
        stream_id: Option<String>,
        reply: Reply,
    },
    /// A subscription's HTTP stream was closed by the client.
    StreamClosed { stream_id: String },
    /// An agent reports something.
    Agent {
        agent_id: String,
        report: AgentReport,
    },
    /// The test hook: partition, remove or restore an agent.
    Hook {
        agent: String,
        action: HookAction,
        reply: oneshot::Sender<Result<String, Refusal>>,
    },
    /// `GET /master/state`.
    State {
        reply: oneshot::Sender<serde_json::Value>,
    },
}

/// What the test hook does to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    /// The network to the agent is cut; its tasks keep running.
    Partition,
    /// The agent's host dies: its processes are killed and its tasks forgotten.
    Remove,
    /// The agent comes back and re-registers with what it still runs.
    Restore,
}

/// Agent → master.
// Each message crosses one channel once; boxing the big protobufs buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AgentReport {
    /// The head of a task's status-update stream (retried until acknowledged).
    StatusUpdate {
        framework_id: String,
        status: TaskStatus,
    },
    /// An executor's sandbox exists (for `/master/state` and log reads).
    ExecutorStarted {
        framework_id: String,
        executor_id: String,
        sandbox: PathBuf,
    },
    /// An executor is gone; `custom` ones give the framework a FAILURE event.
    ExecutorExited {
        framework_id: String,
        executor_id: String,
        status: Option<i32>,
        custom: bool,
    },
    /// Bytes an executor sent to its scheduler.
    ExecutorMessage {
        framework_id: String,
        executor_id: String,
        data: Vec<u8>,
    },
    /// After a restore: the tasks the agent still runs.
    Reregistered {
        executors: Vec<(String, String)>,
        tasks: Vec<LiveTask>,
    },
}

/// A task as a re-registering agent reports it.
#[derive(Debug, Clone)]
pub struct LiveTask {
    pub framework_id: String,
    pub task_id: String,
    pub state: TaskState,
}

/// A persistent volume a task uses, to link into its sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeMount {
    pub role: String,
    pub persistence_id: String,
    pub container_path: String,
}

/// Master → agent.
// Each message crosses one channel once; boxing the big protobufs buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AgentCommand {
    /// Launch a task; `task.executor` is set with its framework id, or `task.command` is.
    RunTask {
        framework: FrameworkInfo,
        task: TaskInfo,
        volumes: Vec<VolumeMount>,
    },
    KillTask {
        framework_id: String,
        task_id: String,
        kill_policy: Option<KillPolicy>,
    },
    ShutdownExecutor {
        framework_id: String,
        executor_id: String,
    },
    ShutdownFramework {
        framework_id: String,
    },
    Acknowledge {
        framework_id: String,
        task_id: String,
        uuid: Vec<u8>,
    },
    FrameworkMessage {
        framework_id: String,
        executor_id: String,
        data: Vec<u8>,
    },
    CreateVolume {
        role: String,
        persistence_id: String,
    },
    DestroyVolume {
        role: String,
        persistence_id: String,
    },
    /// The host died: kill everything, forget everything (volumes stay on disk).
    Crash,
    /// Come back after a partition or removal and report live tasks.
    Reregister,
}

impl AgentCommand {
    /// The command's name, for logs: its payloads (a task's `data`, a
    /// framework message) are the framework's, and may hold its secrets.
    pub fn name(&self) -> &'static str {
        match self {
            AgentCommand::RunTask { .. } => "RunTask",
            AgentCommand::KillTask { .. } => "KillTask",
            AgentCommand::ShutdownExecutor { .. } => "ShutdownExecutor",
            AgentCommand::ShutdownFramework { .. } => "ShutdownFramework",
            AgentCommand::Acknowledge { .. } => "Acknowledge",
            AgentCommand::FrameworkMessage { .. } => "FrameworkMessage",
            AgentCommand::CreateVolume { .. } => "CreateVolume",
            AgentCommand::DestroyVolume { .. } => "DestroyVolume",
            AgentCommand::Crash => "Crash",
            AgentCommand::Reregister => "Reregister",
        }
    }
}
