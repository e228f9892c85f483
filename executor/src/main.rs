//! The kmesos executor binary, started by a Mesos agent for a broker task.
//! It subscribes to the agent, runs each launched task (see
//! `kmesos_executor::task`), forwards KILL and SHUTDOWN to them, and exits
//! once every task has ended and the agent has acknowledged every update.
//! Its own log goes to stderr (the sandbox's `stderr` file); `RUST_LOG`
//! filters it.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Context as _;
use kmesos_executor::task::{self, kill_grace, TaskControl, SHUTDOWN_MARGIN};
use mesos::executor::{Executor, ExecutorConfig, ExecutorEvent};
use tokio::task::JoinSet;
use tracing_subscriber::EnvFilter;

// A tansu broker's front decodes untrusted request headers; see the
// allocator's module for why huge allocations must not abort the process.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: kafka::ReserveHugeAllocations = kafka::ReserveHugeAllocations;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let config = ExecutorConfig::from_env()?;
    let sandbox = std::path::absolute(&config.env.sandbox)
        .with_context(|| format!("sandbox {}", config.env.sandbox.display()))?;
    let shutdown_grace = config.env.shutdown_grace_period;
    let (executor, mut events) = Executor::subscribe(config)?;

    let mut tasks: HashMap<String, TaskControl> = HashMap::new();
    let mut running: JoinSet<(String, Option<uuid::Uuid>)> = JoinSet::new();
    let mut done_with_tasks = false;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else {
                    anyhow::bail!("the executor client stopped");
                };
                match event {
                    ExecutorEvent::Subscribed(subscribed) => {
                        let agent = subscribed.agent_info.as_ref().map(|a| a.hostname.as_str()).unwrap_or("?");
                        tracing::info!(agent, "subscribed to the agent");
                    }
                    ExecutorEvent::Launch(info) => {
                        let id = info.task_id.as_ref().map(|t| t.value.clone()).unwrap_or_default();
                        if tasks.contains_key(&id) {
                            tracing::warn!(task = %id, "LAUNCH for a task that is already running; ignored");
                            continue;
                        }
                        tracing::info!(task = %id, "launching");
                        let (control, handle) = task::spawn(executor.clone(), *info, sandbox.clone(), shutdown_grace);
                        tasks.insert(id.clone(), control);
                        running.spawn(async move { (id, handle.await.ok().flatten()) });
                    }
                    ExecutorEvent::Kill { task_id, kill_policy } => match tasks.get(&task_id.value) {
                        Some(control) => {
                            let grace = kill_grace(kill_policy.as_ref(), control.kill_policy.as_ref(), shutdown_grace);
                            tracing::info!(task = %task_id.value, ?grace, "KILL");
                            control.kill(grace);
                        }
                        None => tracing::warn!(task = %task_id.value, "KILL for a task this executor does not run"),
                    },
                    ExecutorEvent::Shutdown => {
                        let grace = shutdown_grace.saturating_sub(SHUTDOWN_MARGIN);
                        tracing::info!(?grace, tasks = tasks.len(), "SHUTDOWN");
                        for control in tasks.values() {
                            control.kill(grace);
                        }
                        done_with_tasks = true;
                    }
                    ExecutorEvent::Acknowledged { task_id, uuid } => {
                        tracing::debug!(task = %task_id.value, %uuid, "update acknowledged");
                    }
                    ExecutorEvent::Message(data) => {
                        tracing::debug!(bytes = data.len(), "message from the scheduler ignored");
                    }
                    ExecutorEvent::Error(message) => tracing::warn!(%message, "error event from the agent"),
                    ExecutorEvent::Disconnected(reason) => {
                        tracing::warn!(%reason, "disconnected from the agent; the broker keeps running");
                    }
                    ExecutorEvent::Lost(reason) => {
                        // Dropping the tasks' brokers kills them: the agent
                        // will not take this executor back.
                        anyhow::bail!("lost the agent: {reason}");
                    }
                }
            }
            Some(ended) = running.join_next() => {
                if let Ok((id, uuid)) = ended {
                    tracing::info!(task = %id, ?uuid, "task ended");
                    tasks.remove(&id);
                }
                done_with_tasks |= tasks.is_empty();
            }
        }
        // The client keeps every update until the agent acknowledges it.
        if done_with_tasks && tasks.is_empty() && executor.unacknowledged_updates() == 0 {
            tracing::info!("all tasks ended and acknowledged; exiting");
            return Ok(());
        }
    }
}
