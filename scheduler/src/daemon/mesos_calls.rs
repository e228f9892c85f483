//! Carries out the core's Mesos calls on the scheduler client, one at a
//! time and in the order given (a task of its own, so the driver never waits
//! on the master). A failed call is logged: the core recovers through
//! reconciliation and offer timeouts, not through call results.

use mesos::proto::scheduler::{call, Call};
use mesos::proto::{DurationInfo, Filters, KillPolicy};
use mesos::scheduler::Scheduler;
use tokio::sync::mpsc;

use crate::core::MesosCall;

/// Mesos calls waiting to be sent.
pub type CallQueue = mpsc::UnboundedSender<MesosCall>;

/// Starts the task that sends queued calls through `scheduler`.
pub fn start(scheduler: Scheduler) -> CallQueue {
    let (queue, mut calls) = mpsc::unbounded_channel::<MesosCall>();
    tokio::spawn(async move {
        while let Some(call) = calls.recv().await {
            let what = name(&call);
            if let Err(e) = send_mesos_call(&scheduler, call).await {
                tracing::warn!(call = what, error = %e, "Mesos call failed");
            }
        }
    });
    queue
}

fn name(call: &MesosCall) -> &'static str {
    match call {
        MesosCall::Accept { .. } => "ACCEPT",
        MesosCall::Decline { .. } => "DECLINE",
        MesosCall::Kill { .. } => "KILL",
        MesosCall::Acknowledge { .. } => "ACKNOWLEDGE",
        MesosCall::Reconcile { .. } => "RECONCILE",
        MesosCall::Revive => "REVIVE",
        MesosCall::Suppress => "SUPPRESS",
    }
}

/// Makes the Mesos call the core asked for.
pub async fn send_mesos_call(
    scheduler: &Scheduler,
    call: MesosCall,
) -> Result<(), mesos::scheduler::CallError> {
    match call {
        MesosCall::Accept {
            offer_ids,
            operations,
            filters,
        } => scheduler.accept(offer_ids, operations, Some(filters)).await,
        MesosCall::Decline {
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
        MesosCall::Kill {
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
        MesosCall::Acknowledge {
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
        MesosCall::Reconcile { tasks } => scheduler.reconcile(tasks).await,
        MesosCall::Revive => scheduler.revive(Vec::new()).await,
        MesosCall::Suppress => scheduler.suppress(Vec::new()).await,
    }
}
