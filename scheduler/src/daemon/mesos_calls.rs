//! Carries out the core's Mesos commands on the scheduler client, one at a
//! time and in the order given (a task of its own, so the driver never waits
//! on the master). A failed call is logged: the core recovers through
//! reconciliation and offer timeouts, not through call results.

use mesos::proto::scheduler::{call, Call};
use mesos::proto::{DurationInfo, Filters, KillPolicy};
use mesos::scheduler::Scheduler;
use tokio::sync::mpsc;

use crate::core::Command;

/// Mesos commands waiting to be sent.
pub type CallQueue = mpsc::UnboundedSender<Command>;

/// Starts the task that sends queued commands through `scheduler`.
pub fn start(scheduler: Scheduler) -> CallQueue {
    let (queue, mut commands) = mpsc::unbounded_channel::<Command>();
    tokio::spawn(async move {
        while let Some(command) = commands.recv().await {
            let what = name(&command);
            if let Err(e) = send_mesos_call(&scheduler, command).await {
                tracing::warn!(call = what, error = %e, "Mesos call failed");
            }
        }
    });
    queue
}

/// Whether a command is a Mesos call (for the call queue).
pub fn is_mesos_call(command: &Command) -> bool {
    matches!(
        command,
        Command::Accept { .. }
            | Command::Decline { .. }
            | Command::Kill { .. }
            | Command::Acknowledge { .. }
            | Command::Reconcile { .. }
            | Command::Revive
            | Command::Suppress
    )
}

fn name(command: &Command) -> &'static str {
    match command {
        Command::Accept { .. } => "ACCEPT",
        Command::Decline { .. } => "DECLINE",
        Command::Kill { .. } => "KILL",
        Command::Acknowledge { .. } => "ACKNOWLEDGE",
        Command::Reconcile { .. } => "RECONCILE",
        Command::Revive => "REVIVE",
        Command::Suppress => "SUPPRESS",
        _ => "other",
    }
}

/// Makes the Mesos call a core command stands for; commands that are not
/// Mesos calls are ignored.
pub async fn send_mesos_call(
    scheduler: &Scheduler,
    command: Command,
) -> Result<(), mesos::scheduler::CallError> {
    match command {
        Command::Accept {
            offer_ids,
            operations,
            filters,
        } => scheduler.accept(offer_ids, operations, Some(filters)).await,
        Command::Decline {
            offer_ids,
            refuse_seconds,
        } => {
            scheduler
                .decline(
                    offer_ids,
                    Some(Filters {
                        refuse_seconds: Some(refuse_seconds),
                    }),
                )
                .await
        }
        Command::Kill {
            task_id,
            agent_id,
            grace,
        } => {
            let policy = grace.map(|g| KillPolicy {
                grace_period: Some(DurationInfo {
                    nanoseconds: i64::try_from(g.as_nanos()).unwrap_or(i64::MAX),
                }),
            });
            scheduler.kill(task_id, agent_id, policy).await
        }
        Command::Acknowledge {
            agent_id,
            task_id,
            uuid,
        } => {
            scheduler
                .call(Call {
                    r#type: Some(call::Type::Acknowledge as i32),
                    acknowledge: Some(call::Acknowledge {
                        agent_id: Some(agent_id),
                        task_id: Some(task_id),
                        uuid,
                    }),
                    ..Default::default()
                })
                .await
        }
        Command::Reconcile { tasks } => scheduler.reconcile(tasks).await,
        Command::Revive => scheduler.revive(Vec::new()).await,
        Command::Suppress => scheduler.suppress(Vec::new()).await,
        _ => Ok(()),
    }
}
