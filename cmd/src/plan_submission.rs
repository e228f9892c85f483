//! Handing a plan to the scheduler: show it, ask for confirmation unless
//! approved, submit it (a plan made here from the configuration is made again
//! when only the state's serial moved under it), then follow its progress.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{bail, Result};
use engine::{Config, Plan};
use scheduler::wire::ApplyRequest;

use crate::error_report::EXIT_ERROR;
use crate::plan_availability::{self, AllowUnavailable};
use crate::progress::follow;
use crate::scheduler_client::{explain, holder, ClientError, SchedulerClient};

/// How often a plan made from the configuration is recomputed when the
/// state moves under it (another apply, or an outside change recorded).
const REPLANS: usize = 5;

/// Shows `plan`, asks unless `approved`, submits it and follows it to the end.
/// A plan made here from the configuration (`saved` false) that the state
/// moved under is made again and, if it has the same changes, resubmitted
/// (the operator approved those changes); a saved plan is refused as stale.
pub async fn submit_and_follow(
    client: &SchedulerClient,
    plan: Plan,
    config: Config,
    approved: bool,
    allow: AllowUnavailable,
) -> Result<ExitCode> {
    submit_plan(client, plan, config, approved, false, allow).await
}

/// [`submit_and_follow`] for a plan file: never recomputed.
pub async fn submit_saved(
    client: &SchedulerClient,
    plan: Plan,
    config: Config,
    allow: AllowUnavailable,
) -> Result<ExitCode> {
    submit_plan(client, plan, config, true, true, allow).await
}

async fn submit_plan(
    client: &SchedulerClient,
    mut plan: Plan,
    config: Config,
    approved: bool,
    saved: bool,
    allow: AllowUnavailable,
) -> Result<ExitCode> {
    print!(
        "{}",
        engine::render::text::render(&plan, std::io::stdout().is_terminal())
    );
    if !plan.has_changes() {
        // The rendering above already says "No changes."
        return Ok(ExitCode::SUCCESS);
    }
    plan_availability::check(&plan, allow)?;
    if !approved && !confirm()? {
        println!("\nApply cancelled.");
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    let mut replans = 0;
    let accepted = loop {
        let request = ApplyRequest {
            plan: plan.clone(),
            config: config.clone(),
            holder: holder(),
            allow_unavailable: allow.allow_unavailable,
        };
        match client.apply(&request).await {
            Ok(accepted) => break accepted,
            Err(ClientError::Refused { status: 409, body })
                if !saved && body.holder.is_none() && replans < REPLANS =>
            {
                replans += 1;
                let state = client.state().await?;
                let again = engine::diff(&config, &state)?;
                if again.changes != plan.changes {
                    bail!(
                        "{}; the plan is different now: run `kmesos apply` again to review it",
                        body.error
                    );
                }
                plan = again;
            }
            Err(e) => return Err(explain(e)),
        }
    };
    println!(
        "\nApply {} started on {}.",
        accepted.apply_id,
        client.base_url()
    );
    follow(client, &accepted.apply_id).await
}

fn confirm() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to ask for confirmation: stdin is not a terminal; pass --auto-approve to apply without asking");
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt("Do you want to perform these actions?")
        .default(false)
        .interact()?)
}
