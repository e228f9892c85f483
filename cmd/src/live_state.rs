//! The state a plan is made against when no `--state` file is given: the
//! scheduler's, refreshed first from the live brokers (as Terraform
//! refreshes) unless `--refresh=false`.

use anyhow::Result;
use engine::Config;

use crate::async_runtime::runtime;
use crate::scheduler_args::SchedulerArgs;
use crate::scheduler_client::{explain, ClientError, SchedulerClient};

/// Whether to refresh the scheduler's state from the live brokers before
/// planning, as Terraform refreshes.
#[derive(clap::Args, Clone, Copy)]
pub struct RefreshArgs {
    /// Read the Apache Kafka clusters' dynamic configs and topics from their
    /// brokers first and record what changed outside kmesos as drift
    /// (`--refresh=false` plans against the state as recorded).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
}

/// The state to plan against when no `--state` file is given: the live
/// scheduler's, refreshed from the brokers unless `refresh` says not to,
/// with the client that reached it. With the address only from the
/// configuration's `scheduler` block and nothing answering there, the plan
/// is made against an empty state, with a warning (so a configuration can
/// be planned offline), and there is no client.
pub fn live_state(
    scheduler: &SchedulerArgs,
    config: &Config,
    refresh: RefreshArgs,
) -> Result<(engine::State, Option<SchedulerClient>)> {
    let explicit = scheduler.scheduler.is_some();
    if !explicit && config.scheduler.is_none() {
        return Ok((engine::State::empty(), None));
    }
    let client = scheduler.client(Some(config))?;
    match runtime()?.block_on(current_state(&client, refresh)) {
        Ok(state) => Ok((state, Some(client))),
        Err(ClientError::Unreachable { url, detail }) if !explicit => {
            eprintln!("warning: no scheduler answers at {url} ({detail}); planning against an empty state");
            Ok((engine::State::empty(), None))
        }
        Err(e) => Err(explain(e)),
    }
}

/// The scheduler's state, refreshed first from the live brokers unless
/// `refresh` says not to; clusters that could not be refreshed are named on
/// stderr, and the plan is made against what the state recorded for them.
pub async fn current_state(
    client: &SchedulerClient,
    refresh: RefreshArgs,
) -> Result<engine::State, ClientError> {
    if refresh.refresh {
        match client.refresh().await {
            Ok(report) => {
                for outcome in report.clusters {
                    if let Some(why) = outcome.skipped {
                        eprintln!(
                            "warning: cluster {} was not refreshed from its brokers: {why}",
                            outcome.cluster
                        );
                    }
                }
            }
            // A scheduler older than the refresh.
            Err(ClientError::Refused { status: 404, .. }) => {
                eprintln!("warning: the scheduler at {} cannot refresh from the brokers; planning against its state as recorded", client.base_url());
            }
            Err(e) => return Err(e),
        }
    }
    client.state().await
}
