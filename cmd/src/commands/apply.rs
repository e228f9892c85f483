//! `kmesos apply`: shows the plan, asks for confirmation, hands the change
//! set to the scheduler and follows its progress until it ends.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use engine::Plan;

use crate::async_runtime::runtime;
use crate::configuration::{load_config, read_text, VarArgs};
use crate::live_state::{current_state, RefreshArgs};
use crate::plan_availability::{self, AllowUnavailable};
use crate::plan_placement;
use crate::plan_submission::{submit_and_follow, submit_saved};
use crate::scheduler_args::SchedulerArgs;

/// Apply a configuration (or a saved plan) through the scheduler.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos apply examples/quickstart\n  kmesos plan examples/quickstart --out plan.json && kmesos apply plan.json"
)]
pub struct Args {
    /// A .hcl file or directory of them, or a plan saved by `kmesos plan --out`.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    #[command(flatten)]
    vars: VarArgs,
    #[command(flatten)]
    refresh: RefreshArgs,
    #[command(flatten)]
    allow: AllowUnavailable,
    #[command(flatten)]
    scheduler: SchedulerArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    runtime()?.block_on(apply(args))
}

async fn apply(args: Args) -> Result<ExitCode> {
    let (plan, config, saved) = match read_saved_plan(&args.path)? {
        Some(plan) => {
            let redacted = format!("\"{}\"", engine::sensitive::REDACTED);
            if serde_json::to_string(&plan.configuration)?.contains(&redacted) {
                bail!(
                    "{} holds secret values, which saved plans never store; apply the configuration itself",
                    args.path.display()
                );
            }
            let config = plan.configuration.clone();
            (plan, config, true)
        }
        None => {
            let config = load_config(&args.path, &args.vars)?;
            let client = args.scheduler.client(Some(&config))?;
            let state = current_state(&client, args.refresh).await?;
            let plan =
                plan_availability::analyzed(&client, &state, engine::diff(&config, &state)?).await;
            let plan = plan_placement::previewed(&client, plan).await;
            (plan, config, false)
        }
    };
    let client = args.scheduler.client(Some(&config))?;
    if saved {
        // A saved plan was reviewed when it was made, as with Terraform.
        submit_saved(&client, plan, config, args.allow).await
    } else {
        submit_and_follow(&client, plan, config, args.auto_approve, args.allow).await
    }
}

/// The plan in `path`, if it is a saved plan file rather than HCL.
fn read_saved_plan(path: &Path) -> Result<Option<Plan>> {
    if path.is_dir() || path.extension().is_some_and(|e| e == "hcl") {
        return Ok(None);
    }
    let text = read_text(path)?;
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    Ok(Some(Plan::from_json(&text, &path.display().to_string())?))
}
