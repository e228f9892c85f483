//! Following an apply: each progress event printed with the time since the
//! apply (and each broker) started, until the final one. Ctrl-C detaches and
//! leaves the apply running; a lost connection is retried.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use engine::Address;
use futures::StreamExt;
use scheduler::wire::{Counts, Progress};

use crate::error_report::EXIT_ERROR;
use crate::scheduler_client::{ClientError, SchedulerClient};

/// Follows apply `apply_id`, printing each step with the time since the
/// apply (and each broker) started, until it ends. Ctrl-C detaches; a lost
/// connection is retried (the scheduler may be restarting).
pub async fn follow(client: &SchedulerClient, apply_id: &str) -> Result<ExitCode> {
    let started = Instant::now();
    let mut broker_started: BTreeMap<(String, u32), Instant> = BTreeMap::new();
    loop {
        let events = match client.progress(apply_id).await {
            Ok(events) => events,
            Err(ClientError::Refused { status: 404, .. }) => {
                println!("Apply {apply_id} ended while the scheduler was unreachable; `kmesos state list` shows the result.");
                return Ok(ExitCode::SUCCESS);
            }
            // Unreachable, or a standby while no scheduler leads: the
            // scheduler is restarting or a standby is taking over.
            Err(
                e @ (ClientError::Unreachable { .. } | ClientError::Refused { status: 503, .. }),
            ) => {
                eprintln!("{e}; retrying");
                if wait_or_detach(apply_id, client).await {
                    return Ok(ExitCode::SUCCESS);
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let mut events = std::pin::pin!(events);
        loop {
            let next = tokio::select! {
                next = events.next() => next,
                _ = tokio::signal::ctrl_c() => {
                    detached(apply_id, client);
                    return Ok(ExitCode::SUCCESS);
                }
            };
            match next {
                Some(Ok(event)) => {
                    if let Some(code) = show(&event, started, &mut broker_started) {
                        return Ok(code);
                    }
                }
                Some(Err(e)) => {
                    eprintln!("lost the progress stream ({e}); reconnecting");
                    break;
                }
                None => {
                    eprintln!("the scheduler closed the progress stream; reconnecting");
                    break;
                }
            }
        }
        if wait_or_detach(apply_id, client).await {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// Waits a moment before reconnecting; true if Ctrl-C came first.
async fn wait_or_detach(apply_id: &str, client: &SchedulerClient) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => false,
        _ = tokio::signal::ctrl_c() => {
            detached(apply_id, client);
            true
        }
    }
}

fn detached(apply_id: &str, client: &SchedulerClient) {
    println!(
        "\nDetached. Apply {apply_id} keeps running on the scheduler at {}; `kmesos state list` shows where it is.",
        client.base_url()
    );
}

/// Prints one event; the exit code when it ends the apply.
fn show(
    event: &Progress,
    started: Instant,
    brokers: &mut BTreeMap<(String, u32), Instant>,
) -> Option<ExitCode> {
    let total = elapsed(started);
    match event {
        Progress::Started { holder, steps, .. } => {
            println!("Applying {steps} change(s) for {holder}.");
        }
        Progress::Broker {
            cluster,
            id,
            phase,
            detail,
            ..
        } => {
            let since = *brokers
                .entry((cluster.clone(), *id))
                .or_insert_with(Instant::now);
            let phase = serde_json::to_value(phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let detail = detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            println!(
                "{}: {}{detail} [{} elapsed]",
                Address::of_broker(cluster, *id),
                phase.replace('_', " "),
                elapsed(since)
            );
        }
        Progress::Cluster {
            cluster, detail, ..
        } => {
            println!(
                "{}: {detail} [{total} elapsed]",
                Address::of_cluster(cluster)
            );
        }
        Progress::StepDone {
            address, action, ..
        } => {
            println!("{address}: {action} complete [{total} elapsed]");
        }
        Progress::Finished { counts, .. } => {
            println!("\nApply complete! {}", summary(counts));
            return Some(ExitCode::SUCCESS);
        }
        Progress::Failed {
            message, counts, ..
        } => {
            eprintln!(
                "\nApply failed after {total}: {message}\n({})",
                summary(counts)
            );
            return Some(ExitCode::from(EXIT_ERROR));
        }
        Progress::Cancelled { counts, .. } => {
            println!("\nApply cancelled after {total}. {}", summary(counts));
            return Some(ExitCode::from(EXIT_ERROR));
        }
    }
    None
}

fn summary(c: &Counts) -> String {
    format!(
        "{} created, {} updated, {} restarted, {} destroyed.",
        c.created, c.updated, c.restarted, c.destroyed
    )
}

fn elapsed(since: Instant) -> String {
    let secs = since.elapsed().as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}
