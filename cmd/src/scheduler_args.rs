//! Which scheduler a command talks to: `--scheduler` / `KMESOS_SCHEDULER`
//! and `--token` / `KMESOS_TOKEN`, else the configuration's `scheduler`
//! block (for commands that read no configuration of their own, the one
//! `--config` names).

use std::path::PathBuf;

use anyhow::{bail, Result};
use engine::Config;

use crate::configuration::{load_config, VarArgs};
use crate::scheduler_client::SchedulerClient;

/// How to reach the scheduler's API.
#[derive(clap::Args, Clone)]
pub struct SchedulerArgs {
    /// The scheduler's API URL (default: the configuration's `scheduler` block).
    #[arg(long, global = true, env = "KMESOS_SCHEDULER", value_name = "URL")]
    pub scheduler: Option<String>,
    /// Bearer token for the scheduler's API.
    #[arg(
        long,
        global = true,
        env = "KMESOS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

impl SchedulerArgs {
    /// A client of the scheduler named by the flag, the environment, or
    /// `config`'s `scheduler` block, in that order.
    pub fn client(&self, config: Option<&Config>) -> Result<SchedulerClient> {
        let from_config = config
            .and_then(|c| c.scheduler.as_ref())
            .map(|s| s.address.clone());
        let Some(address) = self.scheduler.clone().or(from_config) else {
            bail!("no scheduler address: pass --scheduler URL, set KMESOS_SCHEDULER, or add a `scheduler {{ address = \"...\" }}` block");
        };
        Ok(SchedulerClient::new(&address, self.token.clone()))
    }
}

/// Which scheduler, for the commands that read no configuration of their
/// own: the flags, or the `scheduler` block of `--config`.
#[derive(clap::Args)]
pub struct Target {
    /// A configuration whose `scheduler` block names the scheduler.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(flatten)]
    vars: VarArgs,
    #[command(flatten)]
    scheduler: SchedulerArgs,
}

impl Target {
    /// The `--config` configuration, if one was named.
    pub fn config(&self) -> Result<Option<Config>> {
        self.config
            .as_ref()
            .map(|path| load_config(path, &self.vars))
            .transpose()
    }

    pub fn client(&self) -> Result<SchedulerClient> {
        self.scheduler.client(self.config()?.as_ref())
    }
}
