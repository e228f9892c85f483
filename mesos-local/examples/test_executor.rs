//! A minimal custom executor on the executor client, launched by
//! `mesos-local` in the tests. For each task it reports TASK_RUNNING; if the
//! sandbox has a `data` directory (a persistent volume), the status message
//! says what an earlier task left in `data/marker` ("found: ...", or "found:
//! nothing") and the task then writes its own id there. KILL gives
//! TASK_KILLED; SHUTDOWN kills every task; with no task left it exits.
//! Task data (comma-separated flags) changes that, to test the agent:
//! `crash` makes the executor exit with status 3 once its TASK_RUNNING is
//! acknowledged, `ignore-kill` and `ignore-shutdown` make it ignore those.

use std::collections::BTreeSet;
use std::time::Duration;

use mesos::executor::{Executor, ExecutorConfig, ExecutorEvent};
use mesos::proto::{TaskId, TaskState, TaskStatus};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = match ExecutorConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("test_executor: {e}");
            std::process::exit(2);
        }
    };
    let sandbox = config.env.sandbox.clone();
    let (executor, mut events) = match Executor::subscribe(config) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("test_executor: {e}");
            std::process::exit(2);
        }
    };
    let mut tasks: BTreeSet<String> = BTreeSet::new();
    let mut ignore_shutdown = false;
    let mut ignore_kill = false;
    while let Some(event) = events.recv().await {
        match event {
            ExecutorEvent::Launch(task) => {
                let id = task.task_id.clone().unwrap_or_default();
                let message = volume_note(&sandbox, &id.value);
                println!("launched {} ({message})", id.value);
                tasks.insert(id.value.clone());
                report(&executor, id, TaskState::TaskRunning, &message).await;
                let data =
                    String::from_utf8_lossy(task.data.as_deref().unwrap_or_default()).to_string();
                let flags: Vec<&str> = data.split(',').collect();
                ignore_kill |= flags.contains(&"ignore-kill");
                ignore_shutdown |= flags.contains(&"ignore-shutdown");
                if flags.contains(&"crash") {
                    settle(&executor).await;
                    println!("crashing");
                    std::process::exit(3);
                }
            }
            ExecutorEvent::Kill { task_id, .. } if ignore_kill => {
                println!("ignoring kill of {}", task_id.value)
            }
            ExecutorEvent::Shutdown if ignore_shutdown => println!("ignoring shutdown"),
            ExecutorEvent::Kill { task_id, .. } => {
                println!("killing {}", task_id.value);
                tasks.remove(&task_id.value);
                report(
                    &executor,
                    task_id,
                    TaskState::TaskKilled,
                    "killed by the scheduler",
                )
                .await;
                if tasks.is_empty() {
                    break;
                }
            }
            ExecutorEvent::Shutdown => {
                println!("shutting down");
                for id in std::mem::take(&mut tasks) {
                    report(
                        &executor,
                        TaskId { value: id },
                        TaskState::TaskKilled,
                        "executor shut down",
                    )
                    .await;
                }
                break;
            }
            ExecutorEvent::Lost(why) => {
                eprintln!("test_executor: agent lost: {why}");
                std::process::exit(1);
            }
            _ => {}
        }
    }
    settle(&executor).await;
}

/// Waits until the agent has taken over every update.
async fn settle(executor: &Executor) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while executor.unacknowledged_updates() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn report(executor: &Executor, task_id: TaskId, state: TaskState, message: &str) {
    let status = TaskStatus {
        task_id: Some(task_id),
        state: state as i32,
        message: Some(message.to_string()),
        ..Default::default()
    };
    if let Err(e) = executor.update(status).await {
        eprintln!("test_executor: update failed: {e}");
    }
}

/// What an earlier task left in the volume; then leaves this task's mark.
fn volume_note(sandbox: &std::path::Path, task_id: &str) -> String {
    let data = sandbox.join("data");
    if !data.is_dir() {
        return "no volume".to_string();
    }
    let marker = data.join("marker");
    let found = std::fs::read_to_string(&marker).unwrap_or_else(|_| "nothing".to_string());
    if let Err(e) = std::fs::write(&marker, task_id) {
        return format!("cannot write the volume: {e}");
    }
    format!("found: {found}")
}
