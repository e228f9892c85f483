//! `kmesos destroy`: removes everything the scheduler manages, by applying
//! the plan from its state to an empty configuration (brokers stopped, their
//! tasks and volumes released; topics deleted).

use std::process::ExitCode;

use anyhow::Result;
use engine::Config;

use crate::async_runtime::runtime;
use crate::plan_availability::AllowUnavailable;
use crate::plan_submission::submit_and_follow;
use crate::scheduler_args::Target;

/// Destroy every cluster the scheduler manages.
#[derive(clap::Args)]
pub struct Args {
    /// Destroy without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    #[command(flatten)]
    target: Target,
}

pub fn run(args: Args) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let loaded = args.target.config()?;
        let client = args.target.client()?;
        let state = client.state().await?;
        let nothing = Config {
            scheduler: loaded.and_then(|c| c.scheduler),
            ..Config::default()
        };
        let plan = engine::diff(&nothing, &state)?;
        submit_and_follow(
            &client,
            plan,
            nothing,
            args.auto_approve,
            AllowUnavailable::default(),
        )
        .await
    })
}
