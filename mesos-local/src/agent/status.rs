//! The agent's status-update streams, as Mesos's status-update manager keeps
//! them: one ordered queue per task; only the oldest unacknowledged update is
//! in flight to the master, retried until the scheduler's ACKNOWLEDGE comes
//! back, and then the next one goes.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use mesos::proto::TaskStatus;

#[derive(Debug, Default)]
struct Stream {
    pending: VecDeque<TaskStatus>,
    sent_at: Option<Instant>,
}

/// (framework id, task id) → that task's queue of updates.
#[derive(Debug, Default)]
pub struct StatusStreams {
    streams: BTreeMap<(String, String), Stream>,
}

fn task_id(status: &TaskStatus) -> String {
    status
        .task_id
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_default()
}

impl StatusStreams {
    /// Queues an update; returns it if it is now the head, to be sent at once.
    /// An update already queued (same uuid, e.g. resent by a reconnecting
    /// executor) is ignored.
    pub fn push(&mut self, framework_id: &str, status: TaskStatus) -> Option<TaskStatus> {
        let stream = self
            .streams
            .entry((framework_id.to_string(), task_id(&status)))
            .or_default();
        if status.uuid.is_some() && stream.pending.iter().any(|s| s.uuid == status.uuid) {
            return None;
        }
        stream.pending.push_back(status);
        if stream.pending.len() == 1 {
            stream.sent_at = Some(Instant::now());
            return stream.pending.front().cloned();
        }
        None
    }

    /// The scheduler acknowledged `uuid`: pops the head if it matches and
    /// returns (the acknowledged update, the next head to send). A stale or
    /// duplicate acknowledgement returns `None`.
    pub fn acknowledge(
        &mut self,
        framework_id: &str,
        task_id: &str,
        uuid: &[u8],
    ) -> Option<(TaskStatus, Option<TaskStatus>)> {
        let key = (framework_id.to_string(), task_id.to_string());
        let stream = self.streams.get_mut(&key)?;
        if stream.pending.front().and_then(|s| s.uuid.as_deref()) != Some(uuid) {
            return None;
        }
        let acked = stream.pending.pop_front()?;
        let next = stream.pending.front().cloned();
        if next.is_some() {
            stream.sent_at = Some(Instant::now());
        } else {
            self.streams.remove(&key);
        }
        Some((acked, next))
    }

    /// Heads not acknowledged within `retry` of their last sending; marks them sent.
    pub fn due(&mut self, retry: Duration) -> Vec<(String, TaskStatus)> {
        let now = Instant::now();
        self.streams
            .iter_mut()
            .filter(|(_, s)| s.sent_at.is_none_or(|t| now.duration_since(t) >= retry))
            .filter_map(|((fw, _), s)| {
                s.sent_at = Some(now);
                Some((fw.clone(), s.pending.front()?.clone()))
            })
            .collect()
    }

    /// Every head, for resending after the agent re-registers.
    pub fn heads(&mut self) -> Vec<(String, TaskStatus)> {
        self.streams.values_mut().for_each(|s| s.sent_at = None);
        self.due(Duration::ZERO)
    }

    pub fn remove_framework(&mut self, framework_id: &str) {
        self.streams.retain(|(fw, _), _| fw != framework_id);
    }

    pub fn clear(&mut self) {
        self.streams.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesos::proto::{TaskId, TaskState};

    fn update(task: &str, state: TaskState, uuid: u8) -> TaskStatus {
        TaskStatus {
            task_id: Some(TaskId { value: task.into() }),
            state: state as i32,
            uuid: Some(vec![uuid; 16]),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_head_is_in_flight_and_ack_releases_the_next() {
        let mut s = StatusStreams::default();
        assert!(s
            .push("F", update("t", TaskState::TaskStarting, 1))
            .is_some());
        assert!(s
            .push("F", update("t", TaskState::TaskRunning, 2))
            .is_none());
        assert!(
            s.push("F", update("u", TaskState::TaskRunning, 3))
                .is_some(),
            "other tasks are independent"
        );
        assert!(s.acknowledge("F", "t", &[2; 16]).is_none(), "not the head");
        let (acked, next) = s.acknowledge("F", "t", &[1; 16]).unwrap();
        assert_eq!(acked.state(), TaskState::TaskStarting);
        assert_eq!(next.unwrap().state(), TaskState::TaskRunning);
        assert!(
            s.acknowledge("F", "t", &[1; 16]).is_none(),
            "duplicate ack ignored"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unacknowledged_heads_are_retried() {
        let mut s = StatusStreams::default();
        s.push("F", update("t", TaskState::TaskRunning, 1));
        assert!(s.due(Duration::from_secs(2)).is_empty());
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(s.due(Duration::from_secs(2)).len(), 1);
        assert!(s.due(Duration::from_secs(2)).is_empty(), "just resent");
        assert!(
            s.push("F", update("t", TaskState::TaskRunning, 1))
                .is_none(),
            "resent by executor: deduplicated"
        );
    }
}
