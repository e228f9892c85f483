//! What the scheduler client reports: the master's events, typed, plus the
//! client's own view of the subscription (`Disconnected`, `Subscribed` again).

use std::time::Duration;

use crate::proto::scheduler::event;
use crate::proto::{FrameworkId, MasterInfo, Offer, OfferId, TaskStatus};

#[derive(Debug, Clone, PartialEq)]
pub enum SchedulerEvent {
    /// A subscription (first, or after a reconnection) is established;
    /// reconcile now. `framework_id` is the one to persist.
    Subscribed {
        framework_id: FrameworkId,
        heartbeat_interval: Duration,
        master_info: Option<MasterInfo>,
    },
    Offers(Vec<Offer>),
    Rescind(OfferId),
    /// Acknowledge it with `Scheduler::acknowledge` once processed (a no-op
    /// for updates without uuid).
    Update(TaskStatus),
    /// Opaque bytes from an executor.
    Message(event::Message),
    /// An agent was lost (`agent_id` only) or an executor exited.
    Failure(event::Failure),
    Heartbeat,
    /// The subscription was lost; the client is resubscribing.
    Disconnected(String),
    /// The master refused or ended the subscription for good ("Framework
    /// failed over", "Framework has been removed", a 4xx on SUBSCRIBE).
    /// No events follow.
    Error(String),
}

/// The event stream of one subscription. Dropping it closes the
/// subscription (the master then starts the framework's failover timer).
pub type Events = crate::codec::transport::Events<SchedulerEvent>;
