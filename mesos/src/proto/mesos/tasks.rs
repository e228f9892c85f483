//! Tasks and executors: `TaskInfo`, `ExecutorInfo`, `CommandInfo` (URIs,
//! environment), kill policy, and task state and status.

use super::{
    value, AgentId, ContainerId, DurationInfo, ExecutorId, FrameworkId, Labels, Resource, TaskId,
    TimeInfo,
};

message! {
    /// A task to launch, with either `executor` or `command` set.
    pub struct TaskInfo {
        name: required string = 1,
        task_id: required message TaskId = 2,
        agent_id: required message AgentId = 3,
        resources: repeated message Resource = 4,
        executor: optional message ExecutorInfo = 5,
        /// Opaque bytes for the executor.
        data: optional bytes = 6,
        /// Set = the agent runs its built-in command executor.
        command: optional message CommandInfo = 7,
        labels: optional message Labels = 10,
        kill_policy: optional message KillPolicy = 12,
        max_completion_time: optional message DurationInfo = 14,
        /// Per-resource limits; `{"cpus": {"value": "Infinity"}}` in JSON.
        limits: map message value::Scalar = 15,
    }
}

message! {
    pub struct ExecutorInfo {
        executor_id: required message ExecutorId = 1,
        /// Opaque bytes for the executor.
        data: optional bytes = 4,
        /// The executor's own resources, on top of its tasks'.
        resources: repeated message Resource = 5,
        command: optional message CommandInfo = 7,
        framework_id: optional message FrameworkId = 8,
        name: optional string = 9,
        /// Becomes MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD.
        shutdown_grace_period: optional message DurationInfo = 13,
        labels: optional message Labels = 14,
        r#type: optional enumeration executor_info::Type = 15,
    }
}

pub mod executor_info {
    enumeration! {
        pub enum Type {
            Unknown = 0 => "UNKNOWN",
            Default = 1 => "DEFAULT",
            Custom = 2 => "CUSTOM",
        }
    }
}

message! {
    /// How to start a process: URIs to fetch into the sandbox, environment,
    /// and either a shell command line or an executable with arguments.
    pub struct CommandInfo {
        uris: repeated message command_info::Uri = 1,
        environment: optional message Environment = 2,
        value: optional string = 3,
        user: optional string = 5,
        /// true: `/bin/sh -c value`; false: exec `value` with `arguments`
        /// (argv[0] is `arguments[0]`).
        shell: optional bool = 6 [default = "true"],
        arguments: repeated string = 7,
    }
}

pub mod command_info {
    message! {
        pub struct Uri {
            value: required string = 1,
            executable: optional bool = 2,
            extract: optional bool = 3 [default = "true"],
            cache: optional bool = 4,
            /// Local name (relative path allowed) instead of the URI basename.
            output_file: optional string = 5,
        }
    }
}

message! {
    pub struct Environment {
        variables: repeated message environment::Variable = 1,
    }
}

pub mod environment {
    message! {
        pub struct Variable {
            name: required string = 1,
            value: optional string = 2,
            /// Unset means VALUE.
            r#type: optional enumeration variable::Type = 3,
        }
    }

    pub mod variable {
        enumeration! {
            pub enum Type {
                Unknown = 0 => "UNKNOWN",
                Value = 1 => "VALUE",
                Secret = 2 => "SECRET",
            }
        }
    }
}

message! {
    pub struct KillPolicy {
        /// Time between the graceful (SIGTERM) and the forced (SIGKILL) kill.
        grace_period: optional message DurationInfo = 1,
    }
}

enumeration! {
    /// Numbers are not in declaration order upstream: STAGING is 6.
    pub enum TaskState {
        TaskStarting = 0 => "TASK_STARTING",
        TaskRunning = 1 => "TASK_RUNNING",
        TaskFinished = 2 => "TASK_FINISHED",
        TaskFailed = 3 => "TASK_FAILED",
        TaskKilled = 4 => "TASK_KILLED",
        TaskLost = 5 => "TASK_LOST",
        TaskStaging = 6 => "TASK_STAGING",
        TaskError = 7 => "TASK_ERROR",
        TaskKilling = 8 => "TASK_KILLING",
        TaskDropped = 9 => "TASK_DROPPED",
        TaskUnreachable = 10 => "TASK_UNREACHABLE",
        TaskGone = 11 => "TASK_GONE",
        TaskGoneByOperator = 12 => "TASK_GONE_BY_OPERATOR",
        TaskUnknown = 13 => "TASK_UNKNOWN",
    }
}

impl TaskState {
    /// States after which the task never runs again (LOST and
    /// GONE_BY_OPERATOR included, as Mesos treats them).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::TaskFinished
                | TaskState::TaskFailed
                | TaskState::TaskKilled
                | TaskState::TaskLost
                | TaskState::TaskError
                | TaskState::TaskDropped
                | TaskState::TaskGone
                | TaskState::TaskGoneByOperator
        )
    }
}

