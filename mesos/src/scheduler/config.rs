//! What a scheduler client needs to know: where the masters are, who the
//! framework is, and its timing (reconnect backoff, heartbeat tolerance).

use std::time::Duration;

use crate::codec::Encoding;
use crate::proto::framework_info::{capability, Capability};
use crate::proto::FrameworkInfo;
use crate::recordio::DEFAULT_MAX_RECORD;

/// Settings of [`Scheduler::subscribe`](super::Scheduler::subscribe).
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Master addresses (`host:port` or URLs), tried in turn; a non-leader
    /// redirects to the leader.
    pub masters: Vec<String>,
    /// Sent in SUBSCRIBE. Set `id` to fail over an existing framework; the
    /// client fills it in itself after the first SUBSCRIBED.
    pub framework: FrameworkInfo,
    /// Roles that start suppressed.
    pub suppressed_roles: Vec<String>,
    /// Encoding of calls and events.
    pub encoding: Encoding,
    /// First wait before resubscribing; doubles up to `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Heartbeat intervals without any event before the stream counts as dead.
    pub missed_heartbeats: u32,
    /// Timeout of ordinary calls, and of the wait for SUBSCRIBED.
    pub call_timeout: Duration,
    /// Largest event accepted.
    pub max_event_size: usize,
}

impl SchedulerConfig {
    /// Defaults as Mesos recommends: 5 missed heartbeats, backoff capped at
    /// 15 s, 75 s call timeout, JSON.
    pub fn new(master: impl Into<String>, framework: FrameworkInfo) -> Self {
        SchedulerConfig {
            masters: vec![master.into()],
            framework,
            suppressed_roles: Vec::new(),
            encoding: Encoding::Json,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(15),
            missed_heartbeats: 5,
            call_timeout: Duration::from_secs(75),
            max_event_size: DEFAULT_MAX_RECORD,
        }
    }
}

/// A FrameworkInfo for a long-running service: checkpointing on, tasks kept
/// for `failover_timeout` after the scheduler disconnects, and the MULTI_ROLE,
/// PARTITION_AWARE and TASK_KILLING_STATE capabilities. Set `principal`
/// before reserving resources or creating volumes.
pub fn long_running_framework(
    user: impl Into<String>,
    name: impl Into<String>,
    roles: Vec<String>,
    failover_timeout: Duration,
) -> FrameworkInfo {
    let capabilities = [
        capability::Type::MultiRole,
        capability::Type::PartitionAware,
        capability::Type::TaskKillingState,
    ];
    FrameworkInfo {
        user: user.into(),
        name: name.into(),
        roles,
        failover_timeout: Some(failover_timeout.as_secs_f64()),
        checkpoint: Some(true),
        capabilities: capabilities
            .into_iter()
            .map(|kind| Capability {
                r#type: Some(kind as i32),
            })
            .collect(),
        ..Default::default()
    }
}
