//! Package `mesos.v1.executor`: the `Call` an executor POSTs to its agent's
//! `/api/v1/executor` and the `Event`s the agent streams back. Event field
//! numbers do not follow the type numbers (ACKNOWLEDGED is type 4, field 3),
//! and `Call.Message.data` is field 2.

use crate::proto::{ExecutorId, FrameworkId};

message! {
    pub struct Call {
        executor_id: required message ExecutorId = 1,
        framework_id: required message FrameworkId = 2,
        r#type: optional enumeration call::Type = 3,
        subscribe: optional message call::Subscribe = 4,
        update: optional message call::Update = 5,
        message: optional message call::Message = 6,
    }
}

pub mod call {
    use crate::proto::{TaskInfo, TaskStatus};

    enumeration! {
        pub enum Type {
            Unknown = 0 => "UNKNOWN",
            Subscribe = 1 => "SUBSCRIBE",
            Update = 2 => "UPDATE",
            Message = 3 => "MESSAGE",
            Heartbeat = 4 => "HEARTBEAT",
        }
    }

    message! {
        /// After a reconnection: what the agent may not have seen through.
        pub struct Subscribe {
            /// Tasks received that have no acknowledged update yet.
            unacknowledged_tasks: repeated message TaskInfo = 1,
            /// UPDATE calls not yet ACKNOWLEDGED.
            unacknowledged_updates: repeated message Update = 2,
        }
    }

    message! {
        /// `status` needs a fresh v4 uuid and source SOURCE_EXECUTOR.
        pub struct Update {
            status: required message TaskStatus = 1,
        }
    }

    message! {
        pub struct Message {
            data: required bytes = 2,
        }
    }
}

message! {
    pub struct Event {
        r#type: optional enumeration event::Type = 1,
        subscribed: optional message event::Subscribed = 2,
        acknowledged: optional message event::Acknowledged = 3,
        launch: optional message event::Launch = 4,
        kill: optional message event::Kill = 5,
        message: optional message event::Message = 6,
        error: optional message event::Error = 7,
    }
}

pub mod event {
    use crate::proto::{
        AgentInfo, ContainerId, ExecutorInfo, FrameworkInfo, KillPolicy, TaskId, TaskInfo,
    };

    enumeration! {
        pub enum Type {
            Unknown = 0 => "UNKNOWN",
            Subscribed = 1 => "SUBSCRIBED",
            Launch = 2 => "LAUNCH",
            Kill = 3 => "KILL",
            Acknowledged = 4 => "ACKNOWLEDGED",
            Message = 5 => "MESSAGE",
            Error = 6 => "ERROR",
            Shutdown = 7 => "SHUTDOWN",
            LaunchGroup = 8 => "LAUNCH_GROUP",
            Heartbeat = 9 => "HEARTBEAT",
        }
    }

    message! {
        pub struct Subscribed {
            executor_info: required message ExecutorInfo = 1,
            /// Its `id` is set.
            framework_info: required message FrameworkInfo = 2,
            agent_info: required message AgentInfo = 3,
            container_id: optional message ContainerId = 4,
        }
    }

    message! {
        pub struct Launch {
            task: required message TaskInfo = 1,
        }
    }

    message! {
        pub struct Kill {
            task_id: required message TaskId = 1,
            kill_policy: optional message KillPolicy = 2,
        }
    }

    message! {
        /// The agent has taken over the update with this uuid.
        pub struct Acknowledged {
            task_id: required message TaskId = 1,
            uuid: required bytes = 2,
        }
    }

    message! {
        pub struct Message {
            data: required bytes = 1,
        }
    }

    message! {
        pub struct Error {
            message: required string = 1,
        }
    }
}