message! {
    /// A task's state as reported by an executor, agent or master.
    pub struct TaskStatus {
        task_id: required message TaskId = 1,
        state: required enumeration TaskState = 2,
        data: optional bytes = 3,
        message: optional string = 4,
        agent_id: optional message AgentId = 5,
        /// Seconds since the epoch.
        timestamp: optional double = 6,
        executor_id: optional message ExecutorId = 7,
        healthy: optional bool = 8,
        source: optional enumeration task_status::Source = 9,
        reason: optional enumeration task_status::Reason = 10,
        /// 16 raw bytes of a v4 UUID; present = reliable, must be acknowledged.
        uuid: optional bytes = 11,
        labels: optional message Labels = 12,
        container_status: optional message ContainerStatus = 13,
        unreachable_time: optional message TimeInfo = 14,
    }
}

pub mod task_status {
    enumeration! {
        pub enum Source {
            SourceMaster = 0 => "SOURCE_MASTER",
            SourceAgent = 1 => "SOURCE_AGENT",
            SourceExecutor = 2 => "SOURCE_EXECUTOR",
        }
    }

    enumeration! {
        pub enum Reason {
            ReasonCommandExecutorFailed = 0 => "REASON_COMMAND_EXECUTOR_FAILED",
            ReasonExecutorTerminated = 1 => "REASON_EXECUTOR_TERMINATED",
            ReasonExecutorUnregistered = 2 => "REASON_EXECUTOR_UNREGISTERED",
            ReasonFrameworkRemoved = 3 => "REASON_FRAMEWORK_REMOVED",
            ReasonGcError = 4 => "REASON_GC_ERROR",
            ReasonInvalidFrameworkid = 5 => "REASON_INVALID_FRAMEWORKID",
            ReasonInvalidOffers = 6 => "REASON_INVALID_OFFERS",
            ReasonMasterDisconnected = 7 => "REASON_MASTER_DISCONNECTED",
            ReasonContainerLimitationMemory = 8 => "REASON_CONTAINER_LIMITATION_MEMORY",
            ReasonReconciliation = 9 => "REASON_RECONCILIATION",
            ReasonAgentDisconnected = 10 => "REASON_AGENT_DISCONNECTED",
            ReasonAgentRemoved = 11 => "REASON_AGENT_REMOVED",
            ReasonAgentRestarted = 12 => "REASON_AGENT_RESTARTED",
            ReasonAgentUnknown = 13 => "REASON_AGENT_UNKNOWN",
            ReasonTaskInvalid = 14 => "REASON_TASK_INVALID",
            ReasonTaskUnauthorized = 15 => "REASON_TASK_UNAUTHORIZED",
            ReasonTaskUnknown = 16 => "REASON_TASK_UNKNOWN",
            ReasonContainerPreempted = 17 => "REASON_CONTAINER_PREEMPTED",
            ReasonResourcesUnknown = 18 => "REASON_RESOURCES_UNKNOWN",
            ReasonContainerLimitation = 19 => "REASON_CONTAINER_LIMITATION",
            ReasonContainerLimitationDisk = 20 => "REASON_CONTAINER_LIMITATION_DISK",
            ReasonContainerLaunchFailed = 21 => "REASON_CONTAINER_LAUNCH_FAILED",
            ReasonContainerUpdateFailed = 22 => "REASON_CONTAINER_UPDATE_FAILED",
            ReasonExecutorRegistrationTimeout = 23 => "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
            ReasonExecutorReregistrationTimeout = 24 => "REASON_EXECUTOR_REREGISTRATION_TIMEOUT",
            ReasonTaskGroupInvalid = 25 => "REASON_TASK_GROUP_INVALID",
            ReasonTaskGroupUnauthorized = 26 => "REASON_TASK_GROUP_UNAUTHORIZED",
            ReasonIoSwitchboardExited = 27 => "REASON_IO_SWITCHBOARD_EXITED",
            ReasonTaskCheckStatusUpdated = 28 => "REASON_TASK_CHECK_STATUS_UPDATED",
            ReasonTaskHealthCheckStatusUpdated = 29 => "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
            ReasonTaskKilledDuringLaunch = 30 => "REASON_TASK_KILLED_DURING_LAUNCH",
            ReasonAgentRemovedByOperator = 31 => "REASON_AGENT_REMOVED_BY_OPERATOR",
            ReasonAgentReregistered = 32 => "REASON_AGENT_REREGISTERED",
            ReasonMaxCompletionTimeReached = 33 => "REASON_MAX_COMPLETION_TIME_REACHED",
            ReasonAgentDraining = 34 => "REASON_AGENT_DRAINING",
        }
    }
}

message! {
    pub struct ContainerStatus {
        executor_pid: optional uint32 = 3,
        container_id: optional message ContainerId = 4,
    }
}
