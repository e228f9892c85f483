//! Who is who: the framework (`FrameworkInfo` and its capabilities), the
//! master, and the agent.

use super::{Address, AgentId, Attribute, FrameworkId, Labels, Resource};

message! {
    /// Who the framework is and what it can do; sent in SUBSCRIBE.
    pub struct FrameworkInfo {
        /// Unix user that tasks and executors run as.
        user: required string = 1,
        name: required string = 2,
        /// Unset on the first SUBSCRIBE; the assigned id on every later one.
        id: optional message FrameworkId = 3,
        /// Seconds the master keeps the framework's tasks after it
        /// disconnects; the default 0 kills them at once.
        failover_timeout: optional double = 4 [default = "0.0"],
        checkpoint: optional bool = 5 [default = "false"],
        /// Deprecated single role; must stay unset with MULTI_ROLE.
        role: optional string = 6 [default = "*"],
        hostname: optional string = 7,
        principal: optional string = 8,
        webui_url: optional string = 9,
        capabilities: repeated message framework_info::Capability = 10,
        labels: optional message Labels = 11,
        /// Requires the MULTI_ROLE capability.
        roles: repeated string = 12,
    }
}

pub mod framework_info {
    message! {
        pub struct Capability {
            r#type: optional enumeration capability::Type = 1,
        }
    }

    pub mod capability {
        enumeration! {
            pub enum Type {
                Unknown = 0 => "UNKNOWN",
                RevocableResources = 1 => "REVOCABLE_RESOURCES",
                TaskKillingState = 2 => "TASK_KILLING_STATE",
                GpuResources = 3 => "GPU_RESOURCES",
                SharedResources = 4 => "SHARED_RESOURCES",
                PartitionAware = 5 => "PARTITION_AWARE",
                MultiRole = 6 => "MULTI_ROLE",
                ReservationRefinement = 7 => "RESERVATION_REFINEMENT",
                RegionAware = 8 => "REGION_AWARE",
            }
        }
    }
}

message! {
    /// The master, as described in SUBSCRIBED.
    pub struct MasterInfo {
        id: required string = 1,
        /// IPv4 packed in network byte order (legacy; prefer `address`).
        ip: required uint32 = 2,
        port: required uint32 = 3,
        pid: optional string = 4,
        hostname: optional string = 5,
        version: optional string = 6,
        address: optional message Address = 7,
    }
}

message! {
    /// An agent, as described to executors in SUBSCRIBED.
    pub struct AgentInfo {
        hostname: required string = 1,
        resources: repeated message Resource = 3,
        attributes: repeated message Attribute = 5,
        id: optional message AgentId = 6,
        port: optional int32 = 8 [default = "5051"],
    }
}
