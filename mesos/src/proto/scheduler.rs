//! Package `mesos.v1.scheduler`: the `Call` a framework POSTs to
//! `/api/v1/scheduler` and the `Event`s the master streams back. Both are
//! discriminated unions: `type` says which sub-message is set. Mind the
//! numbering: from REVIVE on, type numbers and field numbers differ
//! (`Type::Revive = 5` but `revive` is field 15).

use crate::proto::FrameworkId;

message! {
    pub struct Call {
        /// Required on every call but SUBSCRIBE; on SUBSCRIBE it must equal
        /// `subscribe.framework_info.id` (both set or both unset).
        framework_id: optional message FrameworkId = 1,
        r#type: optional enumeration call::Type = 2,
        subscribe: optional message call::Subscribe = 3,
        accept: optional message call::Accept = 4,
        decline: optional message call::Decline = 5,
        kill: optional message call::Kill = 6,
        shutdown: optional message call::Shutdown = 7,
        acknowledge: optional message call::Acknowledge = 8,
        reconcile: optional message call::Reconcile = 9,
        message: optional message call::Message = 10,
        revive: optional message call::Revive = 15,
        suppress: optional message call::Suppress = 16,
    }
}

pub mod call {
    use crate::proto::{
        offer, AgentId, ExecutorId, Filters, FrameworkInfo, KillPolicy, OfferId, TaskId,
    };

    enumeration! {
        pub enum Type {
            Unknown = 0 => "UNKNOWN",
            Subscribe = 1 => "SUBSCRIBE",
            Teardown = 2 => "TEARDOWN",
            Accept = 3 => "ACCEPT",
            Decline = 4 => "DECLINE",
            Revive = 5 => "REVIVE",
            Kill = 6 => "KILL",
            Shutdown = 7 => "SHUTDOWN",
            Acknowledge = 8 => "ACKNOWLEDGE",
            Reconcile = 9 => "RECONCILE",
            Message = 10 => "MESSAGE",
            Request = 11 => "REQUEST",
            Suppress = 12 => "SUPPRESS",
            AcceptInverseOffers = 13 => "ACCEPT_INVERSE_OFFERS",
            DeclineInverseOffers = 14 => "DECLINE_INVERSE_OFFERS",
            AcknowledgeOperationStatus = 15 => "ACKNOWLEDGE_OPERATION_STATUS",
            ReconcileOperations = 16 => "RECONCILE_OPERATIONS",
            UpdateFramework = 17 => "UPDATE_FRAMEWORK",
        }
    }

    message! {
        pub struct Subscribe {
            framework_info: required message FrameworkInfo = 1,
            /// Roles (of framework_info) that start suppressed.
            suppressed_roles: repeated string = 2,
        }
    }

    message! {
        /// Offers from one agent and one allocation role; each usable once.
        pub struct Accept {
            offer_ids: repeated message OfferId = 1,
            operations: repeated message offer::Operation = 2,
            /// Applies to the unused remainder.
            filters: optional message Filters = 3,
        }
    }

    message! {
        pub struct Decline {
            offer_ids: repeated message OfferId = 1,
            filters: optional message Filters = 2,
        }
    }

    message! {
        /// Empty `roles` = all of the framework's roles.
        pub struct Revive {
            roles: repeated string = 1,
        }
    }

    message! {
        /// Empty `roles` = all of the framework's roles.
        pub struct Suppress {
            roles: repeated string = 1,
        }
    }

    message! {
        pub struct Kill {
            task_id: required message TaskId = 1,
            agent_id: optional message AgentId = 2,
            /// Overrides the task's kill policy.
            kill_policy: optional message KillPolicy = 3,
        }
    }

    message! {
        pub struct Shutdown {
            executor_id: required message ExecutorId = 1,
            agent_id: required message AgentId = 2,
        }
    }

    message! {
        /// Echoes a `TaskStatus.uuid`; only for updates that carry one.
        pub struct Acknowledge {
            agent_id: required message AgentId = 1,
            task_id: required message TaskId = 2,
            uuid: required bytes = 3,
        }
    }

    message! {
        /// Empty `tasks` = implicit reconciliation (all known tasks).
        pub struct Reconcile {
            tasks: repeated message reconcile::Task = 1,
        }
    }

    pub mod reconcile {
        use crate::proto::{AgentId, TaskId};

        message! {
            pub struct Task {
                task_id: required message TaskId = 1,
                agent_id: optional message AgentId = 2,
            }
        }
    }

    message! {
        /// Best-effort bytes to an executor.
        pub struct Message {
            agent_id: required message AgentId = 1,
            executor_id: required message ExecutorId = 2,
            data: required bytes = 3,
        }
    }
}

message! {
    pub struct Event {
        r#type: optional enumeration event::Type = 1,
        subscribed: optional message event::Subscribed = 2,
        offers: optional message event::Offers = 3,
        rescind: optional message event::Rescind = 4,
        update: optional message event::Update = 5,
        message: optional message event::Message = 6,
        failure: optional message event::Failure = 7,
        error: optional message event::Error = 8,
    }
}

pub mod event {
    use crate::proto::{AgentId, ExecutorId, FrameworkId, MasterInfo, Offer, OfferId, TaskStatus};

    enumeration! {
        pub enum Type {
            Unknown = 0 => "UNKNOWN",
            Subscribed = 1 => "SUBSCRIBED",
            Offers = 2 => "OFFERS",
            Rescind = 3 => "RESCIND",
            Update = 4 => "UPDATE",
            Message = 5 => "MESSAGE",
            Failure = 6 => "FAILURE",
            Error = 7 => "ERROR",
            Heartbeat = 8 => "HEARTBEAT",
            InverseOffers = 9 => "INVERSE_OFFERS",
            RescindInverseOffer = 10 => "RESCIND_INVERSE_OFFER",
            UpdateOperationStatus = 11 => "UPDATE_OPERATION_STATUS",
        }
    }

    message! {
        pub struct Subscribed {
            framework_id: required message FrameworkId = 1,
            /// 15 from the real master.
            heartbeat_interval_seconds: optional double = 2,
            master_info: optional message MasterInfo = 3,
        }
    }

    message! {
        pub struct Offers {
            offers: repeated message Offer = 1,
        }
    }

    message! {
        pub struct Rescind {
            offer_id: required message OfferId = 1,
        }
    }

    message! {
        /// Acknowledge it iff `status.uuid` is set.
        pub struct Update {
            status: required message TaskStatus = 1,
        }
    }

    message! {
        pub struct Message {
            agent_id: required message AgentId = 1,
            executor_id: required message ExecutorId = 2,
            data: required bytes = 3,
        }
    }

    message! {
        /// `agent_id` only: an agent was lost; `executor_id` set: a custom
        /// executor exited with wait status `status`.
        pub struct Failure {
            agent_id: optional message AgentId = 1,
            executor_id: optional message ExecutorId = 2,
            status: optional int32 = 3,
        }
    }

    message! {
        pub struct Error {
            message: required string = 1,
        }
    }
}
