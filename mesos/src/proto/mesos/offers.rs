//! Offers and the operations an ACCEPT applies to them (LAUNCH, RESERVE,
//! UNRESERVE, CREATE, DESTROY), and the filters of DECLINE/ACCEPT.

use super::{
    resource, AgentId, Attribute, ExecutorId, FrameworkId, OfferId, OperationId, Resource, Url,
};

message! {
    /// Resources on one agent, allocated to one of the framework's roles.
    pub struct Offer {
        id: required message OfferId = 1,
        framework_id: required message FrameworkId = 2,
        agent_id: required message AgentId = 3,
        hostname: required string = 4,
        resources: repeated message Resource = 5,
        /// This framework's executors already running on the agent.
        executor_ids: repeated message ExecutorId = 6,
        attributes: repeated message Attribute = 7,
        url: optional message Url = 8,
        allocation_info: optional message resource::AllocationInfo = 10,
    }
}

pub mod offer {
    message! {
        /// One step of an ACCEPT; steps run in order, each seeing the
        /// resources the previous one left.
        pub struct Operation {
            r#type: optional enumeration operation::Type = 1,
            launch: optional message operation::Launch = 2,
            reserve: optional message operation::Reserve = 3,
            unreserve: optional message operation::Unreserve = 4,
            create: optional message operation::Create = 5,
            destroy: optional message operation::Destroy = 6,
            /// Asks for UPDATE_OPERATION_STATUS feedback (not for LAUNCH).
            id: optional message super::OperationId = 12,
        }
    }

    pub mod operation {
        use crate::proto::{Resource, TaskInfo};

        enumeration! {
            pub enum Type {
                Unknown = 0 => "UNKNOWN",
                Launch = 1 => "LAUNCH",
                Reserve = 2 => "RESERVE",
                Unreserve = 3 => "UNRESERVE",
                Create = 4 => "CREATE",
                Destroy = 5 => "DESTROY",
                LaunchGroup = 6 => "LAUNCH_GROUP",
                GrowVolume = 11 => "GROW_VOLUME",
                ShrinkVolume = 12 => "SHRINK_VOLUME",
                CreateDisk = 13 => "CREATE_DISK",
                DestroyDisk = 14 => "DESTROY_DISK",
            }
        }

        message! {
            pub struct Launch {
                task_infos: repeated message TaskInfo = 1,
            }
        }

        message! {
            /// The resources as they should look after reserving.
            pub struct Reserve {
                resources: repeated message Resource = 1,
                /// Re-reservation form; the master refuses it from frameworks.
                source: repeated message Resource = 2,
            }
        }

        message! {
            pub struct Unreserve {
                resources: repeated message Resource = 1,
            }
        }

        message! {
            /// Reserved disk with `disk.persistence` and `disk.volume` set.
            pub struct Create {
                volumes: repeated message Resource = 1,
            }
        }

        message! {
            /// The volumes exactly as offered.
            pub struct Destroy {
                volumes: repeated message Resource = 1,
            }
        }
    }
}

message! {
    /// How long declined or unused resources are withheld from the framework.
    pub struct Filters {
        refuse_seconds: optional double = 1 [default = "5.0"],
    }
}
